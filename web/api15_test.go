package web_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/models/modelstest"
	"gatehouse/web"
	"gatehouse/web/limit"
	"gatehouse/web/webtest"

	"github.com/labstack/echo/v4"
)

// TestEveryAPIRouteParamHasALoader: every path parameter of every API
// route is loaded by a loader the route table names (as the pages' are),
// none parsed by hand in a handler.
func TestEveryAPIRouteParamHasALoader(t *testing.T) {
	t.Parallel()
	app := webtest.Start(t, modelstest.SQLite(t), webtest.Options{})
	n := 0
	for _, r := range apiRoutesOf(t, app) {
		var params []string
		for _, seg := range strings.Split(r.Path, "/") {
			if strings.HasPrefix(seg, ":") {
				params = append(params, seg[1:])
			}
		}
		key := r.Method + " " + r.Path
		loaded, ok := app.Web.Routes.Loads[key]
		if !ok {
			t.Errorf("API route %s is not in the route table's loaders", key)
			continue
		}
		if !slices.Equal(params, loaded) {
			t.Errorf("%s: path parameters %v, loaders for %v", key, params, loaded)
		}
		if len(params) > 1 {
			n++
		}
	}
	if n < 20 {
		t.Fatalf("found %d API routes with two parameters or more", n)
	}
}

// apiAuditActions are the actions of the audit events whose actor is the
// token label (newest first), read through the API itself.
func apiAuditActions(t *testing.T, app *webtest.App, tok, actor string) []string {
	t.Helper()
	r := apiDo(t, app, tok, http.MethodGet, "/api/v1/audit-events?limit=200&actor="+url.QueryEscape(actor), "", nil)
	var evs struct {
		Data []struct {
			Actor  string `json:"actor"`
			Action string `json:"action"`
		} `json:"data"`
	}
	r.JSON(t, &evs)
	if r.Status != http.StatusOK {
		t.Fatalf("audit events: %d %s", r.Status, r.Body)
	}
	var out []string
	for _, e := range evs.Data {
		if e.Actor != actor {
			t.Fatalf("event by %q in the %q filter", e.Actor, actor)
		}
		out = append(out, e.Action)
	}
	return out
}

const petstore = `openapi: 3.0.3
info: {title: Accounts, version: "1"}
paths:
  /accounts:
    get:
      summary: List accounts
      security: [{oauth: [read:accounts]}]
      responses: {"200": {description: OK}}
    post:
      summary: Open an account
      security: [{oauth: [write:accounts]}]
      responses: {"201": {description: Created}}
components:
  securitySchemes:
    oauth:
      type: oauth2
      flows: {clientCredentials: {tokenUrl: "https://id.example.com/token", scopes: {read:accounts: r, write:accounts: w}}}
`

// TestAPIWorkspaceResourcesScript: a script with a Workspace Admin token
// of sales makes a service, imports an OpenAPI document into it, makes a
// client holding its scopes, rotates the client's secret (shown once, in
// the answers that make it, never in a GET nor in an Idempotency-Key
// replay), pages the list, meets a version conflict, tests a policy, and
// reads the audit events it caused, each naming the token.
func TestAPIWorkspaceResourcesScript(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		_, tn, _ := app.Owner("acme", "owner@example.com")
		app.Workspace(tn, "sales", "Sales")
		tok := apiToken(t, app, tn, "sales", "workspace_admin")
		var tokRow models.APIToken
		modelstest.Must(t, db.DB.Where("tenant_id = ?", tn.ID).Order("id").Take(&tokRow))
		tokenLabel := tokRow.ActorLabel()
		base := "/api/v1/workspaces/sales"

		r := apiDo(t, app, tok, http.MethodPost, base+"/services", "svc-1", map[string]string{"name": "Accounts", "audience": "https://api.example.com/accounts"})
		var sv struct {
			ID      int64 `json:"id"`
			Version int64 `json:"version"`
			Scopes  []struct {
				Scope string `json:"scope"`
			} `json:"scopes"`
			APIs []struct {
				Method string   `json:"method"`
				Path   string   `json:"path"`
				Scopes []string `json:"scopes"`
			} `json:"apis"`
		}
		r.JSON(t, &sv)
		if r.Status != http.StatusCreated || sv.ID == 0 || sv.Version != 1 {
			t.Fatalf("create service: %d %s", r.Status, r.Body)
		}
		// The same key again: the first answer, nothing made twice.
		if again := apiDo(t, app, tok, http.MethodPost, base+"/services", "svc-1", map[string]string{"name": "Accounts", "audience": "https://api.example.com/accounts"}); again.Status != http.StatusCreated || again.Body != r.Body || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay: %d %s", again.Status, again.Body)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.Service{}).Where("tenant_id = ?", tn.ID)); n != 1 {
			t.Fatalf("%d services", n)
		}
		svc := fmt.Sprintf("%s/services/%d", base, sv.ID)
		r = apiDo(t, app, tok, http.MethodPost, svc+"/import", "", map[string]string{"openapi": petstore})
		var imp struct {
			Created       int `json:"created"`
			ScopesCreated int `json:"scopes_created"`
		}
		r.JSON(t, &imp)
		if r.Status != http.StatusOK || imp.Created != 2 || imp.ScopesCreated != 2 {
			t.Fatalf("import: %d %s", r.Status, r.Body)
		}
		if r := apiDo(t, app, tok, http.MethodPost, svc+"/import", "", map[string]string{"openapi": "openapi: ["}); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad document: %d %s", r.Status, r.Body)
		} else if _, fields := r.apiError(t); fields["openapi"] == "" {
			t.Fatalf("bad document: %s", r.Body)
		}
		r = apiDo(t, app, tok, http.MethodGet, svc, "", nil)
		r.JSON(t, &sv)
		if r.Status != http.StatusOK || len(sv.Scopes) != 2 || len(sv.APIs) != 2 || sv.APIs[0].Path != "/accounts" {
			t.Fatalf("service: %d %s", r.Status, r.Body)
		}

		// A client with the imported scopes; its secret in the creating answer only.
		in := map[string]any{"name": "Batch", "type": "service", "grant_types": []string{"client_credentials"},
			"token_endpoint_auth_method": "client_secret_basic", "scopes": []string{"read:accounts"}}
		r = apiDo(t, app, tok, http.MethodPost, base+"/clients", "cl-1", in)
		type client struct {
			ID           int64    `json:"id"`
			ClientID     string   `json:"client_id"`
			ClientSecret *string  `json:"client_secret"`
			Scopes       []string `json:"scopes"`
			Version      int64    `json:"version"`
			PrevExpires  *string  `json:"previous_secret_expires_at"`
		}
		var cl client
		r.JSON(t, &cl)
		if r.Status != http.StatusCreated || cl.ClientSecret == nil || len(*cl.ClientSecret) < 20 || !slices.Equal(cl.Scopes, []string{"read:accounts"}) {
			t.Fatalf("create client: %d %s", r.Status, r.Body)
		}
		if r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("Cache-Control %q", r.Header.Get("Cache-Control"))
		}
		first := *cl.ClientSecret
		if _, ok, err := app.Store.VerifyClientSecret(webtest.Ctx(), cl.ClientID, first); err != nil || !ok {
			t.Fatalf("the secret shown does not work: %v %v", ok, err)
		}
		// A replay answers the same client without its secret: a secret is kept nowhere.
		again := apiDo(t, app, tok, http.MethodPost, base+"/clients", "cl-1", in)
		var replayed client
		again.JSON(t, &replayed)
		if again.Status != http.StatusCreated || replayed.ID != cl.ID || replayed.ClientSecret != nil || strings.Contains(again.Body, first) {
			t.Fatalf("replay: %d %s", again.Status, again.Body)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.APIIdempotencyKey{}).Where("body LIKE ?", "%"+first+"%")); n != 0 {
			t.Fatalf("the secret is kept in %d idempotency records", n)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.Client{}).Where("tenant_id = ?", tn.ID)); n != 1 {
			t.Fatalf("%d clients", n)
		}
		cli := fmt.Sprintf("%s/clients/%d", base, cl.ID)
		r = apiDo(t, app, tok, http.MethodGet, cli, "", nil)
		if r.Status != http.StatusOK || strings.Contains(r.Body, "client_secret\"") || strings.Contains(r.Body, first) {
			t.Fatalf("get client: %d %s", r.Status, r.Body)
		}
		// A scope the workspace does not define: beside the field, nothing saved.
		r = apiDo(t, app, tok, http.MethodPatch, cli, "", map[string]any{"version": cl.Version, "scopes": []string{"nope"}})
		if _, fields := r.apiError(t); r.Status != http.StatusUnprocessableEntity || fields["scopes"] == "" {
			t.Fatalf("bad scope: %d %s", r.Status, r.Body)
		}
		r = apiDo(t, app, tok, http.MethodPost, cli+"/rotate", "rot-1", map[string]int{"grace_hours": 2})
		var rotated client
		r.JSON(t, &rotated)
		if r.Status != http.StatusOK || rotated.ClientSecret == nil || *rotated.ClientSecret == first || rotated.PrevExpires == nil || rotated.Version != cl.Version+1 {
			t.Fatalf("rotate: %d %s", r.Status, r.Body)
		}
		for _, s := range []string{first, *rotated.ClientSecret} {
			if _, ok, err := app.Store.VerifyClientSecret(webtest.Ctx(), cl.ClientID, s); err != nil || !ok {
				t.Fatalf("after rotation with grace, a secret does not work: %v", err)
			}
		}
		// The version read before the rotation is stale: 409 with the error shape, nothing saved.
		r = apiDo(t, app, tok, http.MethodPatch, cli, "", map[string]any{"version": cl.Version, "name": "Renamed"})
		if code, fields := r.apiError(t); r.Status != http.StatusConflict || code != "conflict" || fields["version"] == "" {
			t.Fatalf("stale version: %d %s", r.Status, r.Body)
		}
		r = apiDo(t, app, tok, http.MethodPatch, cli, "", map[string]any{"version": rotated.Version, "name": "Renamed"})
		var renamed struct {
			Name    string   `json:"name"`
			Scopes  []string `json:"scopes"`
			Version int64    `json:"version"`
		}
		r.JSON(t, &renamed)
		if r.Status != http.StatusOK || renamed.Name != "Renamed" || !slices.Equal(renamed.Scopes, []string{"read:accounts"}) || renamed.Version != rotated.Version+1 {
			t.Fatalf("rename (the other fields kept): %d %s", r.Status, r.Body)
		}

		// Policies: create, test (changes nothing), list by cursor pages.
		for _, name := range []string{"Admins", "Beta", "Gamma"} {
			r := apiDo(t, app, tok, http.MethodPost, base+"/policies", "", map[string]string{"name": name, "definition": "'admin' in user.roles"})
			if r.Status != http.StatusCreated {
				t.Fatalf("policy %s: %d %s", name, r.Status, r.Body)
			}
		}
		r = apiDo(t, app, tok, http.MethodGet, base+"/policies?limit=2", "", nil)
		var pp struct {
			Data []struct {
				ID   int64  `json:"id"`
				Name string `json:"name"`
			} `json:"data"`
			Next *string `json:"next_cursor"`
		}
		r.JSON(t, &pp)
		if r.Status != http.StatusOK || len(pp.Data) != 2 || pp.Next == nil || pp.Data[0].Name != "Admins" {
			t.Fatalf("page 1: %d %s", r.Status, r.Body)
		}
		policy := fmt.Sprintf("%s/policies/%d", base, pp.Data[0].ID)
		r = apiDo(t, app, tok, http.MethodGet, base+"/policies?limit=2&cursor="+*pp.Next, "", nil)
		r.JSON(t, &pp)
		if r.Status != http.StatusOK || len(pp.Data) != 1 || pp.Next != nil || pp.Data[0].Name != "Gamma" {
			t.Fatalf("page 2: %d %s", r.Status, r.Body)
		}
		before := wsResCounts(t, db.DB)
		for _, c := range []struct {
			input string
			want  bool
		}{{`{"user": {"roles": ["admin"]}}`, true}, {`{"user": {"roles": []}}`, false}} {
			r := apiDo(t, app, tok, http.MethodPost, policy+"/test", "", []byte(`{"input": `+c.input+`}`))
			var res struct {
				Allowed bool   `json:"allowed"`
				Error   string `json:"error"`
			}
			r.JSON(t, &res)
			if r.Status != http.StatusOK || res.Allowed != c.want || res.Error != "" {
				t.Fatalf("test %s: %d %s", c.input, r.Status, r.Body)
			}
		}
		if after := wsResCounts(t, db.DB); after != before {
			t.Fatalf("a test changed something: %s → %s", before, after)
		}

		// Authorizers, claims and custom apps, each made, read and deleted.
		for _, c := range []struct {
			path   string
			body   map[string]any
			secret string
		}{
			{"/authorizers", map[string]any{"name": "Edge", "type": "kong", "services": []int64{sv.ID}}, "secret"},
			{"/claims", map[string]any{"name": "tier", "source_type": "static", "source": "gold", "token": "id"}, ""},
			{"/custom-apps", map[string]any{"name": "Login", "type": "login", "url": "https://login.example.com/"}, "secret"},
		} {
			r := apiDo(t, app, tok, http.MethodPost, base+c.path, "", c.body)
			var made map[string]any
			r.JSON(t, &made)
			if r.Status != http.StatusCreated || (c.secret != "" && made[c.secret] == nil) {
				t.Fatalf("create %s: %d %s", c.path, r.Status, r.Body)
			}
			item := fmt.Sprintf("%s%s/%v", base, c.path, made["id"])
			if r := apiDo(t, app, tok, http.MethodGet, item, "", nil); r.Status != http.StatusOK || (c.secret != "" && strings.Contains(r.Body, `"`+c.secret+`"`)) {
				t.Fatalf("get %s: %d %s", item, r.Status, r.Body)
			}
			if r := apiDo(t, app, tok, http.MethodPatch, item, "", map[string]any{"version": made["version"], "name": "renamed"}); r.Status != http.StatusOK || !strings.Contains(r.Body, `"name":"renamed"`) {
				t.Fatalf("update %s: %d %s", item, r.Status, r.Body)
			}
			if r := apiDo(t, app, tok, http.MethodDelete, item, "", nil); r.Status != http.StatusNoContent {
				t.Fatalf("delete %s: %d %s", item, r.Status, r.Body)
			}
			if r := apiDo(t, app, tok, http.MethodGet, item, "", nil); r.Status != http.StatusNotFound {
				t.Fatalf("deleted %s: %d", item, r.Status)
			}
		}

		// The audit events the script caused, through the API, naming the token.
		got := apiAuditActions(t, app, apiToken(t, app, tn, "", "tenant_auditor"), tokenLabel)
		for _, want := range []string{"service.created", "service.apis_imported", "client.created", "client.secret_rotated", "client.updated",
			"policy.created", "authorizer.created", "authorizer.deleted", "claim.updated", "custom_app.deleted"} {
			if !slices.Contains(got, want) {
				t.Errorf("no %s event by %s in %v", want, tokenLabel, got)
			}
		}
		if slices.Contains(got, "policy.updated") || strings.Count(strings.Join(got, " "), "service.created") != 1 {
			t.Errorf("events %v", got)
		}
		var withSecret int64
		modelstest.Must(t, db.DB.Model(&models.AuditEvent{}).Where("changes LIKE ?", "%"+first+"%").Count(&withSecret))
		if withSecret != 0 {
			t.Fatal("a secret is in the audit log")
		}
	})
}

// TestAPIWorkspaceResourcesAcrossTenantsAndWorkspaces: a resource of
// another tenant, or of another workspace reached through this one's path,
// is 404 (GET, PATCH, DELETE, the sub-routes), and nothing changes; a
// workspace the token cannot see is 404, one it sees without the
// permission 403.
func TestAPIWorkspaceResourcesAcrossTenantsAndWorkspaces(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{Limits: &web.Limits{SignIn: limit.Rate{PerMinute: 6000, Burst: 1000},
			Codes: limit.Rate{PerMinute: 60, Burst: 60}, Invitations: limit.Rate{PerMinute: 60, Burst: 60},
			PasswordReset: limit.Rate{PerMinute: 60, Burst: 60}, SignInInFlight: 8, API: limit.Rate{PerMinute: 60000, Burst: 10000}}})
		a := newAPIFixture(t, app, "alpha")
		b := newAPIFixture(t, app, "beta")
		hr := app.Workspace(a.tenant, "hr", "HR")
		hrRes := newWSResFixtureNamed(t, app, a.tenant, hr)
		admin := apiToken(t, app, a.tenant, "", "tenant_admin")
		salesAdmin := apiToken(t, app, a.tenant, "sales", "workspace_admin")
		salesAuditor := apiToken(t, app, a.tenant, "sales", "workspace_auditor")
		before := tableCountsAPI(t, db.DB)
		for _, other := range []wsResFixture{b.res, hrRes} {
			for _, p := range []string{"/services/" + other.service, "/clients/" + other.client, "/policies/" + other.policy,
				"/authorizers/" + other.authorizer, "/claims/" + other.claim, "/custom-apps/" + other.app} {
				for _, c := range []struct {
					method, suffix string
					body           any
				}{{http.MethodGet, "", nil}, {http.MethodPatch, "", []byte(`{"version": 1, "name": "X"}`)}, {http.MethodDelete, "", nil}} {
					path := "/api/v1/workspaces/sales" + p + c.suffix
					if r := apiDo(t, app, admin, c.method, path, "", c.body); r.Status != http.StatusNotFound {
						t.Errorf("%s %s: %d %s", c.method, path, r.Status, r.Body)
					}
				}
			}
			for _, c := range []struct{ method, path, body string }{
				{http.MethodPost, "/services/" + other.service + "/scopes", `{"scope": "x"}`},
				{http.MethodDelete, "/services/" + other.service + "/scopes/" + other.extraScope, ``},
				{http.MethodDelete, "/services/" + a.res.service + "/scopes/" + other.extraScope, ``},
				{http.MethodDelete, "/services/" + a.res.service + "/apis/" + other.extraAPI, ``},
				{http.MethodPost, "/services/" + other.service + "/import", `{"openapi": "openapi: 3.0.0"}`},
				{http.MethodPost, "/clients/" + other.client + "/rotate", `{}`},
				{http.MethodPost, "/policies/" + other.policy + "/test", `{"input": {}}`},
			} {
				var body any
				if c.body != "" {
					body = []byte(c.body)
				}
				if r := apiDo(t, app, admin, c.method, "/api/v1/workspaces/sales"+c.path, "", body); r.Status != http.StatusNotFound {
					t.Errorf("%s %s: %d %s", c.method, c.path, r.Status, r.Body)
				}
			}
		}
		// A workspace token: another workspace is not there at all.
		for _, p := range []string{"/api/v1/workspaces/hr/clients", "/api/v1/workspaces/hr/clients/" + hrRes.client} {
			if r := apiDo(t, app, salesAdmin, http.MethodGet, p, "", nil); r.Status != http.StatusNotFound {
				t.Errorf("sales token GET %s: %d", p, r.Status)
			}
		}
		// A Workspace Auditor reads, and is refused (403) every change.
		if r := apiDo(t, app, salesAuditor, http.MethodGet, "/api/v1/workspaces/sales/clients/"+a.res.client, "", nil); r.Status != http.StatusOK {
			t.Errorf("auditor reads: %d", r.Status)
		}
		for _, c := range []struct{ method, path string }{
			{http.MethodPost, "/clients"}, {http.MethodPatch, "/clients/" + a.res.client}, {http.MethodDelete, "/clients/" + a.res.client},
			{http.MethodPost, "/clients/" + a.res.client + "/rotate"}, {http.MethodPost, "/services/" + a.res.service + "/import"},
		} {
			var body any
			if c.method != http.MethodDelete {
				body = []byte(`{}`)
			}
			r := apiDo(t, app, salesAuditor, c.method, "/api/v1/workspaces/sales"+c.path, "", body)
			if code, _ := r.apiError(t); r.Status != http.StatusForbidden || code != "forbidden" {
				t.Errorf("auditor %s %s: %d %s", c.method, c.path, r.Status, r.Body)
			}
		}
		if after := tableCountsAPI(t, db.DB); after != before {
			t.Fatalf("refused requests changed something: %s → %s", before, after)
		}
	})
}

// newWSResFixtureNamed is newWSResFixture for a second workspace of the
// same tenant (its fixture administrator exists already).
func newWSResFixtureNamed(t *testing.T, app *webtest.App, tn models.Tenant, ws models.Workspace) wsResFixture {
	t.Helper()
	ctx := webtest.Ctx()
	var ownerID int64
	modelstest.Must(t, app.DB.DB.Model(&models.Administrator{}).Where("tenant_id = ? AND email LIKE ?", tn.ID, "fixture.owner%@example.com").
		Order("id").Limit(1).Select("id").Scan(&ownerID))
	if ownerID == 0 {
		t.Fatal("no fixture administrator in the tenant")
	}
	v, err := app.Store.LoadViewer(ctx, tn, ownerID)
	if err != nil {
		t.Fatal(err)
	}
	act := models.Actor{AdminID: ownerID, Email: v.Administrator.Email}
	sv, err := app.Store.CreateService(ctx, v, ws.ID, models.ServiceInput{Name: "Payroll", Audience: "https://api.example.com/payroll"}, act)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := app.Store.AddServiceScope(ctx, v, ws.ID, sv.ID, models.ScopeInput{Scope: "read:payroll"}, act)
	if err != nil {
		t.Fatal(err)
	}
	api, err := app.Store.AddServiceAPI(ctx, v, ws.ID, sv.ID, models.APIInput{Method: "GET", Path: "/payroll"}, act)
	if err != nil {
		t.Fatal(err)
	}
	cl, _, err := app.Store.CreateClient(ctx, v, ws.ID, models.ClientInput{Name: "HR batch", Type: "service", TokenEndpointAuthMethod: "client_secret_basic", GrantTypes: []string{"client_credentials"}}, act)
	if err != nil {
		t.Fatal(err)
	}
	p, err := app.Store.CreatePolicy(ctx, v, ws.ID, models.PolicyInput{Name: "HR", Definition: "true"}, act)
	if err != nil {
		t.Fatal(err)
	}
	az, _, err := app.Store.CreateAuthorizer(ctx, v, ws.ID, models.AuthorizerInput{Name: "HR edge", Type: "kong"}, act)
	if err != nil {
		t.Fatal(err)
	}
	claim, err := app.Store.CreateClaim(ctx, v, ws.ID, models.ClaimInput{Name: "grade", SourceType: "static", Source: "a", Token: "id"}, act)
	if err != nil {
		t.Fatal(err)
	}
	ca, _, err := app.Store.CreateCustomApp(ctx, v, ws.ID, models.CustomAppInput{Name: "HR login", Type: "login", URL: "https://hr.example.com"}, act)
	if err != nil {
		t.Fatal(err)
	}
	id := func(n int64) string { return fmt.Sprint(n) }
	return wsResFixture{service: id(sv.ID), client: id(cl.ID), policy: id(p.ID), scope: id(sc.ID), api: id(api.ID), extraScope: id(sc.ID), extraAPI: id(api.ID),
		authorizer: id(az.ID), claim: id(claim.ID), app: id(ca.ID)}
}

// TestAPIDeleteWorkspaceAndOrganization: the console's rules through the
// API: the name typed again and a step-up (the password of the token's
// creator) are required (422 beside each field, nothing deleted), a wrong
// password is refused, the Admin workspace is never deleted (403), a token
// without the permission is refused (403); deleted, the audit event names
// the token.
func TestAPIDeleteWorkspaceAndOrganization(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		f := newAPIFixture(t, app, "acme")
		other := newAPIFixture(t, app, "other")
		setFlag(t, app, "acme", models.FlagAdvancedAdminManagement, true) // the Admin workspace
		tok := apiToken(t, app, f.tenant, "", "tenant_admin")
		auditor := apiToken(t, app, f.tenant, "", "tenant_auditor")
		before := countWorkspacesAndOrgs(t, db)
		for _, c := range []struct {
			token, path string
			body        any
			status      int
			fields      []string
		}{
			{tok, "/api/v1/workspaces/sales", nil, http.StatusUnprocessableEntity, []string{"confirm", "password"}},
			{tok, "/api/v1/workspaces/sales", map[string]string{"confirm": "sales"}, http.StatusUnprocessableEntity, []string{"password"}},
			{tok, "/api/v1/workspaces/sales", map[string]string{"confirm": "Sales", "password": webtest.Password}, http.StatusUnprocessableEntity, []string{"confirm"}},
			{tok, "/api/v1/workspaces/sales", map[string]string{"confirm": "sales", "password": "wrong"}, http.StatusUnprocessableEntity, []string{"password"}},
			{tok, "/api/v1/organizations/customer", map[string]string{"confirm": "customer"}, http.StatusUnprocessableEntity, []string{"password"}},
			{tok, "/api/v1/workspaces/admin", map[string]string{"confirm": "admin", "password": webtest.Password}, http.StatusForbidden, nil},
			{auditor, "/api/v1/workspaces/sales", map[string]string{"confirm": "sales", "password": webtest.Password}, http.StatusForbidden, nil},
			{auditor, "/api/v1/organizations/customer", map[string]string{"confirm": "customer", "password": webtest.Password}, http.StatusForbidden, nil},
			{tok, "/api/v1/organizations/nope", map[string]string{"confirm": "nope", "password": webtest.Password}, http.StatusNotFound, nil},
		} {
			r := apiDo(t, app, c.token, http.MethodDelete, c.path, "", c.body)
			_, fields := r.apiError(t)
			if r.Status != c.status {
				t.Fatalf("DELETE %s %v: %d %s", c.path, c.body, r.Status, r.Body)
			}
			for _, fl := range c.fields {
				if fields[fl] == "" {
					t.Fatalf("DELETE %s %v: no message for %s in %s", c.path, c.body, fl, r.Body)
				}
			}
		}
		if after := countWorkspacesAndOrgs(t, db); after != before {
			t.Fatalf("a refused deletion deleted: %s → %s", before, after)
		}
		r := apiDo(t, app, tok, http.MethodDelete, "/api/v1/workspaces/sales", "", map[string]string{"confirm": "sales", "password": webtest.Password})
		if r.Status != http.StatusOK || !strings.Contains(r.Body, `"deleted":"sales"`) {
			t.Fatalf("delete workspace: %d %s", r.Status, r.Body)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.Client{}).Where("workspace_id = ?", f.ws.ID)); n != 0 {
			t.Fatalf("%d clients left", n)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.Workspace{}).Where("id = ?", other.ws.ID)); n != 1 {
			t.Fatal("the other tenant's sales went too")
		}
		r = apiDo(t, app, tok, http.MethodDelete, "/api/v1/organizations/customer", "", map[string]string{"confirm": "customer", "password": webtest.Password})
		if r.Status != http.StatusOK || !strings.Contains(r.Body, `"members":1`) {
			t.Fatalf("delete organization: %d %s", r.Status, r.Body)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.Organization{}).Where("name = ?", "customer")); n != 1 {
			t.Fatalf("%d organizations named customer (the other tenant's stays)", n)
		}
		for _, action := range []string{"workspace.deleted", "organization.deleted"} {
			if n := modelstest.Count(t, db.DB.Model(&models.AuditEvent{}).Where("tenant_id = ? AND action = ? AND actor_email LIKE ? AND actor_id IS NULL", f.tenant.ID, action, "api-token #%")); n != 1 {
				t.Fatalf("%d %s events by the token", n, action)
			}
		}
	})
}

func countWorkspacesAndOrgs(t *testing.T, db modelstest.DB) string {
	t.Helper()
	return fmt.Sprint(modelstest.Count(t, db.DB.Model(&models.Workspace{})), modelstest.Count(t, db.DB.Model(&models.Organization{})),
		modelstest.Count(t, db.DB.Model(&models.Client{})), modelstest.Count(t, db.DB.Model(&models.OrganizationMember{})))
}

// apiRouteAllowed is whether a holder of set passes route's guard (its
// permission where the route table checks it), and whether it sees the
// route's workspace.
func apiRouteAllowed(app *webtest.App, set authz.Set, r echo.Route, wsID int64) (allowed, visible bool) {
	perm := app.Web.Routes.Perms[r.Method+" "+r.Path]
	switch {
	case strings.Contains(r.Path, ":workspace"):
		return set.CanIn(perm, wsID), set.CanIn(authz.GetWorkspace, wsID) || len(set.Workspaces()) > 0 && slices.Contains(set.Workspaces(), wsID)
	case strings.Contains(r.Path, "/identity-pools/:pool/users"):
		alt := authz.ReadUsers
		if perm == authz.ManageIdentityPoolUsers {
			alt = authz.ManageUsers
		}
		return set.Can(perm) || set.Can(alt), true
	case r.Path == "/api/v1/workspaces" && r.Method == http.MethodGet:
		return set.CanAnywhere(perm), true
	}
	return set.Can(perm), true
}

// TestAPITokenCustomRoles: a token holds custom roles (tenant and
// workspace ones) under the administrators' rules: for every API route it
// is let through exactly when an administrator holding the same roles is
// (and refused 403/404 otherwise, nothing changed); an edit of a role
// applies to the token at once; nobody gives a token a custom role with a
// permission they do not hold, and a token's custom role grants nothing
// its creator no longer holds.
func TestAPITokenCustomRoles(t *testing.T) {
	t.Parallel()
	db := modelstest.SQLite(t)
	app := webtest.Start(t, db, webtest.Options{Limits: &web.Limits{SignIn: limit.Rate{PerMinute: 6000, Burst: 1000},
		Codes: limit.Rate{PerMinute: 60, Burst: 60}, Invitations: limit.Rate{PerMinute: 60, Burst: 60},
		PasswordReset: limit.Rate{PerMinute: 60, Burst: 60}, SignInInFlight: 8, API: limit.Rate{PerMinute: 60000, Burst: 10000}}})
	f := newAPIFixture(t, app, "acme")
	ctx := webtest.Ctx()
	var ownerID int64
	modelstest.Must(t, db.DB.Model(&models.Administrator{}).Where("tenant_id = ? AND email = ?", f.tenant.ID, "owner@acme.example.com").Select("id").Scan(&ownerID))
	owner, err := app.Store.LoadViewer(ctx, f.tenant, ownerID)
	if err != nil {
		t.Fatal(err)
	}
	act := models.Actor{AdminID: ownerID, Email: "owner@acme.example.com"}
	role := func(name, scope string, perms ...string) string {
		t.Helper()
		c, err := app.Store.CreateCustomRole(ctx, owner, models.CustomRoleInput{Name: name, Scope: scope, Permissions: perms}, act)
		if err != nil {
			t.Fatal(err)
		}
		return c.Key
	}
	reader := role("User Reader", "tenant", "read_users", "read_organizations")
	keeper := role("Client Keeper", "workspace", "get_workspace", "read_clients", "manage_clients", "read_services_in_workspace")
	tok := apiToken(t, app, f.tenant, "sales", reader, keeper)

	// An administrator with the same roles.
	admin := app.AdminWithRoles(f.tenant, "same@acme.example.com", reader)
	app.BindInWorkspace(admin, f.ws, keeper)
	same, err := app.Store.LoadViewer(ctx, f.tenant, admin.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !same.Perms.Can(authz.ReadUsers) || !same.Perms.CanIn(authz.ManageClients, f.ws.ID) || same.Perms.Can(authz.ManageUsers) {
		t.Fatal("the administrator's custom roles do not resolve")
	}
	nAllowed, nRefused := 0, 0
	for _, r := range apiRoutesOf(t, app) {
		allowed, visible := apiRouteAllowed(app, same.Perms, r, f.ws.ID)
		if r.Method == http.MethodDelete && allowed {
			continue // deletions that would go through: in the resource tests
		}
		var body any
		if r.Method != http.MethodGet && r.Method != http.MethodDelete {
			body = []byte(`{}`)
		}
		before := tableCountsAPI(t, db.DB)
		res := apiDo(t, app, tok, r.Method, f.path(r.Path), "", body)
		switch {
		case allowed && (res.Status == http.StatusForbidden || res.Status == http.StatusUnauthorized || res.Status >= 500):
			t.Errorf("%s %s: %d %s, but the administrator with the same roles is allowed", r.Method, r.Path, res.Status, res.Body)
		case !allowed && !visible && res.Status != http.StatusNotFound:
			t.Errorf("%s %s: %d, want 404", r.Method, r.Path, res.Status)
		case !allowed && visible && res.Status != http.StatusForbidden:
			t.Errorf("%s %s: %d %s, but the administrator with the same roles is refused", r.Method, r.Path, res.Status, res.Body)
		}
		if allowed {
			nAllowed++
		} else {
			nRefused++
			if after := tableCountsAPI(t, db.DB); after != before {
				t.Errorf("%s %s: a refused request changed something", r.Method, r.Path)
			}
		}
	}
	if nAllowed < 10 || nRefused < 50 {
		t.Fatalf("%d allowed, %d refused", nAllowed, nRefused)
	}

	// An edit applies to the token at once.
	if r := apiDo(t, app, tok, http.MethodGet, "/api/v1/connections", "", nil); r.Status != http.StatusForbidden {
		t.Fatalf("connections before the edit: %d", r.Status)
	}
	if _, err := app.Store.UpdateCustomRole(ctx, owner, reader, models.CustomRoleInput{Name: "User Reader", Permissions: []string{"read_users", "read_organizations", "read_connections"}}, act); err != nil {
		t.Fatal(err)
	}
	if r := apiDo(t, app, tok, http.MethodGet, "/api/v1/connections", "", nil); r.Status != http.StatusOK {
		t.Fatalf("connections after the edit: %d %s", r.Status, r.Body)
	}

	// No escalation: an administrator who manages tenant roles but holds
	// only read_users gives a token User Reader, not User Manager.
	maker := role("Token Maker", "tenant", "read_tenant_roles", "manage_tenant_roles", "read_users")
	manager := role("User Manager", "tenant", "manage_users", "read_users")
	m := app.AdminWithRoles(f.tenant, "maker@acme.example.com", maker)
	mv, err := app.Store.LoadViewer(ctx, f.tenant, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	mv.SteppedUpAt = app.Store.Now()
	_, _, err = app.Store.CreateAPIToken(ctx, mv, models.APITokenInput{Name: "too much", Roles: []string{manager}, ExpiresInDays: 30}, models.Actor{Email: m.Email})
	var verr *models.ValidationError
	if !errors.As(err, &verr) || verr.Fields["role"] == "" {
		t.Fatalf("escalation through a custom role: %v", err)
	}
	if _, _, err := app.Store.CreateAPIToken(ctx, mv, models.APITokenInput{Name: "x", Roles: []string{"custom:nope"}, ExpiresInDays: 30}, models.Actor{Email: m.Email}); !errors.As(err, &verr) || verr.Fields["role"] == "" {
		t.Fatalf("unknown custom role: %v", err)
	}
	// ... but a role they hold: with it, the token reads users, until the
	// maker no longer holds read_users — then the role grants the token nothing.
	readOnly := role("Only Read Users", "tenant", "read_users")
	_, raw, err := app.Store.CreateAPIToken(ctx, mv, models.APITokenInput{Name: "reader", Roles: []string{readOnly}, ExpiresInDays: 30}, models.Actor{Email: m.Email})
	if err != nil {
		t.Fatal(err)
	}
	if r := apiDo(t, app, raw, http.MethodGet, "/api/v1/users", "", nil); r.Status != http.StatusOK {
		t.Fatalf("maker's token: %d %s", r.Status, r.Body)
	}
	if r := apiDo(t, app, raw, http.MethodPost, "/api/v1/users", "", map[string]string{"email": "x@example.com"}); r.Status != http.StatusForbidden {
		t.Fatalf("maker's token creates users: %d %s", r.Status, r.Body)
	}
	if _, err := app.Store.UpdateCustomRole(ctx, owner, maker, models.CustomRoleInput{Name: "Token Maker", Permissions: []string{"read_tenant_roles", "manage_tenant_roles"}}, act); err != nil {
		t.Fatal(err)
	}
	if r := apiDo(t, app, raw, http.MethodGet, "/api/v1/users", "", nil); r.Status != http.StatusForbidden {
		t.Fatalf("the maker lost read_users, the token still reads users: %d", r.Status)
	}

	// The console's token list names the custom roles; its form offers them.
	c := app.Client()
	c.SignIn("acme", "owner@acme.example.com", webtest.Password)
	page := c.Get("/t/acme/settings/api-tokens")
	d := doc(t, page.Body)
	for _, k := range []string{reader, keeper} {
		if d.Find(`input[name="role"][value="`+k+`"]`).Length() != 1 {
			t.Errorf("the form offers no %s", k)
		}
	}
	if d.Find(`input[name="role"][value="organization_admin"]`).Length() != 0 {
		t.Error("the form offers Organization Admin, which needs an organization")
	}
	if !strings.Contains(d.Find("table").Text(), "User Reader") || !strings.Contains(d.Find("table").Text(), "Client Keeper") {
		t.Errorf("the list does not name the custom roles")
	}
}
