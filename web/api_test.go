package web_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/models/modelstest"
	"gatehouse/web"
	"gatehouse/web/limit"
	"gatehouse/web/webtest"

	"github.com/labstack/echo/v4"
	"gorm.io/gorm"
)

// apiRoutesOf lists the management API's routes (but the open OpenAPI
// document) with their declared permissions; the test fails for one
// without.
func apiRoutesOf(t *testing.T, app *webtest.App) []echo.Route {
	t.Helper()
	var out []echo.Route
	for _, r := range app.Web.Echo.Routes() {
		if !strings.HasPrefix(r.Path, "/api/v1") || r.Method == echo.RouteNotFound || r.Path == "/api/v1/openapi.json" {
			continue
		}
		if _, ok := app.Web.Routes.Perms[r.Method+" "+r.Path]; !ok {
			t.Errorf("API route %s %s declares no permission", r.Method, r.Path)
		}
		out = append(out, *r)
	}
	if len(out) < 40 {
		t.Fatalf("found %d API routes", len(out))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path+out[i].Method < out[j].Path+out[j].Method })
	return out
}

// apiFixture is a tenant with one of everything the API's paths name.
type apiFixture struct {
	tenant                    models.Tenant
	ws                        models.Workspace
	adminID, bindingID        int64
	userID, roleID, connID    int64
	org                       string
	invitationID, wsBindingID int64
	res                       wsResFixture // sales's application resources
	ws14a                     ws14aFixture // sales's secret, script and webhook
	idp, theme, system, tuple int64        // an OIDC IDP of sales, a theme, a permission system with a tuple
}

func newAPIFixture(t *testing.T, app *webtest.App, slug string) apiFixture {
	t.Helper()
	_, tn, _ := app.Owner(slug, "owner@"+slug+".example.com")
	f := apiFixture{tenant: tn, ws: app.Workspace(tn, "sales", "Sales"), org: "customer"}
	o := app.Organization(tn, f.org, "Customer")
	u := app.OrgUser(tn, "user@"+slug+".example.com", "U", "Ser")
	f.userID = u.ID
	f.roleID = app.OrgRole(tn, "reader", "Reads").ID
	f.connID = app.OrgConnection(tn, "corp-db", "auth0", "Corp").ID
	a := app.AdminWithRoles(tn, "aud@"+slug+".example.com", "tenant_auditor")
	f.adminID = a.ID
	modelstest.Must(t, app.DB.DB.Model(&models.RoleBinding{}).Where("administrator_id = ?", a.ID).Select("id").Scan(&f.bindingID))
	app.BindInWorkspace(a, f.ws, "workspace_auditor")
	modelstest.Must(t, app.DB.DB.Model(&models.RoleBinding{}).Where("administrator_id = ? AND workspace_id IS NOT NULL", a.ID).Select("id").Scan(&f.wsBindingID))
	ctx := context.Background()
	if _, err := app.Store.AddOrganizationMember(ctx, tn.ID, o.ID, u.Email, models.Actor{}); err != nil {
		t.Fatal(err)
	}
	v := models.Viewer{Tenant: tn, Perms: authz.NewSet([]authz.Grant{{Role: authz.TenantAdmin}})}
	inv, _, err := app.Store.CreateOrganizationInvitation(ctx, v, o.ID, models.OrgInviteInput{Email: "invitee@" + slug + ".example.com"}, models.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	f.invitationID = inv.ID
	f.res = newWSResFixture(t, app, tn, f.ws)
	f.ws14a = newAPIWS14aFixture(t, app, tn, f.ws)
	f.idp, f.theme, f.system, f.tuple = newIDPThemePermFixture(t, app, tn, f.ws)
	return f
}

// newIDPThemePermFixture makes an OIDC identity provider (with a client
// secret) in ws, a theme, and a permission system with one tuple.
func newIDPThemePermFixture(t *testing.T, app *webtest.App, tn models.Tenant, ws models.Workspace) (idp, theme, system, tuple int64) {
	t.Helper()
	ctx := context.Background()
	v := models.Viewer{Tenant: tn, Perms: authz.NewSet([]authz.Grant{{Role: authz.TenantAdmin}})}
	act := models.Actor{Email: "fixture"}
	p, err := app.Store.CreateIDP(ctx, v, ws.ID, models.IDPInput{Name: "Corp SSO " + ws.Slug, Method: models.IDPOIDC, IssuerURL: "https://login.example.com",
		ClientID: "corp", ClientSecret: "fixture-secret-" + ws.Slug, Enabled: true}, act)
	if err != nil {
		t.Fatal(err)
	}
	th, err := app.Store.CreateTheme(ctx, v, models.ThemeInput{Name: "Brand " + ws.Slug, PrimaryColor: "#2451c6", BackgroundColor: "#f4f6f9", Font: "System"}, act)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := app.Store.CreatePermissionSystem(ctx, v, models.PermissionSystemInput{Name: "Docs " + ws.Slug, Model: models.PermissionSystemModelExample}, act)
	if err != nil {
		t.Fatal(err)
	}
	tp, err := app.Store.AddPermissionTuple(ctx, v, ps.ID, models.TupleInput{Object: "document:plan", Relation: "viewer", Subject: "user:ann"}, act)
	if err != nil {
		t.Fatal(err)
	}
	return p.ID, th.ID, ps.ID, tp.ID
}

// path fills a route's parameters with the fixture's objects.
func (f apiFixture) path(route string) string {
	r := strings.NewReplacer(":pool", "users", ":workspace", f.ws.Slug, ":org", f.org, ":invitation", fmt.Sprint(f.invitationID),
		":connection", fmt.Sprint(f.connID), ":binding", "BINDING", ":user", fmt.Sprint(f.userID), ":role", fmt.Sprint(f.roleID),
		":service", f.res.service, ":client", f.res.client, ":policy", f.res.policy, ":authorizer", f.res.authorizer, ":claim", f.res.claim,
		":app", f.res.app, ":scope", f.res.extraScope, ":api", f.res.extraAPI,
		":secret", f.ws14a.secret, ":script", f.ws14a.script, ":webhook", f.ws14a.webhook,
		":idp", fmt.Sprint(f.idp), ":theme", fmt.Sprint(f.theme), ":system", fmt.Sprint(f.system), ":tuple", fmt.Sprint(f.tuple))
	p := r.Replace(route)
	switch {
	case strings.HasPrefix(route, "/api/v1/administrators/"):
		p = strings.Replace(p, ":id", fmt.Sprint(f.adminID), 1)
		p = strings.Replace(p, "BINDING", fmt.Sprint(f.bindingID), 1)
	case strings.HasPrefix(route, "/api/v1/workspaces/"):
		p = strings.Replace(p, "BINDING", fmt.Sprint(f.wsBindingID), 1)
	case strings.HasPrefix(route, "/api/v1/users/"), strings.HasPrefix(route, "/api/v1/identity-pools/"):
		p = strings.Replace(p, ":id", fmt.Sprint(f.userID), 1)
	case strings.HasPrefix(route, "/api/v1/roles/"):
		p = strings.Replace(p, ":id", fmt.Sprint(f.roleID), 1)
	case strings.HasPrefix(route, "/api/v1/connections/"):
		p = strings.Replace(p, ":id", fmt.Sprint(f.connID), 1)
	}
	return p
}

// TestAPIEveryRouteAllowedAndRefusedPerRole: for every API route and every
// role, a token holding only that role is let through (whatever the
// request then answers: 2xx, 404, 422...) exactly when an administrator
// with that role would be, and refused 403 with the JSON error otherwise
// (404 for a workspace it cannot see). Refused requests change nothing.
// Mutations are sent with an empty body, so allowed ones change nothing
// either (422) — except deletions, which run last, once per role.
func TestAPIEveryRouteAllowedAndRefusedPerRole(t *testing.T) {
	t.Parallel()
	db := modelstest.SQLite(t)
	app := webtest.Start(t, db, webtest.Options{Limits: &web.Limits{SignIn: limit.Rate{PerMinute: 6000, Burst: 1000},
		Codes: limit.Rate{PerMinute: 60, Burst: 60}, Invitations: limit.Rate{PerMinute: 60, Burst: 60},
		PasswordReset: limit.Rate{PerMinute: 60, Burst: 60}, SignInInFlight: 8, API: limit.Rate{PerMinute: 60000, Burst: 10000}}})
	f := newAPIFixture(t, app, "acme")
	routes := apiRoutesOf(t, app)
	type holder struct {
		name  string
		token string
		set   authz.Set
	}
	var holders []holder
	for _, r := range authz.TenantRoles() {
		holders = append(holders, holder{string(r.Key), apiToken(t, app, f.tenant, "", string(r.Key)), authz.NewSet([]authz.Grant{{Role: r.Key}})})
	}
	for _, r := range authz.WorkspaceRoles() {
		holders = append(holders, holder{string(r.Key) + "@sales", apiToken(t, app, f.tenant, "sales", string(r.Key)),
			authz.NewSet([]authz.Grant{{Role: r.Key, WorkspaceID: f.ws.ID}})})
	}
	counts := func() string { return tableCountsAPI(t, db.DB) }
	nAllowed, nRefused := 0, 0
	for _, hd := range holders {
		for _, r := range routes {
			if r.Method == http.MethodDelete {
				continue
			}
			perm := app.Web.Routes.Perms[r.Method+" "+r.Path]
			inWorkspace := strings.Contains(r.Path, ":workspace")
			var allowed, visible bool
			switch {
			case inWorkspace:
				allowed, visible = hd.set.CanIn(perm, f.ws.ID), hd.set.CanIn(authz.GetWorkspace, f.ws.ID)
			case strings.Contains(r.Path, "/identity-pools/:pool/users"): // the Users pool: Read / Manage Users stand in
				alt := authz.ReadUsers
				if perm == authz.ManageIdentityPoolUsers {
					alt = authz.ManageUsers
				}
				allowed, visible = hd.set.Can(perm) || hd.set.Can(alt), true
			case r.Path == "/api/v1/workspaces" && r.Method == http.MethodGet:
				allowed, visible = hd.set.CanAnywhere(perm), true
			default:
				allowed, visible = hd.set.Can(perm), true
			}
			var body any
			if r.Method != http.MethodGet {
				body = []byte(`{}`)
			}
			before := counts()
			res := apiDo(t, app, hd.token, r.Method, f.path(r.Path), "", body)
			if allowed {
				nAllowed++
			} else {
				nRefused++
			}
			switch {
			case allowed && (res.Status == http.StatusForbidden || res.Status == http.StatusUnauthorized || res.Status >= 500):
				t.Errorf("%s %s %s: %d %s, want allowed", hd.name, r.Method, r.Path, res.Status, res.Body)
			case !allowed && !visible && res.Status != http.StatusNotFound:
				t.Errorf("%s %s %s: %d, want 404 (workspace not visible)", hd.name, r.Method, r.Path, res.Status)
			case !allowed && visible && res.Status != http.StatusForbidden:
				t.Errorf("%s %s %s: %d %s, want 403", hd.name, r.Method, r.Path, res.Status, res.Body)
			}
			if res.Status >= 400 {
				if code, _ := res.apiError(t); res.Status == http.StatusForbidden && code != "forbidden" {
					t.Errorf("%s %s: code %q", r.Method, r.Path, code)
				}
			}
			if !allowed && counts() != before {
				t.Errorf("%s %s %s: a refused request changed something", hd.name, r.Method, r.Path)
			}
		}
	}
	if nAllowed < 50 || nRefused < 100 {
		t.Fatalf("%d allowed and %d refused requests checked", nAllowed, nRefused)
	}
	// Deletions: refused ones change nothing (the allowed ones are in the
	// resource tests).
	for _, hd := range holders {
		for _, r := range routes {
			perm := app.Web.Routes.Perms[r.Method+" "+r.Path]
			if r.Method != http.MethodDelete || hd.set.CanIn(perm, f.ws.ID) {
				continue
			}
			before := counts()
			res := apiDo(t, app, hd.token, r.Method, f.path(r.Path), "", nil)
			if res.Status != http.StatusForbidden && res.Status != http.StatusNotFound {
				t.Errorf("%s DELETE %s: %d, want 403", hd.name, r.Path, res.Status)
			}
			if counts() != before {
				t.Errorf("%s DELETE %s: a refused request changed something", hd.name, r.Path)
			}
		}
	}
}

// tableCountsAPI sums up the tables the API changes (and the organizations'
// versions), to prove a request changed nothing.
func tableCountsAPI(t *testing.T, db *gorm.DB) string {
	t.Helper()
	var parts []string
	for _, table := range []string{"organizations", "organization_members", "organization_member_roles", "organization_invitations",
		"organization_connections", "users", "connections", "end_user_roles", "workspaces", "role_bindings", "administrators", "audit_events", "api_tokens",
		"idps", "themes", "workspace_theme_bindings", "permission_systems", "permission_tuples"} {
		parts = append(parts, fmt.Sprint(modelstest.Count(t, db.Table(table))))
	}
	var versions int64
	modelstest.Must(t, db.Model(&models.Organization{}).Select("COALESCE(SUM(version), 0)").Scan(&versions))
	var statuses []string
	modelstest.Must(t, db.Model(&models.Administrator{}).Order("id").Pluck("status", &statuses))
	return strings.Join(parts, "/") + fmt.Sprint(versions, statuses) + " " + wsResCounts(t, db) + " " + ws14aCounts(t, db)
}
