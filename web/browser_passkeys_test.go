package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/idp/idptest"
	"gatehouse/models/modelstest"
	"gatehouse/web/browsertest"
	"gatehouse/web/webtest"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
)

// virtualAuthenticator gives the tab Chromium's virtual authenticator (the
// DevTools WebAuthn domain): a platform authenticator (CTAP 2.1, internal
// transport) holding resident keys, with user verification that succeeds.
func virtualAuthenticator(t *testing.T, ctx context.Context) webauthn.AuthenticatorID {
	t.Helper()
	id, err := chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) (webauthn.AuthenticatorID, error) {
		if _, err := cdp.Call(ctx, tg, webauthn.Enable, webauthn.EnableParams{}); err != nil {
			return "", err
		}
		res, err := cdp.Call(ctx, tg, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
			Options: &webauthn.VirtualAuthenticatorOptions{
				Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21,
				Transport: webauthn.AuthenticatorTransportInternal, HasResidentKey: true, HasUserVerification: true,
				IsUserVerified: true, AutomaticPresenceSimulation: true,
			},
		})
		return res.AuthenticatorID, err
	})
	if err != nil {
		t.Fatalf("virtual authenticator: %v", err)
	}
	return id
}

func authenticatorCredentials(t *testing.T, ctx context.Context, id webauthn.AuthenticatorID) []*webauthn.Credential {
	t.Helper()
	res, err := chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) (webauthn.GetCredentialsResult, error) {
		return cdp.Call(ctx, tg, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: id})
	})
	if err != nil {
		t.Fatalf("credentials: %v", err)
	}
	return res.Credentials
}

// TestBrowserPasskey: in Chromium with its virtual authenticator, an
// administrator adds a passkey on the account page, signs out, and signs
// in again with the passkey alone (a discoverable credential, user
// verified); the sign-in is audited with the method.
func TestBrowserPasskey(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		ctx := browsertest.New(t, 120*time.Second)
		app := webtest.Start(t, db, webtest.Options{RealClock: true, Localhost: true})
		if !strings.HasPrefix(app.Config.BaseURL, "http://localhost:") {
			t.Fatalf("base URL %s", app.Config.BaseURL)
		}
		_, owner, tok := app.Tenant("acme", models.PlanEnterprise, "olivia@acme.example")
		acceptAndSignIn(t, ctx, app.URL("/invitations/"+tok), "olivia@acme.example")
		authID := virtualAuthenticator(t, ctx)

		browsertest.Do(t, ctx, "account page", chromedp.Navigate(app.URL("/t/acme/account#passkeys")),
			chromedp.WaitVisible(chromedp.CSS(`form[data-passkey="register"] button[data-passkey-button]:enabled`)),
			chromedp.SendKeys(chromedp.CSS("#f-passkey-name"), "Test laptop"))
		browsertest.Submit(t, ctx, "add a passkey", `form[data-passkey="register"] button[data-passkey-button]`)
		browsertest.Do(t, ctx, "passkey listed", chromedp.WaitVisible(chromedp.CSS(`tr[data-testid="passkey"]`)))
		if name := browsertest.Text(t, ctx, `tr[data-testid="passkey"] .passkey-name`); name != "Test laptop" {
			t.Fatalf("listed %q", name)
		}
		if f := browsertest.Text(t, ctx, ".flash"); !strings.Contains(f, "Test laptop") {
			t.Errorf("flash %q", f)
		}
		browsertest.Do(t, ctx, "scroll to passkeys", chromedp.ScrollIntoView(chromedp.CSS("#passkeys")))
		browsertest.Screenshot(t, ctx, "account-passkeys-"+db.Name)

		creds := authenticatorCredentials(t, ctx, authID)
		if len(creds) != 1 || !creds[0].IsResidentCredential || creds[0].RpID != "localhost" {
			t.Fatalf("authenticator holds %+v", creds)
		}
		ps, err := app.Store.PasskeysOf(webtest.Ctx(), owner.TenantID, owner.ID)
		if err != nil || len(ps) != 1 {
			t.Fatalf("stored passkeys %v %v", ps, err)
		}

		browsertest.Submit(t, ctx, "sign out", ".whoami button[type=submit]")
		browsertest.Do(t, ctx, "passkey button", chromedp.WaitVisible(chromedp.CSS(`form[data-passkey="login"] button[data-passkey-button]`)))
		browsertest.Screenshot(t, ctx, "sign-in-passkey-"+db.Name)
		browsertest.Submit(t, ctx, "sign in with the passkey", `form[data-passkey="login"] button[data-passkey-button]`)
		browsertest.Do(t, ctx, "dashboard", chromedp.WaitVisible(chromedp.CSS(".sidebar")))
		if h := browsertest.Text(t, ctx, "h1"); h != "Welcome, Olivia" {
			t.Fatalf("dashboard heading %q", h)
		}
		var ev models.AuditEvent
		if err := db.DB.Where("action = ?", "administrator.signed_in").Order("id DESC").Take(&ev).Error; err != nil || !strings.Contains(ev.Changes, `"passkey"`) {
			t.Fatalf("sign-in audit %+v %v", ev, err)
		}
		if ps, err := app.Store.PasskeysOf(webtest.Ctx(), owner.TenantID, owner.ID); err != nil || ps[0].LastUsedAt == nil || ps[0].SignCount < 1 {
			t.Fatalf("use not recorded: %+v %v", ps, err)
		}
	})
}

// TestBrowserSSO: the sign-in page of a tenant with single sign-on: typing
// an address of its domain offers single sign-on instead of the password,
// and the round trip through the (in-process) identity provider signs in.
func TestBrowserSSO(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		ctx := browsertest.New(t, 120*time.Second)
		app := webtest.Start(t, db, webtest.Options{RealClock: true, Localhost: true, Env: map[string]string{"GATEHOUSE_SSO_ALLOW_PRIVATE": "true"}})
		op := idptest.Start(t)
		tn, owner, tok := app.Tenant("acme", models.PlanEnterprise, "olivia@acme.example")
		if _, err := app.Store.AcceptInvitation(webtest.Ctx(), tok, webtest.Password, webtest.Password, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		ov, err := app.Store.LoadViewer(webtest.Ctx(), tn, owner.ID)
		if err != nil {
			t.Fatal(err)
		}
		ov.SteppedUpAt = app.Store.Now()
		if err := app.Store.SaveSSOSettings(webtest.Ctx(), ov, models.SSOSettings{IssuerURL: op.Issuer, ClientID: op.ClientID, ClientSecret: op.ClientSecret,
			Domains: "acme.example", ButtonLabel: "Sign in with Acme SSO"}, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		op.Set("olivia@acme.example", true, idptest.Knobs{})

		browsertest.Do(t, ctx, "sign-in page", chromedp.Navigate(app.URL("/t/acme/login")), chromedp.WaitVisible(chromedp.CSS("#f-email")),
			chromedp.SendKeys(chromedp.CSS("#f-email"), "olivia@acme.example"),
			chromedp.WaitNotVisible(chromedp.CSS("#f-password")))
		if b := browsertest.Text(t, ctx, `form[data-sso-domains] button[type=submit]`); b != "Sign in with Acme SSO" {
			t.Fatalf("routed button %q", b)
		}
		browsertest.Screenshot(t, ctx, "sign-in-sso-"+db.Name)
		browsertest.Submit(t, ctx, "continue with SSO", `form[data-sso-domains] button[type=submit]`)
		browsertest.Do(t, ctx, "dashboard", chromedp.WaitVisible(chromedp.CSS(".sidebar")))
		if h := browsertest.Text(t, ctx, "h1"); h != "Welcome, Olivia" {
			t.Fatalf("dashboard heading %q", h)
		}
		if q := op.LastAuthorization(); q.Get("login_hint") != "olivia@acme.example" {
			t.Errorf("login_hint %q", q.Get("login_hint"))
		}
		browsertest.Do(t, ctx, "Single Sign-On settings", chromedp.Navigate(app.URL("/t/acme/settings/sso")), chromedp.WaitVisible(chromedp.CSS("#f-issuer_url")))
		if v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#f-issuer_url"))); err != nil || v != op.Issuer {
			t.Fatalf("issuer shown %q %v", v, err)
		}
		browsertest.Screenshot(t, ctx, "sso-settings-"+db.Name)
		// Another address: the password again.
		browsertest.Submit(t, ctx, "sign out", ".whoami button[type=submit]")
		browsertest.Do(t, ctx, "other domain", chromedp.WaitVisible(chromedp.CSS("#f-email")),
			chromedp.SendKeys(chromedp.CSS("#f-email"), "someone@other.example"),
			chromedp.WaitVisible(chromedp.CSS("#f-password")))
		browsertest.Do(t, ctx, "scroll up", chromedp.ScrollIntoView(chromedp.CSS("h1")))
		browsertest.Screenshot(t, ctx, "sign-in-sso-and-passkey-"+db.Name)
	})
}
