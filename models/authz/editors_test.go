package authz

import (
	"strings"
	"testing"
)

var editorWant = map[RoleKey][]Permission{
	EditorOrganizations: {ReadOrganizations, ManageOrganizations, ManageOrganizationMembers, ReadUsers, ReadRoles, ReadConnections},
	EditorUsers:         {ReadUsers, ManageUsers, ReadLogs, ReadAuditEvents},
	EditorConnections:   {ReadConnections, CreateConnections, UpdateConnections},
}

func TestEditorsGrantExactlyTheirList(t *testing.T) {
	for key, want := range editorWant {
		role, ok := RoleByKey(key)
		if !ok {
			t.Fatalf("no role %q", key)
		}
		if role.Scope != ScopeTenant {
			t.Errorf("%s scope = %q, want tenant", key, role.Scope)
		}
		if !samePermissions(role.Permissions, want) {
			t.Errorf("%s permissions = %v, want %v", key, role.Permissions, want)
		}
		set := NewSet([]Grant{{Role: key}})
		wanted := map[Permission]bool{}
		for _, p := range want {
			wanted[p] = true
		}
		for _, a := range Catalog() {
			if got := role.Has(a.Permission); got != wanted[a.Permission] {
				t.Errorf("%s Has(%s) = %v, want %v", key, a.Permission, got, wanted[a.Permission])
			}
			if got := set.Can(a.Permission); got != wanted[a.Permission] {
				t.Errorf("%s Can(%s) = %v, want %v", key, a.Permission, got, wanted[a.Permission])
			}
		}
		if len(set.Workspaces()) != 0 {
			t.Errorf("%s: workspaces %v", key, set.Workspaces())
		}
	}
}

// TestEditorsNoMatrixPermission: no editor reaches tenant settings, sign-in
// policy, identity pools, administrators, themes, workspaces or apps; the
// only matrix permission any of them holds is Editor - Users' Read Audit
// Events (its "logs").
func TestEditorsNoMatrixPermission(t *testing.T) {
	for key := range editorWant {
		role, _ := RoleByKey(key)
		for _, a := range Catalog()[:matrixSize] {
			if !role.Has(a.Permission) {
				continue
			}
			if key == EditorUsers && a.Permission == ReadAuditEvents {
				continue
			}
			t.Errorf("%s holds matrix permission %q", key, a.Name)
		}
	}
	forbidden := []Permission{
		GetTenant, UpdateTenant, ReadTenantRoles, ManageTenantRoles, ReadMFAMethods, ManageMFAMethods,
		ReadBruteForceProtectionSettings, ManageBruteForceProtectionSettings, ReadIdentityPools,
		ManageIdentityPools, ReadIdentityPoolUsers, ManageIdentityPoolUsers, ReadThemes, ManageThemes,
		CreateWorkspace, GetWorkspace, DeleteWorkspace, ReadClients, ManageClients, ReadCustomApps,
		ManageCustomApps, DeleteConnections,
	}
	all := NewSet([]Grant{{Role: EditorOrganizations}, {Role: EditorUsers}, {Role: EditorConnections}})
	for _, p := range forbidden {
		if all.CanAnywhere(p) {
			t.Errorf("the three editors together hold %s", p)
		}
	}
}

func TestEditorsComposeToUnion(t *testing.T) {
	union := map[Permission]bool{}
	for _, ps := range editorWant {
		for _, p := range ps {
			union[p] = true
		}
	}
	s := NewSet([]Grant{{Role: EditorOrganizations}, {Role: EditorUsers}, {Role: EditorConnections}})
	for _, a := range Catalog() {
		if got := s.Can(a.Permission); got != union[a.Permission] {
			t.Errorf("union Can(%s) = %v, want %v", a.Permission, got, union[a.Permission])
		}
	}
	for key := range editorWant {
		role, _ := RoleByKey(key)
		if !s.Covers(role) {
			t.Errorf("union does not cover %s", key)
		}
	}
	if s.ReadOnly() {
		t.Error("editors are not read only")
	}
}

func TestEditorOrganizationsPlanGate(t *testing.T) {
	for _, r := range Roles() {
		wantPlans := r.Key == EditorOrganizations || r.Key == OrganizationAdmin
		if (r.RequiresPlan != nil) != wantPlans {
			t.Errorf("%s RequiresPlan = %v", r.Key, r.RequiresPlan)
		}
		for plan, want := range map[string]bool{"free": !wantPlans, "professional": true, "enterprise": true} {
			if got := r.AvailableOn(plan); got != want {
				t.Errorf("%s AvailableOn(%q) = %v, want %v", r.Key, plan, got, want)
			}
		}
	}
	r, _ := RoleByKey(EditorOrganizations)
	if len(r.RequiresPlan) != 2 || r.RequiresPlan[0] != "professional" || r.RequiresPlan[1] != "enterprise" {
		t.Errorf("RequiresPlan = %v", r.RequiresPlan)
	}
}

func TestTenantAdminHoldsEverything(t *testing.T) {
	role, _ := RoleByKey(TenantAdmin)
	s := NewSet([]Grant{{Role: TenantAdmin}})
	for _, a := range Catalog() {
		if !role.Has(a.Permission) || !s.Can(a.Permission) || !s.CanIn(a.Permission, 42) {
			t.Errorf("Tenant Admin lacks %s", a.Permission)
		}
	}
	if len(role.Permissions) != len(Catalog()) {
		t.Errorf("Tenant Admin has %d permissions, catalog %d", len(role.Permissions), len(Catalog()))
	}
	for _, r := range Roles() {
		if !s.Covers(r) || !s.CoversIn(r, 42) {
			t.Errorf("Tenant Admin does not cover %s", r.Key)
		}
	}
}

func TestTenantAuditorChangesNothing(t *testing.T) {
	role, _ := RoleByKey(TenantAuditor)
	for _, p := range role.Permissions {
		a, _ := Lookup(p)
		verb, _, _ := strings.Cut(a.Name, " ")
		switch verb {
		case "Manage", "Create", "Update", "Delete":
			t.Errorf("Tenant Auditor holds %q", a.Name)
		}
		if a.Mutates() {
			t.Errorf("Tenant Auditor holds mutating %q", a.Name)
		}
	}
	for _, p := range []Permission{ReadOrganizations, ReadUsers, ReadConnections, ReadRoles, ReadLogs} {
		if !role.Has(p) {
			t.Errorf("Tenant Auditor lacks %s", p)
		}
	}
	if !NewSet([]Grant{{Role: TenantAuditor}}).ReadOnly() {
		t.Error("Tenant Auditor set is not ReadOnly")
	}
}
