package web_test

import (
	"strings"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/browsertest"
	"gatehouse/web/webtest"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowserWorkspaceAdminSeesOnlyTheirWorkspace: a Tenant Member who is
// Workspace Admin of one workspace signs in and finds that workspace, and
// nothing of the other, in the navigation; opens its Manage Access, finds a
// colleague with the picker and makes them Workspace Auditor; the other
// workspace's address answers "Page not found".
func TestBrowserWorkspaceAdminSeesOnlyTheirWorkspace(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		ctx := browsertest.New(t, 120*time.Second)
		app := webtest.Start(t, db, webtest.Options{RealClock: true})
		tn, _, _ := app.Tenant("acme", models.PlanEnterprise, "olivia@acme.example")
		alpha := app.Workspace(tn, "payments", "Payments")
		app.Workspace(tn, "marketing-eu", "Marketing EU")
		mia := app.AdminWithRoles(tn, "mia@acme.example", "tenant_member")
		modelstest.Must(t, app.DB.DB.Model(&mia).Updates(map[string]any{"given_name": "Mia", "family_name": "Member"}))
		app.BindInWorkspace(mia, alpha, "workspace_admin")
		noah := app.AdminWithRoles(tn, "noah.north@acme.example", "tenant_member")
		modelstest.Must(t, app.DB.DB.Model(&noah).Updates(map[string]any{"given_name": "Noah", "family_name": "North"}))
		if _, err := app.Store.SeedAdministrators(webtest.Ctx(), tn, 40, "", models.Actor{}); err != nil {
			t.Fatal(err)
		}

		// Mia signs in.
		browsertest.Do(t, ctx, "open the sign-in page", chromedp.Navigate(app.URL("/t/acme/login")), chromedp.WaitVisible(chromedp.CSS("#f-email")))
		browsertest.Do(t, ctx, "type e-mail and password",
			chromedp.SendKeys(chromedp.CSS("#f-email"), "mia@acme.example"),
			chromedp.SendKeys(chromedp.CSS("#f-password"), webtest.Password))
		browsertest.Submit(t, ctx, "sign in", "button[type=submit]")
		browsertest.Do(t, ctx, "dashboard", chromedp.WaitVisible(chromedp.CSS(".sidebar")))
		nav := browsertest.Text(t, ctx, ".sidebar nav")
		if !strings.Contains(nav, "Payments") || strings.Contains(nav, "Marketing") || strings.Contains(nav, "Administrators") || strings.Contains(nav, "Audit log") {
			t.Fatalf("Mia's navigation:\n%s", nav)
		}
		if !strings.Contains(nav, "System overview") {
			t.Errorf("a Tenant Member's navigation lacks the System overview:\n%s", nav)
		}
		if body := browsertest.Text(t, ctx, "main"); strings.Contains(body, "Marketing") || !strings.Contains(body, "Your workspace") {
			t.Errorf("Mia's dashboard:\n%s", body)
		}
		browsertest.Screenshot(t, ctx, "workspace-admin-dashboard-"+db.Name)

		// Her workspace, then its Manage Access.
		browsertest.Submit(t, ctx, "open Payments", `.sidebar a[href="/t/acme/workspaces/payments"]`)
		if h := browsertest.Text(t, ctx, "h1"); h != "Payments" {
			t.Fatalf("workspace heading %q", h)
		}
		browsertest.Screenshot(t, ctx, "workspace-admin-workspace-"+db.Name)
		browsertest.Submit(t, ctx, "open Manage Access", `.tabs a[href="/t/acme/workspaces/payments/access"]`)
		browsertest.Do(t, ctx, "search with the picker",
			chromedp.WaitVisible(chromedp.CSS("#f-user")),
			chromedp.SendKeys(chromedp.CSS("#f-user"), "north"),
			chromedp.WaitVisible(chromedp.CSS(`.picker-option[data-email="noah.north@acme.example"]:only-child`)))
		if opts := browsertest.Text(t, ctx, ".picker-list"); !strings.Contains(opts, "Noah North") || strings.Count(opts, "@") != 1 {
			t.Fatalf("picker offers:\n%s", opts)
		}
		browsertest.Screenshot(t, ctx, "workspace-admin-picker-"+db.Name)
		browsertest.Do(t, ctx, "choose Noah with the keyboard",
			chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.Enter),
			chromedp.WaitNotVisible(chromedp.CSS(".picker-list")))
		if v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#f-user"))); err != nil || v != "noah.north@acme.example" {
			t.Fatalf("the picker filled %q (%v)", v, err)
		}
		// Enter chose the administrator; it did not submit the form.
		browsertest.Do(t, ctx, "let a stray submission land", chromedp.Sleep(400*time.Millisecond))
		if stray, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#e-role, .flash") !== null`)); err != nil || stray {
			t.Fatalf("the Enter that chose from the picker submitted the form (%v)", err)
		}
		browsertest.Do(t, ctx, "choose the role", chromedp.SetValue(chromedp.CSS("#f-role"), "workspace_auditor"))
		browsertest.Submit(t, ctx, "Add User", "#add-user button[type=submit]")
		if f := browsertest.Text(t, ctx, ".flash"); !strings.Contains(f, "Noah North is now Workspace Auditor of Payments") {
			t.Fatalf("flash %q", f)
		}
		if table := browsertest.Text(t, ctx, "#access table"); !strings.Contains(table, "noah.north@acme.example") || !strings.Contains(table, "Mia Member") {
			t.Errorf("Manage Access:\n%s", table)
		}
		browsertest.Screenshot(t, ctx, "workspace-admin-manage-access-"+db.Name)

		// The other workspace does not exist for her.
		browsertest.Do(t, ctx, "open the other workspace", chromedp.Navigate(app.URL("/t/acme/workspaces/marketing-eu")), chromedp.WaitVisible(chromedp.CSS(".error-page")))
		if h := browsertest.Text(t, ctx, "h1"); h != "Page not found" {
			t.Fatalf("other workspace: %q", h)
		}
		if body := browsertest.Text(t, ctx, "body"); strings.Contains(body, "Marketing") {
			t.Error("the 404 page names the other workspace")
		}
		browsertest.Screenshot(t, ctx, "workspace-admin-other-404-"+db.Name)
	})
}
