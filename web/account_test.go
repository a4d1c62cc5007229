package web_test

import (
	"fmt"
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

const accountURL = "/t/acme/account"

var (
	totpSecretRE   = regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`)
	recoveryCodeRE = regexp.MustCompile(`<li>([a-z2-9]{5}-[a-z2-9]{5})</li>`)
	endSessionRE   = regexp.MustCompile(`action="(/t/acme/account/sessions/[0-9a-f]{64}/delete)"`)
)

// totpNow is the code an authenticator app shows at the app's clock.
func totpNow(t *testing.T, app *webtest.App, secret string) string {
	t.Helper()
	code, err := totp.GenerateCodeCustom(secret, app.Clock.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// enrolOnAccount turns TOTP on from the Account page; it returns the secret
// and the recovery codes shown.
func enrolOnAccount(t *testing.T, app *webtest.App, c *webtest.Client, slug string) (string, []string) {
	t.Helper()
	page := c.Get("/t/" + slug + "/account/totp")
	m := totpSecretRE.FindStringSubmatch(page.Body)
	if page.Status != http.StatusOK || m == nil {
		t.Fatalf("enrolment page: %d", page.Status)
	}
	r := c.SubmitPage(page, "/t/"+slug+"/account/totp", url.Values{"code": {totpNow(t, app, m[1])}})
	if r.Status != http.StatusOK {
		t.Fatalf("confirm enrolment: %d", r.Status)
	}
	var codes []string
	for _, mm := range recoveryCodeRE.FindAllStringSubmatch(r.Body, -1) {
		codes = append(codes, mm[1])
	}
	return m[1], codes
}

func adminNow(t *testing.T, app *webtest.App, id int64) models.Administrator {
	t.Helper()
	var a models.Administrator
	if err := app.DB.DB.Where("id = ?", id).Take(&a).Error; err != nil {
		t.Fatal(err)
	}
	return a
}

func TestEveryoneReachesTheirOwnAccount(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		owner, tn, _ := app.Owner("acme", "owner@example.com")
		if r := owner.Get("/t/acme/"); !strings.Contains(r.Body, `<a class="whoami-name" href="/t/acme/account"`) {
			t.Error("the signed-in name in the top bar does not link to the account")
		}
		for _, roles := range [][]string{{"tenant_admin"}, {"tenant_auditor"}, {"tenant_member"}, {"editor_organizations"},
			{"editor_users"}, {"editor_connections"}, {"workspace_admin"}, {"workspace_auditor"}, {}} {
			email := strings.Join(append([]string{"x"}, roles...), "-") + "@example.com"
			c, _ := app.SignedInAs(tn, email, roles...)
			r := c.Get(accountURL)
			if r.Status != http.StatusOK {
				t.Errorf("%v: GET /account = %d", roles, r.Status)
				continue
			}
			mustContain(t, fmt.Sprint(roles, " account"), r.Body, email, "Change password", `name="current_password"`, `name="new_password"`,
				`name="new_password_confirm"`, "Two-step verification", "Set up two-step verification", "This session", "<li aria-current=\"page\">Account</li>")
			if strings.Contains(r.Body, "owner@example.com") {
				t.Errorf("%v: the account page shows someone else", roles)
			}
		}
	})
}

func TestChangePasswordFollowsThePolicyAndEndsOtherSessions(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, _, owner := app.Owner("acme", "owner@example.com")
		other := app.Client()
		other.SignIn("acme", "owner@example.com", webtest.Password)
		hash := func() string { return adminNow(t, app, owner.ID).PasswordHash }
		before := hash()
		change := func(current, next, confirm string) *webtest.Response {
			return c.Submit(accountURL, accountURL+"/password", url.Values{"current_password": {current}, "new_password": {next}, "new_password_confirm": {confirm}})
		}

		// The policy's rules are shown as help.
		mustContain(t, "account", c.Get(accountURL).Body, "At least 12 characters", "Not one of the most common passwords")

		r := change("wrong password!!", "a perfectly fine passphrase", "a perfectly fine passphrase")
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="e-current_password"`) {
			t.Fatalf("wrong current password: %d", r.Status)
		}
		// Every mistake at once, each beside its field.
		r = change("wrong password!!", "short", "shorts")
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("three mistakes: %d", r.Status)
		}
		mustContain(t, "three mistakes", r.Body, `id="e-current_password"`, `id="e-new_password"`, `id="e-new_password_confirm"`)
		r = change(webtest.Password, "a perfectly fine passphrase", "a perfectly fine passphrasf")
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="e-new_password_confirm"`) {
			t.Fatalf("confirmation differs: %d", r.Status)
		}

		// Policy changes take effect on the next password set.
		if r := c.Submit(policyURL, policyURL, url.Values{"min_length": {"20"}, "history": {"0"}, "require_digit": {"on"}, "reject_common": {"on"},
			"password": {webtest.Password}}); r.Status != http.StatusSeeOther {
			t.Fatalf("policy change: %d", r.Status)
		}
		mustContain(t, "account after the policy change", c.Get(accountURL).Body, "At least 20 characters", "At least one digit")
		r = change(webtest.Password, "sixteen-chars-pw", "sixteen-chars-pw")
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("16 characters under min_length 20: %d", r.Status)
		}
		mustContain(t, "policy violation", r.Body, `<p class="error" id="e-new_password">Use at least 20 characters. Add a digit.</p>`)
		if hash() != before {
			t.Fatal("a refused change saved the password")
		}
		if r := other.Get("/t/acme/"); r.Status != http.StatusOK {
			t.Fatalf("a refused change ended the other session: %d", r.Status)
		}

		// A good change: this session stays, the other ends.
		c.Submit(policyURL, policyURL, url.Values{"min_length": {"20"}, "history": {"3"}, "require_digit": {"on"}, "reject_common": {"on"}})
		const next = "battery staple 2 correct horse"
		r = change(webtest.Password, next, next)
		if r.Status != http.StatusSeeOther || r.Location != accountURL {
			t.Fatalf("change: %d %q", r.Status, r.Location)
		}
		if hash() == before {
			t.Fatal("password not changed")
		}
		if r := c.Get(accountURL); r.Status != http.StatusOK || !strings.Contains(r.Body, "Your password was changed.") {
			t.Fatalf("this session after the change: %d", r.Status)
		}
		if r := other.Get("/t/acme/"); r.Status != http.StatusSeeOther {
			t.Fatalf("the other session survived the change: %d", r.Status)
		}
		// History 3: the current password cannot be chosen again.
		r = change(next, next, next)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "not used recently") {
			t.Fatalf("reusing the current password: %d", r.Status)
		}
		d := app.Client()
		d.SignIn("acme", "owner@example.com", next)
		if r := d.Get("/t/acme/"); r.Status != http.StatusOK {
			t.Fatalf("sign in with the new password: %d", r.Status)
		}
	})
}

func TestAccountTOTPEnrolmentSignInAndRemoval(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, tn, owner := app.Owner("acme", "owner@example.com")

		r := c.Get(accountURL)
		mustContain(t, "account before enrolment", r.Body, `href="/t/acme/account/totp"`, "Off")
		page := c.Get(accountURL + "/totp")
		if page.Status != http.StatusOK {
			t.Fatalf("enrolment page: %d", page.Status)
		}
		mustContain(t, "enrolment page", page.Body, `id="totp-secret"`, "data:image/png;base64,", `name="code"`, `href="/t/acme/account#totp"`,
			`action="/t/acme/account/totp"`, `<li><a href="/t/acme/account">Account</a></li>`)
		secret := totpSecretRE.FindStringSubmatch(page.Body)[1]
		if code := totpNow(t, app, secret); code != "000000" {
			r = c.SubmitPage(page, accountURL+"/totp", url.Values{"code": {"000000"}})
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "That code is not right") {
				t.Fatalf("wrong code: %d", r.Status)
			}
		}
		if adminNow(t, app, owner.ID).TOTPEnabledAt != nil {
			t.Fatal("a wrong code turned TOTP on")
		}
		r = c.SubmitPage(page, accountURL+"/totp", url.Values{"code": {totpNow(t, app, secret)}})
		codes := recoveryCodeRE.FindAllStringSubmatch(r.Body, -1)
		if r.Status != http.StatusOK || len(codes) != 10 || !strings.Contains(r.Body, `href="/t/acme/account#totp"`) {
			t.Fatalf("recovery codes page: %d, %d codes", r.Status, len(codes))
		}
		mustContain(t, "account after enrolment", c.Get(accountURL).Body, "since ", "10 of 10", "Remove TOTP")
		if r := c.Get(accountURL + "/totp"); r.Status != http.StatusSeeOther {
			t.Fatalf("enrolment page when enrolled: %d", r.Status)
		}

		// Sign out and in: the login asks for TOTP; a recovery code works once.
		if r := c.Submit(accountURL, "/t/acme/logout", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("sign out: %d", r.Status)
		}
		c.SignIn("acme", "owner@example.com", webtest.Password)
		if r := c.Get("/t/acme/"); r.Status != http.StatusSeeOther {
			t.Fatal("the password alone signed in an enrolled administrator")
		}
		mustContain(t, "second step", c.Get("/t/acme/login").Body, "Two-step verification", `name="code"`)
		if r := c.Submit("/t/acme/login", "/t/acme/login", url.Values{"code": {codes[0][1]}}); r.Status != http.StatusSeeOther {
			t.Fatalf("recovery code: %d", r.Status)
		}
		if r := c.Get(accountURL); r.Status != http.StatusOK || !strings.Contains(r.Body, "9 of 10") {
			t.Fatalf("after the recovery code: %d", r.Status)
		}
		e := app.Client()
		e.SignIn("acme", "owner@example.com", webtest.Password)
		if r := e.Submit("/t/acme/login", "/t/acme/login", url.Values{"code": {codes[0][1]}}); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("the recovery code a second time: %d", r.Status)
		}
		// A TOTP code for the current step works once (the enrolment used the previous one).
		app.Clock.Add(30 * time.Second)
		code := totpNow(t, app, secret)
		if r := e.Submit("/t/acme/login", "/t/acme/login", url.Values{"code": {code}}); r.Status != http.StatusSeeOther {
			t.Fatalf("TOTP code: %d", r.Status)
		}
		f := app.Client()
		f.SignIn("acme", "owner@example.com", webtest.Password)
		if r := f.Submit("/t/acme/login", "/t/acme/login", url.Values{"code": {code}}); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("the same TOTP code again: %d", r.Status)
		}

		// When the tenant requires TOTP, removing it warns that it must be set up again at once.
		setSecurity(t, app, tn, models.MethodPassword, true)
		mustContain(t, "account under required TOTP", c.Get(accountURL).Body, "you will set it up again right away")

		// Remove: the wrong password is refused beside the field; the right one turns it off.
		r = c.Submit(accountURL, accountURL+"/totp/remove", url.Values{"password": {"not my password"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="e-password"`) || !strings.Contains(r.Body, "The password is not correct.") {
			t.Fatalf("remove with a wrong password: %d", r.Status)
		}
		if adminNow(t, app, owner.ID).TOTPEnabledAt == nil {
			t.Fatal("a wrong password removed TOTP")
		}
		r = c.Submit(accountURL, accountURL+"/totp/remove", url.Values{"password": {webtest.Password}})
		if r.Status != http.StatusSeeOther || r.Location != "/t/acme/login/enroll" {
			t.Fatalf("remove under required TOTP: %d %q", r.Status, r.Location)
		}
		if a := adminNow(t, app, owner.ID); a.TOTPEnabledAt != nil || len(a.TOTPSecret) != 0 {
			t.Fatal("TOTP still on")
		}
		// The session reaches nothing else until TOTP is set up again.
		for _, p := range []string{"/t/acme/", accountURL, "/t/acme/settings/administrators"} {
			if r := c.Get(p); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/t/acme/login") {
				t.Errorf("%s after removing required TOTP: %d %q", p, r.Status, r.Location)
			}
		}
		if r := c.Get("/t/acme/login"); r.Status != http.StatusSeeOther || r.Location != "/t/acme/login/enroll" {
			t.Fatalf("sign-in page with enrolment pending: %d %q", r.Status, r.Location)
		}
		if r := c.Get("/t/acme/login/enroll"); r.Status != http.StatusOK || !strings.Contains(r.Body, "totp-secret") {
			t.Fatalf("enrolment page: %d", r.Status)
		}
	})
}

func TestAccountSessionsAreOnlyYourOwn(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, tn, owner := app.Owner("acme", "owner@example.com")
		second := app.Client()
		second.SignIn("acme", "owner@example.com", webtest.Password)
		_, colleague := app.SignedInAs(tn, "colleague@example.com", "tenant_admin")

		r := c.Get(accountURL)
		ends := endSessionRE.FindAllStringSubmatch(r.Body, -1)
		if strings.Count(r.Body, "This session") != 1 || len(ends) != 1 {
			t.Fatalf("sessions: %d marked current, %d to end", strings.Count(r.Body, "This session"), len(ends))
		}
		var theirs models.Session
		modelstest.Must(t, db.DB.Where("administrator_id = ?", colleague.ID).Take(&theirs))
		var n int64
		modelstest.Must(t, db.DB.Model(&models.Session{}).Count(&n))
		for _, path := range []string{accountURL + "/sessions/" + theirs.ID + "/delete", accountURL + "/sessions/abc/delete",
			accountURL + "/sessions/" + strings.Repeat("0", 64) + "/delete"} {
			if r := c.Submit(accountURL, path, nil); r.Status != http.StatusNotFound {
				t.Errorf("POST %s = %d, want 404", path, r.Status)
			}
		}
		var m int64
		modelstest.Must(t, db.DB.Model(&models.Session{}).Count(&m))
		if m != n {
			t.Fatal("ending someone else's session changed something")
		}
		if r := c.Submit(accountURL, ends[0][1], nil); r.Status != http.StatusSeeOther {
			t.Fatalf("end my other session: %d", r.Status)
		}
		if r := second.Get("/t/acme/"); r.Status != http.StatusSeeOther {
			t.Fatalf("the ended session still works: %d", r.Status)
		}
		if r := c.Get(accountURL); r.Status != http.StatusOK || !strings.Contains(r.Body, "The session was ended.") {
			t.Fatalf("this session: %d", r.Status)
		}
		var left int64
		modelstest.Must(t, db.DB.Model(&models.Session{}).Where("administrator_id = ?", owner.ID).Count(&left))
		if left != 1 {
			t.Fatalf("%d sessions of the owner left", left)
		}
	})
}

func TestProfileUnlockAndResetTOTP(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, tn, _ := app.Owner("acme", "owner@example.com")
		auditor, _ := app.SignedInAs(tn, "auditor@example.com", "tenant_auditor")
		target := app.AdminWithRoles(tn, "target@example.com", "tenant_member")
		profile := fmt.Sprintf("%s/%d", adminsURL, target.ID)

		// Locked out by wrong passwords through the sign-in page.
		x := app.Client()
		for range 5 {
			x.Submit("/t/acme/login", "/t/acme/login", url.Values{"email": {"target@example.com"}, "password": {"not the password"}})
		}
		if !adminNow(t, app, target.ID).Locked(app.Clock.Now()) {
			t.Fatal("not locked out")
		}
		r := c.Get(profile)
		mustContain(t, "profile of a locked administrator", r.Body, "Locked out until", `action="`+profile+`/unlock"`, "<dt>Two-step verification</dt>")
		if r := auditor.Get(profile); !strings.Contains(r.Body, "Locked out until") || strings.Contains(r.Body, "/unlock") {
			t.Error("the auditor should see the lockout but no Unlock")
		}
		if r := c.Submit(profile, profile+"/unlock", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("unlock: %d", r.Status)
		}
		if a := adminNow(t, app, target.ID); a.Locked(app.Clock.Now()) || a.FailedAttempts != 0 {
			t.Fatal("still locked")
		}
		if r := c.Get(profile); strings.Contains(r.Body, "Locked out until") || !strings.Contains(r.Body, "was unlocked") {
			t.Error("the profile still shows the lockout")
		}
		if r := c.Submit(profile, profile+"/unlock", nil); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "is not locked out") {
			t.Errorf("unlocking an unlocked administrator: %d", r.Status)
		}

		// The target signs in and enrols; the owner resets their TOTP.
		tc := app.Client()
		tc.SignIn("acme", "target@example.com", webtest.Password)
		enrolOnAccount(t, app, tc, "acme")
		r = c.Get(profile)
		mustContain(t, "profile of an enrolled administrator", r.Body, "On since", `action="`+profile+`/totp/reset"`, `data-confirm="Reset two-step verification`)
		if r := auditor.Get(profile); strings.Contains(r.Body, "/totp/reset") {
			t.Error("the auditor sees Reset TOTP")
		}
		if r := c.Submit(profile, profile+"/totp/reset", url.Values{"password": {webtest.Password}}); r.Status != http.StatusSeeOther {
			t.Fatalf("reset TOTP: %d", r.Status)
		}
		if a := adminNow(t, app, target.ID); a.TOTPEnabledAt != nil || len(a.TOTPSecret) != 0 {
			t.Fatal("TOTP not reset")
		}
		if r := tc.Get("/t/acme/"); r.Status != http.StatusSeeOther {
			t.Fatal("the reset did not sign the administrator out")
		}
		if r := c.Get(profile); strings.Contains(r.Body, "/totp/reset") || !strings.Contains(r.Body, "Two-step verification was reset") {
			t.Error("the profile still offers Reset TOTP")
		}
		var events int64
		modelstest.Must(t, db.DB.Model(&models.AuditEvent{}).Where("action IN ?", []string{"administrator.unlocked", "administrator.totp_reset"}).Count(&events))
		if events != 2 {
			t.Fatalf("%d audit events for unlock and reset", events)
		}
	})
}

// TestAccountName: any signed-in administrator changes their own name
// (audited); bad input is refused beside the fields with what was typed
// kept; fields the form does not offer are ignored; without a session the
// form is out of reach.
func TestAccountName(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, tn, owner := app.Owner("acme", "owner@example.com")
		member, mc := app.SignedInAs(tn, "member@example.com", "tenant_member")
		_ = mc

		mustContain(t, "account", c.Get(accountURL).Body, "Your name", `name="given_name"`, `value="Olivia"`, `name="family_name"`, `value="Owner"`, "Save name")

		r := c.Submit(accountURL, accountURL+"/name", url.Values{"given_name": {"  "}, "family_name": {strings.Repeat("x", 101)}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad name: %d", r.Status)
		}
		mustContain(t, "bad name", r.Body, `id="e-given_name"`, "Given name is required.", `id="e-family_name"`, "at most 100 characters", `value="`+strings.Repeat("x", 101)+`"`)
		if a := adminNow(t, app, owner.ID); a.GivenName != "Olivia" || a.FamilyName != "Owner" {
			t.Fatalf("a refused rename saved %q %q", a.GivenName, a.FamilyName)
		}

		r = c.Submit(accountURL, accountURL+"/name", url.Values{"given_name": {" Liv "}, "family_name": {"Owens"}, "email": {"evil@example.com"}, "tenant_id": {"99"}})
		if r.Status != http.StatusSeeOther || r.Location != accountURL {
			t.Fatalf("rename: %d %q", r.Status, r.Location)
		}
		a := adminNow(t, app, owner.ID)
		if a.GivenName != "Liv" || a.FamilyName != "Owens" || a.Email != "owner@example.com" || a.TenantID != tn.ID {
			t.Fatalf("after rename: %+v", a)
		}
		mustContain(t, "after rename", c.Get(accountURL).Body, "Your name is now Liv Owens.", "<h1>Liv Owens</h1>")
		if n := auditCount(t, app, "administrator.renamed"); n != 1 {
			t.Fatalf("%d rename events", n)
		}

		// A Tenant Member may rename themselves too, and only themselves.
		if r := member.Submit(accountURL, accountURL+"/name", url.Values{"given_name": {"Mo"}, "family_name": {"Member"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("member renames themselves: %d", r.Status)
		}
		if a := adminNow(t, app, owner.ID); a.GivenName != "Liv" {
			t.Fatal("the member's rename touched the owner")
		}
		// Without a session: to the sign-in page, nothing saved.
		anon := app.Client()
		anon.Get("/t/acme/login")
		if r := anon.Submit("/t/acme/login", accountURL+"/name", url.Values{"given_name": {"X"}, "family_name": {"Y"}}); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/t/acme/login") {
			t.Fatalf("anonymous rename: %d %q", r.Status, r.Location)
		}
		if n := auditCount(t, app, "administrator.renamed"); n != 2 {
			t.Fatalf("%d rename events after the member's and an anonymous try", n)
		}
	})
}
