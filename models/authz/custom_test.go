package authz

import (
	"errors"
	"slices"
	"testing"
)

func TestNewCustomRoleRules(t *testing.T) {
	for _, tc := range []struct {
		name  string
		key   RoleKey
		scope Scope
		perms []Permission
		want  error
	}{
		{"not a custom key", "auditors", ScopeTenant, []Permission{GetTenant}, ErrNotCustomKey},
		{"unknown permission", "custom:x", ScopeTenant, []Permission{"root"}, ErrUnknownPermission},
		{"signed_in is no catalog permission", "custom:x", ScopeTenant, []Permission{SignedIn}, ErrUnknownPermission},
		{"tenant permission in a workspace role", "custom:x", ScopeWorkspace, []Permission{ReadClients, GetTenant}, ErrNotWorkspacePerm},
		{"empty", "custom:x", ScopeTenant, nil, ErrNoPermissions},
		{"bad scope", "custom:x", "organization", []Permission{GetTenant}, ErrBadScope},
	} {
		if _, err := NewCustomRole(tc.key, "X", "", tc.scope, tc.perms); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	r, err := NewCustomRole("custom:client-readers", "Client readers", "d", ScopeWorkspace, []Permission{ReadClients, GetWorkspace, ReadClients})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Permissions, []Permission{GetWorkspace, ReadClients}) || !r.Custom || r.RequiresPlan != nil {
		t.Fatalf("role: %+v", r)
	}
	orgs, err := NewCustomRole("custom:org-readers", "Org readers", "", ScopeTenant, []Permission{ReadOrganizations})
	if err != nil {
		t.Fatal(err)
	}
	if orgs.AvailableOn("free") || !orgs.AvailableOn("professional") || !orgs.AvailableOn("enterprise") {
		t.Fatalf("organization permissions are plan-gated as Editor - Organizations: %v", orgs.RequiresPlan)
	}
}

func TestDirectoryDecisionsWithCustomRoles(t *testing.T) {
	ws, _ := NewCustomRole("custom:client-readers", "Client readers", "", ScopeWorkspace, []Permission{GetWorkspace, ReadClients})
	tn, _ := NewCustomRole("custom:theme-keepers", "Theme keepers", "", ScopeTenant, []Permission{ReadThemes, ManageThemes})
	d := NewDirectory(ws, tn, Role{Key: "tenant_admin", Permissions: []Permission{ReadThemes}}) // a non-custom key is ignored
	if r, ok := d.Role(TenantAdmin); !ok || len(r.Permissions) < 60 {
		t.Fatal("a custom role shadowed a built-in one")
	}
	s := d.NewSet([]Grant{{Role: ws.Key, WorkspaceID: 7}, {Role: tn.Key}})
	for _, c := range []struct {
		p    Permission
		ws   int64
		want bool
	}{
		{ReadClients, 7, true}, {GetWorkspace, 7, true}, {ReadClients, 8, false}, {ReadClients, 0, false},
		{ManageClients, 7, false}, {ManageThemes, 0, true}, {ManageThemes, 7, true /* tenant-wide holds everywhere */}, {GetTenant, 0, false},
	} {
		if got := Can(s, c.p, c.ws); got != c.want {
			t.Errorf("Can(%s, %d) = %v", c.p, c.ws, got)
		}
	}
	// A custom role bound in the wrong scope grants nothing, as built-in ones.
	if s := d.NewSet([]Grant{{Role: ws.Key}, {Role: tn.Key, WorkspaceID: 7}}); s.CanAnywhere(ReadClients) || s.CanAnywhere(ManageThemes) {
		t.Error("a custom role bound in the wrong scope grants")
	}
	// The package NewSet (zero directory) does not know custom roles.
	if NewSet([]Grant{{Role: tn.Key}}).Can(ManageThemes) {
		t.Error("an unknown custom role grants")
	}
	// Explain names exactly the grants that grant, by Can.
	grants := []Grant{{Role: TenantMember}, {Role: ws.Key, WorkspaceID: 7}, {Role: WorkspaceAuditor, WorkspaceID: 7}, {Role: WorkspaceAdmin, WorkspaceID: 9}}
	if got := d.Explain(grants, ReadClients, 7); !slices.Equal(got, []int{1, 2}) {
		t.Errorf("explain ReadClients in 7: %v", got)
	}
	if got := d.Explain(grants, ManageClients, 7); got != nil || Can(d.NewSet(grants), ManageClients, 7) {
		t.Errorf("explain ManageClients in 7: %v", got)
	}
	// Granting names the roles that would grant it.
	var keys []RoleKey
	for _, r := range d.Granting(ReadClients, 7) {
		keys = append(keys, r.Key)
	}
	if !slices.Equal(keys, []RoleKey{TenantAdmin, TenantAuditor, WorkspaceAdmin, WorkspaceAuditor, ws.Key}) {
		t.Errorf("granting ReadClients in a workspace: %v", keys)
	}
	keys = nil
	for _, r := range d.Granting(ManageThemes, 0) {
		keys = append(keys, r.Key)
	}
	if !slices.Equal(keys, []RoleKey{TenantAdmin, tn.Key}) {
		t.Errorf("granting ManageThemes: %v", keys)
	}
}

func TestOrganizationAdminHoldsItsOrganizationOnly(t *testing.T) {
	s := NewSet([]Grant{{Role: OrganizationAdmin, OrganizationID: 5}})
	if !s.CanInOrganization(ReadOrganizations, 5) || !s.CanInOrganization(ManageOrganizationMembers, 5) {
		t.Fatal("organization admin cannot act in its organization")
	}
	for _, c := range []struct {
		p   Permission
		org int64
	}{{ReadOrganizations, 6}, {ManageOrganizations, 5}, {ManageOrganizationMembers, 6}, {ReadUsers, 5}, {ReadConnections, 5}} {
		if s.CanInOrganization(c.p, c.org) {
			t.Errorf("organization admin holds %s in %d", c.p, c.org)
		}
	}
	for _, a := range Catalog() {
		if s.Can(a.Permission) || s.CanIn(a.Permission, 5) {
			t.Errorf("organization admin holds %s tenant-wide or in a workspace", a.Permission)
		}
	}
	if !s.CanAnywhere(ReadOrganizations) || s.CanAnywhere(ManageOrganizations) || !slices.Equal(s.Organizations(), []int64{5}) {
		t.Error("anywhere / organizations")
	}
	// Bound in the wrong scope it grants nothing; tenant roles hold every organization.
	if NewSet([]Grant{{Role: OrganizationAdmin}}).CanAnywhere(ReadOrganizations) || NewSet([]Grant{{Role: TenantAdmin, OrganizationID: 5}}).CanAnywhere(GetTenant) {
		t.Error("a role bound in the wrong scope grants")
	}
	if !NewSet([]Grant{{Role: EditorOrganizations}}).CanInOrganization(ManageOrganizationMembers, 9) {
		t.Error("Editor - Organizations does not manage members everywhere")
	}
	ta, _ := RoleByKey(TenantAdmin)
	oa, _ := RoleByKey(OrganizationAdmin)
	if !NewSet([]Grant{{Role: TenantAdmin}}).CoversInOrganization(oa, 5) || s.CoversInOrganization(ta, 5) {
		t.Error("covers in organization")
	}
}
