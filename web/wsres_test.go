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

	"gorm.io/gorm"
)

// wsResRoute reports whether a route is one of the workspace resources'
// (covered by TestWorkspaceResourceRoutesByRole).
func wsResRoute(key string) bool {
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
	modelstest.Must(t, db.Table("clients").Order("id").Pluck("version", &versions))
	parts = append(parts, fmt.Sprint(versions))
	return strings.Join(parts, " ")
}

// wsResFixture is what alpha holds for the role × route table.
type wsResFixture struct {
	service, client, policy          string
	scope, api, extraScope, extraAPI string
}

func newWSResFixture(t *testing.T, app *webtest.App, tn models.Tenant, ws models.Workspace) wsResFixture {
	t.Helper()
	ctx := context.Background()
	owner := app.AdminWithRoles(tn, "fixture.owner@example.com", "tenant_admin")
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
	id := func(n int64) string { return fmt.Sprint(n) }
	return wsResFixture{service: id(sv.ID), client: id(cl.ID), policy: id(p.ID), scope: id(sc.ID), api: id(api.ID), extraScope: id(extra.ID), extraAPI: id(extraAPI.ID)}
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
				{"POST", "/services/new", one + "/services/new", url.Values{"name": {"Billing"}, "audience": {"urn:billing"}}, manage, 303},
				{"POST", "/services", one + "/services", url.Values{"name": {"Ledger"}, "audience": {"urn:ledger"}}, manage, 303},
				{"POST", "/services/:service", svc, url.Values{"name": {"Accounts API"}, "audience": {"https://api.example.com/accounts"}, "version": {"1"}}, manage, 303},
				{"POST", "/services/:service/scopes", svc + "/scopes", url.Values{"scope": {"write:accounts"}}, manage, 303},
				{"POST", "/services/:service/scopes/:scope/delete", svc + "/scopes/" + x.extraScope + "/delete", nil, manage, 303},
				{"POST", "/services/:service/apis", svc + "/apis", url.Values{"method": {"POST"}, "path": {"/accounts"}}, manage, 303},
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
