package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/models/modelstest"
	"gatehouse/web/webtest"
)

const rolesURL = "/t/acme/settings/roles"

func TestCustomRolesScreen(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, tn, owner := app.Owner("acme", "owner@example.com")
		// The list: built-in roles and the catalog as the matrix.
		r := c.Get(rolesURL)
		if r.Status != http.StatusOK {
			t.Fatalf("roles: %d", r.Status)
		}
		doc := page(t, r)
		if n := doc.Find(`[data-testid="role-matrix"] tbody tr`).Length(); n != len(authz.Catalog()) {
			t.Errorf("matrix has %d rows", n)
		}
		col := doc.Find(`[data-testid="role-matrix"] thead th[data-role="workspace_admin"]`).Index() - 1 // the first th names the permission
		cells := doc.Find(`[data-testid="role-matrix"] tr[data-permission="manage_clients"] td`)
		if got := strings.TrimSpace(cells.Eq(col).Text()); col < 0 || got != "✓" {
			t.Errorf("Workspace Admin × Manage Clients = %q", got)
		}
		oa := doc.Find(`[data-testid="role-matrix"] thead th[data-role="organization_admin"]`).Index() - 1
		if got := strings.TrimSpace(cells.Eq(oa).Text()); oa < 0 || got == "✓" {
			t.Errorf("Organization Admin × Manage Clients = %q", got)
		}
		if doc.Find(`a[href="/t/acme/settings/roles/new"]`).Length() != 1 {
			t.Error("no Create New")
		}
		// Create New: the matrix with checkboxes; bad input keeps what was typed.
		r = c.Get(rolesURL + "/new")
		doc = page(t, r)
		if doc.Find(`input[type="checkbox"][name="permissions"][value="read_clients"]`).Length() != 1 || doc.Find(`input[name="scope"][value="workspace"]`).Length() != 1 {
			t.Fatal("Create New lacks the permission matrix or the scope")
		}
		before := counts(t, db.DB)
		r = c.Submit(rolesURL+"/new", rolesURL+"/new", url.Values{"name": {"Client Readers"}, "description": {"Read clients"}, "scope": {"workspace"},
			"permissions": {"read_clients", "get_tenant"}})
		doc = page(t, r)
		if r.Status != http.StatusUnprocessableEntity || doc.Find("#e-permissions").Length() != 1 ||
			doc.Find(`input[name="name"]`).AttrOr("value", "") != "Client Readers" ||
			doc.Find(`input[value="read_clients"]`).AttrOr("checked", "no") == "no" {
			t.Fatalf("tenant permission in a workspace role: %d", r.Status)
		}
		if after := counts(t, db.DB); after != before || modelstest.Count(t, db.DB.Model(&models.CustomRole{})) != 0 {
			t.Fatal("bad input saved something")
		}
		r = c.Submit(rolesURL+"/new", rolesURL+"/new", url.Values{"name": {"Client Readers"}, "description": {"Read clients"}, "scope": {"workspace"},
			"permissions": {"read_clients", "get_workspace"}})
		if r.Status != http.StatusSeeOther || r.Location != rolesURL+"/custom:client-readers" {
			t.Fatalf("create: %d %s", r.Status, r.Location)
		}
		r = c.Get(r.Location)
		doc = page(t, r)
		if !strings.Contains(r.Body, "Client Readers") || doc.Find(`input[value="read_clients"][checked]`).Length() != 1 ||
			doc.Find(`input[value="manage_clients"][checked]`).Length() != 0 {
			t.Fatal("role page does not show the role's permissions")
		}
		// Non-workspace permissions are offered disabled for a workspace role.
		if doc.Find(`input[value="get_tenant"][disabled]`).Length() != 1 {
			t.Error("a tenant permission is offered for a workspace role")
		}
		// Assign it in Manage Access (the custom role is offered), and see it on the list.
		ov, err := app.Store.LoadViewer(webtest.Ctx(), tn, owner.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.Store.CreateWorkspace(webtest.Ctx(), ov, models.WorkspaceInput{Name: "Checkout", Slug: "checkout"}, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		r = c.Get("/t/acme/workspaces/checkout/access")
		if page(t, r).Find(`#add-user select[name="role"] option[value="custom:client-readers"]`).Length() != 1 {
			t.Fatal("Manage Access does not offer the custom role")
		}
		app.AdminWithRoles(tn, "ann@example.com", "tenant_member")
		r = c.Submit("/t/acme/workspaces/checkout/access", "/t/acme/workspaces/checkout/access", url.Values{"user": {"ann@example.com"}, "role": {"custom:client-readers"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("grant in Manage Access: %d %s", r.Status, r.Body)
		}
		r = c.Get(rolesURL + "/custom:client-readers")
		if page(t, r).Find(`[data-testid="holders"] td:contains("ann@example.com")`).Length() != 1 {
			t.Error("the role's page does not list its holder")
		}
		// Edit: applies at once; the audit lists added and removed permissions.
		r = c.Submit(rolesURL+"/custom:client-readers", rolesURL+"/custom:client-readers", url.Values{"name": {"Client Readers"}, "description": {""},
			"permissions": {"read_clients", "manage_clients"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("edit: %d", r.Status)
		}
		var ev models.AuditEvent
		modelstest.Must(t, db.DB.Where("action = ?", "role.updated").Take(&ev))
		if !strings.Contains(ev.Changes, `"permissions_added":{"before":null,"after":["manage_clients"]}`) ||
			!strings.Contains(ev.Changes, `"permissions_removed":{"before":["get_workspace"]`) {
			t.Errorf("audit changes: %s", ev.Changes)
		}
		// Delete: the confirmation names the holders; the name must be typed.
		r = c.Get(rolesURL + "/custom:client-readers/delete")
		if !strings.Contains(r.Body, "ann@example.com") {
			t.Error("delete confirmation does not name the holders")
		}
		r = c.Submit(rolesURL+"/custom:client-readers/delete", rolesURL+"/custom:client-readers/delete", url.Values{"name": {"nope"}})
		if r.Status != http.StatusUnprocessableEntity || page(t, r).Find("#e-name").Length() != 1 {
			t.Fatalf("delete without the name: %d", r.Status)
		}
		r = c.Submit(rolesURL+"/custom:client-readers/delete", rolesURL+"/custom:client-readers/delete", url.Values{"name": {"Client Readers"}})
		if r.Status != http.StatusSeeOther || modelstest.Count(t, db.DB.Model(&models.RoleBinding{}).Where("role_key = ?", "custom:client-readers")) != 0 {
			t.Fatalf("delete: %d", r.Status)
		}
		if r := c.Get(rolesURL + "/custom:client-readers"); r.Status != http.StatusNotFound {
			t.Fatalf("deleted role: %d", r.Status)
		}
		if r := c.Get(rolesURL + "/custom:nope"); r.Status != http.StatusNotFound {
			t.Fatalf("unknown role: %d", r.Status)
		}
		// Built-in roles are read only.
		if r := c.Submit(rolesURL+"/tenant_admin", rolesURL+"/tenant_admin", url.Values{"name": {"Root"}, "permissions": {"get_tenant"}}); r.Status != http.StatusForbidden {
			t.Fatalf("edit a built-in role: %d", r.Status)
		}
	})
}

// TestRolesRoutesByRole is the role × route table of Tenant Settings > Roles,
// with a custom tenant role holding Read Tenant Roles among the viewers,
// and the routes acting on a custom role: every viewer allowed or refused
// exactly as its permissions say, and a refused request changes nothing.
func TestRolesRoutesByRole(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		for i, role := range []string{"tenant_admin", "tenant_auditor", "tenant_member", "editor_users", "workspace_admin", "custom:role-readers", "custom:role-keepers"} {
			slug := fmt.Sprintf("r%d", i)
			tn, _, _ := app.Tenant(slug, models.PlanEnterprise, "first@example.com")
			owner := app.AdminWithRoles(tn, "owner@example.com", "tenant_admin")
			ov, err := app.Store.LoadViewer(webtest.Ctx(), tn, owner.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, in := range []models.CustomRoleInput{
				{Name: "Role readers", Scope: "tenant", Permissions: []string{"read_tenant_roles"}},
				{Name: "Role keepers", Scope: "tenant", Permissions: []string{"read_tenant_roles", "manage_tenant_roles", "read_themes", "get_tenant"}},
				{Name: "Theme readers", Scope: "tenant", Permissions: []string{"read_themes"}},
			} {
				if _, err := app.Store.CreateCustomRole(webtest.Ctx(), ov, in, models.Actor{}); err != nil {
					t.Fatal(err)
				}
			}
			viewer, _ := app.SignedInAs(tn, "viewer@example.com", role)
			base := "/t/" + slug + "/settings/roles"
			read := role == "tenant_admin" || role == "tenant_auditor" || strings.HasPrefix(role, "custom:")
			manage := role == "tenant_admin" || role == "custom:role-keepers"
			for k, rt := range []struct {
				method, path string
				vals         url.Values
				allowed      bool
				okStatus     int
			}{
				{"GET", base, nil, read, 200},
				{"GET", base + "/tenant_admin", nil, read, 200},
				{"GET", base + "/custom:theme-readers", nil, read, 200},
				{"GET", base + "/new", nil, manage, 200},
				{"POST", base + "/new", url.Values{"name": {"New one"}, "scope": {"tenant"}, "permissions": {"read_themes"}}, manage, 303},
				{"POST", base, url.Values{"name": {"Other one"}, "scope": {"tenant"}, "permissions": {"get_tenant"}}, manage, 303},
				{"POST", base + "/custom:theme-readers", url.Values{"name": {"Theme readers"}, "permissions": {"read_themes", "get_tenant"}}, manage, 303},
				{"GET", base + "/custom:theme-readers/delete", nil, manage, 200},
				{"POST", base + "/custom:theme-readers/delete", url.Values{"name": {"Theme readers"}}, manage, 303},
			} {
				before := counts(t, db.DB) + fmt.Sprint(modelstest.Count(t, db.DB.Model(&models.CustomRole{})))
				var r *webtest.Response
				if rt.method == "GET" {
					r = viewer.Get(rt.path)
				} else {
					r = viewer.Submit("/t/"+slug+"/", rt.path, rt.vals)
				}
				want := http.StatusForbidden
				if rt.allowed {
					want = rt.okStatus
				}
				if r.Status != want {
					t.Errorf("%s: #%d %s %s = %d, want %d", role, k, rt.method, rt.path, r.Status, want)
				}
				if !rt.allowed {
					if after := counts(t, db.DB) + fmt.Sprint(modelstest.Count(t, db.DB.Model(&models.CustomRole{}))); after != before {
						t.Errorf("%s: refused %s %s changed something", role, rt.method, rt.path)
					}
				}
			}
		}
	})
}

// TestCustomRoleKeeperCannotEscalate: a custom role holding Manage Tenant
// Roles creates and grants only what it holds, on every path.
func TestCustomRoleKeeperCannotEscalate(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		_, tn, owner := app.Owner("acme", "owner@example.com")
		ov, err := app.Store.LoadViewer(webtest.Ctx(), tn, owner.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.Store.CreateCustomRole(webtest.Ctx(), ov, models.CustomRoleInput{Name: "Keepers", Scope: "tenant",
			Permissions: []string{"read_tenant_roles", "manage_tenant_roles"}}, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		k, _ := app.SignedInAs(tn, "keeper@example.com", "custom:keepers")
		target := app.AdminWithRoles(tn, "t@example.com", "tenant_member")
		before := counts(t, db.DB)
		for _, p := range []struct {
			path string
			vals url.Values
		}{
			{rolesURL + "/new", url.Values{"name": {"Themers"}, "scope": {"tenant"}, "permissions": {"manage_themes"}}},
			{rolesURL + "/custom:keepers", url.Values{"name": {"Keepers"}, "permissions": {"read_tenant_roles", "manage_tenant_roles", "update_tenant"}}},
			{adminsURL + "/" + fmt.Sprint(target.ID) + "/roles", url.Values{"role": {"tenant_auditor"}}},
			{adminsURL + "/new", url.Values{"email": {"x@example.com"}, "given_name": {"X"}, "family_name": {"Y"}, "role": {"tenant_admin"}}},
		} {
			if r := k.Submit(adminsURL, p.path, p.vals); r.Status != http.StatusForbidden {
				t.Errorf("%s: %d", p.path, r.Status)
			}
		}
		if after := counts(t, db.DB); after != before {
			t.Fatal("escalation attempts changed something")
		}
		// What it holds, it may grant: its own role to another administrator.
		if r := k.Submit(adminsURL, adminsURL+"/"+fmt.Sprint(target.ID)+"/roles", url.Values{"role": {"custom:keepers"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("granting a role it holds: %d", r.Status)
		}
		r := k.Get(adminsURL + "/" + fmt.Sprint(target.ID))
		if !strings.Contains(r.Body, "Keepers") {
			t.Error("profile does not name the custom role")
		}
		if page(t, r).Find(`select[name="role"] option[value="tenant_auditor"][disabled]`).Length() != 1 {
			t.Error("Tenant Auditor not offered disabled to a keeper")
		}
	})
}
