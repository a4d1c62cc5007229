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
)

// TestBrowserFourEyes walks four eyes in a browser: Olivia ticks Require
// approval on Tenant Settings > Tenant, grants Carol Tenant Admin on her
// User Profile and lands on Approvals, where the change waits (nothing
// granted); Bob, another Tenant Admin, approves it with his password; Carol
// then holds Tenant Admin.
func TestBrowserFourEyes(t *testing.T) {
	t.Parallel()
	db := modelstest.SQLite(t)
	ctx := browsertest.New(t, 300*time.Second)
	app := webtest.Start(t, db, webtest.Options{})
	tn, _, _ := app.Tenant("acme", models.PlanEnterprise, "first@acme.example")
	olivia := app.AdminWithRoles(tn, "olivia@acme.example", "tenant_admin")
	modelstest.Must(t, app.DB.DB.Model(&olivia).Updates(map[string]any{"given_name": "Olivia", "family_name": "Owner"}))
	bob := app.AdminWithRoles(tn, "bob@acme.example", "tenant_admin")
	modelstest.Must(t, app.DB.DB.Model(&bob).Updates(map[string]any{"given_name": "Bob", "family_name": "Boss"}))
	carol := app.AdminWithRoles(tn, "carol@acme.example", "tenant_member")
	modelstest.Must(t, app.DB.DB.Model(&carol).Updates(map[string]any{"given_name": "Carol", "family_name": "Clerk"}))

	signedIn := false
	signIn := func(email string) {
		t.Helper()
		if signedIn {
			browsertest.Submit(t, ctx, "sign out", `form[action="/t/acme/logout"] button`)
		}
		signedIn = true
		browsertest.Do(t, ctx, "open the sign-in page", chromedp.Navigate(app.URL("/t/acme/login")), chromedp.WaitVisible(chromedp.CSS("#f-email")))
		browsertest.Do(t, ctx, "type e-mail and password",
			chromedp.SendKeys(chromedp.CSS("#f-email"), email),
			chromedp.SendKeys(chromedp.CSS("#f-password"), webtest.Password))
		browsertest.Submit(t, ctx, "sign in", "button[type=submit]")
		browsertest.Do(t, ctx, "dashboard", chromedp.WaitVisible(chromedp.CSS(".sidebar")))
	}
	open := func(path string) {
		t.Helper()
		browsertest.Do(t, ctx, "open "+path, chromedp.Navigate(app.URL(path)), chromedp.WaitVisible(chromedp.CSS("h1")))
	}
	tenantAdmins := func() int64 {
		return modelstest.Count(t, app.DB.DB.Model(&models.RoleBinding{}).Where("administrator_id = ? AND role_key = ?", carol.ID, "tenant_admin"))
	}

	// Olivia turns four eyes on.
	signIn("olivia@acme.example")
	open("/t/acme/settings/tenant")
	browsertest.Do(t, ctx, "tick Require approval", chromedp.Click(chromedp.CSS("#f-require_approval")))
	browsertest.Screenshot(t, ctx, "gov4-four-eyes-tenant")
	browsertest.Submit(t, ctx, "save the tenant", `form[action="/t/acme/settings/tenant"] button[type=submit]`)
	if cur, err := app.Store.TenantByID(webtest.Ctx(), tn.ID); err != nil || !cur.RequireApproval {
		t.Fatalf("Require approval not saved: %v", err)
	}

	// She grants Carol Tenant Admin: it waits.
	open("/t/acme/settings/administrators/" + itoa64(carol.ID))
	browsertest.Do(t, ctx, "choose Tenant Admin and confirm",
		chromedp.SetValue(chromedp.CSS("#f-role"), "tenant_admin"),
		chromedp.SendKeys(chromedp.CSS(`#roles input[name="password"]`), webtest.Password))
	browsertest.Submit(t, ctx, "assign", `#roles form.inline-form button[type=submit]`)
	if loc := browsertest.Location(t, ctx); !strings.HasSuffix(loc, "/t/acme/settings/approvals") {
		t.Fatalf("after the grant: %s", loc)
	}
	pending := browsertest.Text(t, ctx, "#pending")
	if !strings.Contains(pending, "Grant Tenant Admin to Carol Clerk (carol@acme.example)") || !strings.Contains(pending, "Waiting for another Tenant Admin") {
		t.Fatalf("Olivia's pending change:\n%s", pending)
	}
	if n := tenantAdmins(); n != 0 {
		t.Fatal("Tenant Admin granted before approval")
	}
	browsertest.Screenshot(t, ctx, "gov4-four-eyes-pending")

	// Bob approves with his password.
	signIn("bob@acme.example")
	open("/t/acme/settings/approvals")
	browsertest.Do(t, ctx, "type the note and password",
		chromedp.SendKeys(chromedp.CSS(`#pending tr[data-status="pending"] input[name="note"]`), "Carol runs the on-call rota"),
		chromedp.SendKeys(chromedp.CSS(`#pending tr[data-status="pending"] input[name="password"]`), webtest.Password))
	browsertest.Screenshot(t, ctx, "gov4-four-eyes-approve")
	browsertest.Submit(t, ctx, "approve", `#pending tr[data-status="pending"] button.button-primary`)
	recent := browsertest.Text(t, ctx, "#recent")
	if !strings.Contains(recent, "approved") || !strings.Contains(recent, "Bob Boss") || !strings.Contains(recent, "Carol runs the on-call rota") {
		t.Fatalf("after approval:\n%s", recent)
	}
	if n := tenantAdmins(); n != 1 {
		t.Fatalf("Tenant Admin bindings after approval: %d", n)
	}
	browsertest.Screenshot(t, ctx, "gov4-four-eyes-approved")

	// Carol's profile shows the role, granted by Olivia.
	open("/t/acme/settings/administrators/" + itoa64(carol.ID))
	if roles := browsertest.Text(t, ctx, "#roles table"); !strings.Contains(roles, "Tenant Admin") || !strings.Contains(roles, "Olivia Owner") {
		t.Fatalf("Carol's roles:\n%s", roles)
	}
	browsertest.Screenshot(t, ctx, "gov4-four-eyes-profile")
}
