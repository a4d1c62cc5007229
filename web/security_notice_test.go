package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/webtest"
)

// notices returns the subjects of the security notices e-mailed to to, in order.
func notices(t *testing.T, app *webtest.App, to string) []string {
	t.Helper()
	var out []string
	for _, m := range outboxTo(t, app, to) {
		if strings.Contains(m.TextBody, "If this was you, there is nothing to do.") {
			out = append(out, m.Subject)
		}
	}
	return out
}

// newNotice checks that exactly one notice was queued to to since n of
// them, with subject and body saying by, and returns the new count.
func newNotice(t *testing.T, app *webtest.App, to string, n int, subject, by string) int {
	t.Helper()
	got := notices(t, app, to)
	if len(got) != n+1 {
		t.Fatalf("after %q: %d new notices, want 1: %q", subject, len(got)-n, got)
	}
	if !strings.HasPrefix(got[n], subject) {
		t.Errorf("notice %q, want %q", got[n], subject)
	}
	mails := outboxTo(t, app, to)
	last := mails[len(mails)-1]
	if !strings.Contains(last.TextBody, "By:      "+by) || !strings.Contains(last.TextBody, "/t/acme/account") || !strings.Contains(last.HTMLBody, subject) {
		t.Errorf("notice %q body:\n%s", subject, last.TextBody)
	}
	return n + 1
}

// TestSecurityChangesAreEmailed is issue 9 finding 7 (notifications): an
// administrator is e-mailed, through the outbox in the change's own
// transaction, when their password changes or is reset, when TOTP is set
// up, removed or reset by someone else, and when recovery codes are made
// anew or used. A refused change sends nothing.
func TestSecurityChangesAreEmailed(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		owner, tn, _ := app.Owner("acme", "owner@example.com")
		c, ann := app.SignedInAs(tn, "ann@example.com", "tenant_member")
		const to = "ann@example.com"
		n := len(notices(t, app, to))

		// Password: a refused change sends nothing; a change sends one.
		change := func(current, next string) *webtest.Response {
			return c.Submit(accountURL, accountURL+"/password", url.Values{"current_password": {current}, "new_password": {next}, "new_password_confirm": {next}})
		}
		if r := change("wrong password here", "a brand new passphrase"); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("wrong current password: %d", r.Status)
		}
		if got := notices(t, app, to); len(got) != n {
			t.Fatalf("a refused change sent %q", got)
		}
		if r := change(webtest.Password, "a brand new passphrase"); r.Status != http.StatusSeeOther {
			t.Fatalf("change password: %d", r.Status)
		}
		n = newNotice(t, app, to, n, "Your Gatehouse password was changed", "you")

		// TOTP set up, recovery codes made anew (password required) and used.
		_, codes := enrolOnAccount(t, app, c, "acme")
		n = newNotice(t, app, to, n, "Two-step verification was turned on", "you")
		r := c.Submit(accountURL, accountURL+"/recovery-codes", url.Values{"password": {"not it"}})
		if r.Status != http.StatusUnprocessableEntity || page(t, r).Find("#e-recovery-password").Length() != 1 {
			t.Fatalf("new recovery codes with a wrong password: %d", r.Status)
		}
		if got := notices(t, app, to); len(got) != n {
			t.Fatalf("refused new recovery codes sent %q", got)
		}
		r = c.Submit(accountURL, accountURL+"/recovery-codes", url.Values{"password": {"a brand new passphrase"}})
		fresh := recoveryCodeRE.FindAllStringSubmatch(r.Body, -1)
		if r.Status != http.StatusOK || len(fresh) != 10 {
			t.Fatalf("new recovery codes: %d, %d codes", r.Status, len(fresh))
		}
		n = newNotice(t, app, to, n, "New recovery codes were made", "you")
		g := app.Client()
		g.SignIn("acme", to, "a brand new passphrase")
		if r := g.Submit("/t/acme/login", "/t/acme/login", url.Values{"code": {codes[0]}}); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("an old recovery code after new ones were made: %d", r.Status)
		}
		if r := g.Submit("/t/acme/login", "/t/acme/login", url.Values{"code": {fresh[0][1]}}); r.Status != http.StatusSeeOther {
			t.Fatalf("a new recovery code: %d", r.Status)
		}
		// g is a browser this administrator has not used before: the
		// new-device notice follows the recovery code's.
		if got := notices(t, app, to); len(got) != n+2 || !strings.HasPrefix(got[n], "A recovery code was used to sign in") || !strings.HasPrefix(got[n+1], "New sign-in to your Gatehouse account") {
			t.Fatalf("after a recovery code from a new browser: %q", got[n:])
		}
		n += 2

		// Removed by themselves; set up again, then reset by the owner.
		if r := c.Submit(accountURL, accountURL+"/totp/remove", url.Values{"password": {"a brand new passphrase"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("remove TOTP: %d", r.Status)
		}
		n = newNotice(t, app, to, n, "Two-step verification was turned off", "you")
		enrolOnAccount(t, app, c, "acme")
		n++
		profile := adminsURL + "/" + itoa(ann.ID)
		if r := owner.Submit(profile, profile+"/totp/reset", url.Values{"password": {webtest.Password}}); r.Status != http.StatusSeeOther {
			t.Fatalf("reset TOTP: %d", r.Status)
		}
		n = newNotice(t, app, to, n, "Your two-step verification was reset", "Olivia Owner (owner@example.com)")

		// A password reset through a link.
		link, err := app.Store.SendPasswordReset(webtest.Ctx(), tn, adminByEmail(t, app, tn.ID, to), models.Actor{Email: "test"})
		if err != nil {
			t.Fatal(err)
		}
		path := strings.TrimPrefix(link, app.Server.URL)
		if r := app.Client().Submit(path, path, url.Values{"password": {"yet another passphrase"}, "password_confirm": {"yet another passphrase"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("reset password: %d", r.Status)
		}
		newNotice(t, app, to, n, "Your Gatehouse password was reset", "you")
	})
}
