package web_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"gatehouse/models"
	"gatehouse/models/idp/idptest"
	"gatehouse/models/modelstest"
	"gatehouse/web"
	"gatehouse/web/limit"
	"gatehouse/web/webtest"

	"github.com/PuerkitoBio/goquery"
)

const ssoURL = "/t/acme/settings/sso"

// roomyLimits are rate limits these tests, all from one address, do not reach.
func roomyLimits() *web.Limits {
	lim := web.DefaultLimits
	lim.SignIn = limit.Rate{PerMinute: 1000, Burst: 1000}
	lim.Codes = limit.Rate{PerMinute: 1000, Burst: 1000}
	return &lim
}

// ssoApp runs the app (allowed to reach the test provider on loopback)
// with tenant acme, its owner signed in, and an in-process OpenID provider.
func ssoApp(t *testing.T, db modelstest.DB) (*webtest.App, *webtest.Client, models.Tenant, *idptest.Provider) {
	t.Helper()
	app := webtest.Start(t, db, webtest.Options{Env: map[string]string{"GATEHOUSE_SSO_ALLOW_PRIVATE": "true"}, Limits: roomyLimits()})
	c, tn, _ := app.Owner("acme", "owner@example.com")
	return app, c, tn, idptest.Start(t)
}

// configureSSO saves the provider as the tenant's single sign-on, through the form.
func configureSSO(t *testing.T, c *webtest.Client, op *idptest.Provider, ssoOnly bool) {
	t.Helper()
	v := url.Values{"issuer_url": {op.Issuer}, "client_id": {op.ClientID}, "client_secret": {op.ClientSecret},
		"domains": {"example.com, Example.org"}, "button_label": {"Sign in with Example SSO"}, "password": {webtest.Password}}
	if ssoOnly {
		v.Set("sso_only", "on")
	}
	if r := c.Submit(ssoURL, ssoURL, v); r.Status != http.StatusSeeOther || r.Location != ssoURL {
		t.Fatalf("save SSO settings: %d %q\n%s", r.Status, r.Location, r.Body)
	}
}

// ssoRound starts single sign-on from the sign-in page (with an e-mail
// hint), follows the provider's redirect, and returns the provider's
// answer (the callback URL) and the app's answer to it.
func ssoRound(t *testing.T, c *webtest.Client, email string) (callback string, r *webtest.Response) {
	t.Helper()
	start := c.Submit("/t/acme/login", "/t/acme/login/sso", url.Values{"email": {email}})
	if start.Status != http.StatusSeeOther {
		t.Fatalf("start SSO: %d\n%s", start.Status, start.Body)
	}
	back := c.GetURL(start.Location)
	if back.Status != http.StatusFound {
		t.Fatalf("provider: %d %s", back.Status, back.Body)
	}
	u, err := url.Parse(back.Location)
	if err != nil {
		t.Fatal(err)
	}
	return u.RequestURI(), c.Get(u.RequestURI())
}

// signedIn reports whether the client's session reaches the dashboard.
func signedIn(t *testing.T, c *webtest.Client) bool {
	t.Helper()
	r := c.Get("/t/acme/")
	return r.Status == http.StatusOK && strings.Contains(r.Body, `class="sidebar"`)
}

// ssoOf is the tenant's stored single sign-on (ok false: none).
func ssoOf(t *testing.T, app *webtest.App, tn models.Tenant) (models.TenantSSO, bool) {
	t.Helper()
	cfg, ok, err := app.Store.SSO(webtest.Ctx(), tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	return cfg, ok
}

// htmlOf parses a page.
func htmlOf(t *testing.T, body string) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// urlOf parses a URL.
func urlOf(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func lastAudit(t *testing.T, app *webtest.App, action string) models.AuditEvent {
	t.Helper()
	var ev models.AuditEvent
	if err := app.DB.DB.Where("action = ?", action).Order("id DESC").Take(&ev).Error; err != nil {
		t.Fatalf("no %s event: %v", action, err)
	}
	return ev
}

func TestSSOSettingsForm(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app, c, tn, op := ssoApp(t, db)
		r := c.Get(ssoURL)
		if r.Status != http.StatusOK {
			t.Fatalf("GET: %d", r.Status)
		}
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
		if err != nil {
			t.Fatal(err)
		}
		form := doc.Find(`form[action="/t/acme/settings/sso"]`)
		for _, name := range []string{"issuer_url", "client_id", "client_secret", "domains", "button_label", "sso_only", "password"} {
			if form.Find(`[name="`+name+`"]`).Length() != 1 {
				t.Errorf("the form has no field %s", name)
			}
		}
		if cb := doc.Find(`[data-testid="sso-callback"]`).Text(); cb != app.URL("/t/acme/login/sso/callback") {
			t.Errorf("callback shown %q", cb)
		}
		if doc.Find(`nav a[href="/t/acme/settings/sso"]`).Length() != 1 {
			t.Error("no navigation entry")
		}

		// Bad input: messages beside the fields, typed values kept, nothing saved.
		r = c.Submit(ssoURL, ssoURL, url.Values{"issuer_url": {"ftp://idp.example.com"}, "client_id": {""}, "domains": {"not a domain"},
			"button_label": {"Sign in"}, "password": {webtest.Password}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad input: %d", r.Status)
		}
		doc = htmlOf(t, r.Body)
		for _, f := range []string{"issuer_url", "client_id", "client_secret", "domains"} {
			if doc.Find("#e-"+f).Text() == "" {
				t.Errorf("no message beside %s", f)
			}
		}
		if v, _ := doc.Find("#f-issuer_url").Attr("value"); v != "ftp://idp.example.com" {
			t.Errorf("typed issuer not kept: %q", v)
		}
		if _, ok, err := app.Store.SSO(webtest.Ctx(), tn.ID); err != nil || ok {
			t.Fatalf("bad input saved: %v %v", ok, err)
		}
		// An issuer whose configuration cannot be read is said beside it.
		r = c.Submit(ssoURL, ssoURL, url.Values{"issuer_url": {op.Issuer + "/nowhere"}, "client_id": {"x"}, "client_secret": {"y"},
			"domains": {"example.com"}, "password": {webtest.Password}})
		doc = htmlOf(t, r.Body)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(doc.Find("#e-issuer_url").Text(), "could not read the OpenID configuration") {
			t.Fatalf("unreachable issuer: %d %q", r.Status, doc.Find("#e-issuer_url").Text())
		}
		// Without a step-up: refused, nothing saved.
		c2, _ := app.SignedInAs(tn, "admin2@example.com", "tenant_admin")
		r = c2.Submit(ssoURL, ssoURL, url.Values{"issuer_url": {op.Issuer}, "client_id": {"x"}, "client_secret": {"y"}, "domains": {"example.com"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, models.MsgStepUpRequired) {
			t.Fatalf("no step-up: %d", r.Status)
		}
		if _, ok := ssoOf(t, app, tn); ok {
			t.Fatal("saved without a step-up")
		}

		configureSSO(t, c, op, false)
		cfg, ok, err := app.Store.SSO(webtest.Ctx(), tn.ID)
		if err != nil || !ok || cfg.IssuerURL != op.Issuer || cfg.ClientID != "gatehouse" || cfg.DomainList()[1] != "example.org" || cfg.SSOOnly {
			t.Fatalf("saved %+v %v", cfg, err)
		}
		// The secret is stored encrypted and never shown, nor audited.
		if len(cfg.ClientSecret) < 28 || strings.Contains(string(cfg.ClientSecret), op.ClientSecret) {
			t.Fatalf("secret stored as %q", cfg.ClientSecret)
		}
		page := c.Get(ssoURL)
		if strings.Contains(page.Body, op.ClientSecret) || !strings.Contains(page.Body, "Single sign-on settings were saved.") {
			t.Error("the page shows the secret, or no flash")
		}
		ev := lastAudit(t, app, "tenant.sso_updated")
		if strings.Contains(ev.Changes, op.ClientSecret) || !strings.Contains(ev.Changes, "issuer_url") {
			t.Errorf("audit changes %s", ev.Changes)
		}
		// Saving again without a secret keeps it (and sign-in still works).
		r = c.Submit(ssoURL, ssoURL, url.Values{"issuer_url": {op.Issuer}, "client_id": {"gatehouse"}, "domains": {"example.com"}, "password": {webtest.Password}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("save without secret: %d\n%s", r.Status, r.Body)
		}
		again, _ := ssoOf(t, app, tn)
		if string(again.ClientSecret) != string(cfg.ClientSecret) {
			t.Error("an empty secret replaced the saved one")
		}
		app.AdminWithRoles(tn, "sam@example.com", "tenant_auditor")
		op.Set("sam@example.com", true, idptest.Knobs{})
		sam := app.Client()
		if _, r := ssoRound(t, sam, "sam@example.com"); r.Status != http.StatusSeeOther || !signedIn(t, sam) {
			t.Fatalf("sign-in with the kept secret: %d", r.Status)
		}

		// Turning it off needs a step-up too.
		r = c2.Submit(ssoURL, ssoURL+"/remove", url.Values{})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("remove without step-up: %d", r.Status)
		}
		r = c.Submit(ssoURL, ssoURL+"/remove", url.Values{"password": {webtest.Password}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("remove: %d", r.Status)
		}
		if _, ok := ssoOf(t, app, tn); ok {
			t.Fatal("not removed")
		}
		if login := app.Client().Get("/t/acme/login"); strings.Contains(login.Body, `data-testid="sso"`) {
			t.Error("the sign-in page still offers single sign-on")
		}
	})
}

func TestSSOSignIn(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app, c, tn, op := ssoApp(t, db)
		configureSSO(t, c, op, false)
		setSecurity(t, app, tn, models.MethodPassword, true) // require_totp: met by the provider's sign-in
		app.AdminWithRoles(tn, "sam@example.com", "tenant_auditor")

		// The sign-in page offers it, with the domains for routing.
		login := app.Client().Get("/t/acme/login")
		doc := htmlOf(t, login.Body)
		if got := doc.Find(`[data-testid="sso-button"]`).Text(); got != "Sign in with Example SSO" {
			t.Fatalf("button %q", got)
		}
		if d, _ := doc.Find(`form[data-sso-domains]`).Attr("data-sso-domains"); d != "example.com example.org" {
			t.Fatalf("routing domains %q", d)
		}
		// Its forms may lead to the provider's authorization endpoint (the
		// answer to starting single sign-on redirects there), and nowhere else.
		if csp := login.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' "+op.Issuer+";") {
			t.Fatalf("CSP %q", csp)
		}
		if csp := c.Get("/t/acme/account").Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self';") {
			t.Fatalf("another page's CSP %q", csp)
		}

		op.Set("sam@example.com", true, idptest.Knobs{})
		sam := app.Client()
		_, r := ssoRound(t, sam, "sam@example.com")
		if r.Status != http.StatusSeeOther || r.Location != "/t/acme/" {
			t.Fatalf("callback: %d %q\n%s", r.Status, r.Location, r.Body)
		}
		if !signedIn(t, sam) {
			t.Fatal("not signed in")
		}
		// The request carried state, nonce, PKCE (S256) and the hint.
		q := op.LastAuthorization()
		if q.Get("state") == "" || q.Get("nonce") == "" || q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43 ||
			q.Get("login_hint") != "sam@example.com" || q.Get("redirect_uri") != app.URL("/t/acme/login/sso/callback") ||
			!strings.Contains(q.Get("scope"), "openid") || !strings.Contains(q.Get("scope"), "email") {
			t.Fatalf("authorization request %v", q)
		}
		ev := lastAudit(t, app, "administrator.signed_in")
		if ev.ActorEmail != "sam@example.com" || !strings.Contains(ev.Changes, `"sso"`) {
			t.Fatalf("audit %+v", ev)
		}
		// A string "true" for email_verified counts too (some providers send it).
		op.Set("sam@example.com", false, idptest.Knobs{EmailVerified: "true"})
		other := app.Client()
		if _, r := ssoRound(t, other, "sam@example.com"); r.Status != http.StatusSeeOther || !signedIn(t, other) {
			t.Fatalf("email_verified \"true\": %d", r.Status)
		}
		// A return address survives the round trip.
		nextC := app.Client()
		op.Set("sam@example.com", true, idptest.Knobs{})
		start := nextC.Submit("/t/acme/login?next=/t/acme/account", "/t/acme/login/sso", url.Values{"next": {"/t/acme/account"}})
		back := nextC.GetURL(start.Location)
		u := urlOf(t, back.Location)
		if r := nextC.Get(u.RequestURI()); r.Status != http.StatusSeeOther || r.Location != "/t/acme/account" {
			t.Fatalf("next: %d %q", r.Status, r.Location)
		}

		// Domain routing without script: an address of an SSO domain and
		// no password starts single sign-on.
		r = app.Client().Submit("/t/acme/login", "/t/acme/login", url.Values{"email": {"sam@example.com"}})
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, op.Issuer+"/authorize?") || !strings.Contains(r.Location, "login_hint=sam%40example.com") {
			t.Fatalf("routing: %d %q", r.Status, r.Location)
		}
		// Another domain without a password is the usual error.
		r = app.Client().Submit("/t/acme/login", "/t/acme/login", url.Values{"email": {"sam@other.test"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("other domain: %d", r.Status)
		}
	})
}

func TestSSORefusals(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app, c, tn, op := ssoApp(t, db)
		configureSSO(t, c, op, false)
		app.AdminWithRoles(tn, "sam@example.com", "tenant_auditor")
		gone := app.AdminWithRoles(tn, "gone@example.com", "tenant_auditor")
		if err := app.DB.DB.Model(&models.Administrator{}).Where("id = ?", gone.ID).Update("status", models.AdminInactive).Error; err != nil {
			t.Fatal(err)
		}
		app.AdminWithRoles(tn, "sam@elsewhere.test", "tenant_auditor") // an administrator, but not of a domain the provider serves

		refused := func(what string, r *webtest.Response, c *webtest.Client, reason string) {
			t.Helper()
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Single sign-on did not sign you in") {
				t.Errorf("%s: %d %q, want the refusal", what, r.Status, r.Location)
			}
			if signedIn(t, c) {
				t.Errorf("%s: signed in", what)
			}
			if ev := lastAudit(t, app, "administrator.sign_in_failed"); !strings.Contains(ev.Changes, reason) || !strings.Contains(ev.Changes, `"sso"`) {
				t.Errorf("%s: audit %s, want reason %q", what, ev.Changes, reason)
			}
		}
		cases := []struct {
			what, email string
			verified    bool
			knobs       idptest.Knobs
			reason      string
		}{
			{"forged ID token (wrong key)", "sam@example.com", true, idptest.Knobs{WrongKey: true}, "signature"},
			{"wrong nonce", "sam@example.com", true, idptest.Knobs{Nonce: "not-the-nonce"}, "nonce"},
			{"unverified e-mail", "sam@example.com", false, idptest.Knobs{}, "email_verified"},
			{"no email_verified claim", "sam@example.com", true, idptest.Knobs{OmitVerified: true}, "email_verified"},
			{"unknown administrator", "nobody@example.com", true, idptest.Knobs{}, "not an administrator"},
			{"deactivated administrator", "gone@example.com", true, idptest.Knobs{}, "not an active administrator"},
			{"domain not served", "sam@elsewhere.test", true, idptest.Knobs{}, "not of a domain"},
			{"expired ID token", "sam@example.com", true, idptest.Knobs{Expired: true}, "expired"},
			{"wrong audience", "sam@example.com", true, idptest.Knobs{Audience: "someone-else"}, "audience"},
			{"wrong issuer", "sam@example.com", true, idptest.Knobs{Issuer: "https://evil.example"}, "different provider"},
			{"no ID token", "sam@example.com", true, idptest.Knobs{NoIDToken: true}, "without an ID token"},
			{"provider said no", "sam@example.com", true, idptest.Knobs{DenyAuthorize: "access_denied"}, "access_denied"},
		}
		for _, tc := range cases {
			op.Set(tc.email, tc.verified, tc.knobs)
			b := app.Client()
			_, r := ssoRound(t, b, tc.email)
			refused(tc.what, r, b, tc.reason)
		}

		// A wrong state: the callback of one browser's request in another's.
		op.Set("sam@example.com", true, idptest.Knobs{})
		victim, attacker := app.Client(), app.Client()
		start := attacker.Submit("/t/acme/login", "/t/acme/login/sso", url.Values{})
		back := attacker.GetURL(start.Location)
		u := urlOf(t, back.Location)
		victim.Submit("/t/acme/login", "/t/acme/login/sso", url.Values{}) // the victim has a pending request of their own
		refused("wrong state (another browser's callback)", victim.Get(u.RequestURI()), victim, "state")
		// A state altered in the callback.
		b := app.Client()
		start = b.Submit("/t/acme/login", "/t/acme/login/sso", url.Values{})
		back = b.GetURL(start.Location)
		u = urlOf(t, back.Location)
		q := u.Query()
		q.Set("state", q.Get("state")+"x")
		u.RawQuery = q.Encode()
		refused("altered state", b.Get(u.RequestURI()), b, "state")
		// No pending request at all.
		refused("callback without a request", app.Client().Get("/t/acme/login/sso/callback?state=x&code=y"), app.Client(), "state")

		// A replayed callback (same code, same state) after a success.
		op.Set("sam@example.com", true, idptest.Knobs{ReuseCodes: true}) // even a provider that would honour it again
		good := app.Client()
		cb, r := ssoRound(t, good, "sam@example.com")
		if r.Status != http.StatusSeeOther {
			t.Fatalf("good round: %d", r.Status)
		}
		replayer := app.Client()
		refused("replayed callback", replayer.Get(cb), replayer, "state")
		// The code under a fresh request of the attacker's own: refused by
		// Gatehouse before the provider is asked.
		redeemed := op.Redemptions
		start = replayer.Submit("/t/acme/login", "/t/acme/login/sso", url.Values{})
		fresh := replayer.GetURL(start.Location)
		fu := urlOf(t, fresh.Location)
		cu := urlOf(t, cb)
		fq := fu.Query()
		fq.Set("code", cu.Query().Get("code"))
		fu.RawQuery = fq.Encode()
		refused("replayed code", replayer.Get(fu.RequestURI()), replayer, "already used")
		if op.Redemptions != redeemed {
			t.Error("the replayed code was sent to the provider")
		}
	})
}

func TestSSOOnly(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app, c, tn, op := ssoApp(t, db)
		configureSSO(t, c, op, true)
		app.AdminWithRoles(tn, "sam@example.com", "tenant_auditor")

		login := app.Client().Get("/t/acme/login")
		doc := htmlOf(t, login.Body)
		if doc.Find(`[data-testid="sso-button"].button-primary`).Length() != 1 || doc.Find(`details[data-testid="break-glass"] input[name="password"]`).Length() != 1 {
			t.Fatal("the sign-in page does not put single sign-on first, with the password for break-glass administrators")
		}
		// The right password no longer signs in (the same answer as a wrong one).
		before := auditCount(t, app, "administrator.signed_in")
		for _, pw := range []string{webtest.Password, "wrong password"} {
			r := app.Client().Submit("/t/acme/login", "/t/acme/login", url.Values{"email": {"sam@example.com"}, "password": {pw}})
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Incorrect e-mail or password.") {
				t.Fatalf("password %q with sso_only: %d", pw, r.Status)
			}
		}
		if auditCount(t, app, "administrator.signed_in") != before {
			t.Fatal("a password signed in with sso_only")
		}
		// No e-mailed code goes out either.
		setSecurity(t, app, tn, models.MethodOTP, false)
		mails := len(outboxTo(t, app, "sam@example.com"))
		if r := app.Client().Submit("/t/acme/login", "/t/acme/login", url.Values{"email": {"sam@example.com"}}); r.Status != http.StatusSeeOther || r.Location != "/t/acme/login" {
			t.Fatalf("code step: %d %q", r.Status, r.Location) // the same answer as for anyone
		}
		sent := 0
		for _, m := range outboxTo(t, app, "sam@example.com")[mails:] {
			if m.SentAt == nil {
				sent++
			}
		}
		if sent != 0 {
			t.Fatalf("%d sign-in codes queued with sso_only", sent)
		}
		// Single sign-on works.
		op.Set("sam@example.com", true, idptest.Knobs{})
		b := app.Client()
		if _, r := ssoRound(t, b, "sam@example.com"); r.Status != http.StatusSeeOther || !signedIn(t, b) {
			t.Fatalf("SSO with sso_only: %d", r.Status)
		}
		// Turned off again, the password works again.
		setSecurity(t, app, tn, models.MethodPassword, false)
		configureSSO(t, c, op, false)
		d := app.Client()
		d.SignIn("acme", "sam@example.com", webtest.Password)
		if !signedIn(t, d) {
			t.Fatal("password refused after sso_only was turned off")
		}
	})
}

func TestSSOSettingsRoutesByRole(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app, owner, tn, op := ssoApp(t, db)
		configureSSO(t, owner, op, false)
		good := url.Values{"issuer_url": {op.Issuer}, "client_id": {"changed"}, "client_secret": {"x"}, "domains": {"example.net"}, "password": {webtest.Password}}
		for _, role := range []string{"tenant_auditor", "tenant_member", "editor_organizations", "editor_users", "editor_connections", "workspace_admin", "tenant_admin"} {
			c, _ := app.SignedInAs(tn, role+"@example.com", role)
			read, manage := role == "tenant_admin" || role == "tenant_auditor", role == "tenant_admin"
			r := c.Get(ssoURL)
			doc := htmlOf(t, r.Body)
			switch {
			case !read:
				if r.Status != http.StatusForbidden || doc.Find(".sidebar").Length() != 1 {
					t.Errorf("%s: GET = %d, want the 403 page", role, r.Status)
				}
			case !manage:
				if r.Status != http.StatusOK || doc.Find(`[data-testid="sso-readonly"]`).Length() != 1 || doc.Find(`form[action="`+ssoURL+`"]`).Length() != 0 {
					t.Errorf("%s: GET = %d, want the read-only page", role, r.Status)
				}
			default:
				if r.Status != http.StatusOK || doc.Find(`form[action="`+ssoURL+`"]`).Length() != 1 {
					t.Errorf("%s: GET = %d", role, r.Status)
				}
			}
			if (doc.Find(`nav a[href="`+ssoURL+`"]`).Length() == 1) != read {
				t.Errorf("%s: navigation entry shown=%v", role, !read)
			}
			before, _ := ssoOf(t, app, tn)
			for _, path := range []string{ssoURL, ssoURL + "/remove"} {
				r := c.Submit("/t/acme/", path, good)
				after, ok := ssoOf(t, app, tn)
				if manage {
					if r.Status != http.StatusSeeOther {
						t.Errorf("%s: POST %s = %d", role, path, r.Status)
					}
					continue
				}
				if r.Status != http.StatusForbidden || !ok || after.ClientID != before.ClientID {
					t.Errorf("%s: POST %s = %d, changed=%v", role, path, r.Status, !ok || after.ClientID != before.ClientID)
				}
			}
		}
		if _, ok := ssoOf(t, app, tn); ok {
			t.Error("the Tenant Admin's removal did not remove")
		}
	})
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestSSOCallbackNotLogged: the access log does not keep the callback's
// authorization code nor its state.
func TestSSOCallbackNotLogged(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	app := webtest.Start(t, modelstest.SQLite(t), webtest.Options{Env: map[string]string{"GATEHOUSE_SSO_ALLOW_PRIVATE": "true"},
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	c, tn, _ := app.Owner("acme", "owner@example.com")
	op := idptest.Start(t)
	configureSSO(t, c, op, false)
	app.AdminWithRoles(tn, "sam@example.com", "tenant_auditor")
	op.Set("sam@example.com", true, idptest.Knobs{})
	cb, r := ssoRound(t, app.Client(), "sam@example.com")
	if r.Status != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", r.Status)
	}
	q := urlOf(t, cb).Query()
	out := logs.String()
	if !strings.Contains(out, "/t/acme/login/sso/callback?…") {
		t.Fatalf("the callback is not in the access log:\n%s", out)
	}
	if strings.Contains(out, q.Get("code")) || strings.Contains(out, q.Get("state")) {
		t.Fatal("the access log keeps the code or the state")
	}
}
