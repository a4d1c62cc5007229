package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/browsertest"
	"gatehouse/web/webtest"

	"github.com/chromedp/chromedp"
)

// TestBrowserOwnerInvitesAnAuditorThenDeactivatesThem: the owner creates an
// auditor with Create New; the auditor accepts the e-mailed invitation,
// signs in and sees the Administrators list read-only; the owner
// deactivates the auditor, whose open session ends on their next click.
func TestBrowserOwnerInvitesAnAuditorThenDeactivatesThem(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		owner := browsertest.New(t, 120*time.Second)
		auditor := browsertest.New(t, 120*time.Second)
		smtp, worker := startMail(t, db)
		app := webtest.Start(t, db, webtest.Options{RealClock: true, WakeMail: worker.Wake})
		if _, _, _, err := app.Store.CreateTenant(context.Background(), models.CreateTenantInput{
			Slug: "acme", Name: "Acme Corporation", Plan: models.PlanEnterprise,
			AdminEmail: "olivia@acme.example", AdminGivenName: "Olivia", AdminFamilyName: "Owner",
		}, models.Actor{Email: "test"}); err != nil {
			t.Fatal(err)
		}
		worker.Wake()
		acceptAndSignIn(t, owner, inviteLink(t, smtp, "olivia@acme.example"), "olivia@acme.example")

		// The owner opens Tenant Settings > Administrators and uses Create New.
		browsertest.Do(t, owner, "open Administrators", chromedp.Click(chromedp.CSS(`.sidebar a[href="/t/acme/settings/administrators"]`)),
			chromedp.WaitVisible(chromedp.CSS("table.table")))
		browsertest.Do(t, owner, "Create New", chromedp.Click(chromedp.CSS(`.page-actions a`)), chromedp.WaitVisible(chromedp.CSS("#f-email")))
		browsertest.Do(t, owner, "fill Create New",
			chromedp.SendKeys(chromedp.CSS("#f-email"), "audrey@acme.example"),
			chromedp.SendKeys(chromedp.CSS("#f-given_name"), "Audrey"),
			chromedp.SendKeys(chromedp.CSS("#f-family_name"), "Auditor"),
			chromedp.SetValue(chromedp.CSS("#f-role"), "tenant_auditor"))
		browsertest.Screenshot(t, owner, "admin-create-new-"+db.Name)
		browsertest.Submit(t, owner, "create the auditor", "form button[type=submit].button-primary")
		if h := browsertest.Text(t, owner, "h1"); h != "Audrey Auditor" {
			t.Fatalf("after Create New: heading %q", h)
		}
		if f := browsertest.Text(t, owner, ".flash"); !strings.Contains(f, "invitation was sent") {
			t.Errorf("flash %q", f)
		}
		browsertest.Screenshot(t, owner, "admin-profile-invited-"+db.Name)
		profileURL := browsertest.Location(t, owner)

		// The auditor accepts and sees the list read-only.
		worker.Wake()
		acceptAndSignIn(t, auditor, inviteLink(t, smtp, "audrey@acme.example"), "audrey@acme.example")
		browsertest.Do(t, auditor, "auditor opens Administrators", chromedp.Click(chromedp.CSS(`.sidebar a[href="/t/acme/settings/administrators"]`)),
			chromedp.WaitVisible(chromedp.CSS("table.table")))
		body := browsertest.Text(t, auditor, "body")
		if strings.Contains(body, "Create New") || !strings.Contains(strings.ToLower(body), "read only") || !strings.Contains(body, "olivia@acme.example") {
			t.Fatalf("auditor's list is not read-only:\n%s", body)
		}
		browsertest.Screenshot(t, auditor, "admin-list-auditor-"+db.Name)
		browsertest.Do(t, auditor, "auditor opens the owner's profile", chromedp.Click(chromedp.CSS(`table.table a`)), chromedp.WaitVisible(chromedp.CSS("#roles")))
		body = browsertest.Text(t, auditor, "main")
		for _, control := range []string{"Deactivate", "Assign role", "Remove", "End session", "Send password reset link"} {
			if strings.Contains(body, control) {
				t.Errorf("auditor sees the %q control", control)
			}
		}
		browsertest.Screenshot(t, auditor, "admin-profile-auditor-view-"+db.Name)

		// The owner deactivates the auditor.
		browsertest.Do(t, owner, "reload the auditor's profile", chromedp.Navigate(profileURL), chromedp.WaitVisible(chromedp.CSS("#manage")))
		browsertest.AcceptConfirms(t, owner)
		browsertest.Submit(t, owner, "deactivate", "#manage form button.button-danger")
		if f := browsertest.Text(t, owner, ".flash"); !strings.Contains(f, "deactivated") {
			t.Fatalf("deactivate flash %q", f)
		}
		browsertest.Screenshot(t, owner, "admin-profile-deactivated-"+db.Name)

		// The auditor's next click lands on the sign-in page.
		browsertest.Submit(t, auditor, "auditor clicks Dashboard", `.sidebar a[href="/t/acme/"]`)
		if loc := browsertest.Location(t, auditor); !strings.Contains(loc, "/t/acme/login") {
			t.Fatalf("deactivated auditor still in: %s", loc)
		}
		if f := browsertest.Text(t, auditor, ".flash"); !strings.Contains(f, "session has ended") {
			t.Errorf("auditor flash %q", f)
		}
		browsertest.Screenshot(t, auditor, "auditor-signed-out-"+db.Name)
	})
}
