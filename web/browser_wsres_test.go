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

const browserOpenAPI = `openapi: 3.0.3
info: {title: Accounts, version: "1.0"}
components:
  securitySchemes:
    oauth:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: https://auth.example.com/token
          scopes: {read:accounts: Read accounts, write:accounts: Change accounts}
security: [{oauth: [read:accounts]}]
paths:
  /accounts:
    get: {summary: List accounts, responses: {"200": {description: ok}}}
    post:
      security: [{oauth: [write:accounts]}]
      responses: {"201": {description: created}}
  /accounts/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: ok}}
`

func wsresSignIn(t *testing.T, ctx context.Context, app *webtest.App, email string) {
	t.Helper()
	browsertest.Do(t, ctx, "open the sign-in page", chromedp.Navigate(app.URL("/t/acme/login")), chromedp.WaitVisible(chromedp.CSS("#f-email")))
	browsertest.Do(t, ctx, "type e-mail and password",
		chromedp.SendKeys(chromedp.CSS("#f-email"), email),
		chromedp.SendKeys(chromedp.CSS("#f-password"), webtest.Password))
	browsertest.Submit(t, ctx, "sign in", "button[type=submit]")
	browsertest.Do(t, ctx, "dashboard", chromedp.WaitVisible(chromedp.CSS(".sidebar")))
}

func wsresHas(t *testing.T, ctx context.Context, css string) bool {
	t.Helper()
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector(`+"`"+css+"`"+`) !== null`))
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// TestBrowserWorkspaceResources: a Workspace Admin creates a service,
// imports its APIs from an OpenAPI document, creates a client and copies
// its secret (shown once), rotates it, writes a policy with a mistake (the
// error names its line), fixes it and tests it; a Workspace Auditor then
// sees all of it read-only.
func TestBrowserWorkspaceResources(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		ctx := browsertest.New(t, 240*time.Second) // the API edit added steps; a loaded machine needs the margin
		app := webtest.Start(t, db, webtest.Options{RealClock: true})
		tn, _, _ := app.Tenant("acme", models.PlanEnterprise, "olivia@acme.example")
		shop := app.Workspace(tn, "shop", "Shop")
		wendy := app.AdminWithRoles(tn, "wendy@acme.example", "tenant_member")
		app.BindInWorkspace(wendy, shop, "workspace_admin")
		aud := app.AdminWithRoles(tn, "arthur@acme.example", "tenant_member")
		app.BindInWorkspace(aud, shop, "workspace_auditor")
		name := func(s string) string { return s + "-" + db.Name }

		wsresSignIn(t, ctx, app, "wendy@acme.example")
		browsertest.Do(t, ctx, "open Shop", chromedp.Navigate(app.URL("/t/acme/workspaces/shop")), chromedp.WaitVisible(chromedp.CSS(".tabs")))
		tabs := browsertest.Text(t, ctx, ".tabs")
		for _, want := range []string{"Services", "Clients", "Policies"} {
			if !strings.Contains(tabs, want) {
				t.Fatalf("tabs lack %s: %q", want, tabs)
			}
		}
		// A service.
		browsertest.Submit(t, ctx, "Services tab", `.tabs a[href="/t/acme/workspaces/shop/services"]`)
		browsertest.Submit(t, ctx, "Create Service", `a[href="/t/acme/workspaces/shop/services/new"]`)
		browsertest.Do(t, ctx, "fill the service",
			chromedp.SendKeys(chromedp.CSS("#f-name"), "Accounts"),
			chromedp.SendKeys(chromedp.CSS("#f-audience"), "https://api.example.com/accounts"))
		browsertest.Submit(t, ctx, "create the service", "main form button[type=submit]")
		if h := browsertest.Text(t, ctx, "#details h2"); h != "Accounts" {
			t.Fatalf("service page %q", h)
		}
		// A bad document first: refused with the parser's message, nothing imported.
		browsertest.Do(t, ctx, "paste a bad document", chromedp.SetValue(chromedp.CSS("#f-openapi"), "openapi: 3.0.3\ninfo: [oops"))
		browsertest.Submit(t, ctx, "import", "#import button[type=submit]")
		if e := browsertest.Text(t, ctx, "#e-openapi"); !strings.Contains(e, "could not be read") {
			t.Fatalf("bad document: %q", e)
		}
		if txt := browsertest.Text(t, ctx, "#apis"); !strings.Contains(txt, "No APIs yet") {
			t.Fatalf("something was imported from a bad document:\n%s", txt)
		}
		browsertest.Do(t, ctx, "paste the document", chromedp.SetValue(chromedp.CSS("#f-openapi"), browserOpenAPI))
		browsertest.Submit(t, ctx, "import", "#import button[type=submit]")
		if f := browsertest.Text(t, ctx, ".flash"); !strings.Contains(f, "3 APIs created") || !strings.Contains(f, "2 scopes added") {
			t.Fatalf("import flash %q", f)
		}
		apis := browsertest.Text(t, ctx, "#apis table")
		for _, want := range []string{"/accounts/{id}", "write:accounts", "POST"} {
			if !strings.Contains(apis, want) {
				t.Fatalf("APIs lack %s:\n%s", want, apis)
			}
		}
		browsertest.Screenshot(t, ctx, name("wsres-service-imported"))

		// A machine-to-machine client: its secret once.
		browsertest.Do(t, ctx, "Create Client", chromedp.Navigate(app.URL("/t/acme/workspaces/shop/clients/new")), chromedp.WaitVisible(chromedp.CSS("#f-name")))
		browsertest.Do(t, ctx, "fill the client",
			chromedp.SendKeys(chromedp.CSS("#f-name"), "Batch"),
			chromedp.SetValue(chromedp.CSS("#f-type"), "service"),
			chromedp.SetValue(chromedp.CSS("#f-token_endpoint_auth_method"), "client_secret_post"))
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelectorAll('input[name=grant_types]').forEach(e => e.checked = e.value === 'client_credentials');
				document.querySelector('input[name=scopes][value="read:accounts"]').checked = true`)); err != nil {
			t.Fatal(err)
		}
		browsertest.Submit(t, ctx, "create the client", "main form button[type=submit]")
		secret := wsresValue(t, ctx, "#secret-value")
		if len(secret) < 43 {
			t.Fatalf("secret %q", secret)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.Client{}).Where("secret_hash = ?", models.HashToken(secret))); n != 1 {
			t.Fatalf("the shown secret is not the stored one's (%d)", n)
		}
		browsertest.Screenshot(t, ctx, name("wsres-client-secret-once"))
		// The secret came in the answer to the creation; the client's page does not show it again.
		browsertest.Do(t, ctx, "open the list", chromedp.Navigate(app.URL("/t/acme/workspaces/shop/clients")), chromedp.WaitVisible(chromedp.CSS("table")))
		browsertest.Submit(t, ctx, "open Batch", "table a")
		if wsresHas(t, ctx, "#secret-value") || strings.Contains(browsertest.Text(t, ctx, "main"), secret) {
			t.Fatal("the secret is shown again")
		}
		browsertest.Do(t, ctx, "grace period", chromedp.SetValue(chromedp.CSS("#f-grace_hours"), "24"))
		browsertest.Submit(t, ctx, "Rotate secret", "#rotate button[type=submit]")
		fresh := wsresValue(t, ctx, "#secret-value")
		if fresh == secret || len(fresh) < 43 || !strings.Contains(browsertest.Text(t, ctx, "#secret"), "keeps working until") {
			t.Fatalf("rotation: %q", browsertest.Text(t, ctx, "#secret"))
		}
		browsertest.Screenshot(t, ctx, name("wsres-client-rotated"))

		// A policy with a mistake on its second line.
		browsertest.Do(t, ctx, "Create Policy", chromedp.Navigate(app.URL("/t/acme/workspaces/shop/policies/new")), chromedp.WaitVisible(chromedp.CSS("#f-name")))
		browsertest.Do(t, ctx, "write the policy",
			chromedp.SendKeys(chromedp.CSS("#f-name"), "Admins read"),
			chromedp.SetValue(chromedp.CSS("#f-definition"), "'admin' in user.roles &&\n  scopes.exists(s, s == 'read:accounts') && usr.active"))
		browsertest.Submit(t, ctx, "save", "main form button[type=submit]")
		if e := browsertest.Text(t, ctx, "#e-definition"); !strings.Contains(e, "Line 2, column 45") || !strings.Contains(e, "usr") {
			t.Fatalf("compile error %q", e)
		}
		browsertest.Screenshot(t, ctx, name("wsres-policy-error"))
		browsertest.Do(t, ctx, "fix it", chromedp.SetValue(chromedp.CSS("#f-definition"), "'admin' in user.roles &&\n  scopes.exists(s, s == 'read:accounts') && user.active"))
		browsertest.Submit(t, ctx, "save", "main form button[type=submit]")
		browsertest.Do(t, ctx, "test input", chromedp.SetValue(chromedp.CSS("#f-input"), `{"user": {"roles": ["admin"], "active": true}, "scopes": ["read:accounts"]}`))
		browsertest.Submit(t, ctx, "Test", "#test button[type=submit]")
		if r := browsertest.Text(t, ctx, "#result"); !strings.Contains(r, "Allow") {
			t.Fatalf("test result %q", r)
		}
		browsertest.Screenshot(t, ctx, name("wsres-policy-tested"))

		// The API GET /accounts/{id} now goes through the policy: edited on its page.
		browsertest.Do(t, ctx, "the service", chromedp.Navigate(app.URL("/t/acme/workspaces/shop/services")), chromedp.WaitVisible(chromedp.CSS("table")))
		browsertest.Submit(t, ctx, "open Accounts", "table a")
		apiHref, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('#apis tbody tr')].find(r => r.cells[0].innerText.trim() == 'GET' && r.cells[1].innerText.trim() == '/accounts/{id}').querySelector('a').getAttribute('href')`))
		if err != nil || apiHref == "" {
			t.Fatalf("the API's link: %q %v", apiHref, err)
		}
		browsertest.Do(t, ctx, "open the API", chromedp.Navigate(app.URL(apiHref)), chromedp.WaitVisible(chromedp.CSS("#settings")))
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const s = document.querySelector('#f-policy'); s.value = [...s.options].find(o => o.text == 'Admins read').value; return true })()`)); err != nil {
			t.Fatal(err)
		}
		browsertest.Do(t, ctx, "a path with a mistake", chromedp.SetValue(chromedp.CSS("#f-path"), "accounts/{id}"))
		browsertest.Submit(t, ctx, "save the API", "#settings button[type=submit]")
		if e := browsertest.Text(t, ctx, "#e-path"); !strings.Contains(e, "must start with /") {
			t.Fatalf("API path error %q", e)
		}
		browsertest.Do(t, ctx, "fix the path", chromedp.SetValue(chromedp.CSS("#f-path"), "/accounts/{id}"))
		browsertest.Submit(t, ctx, "save the API", "#settings button[type=submit]")
		if f := browsertest.Text(t, ctx, ".flash"); !strings.Contains(f, "GET /accounts/{id} was saved") || !strings.Contains(browsertest.Text(t, ctx, "#details"), "Admins read") {
			t.Fatalf("API saved: %q", f)
		}
		browsertest.Screenshot(t, ctx, name("wsres-api-edited"))

		// The Workspace Auditor reads all of it and can change nothing.
		actx := browsertest.New(t, 60*time.Second)
		wsresSignIn(t, actx, app, "arthur@acme.example")
		browsertest.Do(t, actx, "services", chromedp.Navigate(app.URL("/t/acme/workspaces/shop/services")), chromedp.WaitVisible(chromedp.CSS("table")))
		if wsresHas(t, actx, `a[href$="/services/new"]`) {
			t.Error("the auditor is offered Create Service")
		}
		browsertest.Submit(t, actx, "open Accounts", "table a")
		for _, css := range []string{"#settings", "#import", "#add-api", "#add-scope", "#delete", "#apis form"} {
			if wsresHas(t, actx, css) {
				t.Errorf("the auditor sees %s on the service", css)
			}
		}
		if !strings.Contains(browsertest.Text(t, actx, "#apis"), "/accounts/{id}") || !strings.Contains(browsertest.Text(t, actx, "#details"), "You can read this service") {
			t.Error("the auditor does not read the service")
		}
		browsertest.Screenshot(t, actx, name("wsres-auditor-service"))
		browsertest.Do(t, actx, "the API's page", chromedp.Navigate(app.URL(apiHref)), chromedp.WaitVisible(chromedp.CSS("#details")))
		if wsresHas(t, actx, "#settings") || wsresHas(t, actx, "#remove") || !strings.Contains(browsertest.Text(t, actx, "#details"), "Admins read") {
			t.Error("the auditor's API page")
		}
		browsertest.Do(t, actx, "clients", chromedp.Navigate(app.URL("/t/acme/workspaces/shop/clients")), chromedp.WaitVisible(chromedp.CSS("table")))
		browsertest.Submit(t, actx, "open Batch", "table a")
		if wsresHas(t, actx, "#rotate") || wsresHas(t, actx, "#settings") || wsresHas(t, actx, "#secret-value") {
			t.Error("the auditor may rotate or change the client")
		}
		browsertest.Do(t, actx, "policies", chromedp.Navigate(app.URL("/t/acme/workspaces/shop/policies")), chromedp.WaitVisible(chromedp.CSS("table")))
		browsertest.Submit(t, actx, "open the policy", "table a")
		if wsresHas(t, actx, "#settings") || wsresHas(t, actx, "#delete") || !wsresHas(t, actx, "#test") {
			t.Error("the auditor's policy page")
		}
		browsertest.Screenshot(t, actx, name("wsres-auditor-policy"))
	})
}

func wsresValue(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(css)))
	if err != nil {
		t.Fatalf("value of %s: %v", css, err)
	}
	return v
}
