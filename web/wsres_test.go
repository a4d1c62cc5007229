package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/webtest"

	"github.com/PuerkitoBio/goquery"

	"gorm.io/gorm"
)

// wsResRoute reports whether a route is one of the workspace resources'
// (covered by TestWorkspaceResourceRoutesByRole).
func wsResRoute(key string) bool {
	if !strings.Contains(key, " /t/:tenant/") { // the API's twins: in the API's walk tests
		return false
	}
	for _, p := range []string{"/services", "/clients", "/policies", "/authorizers", "/claims", "/custom-apps"} {
		if strings.Contains(key, "/workspaces/:workspace"+p) {
			return true
		}
	}
	return false
}

// wsResCounts snapshots what a workspace resource request could touch.
func wsResCounts(t *testing.T, db *gorm.DB) string {
	t.Helper()
	var parts []string
	for _, table := range []string{"services", "service_scopes", "service_apis", "clients", "policies", "authorizers", "claims", "custom_apps", "audit_events"} {
		var n int64
		if err := db.Table(table).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		parts = append(parts, fmt.Sprintf("%s=%d", table, n))
	}
	var versions []int64
	for _, table := range []string{"clients", "service_apis", "authorizers", "custom_apps"} {
		versions = nil
		modelstest.Must(t, db.Table(table).Order("id").Pluck("version", &versions))
		parts = append(parts, table+fmt.Sprint(versions))
	}
	var secrets []string
	for _, table := range []string{"authorizers", "custom_apps"} {
		secrets = nil
		modelstest.Must(t, db.Table(table).Order("id").Pluck("secret_hash", &secrets))
		parts = append(parts, strings.Join(secrets, ","))
	}
	return strings.Join(parts, " ")
}

// wsResFixture is what alpha holds for the role × route table.
type wsResFixture struct {
	service, client, policy          string
	scope, api, extraScope, extraAPI string
	authorizer, claim, app           string
}

func newWSResFixture(t *testing.T, app *webtest.App, tn models.Tenant, ws models.Workspace) wsResFixture {
	t.Helper()
	ctx := context.Background()
	owner := app.AdminWithRoles(tn, "fixture.owner."+ws.Slug+"@example.com", "tenant_admin")
	v, err := app.Store.LoadViewer(ctx, tn, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	act := models.Actor{AdminID: owner.ID, Email: owner.Email}
	sv, err := app.Store.CreateService(ctx, v, ws.ID, models.ServiceInput{Name: "Accounts", Audience: "https://api.example.com/accounts"}, act)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := app.Store.AddServiceScope(ctx, v, ws.ID, sv.ID, models.ScopeInput{Scope: "read:accounts"}, act)
	if err != nil {
		t.Fatal(err)
	}
	extra, err := app.Store.AddServiceScope(ctx, v, ws.ID, sv.ID, models.ScopeInput{Scope: "spare"}, act)
	if err != nil {
		t.Fatal(err)
	}
	api, err := app.Store.AddServiceAPI(ctx, v, ws.ID, sv.ID, models.APIInput{Method: "GET", Path: "/accounts", Scopes: []string{"read:accounts"}}, act)
	if err != nil {
		t.Fatal(err)
	}
	extraAPI, err := app.Store.AddServiceAPI(ctx, v, ws.ID, sv.ID, models.APIInput{Method: "DELETE", Path: "/accounts/{id}"}, act)
	if err != nil {
		t.Fatal(err)
	}
	cl, _, err := app.Store.CreateClient(ctx, v, ws.ID, models.ClientInput{Name: "Batch", Type: "service", TokenEndpointAuthMethod: "client_secret_basic", GrantTypes: []string{"client_credentials"}}, act)
	if err != nil {
		t.Fatal(err)
	}
	p, err := app.Store.CreatePolicy(ctx, v, ws.ID, models.PolicyInput{Name: "Admins", Definition: "'admin' in user.roles"}, act)
	if err != nil {
		t.Fatal(err)
	}
	az, _, err := app.Store.CreateAuthorizer(ctx, v, ws.ID, models.AuthorizerInput{Name: "Edge", Type: "kong", ServiceIDs: []int64{sv.ID}}, act)
	if err != nil {
		t.Fatal(err)
	}
	claim, err := app.Store.CreateClaim(ctx, v, ws.ID, models.ClaimInput{Name: "tier", SourceType: "static", Source: "gold", Token: "id"}, act)
	if err != nil {
		t.Fatal(err)
	}
	ca, _, err := app.Store.CreateCustomApp(ctx, v, ws.ID, models.CustomAppInput{Name: "Login", Type: "login", URL: "https://login.example.com"}, act)
	if err != nil {
		t.Fatal(err)
	}
	ann, err := app.Store.UserByEmail(ctx, tn.ID, "ann@example.com")
	if err != nil {
		if ann, err = app.Store.CreateUser(ctx, tn.ID, models.CreateUserInput{Email: "ann@example.com"}, act); err != nil {
			t.Fatal(err)
		}
	}
	// The workspace signs in the Users pool (ann's): its viewers preview her claims.
	modelstest.LinkPoolToWorkspace(t, app.DB.DB, tn.ID, ws.ID, ann.PoolID, true)
	id := func(n int64) string { return fmt.Sprint(n) }
	return wsResFixture{service: id(sv.ID), client: id(cl.ID), policy: id(p.ID), scope: id(sc.ID), api: id(api.ID), extraScope: id(extra.ID), extraAPI: id(extraAPI.ID),
		authorizer: id(az.ID), claim: id(claim.ID), app: id(ca.ID)}
}

const wsResDoc = `openapi: 3.0.3
info: {title: Accounts, version: "1"}
paths:
  /health:
    get:
      responses: {"200": {description: ok}}
`

// TestWorkspaceResourceRoutesByRole is the role × route table of the
// workspace resources: Tenant Admin and the Workspace Admin of the
// workspace change them; Tenant Auditor and Workspace Auditor read them;
// the Workspace Admin of another workspace, a Tenant Member and an editor
// get 404 (they cannot see the workspace); refused requests change nothing.
func TestWorkspaceResourceRoutesByRole(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		covered := map[string]bool{}
		viewers := append(wsViewers[:len(wsViewers):len(wsViewers)], struct {
			name        string
			tenantRoles []string
			wsRole      string
			inBeta      bool
		}{"editor_users", []string{"editor_users"}, "", false})
		for i, vw := range viewers {
			slug := fmt.Sprintf("r%d", i)
			f := newWSFixture(t, app, slug)
			x := newWSResFixture(t, app, f.tn, f.alpha)
			email := strings.ReplaceAll(vw.name, "_", ".") + "@example.com"
			var viewer *webtest.Client
			if vw.wsRole == "" {
				viewer, _ = app.SignedInAs(f.tn, email, vw.tenantRoles...)
			} else {
				ws := f.alpha
				if vw.inBeta {
					ws = f.beta
				}
				viewer, _ = app.SignedInWithWorkspaceRole(f.tn, email, ws, vw.wsRole, vw.tenantRoles...)
			}
			base := "/t/" + slug
			one := base + "/workspaces/alpha"
			see := vw.name == "tenant_admin" || vw.name == "tenant_auditor" || vw.name == "workspace_admin" || vw.name == "workspace_auditor"
			manage := vw.name == "tenant_admin" || vw.name == "workspace_admin"
			svc, cl, pol := one+"/services/"+x.service, one+"/clients/"+x.client, one+"/policies/"+x.policy
			az, clm, ca := one+"/authorizers/"+x.authorizer, one+"/claims/"+x.claim, one+"/custom-apps/"+x.app
			for _, rt := range []struct {
				method, route, path string
				vals                url.Values
				allowed             bool
				okStatus            int
			}{
				{"GET", "/services", one + "/services", nil, see, 200},
				{"GET", "/services/new", one + "/services/new", nil, manage, 200},
				{"GET", "/services/:service", svc, nil, see, 200},
				{"GET", "/services/:service/delete", svc + "/delete", nil, manage, 200},
				{"GET", "/clients", one + "/clients", nil, see, 200},
				{"GET", "/clients/new", one + "/clients/new", nil, manage, 200},
				{"GET", "/clients/:client", cl, nil, see, 200},
				{"GET", "/clients/:client/delete", cl + "/delete", nil, manage, 200},
				{"GET", "/policies", one + "/policies", nil, see, 200},
				{"GET", "/policies/new", one + "/policies/new", nil, manage, 200},
				{"GET", "/policies/:policy", pol, nil, see, 200},
				{"GET", "/policies/:policy/delete", pol + "/delete", nil, manage, 200},
				{"POST", "/policies/:policy/test", pol + "/test", url.Values{"input": {`{"user": {"roles": ["admin"]}}`}}, see, 200},
				{"GET", "/authorizers", one + "/authorizers", nil, see, 200},
				{"GET", "/authorizers/new", one + "/authorizers/new", nil, manage, 200},
				{"GET", "/authorizers/:authorizer", az, nil, see, 200},
				{"GET", "/authorizers/:authorizer/delete", az + "/delete", nil, manage, 200},
				{"GET", "/claims", one + "/claims", nil, see, 200},
				{"GET", "/claims/new", one + "/claims/new", nil, manage, 200},
				{"GET", "/claims/:claim", clm, nil, see, 200},
				{"GET", "/claims/:claim/delete", clm + "/delete", nil, manage, 200},
				{"GET", "/claims/preview", one + "/claims/preview", nil, see, 200},
				{"POST", "/claims/preview", one + "/claims/preview", url.Values{"user": {"ann@example.com"}}, see, 200},
				{"GET", "/custom-apps", one + "/custom-apps", nil, see, 200},
				{"GET", "/custom-apps/new", one + "/custom-apps/new", nil, manage, 200},
				{"GET", "/custom-apps/:app", ca, nil, see, 200},
				{"GET", "/custom-apps/:app/delete", ca + "/delete", nil, manage, 200},
				{"POST", "/authorizers/new", one + "/authorizers/new", url.Values{"name": {"Mesh"}, "type": {"istio"}}, manage, 201},
				{"POST", "/authorizers", one + "/authorizers", url.Values{"name": {"Gateway"}, "type": {"aws_api_gateway"}}, manage, 201},
				{"POST", "/authorizers/:authorizer", az, url.Values{"name": {"Edge 2"}, "type": {"kong"}, "version": {"1"}}, manage, 303},
				{"POST", "/authorizers/:authorizer/rotate", az + "/rotate", nil, manage, 200},
				{"POST", "/authorizers/:authorizer/delete", az + "/delete", nil, manage, 303},
				{"POST", "/claims/new", one + "/claims/new", url.Values{"name": {"email"}, "source_type": {"user_attribute"}, "source": {"email"}, "token": {"id"}}, manage, 303},
				{"POST", "/claims", one + "/claims", url.Values{"name": {"plan"}, "source_type": {"metadata"}, "source": {"plan"}, "token": {"access"}}, manage, 303},
				{"POST", "/claims/:claim", clm, url.Values{"name": {"tier"}, "source_type": {"static"}, "source": {"silver"}, "token": {"id"}, "version": {"1"}}, manage, 303},
				{"POST", "/claims/:claim/delete", clm + "/delete", nil, manage, 303},
				{"POST", "/custom-apps/new", one + "/custom-apps/new", url.Values{"name": {"Consent"}, "type": {"consent"}, "url": {"https://consent.example.com"}}, manage, 201},
				{"POST", "/custom-apps", one + "/custom-apps", url.Values{"name": {"After"}, "type": {"post_authentication"}, "url": {"https://after.example.com"}}, manage, 201},
				{"POST", "/custom-apps/:app", ca, url.Values{"name": {"Login"}, "type": {"login"}, "url": {"https://login2.example.com"}, "version": {"1"}}, manage, 303},
				{"POST", "/custom-apps/:app/rotate", ca + "/rotate", nil, manage, 200},
				{"POST", "/custom-apps/:app/delete", ca + "/delete", nil, manage, 303},
				{"POST", "/services/new", one + "/services/new", url.Values{"name": {"Billing"}, "audience": {"urn:billing"}}, manage, 303},
				{"POST", "/services", one + "/services", url.Values{"name": {"Ledger"}, "audience": {"urn:ledger"}}, manage, 303},
				{"POST", "/services/:service", svc, url.Values{"name": {"Accounts API"}, "audience": {"https://api.example.com/accounts"}, "version": {"1"}}, manage, 303},
				{"POST", "/services/:service/scopes", svc + "/scopes", url.Values{"scope": {"write:accounts"}}, manage, 303},
				{"POST", "/services/:service/scopes/:scope/delete", svc + "/scopes/" + x.extraScope + "/delete", nil, manage, 303},
				{"POST", "/services/:service/apis", svc + "/apis", url.Values{"method": {"POST"}, "path": {"/accounts"}}, manage, 303},
				{"GET", "/services/:service/apis/:api", svc + "/apis/" + x.api, nil, see, 200},
				{"POST", "/services/:service/apis/:api", svc + "/apis/" + x.api, url.Values{"method": {"GET"}, "path": {"/accounts/{id}"}, "scopes": {"read:accounts"}, "version": {"1"}}, manage, 303},
				{"POST", "/services/:service/apis/:api/delete", svc + "/apis/" + x.extraAPI + "/delete", nil, manage, 303},
				{"POST", "/services/:service/import", svc + "/import", url.Values{"openapi": {wsResDoc}}, manage, 303},
				{"POST", "/clients/new", one + "/clients/new", url.Values{"name": {"SPA"}, "type": {"spa"}, "token_endpoint_auth_method": {"none"}, "grant_types": {"authorization_code"}, "redirect_uris": {"https://app.example.com/cb"}}, manage, 303},
				{"POST", "/clients", one + "/clients", url.Values{"name": {"Jobs"}, "type": {"service"}, "token_endpoint_auth_method": {"client_secret_post"}, "grant_types": {"client_credentials"}}, manage, 201},
				{"POST", "/clients/:client", cl, url.Values{"name": {"Batch jobs"}, "token_endpoint_auth_method": {"client_secret_basic"}, "grant_types": {"client_credentials"}, "version": {"1"}}, manage, 303},
				{"POST", "/clients/:client/rotate", cl + "/rotate", url.Values{"grace_hours": {"24"}}, manage, 200},
				{"POST", "/policies/new", one + "/policies/new", url.Values{"name": {"Always"}, "definition": {"true"}}, manage, 303},
				{"POST", "/policies", one + "/policies", url.Values{"name": {"Never"}, "definition": {"false"}}, manage, 303},
				{"POST", "/policies/:policy", pol, url.Values{"name": {"Admins"}, "definition": {"'root' in user.roles"}, "version": {"1"}}, manage, 303},
				{"POST", "/policies/:policy/delete", pol + "/delete", nil, manage, 303},
				{"POST", "/clients/:client/delete", cl + "/delete", nil, manage, 303},
				{"POST", "/services/:service/delete", svc + "/delete", nil, manage, 303},
			} {
				covered[rt.method+" /t/:tenant/workspaces/:workspace"+rt.route] = true
				before := wsResCounts(t, db.DB)
				var r *webtest.Response
				if rt.method == "GET" {
					r = viewer.Get(rt.path)
				} else {
					r = viewer.Submit(base+"/", rt.path, rt.vals)
				}
				want := rt.okStatus
				switch {
				case rt.allowed:
				case !see:
					want = http.StatusNotFound
				default:
					want = http.StatusForbidden
				}
				if r.Status != want {
					t.Errorf("%s: %s %s = %d, want %d", vw.name, rt.method, rt.path, r.Status, want)
				}
				if !rt.allowed {
					if after := wsResCounts(t, db.DB); after != before {
						t.Errorf("%s: refused %s %s changed something: %s → %s", vw.name, rt.method, rt.path, before, after)
					}
					page := map[int]string{http.StatusForbidden: "Access denied", http.StatusNotFound: "Page not found"}[want]
					if !strings.Contains(r.Body, page) || !strings.Contains(r.Body, `class="sidebar"`) {
						t.Errorf("%s: the %d page for %s is not in the layout", vw.name, want, rt.path)
					}
				}
			}
		}
		for key := range app.Web.Routes.Perms {
			if wsResRoute(key) && !covered[key] {
				t.Errorf("workspace resource route %s is not in the role × route table", key)
			}
		}
	})
}

func wsresDoc(t *testing.T, r *webtest.Response) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestWorkspaceResourceFormsKeepInputAndRefuseStaleSaves: bad input comes
// back with a message beside its field and the typed values kept, nothing
// saved; a save based on an old version is refused (409) with the values
// now saved; a bad OpenAPI document is refused with the parser's message
// and nothing imported; a policy's compile error names its line.
func TestWorkspaceResourceFormsKeepInputAndRefuseStaleSaves(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		f := newWSFixture(t, app, "acme")
		x := newWSResFixture(t, app, f.tn, f.alpha)
		admin, _ := app.SignedInWithWorkspaceRole(f.tn, "wsadmin@example.com", f.alpha, "workspace_admin")
		one := "/t/acme/workspaces/alpha"

		before := wsResCounts(t, db.DB)
		r := admin.Submit(one+"/clients/new", one+"/clients/new", url.Values{"name": {"My SPA"}, "type": {"spa"}, "token_endpoint_auth_method": {"client_secret_basic"},
			"grant_types": {"authorization_code"}, "redirect_uris": {"http://app.example.com/cb"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad client: %d", r.Status)
		}
		d := wsresDoc(t, r)
		if e := d.Find("#e-token_endpoint_auth_method").Text(); !strings.Contains(e, "must use none") {
			t.Errorf("auth method message %q", e)
		}
		if e := d.Find("#e-redirect_uris").Text(); !strings.Contains(e, "https") {
			t.Errorf("redirect URI message %q", e)
		}
		if v, _ := d.Find("#f-name").Attr("value"); v != "My SPA" {
			t.Errorf("typed name lost: %q", v)
		}
		if v := d.Find("#f-redirect_uris").Text(); v != "http://app.example.com/cb" {
			t.Errorf("typed redirect URIs lost: %q", v)
		}
		if sel, _ := d.Find("#f-type option[selected]").Attr("value"); sel != "spa" {
			t.Errorf("typed type lost: %q", sel)
		}
		if after := wsResCounts(t, db.DB); after != before {
			t.Fatalf("a refused client changed something: %s → %s", before, after)
		}

		// Stale version.
		svc := one + "/services/" + x.service
		if r := admin.Submit(svc, svc, url.Values{"name": {"First"}, "audience": {"https://api.example.com/accounts"}, "version": {"1"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("first save: %d", r.Status)
		}
		r = admin.Submit(svc, svc, url.Values{"name": {"Second"}, "audience": {"https://api.example.com/accounts"}, "version": {"1"}})
		if r.Status != http.StatusConflict || !strings.Contains(r.Body, "Someone else changed this") {
			t.Fatalf("stale save: %d", r.Status)
		}
		if v, _ := wsresDoc(t, r).Find("#settings #f-name").Attr("value"); v != "First" {
			t.Errorf("the conflict page shows %q, not the saved name", v)
		}
		if got := modelstest.Pluck[string](t, db.DB.Table("services").Where("id = ?", x.service), "name"); got[0] != "First" {
			t.Fatalf("name %q", got)
		}

		// A bad document: nothing imported.
		before = wsResCounts(t, db.DB)
		r = admin.Submit(svc, svc+"/import", url.Values{"openapi": {"openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200': {$ref: 'https://evil.example.com/x.yaml'}\n"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad document: %d", r.Status)
		}
		if e := wsresDoc(t, r).Find("#e-openapi").Text(); !strings.Contains(e, "evil.example.com") || !strings.Contains(e, "nothing is fetched") {
			t.Errorf("external ref message %q", e)
		}
		if after := wsResCounts(t, db.DB); after != before {
			t.Fatalf("a bad document imported something: %s → %s", before, after)
		}

		// A policy's error beside the definition, with its line.
		r = admin.Submit(one+"/policies/new", one+"/policies/new", url.Values{"name": {"P"}, "definition": {"true &&\nfoo"}})
		if e := wsresDoc(t, r).Find("#e-definition").Text(); r.Status != http.StatusUnprocessableEntity || !strings.Contains(e, "Line 2, column 1") {
			t.Errorf("policy error %d %q", r.Status, e)
		}

		// Claims preview for a user.
		r = admin.Submit(one+"/claims/preview", one+"/claims/preview", url.Values{"user": {"ann@example.com"}})
		if res := wsresDoc(t, r).Find("#result").Text(); !strings.Contains(res, "tier = gold") {
			t.Errorf("preview %q", res)
		}
	})
}
