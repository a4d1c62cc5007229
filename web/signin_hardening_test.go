package web_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/models/passwords"
	"gatehouse/web"
	"gatehouse/web/limit"
	"gatehouse/web/webtest"

	"golang.org/x/net/html"
	"gorm.io/gorm"
)

// queryLog records the SQL a database runs while it is on (GORM callbacks
// after every kind of statement), so tests can compare the statements of
// two requests.
type queryLog struct {
	mu   sync.Mutex
	on   bool
	sqls []string
}

func recordQueries(t *testing.T, app *webtest.App) *queryLog {
	t.Helper()
	l := &queryLog{}
	err := app.Store.OnStatement("test:record_queries", func(sql string) {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.on {
			l.sqls = append(l.sqls, sql)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// during returns the statements run by f.
func (l *queryLog) during(f func()) []string {
	l.mu.Lock()
	l.on, l.sqls = true, nil
	l.mu.Unlock()
	f()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.on = false
	return slices.Clone(l.sqls)
}

func sameStatements(t *testing.T, what string, known, unknown []string) {
	t.Helper()
	if len(known) < 3 {
		t.Fatalf("%s: only %d statements recorded: %q", what, len(known), known)
	}
	if !slices.Equal(known, unknown) {
		t.Fatalf("%s: a known and an unknown address take different paths:\nknown   (%d): %s\nunknown (%d): %s",
			what, len(known), strings.Join(known, "\n  "), len(unknown), strings.Join(unknown, "\n  "))
	}
}

// TestKnownAndUnknownAddressesTakeTheSamePath: at every sign-in step a
// known address and an unknown one run the same statements (and no sleep
// stands in for the difference).
func TestKnownAndUnknownAddressesTakeTheSamePath(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		lim := web.DefaultLimits // every client here shares one address
		lim.Codes = limit.Rate{PerMinute: 100, Burst: 100}
		app := webtest.Start(t, db, webtest.Options{Limits: &lim})
		_, tn, _ := app.Owner("acme", "owner@example.com")
		log := recordQueries(t, app)
		login := func(c *webtest.Client, vals url.Values) *webtest.Response {
			page := c.Get("/t/acme/login")
			var r *webtest.Response
			_ = log.during(func() {}) // nothing recorded from loading the page
			sqls := log.during(func() { r = c.SubmitPage(page, "/t/acme/login", vals) })
			r.Header.Set("X-Statements", strings.Join(sqls, "\x00"))
			return r
		}
		statements := func(r *webtest.Response) []string { return strings.Split(r.Header.Get("X-Statements"), "\x00") }

		// Password step: a wrong password for a known address, and any
		// password for an unknown one or for an administrator who has none.
		known := login(app.Client(), url.Values{"email": {"owner@example.com"}, "password": {"not the password"}})
		unknown := login(app.Client(), url.Values{"email": {"nobody@example.com"}, "password": {"not the password"}})
		if known.Status != http.StatusUnprocessableEntity || unknown.Status != known.Status {
			t.Fatalf("password step: %d / %d", known.Status, unknown.Status)
		}
		sameStatements(t, "password step", statements(known), statements(unknown))
		invited := app.AdminWithRoles(tn, "invited@example.com", "tenant_member")
		if err := db.DB.Model(&models.Administrator{}).Where("id = ?", invited.ID).
			UpdateColumns(map[string]any{"status": models.AdminInvited, "password_hash": ""}).Error; err != nil {
			t.Fatal(err)
		}
		noPassword := login(app.Client(), url.Values{"email": {"invited@example.com"}, "password": {"not the password"}})
		sameStatements(t, "password step, administrator without a password", statements(noPassword), statements(unknown))
		locked := app.AdminWithRoles(tn, "locked@example.com", "tenant_member")
		if err := db.DB.Model(&models.Administrator{}).Where("id = ?", locked.ID).
			UpdateColumn("locked_until", app.Clock.Now().Add(time.Hour)).Error; err != nil {
			t.Fatal(err)
		}
		lockedOut := login(app.Client(), url.Values{"email": {"locked@example.com"}, "password": {webtest.Password}})
		if lockedOut.Status != http.StatusUnprocessableEntity {
			t.Fatalf("locked out, right password: %d", lockedOut.Status)
		}
		sameStatements(t, "password step, locked out", statements(lockedOut), statements(unknown))

		// Passwordless: the first step, a wrong code, a resend (sent, and
		// held back by the throttle).
		setSecurity(t, app, tn, models.MethodOTP, false)
		kc, uc := app.Client(), app.Client()
		known = login(kc, url.Values{"email": {"owner@example.com"}})
		unknown = login(uc, url.Values{"email": {"nobody@example.com"}})
		if known.Status != http.StatusSeeOther || unknown.Status != known.Status || unknown.Location != known.Location {
			t.Fatalf("first step: %d %q / %d %q", known.Status, known.Location, unknown.Status, unknown.Location)
		}
		sameStatements(t, "passwordless first step", statements(known), statements(unknown))
		lc := app.Client()
		lockedOut = login(lc, url.Values{"email": {"locked@example.com"}})
		sameStatements(t, "passwordless first step, locked out", statements(lockedOut), statements(unknown))
		lockedOut = login(lc, url.Values{"code": {"000000"}})
		code := latestCode(t, app, "owner@example.com")
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		known = login(kc, url.Values{"code": {wrong}})
		unknown = login(uc, url.Values{"code": {wrong}})
		if known.Status != http.StatusUnprocessableEntity || unknown.Status != known.Status {
			t.Fatalf("wrong code: %d / %d", known.Status, unknown.Status)
		}
		sameStatements(t, "wrong code", statements(known), statements(unknown))
		sameStatements(t, "code, locked out", statements(lockedOut), statements(unknown))
		known = login(kc, url.Values{"resend": {"1"}})
		unknown = login(uc, url.Values{"resend": {"1"}})
		sameStatements(t, "resend held back by the throttle", statements(known), statements(unknown))
		app.Clock.Add(31 * time.Second)
		sent := len(outboxTo(t, app, "owner@example.com"))
		known = login(kc, url.Values{"resend": {"1"}})
		unknown = login(uc, url.Values{"resend": {"1"}})
		if known.Status != http.StatusOK || unknown.Status != known.Status {
			t.Fatalf("resend: %d / %d", known.Status, unknown.Status)
		}
		sameStatements(t, "resend", statements(known), statements(unknown))
		// The known address got its code; the unknown one's message was
		// written as not sent, so no worker will ever send it.
		if n := len(outboxTo(t, app, "owner@example.com")); n != sent+1 {
			t.Fatalf("resend to a known address: %d messages, want %d", n, sent+1)
		}
		var pending int64
		if err := db.DB.Model(&models.OutboxEmail{}).Where("to_addr = ? AND sent_at IS NULL", "nobody@example.com").Count(&pending).Error; err != nil {
			t.Fatal(err)
		}
		if pending != 0 {
			t.Fatalf("%d messages waiting to go to an unknown address", pending)
		}
		// The code still works for the one it was sent to.
		if r := kc.Submit("/t/acme/login", "/t/acme/login", url.Values{"code": {latestCode(t, app, "owner@example.com")}}); r.Status != http.StatusSeeOther || r.Location != "/t/acme/" {
			t.Fatalf("right code after all that: %d %q", r.Status, r.Location)
		}
	})
}

// TestLockoutEndsThePendingSignIn: five wrong TOTP codes lock the account
// and end the half-signed-in session; when the lockout is over, that old
// session cannot guess again: the password is needed again.
func TestLockoutEndsThePendingSignIn(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, _, owner := app.Owner("acme", "owner@example.com")
		secret, _ := enrolOnAccount(t, app, c, "acme")

		d := app.Client()
		d.SignIn("acme", "owner@example.com", webtest.Password)
		page := d.Get("/t/acme/login")
		if !strings.Contains(page.Body, `name="code"`) {
			t.Fatal("no TOTP step")
		}
		pendingCookie := d.Cookie("gatehouse_session")
		var r *webtest.Response
		for i := range 5 {
			r = d.SubmitPage(page, "/t/acme/login", url.Values{"code": {"12345x"}})
			if i < 4 && (r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "not valid")) {
				t.Fatalf("wrong code %d: %d", i+1, r.Status)
			}
		}
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "locked") || !strings.Contains(r.Body, `name="password"`) {
			t.Fatalf("the locking code: %d\n%s", r.Status, r.Body)
		}
		if a := adminNow(t, app, owner.ID); !a.Locked(app.Clock.Now()) {
			t.Fatal("five wrong codes did not lock")
		}
		var left int64
		if err := db.DB.Model(&models.Session{}).Where("id = ?", models.HashToken(pendingCookie)).Count(&left).Error; err != nil {
			t.Fatal(err)
		}
		if left != 0 {
			t.Fatal("the pending session outlived the lockout")
		}

		// After the lockout the old session (cookie and page token kept by
		// whoever holds it) cannot try the right code.
		app.Clock.Add(16 * time.Minute)
		old := app.Client()
		u, _ := url.Parse(app.Server.URL)
		old.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: "gatehouse_session", Value: pendingCookie, Path: "/"}})
		r = old.SubmitPage(page, "/t/acme/login", url.Values{"code": {totpNow(t, app, secret)}})
		if r.Status == http.StatusSeeOther {
			t.Fatalf("the old pending session signed in after the lockout: %q", r.Location)
		}
		if r := old.Get("/t/acme/"); r.Status != http.StatusSeeOther {
			t.Fatalf("dashboard through the old pending session: %d", r.Status)
		}
		// Signing in again with the password works.
		e := app.Client()
		e.SignIn("acme", "owner@example.com", webtest.Password)
		app.Clock.Add(30 * time.Second)
		if r := e.Submit("/t/acme/login", "/t/acme/login", url.Values{"code": {totpNow(t, app, secret)}}); r.Status != http.StatusSeeOther {
			t.Fatalf("password then code after the lockout: %d", r.Status)
		}
	})
}

// TestHashingQueueFullAnswers429AtOnce: with every hashing slot taken and
// no room to wait, a sign-in answers 429 with Retry-After at once, keeps
// what was typed and counts nothing against the account.
func TestHashingQueueFullAnswers429AtOnce(t *testing.T) {
	app := webtest.Start(t, modelstest.SQLite(t), webtest.Options{})
	_, _, owner := app.Owner("acme", "owner@example.com")
	q := passwords.NewQueue(1, 0, 0)
	old := passwords.SetQueue(q)
	t.Cleanup(func() { passwords.SetQueue(old) })
	if err := q.Acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := app.Client()
	page := c.Get("/t/acme/login")
	start := time.Now()
	r := c.SubmitPage(page, "/t/acme/login", url.Values{"email": {"owner@example.com"}, "password": {webtest.Password}})
	took := time.Since(start)
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") != "1" {
		t.Fatalf("full queue: %d, Retry-After %q", r.Status, r.Header.Get("Retry-After"))
	}
	if took > 2*time.Second {
		t.Fatalf("the 429 took %v", took)
	}
	if !strings.Contains(r.Body, `value="owner@example.com"`) || !strings.Contains(r.Body, "Wait a moment") {
		t.Fatalf("the form is not shown back:\n%s", r.Body)
	}
	if a := adminNow(t, app, owner.ID); a.FailedAttempts != 0 {
		t.Fatalf("a check that did not run counted: %d failed attempts", a.FailedAttempts)
	}
	// Any other form that hashes answers 429 in the app's layout.
	_, _, tok := app.Tenant("beta", models.PlanFree, "beta@example.com")
	r = c.Submit("/invitations/"+tok, "/invitations/"+tok, url.Values{"password": {webtest.Password}, "password_confirm": {webtest.Password}})
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") != "1" || !strings.Contains(r.Body, "Too many requests") {
		t.Fatalf("invitation with a full queue: %d", r.Status)
	}
	q.Release()
	if r := c.SubmitPage(page, "/t/acme/login", url.Values{"email": {"owner@example.com"}, "password": {webtest.Password}}); r.Status != http.StatusSeeOther {
		t.Fatalf("once the queue has room: %d", r.Status)
	}
}

// TestRateLimitsPerClientAddress: sign-in steps, code requests, invitation
// acceptance and password resets are limited per client address (429 with
// Retry-After); X-Forwarded-For counts only from GATEHOUSE_TRUSTED_PROXIES.
func TestRateLimitsPerClientAddress(t *testing.T) {
	limits := web.Limits{
		SignIn:         limit.Rate{PerMinute: 3, Burst: 3},
		Codes:          limit.Rate{PerMinute: 2, Burst: 2},
		Invitations:    limit.Rate{PerMinute: 2, Burst: 2},
		PasswordReset:  limit.Rate{PerMinute: 2, Burst: 2},
		SignInInFlight: 16,
	}
	post := func(c *webtest.Client, app *webtest.App, page, action string, vals url.Values, xff string) *webtest.Response {
		t.Helper()
		p := c.Get(page)
		vals.Set("_csrf", webtest.CSRFToken(p.Body))
		req, _ := http.NewRequest(http.MethodPost, app.URL(action), strings.NewReader(vals.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		res, err := c.HTTP.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		return &webtest.Response{Status: res.StatusCode, Header: res.Header}
	}
	wrong := url.Values{"email": {"owner@example.com"}, "password": {"not the password"}}

	t.Run("direct", func(t *testing.T) {
		app := webtest.Start(t, modelstest.SQLite(t), webtest.Options{Limits: &limits})
		_, _, tok := app.Tenant("acme", models.PlanFree, "owner@example.com")
		c := app.Client()
		for i := range 3 {
			if r := post(c, app, "/t/acme/login", "/t/acme/login", wrong, fmt.Sprintf("198.51.100.%d", i)); r.Status != http.StatusUnprocessableEntity {
				t.Fatalf("sign-in %d: %d", i+1, r.Status)
			}
		}
		// Without trusted proxies X-Forwarded-For is ignored: a new address in it does not help.
		r := post(c, app, "/t/acme/login", "/t/acme/login", wrong, "198.51.100.99")
		if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") != "20" {
			t.Fatalf("fourth sign-in: %d, Retry-After %q", r.Status, r.Header.Get("Retry-After"))
		}
		// Other limits are counted apart: an invitation acceptance still passes.
		if r := post(c, app, "/invitations/"+tok, "/invitations/"+tok, url.Values{"password": {"short"}, "password_confirm": {"short"}}, ""); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("invitation after the sign-in limit: %d", r.Status)
		}
		if r := post(c, app, "/invitations/"+tok, "/invitations/"+tok, url.Values{"password": {"short"}, "password_confirm": {"short"}}, ""); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("second invitation post: %d", r.Status)
		}
		if r := post(c, app, "/invitations/"+tok, "/invitations/"+tok, url.Values{"password": {webtest.Password}, "password_confirm": {webtest.Password}}, ""); r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") != "30" {
			t.Fatalf("third invitation post: %d %q", r.Status, r.Header.Get("Retry-After"))
		}
		if _, err := app.Store.InvitationByToken(webtest.Ctx(), tok); err != nil {
			t.Fatalf("the refused acceptance used the invitation: %v", err)
		}
		// Organization invitations share the invitation limit.
		if r := post(c, app, "/t/acme/login", "/o/org_x/invitations/nothing", url.Values{}, ""); r.Status != http.StatusTooManyRequests {
			t.Fatalf("organization invitation post: %d", r.Status)
		}
		// Password reset posts.
		for i := range 3 {
			r := post(c, app, "/t/acme/login", "/password-reset/nothing", url.Values{"password": {webtest.Password}}, "")
			if (r.Status == http.StatusTooManyRequests) != (i == 2) {
				t.Fatalf("password reset post %d: %d", i+1, r.Status)
			}
		}
	})

	t.Run("codes", func(t *testing.T) {
		lim := limits
		lim.SignIn = limit.Rate{PerMinute: 100, Burst: 100}
		app := webtest.Start(t, modelstest.SQLite(t), webtest.Options{Limits: &lim})
		_, tn, _ := app.Owner("acme", "owner@example.com")
		setSecurity(t, app, tn, models.MethodOTP, false)
		c := app.Client()
		if r := c.Submit("/t/acme/login", "/t/acme/login", url.Values{"email": {"owner@example.com"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("first code: %d", r.Status)
		}
		if r := c.Submit("/t/acme/login", "/t/acme/login", url.Values{"resend": {"1"}}); r.Status != http.StatusOK {
			t.Fatalf("resend: %d", r.Status)
		}
		r := c.Submit("/t/acme/login", "/t/acme/login", url.Values{"resend": {"1"}})
		if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") != "30" || !strings.Contains(r.Body, "Too many requests") {
			t.Fatalf("third code request: %d %q", r.Status, r.Header.Get("Retry-After"))
		}
		// Checking a code is a sign-in step, not a code request.
		if r := c.Submit("/t/acme/login", "/t/acme/login", url.Values{"code": {latestCode(t, app, "owner@example.com")}}); r.Status != http.StatusSeeOther {
			t.Fatalf("the code after the code limit: %d", r.Status)
		}
	})

	t.Run("trusted proxies", func(t *testing.T) {
		app := webtest.Start(t, modelstest.SQLite(t), webtest.Options{Limits: &limits,
			Env: map[string]string{"GATEHOUSE_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8"}})
		app.Owner("acme", "owner@example.com")
		c := app.Client()
		for i := range 3 {
			if r := post(c, app, "/t/acme/login", "/t/acme/login", wrong, "203.0.113.7"); r.Status != http.StatusUnprocessableEntity {
				t.Fatalf("sign-in %d: %d", i+1, r.Status)
			}
		}
		if r := post(c, app, "/t/acme/login", "/t/acme/login", wrong, "203.0.113.7"); r.Status != http.StatusTooManyRequests {
			t.Fatalf("fourth from the same client: %d", r.Status)
		}
		// Another client behind the same proxies has its own count; a
		// chain through a trusted inner proxy names the same client.
		if r := post(c, app, "/t/acme/login", "/t/acme/login", wrong, "203.0.113.8, 10.1.2.3"); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("another client: %d", r.Status)
		}
		if r := post(c, app, "/t/acme/login", "/t/acme/login", wrong, "203.0.113.7, 10.1.2.3"); r.Status != http.StatusTooManyRequests {
			t.Fatalf("the first client through an inner proxy: %d", r.Status)
		}
		// The audit log records the client's address.
		var ips []string
		if err := app.DB.DB.Model(&models.AuditEvent{}).Where("action = ?", "administrator.sign_in_failed").Distinct().Pluck("ip", &ips).Error; err != nil {
			t.Fatal(err)
		}
		slices.Sort(ips)
		if !slices.Equal(ips, []string{"203.0.113.7", "203.0.113.8"}) {
			t.Fatalf("audited addresses %v", ips)
		}
	})
}

func TestTrustedProxiesConfig(t *testing.T) {
	get := func(v string) func(string) string {
		return func(k string) string {
			if k == "GATEHOUSE_TRUSTED_PROXIES" {
				return v
			}
			return ""
		}
	}
	cfg, err := web.LoadConfig(get(" 10.0.0.1 , 192.168.0.0/16,::1 "))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range cfg.TrustedProxies {
		got = append(got, n.String())
	}
	if !slices.Equal(got, []string{"10.0.0.1/32", "192.168.0.0/16", "::1/128"}) {
		t.Fatalf("trusted proxies %v", got)
	}
	if cfg, err := web.LoadConfig(get("")); err != nil || len(cfg.TrustedProxies) != 0 {
		t.Fatalf("unset: %v %v", cfg.TrustedProxies, err)
	}
	if _, err := web.LoadConfig(get("10.0.0.1,proxy.internal")); err == nil || !strings.Contains(err.Error(), "GATEHOUSE_TRUSTED_PROXIES") {
		t.Fatalf("a host name: %v", err)
	}
}

// TestCSRFTokenIsBoundToTheSession: a token is only good with the session
// (or anonymous pre-session) it was made for; a cookie planted by someone
// else makes no token pass; the token changes at sign-in.
func TestCSRFTokenIsBoundToTheSession(t *testing.T) {
	app := webtest.Start(t, modelstest.SQLite(t), webtest.Options{})
	_, _, tok := app.Tenant("acme", models.PlanFree, "owner@example.com")
	u, _ := url.Parse(app.Server.URL)

	// The attacker's own token, planted in the victim's browser as the old
	// double-submit cookie, does not pass.
	attacker := app.Client()
	planted := webtest.CSRFToken(attacker.Get("/t/acme/login").Body)
	victim := app.Client()
	victim.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: "gatehouse_csrf", Value: planted, Path: "/"}})
	r := victim.Post("/invitations/"+tok, url.Values{"_csrf": {planted}, "password": {webtest.Password}, "password_confirm": {webtest.Password}})
	if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "This form has expired") {
		t.Fatalf("planted cookie: %d", r.Status)
	}
	// Nor does another browser's token with the victim's own pre-session.
	victim.Get("/t/acme/login")
	if r := victim.Post("/invitations/"+tok, url.Values{"_csrf": {planted}, "password": {webtest.Password}, "password_confirm": {webtest.Password}}); r.Status != http.StatusForbidden {
		t.Fatalf("another browser's token: %d", r.Status)
	}
	if _, err := app.Store.InvitationByToken(webtest.Ctx(), tok); err != nil {
		t.Fatalf("a refused post used the invitation: %v", err)
	}

	// The token changes at sign-in: the anonymous one no longer passes.
	victim.AcceptInvitation(tok, webtest.Password)
	anonymous := webtest.CSRFToken(victim.Get("/t/acme/login").Body)
	victim.SignIn("acme", "owner@example.com", webtest.Password)
	signedIn := webtest.CSRFToken(victim.Get("/t/acme/").Body)
	if signedIn == "" || signedIn == anonymous {
		t.Fatalf("token not renewed at sign-in: %q", signedIn)
	}
	if r := victim.Post("/t/acme/logout", url.Values{"_csrf": {anonymous}}); r.Status != http.StatusForbidden {
		t.Fatalf("the pre-sign-in token after sign-in: %d", r.Status)
	}
	// The session's token in the header works too.
	req, _ := http.NewRequest(http.MethodPost, app.URL("/t/acme/logout"), nil)
	req.Header.Set("X-CSRF-Token", signedIn)
	res, err := victim.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout with the header token: %d", res.StatusCode)
	}
}

// TestCrossOriginPostsAreRefused: Origin (or, without it, Referer) must be
// the base URL's origin, whatever Sec-Fetch-Site says.
func TestCrossOriginPostsAreRefused(t *testing.T) {
	app := webtest.Start(t, modelstest.SQLite(t), webtest.Options{})
	app.Tenant("acme", models.PlanFree, "owner@example.com")
	c := app.Client()
	try := func(headers map[string]string) int {
		t.Helper()
		page := c.Get("/t/acme/login")
		req, _ := http.NewRequest(http.MethodPost, app.URL("/t/acme/login"), strings.NewReader(url.Values{
			"_csrf": {webtest.CSRFToken(page.Body)}, "email": {"a@example.com"}, "password": {"x"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		res, err := c.HTTP.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	self := app.Server.URL
	for _, tc := range []struct {
		name    string
		headers map[string]string
		want    int
	}{
		{"same origin", map[string]string{"Origin": self, "Sec-Fetch-Site": "same-origin"}, http.StatusUnprocessableEntity},
		{"no browser headers", nil, http.StatusUnprocessableEntity},
		{"referer of this origin", map[string]string{"Referer": self + "/t/acme/login"}, http.StatusUnprocessableEntity},
		{"other origin said same-origin", map[string]string{"Origin": "http://evil.example", "Sec-Fetch-Site": "same-origin"}, http.StatusForbidden},
		{"other origin, no Sec-Fetch-Site", map[string]string{"Origin": "http://evil.example"}, http.StatusForbidden},
		{"other port", map[string]string{"Origin": strings.Replace(self, "127.0.0.1:", "127.0.0.1:1", 1)}, http.StatusForbidden},
		{"https of the same host", map[string]string{"Origin": strings.Replace(self, "http://", "https://", 1)}, http.StatusForbidden},
		{"null origin", map[string]string{"Origin": "null"}, http.StatusForbidden},
		{"referer of another origin", map[string]string{"Referer": "http://evil.example/form"}, http.StatusForbidden},
		{"cross-site without Origin", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"sibling subdomain", map[string]string{"Sec-Fetch-Site": "same-site"}, http.StatusForbidden},
	} {
		if got := try(tc.headers); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
	page := c.Get("/t/acme/login")
	req, _ := http.NewRequest(http.MethodPost, app.URL("/t/acme/login"), strings.NewReader(url.Values{
		"_csrf": {webtest.CSRFToken(page.Body)}, "email": {"a@example.com"}, "password": {"x"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://evil.example")
	res, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body := make([]byte, 64<<10)
	n, _ := res.Body.Read(body)
	if !strings.Contains(string(body[:n]), "Request refused") {
		t.Errorf("cross-origin page does not say why")
	}
}

// TestSignInIsOneUnit: if recording the sign-in fails, no signed-in
// session is left (and no device is remembered).
func TestSignInIsOneUnit(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		_, _, owner := app.Owner("acme", "owner@example.com")
		fail := errors.New("audit unavailable")
		if err := db.DB.Callback().Create().Before("gorm:create").Register("test:fail_sign_in_audit", func(tx *gorm.DB) {
			// Audit events are inserted one by one or, chained at commit,
			// as a slice.
			var evs []models.AuditEvent
			switch d := tx.Statement.Dest.(type) {
			case *models.AuditEvent:
				evs = []models.AuditEvent{*d}
			case *[]models.AuditEvent:
				evs = *d
			case []models.AuditEvent:
				evs = d
			}
			for _, ev := range evs {
				if ev.Action == "administrator.signed_in" {
					_ = tx.AddError(fail)
				}
			}
		}); err != nil {
			t.Fatal(err)
		}
		var before int64
		if err := db.DB.Model(&models.AdministratorDevice{}).Count(&before).Error; err != nil {
			t.Fatal(err)
		}
		c := app.Client()
		r := c.Submit("/t/acme/login", "/t/acme/login", url.Values{"email": {"owner@example.com"}, "password": {webtest.Password}})
		if r.Status != http.StatusInternalServerError {
			t.Fatalf("sign-in whose record fails: %d", r.Status)
		}
		if r := c.Get("/t/acme/"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/t/acme/login") {
			t.Fatalf("dashboard after a failed record: %d %q", r.Status, r.Location)
		}
		var signedIn, devices int64
		if err := db.DB.Model(&models.Session{}).Where("administrator_id = ? AND pending = ?", owner.ID, false).Count(&signedIn).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.DB.Model(&models.AdministratorDevice{}).Count(&devices).Error; err != nil {
			t.Fatal(err)
		}
		// The owner's own session (from app.Owner) is the one signed-in session.
		if signedIn != 1 || devices != before {
			t.Fatalf("after a failed record: %d signed-in sessions, %d devices (before %d)", signedIn, devices, before)
		}
	})
}

// TestNewDeviceSignInIsAnnounced: a sign-in from a browser without the
// administrator's device cookie queues an e-mail (not for their very first
// device); the same browser again does not.
func TestNewDeviceSignInIsAnnounced(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		_, _, owner := app.Owner("acme", "owner@example.com") // the first device: nothing to announce
		announced := func() int {
			t.Helper()
			n := 0
			for _, m := range outboxTo(t, app, "owner@example.com") {
				if strings.HasPrefix(m.Subject, "New sign-in") {
					n++
				}
			}
			return n
		}
		if n := announced(); n != 0 {
			t.Fatalf("the first sign-in was announced (%d)", n)
		}
		laptop := app.Client()
		laptop.SignIn("acme", "owner@example.com", webtest.Password)
		if n := announced(); n != 1 {
			t.Fatalf("a second browser: %d announcements", n)
		}
		mails := outboxTo(t, app, "owner@example.com")
		m := mails[len(mails)-1]
		if !strings.Contains(m.TextBody, "127.0.0.1") || !strings.Contains(m.TextBody, app.Config.BaseURL+"/t/acme/account") || !strings.Contains(m.HTMLBody, "New sign-in to Acme") {
			t.Fatalf("announcement:\n%s", m.TextBody)
		}
		device := laptop.Cookie("gatehouse_device")
		if len(device) != 43 {
			t.Fatalf("device cookie %q", device)
		}
		// The same browser again (after signing out): nothing new.
		if r := laptop.Submit("/t/acme/", "/t/acme/logout", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("logout: %d", r.Status)
		}
		laptop.SignIn("acme", "owner@example.com", webtest.Password)
		if n := announced(); n != 1 {
			t.Fatalf("a known browser was announced: %d", n)
		}
		// Devices are stored hashed, per administrator.
		var hashes []string
		if err := db.DB.Model(&models.AdministratorDevice{}).Where("administrator_id = ?", owner.ID).Pluck("device_hash", &hashes).Error; err != nil {
			t.Fatal(err)
		}
		if len(hashes) != 2 || !slices.Contains(hashes, models.HashToken(device)) || slices.Contains(hashes, device) {
			t.Fatalf("stored devices %v", hashes)
		}
		// The same browser is new to another administrator of it.
		app.AdminWithRoles(models.Tenant{ID: owner.TenantID}, "second@example.com", "tenant_member")
		if r := laptop.Submit("/t/acme/", "/t/acme/logout", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("logout: %d", r.Status)
		}
		laptop.SignIn("acme", "second@example.com", webtest.Password)
		var second int64
		if err := db.DB.Model(&models.AdministratorDevice{}).Where("device_hash = ?", models.HashToken(device)).Count(&second).Error; err != nil {
			t.Fatal(err)
		}
		if second != 2 {
			t.Fatalf("the browser is known to %d administrators, want 2", second)
		}
	})
}

// TestFaviconAndPolicyAdvice: /favicon.ico is served (cached), and the
// password policy page recommends 12 characters or more.
func TestFaviconAndPolicyAdvice(t *testing.T) {
	app := webtest.Start(t, modelstest.SQLite(t), webtest.Options{})
	c, _, _ := app.Owner("acme", "owner@example.com")
	r := c.Get("/favicon.ico")
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "image/x-icon" || !strings.Contains(r.Header.Get("Cache-Control"), "max-age=") ||
		!strings.HasPrefix(r.Body, "\x00\x00\x01\x00") {
		t.Fatalf("favicon: %d %q %q", r.Status, r.Header.Get("Content-Type"), r.Header.Get("Cache-Control"))
	}
	page := c.Get("/t/acme/settings/password-policy")
	help := textOf(t, page.Body, "h-min_length")
	if page.Status != http.StatusOK || !strings.Contains(help, "12 or more is recommended") {
		t.Fatalf("minimum length help: %q", help)
	}
}

// textOf is the text of the element with the given id.
func textOf(t *testing.T, body, id string) string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var find func(*html.Node) *html.Node
	find = func(n *html.Node) *html.Node {
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				if a.Key == "id" && a.Val == id {
					return n
				}
			}
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			if f := find(ch); f != nil {
				return f
			}
		}
		return nil
	}
	n := find(doc)
	if n == nil {
		t.Fatalf("no element with id %q", id)
	}
	var sb strings.Builder
	var text func(*html.Node)
	text = func(n *html.Node) {
		if n.Type == html.TextNode {
			sb.WriteString(n.Data)
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			text(ch)
		}
	}
	text(n)
	return sb.String()
}
