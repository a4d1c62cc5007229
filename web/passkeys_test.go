package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/models/passkeytest"
	"gatehouse/web"
	"gatehouse/web/limit"
	"gatehouse/web/webtest"
)

// passkeyApp runs the app on a localhost base URL (passkeys need a host
// name) with tenant acme and its owner signed in, and a software
// authenticator for the app's origin.
func passkeyApp(t *testing.T, db modelstest.DB) (*webtest.App, *webtest.Client, models.Tenant, models.Administrator, *passkeytest.Authenticator) {
	t.Helper()
	app := webtest.Start(t, db, webtest.Options{Localhost: true, Limits: roomyLimits()})
	c, tn, owner := app.Owner("acme", "owner@example.com")
	return app, c, tn, owner, &passkeytest.Authenticator{Origin: app.URL("")}
}

// passkeyControl reads a page's passkey form: its CSRF token and URLs.
func passkeyControl(t *testing.T, body, kind string) (csrf, begin, finish string) {
	t.Helper()
	f := htmlOf(t, body).Find(`form[data-passkey="` + kind + `"]`)
	if f.Length() != 1 {
		t.Fatalf("no %s passkey control on the page", kind)
	}
	csrf, _ = f.Find(`input[name="_csrf"]`).Attr("value")
	begin, _ = f.Attr("data-begin-url")
	finish, _ = f.Attr("data-finish-url")
	if csrf == "" || begin == "" || finish == "" {
		t.Fatalf("%s control incomplete: %q %q %q", kind, csrf, begin, finish)
	}
	return csrf, begin, finish
}

// registerPasskey adds a passkey from the account page, as its script does.
func registerPasskey(t *testing.T, c *webtest.Client, auth *passkeytest.Authenticator, name string) {
	t.Helper()
	csrf, begin, finish := passkeyControl(t, c.Get("/t/acme/account").Body, "register")
	r := c.PostJSON(begin, csrf, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("begin registration: %d %s", r.Status, r.Body)
	}
	cred, err := auth.Create([]byte(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	r = c.PostJSON(finish+"?name="+url.QueryEscape(name), csrf, cred)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `"redirect":"/t/acme/account#passkeys"`) {
		t.Fatalf("finish registration: %d %s", r.Status, r.Body)
	}
}

// passkeySignIn signs in from the sign-in page's passkey button with the
// authenticator; it returns the finish answer and the assertion sent.
func passkeySignIn(t *testing.T, c *webtest.Client, auth *passkeytest.Authenticator, page string) (*webtest.Response, []byte) {
	t.Helper()
	csrf, begin, finish := passkeyControl(t, c.Get(page).Body, "login")
	r := c.PostJSON(begin, csrf, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("begin sign-in: %d %s", r.Status, r.Body)
	}
	as, err := auth.Get([]byte(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	return c.PostJSON(finish, csrf, as), as
}

func TestPasskeysOverHTTP(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app, c, _, owner, auth := passkeyApp(t, db)

		// The account page's control; no passkey yet.
		page := c.Get("/t/acme/account")
		doc := htmlOf(t, page.Body)
		if doc.Find(`[data-testid="passkeys-empty"]`).Length() != 1 || doc.Find(`[data-testid="passkeys-unavailable"]`).Length() != 0 {
			t.Fatal("account page: passkeys section")
		}
		_, begin, finish := passkeyControl(t, page.Body, "register")
		if begin != "/t/acme/account/passkeys/begin" || finish != "/t/acme/account/passkeys/finish" {
			t.Fatalf("register URLs %q %q", begin, finish)
		}
		// Without the CSRF header the ceremony is refused.
		if r := c.PostJSON(begin, "", nil); r.Status != http.StatusForbidden {
			t.Fatalf("begin without CSRF: %d", r.Status)
		}
		// A name is required: refused with the field's message.
		csrf, _, _ := passkeyControl(t, page.Body, "register")
		r := c.PostJSON(begin, csrf, nil)
		cred, err := auth.Create([]byte(r.Body))
		if err != nil {
			t.Fatal(err)
		}
		r = c.PostJSON(finish, csrf, cred)
		var answer struct {
			Error  string
			Fields map[string]string
		}
		if err := json.Unmarshal([]byte(r.Body), &answer); err != nil || r.Status != http.StatusUnprocessableEntity || answer.Fields["name"] == "" {
			t.Fatalf("no name: %d %s", r.Status, r.Body)
		}
		// Then with one: added, listed, the owner e-mailed.
		r = c.PostJSON(finish+"?name=Work+laptop", csrf, cred)
		if r.Status != http.StatusOK {
			t.Fatalf("finish: %d %s", r.Status, r.Body)
		}
		doc = htmlOf(t, c.Get("/t/acme/account").Body)
		rows := doc.Find(`[data-testid="passkey-list"] tr[data-testid="passkey"]`)
		if rows.Length() != 1 || rows.Find(".passkey-name").Text() != "Work laptop" || !strings.Contains(rows.Find("td").Eq(2).Text(), "Never") {
			t.Fatalf("passkey list: %q", rows.Text())
		}
		if !strings.Contains(doc.Find(".flash").Text(), "Work laptop") {
			t.Error("no flash")
		}

		// Signed out, the sign-in page's passkey button signs in.
		c.Submit("/t/acme/account", "/t/acme/logout", url.Values{})
		login := c.Get("/t/acme/login")
		if _, b, f := passkeyControl(t, login.Body, "login"); b != "/t/acme/login/passkey/begin" || f != "/t/acme/login/passkey/finish" {
			t.Fatalf("login URLs %q %q", b, f)
		}
		csrf, begin, _ = passkeyControl(t, login.Body, "login")
		r = c.PostJSON(begin, csrf, nil)
		var ro map[string]any
		if err := json.Unmarshal([]byte(r.Body), &ro); err != nil || ro["userVerification"] != "required" || ro["rpId"] != "localhost" {
			t.Fatalf("request options: %d %s", r.Status, r.Body)
		}
		fin, assertion := passkeySignIn(t, c, auth, "/t/acme/login")
		if fin.Status != http.StatusOK || fin.Body != "{\"redirect\":\"/t/acme/\"}\n" {
			t.Fatalf("sign-in: %d %q", fin.Status, fin.Body)
		}
		if !signedIn(t, c) {
			t.Fatal("not signed in after the passkey")
		}
		ev := lastAudit(t, app, "administrator.signed_in")
		if ev.ActorEmail != owner.Email || !strings.Contains(ev.Changes, `"passkey"`) {
			t.Fatalf("sign-in audit %+v", ev)
		}
		doc = htmlOf(t, c.Get("/t/acme/account").Body)
		if strings.Contains(doc.Find(`tr[data-testid="passkey"] td`).Eq(2).Text(), "Never") {
			t.Error("last used not shown")
		}

		// The same assertion again, from another browser: refused.
		thief := app.Client()
		tcsrf, _, tfinish := passkeyControl(t, thief.Get("/t/acme/login").Body, "login")
		if r := thief.PostJSON(tfinish, tcsrf, assertion); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "could not be used") {
			t.Fatalf("replayed assertion: %d %s", r.Status, r.Body)
		}
		if signedIn(t, thief) {
			t.Fatal("a replayed assertion signed in")
		}
		// Even when a ceremony of the thief's own is pending.
		thief.PostJSON("/t/acme/login/passkey/begin", tcsrf, nil)
		if r := thief.PostJSON(tfinish, tcsrf, assertion); r.Status != http.StatusUnprocessableEntity || signedIn(t, thief) {
			t.Fatalf("replayed assertion with a pending ceremony: %d", r.Status)
		}
		// A return address goes with the finish URL.
		n := app.Client()
		_, _, nf := passkeyControl(t, n.Get("/t/acme/login?next=/t/acme/account").Body, "login")
		if nf != "/t/acme/login/passkey/finish?next=%2Ft%2Facme%2Faccount" {
			t.Fatalf("finish with next: %q", nf)
		}
		mails := len(outboxTo(t, app, owner.Email))
		if r, _ := passkeySignIn(t, n, auth, "/t/acme/login?next=/t/acme/account"); !strings.Contains(r.Body, `"redirect":"/t/acme/account"`) {
			t.Fatalf("next: %s", r.Body)
		}
		// That browser was new: its sign-in was announced.
		if ms := outboxTo(t, app, owner.Email); len(ms) != mails+1 || !strings.HasPrefix(ms[len(ms)-1].Subject, "New sign-in to your Gatehouse account") {
			t.Fatalf("new-device e-mail: %d → %d", mails, len(ms))
		}
		// Another tenant's sign-in page does not take the passkey.
		app.Tenant("beta", models.PlanEnterprise, "b@example.com")
		o := app.Client()
		ocsrf, obegin, ofinish := passkeyControl(t, o.Get("/t/beta/login").Body, "login")
		opts := o.PostJSON(obegin, ocsrf, nil)
		as, err := auth.Get([]byte(opts.Body))
		if err != nil {
			t.Fatal(err)
		}
		if r := o.PostJSON(ofinish, ocsrf, as); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("another tenant: %d", r.Status)
		}
		if signedIn(t, o) || o.Get("/t/beta/").Status == http.StatusOK {
			t.Fatal("signed in to another tenant")
		}

		// A signature counter gone backwards (a copy of the passkey): refused,
		// and the account page says so beside the passkey.
		auth.Creds[0].Counter = 0
		cl := app.Client()
		if r, _ := passkeySignIn(t, cl, auth, "/t/acme/login"); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "signature counter went backwards") || signedIn(t, cl) {
			t.Fatalf("cloned passkey: %d %s", r.Status, r.Body)
		}
		doc = htmlOf(t, c.Get("/t/acme/account").Body)
		if w := doc.Find(`tr[data-testid="passkey"] [data-testid="clone-warning"]`).Text(); !strings.Contains(w, "May have been copied") {
			t.Fatalf("clone warning on the account page: %q", w)
		}
		if ev := lastAudit(t, app, "administrator.passkey_clone_warning"); !strings.Contains(ev.Changes, "Work laptop") {
			t.Fatalf("clone audit %s", ev.Changes)
		}
	})
}

func TestPasskeyOfDeactivatedAdministrator(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app, owner, tn, _, _ := passkeyApp(t, db)
		sam, samAdmin := app.SignedInAs(tn, "sam@example.com", "tenant_auditor")
		auth := &passkeytest.Authenticator{Origin: app.URL("")}
		registerPasskey(t, sam, auth, "Sam's phone")
		// Deactivated by the owner (step-up given): the passkey stops working.
		r := owner.Submit("/t/acme/settings/administrators/"+itoa(samAdmin.ID), "/t/acme/settings/administrators/"+itoa(samAdmin.ID)+"/status",
			url.Values{"status": {"inactive"}, "password": {webtest.Password}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("deactivate: %d\n%s", r.Status, r.Body)
		}
		b := app.Client()
		if r, _ := passkeySignIn(t, b, auth, "/t/acme/login"); r.Status != http.StatusUnprocessableEntity || signedIn(t, b) {
			t.Fatalf("deactivated administrator's passkey: %d %s", r.Status, r.Body)
		}
	})
}

func TestPasskeyMeetsRequiredSecondFactor(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app, _, tn, _, _ := passkeyApp(t, db)
		sam, _ := app.SignedInAs(tn, "sam@example.com", "tenant_auditor")
		auth := &passkeytest.Authenticator{Origin: app.URL("")}
		registerPasskey(t, sam, auth, "Phone")
		other := &passkeytest.Authenticator{Origin: app.URL("")}
		o, _ := app.SignedInAs(tn, "olga@example.com", "tenant_auditor")
		registerPasskey(t, o, other, "Olga's key")
		setSecurity(t, app, tn, models.MethodPassword, true)

		// A passkey alone signs in: it is both factors.
		a := app.Client()
		if r, _ := passkeySignIn(t, a, auth, "/t/acme/login"); r.Status != http.StatusOK || !signedIn(t, a) {
			t.Fatalf("passkey with require_totp: %d %s", r.Status, r.Body)
		}
		// The password is followed by the passkey (not by TOTP enrolment).
		b := app.Client()
		r := b.Submit("/t/acme/login", "/t/acme/login", url.Values{"email": {"sam@example.com"}, "password": {webtest.Password}})
		if r.Status != http.StatusSeeOther || r.Location != "/t/acme/login" {
			t.Fatalf("password step: %d %q", r.Status, r.Location)
		}
		if signedIn(t, b) {
			t.Fatal("the password alone signed in")
		}
		step := b.Get("/t/acme/login")
		doc := htmlOf(t, step.Body)
		if doc.Find("h1").Text() != "Confirm with your passkey" {
			t.Fatalf("second step %q", doc.Find("h1").Text())
		}
		// Its options allow only Sam's passkey.
		csrf, begin, finish := passkeyControl(t, step.Body, "login")
		opts := b.PostJSON(begin, csrf, nil)
		var ro struct {
			Allow []map[string]any `json:"allowCredentials"`
		}
		if err := json.Unmarshal([]byte(opts.Body), &ro); err != nil || len(ro.Allow) != 1 {
			t.Fatalf("second-step options %s", opts.Body)
		}
		// Another administrator's passkey does not finish it.
		oas, err := other.Assert(other.Creds[0], challengeOf(t, []byte(opts.Body)))
		if err != nil {
			t.Fatal(err)
		}
		if r := b.PostJSON(finish, csrf, oas); r.Status != http.StatusUnprocessableEntity || signedIn(t, b) {
			t.Fatalf("another's passkey as second step: %d", r.Status)
		}
		// Sam's does.
		opts = b.PostJSON(begin, csrf, nil)
		as, err := auth.Get([]byte(opts.Body))
		if err != nil {
			t.Fatal(err)
		}
		if r := b.PostJSON(finish, csrf, as); r.Status != http.StatusOK || !signedIn(t, b) {
			t.Fatalf("second step: %d %s", r.Status, r.Body)
		}
		if ev := lastAudit(t, app, "administrator.signed_in"); !strings.Contains(ev.Changes, "password+passkey") {
			t.Fatalf("audit %s", ev.Changes)
		}
		// Without a passkey (nor TOTP), the password leads to enrolment.
		app.AdminWithRoles(tn, "nopk@example.com", "tenant_auditor")
		d := app.Client()
		if r := d.Submit("/t/acme/login", "/t/acme/login", url.Values{"email": {"nopk@example.com"}, "password": {webtest.Password}}); r.Location != "/t/acme/login/enroll" {
			t.Fatalf("without a passkey: %q", r.Location)
		}
	})
}

// passkeysOf lists an administrator's stored passkeys.
func passkeysOf(t *testing.T, app *webtest.App, tn models.Tenant, adminID int64) []models.Passkey {
	t.Helper()
	ps, err := app.Store.PasskeysOf(webtest.Ctx(), tn.ID, adminID)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func challengeOf(t *testing.T, opts []byte) string {
	t.Helper()
	var o struct{ Challenge string }
	if err := json.Unmarshal(opts, &o); err != nil {
		t.Fatal(err)
	}
	return o.Challenge
}

func TestRemovePasskeyFromAccount(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app, owner, tn, ownerAdmin, auth := passkeyApp(t, db)
		registerPasskey(t, owner, auth, "Laptop")
		ps := passkeysOf(t, app, tn, ownerAdmin.ID)
		if len(ps) != 1 {
			t.Fatalf("%v", ps)
		}
		path := "/t/acme/account/passkeys/" + itoa(ps[0].ID) + "/delete"

		// Someone else's passkey id is 404, for the page and the post.
		sam, _ := app.SignedInAs(tn, "sam@example.com", "tenant_admin")
		if r := sam.Get(path); r.Status != http.StatusNotFound {
			t.Fatalf("another's passkey page: %d", r.Status)
		}
		if r := sam.Submit("/t/acme/account", path, url.Values{"password": {webtest.Password}}); r.Status != http.StatusNotFound {
			t.Fatalf("another's passkey removal: %d", r.Status)
		}
		if r := owner.Get("/t/acme/account/passkeys/99999/delete"); r.Status != http.StatusNotFound {
			t.Fatalf("unknown id: %d", r.Status)
		}
		// Signed out: the sign-in page, not the passkey.
		if r := app.Client().Get(path); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/t/acme/login") {
			t.Fatalf("anonymous: %d %q", r.Status, r.Location)
		}

		// The page names it and asks for the step-up; without it, nothing is removed.
		page := owner.Get(path)
		doc := htmlOf(t, page.Body)
		if page.Status != http.StatusOK || !strings.Contains(doc.Find("h1").Text(), "Laptop") || doc.Find(`[data-testid="stepup"] input[name="password"]`).Length() != 1 {
			t.Fatalf("remove page: %d", page.Status)
		}
		r := owner.Submit(path, path, url.Values{})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("without step-up: %d", r.Status)
		}
		r = owner.Submit(path, path, url.Values{"password": {"wrong password"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "The password is not correct.") {
			t.Fatalf("wrong password: %d", r.Status)
		}
		if len(passkeysOf(t, app, tn, ownerAdmin.ID)) != 1 {
			t.Fatal("removed without a step-up")
		}
		r = owner.Submit(path, path, url.Values{"password": {webtest.Password}})
		if r.Status != http.StatusSeeOther || r.Location != "/t/acme/account#passkeys" {
			t.Fatalf("remove: %d %q", r.Status, r.Location)
		}
		if len(passkeysOf(t, app, tn, ownerAdmin.ID)) != 0 {
			t.Fatal("not removed")
		}
		if ev := lastAudit(t, app, "administrator.passkey_removed"); !strings.Contains(ev.Changes, "Laptop") {
			t.Fatalf("audit %s", ev.Changes)
		}
		// It no longer signs in.
		b := app.Client()
		if r, _ := passkeySignIn(t, b, auth, "/t/acme/login"); r.Status != http.StatusUnprocessableEntity || signedIn(t, b) {
			t.Fatalf("removed passkey: %d", r.Status)
		}
	})
}

func TestPasskeysUnavailableOnAnIPAddress(t *testing.T) {
	t.Parallel()
	app := webtest.Start(t, modelstest.SQLite(t), webtest.Options{}) // base URL http://127.0.0.1:port
	c, _, _ := app.Owner("acme", "owner@example.com")
	doc := htmlOf(t, c.Get("/t/acme/account").Body)
	if msg := doc.Find(`[data-testid="passkeys-unavailable"]`).Text(); !strings.Contains(msg, "IP address") || doc.Find(`form[data-passkey]`).Length() != 0 {
		t.Fatalf("account page: %q", msg)
	}
	csrf := webtest.CSRFToken(c.Get("/t/acme/account").Body)
	if r := c.PostJSON("/t/acme/account/passkeys/begin", csrf, nil); r.Status != http.StatusNotFound || !strings.Contains(r.Body, "IP address") {
		t.Fatalf("begin: %d %s", r.Status, r.Body)
	}
	login := app.Client().Get("/t/acme/login")
	if strings.Contains(login.Body, `data-passkey="login"`) {
		t.Fatal("the sign-in page offers passkeys on an IP address")
	}
}

func TestPasskeyRoutesNeedSignIn(t *testing.T) {
	t.Parallel()
	app, _, _, _, _ := passkeyApp(t, modelstest.SQLite(t))
	anon := app.Client()
	csrf := webtest.CSRFToken(anon.Get("/t/acme/login").Body)
	for _, p := range []string{"/t/acme/account/passkeys/begin", "/t/acme/account/passkeys/finish?name=x"} {
		r := anon.PostJSON(p, csrf, []byte("{}"))
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/t/acme/login") {
			t.Errorf("anonymous %s: %d %q", p, r.Status, r.Location)
		}
	}
	var n int64
	if err := app.DB.DB.Model(&models.WebauthnChallenge{}).Count(&n).Error; err != nil || n != 0 {
		t.Errorf("challenges stored for anonymous requests: %d %v", n, err)
	}
}

// TestPasskeyAndSSORoutesAreRateLimited: the passkey and single sign-on
// steps count towards the per-address sign-in limit like the others (one
// allowance for every sign-in step of an address).
func TestPasskeyAndSSORoutesAreRateLimited(t *testing.T) {
	t.Parallel()
	lim := web.DefaultLimits
	lim.SignIn = limit.Rate{PerMinute: 2, Burst: 2}
	app := webtest.Start(t, modelstest.SQLite(t), webtest.Options{Localhost: true, Limits: &lim})
	app.Tenant("acme", models.PlanEnterprise, "owner@example.com")
	for _, p := range []string{"/t/acme/login/passkey/begin", "/t/acme/login/passkey/finish", "/t/acme/login/sso"} {
		c := app.Client()
		csrf := webtest.CSRFToken(c.Get("/t/acme/login").Body)
		var last *webtest.Response
		for range 3 {
			last = c.PostJSON(p, csrf, []byte("{}"))
		}
		if last.Status != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
			t.Errorf("%s: third request %d", p, last.Status)
		}
	}
	var n int64
	if err := app.DB.DB.Model(&models.WebauthnChallenge{}).Count(&n).Error; err != nil || n > 2 {
		t.Errorf("%d challenges stored past the limit (%v)", n, err)
	}
}
