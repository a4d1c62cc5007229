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

// TestBrowserUsersConnectionsRoles: the owner creates a user (and gives
// them attributes), a connection and a role through the screens; a support
// person with Editor - Organizations then sees all three read-only, with no
// control they cannot use.
func TestBrowserUsersConnectionsRoles(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		owner := browsertest.New(t, 150*time.Second)
		support := browsertest.New(t, 150*time.Second)
		smtp, worker := startMail(t, db)
		app := webtest.Start(t, db, webtest.Options{RealClock: true, WakeMail: worker.Wake})
		tn, first, _, err := app.Store.CreateTenant(context.Background(), models.CreateTenantInput{
			Slug: "acme", Name: "Acme Corporation", Plan: models.PlanEnterprise,
			AdminEmail: "olivia@acme.example", AdminGivenName: "Olivia", AdminFamilyName: "Owner",
		}, models.Actor{Email: "test"})
		if err != nil {
			t.Fatal(err)
		}
		worker.Wake()
		acceptAndSignIn(t, owner, inviteLink(t, smtp, "olivia@acme.example"), "olivia@acme.example")

		// Users: the empty list, Create User, then the user's page.
		browsertest.Do(t, owner, "open Users", chromedp.Click(chromedp.CSS(`.sidebar a[href="/t/acme/users"]`)), chromedp.WaitVisible(chromedp.CSS(".empty")))
		browsertest.Do(t, owner, "Create User", chromedp.Click(chromedp.CSS(`.page-actions a`)), chromedp.WaitVisible(chromedp.CSS("#f-email")))
		browsertest.Do(t, owner, "fill Create User",
			chromedp.SendKeys(chromedp.CSS("#f-email"), "ada@customer.example"),
			chromedp.SendKeys(chromedp.CSS("#f-username"), "ada"),
			chromedp.SendKeys(chromedp.CSS("#f-given_name"), "Ada"),
			chromedp.SendKeys(chromedp.CSS("#f-family_name"), "Lovelace"))
		browsertest.Submit(t, owner, "create the user", "form button[type=submit].button-primary")
		if h := browsertest.Text(t, owner, "h1"); h != "Ada Lovelace" {
			t.Fatalf("after Create User: heading %q", h)
		}
		browsertest.Do(t, owner, "fill attributes and metadata",
			chromedp.SendKeys(chromedp.CSS("#f-phone"), "+1 415 555 0123"),
			chromedp.SendKeys(chromedp.CSS("#f-attribute_key-0"), "department"),
			chromedp.SendKeys(chromedp.CSS("#f-attribute_value-0"), "Engineering"),
			chromedp.SendKeys(chromedp.CSS("#f-metadata_key-0"), "plan"),
			chromedp.SendKeys(chromedp.CSS("#f-metadata_value-0"), "enterprise"),
			chromedp.SetValue(chromedp.CSS("#f-status"), "active"))
		browsertest.Submit(t, owner, "save the user", "#edit button[type=submit]")
		if f := browsertest.Text(t, owner, ".flash"); !strings.Contains(f, "was saved") {
			t.Fatalf("save flash %q", f)
		}
		if a := browsertest.Text(t, owner, "#attributes"); !strings.Contains(a, "department") || !strings.Contains(a, "Engineering") {
			t.Fatalf("attributes %q", a)
		}
		browsertest.Screenshot(t, owner, "user-page-owner-"+db.Name)
		userURL := browsertest.Location(t, owner)
		browsertest.Do(t, owner, "open Users again", chromedp.Click(chromedp.CSS(`.sidebar a[href="/t/acme/users"]`)), chromedp.WaitVisible(chromedp.CSS("table.table")))
		browsertest.Screenshot(t, owner, "users-list-owner-"+db.Name)

		// Connections: Create Connection with a social strategy.
		browsertest.Do(t, owner, "open Connections", chromedp.Click(chromedp.CSS(`.sidebar a[href="/t/acme/connections"]`)), chromedp.WaitVisible(chromedp.CSS(".tabs")))
		browsertest.Do(t, owner, "Create Connection", chromedp.Click(chromedp.CSS(`.page-actions a`)), chromedp.WaitVisible(chromedp.CSS("#f-name")))
		browsertest.Do(t, owner, "fill Create Connection",
			chromedp.SendKeys(chromedp.CSS("#f-name"), "google-oauth2"),
			chromedp.SetValue(chromedp.CSS("#f-strategy"), "google-oauth2"),
			chromedp.SendKeys(chromedp.CSS("#f-display_name"), "Continue with Google"))
		browsertest.Screenshot(t, owner, "connection-create-"+db.Name)
		browsertest.Submit(t, owner, "create the connection", "form button[type=submit].button-primary")
		if h := browsertest.Text(t, owner, "h1"); h != "google-oauth2" {
			t.Fatalf("after Create Connection: heading %q", h)
		}
		browsertest.Screenshot(t, owner, "connection-page-owner-"+db.Name)

		// Roles: Create Role.
		browsertest.Do(t, owner, "open Roles", chromedp.Click(chromedp.CSS(`.sidebar a[href="/t/acme/roles"]`)), chromedp.WaitVisible(chromedp.CSS(".empty")))
		browsertest.Do(t, owner, "Create Role", chromedp.Click(chromedp.CSS(`.page-actions a`)), chromedp.WaitVisible(chromedp.CSS("#f-name")))
		browsertest.Do(t, owner, "fill Create Role",
			chromedp.SendKeys(chromedp.CSS("#f-name"), "Billing Admin"),
			chromedp.SendKeys(chromedp.CSS("#f-description"), "Manages the organization's invoices."))
		browsertest.Submit(t, owner, "create the role", "form button[type=submit].button-primary")
		if h := browsertest.Text(t, owner, "h1"); h != "Billing Admin" {
			t.Fatalf("after Create Role: heading %q", h)
		}

		// A support person with Editor - Organizations reads all three, changes nothing.
		ov, err := app.Store.LoadViewer(context.Background(), tn, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.Store.CreateAdministrator(context.Background(), ov, models.CreateAdminInput{
			Email: "sam@acme.example", GivenName: "Sam", FamilyName: "Support", Role: "editor_organizations"}, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		worker.Wake()
		acceptAndSignIn(t, support, inviteLink(t, smtp, "sam@acme.example"), "sam@acme.example")
		nav := browsertest.Text(t, support, ".sidebar nav")
		for _, want := range []string{"Users", "Connections", "Roles"} {
			if !strings.Contains(nav, want) {
				t.Errorf("support's navigation lacks %s: %q", want, nav)
			}
		}
		if strings.Contains(nav, "Administrators") {
			t.Errorf("support sees Administrators: %q", nav)
		}
		browsertest.Screenshot(t, support, "dashboard-editor-organizations-"+db.Name)
		browsertest.Do(t, support, "support opens the user", chromedp.Navigate(userURL), chromedp.WaitVisible(chromedp.CSS("#attributes")))
		body := browsertest.Text(t, support, "main")
		for _, control := range []string{"Edit User", "Save", "Block", "Delete", "Danger zone"} {
			if strings.Contains(body, control) {
				t.Errorf("support sees the %q control on the user page", control)
			}
		}
		browsertest.Screenshot(t, support, "user-page-editor-organizations-"+db.Name)
		browsertest.Do(t, support, "support opens Connections", chromedp.Click(chromedp.CSS(`.sidebar a[href="/t/acme/connections"]`)), chromedp.WaitVisible(chromedp.CSS("table.table")))
		if body := browsertest.Text(t, support, "main"); strings.Contains(body, "Create Connection") || !strings.Contains(body, "Continue with Google") {
			t.Errorf("support's Connections list:\n%s", body)
		}
		browsertest.Screenshot(t, support, "connections-list-editor-organizations-"+db.Name)
		browsertest.Do(t, support, "support opens Roles", chromedp.Click(chromedp.CSS(`.sidebar a[href="/t/acme/roles"]`)), chromedp.WaitVisible(chromedp.CSS("table.table")))
		if body := browsertest.Text(t, support, "main"); strings.Contains(body, "Create Role") || !strings.Contains(body, "Billing Admin") {
			t.Errorf("support's Roles list:\n%s", body)
		}
	})
}
