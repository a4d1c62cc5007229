package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/browsertest"
	"gatehouse/web/mail/mailtest"
	"gatehouse/web/webtest"

	"github.com/chromedp/chromedp"
)

// clickLink clicks the link of the page's main content whose text is name,
// and waits until waitCSS shows on the page it opens.
func clickLink(t *testing.T, ctx context.Context, name, waitCSS string) {
	t.Helper()
	browsertest.Do(t, ctx, "click "+name,
		chromedp.Click(chromedp.Search(`//main//a[normalize-space(.)="`+name+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(waitCSS)))
}

// poolBrowserFixture is a tenant (legacy when asked) whose owner has
// accepted the e-mailed invitation and signed in in ctx, and a Tenant
// Member to act on.
func poolBrowserFixture(t *testing.T, db modelstest.DB, legacy bool) (context.Context, *webtest.App, *mailtest.Server, models.Administrator) {
	t.Helper()
	ctx := browsertest.New(t, 150*time.Second)
	smtp, worker := startMail(t, db)
	app := webtest.Start(t, db, webtest.Options{RealClock: true, WakeMail: worker.Wake})
	tn, _, _, err := app.Store.CreateTenant(context.Background(), models.CreateTenantInput{
		Slug: "acme", Name: "Acme Corporation", Plan: models.PlanEnterprise, Legacy: legacy,
		AdminEmail: "olivia@acme.example", AdminGivenName: "Olivia", AdminFamilyName: "Owner",
	}, models.Actor{Email: "test"})
	if err != nil {
		t.Fatal(err)
	}
	worker.Wake()
	acceptAndSignIn(t, ctx, inviteLink(t, smtp, "olivia@acme.example"), "olivia@acme.example")
	target := app.AdminWithRoles(tn, "tom@acme.example", "tenant_member")
	return ctx, app, smtp, target
}

// TestBrowserAdvancedAdministratorManagementPath walks the seed's path
// click by click as the Tenant Admin of a legacy tenant: Tenant Settings >
// Administrators > Open Admin Workspace > Built in Admin IDP > Manage Pool
// > Users > a user > Roles, assigns Tenant Auditor and Saves.
func TestBrowserAdvancedAdministratorManagementPath(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		ctx, app, _, target := poolBrowserFixture(t, db, true)
		browsertest.Do(t, ctx, "open Administrators", chromedp.Click(chromedp.CSS(`.sidebar a[href="/t/acme/settings/administrators"]`)),
			chromedp.WaitVisible(chromedp.CSS("#admin-management-advanced")))
		browsertest.Screenshot(t, ctx, "pools-1-administrators-legacy-"+db.Name)
		clickLink(t, ctx, "Open Admin Workspace", `#list`)
		browsertest.Screenshot(t, ctx, "pools-2-identity-providers-"+db.Name)
		clickLink(t, ctx, "Built in Admin IDP", "#idp")
		browsertest.Screenshot(t, ctx, "pools-3-built-in-admin-idp-"+db.Name)
		clickLink(t, ctx, "Manage Pool", "#settings")
		if h := browsertest.Text(t, ctx, "h1"); h != "Administrators" {
			t.Fatalf("Manage Pool opened %q", h)
		}
		browsertest.Screenshot(t, ctx, "pools-4-administrators-pool-"+db.Name)
		clickLink(t, ctx, "Users", `[data-testid="pool-users"]`)
		browsertest.Screenshot(t, ctx, "pools-5-pool-users-"+db.Name)
		clickLink(t, ctx, target.DisplayName(), `[data-testid="identifiers"]`)
		if !strings.Contains(browsertest.Text(t, ctx, `[data-testid="identifiers"]`), "tom@acme.example") {
			t.Fatal("the sign-in e-mail is not among the identifiers")
		}
		browsertest.Screenshot(t, ctx, "pools-6-pool-user-"+db.Name)
		clickLink(t, ctx, "Roles", "#roles")
		browsertest.Do(t, ctx, "choose Tenant Auditor", chromedp.SetValue(chromedp.CSS("#f-role"), "tenant_auditor"))
		browsertest.Screenshot(t, ctx, "pools-7-roles-"+db.Name)
		browsertest.Submit(t, ctx, "Save", "#roles form button[type=submit].button-primary")
		if f := browsertest.Text(t, ctx, ".flash"); !strings.Contains(f, "Tenant Auditor was assigned") {
			t.Fatalf("flash %q", f)
		}
		if !strings.Contains(browsertest.Text(t, ctx, "#roles table"), "Tenant Auditor") {
			t.Fatal("the role is not listed")
		}
		browsertest.Screenshot(t, ctx, "pools-8-roles-saved-"+db.Name)
		if n := modelstest.Count(t, app.DB.DB.Model(&models.RoleBinding{}).Where("administrator_id = ? AND role_key = ?", target.ID, "tenant_auditor")); n != 1 {
			t.Fatalf("%d Tenant Auditor bindings", n)
		}
	})
}

// TestBrowserStatusNewSendsAFreshInvitation: the owner sets an active
// administrator's status to new on their pool page; the administrator
// follows the fresh invitation from the captured e-mail, sets a password
// and signs in.
func TestBrowserStatusNewSendsAFreshInvitation(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		ctx, app, smtp, target := poolBrowserFixture(t, db, false)
		userURL := app.URL(fmt.Sprintf("/t/acme/identity-pools/administrators/users/%d", target.ID))
		browsertest.Do(t, ctx, "open the pool user", chromedp.Navigate(userURL), chromedp.WaitVisible(chromedp.CSS("#manage")))
		browsertest.Do(t, ctx, "choose new", chromedp.SetValue(chromedp.CSS("#f-status"), "new"))
		browsertest.Submit(t, ctx, "Set status", "#manage form button[type=submit]")
		if f := browsertest.Text(t, ctx, ".flash"); !strings.Contains(f, "fresh invitation") {
			t.Fatalf("flash %q", f)
		}
		browsertest.Screenshot(t, ctx, "pools-status-new-"+db.Name)
		a, err := app.Store.AdministratorByID(context.Background(), target.TenantID, target.ID)
		if err != nil || a.Status != models.AdminInvited {
			t.Fatalf("status %q %v", a.Status, err)
		}
		tom := browsertest.New(t, 90*time.Second)
		acceptAndSignIn(t, tom, inviteLink(t, smtp, "tom@acme.example"), "tom@acme.example")
		if a, _ := app.Store.AdministratorByID(context.Background(), target.TenantID, target.ID); a.Status != models.AdminActive {
			t.Fatalf("after accepting: %q", a.Status)
		}
	})
}

// TestBrowserVerifyAnAddress: the owner adds an address to a pool user and
// starts its OTP verification; the link of the captured e-mail opens a
// page whose Verify marks the address verified.
func TestBrowserVerifyAnAddress(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		ctx, app, smtp, target := poolBrowserFixture(t, db, false)
		userURL := app.URL(fmt.Sprintf("/t/acme/identity-pools/administrators/users/%d", target.ID))
		browsertest.Do(t, ctx, "open the pool user", chromedp.Navigate(userURL), chromedp.WaitVisible(chromedp.CSS("#addresses")))
		browsertest.Do(t, ctx, "type an address",
			chromedp.SetValue(chromedp.CSS("#f-address_type"), "email"),
			chromedp.SendKeys(chromedp.CSS("#f-address"), "tom.backup@acme.example"))
		browsertest.Submit(t, ctx, "Add address", "#addresses form.inline-form button[type=submit]")
		browsertest.Submit(t, ctx, "Start OTP verification",
			`[data-testid="addresses"] tr:nth-child(2) form[action$="/verify"] button`)
		if f := browsertest.Text(t, ctx, ".flash"); !strings.Contains(f, "verification link was sent") {
			t.Fatalf("flash %q", f)
		}
		msg := smtp.WaitFor(t, "tom.backup@acme.example", 15*time.Second)
		link := poolLinkRE.FindString(msg.Text)
		if !strings.Contains(link, "/verify/") {
			t.Fatalf("no link in:\n%s", msg.Text)
		}
		other := browsertest.New(t, 60*time.Second)
		browsertest.Do(t, other, "open the link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("form button[type=submit]")))
		browsertest.Screenshot(t, other, "pools-verify-link-"+db.Name)
		browsertest.Submit(t, other, "Verify", "form button[type=submit]")
		if h := browsertest.Text(t, other, "h1"); h != "Address verified" {
			t.Fatalf("after Verify: %q", h)
		}
		browsertest.Do(t, ctx, "reload", chromedp.Navigate(userURL), chromedp.WaitVisible(chromedp.CSS("#addresses")))
		row := browsertest.Text(t, ctx, `[data-testid="addresses"] tr:nth-child(2)`)
		if !strings.Contains(row, "tom.backup@acme.example") || !strings.Contains(row, "Verified") || strings.Contains(row, "Not verified") {
			t.Fatalf("address row %q", row)
		}
		browsertest.Screenshot(t, ctx, "pools-address-verified-"+db.Name)
	})
}
