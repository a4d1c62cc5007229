package web_test

import (
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/webtest"

	"github.com/labstack/echo/v4"
)

func TestEveryTenantRouteDeclaresAPermission(t *testing.T) {
	t.Parallel()
	app := webtest.Start(t, modelstest.SQLite(t), webtest.Options{})
	n := 0
	for _, r := range app.Web.Echo.Routes() {
		if !strings.HasPrefix(r.Path, "/t/:tenant") || r.Method == echo.RouteNotFound {
			continue
		}
		n++
		key := r.Method + " " + r.Path
		if _, ok := app.Web.Routes.Perms[key]; !ok && !app.Web.Routes.Public[key] {
			t.Errorf("tenant route %s declares no permission", key)
		}
	}
	if n == 0 {
		t.Fatal("found no tenant routes to check")
	}
}

// Every path parameter of every tenant route is loaded by a loader named
// in routes.go (inside the viewer's tenant, 404 outside), in the path's
// order, so no handler parses an id by hand.
func TestEveryTenantRouteParamHasALoader(t *testing.T) {
	t.Parallel()
	app := webtest.Start(t, modelstest.SQLite(t), webtest.Options{})
	n := 0
	for _, r := range app.Web.Echo.Routes() {
		if !strings.HasPrefix(r.Path, "/t/:tenant") || r.Method == echo.RouteNotFound {
			continue
		}
		var params []string
		for _, seg := range strings.Split(r.Path, "/") {
			if strings.HasPrefix(seg, ":") {
				params = append(params, seg[1:])
			}
		}
		key := r.Method + " " + r.Path
		loaded, ok := app.Web.Routes.Loads[key]
		if !ok {
			t.Errorf("tenant route %s is not in the route table's loaders", key)
			continue
		}
		if !slices.Equal(params, loaded) {
			t.Errorf("%s: path parameters %v, loaders for %v", key, params, loaded)
		}
		if len(params) > 1 {
			n++
		}
	}
	if n == 0 {
		t.Fatal("found no tenant routes with an object parameter")
	}
}

func TestSignInAndOut(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		_, _, tok := app.Tenant("acme", models.PlanEnterprise, "owner@example.com")
		c := app.Client()

		// Not signed in: the dashboard sends you to sign in, remembering where you were going.
		r := c.Get("/t/acme/")
		if r.Status != http.StatusSeeOther || r.Location != "/t/acme/login?next=%2Ft%2Facme%2F" {
			t.Fatalf("anonymous dashboard: %d %q", r.Status, r.Location)
		}
		c.AcceptInvitation(tok, webtest.Password)

		// Every failure gets the same status and message; the e-mail typed is kept.
		var first *webtest.Response
		for _, tc := range []struct{ email, pw string }{
			{"owner@example.com", "not the password"},
			{"nobody@example.com", webtest.Password},
			{"OWNER@example.com", "x"},
		} {
			r := c.Submit("/t/acme/login", "/t/acme/login", url.Values{"email": {tc.email}, "password": {tc.pw}})
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Incorrect e-mail or password.") {
				t.Fatalf("%s: %d", tc.email, r.Status)
			}
			if !strings.Contains(r.Body, `value="`+tc.email+`"`) {
				t.Errorf("typed e-mail %q not kept", tc.email)
			}
			// Apart from the e-mail typed, the page is the same whether the
			// account exists or not: nothing tells the two apart.
			if first == nil {
				first = r
			} else if got, want := samePage(r.Body, tc.email), samePage(first.Body, "owner@example.com"); got != want {
				t.Errorf("%s: the failure page differs from the first one's", tc.email)
			}
		}
		r = c.Submit("/t/acme/login", "/t/acme/login", url.Values{"email": {""}, "password": {""}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Enter your e-mail and password.") {
			t.Fatalf("empty form: %d", r.Status)
		}

		before := c.Cookie("gatehouse_session")
		r = c.Submit("/t/acme/login?next=%2Ft%2Facme%2F%3Fx%3D1", "/t/acme/login",
			url.Values{"email": {"owner@example.com"}, "password": {webtest.Password}, "next": {"/t/acme/?x=1"}})
		if r.Status != http.StatusSeeOther || r.Location != "/t/acme/?x=1" {
			t.Fatalf("sign in: %d %q", r.Status, r.Location)
		}
		after := c.Cookie("gatehouse_session")
		if after == "" || after == before {
			t.Fatal("session id not renewed at sign-in")
		}
		r = c.Get("/t/acme/")
		if r.Status != http.StatusOK || !strings.Contains(r.Body, "Welcome, Olivia") || !strings.Contains(r.Body, "Tenant Admin") {
			t.Fatalf("dashboard: %d\n%s", r.Status, r.Body)
		}
		if !strings.Contains(r.Body, "Administrators") {
			t.Error("dashboard lacks the administrators count")
		}

		// Sign-out ends the session on the server: the old cookie grants nothing.
		stolen := app.Client()
		u, _ := url.Parse(app.Server.URL)
		stolen.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: "gatehouse_session", Value: after, Path: "/"}})
		if r := stolen.Get("/t/acme/"); r.Status != http.StatusOK {
			t.Fatalf("copied cookie before sign-out: %d", r.Status)
		}
		r = c.Submit("/t/acme/", "/t/acme/logout", nil)
		if r.Status != http.StatusSeeOther || r.Location != "/t/acme/login" {
			t.Fatalf("logout: %d %q", r.Status, r.Location)
		}
		if r := stolen.Get("/t/acme/"); r.Status != http.StatusSeeOther {
			t.Fatalf("copied cookie after sign-out: %d", r.Status)
		}
		n := modelstest.Count(t, db.DB.Model(&models.Session{}))
		if n != 0 {
			t.Fatalf("%d sessions left after sign-out", n)
		}
		actions := modelstest.Pluck[string](t, db.DB.Model(&models.AuditEvent{}).Order("id"), "action")
		// Three failures: the wrong passwords and the unknown address (recorded alike).
		if strings.Join(actions, ",") != "tenant.created,administrator.invitation_accepted,administrator.sign_in_failed,administrator.sign_in_failed,administrator.sign_in_failed,administrator.signed_in,administrator.signed_out" {
			t.Fatalf("audit trail: %v", actions)
		}
	})
}

func TestNextIsFollowedOnlyWithinTheApp(t *testing.T) {
	t.Parallel()
	app := webtest.Start(t, modelstest.SQLite(t), webtest.Options{})
	_, _, tok := app.Tenant("acme", models.PlanFree, "owner@example.com")
	app.Client().AcceptInvitation(tok, webtest.Password)
	for _, tc := range []struct{ next, want string }{
		{"//evil.example/", "/t/acme/"},
		{"https://evil.example/", "/t/acme/"},
		{"/\\evil.example", "/t/acme/"},
		{"javascript:alert(1)", "/t/acme/"},
		// A real CR LF is refused; an encoded one stays an (unknown) path
		// of this app, still encoded: no header is injected.
		{"/\r\nSet-Cookie: x=1", "/t/acme/"},
		{"/%0d%0aSet-Cookie:x", "/%0d%0aSet-Cookie:x"},
		{"/t/acme/audit?action=x", "/t/acme/audit?action=x"},
	} {
		c := app.Client()
		r := c.Submit("/t/acme/login", "/t/acme/login", url.Values{"email": {"owner@example.com"}, "password": {webtest.Password}, "next": {tc.next}})
		if r.Status != http.StatusSeeOther || r.Location != tc.want {
			t.Errorf("next=%q: %d, redirected to %q, want %q", tc.next, r.Status, r.Location, tc.want)
		}
		if len(r.Header.Values("Location")) != 1 || c.Cookie("x") != "" {
			t.Errorf("next=%q: a header was injected: %v", tc.next, r.Header)
		}
	}
}

func TestSessionBelongsToOneTenant(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, _, _ := app.Owner("acme", "owner@example.com")
		app.Tenant("globex", models.PlanFree, "owner@example.com")
		r := c.Get("/t/globex/")
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/t/globex/login") {
			t.Fatalf("acme session on globex: %d %q", r.Status, r.Location)
		}
		if r := c.Get("/t/acme/"); r.Status != http.StatusOK {
			t.Fatalf("acme session on acme: %d", r.Status)
		}
	})
}

func TestSessionTimeouts(t *testing.T) {
	t.Parallel()
	app := webtest.Start(t, modelstest.SQLite(t), webtest.Options{})
	c, _, _ := app.Owner("acme", "owner@example.com")
	// Idle: 29 minutes is fine, over 30 ends the session.
	app.Clock.Add(29 * time.Minute)
	if r := c.Get("/t/acme/"); r.Status != http.StatusOK {
		t.Fatalf("after 29 idle minutes: %d", r.Status)
	}
	app.Clock.Add(31 * time.Minute)
	if r := c.Get("/t/acme/"); r.Status != http.StatusSeeOther {
		t.Fatalf("after 31 idle minutes: %d", r.Status)
	}
	// Absolute: active every 20 minutes, still ended after 12 hours.
	c.SignIn("acme", "owner@example.com", webtest.Password)
	for elapsed := time.Duration(0); elapsed < 12*time.Hour-20*time.Minute; elapsed += 20 * time.Minute {
		app.Clock.Add(20 * time.Minute)
		if r := c.Get("/t/acme/"); r.Status != http.StatusOK {
			t.Fatalf("active session ended after %s: %d", elapsed+20*time.Minute, r.Status)
		}
	}
	app.Clock.Add(21 * time.Minute)
	if r := c.Get("/t/acme/"); r.Status != http.StatusSeeOther {
		t.Fatalf("session outlived 12 hours: %d", r.Status)
	}
}

func TestDeactivatedAdministratorIsSignedOut(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, _, admin := app.Owner("acme", "owner@example.com")
		if err := db.DB.Model(&models.Administrator{}).Where("id = ?", admin.ID).Update("status", models.AdminInactive).Error; err != nil {
			t.Fatal(err)
		}
		r := c.Get("/t/acme/")
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/t/acme/login") {
			t.Fatalf("inactive admin: %d %q", r.Status, r.Location)
		}
		if r := c.Get("/t/acme/login"); !strings.Contains(r.Body, "Your session has ended") {
			t.Error("no explanation shown")
		}
		c.HTTP.Jar = nil
		n := modelstest.Count(t, db.DB.Model(&models.Session{}).Where("administrator_id = ?", admin.ID))
		if n != 0 {
			t.Fatal("inactive admin's session kept")
		}
	})
}

func TestCSRFIsRequiredOnEveryUnsafeRequest(t *testing.T) {
	t.Parallel()
	app := webtest.Start(t, modelstest.SQLite(t), webtest.Options{})
	_, _, tok := app.Tenant("acme", models.PlanFree, "owner@example.com")
	c := app.Client()
	c.Get("/t/acme/login") // get a CSRF cookie, but post no token
	for _, tc := range []struct {
		path string
		vals url.Values
	}{
		{"/t/acme/login", url.Values{"email": {"owner@example.com"}, "password": {"x"}}},
		{"/t/acme/login", url.Values{"email": {"owner@example.com"}, "password": {"x"}, "_csrf": {"forged"}}},
		{"/invitations/" + tok, url.Values{"password": {webtest.Password}, "password_confirm": {webtest.Password}}},
		{"/t/acme/logout", nil},
	} {
		r := c.Post(tc.path, tc.vals)
		if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "This form has expired") {
			t.Errorf("%s without a valid token: %d", tc.path, r.Status)
		}
	}
	// A browser marking the request cross-site, or same-site from another
	// origin (a sibling subdomain), is refused even with a token; same-origin passes.
	for site, want := range map[string]int{"cross-site": http.StatusForbidden, "same-site": http.StatusForbidden, "same-origin": http.StatusUnprocessableEntity} {
		page := c.Get("/t/acme/login")
		req, _ := http.NewRequest(http.MethodPost, app.URL("/t/acme/login"), strings.NewReader(url.Values{"_csrf": {webtest.CSRFToken(page.Body)}, "email": {"a@b.c"}, "password": {"x"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", site)
		res, err := c.HTTP.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Fatalf("%s post: %d, want %d", site, res.StatusCode, want)
		}
	}
	// The invitation was not consumed by the refused post.
	if _, err := app.Store.InvitationByToken(webtest.Ctx(), tok); err != nil {
		t.Fatalf("refused post changed the invitation: %v", err)
	}
}

func TestInvitationPage(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		_, admin, tok := app.Tenant("acme", models.PlanFree, "owner@example.com")
		c := app.Client()

		r := c.Get("/invitations/" + tok)
		if r.Status != http.StatusOK || !strings.Contains(r.Body, "owner@example.com") || !strings.Contains(r.Body, "At least 12 characters") {
			t.Fatalf("invitation page: %d", r.Status)
		}
		// Bad input: a message beside the field, nothing saved.
		for _, tc := range []struct{ pw, confirm, field, msg string }{
			{"short", "short", "password", "Use at least 12 characters."},
			{"password1234", "password1234", "password", "too common"},
			{"long enough passphrase", "something else entirely", "password_confirm", "do not match"},
			{"short", "shorter", "password_confirm", "do not match"}, // with the length error too
		} {
			r := c.Submit("/invitations/"+tok, "/invitations/"+tok, url.Values{"password": {tc.pw}, "password_confirm": {tc.confirm}})
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="e-`+tc.field+`"`) || !strings.Contains(r.Body, tc.msg) {
				t.Errorf("%q: %d", tc.pw, r.Status)
			}
		}
		if a, err := app.Store.AdministratorByID(webtest.Ctx(), admin.TenantID, admin.ID); err != nil {
			t.Fatal(err)
		} else if a.Status != models.AdminInvited {
			t.Fatal("bad input changed the administrator")
		}
		// Fields the form does not offer are ignored. (A post without the
		// confirmation is refused: TestConfirmationFieldsAreRequired.)
		r = c.Submit("/invitations/"+tok, "/invitations/"+tok, url.Values{"password": {webtest.Password}, "password_confirm": {webtest.Password},
			"email": {"attacker@example.com"}, "status": {"inactive"}, "tenant_id": {"99"}})
		if r.Status != http.StatusSeeOther || r.Location != "/t/acme/login?email=owner%40example.com" {
			t.Fatalf("accept: %d %q", r.Status, r.Location)
		}
		a, err := app.Store.AdministratorByID(webtest.Ctx(), admin.TenantID, admin.ID)
		if err != nil {
			t.Fatal(err)
		}
		if a.Email != "owner@example.com" || a.Status != models.AdminActive {
			t.Fatalf("after accept: %+v", a)
		}
		// Used and unknown links get a page that explains, never a form.
		for path, want := range map[string]struct {
			status int
			text   string
		}{
			"/invitations/" + tok:           {http.StatusGone, "already been used"},
			"/invitations/not-a-real-token": {http.StatusNotFound, "not valid"},
		} {
			r := c.Get(path)
			if r.Status != want.status || !strings.Contains(r.Body, want.text) || strings.Contains(r.Body, "<form") {
				t.Errorf("%s: %d", path, r.Status)
			}
		}
	})
}

// TestInvitationAsksForAMissingName: the first Tenant Admin of a tenant
// created with an address alone is asked for their name on the invitation
// page (optional: left blank, they go by their address); a half-typed name
// is told beside the fields with what was typed kept,
// together with the password's; the name is saved with the password and
// audited. An invitee who has a name is not asked, and a post without the
// fields still sets the password alone.
func TestInvitationAsksForAMissingName(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		tn, admin, link, err := app.Store.CreateTenant(webtest.Ctx(), models.CreateTenantInput{
			Slug: "acme", Name: "Acme", Plan: models.PlanFree, AdminEmail: "owner@example.com"}, models.Actor{Email: "test"})
		if err != nil {
			t.Fatal(err)
		}
		tok := link[strings.LastIndex(link, "/")+1:]
		c := app.Client()
		d := doc(t, c.Get("/invitations/"+tok).Body)
		if d.Find(`form input[name="given_name"]`).Length() != 1 || d.Find(`form input[name="family_name"]`).Length() != 1 {
			t.Fatal("the invitation page of a nameless invitee does not ask for a name")
		}
		r := c.Submit("/invitations/"+tok, "/invitations/"+tok, url.Values{"given_name": {"  "}, "family_name": {"Owner"},
			"password": {"short"}, "password_confirm": {"short"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("blank given name: %d", r.Status)
		}
		d = doc(t, r.Body)
		if d.Find("#e-given_name").Length() != 1 || d.Find("#e-password").Length() != 1 {
			t.Errorf("errors not beside both fields:\n%s", r.Body)
		}
		if v, _ := inputValue(d, "family_name"); v != "Owner" {
			t.Errorf("typed family name not kept: %q", v)
		}
		if a, err := app.Store.AdministratorByID(webtest.Ctx(), tn.ID, admin.ID); err != nil {
			t.Fatal(err)
		} else if a.Status != models.AdminInvited || a.GivenName != "" {
			t.Fatalf("bad input saved something: %+v", a)
		}
		r = c.Submit("/invitations/"+tok, "/invitations/"+tok, url.Values{"given_name": {" Olivia "}, "family_name": {"Owner"},
			"password": {webtest.Password}, "password_confirm": {webtest.Password}})
		if r.Status != http.StatusSeeOther || r.Location != "/t/acme/login?email=owner%40example.com" {
			t.Fatalf("accept: %d %q", r.Status, r.Location)
		}
		a, err := app.Store.AdministratorByID(webtest.Ctx(), tn.ID, admin.ID)
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != models.AdminActive || a.GivenName != "Olivia" || a.FamilyName != "Owner" {
			t.Fatalf("after accept: %+v", a)
		}
		changes := strings.Join(modelstest.Pluck[string](t, app.DB.DB.Table("audit_events").Where("tenant_id = ? AND action = ?", tn.ID, "administrator.invitation_accepted"), "changes"), "")
		if !strings.Contains(changes, "Olivia") {
			t.Errorf("the accepted invitation's audit event does not record the name: %s", changes)
		}

		// A named invitee is not asked; a nameless one who leaves the name
		// blank (or a script's post without the fields) sets the password alone.
		_, _, tok2 := app.Tenant("globex", models.PlanFree, "named@example.com")
		if d := doc(t, c.Get("/invitations/"+tok2).Body); d.Find(`input[name="given_name"]`).Length() != 0 {
			t.Error("a named invitee is asked for a name")
		}
		tn3, admin3, link3, err := app.Store.CreateTenant(webtest.Ctx(), models.CreateTenantInput{
			Slug: "initech", Name: "Initech", Plan: models.PlanFree, AdminEmail: "script@example.com"}, models.Actor{Email: "test"})
		if err != nil {
			t.Fatal(err)
		}
		tok3 := link3[strings.LastIndex(link3, "/")+1:]
		r = c.Submit("/invitations/"+tok3, "/invitations/"+tok3, url.Values{"given_name": {""}, "family_name": {" "}, "password": {webtest.Password}, "password_confirm": {webtest.Password}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("accept with the name left blank: %d", r.Status)
		}
		if a, err := app.Store.AdministratorByID(webtest.Ctx(), tn3.ID, admin3.ID); err != nil {
			t.Fatal(err)
		} else if a.Status != models.AdminActive {
			t.Fatalf("script's accept: %+v", a)
		}
	})
}

func TestInvitationExpiredPage(t *testing.T) {
	t.Parallel()
	app := webtest.Start(t, modelstest.SQLite(t), webtest.Options{})
	_, _, tok := app.Tenant("acme", models.PlanFree, "owner@example.com")
	app.Clock.Add(8 * 24 * time.Hour)
	r := app.Client().Get("/invitations/" + tok)
	if r.Status != http.StatusGone || !strings.Contains(r.Body, "expired") || strings.Contains(r.Body, "<form") {
		t.Fatalf("expired invitation: %d", r.Status)
	}
}

func TestErrorPagesAndHeaders(t *testing.T) {
	t.Parallel()
	app := webtest.Start(t, modelstest.SQLite(t), webtest.Options{})
	c, _, _ := app.Owner("acme", "owner@example.com")
	anon := app.Client()

	r := anon.Get("/t/nope/login")
	if r.Status != http.StatusNotFound || !strings.Contains(r.Body, "Page not found") || !strings.Contains(r.Body, "<html") {
		t.Fatalf("unknown tenant: %d", r.Status)
	}
	r = c.Get("/t/acme/no-such-page")
	if r.Status != http.StatusNotFound || !strings.Contains(r.Body, `class="sidebar"`) {
		t.Fatalf("signed-in 404 should be in the console layout: %d", r.Status)
	}
	for _, h := range []struct{ name, want string }{
		{"X-Content-Type-Options", "nosniff"},
		{"Referrer-Policy", "same-origin"},
		{"Content-Security-Policy", "frame-ancestors 'none'"},
		{"Content-Security-Policy", "script-src 'self'"},
		{"X-Request-Id", ""},
	} {
		if v := r.Header.Get(h.name); v == "" || !strings.Contains(v, h.want) {
			t.Errorf("header %s = %q", h.name, v)
		}
	}
	if strings.Contains(r.Body, "<script>") || strings.Contains(r.Body, " style=") {
		t.Error("inline script or style in a page")
	}
	// Request bodies over 1 MB are refused with 413, in the layout.
	big := url.Values{"email": {strings.Repeat("a", 2<<20)}}
	r = anon.Post("/t/acme/login", big)
	if r.Status != http.StatusRequestEntityTooLarge || !strings.Contains(r.Body, "Request too large") {
		t.Fatalf("big body: %d", r.Status)
	}
	// Also when it comes without a Content-Length (chunked).
	chunked, _ := http.NewRequest(http.MethodPost, app.URL("/t/acme/login"), io.MultiReader(strings.NewReader("email="), strings.NewReader(strings.Repeat("a", 2<<20))))
	chunked.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	chunked.ContentLength = -1
	res, err := http.DefaultClient.Do(chunked)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("big chunked body: %d", res.StatusCode)
	}
	// Cookies: HttpOnly, SameSite=Lax (Secure only under https).
	req, _ := http.NewRequest(http.MethodGet, app.URL("/t/acme/login"), nil)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for _, ck := range res.Cookies() {
		if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
			t.Errorf("cookie %s: HttpOnly=%v SameSite=%v", ck.Name, ck.HttpOnly, ck.SameSite)
		}
	}
}

func TestServerErrorsShowAPageWithoutDetails(t *testing.T) {
	t.Parallel()
	db := modelstest.SQLite(t)
	app := webtest.Start(t, db, webtest.Options{})
	c, _, _ := app.Owner("acme", "owner@example.com")
	models.Close(db.DB) // every query now fails
	r := c.Get("/t/acme/")
	if r.Status != http.StatusInternalServerError || !strings.Contains(r.Body, "Something went wrong") || !strings.Contains(r.Body, "<html") {
		t.Fatalf("database down: %d\n%s", r.Status, r.Body)
	}
	for _, leak := range []string{"sql:", "database is closed", "goroutine", ".go:"} {
		if strings.Contains(r.Body, leak) {
			t.Errorf("error page leaks %q", leak)
		}
	}
}

func TestStaticAssetsAreCachedUnderHashedNames(t *testing.T) {
	t.Parallel()
	app := webtest.Start(t, modelstest.SQLite(t), webtest.Options{})
	page := app.Client().Get("/t/x/login").Body // a 404 page still links the stylesheet
	i := strings.Index(page, "/static/css/app.")
	if i < 0 {
		t.Fatal("no stylesheet link")
	}
	href := page[i : i+strings.Index(page[i:], `"`)]
	r := app.Client().Get(href)
	if r.Status != http.StatusOK || !strings.Contains(r.Header.Get("Cache-Control"), "immutable") || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("%s: %d %v", href, r.Status, r.Header)
	}
	if r := app.Client().Get("/static/css/app.0000.css"); r.Status != http.StatusNotFound {
		t.Fatalf("unknown asset: %d", r.Status)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	db := modelstest.SQLite(t)
	app := webtest.Start(t, db, webtest.Options{})
	c := app.Client()
	if r := c.Get("/healthz"); r.Status != http.StatusOK {
		t.Fatalf("healthz %d", r.Status)
	}
	if r := c.Get("/readyz"); r.Status != http.StatusOK {
		t.Fatalf("readyz %d", r.Status)
	}
	models.Close(db.DB)
	if r := c.Get("/readyz"); r.Status != http.StatusServiceUnavailable {
		t.Fatalf("readyz with the database down: %d", r.Status)
	}
	if r := c.Get("/healthz"); r.Status != http.StatusOK {
		t.Fatalf("healthz with the database down: %d", r.Status)
	}
}

func TestHomeFindsTheTenant(t *testing.T) {
	t.Parallel()
	app := webtest.Start(t, modelstest.SQLite(t), webtest.Options{})
	app.Tenant("acme", models.PlanFree, "owner@example.com")
	c := app.Client()
	if r := c.Get("/"); r.Status != http.StatusOK || !strings.Contains(r.Body, `name="tenant"`) {
		t.Fatalf("home: %d", r.Status)
	}
	if r := c.Get("/go?tenant=acme"); r.Status != http.StatusSeeOther || r.Location != "/t/acme/login" {
		t.Fatalf("go: %d %q", r.Status, r.Location)
	}
	if r := c.Get("/go?tenant=nope"); r.Status != http.StatusNotFound || !strings.Contains(r.Body, "no tenant") || !strings.Contains(r.Body, `value="nope"`) {
		t.Fatalf("go unknown: %d", r.Status)
	}
}

// TestHeadAnswersLikeGet: HEAD of a page is its GET's status and headers
// with no body (monitors probe "/" with HEAD).
func TestHeadAnswersLikeGet(t *testing.T) {
	t.Parallel()
	app := webtest.Start(t, modelstest.SQLite(t), webtest.Options{})
	app.Tenant("acme", models.PlanFree, "owner@example.com")
	for path, want := range map[string]int{"/": http.StatusOK, "/t/acme/login": http.StatusOK, "/t/nope/login": http.StatusNotFound} {
		req, err := http.NewRequest(http.MethodHead, app.URL(path), nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != want || len(body) != 0 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			t.Errorf("HEAD %s: %d, %d bytes, %q; want %d, no body, text/html", path, res.StatusCode, len(body), res.Header.Get("Content-Type"), want)
		}
	}
}

// TestCookiesUnderHTTPS: with an https base URL every cookie is Secure and
// the pre-session cookie (which anonymous forms' CSRF tokens are bound to)
// carries the __Host- prefix (no sibling subdomain can set it).
func TestCookiesUnderHTTPS(t *testing.T) {
	t.Parallel()
	app := webtest.Start(t, modelstest.SQLite(t), webtest.Options{HTTPS: true})
	app.Tenant("acme", models.PlanFree, "owner@example.com")
	res, err := http.Get(app.URL("/t/acme/login"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var names []string
	for _, ck := range res.Cookies() {
		names = append(names, ck.Name)
		if !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
			t.Errorf("cookie %s: secure %v, httponly %v, samesite %v", ck.Name, ck.Secure, ck.HttpOnly, ck.SameSite)
		}
		if ck.Name == "__Host-gatehouse_presession" && (ck.Domain != "" || ck.Path != "/") {
			t.Errorf("__Host- cookie with domain %q path %q", ck.Domain, ck.Path)
		}
	}
	if !slices.Contains(names, "__Host-gatehouse_presession") {
		t.Fatalf("cookies %v", names)
	}
	if res.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS under https")
	}

	// Signing in sets the session cookie, also under the __Host- prefix.
	// (A cookie jar would not send Secure cookies over the test's plain
	// HTTP, so the cookies go back by hand.)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(path string, vals url.Values) *http.Response {
		t.Helper()
		page, err := http.Get(app.URL(path))
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(page.Body)
		if err != nil {
			t.Fatal(err)
		}
		page.Body.Close()
		vals.Set("_csrf", webtest.CSRFToken(string(body)))
		req, _ := http.NewRequest(http.MethodPost, app.URL(path), strings.NewReader(vals.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, ck := range page.Cookies() {
			req.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
		}
		res, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	_, _, tok := app.Tenant("secure", models.PlanFree, "sec@example.com")
	if res := post("/invitations/"+tok, url.Values{"password": {webtest.Password}, "password_confirm": {webtest.Password}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept under https: %d", res.StatusCode)
	}
	res = post("/t/secure/login", url.Values{"email": {"sec@example.com"}, "password": {webtest.Password}})
	var session *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == "__Host-gatehouse_session" {
			session = ck
		}
	}
	if res.StatusCode != http.StatusSeeOther || session == nil || !session.Secure || session.Domain != "" || session.Path != "/" {
		t.Fatalf("sign-in under https: %d, session cookie %+v", res.StatusCode, session)
	}
}

// samePage is body with the e-mail typed and the CSRF token blanked, for
// comparing two answers that must not tell accounts apart.
func samePage(body, email string) string {
	body = strings.ReplaceAll(body, `value="`+email+`"`, `value=""`)
	return csrfFieldRE.ReplaceAllString(body, `name="_csrf" value=""`)
}
