package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web"
	"gatehouse/web/limit"
	"gatehouse/web/webtest"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestAPIAuthentication: only Authorization: Bearer with a live token of
// the tenant works; a token in the query string or a cookie, a malformed,
// unknown, revoked or expired one, is refused 401 with the JSON error and
// WWW-Authenticate; no cookie is set; CORS stays closed.
func TestAPIAuthentication(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		_, tn, _ := app.Owner("acme", "owner@example.com")
		tok := apiToken(t, app, tn, "", "tenant_auditor")

		ok := apiDo(t, app, tok, http.MethodGet, "/api/v1/organizations", "", nil)
		if ok.Status != http.StatusOK || ok.Header.Get("Set-Cookie") != "" || ok.Header.Get("Cache-Control") != "no-store" ||
			!strings.HasPrefix(ok.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("good token: %d %v", ok.Status, ok.Header)
		}
		for name, req := range map[string]func() *http.Request{
			"none": func() *http.Request {
				r, _ := http.NewRequest(http.MethodGet, app.URL("/api/v1/organizations"), nil)
				return r
			},
			"query": func() *http.Request {
				r, _ := http.NewRequest(http.MethodGet, app.URL("/api/v1/organizations?access_token="+tok+"&token="+tok), nil)
				return r
			},
			"cookie": func() *http.Request {
				r, _ := http.NewRequest(http.MethodGet, app.URL("/api/v1/organizations"), nil)
				r.AddCookie(&http.Cookie{Name: "token", Value: tok})
				r.AddCookie(&http.Cookie{Name: "Authorization", Value: "Bearer " + tok})
				return r
			},
			"basic": func() *http.Request {
				r, _ := http.NewRequest(http.MethodGet, app.URL("/api/v1/organizations"), nil)
				r.SetBasicAuth(tok, "")
				return r
			},
			"unknown": func() *http.Request {
				r, _ := http.NewRequest(http.MethodGet, app.URL("/api/v1/organizations"), nil)
				r.Header.Set("Authorization", "Bearer gh_"+strings.Repeat("x", 43))
				return r
			},
		} {
			res, err := http.DefaultClient.Do(req())
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s: %d", name, res.StatusCode)
			}
		}
		r := apiDo(t, app, "", http.MethodGet, "/api/v1/organizations", "", nil)
		if code, _ := r.apiError(t); code != "unauthorized" {
			t.Errorf("code %q", code)
		}

		// CORS closed: a preflight gets no Access-Control-Allow-* header.
		req, _ := http.NewRequest(http.MethodOptions, app.URL("/api/v1/organizations"), nil)
		req.Header.Set("Origin", "https://evil.example")
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		for k := range res.Header {
			if strings.HasPrefix(strings.ToLower(k), "access-control-") {
				t.Errorf("CORS header %s on a preflight", k)
			}
		}
		// A cross-site POST with the token needs no CSRF token (bearer only),
		// and carries no Access-Control-Allow-Origin either.
		r = apiDo(t, app, apiToken(t, app, tn, "", "editor_organizations"), http.MethodPost, "/api/v1/organizations", "", map[string]string{"name": "acme-co", "display_name": "Acme Co"})
		if r.Status != http.StatusCreated || r.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}

		// Revoked: refused at once.
		var id int64
		modelstest.Must(t, db.DB.Model(&models.APIToken{}).Where("token_hash = ?", models.HashToken(tok)).Select("id").Scan(&id))
		modelstest.Must(t, db.DB.Model(&models.APIToken{}).Where("id = ?", id).Update("revoked_at", app.Store.Now()))
		if r := apiDo(t, app, tok, http.MethodGet, "/api/v1/organizations", "", nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("revoked: %d", r.Status)
		}
	})
}

// TestAPIAcrossTenants: a token acts only in its own tenant: another
// tenant's objects are 404, whatever the token's roles.
func TestAPIAcrossTenants(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		a := newAPIFixture(t, app, "alpha")
		b := newAPIFixture(t, app, "beta")
		tok := apiToken(t, app, a.tenant, "", "tenant_admin")
		for _, p := range []string{
			fmt.Sprintf("/api/v1/administrators/%d", b.adminID), fmt.Sprintf("/api/v1/users/%d", b.userID),
			fmt.Sprintf("/api/v1/roles/%d", b.roleID), fmt.Sprintf("/api/v1/connections/%d", b.connID),
		} {
			if r := apiDo(t, app, tok, http.MethodGet, p, "", nil); r.Status != http.StatusNotFound {
				t.Errorf("GET %s: %d", p, r.Status)
			}
		}
		// Same names in both tenants: alpha's token sees alpha's.
		r := apiDo(t, app, tok, http.MethodGet, "/api/v1/organizations/customer/members", "", nil)
		var members struct {
			Data []struct {
				UserID int64 `json:"user_id"`
			} `json:"data"`
		}
		r.JSON(t, &members)
		if r.Status != http.StatusOK || len(members.Data) != 1 || members.Data[0].UserID != a.userID {
			t.Fatalf("members: %d %s", r.Status, r.Body)
		}
		before := tableCountsAPI(t, db.DB)
		for _, c := range []struct{ method, path, body string }{
			{http.MethodPost, fmt.Sprintf("/api/v1/administrators/%d/status", b.adminID), `{"status":"inactive"}`},
			{http.MethodPatch, fmt.Sprintf("/api/v1/users/%d", b.userID), `{"given_name":"X"}`},
			{http.MethodDelete, fmt.Sprintf("/api/v1/roles/%d", b.roleID), ``},
			{http.MethodDelete, fmt.Sprintf("/api/v1/connections/%d", b.connID), ``},
			{http.MethodDelete, fmt.Sprintf("/api/v1/organizations/customer/members/%d", b.userID), ``},
			{http.MethodDelete, fmt.Sprintf("/api/v1/organizations/customer/invitations/%d", b.invitationID), ``},
			{http.MethodDelete, fmt.Sprintf("/api/v1/workspaces/sales/access/%d", b.wsBindingID), ``},
		} {
			var body any
			if c.body != "" {
				body = []byte(c.body)
			}
			if r := apiDo(t, app, tok, c.method, c.path, "", body); r.Status != http.StatusNotFound {
				t.Errorf("%s %s: %d %s", c.method, c.path, r.Status, r.Body)
			}
		}
		if after := tableCountsAPI(t, db.DB); after != before {
			t.Fatalf("cross-tenant requests changed something: %s → %s", before, after)
		}
	})
}

// TestAPIProtocol: the error shape, cursor pages, optimistic locking,
// Idempotency-Key replays, the 1 MB body limit and the per-token rate limit.
func TestAPIProtocol(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		lim := web.DefaultLimits
		lim.API = limit.Rate{PerMinute: 60, Burst: 30}
		app := webtest.Start(t, db, webtest.Options{Limits: &lim})
		_, tn, _ := app.Owner("acme", "owner@example.com")
		tok := apiToken(t, app, tn, "", "editor_organizations")
		ctx := context.Background()

		// Validation: 422 with fields; a bad body 400; a wrong type 415.
		r := apiDo(t, app, tok, http.MethodPost, "/api/v1/organizations", "", map[string]string{"name": "Not A Slug!"})
		if code, fields := r.apiError(t); r.Status != http.StatusUnprocessableEntity || code != "invalid" || fields["name"] == "" {
			t.Fatalf("invalid: %d %s", r.Status, r.Body)
		}
		r = apiDo(t, app, tok, http.MethodPost, "/api/v1/organizations", "", []byte(`{"name": "x", "nmae": "typo"}`))
		if code, _ := r.apiError(t); r.Status != http.StatusBadRequest || code != "bad_request" {
			t.Fatalf("unknown field: %d %s", r.Status, r.Body)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.Organization{})); n != 0 {
			t.Fatalf("%d organizations after refusals", n)
		}

		// Idempotency-Key: the replay answers the first response and creates nothing more.
		first := apiDo(t, app, tok, http.MethodPost, "/api/v1/organizations", "k-1", map[string]string{"name": "org-1", "display_name": "One"})
		again := apiDo(t, app, tok, http.MethodPost, "/api/v1/organizations", "k-1", map[string]string{"name": "org-1", "display_name": "One"})
		if first.Status != http.StatusCreated || again.Status != http.StatusCreated || again.Body != first.Body || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay: %d %d %q", first.Status, again.Status, again.Body)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.Organization{})); n != 1 {
			t.Fatalf("%d organizations after a replay", n)
		}
		other := apiDo(t, app, tok, http.MethodPost, "/api/v1/organizations", "k-1", map[string]string{"name": "org-2", "display_name": "Two"})
		if other.Status != http.StatusUnprocessableEntity {
			t.Fatalf("key reused for another body: %d", other.Status)
		}
		// Another token's same key is its own.
		tok2 := apiToken(t, app, tn, "", "editor_organizations")
		if r := apiDo(t, app, tok2, http.MethodPost, "/api/v1/organizations", "k-1", map[string]string{"name": "org-2", "display_name": "Two"}); r.Status != http.StatusCreated {
			t.Fatalf("other token: %d %s", r.Status, r.Body)
		}
		// An error is replayed too.
		e1 := apiDo(t, app, tok, http.MethodPost, "/api/v1/organizations", "k-dup", map[string]string{"name": "org-1", "display_name": "One"})
		e2 := apiDo(t, app, tok, http.MethodPost, "/api/v1/organizations", "k-dup", map[string]string{"name": "org-1", "display_name": "One"})
		if e1.Status != http.StatusUnprocessableEntity || e2.Status != e1.Status || e2.Body != e1.Body {
			t.Fatalf("error replay: %d %d", e1.Status, e2.Status)
		}

		// Cursor pages.
		for i := 3; i <= 7; i++ {
			if _, err := app.Store.CreateOrganization(ctx, tn.ID, models.CreateOrgInput{Name: fmt.Sprintf("org-%d", i), DisplayName: "Org"}, models.Actor{}); err != nil {
				t.Fatal(err)
			}
		}
		var names []string
		cursor := ""
		for pages := 0; ; pages++ {
			path := "/api/v1/organizations?limit=3"
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			r := apiDo(t, app, tok, http.MethodGet, path, "", nil)
			var p struct {
				Data []struct {
					Name string `json:"name"`
				} `json:"data"`
				NextCursor *string `json:"next_cursor"`
			}
			r.JSON(t, &p)
			for _, o := range p.Data {
				names = append(names, o.Name)
			}
			if p.NextCursor == nil || pages > 5 {
				break
			}
			cursor = *p.NextCursor
		}
		if fmt.Sprint(names) != "[org-1 org-2 org-3 org-4 org-5 org-6 org-7]" {
			t.Fatalf("pages: %v", names)
		}
		for _, q := range []string{"limit=0", "limit=201", "limit=x", "cursor=***"} {
			if r := apiDo(t, app, tok, http.MethodGet, "/api/v1/organizations?"+q, "", nil); r.Status != http.StatusBadRequest {
				t.Errorf("%s: %d", q, r.Status)
			}
		}

		// Optimistic locking.
		var o struct {
			Version int64 `json:"version"`
		}
		apiDo(t, app, tok, http.MethodGet, "/api/v1/organizations/org-1", "", nil).JSON(t, &o)
		r = apiDo(t, app, tok, http.MethodPatch, "/api/v1/organizations/org-1", "", map[string]any{"version": o.Version, "display_name": "Uno"})
		if r.Status != http.StatusOK {
			t.Fatalf("update: %d %s", r.Status, r.Body)
		}
		r = apiDo(t, app, tok, http.MethodPatch, "/api/v1/organizations/org-1", "", map[string]any{"version": o.Version, "display_name": "Stale"})
		if code, fields := r.apiError(t); r.Status != http.StatusConflict || code != "conflict" || fields["version"] == "" {
			t.Fatalf("stale: %d %s", r.Status, r.Body)
		}

		// 1 MB body limit.
		big := []byte(`{"name": "` + strings.Repeat("a", 1<<20) + `"}`)
		if r := apiDo(t, app, tok, http.MethodPost, "/api/v1/organizations", "", big); r.Status != http.StatusRequestEntityTooLarge {
			t.Fatalf("1 MB: %d", r.Status)
		} else if code, _ := r.apiError(t); code != "too_large" {
			t.Fatalf("code %q", code)
		}
		if r := apiDo(t, app, tok, http.MethodPost, "/api/v1/organizations", "k-big", big); r.Status != http.StatusRequestEntityTooLarge {
			t.Fatalf("1 MB with a key: %d", r.Status)
		}

		// Rate limit per token: 30 in a burst, then 429 with Retry-After; another token is not affected.
		var last apiResponse
		for i := 0; i < 40; i++ {
			if last = apiDo(t, app, tok, http.MethodGet, "/api/v1/organizations?limit=1", "", nil); last.Status == http.StatusTooManyRequests {
				break
			}
		}
		if last.Status != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
			t.Fatalf("rate limit: %d", last.Status)
		}
		if code, _ := last.apiError(t); code != "rate_limited" {
			t.Fatalf("code %q", code)
		}
		if r := apiDo(t, app, tok2, http.MethodGet, "/api/v1/organizations?limit=1", "", nil); r.Status != http.StatusOK {
			t.Fatalf("another token: %d", r.Status)
		}

		// Unknown API paths answer the JSON error too.
		if r := apiDo(t, app, tok2, http.MethodGet, "/api/v1/nothing-here", "", nil); r.Status != http.StatusNotFound {
			t.Fatalf("unknown path: %d", r.Status)
		} else if code, _ := r.apiError(t); code != "not_found" {
			t.Fatalf("code %q", code)
		}
	})
}

// TestAPIOpenAPIDocument: /api/v1/openapi.json needs no token, is a valid
// OpenAPI 3.1 document (kin-openapi's validator), and has one operation,
// with its permission, for every API route of the route table.
func TestAPIOpenAPIDocument(t *testing.T) {
	t.Parallel()
	app := webtest.Start(t, modelstest.SQLite(t), webtest.Options{})
	r := apiDo(t, app, "", http.MethodGet, "/api/v1/openapi.json", "", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("%d", r.Status)
	}
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromData([]byte(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("invalid OpenAPI: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("version %s", doc.OpenAPI)
	}
	routes := apiRoutesOf(t, app)
	n := 0
	for _, rt := range routes {
		path := rt.Path
		for _, seg := range strings.Split(rt.Path, "/") {
			if strings.HasPrefix(seg, ":") {
				path = strings.Replace(path, seg, "{"+seg[1:]+"}", 1)
			}
		}
		item := doc.Paths.Find(path)
		if item == nil || item.GetOperation(rt.Method) == nil {
			t.Errorf("no operation for %s %s", rt.Method, path)
			continue
		}
		op := item.GetOperation(rt.Method)
		if op.Extensions["x-permission"] != string(app.Web.Routes.Perms[rt.Method+" "+rt.Path]) {
			t.Errorf("%s %s: x-permission %v", rt.Method, path, op.Extensions["x-permission"])
		}
		n++
	}
	if n != len(routes) || doc.Paths.Len() == 0 {
		t.Fatalf("%d operations for %d routes", n, len(routes))
	}
	// A response validates against its schema.
	_, tn, _ := app.Owner("acme", "owner@example.com")
	tok := apiToken(t, app, tn, "", "tenant_admin")
	res := apiDo(t, app, tok, http.MethodGet, "/api/v1/administrators", "", nil)
	schema := doc.Paths.Find("/api/v1/administrators").Get.Responses.Value("200").Value.Content.Get("application/json").Schema.Value
	var body any
	res.JSON(t, &body)
	if err := schema.VisitJSON(body, openapi3.EnableJSONSchema2020()); err != nil {
		t.Fatalf("the list does not match its schema: %v", err)
	}
}

// TestAPIEveryRouteIs404AcrossTenants walks every API route naming an
// object by id: a Tenant Admin token of one tenant, given the path of the
// other tenant's object, gets 404 on every method, and nothing changes.
// (Routes naming objects only by name, the same in both fixtures, resolve
// to the token's own tenant: TestAPIAcrossTenants checks those.)
func TestAPIEveryRouteIs404AcrossTenants(t *testing.T) {
	t.Parallel()
	db := modelstest.SQLite(t)
	app := webtest.Start(t, db, webtest.Options{Limits: apiTestLimits()})
	a := newAPIFixture(t, app, "alpha")
	b := newAPIFixture(t, app, "beta")
	tok := apiToken(t, app, a.tenant, "", "tenant_admin")
	checked := 0
	for _, r := range apiRoutesOf(t, app) {
		own, other := a.path(r.Path), b.path(r.Path)
		if own == other || !strings.Contains(r.Path, ":") {
			continue
		}
		var body any
		if r.Method != http.MethodGet && r.Method != http.MethodDelete {
			body = []byte(`{}`) // the object is looked up first: 404 whatever the body
		}
		before := tableCountsAPI(t, db.DB)
		res := apiDo(t, app, tok, r.Method, other, "", body)
		if res.Status != http.StatusNotFound {
			t.Errorf("%s %s (%s): %d %s, want 404", r.Method, r.Path, other, res.Status, res.Body)
		}
		if after := tableCountsAPI(t, db.DB); after != before {
			t.Errorf("%s %s across tenants changed something: %s → %s", r.Method, other, before, after)
		}
		checked++
	}
	if checked < 40 {
		t.Fatalf("only %d routes name an object by id", checked)
	}
	t.Logf("%d routes checked across tenants", checked)
}
