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

// browserSignIn signs in on the tenant's sign-in page.
func browserSignIn(t *testing.T, ctx context.Context, app *webtest.App, slug, email string) {
	t.Helper()
	browsertest.Do(t, ctx, "open the sign-in page", chromedp.Navigate(app.URL("/t/"+slug+"/login")), chromedp.WaitVisible(chromedp.CSS("#f-email")))
	browsertest.Do(t, ctx, "type e-mail and password",
		chromedp.SendKeys(chromedp.CSS("#f-email"), email),
		chromedp.SendKeys(chromedp.CSS("#f-password"), webtest.Password))
	browsertest.Submit(t, ctx, "sign in", "button[type=submit]")
	browsertest.Do(t, ctx, "dashboard", chromedp.WaitVisible(chromedp.CSS(".sidebar")))
}

// TestBrowserTenantSettings: the owner opens Tenant Settings > Tenant from
// the navigation, is told beside the field what is wrong, saves the name,
// session lengths and dormant threshold, and sees them kept; an auditor
// sees the page read only. Then the Administrators page in each state of
// the feature flags.
func TestBrowserTenantSettings(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		owner := browsertest.New(t, 120*time.Second)
		auditor := browsertest.New(t, 120*time.Second)
		smtp, worker := startMail(t, db)
		app := webtest.Start(t, db, webtest.Options{RealClock: true, WakeMail: worker.Wake})
		tn, _, _, err := app.Store.CreateTenant(context.Background(), models.CreateTenantInput{
			Slug: "acme", Name: "Acme Corporation", Plan: models.PlanProfessional,
			AdminEmail: "olivia@acme.example", AdminGivenName: "Olivia", AdminFamilyName: "Owner",
		}, models.Actor{Email: "test"})
		if err != nil {
			t.Fatal(err)
		}
		worker.Wake()
		acceptAndSignIn(t, owner, inviteLink(t, smtp, "olivia@acme.example"), "olivia@acme.example")

		browsertest.Submit(t, owner, "open Tenant", `.sidebar a[href="/t/acme/settings/tenant"]`)
		if h := browsertest.Text(t, owner, "h1"); h != "Tenant" {
			t.Fatalf("heading %q", h)
		}
		if s := browsertest.Text(t, owner, `[data-testid="tenant-slug"]`); s != "acme" {
			t.Errorf("slug %q", s)
		}
		browsertest.Screenshot(t, owner, "tenant-settings-"+db.Name)

		// A bad idle timeout: the message beside the field, the rest kept.
		browsertest.Do(t, owner, "type settings",
			chromedp.SetValue(chromedp.CSS("#f-name"), "Acme Corp"),
			chromedp.SetValue(chromedp.CSS("#f-idle_minutes"), "4"),
			chromedp.SetValue(chromedp.CSS("#f-absolute_hours"), "8"),
			chromedp.SetValue(chromedp.CSS("#f-deactivate_after_days"), "90"))
		browsertest.Submit(t, owner, "save with a bad idle timeout", "form button[type=submit].button-primary")
		if e := browsertest.Text(t, owner, "#e-idle_minutes"); e != "Idle timeout must be between 5 and 30 minutes." {
			t.Fatalf("idle error %q", e)
		}
		if v, err := chromedp.Run(owner, chromedp.Value(chromedp.CSS("#f-name"))); err != nil || v != "Acme Corp" {
			t.Fatalf("typed name lost: %q %v", v, err)
		}
		browsertest.Screenshot(t, owner, "tenant-settings-error-"+db.Name)
		browsertest.Do(t, owner, "fix the idle timeout", chromedp.SetValue(chromedp.CSS("#f-idle_minutes"), "15"))
		browsertest.Submit(t, owner, "save", "form button[type=submit].button-primary")
		if f := browsertest.Text(t, owner, ".flash"); !strings.Contains(f, "settings were saved") {
			t.Fatalf("flash %q", f)
		}
		for sel, want := range map[string]string{"#f-name": "Acme Corp", "#f-idle_minutes": "15", "#f-absolute_hours": "8", "#f-deactivate_after_days": "90"} {
			if v, err := chromedp.Run(owner, chromedp.Value(chromedp.CSS(sel))); err != nil || v != want {
				t.Errorf("%s after saving: %q %v", sel, v, err)
			}
		}
		got, err := app.Store.TenantBySlug(context.Background(), "acme")
		if err != nil || got.Name != "Acme Corp" || got.IdleMinutes != 15 || got.AbsoluteHours != 8 || got.DeactivateAfterDays != 90 {
			t.Fatalf("stored %+v %v", got, err)
		}
		browsertest.Screenshot(t, owner, "tenant-settings-saved-"+db.Name)

		// An auditor sees it read only.
		app.AdminWithRoles(tn, "audrey@acme.example", "tenant_auditor")
		browserSignIn(t, auditor, app, "acme", "audrey@acme.example")
		browsertest.Submit(t, auditor, "auditor opens Tenant", `.sidebar a[href="/t/acme/settings/tenant"]`)
		if b := browsertest.Text(t, auditor, ".readonly-banner"); !strings.Contains(b, "Read only") {
			t.Errorf("auditor banner %q", b)
		}
		if n, err := chromedp.Run(auditor, chromedp.Evaluate[int](`document.querySelectorAll('main form[method=post], main button[type=submit]').length`)); err != nil || n != 0 {
			t.Errorf("auditor has %d forms or buttons (%v)", n, err)
		}
		browsertest.Screenshot(t, auditor, "tenant-settings-auditor-"+db.Name)

		// The Administrators page in each state of the flags.
		for _, st := range []struct {
			name string
			set  func()
			want string
		}{
			{"classic", func() {}, "Create New"},
			{"off", func() { setFlag(t, app, "acme", models.FlagAdminManagement, false) }, "Administrator management is not enabled for this tenant"},
			{"advanced", func() {
				setFlag(t, app, "acme", models.FlagAdminManagement, true)
				setFlag(t, app, "acme", models.FlagAdvancedAdminManagement, true)
			}, "Open Admin Workspace"},
		} {
			st.set()
			browsertest.Submit(t, owner, "open Administrators ("+st.name+")", `.sidebar a[href="/t/acme/settings/administrators"]`)
			if body := browsertest.Text(t, owner, "main"); !strings.Contains(body, st.want) {
				t.Errorf("%s: the page lacks %q:\n%s", st.name, st.want, body)
			}
			browsertest.Screenshot(t, owner, "administrators-"+st.name+"-"+db.Name)
		}
		browsertest.Submit(t, owner, "open Tenant with flags changed", `.sidebar a[href="/t/acme/settings/tenant"]`)
		browsertest.Screenshot(t, owner, "tenant-settings-advanced-"+db.Name)

		// Every change above is in the audit log, whose chain the background
		// check verifies.
		if err := app.Store.CheckAuditChains(context.Background(), 1000); err != nil {
			t.Fatal(err)
		}
		browsertest.Submit(t, owner, "open the Audit log", `.sidebar a[href="/t/acme/audit"]`)
		if s := browsertest.Text(t, owner, "#audit-chain"); !strings.Contains(s, "Hash chain verified through event") {
			t.Errorf("chain status %q", s)
		}
		browsertest.Screenshot(t, owner, "audit-chain-verified-"+db.Name)
	})
}
