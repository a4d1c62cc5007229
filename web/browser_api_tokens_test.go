package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/browsertest"
	"gatehouse/web/webtest"

	"github.com/chromedp/chromedp"
)

// TestBrowserCreateAPIToken: a Tenant Admin opens Tenant Settings > API
// Tokens from the navigation, ticks three roles (one of them a custom
// role), gives a name and confirms
// with their password; the token is shown once, works against the API,
// and the list shows it with its roles.
func TestBrowserCreateAPIToken(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		ctx := browsertest.New(t, 90*time.Second)
		app := webtest.Start(t, db, webtest.Options{RealClock: true})
		tn, owner, tok := app.Tenant("acme", models.PlanEnterprise, "owner@example.com")
		acceptAndSignIn(t, ctx, app.URL("/invitations/"+tok), "owner@example.com")
		// A custom role: offered beside the built-in ones.
		ov, err := app.Store.LoadViewer(webtest.Ctx(), tn, owner.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.Store.CreateCustomRole(webtest.Ctx(), ov, models.CustomRoleInput{Name: "Billing Reader", Scope: "tenant", Permissions: []string{"read_users"}}, models.Actor{Email: owner.Email}); err != nil {
			t.Fatal(err)
		}

		browsertest.Do(t, ctx, "open API Tokens from the navigation", chromedp.Navigate(app.URL("/t/acme/")),
			chromedp.Click(chromedp.CSS(`nav a[href="/t/acme/settings/api-tokens"]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="token-create"] #f-name`)))
		browsertest.Do(t, ctx, "fill the form",
			chromedp.SendKeys(chromedp.CSS("#f-name"), "billing sync"),
			chromedp.Click(chromedp.CSS("#f-role-editor_organizations")),
			chromedp.Click(chromedp.CSS("#f-role-tenant_auditor")),
			chromedp.Click(chromedp.CSS(`input[name="role"][value="custom:billing-reader"]`)),
			chromedp.SetValue(chromedp.CSS("#f-expires_in_days"), ""),
			chromedp.SendKeys(chromedp.CSS("#f-expires_in_days"), "30"),
			chromedp.SendKeys(chromedp.CSS("#f-password"), webtest.Password))
		browsertest.Submit(t, ctx, "create the token", `[data-testid="token-create"] button[type=submit]`)
		raw := strings.TrimSpace(browsertest.Text(t, ctx, `[data-testid="token-value"]`))
		if !strings.HasPrefix(raw, "gh_") {
			t.Fatalf("token shown: %q", raw)
		}
		row := browsertest.Text(t, ctx, `[data-testid="token-row"]`)
		if !strings.Contains(row, "billing sync") || !strings.Contains(row, "Editor - Organizations") || !strings.Contains(row, "Tenant Auditor") || !strings.Contains(row, "Billing Reader") {
			t.Fatalf("row: %q", row)
		}
		browsertest.Screenshot(t, ctx, "api-token-created-"+db.Name)
		if r := apiDo(t, app, raw, http.MethodGet, "/api/v1/organizations", "", nil); r.Status != http.StatusOK {
			t.Fatalf("the new token: %d %s", r.Status, r.Body)
		}
		browsertest.Do(t, ctx, "open the API page", chromedp.Click(chromedp.CSS(`nav a[href="/t/acme/settings/api"]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="openapi-link"]`)))
		browsertest.Screenshot(t, ctx, "api-page-"+db.Name)
	})
}
