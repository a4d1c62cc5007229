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
)

var resetLinkRE = regexp.MustCompile(`https?://\S+/password-reset/[A-Za-z0-9_-]+`)

// resetPath sends a password reset to admin and returns the path of the
// link found in the e-mail queued for them.
func resetPath(t *testing.T, app *webtest.App, tn models.Tenant, admin models.Administrator) string {
	t.Helper()
	link, err := app.Store.SendPasswordReset(webtest.Ctx(), tn, admin, models.Actor{AdminID: admin.ID, Email: admin.Email})
	if err != nil {
		t.Fatal(err)
	}
	mails, err := app.Store.OutboxTo(webtest.Ctx(), admin.Email)
	if err != nil || len(mails) == 0 {
		t.Fatalf("outbox: %v %v", mails, err)
	}
	last := mails[len(mails)-1]
	if !strings.HasPrefix(last.Subject, "Reset your Gatehouse password") {
		t.Fatalf("last e-mail: %q", last.Subject)
	}
	got := resetLinkRE.FindString(last.TextBody)
	if got != link || !strings.HasPrefix(link, app.Server.URL+"/password-reset/") {
		t.Fatalf("e-mailed link %q, sent %q", got, link)
	}
	return strings.TrimPrefix(link, app.Server.URL)
}

func hasResetForm(body string) bool {
	return strings.Contains(body, `action="/password-reset/`) || strings.Contains(body, `name="password"`)
}

func TestPasswordResetFlow(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		owner, tn, a := app.Owner("acme", "owner@example.com")
		admin, err := app.Store.AdministratorByID(webtest.Ctx(), tn.ID, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		path := resetPath(t, app, tn, admin)

		// The link opens the form in any browser; the page is not cached.
		b := app.Client()
		r := b.Get(path)
		if r.Status != http.StatusOK || !hasResetForm(r.Body) || !strings.Contains(r.Body, `name="password_confirm"`) ||
			!strings.Contains(r.Body, "owner@example.com") || !strings.Contains(r.Body, "At least 12 characters") {
			t.Fatalf("reset page: %d\n%s", r.Status, r.Body)
		}
		if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control %q", cc)
		}

		// Bad passwords: 422 with the message beside the field, nothing changes.
		for _, tc := range []struct{ pw, confirm, msg string }{
			{"short", "short", "Use at least 12 characters."},
			{"password1234", "password1234", "This password is too common"},
			{"a brand new passphrase", "a brand new passphrasf", "The two passwords do not match."},
		} {
			r := b.Submit(path, path, url.Values{"password": {tc.pw}, "password_confirm": {tc.confirm}})
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tc.msg) || !hasResetForm(r.Body) {
				t.Fatalf("%q: %d\n%s", tc.pw, r.Status, r.Body)
			}
			if r.Header.Get("Cache-Control") != "no-store" {
				t.Error("422 page may be cached")
			}
		}
		if r := owner.Get("/t/acme/"); r.Status != http.StatusOK {
			t.Fatalf("session ended by a refused password: %d", r.Status)
		}
		if _, err := app.Store.Authenticate(webtest.Ctx(), tn.ID, "owner@example.com", webtest.Password, models.Actor{}); err != nil {
			t.Fatalf("old password after refused resets: %v", err)
		}

		// A good password: sent to sign in with the e-mail filled in and a flash.
		const newPassword = "a brand new passphrase"
		r = b.Submit(path, path, url.Values{"password": {newPassword}, "password_confirm": {newPassword}})
		if r.Status != http.StatusSeeOther || r.Location != "/t/acme/login?email=owner%40example.com" {
			t.Fatalf("reset: %d %q\n%s", r.Status, r.Location, r.Body)
		}
		r = b.Get(r.Location)
		if r.Status != http.StatusOK || !strings.Contains(r.Body, "Your password has been changed. Sign in with your new password.") ||
			!strings.Contains(r.Body, `value="owner@example.com"`) {
			t.Fatalf("login after reset: %d\n%s", r.Status, r.Body)
		}

		// The session that was open elsewhere has ended on the server.
		if r := owner.Get("/t/acme/"); r.Status != http.StatusSeeOther {
			t.Fatalf("old session after reset: %d", r.Status)
		}
		var n int64
		modelstest.Must(t, db.DB.Model(&models.Session{}).Where("administrator_id = ?", admin.ID).Count(&n))
		if n != 0 {
			t.Fatalf("%d sessions left after reset", n)
		}

		// The old password is refused, the new one works.
		r = app.Client().Submit("/t/acme/login", "/t/acme/login", url.Values{"email": {"owner@example.com"}, "password": {webtest.Password}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Incorrect e-mail or password.") {
			t.Fatalf("old password: %d", r.Status)
		}
		c := app.Client()
		c.SignIn("acme", "owner@example.com", newPassword)
		if r := c.Get("/t/acme/"); r.Status != http.StatusOK {
			t.Fatalf("dashboard with the new password: %d", r.Status)
		}

		// The link is spent: a clear page, no form, whether fetched or posted.
		r = b.Get(path)
		if r.Status != http.StatusGone || !strings.Contains(r.Body, "already been used") || hasResetForm(r.Body) {
			t.Fatalf("used link: %d\n%s", r.Status, r.Body)
		}
		r = b.Submit("/t/acme/login", path, url.Values{"password": {"yet another passphrase"}, "password_confirm": {"yet another passphrase"}})
		if r.Status != http.StatusGone || !strings.Contains(r.Body, "already been used") {
			t.Fatalf("posting to a used link: %d", r.Status)
		}
		if _, err := app.Store.Authenticate(webtest.Ctx(), tn.ID, "owner@example.com", newPassword, models.Actor{}); err != nil {
			t.Fatalf("new password after the used link was posted: %v", err)
		}

		var actions []string
		modelstest.Must(t, db.DB.Model(&models.AuditEvent{}).Where("action LIKE ?", "administrator.password_reset%").Order("id").Pluck("action", &actions))
		if strings.Join(actions, ",") != "administrator.password_reset_sent,administrator.password_reset" {
			t.Fatalf("audit trail: %v", actions)
		}
	})
}

func TestPasswordResetLinksThatCannotBeUsed(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		_, tn, a := app.Owner("acme", "owner@example.com")
		admin, err := app.Store.AdministratorByID(webtest.Ctx(), tn.ID, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		b := app.Client()

		r := b.Get("/password-reset/not-a-real-token")
		if r.Status != http.StatusNotFound || !strings.Contains(r.Body, "password reset link you followed is not valid") || hasResetForm(r.Body) {
			t.Fatalf("unknown link: %d\n%s", r.Status, r.Body)
		}

		// A newer link withdraws the older one.
		first := resetPath(t, app, tn, admin)
		second := resetPath(t, app, tn, admin)
		r = b.Get(first)
		if r.Status != http.StatusGone || !strings.Contains(r.Body, "withdrawn") || hasResetForm(r.Body) {
			t.Fatalf("replaced link: %d\n%s", r.Status, r.Body)
		}
		if r := b.Get(second); r.Status != http.StatusOK {
			t.Fatalf("newest link: %d", r.Status)
		}

		// After an hour the link has expired.
		app.Clock.Add(61 * time.Minute)
		r = b.Get(second)
		if r.Status != http.StatusGone || !strings.Contains(r.Body, "expired") || hasResetForm(r.Body) {
			t.Fatalf("expired link: %d\n%s", r.Status, r.Body)
		}
		if r.Header.Get("Cache-Control") != "no-store" {
			t.Error("invalid-link page may be cached")
		}
		if strings.Contains(r.Body, "invitation") {
			t.Error("the page for a reset link talks about invitations")
		}
	})
}
