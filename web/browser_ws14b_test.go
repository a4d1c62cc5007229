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

// TestBrowserIdentityProvidersAndTheme: a Workspace Admin adds an OIDC
// identity provider (its secret never shown again) and a SAML one (the
// page shows the entity id read from the metadata and flags the signing
// certificate expiring within 30 days); a Tenant Admin creates a theme,
// binds it to the workspace on the workspace's page and opens the preview,
// where the browser applies the theme's colours (the CSP lets the nonce'd
// style in).
func TestBrowserIdentityProvidersAndTheme(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		ctx := browsertest.New(t, 150*time.Second)
		app := webtest.Start(t, db, webtest.Options{RealClock: true})
		tn, _, _ := app.Tenant("acme", models.PlanEnterprise, "olivia@acme.example")
		shop := app.Workspace(tn, "shop", "Shop")
		wendy := app.AdminWithRoles(tn, "wendy@acme.example", "tenant_member")
		app.BindInWorkspace(wendy, shop, "workspace_admin")
		app.AdminWithRoles(tn, "tara@acme.example", "tenant_admin")
		name := func(s string) string { return s + "-" + db.Name }
		const secret = "browser-oidc-secret-0123456789"

		wsresSignIn(t, ctx, app, "wendy@acme.example")
		browsertest.Do(t, ctx, "open Shop", chromedp.Navigate(app.URL("/t/acme/workspaces/shop")), chromedp.WaitVisible(chromedp.CSS(".tabs")))
		browsertest.Submit(t, ctx, "Identity Providers tab", `.tabs a[href="/t/acme/workspaces/shop/idps"]`)
		browsertest.Submit(t, ctx, "Create Identity Provider", `a[href="/t/acme/workspaces/shop/idps/new"]`)
		browsertest.Do(t, ctx, "fill the OIDC provider",
			chromedp.SendKeys(chromedp.CSS("#f-name"), "Okta"),
			chromedp.SetValue(chromedp.CSS("#f-method"), "oidc"),
			chromedp.SendKeys(chromedp.CSS("#f-issuer_url"), "https://acme.okta.example"),
			chromedp.SendKeys(chromedp.CSS("#f-client_id"), "0oa1shop"),
			chromedp.SendKeys(chromedp.CSS("#f-client_secret"), secret))
		browsertest.Submit(t, ctx, "create the OIDC provider", "main form button[type=submit]")
		details := browsertest.Text(t, ctx, "#idp")
		if !strings.Contains(details, "https://acme.okta.example") || !strings.Contains(details, "Set (stored encrypted; never shown)") {
			t.Fatalf("OIDC page:\n%s", details)
		}
		html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(html, secret) {
			t.Fatal("the page shows the client secret")
		}
		browsertest.Screenshot(t, ctx, name("ws14b-1-oidc-idp"))

		soon := time.Now().Add(12 * 24 * time.Hour).UTC()
		browsertest.Do(t, ctx, "Create Identity Provider", chromedp.Navigate(app.URL("/t/acme/workspaces/shop/idps/new")), chromedp.WaitVisible(chromedp.CSS("#f-name")))
		browsertest.Do(t, ctx, "fill the SAML provider",
			chromedp.SendKeys(chromedp.CSS("#f-name"), "ADFS"),
			chromedp.SetValue(chromedp.CSS("#f-method"), "saml"),
			chromedp.SetValue(chromedp.CSS("#f-metadata_xml"), samlMetadata(t, "https://adfs.acme.example/adfs/services/trust", soon)))
		browsertest.Submit(t, ctx, "create the SAML provider", "main form button[type=submit]")
		details = browsertest.Text(t, ctx, "#idp")
		for _, want := range []string{"https://adfs.acme.example/adfs/services/trust", "https://idp.example.com/sso", soon.Format("2006")} {
			if !strings.Contains(details, want) {
				t.Fatalf("SAML page lacks %q:\n%s", want, details)
			}
		}
		if flag := browsertest.Text(t, ctx, `[data-testid="cert-flag"]`); !strings.Contains(flag, "Expiring soon") {
			t.Fatalf("flag %q", flag)
		}
		browsertest.Screenshot(t, ctx, name("ws14b-2-saml-idp"))
		browsertest.Do(t, ctx, "the list", chromedp.Navigate(app.URL("/t/acme/workspaces/shop/idps")), chromedp.WaitVisible(chromedp.CSS("#list table")))
		if list := browsertest.Text(t, ctx, "#list table"); !strings.Contains(list, "Okta") || !strings.Contains(list, "expiring soon") {
			t.Fatalf("list:\n%s", list)
		}
		browsertest.Screenshot(t, ctx, name("ws14b-3-idp-list"))

		// The Tenant Admin: a theme, bound on the workspace's page, previewed.
		actx := browsertest.New(t, 90*time.Second)
		wsresSignIn(t, actx, app, "tara@acme.example")
		browsertest.Submit(t, actx, "Themes in the nav", `.sidebar a[href="/t/acme/themes"]`)
		browsertest.Submit(t, actx, "Create Theme", `a[href="/t/acme/themes/new"]`)
		browsertest.Do(t, actx, "fill the theme",
			chromedp.SendKeys(chromedp.CSS("#f-name"), "Harvest"),
			chromedp.SetValue(chromedp.CSS("#f-primary_color"), "#aa3300"),
			chromedp.SetValue(chromedp.CSS("#f-background_color"), "#fff1dc"),
			chromedp.SetValue(chromedp.CSS("#f-font"), "Georgia"))
		browsertest.Submit(t, actx, "create the theme", "main form button[type=submit]")
		if h := browsertest.Text(t, actx, "#details h1"); h != "Harvest" {
			t.Fatalf("theme page %q", h)
		}
		browsertest.Screenshot(t, actx, name("ws14b-4-theme"))
		browsertest.Do(t, actx, "open Shop", chromedp.Navigate(app.URL("/t/acme/workspaces/shop")), chromedp.WaitVisible(chromedp.CSS("#theme")))
		var themeID string
		if _, err := chromedp.Run(actx, chromedp.Evaluate[bool](`(() => { const o = [...document.querySelectorAll('#f-theme option')].find(o => o.textContent.trim() === 'Harvest'); document.querySelector('#f-theme').value = o.value; return true })()`)); err != nil {
			t.Fatal(err)
		}
		themeID, err = chromedp.Run(actx, chromedp.Evaluate[string](`document.querySelector('#f-theme').value`))
		if err != nil || themeID == "" {
			t.Fatalf("theme option: %q %v", themeID, err)
		}
		browsertest.Submit(t, actx, "Save theme", "#theme button[type=submit]")
		if cur := browsertest.Text(t, actx, `[data-testid="current-theme"]`); cur != "Harvest" {
			t.Fatalf("current theme %q", cur)
		}
		browsertest.Screenshot(t, actx, name("ws14b-5-workspace-theme"))
		browsertest.Submit(t, actx, "Preview sign-in page", `#theme a[href="/t/acme/workspaces/shop/theme/preview"]`)
		browsertest.Do(t, actx, "the preview", chromedp.WaitVisible(chromedp.CSS(`[data-testid="preview-submit"]`)))
		button, err := chromedp.Run(actx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('[data-testid="preview-submit"]')).backgroundColor`))
		if err != nil {
			t.Fatal(err)
		}
		body, err := chromedp.Run(actx, chromedp.Evaluate[string](`getComputedStyle(document.body).backgroundColor`))
		if err != nil {
			t.Fatal(err)
		}
		font, err := chromedp.Run(actx, chromedp.Evaluate[string](`getComputedStyle(document.body).fontFamily`))
		if err != nil {
			t.Fatal(err)
		}
		if button != "rgb(170, 51, 0)" || body != "rgb(255, 241, 220)" || !strings.HasPrefix(font, "Georgia") {
			t.Fatalf("computed: button %q, body %q, font %q", button, body, font)
		}
		browsertest.Screenshot(t, actx, name("ws14b-6-preview"))
	})
}
