package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/webtest"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

var sixDigits = regexp.MustCompile(`\b(\d{6})\b`)

var csrfFieldRE = regexp.MustCompile(`name="_csrf" value="[^"]*"`)

func outboxTo(t *testing.T, app *webtest.App, to string) []models.OutboxEmail {
	t.Helper()
	mails, err := app.Store.OutboxTo(webtest.Ctx(), to)
	if err != nil {
		t.Fatal(err)
	}
	return mails
}

func latestCode(t *testing.T, app *webtest.App, to string) string {
	t.Helper()
	mails, err := app.Store.OutboxTo(webtest.Ctx(), to)
	if err != nil || len(mails) == 0 {
		t.Fatalf("no mail to %s", to)
	}
	m := sixDigits.FindStringSubmatch(mails[len(mails)-1].Subject)
	if m == nil {
		t.Fatalf("no code in %q", mails[len(mails)-1].Subject)
	}
	return m[1]
}

func setSecurity(t *testing.T, app *webtest.App, tn models.Tenant, method string, requireTOTP bool) {
	t.Helper()
	var owner models.Administrator
	modelstest.Must(t, app.DB.DB.Where("tenant_id = ?", tn.ID).Order("id").Take(&owner))
	v := models.Viewer{Tenant: tn, Administrator: owner, SteppedUpAt: app.Store.Now()}
	if err := app.Store.UpdateSignInSettings(webtest.Ctx(), v, models.SignInSettings{Method: method, RequireTOTP: requireTOTP}, models.Actor{}); err != nil {
		t.Fatal(err)
	}
}

func TestPasswordlessSignIn(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		_, tn, _ := app.Owner("acme", "owner@example.com")
		setSecurity(t, app, tn, models.MethodOTP, false)
		c := app.Client()
		r := c.Get("/t/acme/login")
		if !strings.Contains(r.Body, `name="email"`) || strings.Contains(r.Body, `name="password"`) {
			t.Fatal("passwordless sign-in page should ask for the e-mail only")
		}
		// Unknown and known e-mails get the same answer.
		other := app.Client()
		r1 := other.Submit("/t/acme/login", "/t/acme/login", url.Values{"email": {"nobody@example.com"}})
		r2 := c.Submit("/t/acme/login", "/t/acme/login", url.Values{"email": {"owner@example.com"}})
		if r1.Status != http.StatusSeeOther || r2.Status != http.StatusSeeOther || r1.Location != r2.Location {
			t.Fatalf("answers differ: %d %q / %d %q", r1.Status, r1.Location, r2.Status, r2.Location)
		}
		p1, p2 := other.Get("/t/acme/login"), c.Get("/t/acme/login")
		if !strings.Contains(p1.Body, `name="code"`) || !strings.Contains(p2.Body, `name="code"`) {
			t.Fatal("code step not shown")
		}
		// The pending session reaches nothing else.
		if r := c.Get("/t/acme/"); r.Status != http.StatusSeeOther {
			t.Fatalf("half-signed-in session reached the dashboard: %d", r.Status)
		}
		code := latestCode(t, app, "owner@example.com")
		if r := c.Submit("/t/acme/login", "/t/acme/login", url.Values{"code": {"12345x"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "not valid") {
			t.Fatalf("wrong code: %d", r.Status)
		}
		if r := other.Submit("/t/acme/login", "/t/acme/login", url.Values{"code": {code}}); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("code accepted for an unknown e-mail: %d", r.Status)
		}
		before := c.Cookie("gatehouse_session")
		r = c.Submit("/t/acme/login", "/t/acme/login", url.Values{"code": {code}})
		if r.Status != http.StatusSeeOther || r.Location != "/t/acme/" {
			t.Fatalf("right code: %d %q", r.Status, r.Location)
		}
		if c.Cookie("gatehouse_session") == before {
			t.Fatal("session id not renewed after the code step")
		}
		if r := c.Get("/t/acme/"); r.Status != http.StatusOK {
			t.Fatalf("dashboard after the code: %d", r.Status)
		}
		// Resend is throttled, silently: the answer is the same for an
		// active administrator, an unknown address and a throttled resend.
		d := app.Client()
		d.Submit("/t/acme/login", "/t/acme/login", url.Values{"email": {"owner@example.com"}})
		sent := len(outboxTo(t, app, "owner@example.com"))
		known := d.Submit("/t/acme/login", "/t/acme/login", url.Values{"resend": {"1"}})
		if n := len(outboxTo(t, app, "owner@example.com")); n != sent {
			t.Fatalf("an immediate resend sent a code (%d → %d)", sent, n)
		}
		u := app.Client()
		u.Submit("/t/acme/login", "/t/acme/login", url.Values{"email": {"nobody@example.com"}})
		unknown := u.Submit("/t/acme/login", "/t/acme/login", url.Values{"resend": {"1"}})
		same := func(body, email string) string {
			return csrfFieldRE.ReplaceAllString(strings.ReplaceAll(body, email, "X"), "")
		}
		if known.Status != http.StatusOK || unknown.Status != known.Status || !strings.Contains(known.Body, "on its way") ||
			same(known.Body, "owner@example.com") != same(unknown.Body, "nobody@example.com") {
			t.Fatalf("resend answers differ: %d vs %d\n%s\n---\n%s", known.Status, unknown.Status, known.Body, unknown.Body)
		}
	})
}

func TestRequiredTOTPAtInvitationAndSignIn(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		tn, _, tok := app.Tenant("acme", models.PlanEnterprise, "owner@example.com")
		setSecurity(t, app, tn, models.MethodPassword, true)
		c := app.Client()
		r := c.Submit("/invitations/"+tok, "/invitations/"+tok, url.Values{"password": {webtest.Password}, "password_confirm": {webtest.Password}})
		if r.Status != http.StatusSeeOther || r.Location != "/t/acme/login/enroll" {
			t.Fatalf("after acceptance: %d %q", r.Status, r.Location)
		}
		// Nothing else is reachable before enrolment.
		for _, p := range []string{"/t/acme/", "/t/acme/settings/administrators", "/t/acme/audit"} {
			if r := c.Get(p); r.Status != http.StatusSeeOther {
				t.Errorf("%s before enrolment: %d", p, r.Status)
			}
		}
		page := c.Get("/t/acme/login/enroll")
		m := regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`).FindStringSubmatch(page.Body)
		if page.Status != http.StatusOK || m == nil || !strings.Contains(page.Body, "data:image/png;base64,") {
			t.Fatalf("enrolment page: %d", page.Status)
		}
		secret := m[1]
		code, err := totp.GenerateCodeCustom(secret, app.Clock.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			t.Fatal(err)
		}
		r = c.SubmitPage(page, "/t/acme/login/enroll", url.Values{"code": {"000000"}})
		if code != "000000" && r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("wrong enrolment code: %d", r.Status)
		}
		r = c.SubmitPage(page, "/t/acme/login/enroll", url.Values{"code": {code}})
		if r.Status != http.StatusOK || strings.Count(r.Body, "<li>") < 10 || !strings.Contains(r.Body, "recovery codes") {
			t.Fatalf("recovery codes page: %d", r.Status)
		}
		codes := regexp.MustCompile(`<li>([a-z2-9]{5}-[a-z2-9]{5})</li>`).FindAllStringSubmatch(r.Body, -1)
		if len(codes) != 10 {
			t.Fatalf("%d recovery codes shown", len(codes))
		}
		if r := c.Get("/t/acme/"); r.Status != http.StatusOK {
			t.Fatalf("dashboard after enrolment: %d", r.Status)
		}
		// Next sign-in: password, then TOTP.
		d := app.Client()
		d.SignIn("acme", "owner@example.com", webtest.Password)
		if r := d.Get("/t/acme/"); r.Status != http.StatusSeeOther {
			t.Fatal("password alone signed in an enrolled administrator")
		}
		if r := d.Get("/t/acme/login"); !strings.Contains(r.Body, "Two-step verification") {
			t.Fatal("TOTP step not shown")
		}
		app.Clock.Add(30 * time.Second)
		code, err = totp.GenerateCodeCustom(secret, app.Clock.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			t.Fatal(err)
		}
		if r := d.Submit("/t/acme/login", "/t/acme/login", url.Values{"code": {code}}); r.Status != http.StatusSeeOther {
			t.Fatalf("TOTP step: %d", r.Status)
		}
		if r := d.Get("/t/acme/"); r.Status != http.StatusOK {
			t.Fatalf("after TOTP: %d", r.Status)
		}
		// The same code cannot be used again; a recovery code can, once.
		e := app.Client()
		e.SignIn("acme", "owner@example.com", webtest.Password)
		if r := e.Submit("/t/acme/login", "/t/acme/login", url.Values{"code": {code}}); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("replayed TOTP code: %d", r.Status)
		}
		if r := e.Submit("/t/acme/login", "/t/acme/login", url.Values{"code": {codes[0][1]}}); r.Status != http.StatusSeeOther {
			t.Fatalf("recovery code: %d", r.Status)
		}
		// "Use another account" abandons a half-finished sign-in.
		f := app.Client()
		f.SignIn("acme", "owner@example.com", webtest.Password)
		if r := f.Submit("/t/acme/login", "/t/acme/login/restart", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("restart: %d", r.Status)
		}
		if r := f.Get("/t/acme/login"); !strings.Contains(r.Body, `name="password"`) {
			t.Fatal("restart did not go back to the first step")
		}
	})
}

func TestLockedAccountLooksLikeAWrongPassword(t *testing.T) {
	t.Parallel()
	app := webtest.Start(t, modelstest.SQLite(t), webtest.Options{})
	app.Owner("acme", "owner@example.com")
	c := app.Client()
	var wrong *webtest.Response
	for range 5 {
		wrong = c.Submit("/t/acme/login", "/t/acme/login", url.Values{"email": {"owner@example.com"}, "password": {"wrong password!"}})
	}
	locked := c.Submit("/t/acme/login", "/t/acme/login", url.Values{"email": {"owner@example.com"}, "password": {webtest.Password}})
	if locked.Status != wrong.Status || !strings.Contains(locked.Body, "Incorrect e-mail or password.") {
		t.Fatalf("locked: %d, wrong password: %d", locked.Status, wrong.Status)
	}
	strip := func(s string) string { return regexp.MustCompile(`value="[^"]*"`).ReplaceAllString(s, "") }
	if strip(locked.Body) != strip(wrong.Body) {
		t.Fatal("the locked account's page differs from a wrong password's")
	}
	app.Clock.Add(16 * time.Minute)
	if r := c.Submit("/t/acme/login", "/t/acme/login", url.Values{"email": {"owner@example.com"}, "password": {webtest.Password}}); r.Status != http.StatusSeeOther {
		t.Fatalf("after the lockout: %d", r.Status)
	}
}
