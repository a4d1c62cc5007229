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

// TestBrowserGovernance walks governance in a browser with a fixed clock: a
// Tenant Admin creates a custom workspace role from the permission matrix,
// grants it in Manage Access and checks access on the holder's User Profile
// (Yes, and why), then revokes it through an access review of the
// workspace (its SHA-256 shown); the holder requests an elevation, another Tenant Admin
// approves it, and once its hours pass it grants nothing.
func TestBrowserGovernance(t *testing.T) {
	t.Parallel()
	db := modelstest.SQLite(t)
	ctx := browsertest.New(t, 300*time.Second)
	app := webtest.Start(t, db, webtest.Options{})
	tn, _, _ := app.Tenant("acme", models.PlanEnterprise, "first@acme.example")
	app.Workspace(tn, "payments", "Payments")
	olivia := app.AdminWithRoles(tn, "olivia@acme.example", "tenant_admin")
	modelstest.Must(t, app.DB.DB.Model(&olivia).Updates(map[string]any{"given_name": "Olivia", "family_name": "Owner"}))
	ann := app.AdminWithRoles(tn, "ann@acme.example", "tenant_member")
	modelstest.Must(t, app.DB.DB.Model(&ann).Updates(map[string]any{"given_name": "Ann", "family_name": "Analyst"}))
	bob := app.AdminWithRoles(tn, "bob@acme.example", "tenant_admin")
	modelstest.Must(t, app.DB.DB.Model(&bob).Updates(map[string]any{"given_name": "Bob", "family_name": "Boss"}))

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

	// A custom workspace role from the matrix.
	signIn("olivia@acme.example")
	open("/t/acme/settings/roles")
	browsertest.Screenshot(t, ctx, "governance-roles")
	browsertest.Submit(t, ctx, "Create New", `a[href="/t/acme/settings/roles/new"]`)
	browsertest.Do(t, ctx, "fill the role",
		chromedp.SendKeys(chromedp.CSS("#f-name"), "Client Readers"),
		chromedp.Click(chromedp.CSS(`input[name="scope"][value="workspace"]`)),
		chromedp.Click(chromedp.CSS("#p-get_workspace")),
		chromedp.Click(chromedp.CSS("#p-read_clients")))
	browsertest.Screenshot(t, ctx, "governance-role-new")
	browsertest.Submit(t, ctx, "create the role", `#permissions ~ .actions button[type=submit]`)
	if h := browsertest.Text(t, ctx, "h1"); h != "Client Readers" {
		t.Fatalf("after create: %q", h)
	}

	// Grant it in Manage Access.
	open("/t/acme/workspaces/payments/access")
	browsertest.Do(t, ctx, "fill Add User",
		chromedp.SendKeys(chromedp.CSS("#f-user"), "ann@acme.example"),
		chromedp.SetValue(chromedp.CSS("#f-role"), "custom:client-readers"))
	browsertest.Submit(t, ctx, "add user", `form[action="/t/acme/workspaces/payments/access"] button[type=submit]`)
	if body := browsertest.Text(t, ctx, "main"); !strings.Contains(body, "Ann Analyst") || !strings.Contains(body, "Client Readers") {
		t.Fatalf("Manage Access after the grant:\n%s", body)
	}

	// Check access on Ann's User Profile: Yes, and why.
	open("/t/acme/settings/administrators/" + itoa64(ann.ID))
	browsertest.Do(t, ctx, "ask",
		chromedp.SetValue(chromedp.CSS("#f-permission"), "read_clients"),
		chromedp.SendKeys(chromedp.CSS("#f-workspace"), "payments"))
	browsertest.Submit(t, ctx, "check access", `#check-access button[type=submit]`)
	answer := browsertest.Text(t, ctx, `[data-testid="access-answer"]`)
	if !strings.Contains(answer, "Yes") || !strings.Contains(answer, "Client Readers") || !strings.Contains(answer, "Workspace Payments") || !strings.Contains(answer, "Olivia Owner") {
		t.Fatalf("check access:\n%s", answer)
	}
	browsertest.Screenshot(t, ctx, "governance-check-access")

	// An access review of the workspace: Olivia revokes Ann's custom role through it.
	open("/t/acme/settings/access-reviews")
	browsertest.Do(t, ctx, "fill Start review",
		chromedp.SendKeys(chromedp.CSS("#f-name"), "Payments Q4"),
		chromedp.SetValue(chromedp.CSS("#f-due"), "2026-12-31"),
		chromedp.SetValue(chromedp.CSS("#f-scope"), "payments"))
	browsertest.Submit(t, ctx, "start the review", `#start button[type=submit]`)
	if body := browsertest.Text(t, ctx, `[data-testid="review-items"]`); !strings.Contains(body, "ann@acme.example") || !strings.Contains(body, "Client Readers") {
		t.Fatalf("review items:\n%s", body)
	}
	browsertest.Screenshot(t, ctx, "governance-review")
	browsertest.Submit(t, ctx, "revoke through the review", `[data-testid="review-items"] button[value="revoke"]`)
	if body := browsertest.Text(t, ctx, "main"); !strings.Contains(body, "closed") || !strings.Contains(body, "revoke") {
		t.Fatalf("after the revocation:\n%s", body)
	}
	if sum := browsertest.Text(t, ctx, `[data-testid="review-sha256"]`); len(sum) != 64 {
		t.Fatalf("SHA-256 %q", sum)
	}
	browsertest.Screenshot(t, ctx, "governance-review-closed")
	open("/t/acme/settings/administrators/" + itoa64(ann.ID) + "?permission=read_clients&workspace=payments")
	if answer := browsertest.Text(t, ctx, `[data-testid="access-answer"]`); !strings.Contains(answer, "No") {
		t.Fatalf("after the review, check access:\n%s", answer)
	}

	// Ann requests an elevation.
	signIn("ann@acme.example")
	open("/t/acme/account/elevation")
	browsertest.Do(t, ctx, "fill the request",
		chromedp.SetValue(chromedp.CSS("#f-role"), "tenant_auditor"),
		chromedp.SetValue(chromedp.CSS("#f-hours"), "2"),
		chromedp.SendKeys(chromedp.CSS("#f-reason"), "Quarterly access audit"))
	browsertest.Submit(t, ctx, "request", `#request button[type=submit]`)
	if body := browsertest.Text(t, ctx, "#my-requests"); !strings.Contains(body, "pending") {
		t.Fatalf("Ann's requests:\n%s", body)
	}
	browsertest.Screenshot(t, ctx, "governance-elevation-requested")

	// Bob approves.
	signIn("bob@acme.example")
	open("/t/acme/settings/elevation-requests")
	browsertest.Screenshot(t, ctx, "governance-elevation-pending")
	browsertest.Submit(t, ctx, "approve", `tr[data-status="pending"] button.button-primary`)
	if body := browsertest.Text(t, ctx, "#recent"); !strings.Contains(body, "approved") || !strings.Contains(body, "Bob Boss") {
		t.Fatalf("after approval:\n%s", body)
	}

	// Ann holds Tenant Auditor for two hours, then nothing.
	signIn("ann@acme.example")
	open("/t/acme/settings/administrators")
	if h := browsertest.Text(t, ctx, "h1"); h != "Administrators" {
		t.Fatalf("elevated Ann sees %q", h)
	}
	app.Clock.Add(2*time.Hour + time.Minute)
	signIn("ann@acme.example")
	open("/t/acme/settings/administrators")
	if body := browsertest.Text(t, ctx, "main"); !strings.Contains(body, "Access denied") {
		t.Fatalf("after the elevation expired:\n%s", body)
	}
	open("/t/acme/account/elevation")
	if body := browsertest.Text(t, ctx, "#my-requests"); !strings.Contains(body, "Expired") {
		t.Fatalf("Ann's requests after expiry:\n%s", body)
	}
	browsertest.Screenshot(t, ctx, "governance-elevation-expired")
}
