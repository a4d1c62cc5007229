package authz

import (
	"slices"
	"strings"
	"testing"
	"unicode"
)

func TestCatalogUniqueAndLookup(t *testing.T) {
	cat := Catalog()
	if len(cat) != 53+12 {
		t.Fatalf("catalog has %d entries, want 65", len(cat))
	}
	keys, names := map[Permission]bool{}, map[string]bool{}
	for _, a := range cat {
		if keys[a.Permission] || names[a.Name] {
			t.Errorf("duplicate %q / %q", a.Permission, a.Name)
		}
		keys[a.Permission], names[a.Name] = true, true
		for _, r := range a.Permission {
			if r != '_' && !unicode.IsLower(r) && !unicode.IsDigit(r) {
				t.Errorf("key %q is not snake_case", a.Permission)
				break
			}
		}
		if got, ok := Lookup(a.Permission); !ok || got != a {
			t.Errorf("Lookup(%q) = %+v, %v", a.Permission, got, ok)
		}
		if a.Permission == SignedIn {
			t.Error("SignedIn is in the catalog")
		}
	}
	extras := []Permission{ReadOrganizations, ManageOrganizations, ReadUsers, ManageUsers, ReadConnections,
		CreateConnections, UpdateConnections, DeleteConnections, ReadRoles, ManageRoles, ReadLogs}
	for i, p := range extras {
		if cat[53+i].Permission != p {
			t.Errorf("catalog[%d] = %s, want %s", 53+i, cat[53+i].Permission, p)
		}
	}
	if a, ok := Lookup(SignedIn); !ok || a.Permission != SignedIn || a.Workspace {
		t.Errorf("Lookup(SignedIn) = %+v, %v", a, ok)
	}
	if _, ok := Lookup("fly_to_the_moon"); ok {
		t.Error("Lookup of an unknown permission succeeded")
	}
	cat[0].Name = "changed"
	if Catalog()[0].Name != "Get Tenant" {
		t.Error("Catalog returns shared storage")
	}
}

func TestMutates(t *testing.T) {
	for _, a := range Catalog() {
		want := strings.HasPrefix(a.Name, "Manage ") || strings.HasPrefix(a.Name, "Create ") ||
			strings.HasPrefix(a.Name, "Update ") || strings.HasPrefix(a.Name, "Delete ")
		if a.Mutates() != want {
			t.Errorf("%q Mutates = %v", a.Name, a.Mutates())
		}
		if !want && !strings.HasPrefix(a.Name, "Read ") && !strings.HasPrefix(a.Name, "Get ") {
			t.Errorf("%q neither reads nor mutates", a.Name)
		}
	}
}

func TestRolesList(t *testing.T) {
	want := []struct {
		key   RoleKey
		name  string
		scope Scope
	}{
		{TenantAdmin, "Tenant Admin", ScopeTenant},
		{TenantAuditor, "Tenant Auditor", ScopeTenant},
		{TenantMember, "Tenant Member", ScopeTenant},
		{EditorOrganizations, "Editor - Organizations", ScopeTenant},
		{EditorUsers, "Editor - Users", ScopeTenant},
		{EditorConnections, "Editor - Connections", ScopeTenant},
		{OrganizationAdmin, "Organization Admin", ScopeOrganization},
		{WorkspaceAdmin, "Workspace Admin", ScopeWorkspace},
		{WorkspaceAuditor, "Workspace Auditor", ScopeWorkspace},
	}
	roles := Roles()
	if len(roles) != len(want) {
		t.Fatalf("%d roles, want %d", len(roles), len(want))
	}
	var tenant, workspace []RoleKey
	for i, w := range want {
		r := roles[i]
		if r.Key != w.key || r.Name != w.name || r.Scope != w.scope || r.Description == "" {
			t.Errorf("roles[%d] = %+v, want %v", i, r, w)
		}
		if got, ok := RoleByKey(w.key); !ok || got.Name != w.name {
			t.Errorf("RoleByKey(%q) = %+v, %v", w.key, got, ok)
		}
		switch w.scope {
		case ScopeTenant:
			tenant = append(tenant, w.key)
		case ScopeWorkspace:
			workspace = append(workspace, w.key)
		}
		// Permissions come in catalog order, and a workspace role's are all
		// workspace permissions.
		last := -1
		for _, p := range r.Permissions {
			i, ok := index[p]
			if !ok || i <= last {
				t.Errorf("%s permissions not in catalog order at %s", r.Key, p)
			}
			last = i
			if a, _ := Lookup(p); r.Scope == ScopeWorkspace && !a.Workspace {
				t.Errorf("workspace role %s holds tenant permission %s", r.Key, p)
			}
			if a, _ := Lookup(p); r.Scope == ScopeOrganization && !a.Organization {
				t.Errorf("organization role %s holds permission %s", r.Key, p)
			}
		}
		if len(r.Permissions) == 0 {
			t.Errorf("%s grants nothing", r.Key)
		}
	}
	keysOf := func(rs []Role) []RoleKey {
		var out []RoleKey
		for _, r := range rs {
			out = append(out, r.Key)
		}
		return out
	}
	if got := keysOf(TenantRoles()); !slices.Equal(got, tenant) {
		t.Errorf("TenantRoles = %v, want %v", got, tenant)
	}
	if got := keysOf(WorkspaceRoles()); !slices.Equal(got, workspace) {
		t.Errorf("WorkspaceRoles = %v, want %v", got, workspace)
	}
	if _, ok := RoleByKey("owner"); ok {
		t.Error("RoleByKey of an unknown key succeeded")
	}

	// Callers cannot change the built-ins through what they are given.
	r, _ := RoleByKey(EditorOrganizations)
	r.Permissions[0] = ManageTenantRoles
	r.RequiresPlan[0] = "free"
	roles[0].Permissions[0] = "x"
	again, _ := RoleByKey(EditorOrganizations)
	if again.Has(ManageTenantRoles) || again.RequiresPlan[0] != "professional" || Roles()[0].Permissions[0] != GetTenant {
		t.Error("built-in roles share storage with callers")
	}
	if NewSet([]Grant{{Role: EditorOrganizations}}).Can(ManageTenantRoles) {
		t.Error("mutating a returned role changed NewSet")
	}
}
