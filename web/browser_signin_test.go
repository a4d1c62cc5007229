package web_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/browsertest"
	"gatehouse/web/webtest"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"
)

// TestBrowserRequiredTOTPAndPasswordless: the owner's tenant requires TOTP
// and signs in by e-mailed code. An invited administrator accepts, is taken
// straight to TOTP enrolment (QR code), saves the recovery codes, signs out
// and signs in again with a code read from the captured e-mail and a TOTP code.
func TestBrowserRequiredTOTPAndPasswordless(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		ctx := browsertest.New(t, 120*time.Second)
		smtp, worker := startMail(t, db)
		app := webtest.Start(t, db, webtest.Options{RealClock: true, WakeMail: worker.Wake})
		tn, _, tok := app.Tenant("acme", models.PlanEnterprise, "owner@example.com")

		// The owner signs in, switches the tenant to e-mailed codes with TOTP
		// required, and invites Sam, all in the browser.
		acceptAndSignIn(t, ctx, app.URL("/invitations/"+tok), "owner@example.com")
		browsertest.Do(t, ctx, "sign-in settings", chromedp.Navigate(app.URL("/t/acme/settings/sign-in")),
			chromedp.WaitVisible(chromedp.CSS("#f-method-otp")),
			chromedp.Click(chromedp.CSS("#f-method-otp")),
			chromedp.Click(chromedp.CSS("#f-require_totp")),
			chromedp.SendKeys(chromedp.CSS("#f-password"), webtest.Password)) // the step-up
		browsertest.Submit(t, ctx, "save the sign-in settings", "form button[type=submit].button-primary")
		if flash := browsertest.Text(t, ctx, ".flash span"); !strings.Contains(flash, "saved") {
			t.Fatalf("after saving the sign-in settings: %q", flash)
		}
		browsertest.Screenshot(t, ctx, "sign-in-settings-otp-totp-"+db.Name)
		if sec, err := app.Store.Security(context.Background(), tn.ID); err != nil || sec.SignInMethod != string(models.MethodOTP) || !sec.RequireTOTP {
			t.Fatalf("settings after saving: %+v %v", sec, err)
		}
		browsertest.Do(t, ctx, "Create New", chromedp.Navigate(app.URL("/t/acme/settings/administrators/new")),
			chromedp.WaitVisible(chromedp.CSS("#f-email")),
			chromedp.SendKeys(chromedp.CSS("#f-email"), "sam@acme.example"),
			chromedp.SendKeys(chromedp.CSS("#f-given_name"), "Sam"),
			chromedp.SendKeys(chromedp.CSS("#f-family_name"), "Support"),
			chromedp.SetValue(chromedp.CSS("#f-role"), "tenant_auditor"))
		browsertest.Submit(t, ctx, "create and invite", "form button[type=submit].button-primary")
		browsertest.Submit(t, ctx, "owner signs out", ".whoami button[type=submit]")
		worker.Wake()
		link := inviteLink(t, smtp, "sam@acme.example")

		browsertest.Do(t, ctx, "accept", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#f-password")),
			chromedp.SendKeys(chromedp.CSS("#f-password"), webtest.Password),
			chromedp.SendKeys(chromedp.CSS("#f-password_confirm"), webtest.Password))
		browsertest.Submit(t, ctx, "set the password", "button[type=submit]")
		browsertest.Do(t, ctx, "enrolment page", chromedp.WaitVisible(chromedp.CSS(".qr img")))
		if loc := browsertest.Location(t, ctx); !strings.HasSuffix(loc, "/t/acme/login/enroll") {
			t.Fatalf("after acceptance: %s", loc)
		}
		browsertest.Screenshot(t, ctx, "totp-enrolment-qr-"+db.Name)
		secret := browsertest.Text(t, ctx, "#totp-secret")
		code, err := totp.GenerateCode(secret, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		browsertest.Do(t, ctx, "type the code", chromedp.SendKeys(chromedp.CSS("#f-code"), code))
		browsertest.Submit(t, ctx, "confirm enrolment", "button[type=submit]")
		if h := browsertest.Text(t, ctx, "h1"); h != "Save your recovery codes" {
			t.Fatalf("after enrolment: %q", h)
		}
		browsertest.Screenshot(t, ctx, "totp-recovery-codes-"+db.Name)
		recovery := strings.Fields(browsertest.Text(t, ctx, ".recovery-codes li"))[0]
		browsertest.Submit(t, ctx, "continue", ".actions a.button-primary")
		browsertest.Do(t, ctx, "dashboard", chromedp.WaitVisible(chromedp.CSS(".sidebar")))
		browsertest.Submit(t, ctx, "sign out", ".whoami button[type=submit]")

		// Passwordless sign-in: e-mail, the code from the captured e-mail, then TOTP.
		browsertest.Do(t, ctx, "e-mail step", chromedp.WaitVisible(chromedp.CSS("#f-email")),
			chromedp.SendKeys(chromedp.CSS("#f-email"), "sam@acme.example"))
		browsertest.Submit(t, ctx, "send the code", "button[type=submit]")
		browsertest.Do(t, ctx, "code step", chromedp.WaitVisible(chromedp.CSS("#f-code")))
		browsertest.Screenshot(t, ctx, "passwordless-code-step-"+db.Name)
		worker.Wake()
		var emailed string
		deadline := time.Now().Add(15 * time.Second)
		for emailed == "" && time.Now().Before(deadline) {
			for _, m := range smtp.MessagesTo("sam@acme.example") {
				if c := regexp.MustCompile(`^(\d{6}) is your Gatehouse sign-in code`).FindStringSubmatch(m.Subject); c != nil {
					emailed = c[1]
				}
			}
			time.Sleep(100 * time.Millisecond)
		}
		if emailed == "" {
			t.Fatal("no sign-in code e-mail arrived")
		}
		browsertest.Do(t, ctx, "type the e-mailed code", chromedp.SendKeys(chromedp.CSS("#f-code"), emailed))
		browsertest.Submit(t, ctx, "verify the code", "button[type=submit]")
		if h := browsertest.Text(t, ctx, "h1"); h != "Two-step verification" {
			t.Fatalf("after the e-mailed code: %q", h)
		}
		// A fresh TOTP step (the enrolment code's step is spent).
		next := time.Now().Add(30 * time.Second)
		code, err = totp.GenerateCode(secret, next)
		if err != nil {
			t.Fatal(err)
		}
		browsertest.Do(t, ctx, "type the TOTP code", chromedp.SendKeys(chromedp.CSS("#f-code"), code))
		browsertest.Submit(t, ctx, "verify TOTP", "button[type=submit]")
		browsertest.Do(t, ctx, "dashboard again", chromedp.WaitVisible(chromedp.CSS(".sidebar")))
		if h := browsertest.Text(t, ctx, "h1"); h != "Welcome, Sam" {
			t.Fatalf("dashboard heading %q", h)
		}
		browsertest.Screenshot(t, ctx, "passwordless-signed-in-"+db.Name)
		browsertest.Submit(t, ctx, "sign out", ".whoami button[type=submit]")

		// Back to passwords (still with TOTP): the next sign-in asks for the
		// password, then TOTP.
		if err := app.Store.UpdateSignInSettings(context.Background(), viewerOf(t, app, tn, ownerOf(t, app, tn)),
			models.SignInSettings{Method: models.MethodPassword, RequireTOTP: true}, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		browsertest.Do(t, ctx, "password sign-in", chromedp.Navigate(app.URL("/t/acme/login")), chromedp.WaitVisible(chromedp.CSS("#f-password")),
			chromedp.SendKeys(chromedp.CSS("#f-email"), "sam@acme.example"),
			chromedp.SendKeys(chromedp.CSS("#f-password"), webtest.Password))
		browsertest.Submit(t, ctx, "sign in with the password", "button[type=submit]")
		if h := browsertest.Text(t, ctx, "h1"); h != "Two-step verification" {
			t.Fatalf("after the password: %q", h)
		}
		// The authenticator's next code is a step away; a recovery code does.
		browsertest.Do(t, ctx, "type a recovery code", chromedp.SendKeys(chromedp.CSS("#f-code"), recovery))
		browsertest.Submit(t, ctx, "verify the recovery code", "button[type=submit]")
		if h := browsertest.Text(t, ctx, "h1"); h != "Welcome, Sam" {
			t.Fatalf("after password and a recovery code: %q", h)
		}

		// Account: Sam corrects their name.
		browsertest.Do(t, ctx, "open the account", chromedp.Navigate(app.URL("/t/acme/account")), chromedp.WaitVisible(chromedp.CSS("#f-given_name")),
			chromedp.Clear(chromedp.CSS("#f-family_name")), chromedp.SendKeys(chromedp.CSS("#f-family_name"), "Sampson"))
		browsertest.Submit(t, ctx, "save the name", "#name button[type=submit]")
		if f := browsertest.Text(t, ctx, ".flash span"); f != "Your name is now Sam Sampson." {
			t.Fatalf("after renaming: %q", f)
		}
		browsertest.Screenshot(t, ctx, "account-"+db.Name)
	})
}

func ownerOf(t *testing.T, app *webtest.App, tn models.Tenant) models.Administrator {
	t.Helper()
	a, err := app.Store.AdministratorByEmail(context.Background(), tn.ID, "owner@example.com")
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func viewerOf(t *testing.T, app *webtest.App, tn models.Tenant, a models.Administrator) models.Viewer {
	t.Helper()
	grants, err := app.Store.GrantsOf(context.Background(), tn.ID, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	return models.Viewer{Tenant: tn, Administrator: a, Grants: grants, Perms: authzSet(grants), SteppedUpAt: app.Store.Now()}
}
