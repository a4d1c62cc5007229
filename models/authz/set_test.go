package authz

import (
	"slices"
	"testing"
)

func role(t testing.TB, k RoleKey) Role {
	t.Helper()
	r, ok := RoleByKey(k)
	if !ok {
		t.Fatalf("no role %q", k)
	}
	return r
}

func TestSetDecisions(t *testing.T) {
	type check struct {
		p    Permission
		ws   int64 // 0: tenant level
		want bool
	}
	tests := []struct {
		name   string
		grants []Grant
		checks []check
	}{
		{"no grants: signed in only", nil, []check{
			{SignedIn, 0, true}, {SignedIn, 3, true},
			{GetTenant, 0, false}, {GetWorkspace, 3, false}, {ReadSystemNotifications, 0, false},
		}},
		{"tenant member", []Grant{{Role: TenantMember, WorkspaceID: 0}}, []check{
			{ReadSystemEnvironment, 0, true}, {ReadSystemEnvironment, 9, true},
			{GetTenant, 0, false}, {GetWorkspace, 9, false}, {ReadOrganizations, 0, false},
		}},
		{"workspace admin of 1", []Grant{{Role: WorkspaceAdmin, WorkspaceID: 1}}, []check{
			{SignedIn, 0, true},
			{GetWorkspace, 1, true}, {UpdateWorkspace, 1, true}, {ManageWorkspaceRoles, 1, true},
			{ManageClients, 1, true}, {ReadAuditEvents, 1, true},
			{DeleteWorkspace, 1, false}, {CreateWorkspace, 1, false}, {GetTenant, 1, false},
			{GetWorkspace, 2, false}, {UpdateWorkspace, 2, false}, {ManageClients, 2, false},
			{GetWorkspace, 0, false}, {ReadAuditEvents, 0, false}, {ReadSystemTemplates, 1, false},
		}},
		{"workspace auditor of 5", []Grant{{Role: WorkspaceAuditor, WorkspaceID: 5}}, []check{
			{GetWorkspace, 5, true}, {ReadSecrets, 5, true},
			{ManageSecrets, 5, false}, {UpdateWorkspace, 5, false}, {GetWorkspace, 6, false}, {GetWorkspace, 0, false},
		}},
		{"admin of 1, auditor of 2", []Grant{{Role: WorkspaceAdmin, WorkspaceID: 1}, {Role: WorkspaceAuditor, WorkspaceID: 2}}, []check{
			{ManageWebhooks, 1, true}, {ReadWebhooks, 2, true}, {ManageWebhooks, 2, false}, {ReadWebhooks, 3, false},
		}},
		{"auditor and admin of the same workspace: union", []Grant{{Role: WorkspaceAuditor, WorkspaceID: 4}, {Role: WorkspaceAdmin, WorkspaceID: 4}}, []check{
			{ManageWorkspaceIDPs, 4, true}, {ReadWorkspaceIDPs, 4, true}, {ReadWorkspaceIDPs, 0, false},
		}},
		{"tenant auditor + workspace admin", []Grant{{Role: TenantAuditor, WorkspaceID: 0}, {Role: WorkspaceAdmin, WorkspaceID: 3}}, []check{
			{ReadClients, 0, true}, {ReadClients, 8, true}, {ManageClients, 3, true},
			{ManageClients, 8, false}, {ManageClients, 0, false}, {UpdateTenant, 3, false},
		}},
		{"tenant admin", []Grant{{Role: TenantAdmin, WorkspaceID: 0}}, []check{
			{UpdateTenant, 0, true}, {DeleteWorkspace, 77, true}, {DeleteConnections, 0, true}, {ManageRoles, 0, true},
		}},
		{"tenant-wide workspace role grants nothing", []Grant{{Role: WorkspaceAdmin, WorkspaceID: 0}, {Role: WorkspaceAuditor, WorkspaceID: 0}}, []check{
			{SignedIn, 0, true}, {GetWorkspace, 0, false}, {GetWorkspace, 1, false}, {ManageClients, 1, false},
		}},
		{"workspace-bound tenant role grants nothing", []Grant{{Role: TenantAdmin, WorkspaceID: 3}, {Role: EditorUsers, WorkspaceID: 3}}, []check{
			{GetTenant, 0, false}, {GetTenant, 3, false}, {GetWorkspace, 3, false}, {ManageUsers, 3, false},
		}},
		{"negative workspace id grants nothing", []Grant{{Role: WorkspaceAdmin, WorkspaceID: -1}}, []check{
			{GetWorkspace, -1, false}, {GetWorkspace, 0, false},
		}},
		{"unknown role grants nothing", []Grant{{Role: "owner", WorkspaceID: 0}, {Role: "owner", WorkspaceID: 1}, {Role: "", WorkspaceID: 0}}, []check{
			{SignedIn, 0, true}, {GetTenant, 0, false}, {GetWorkspace, 1, false}, {ReadSystemTemplates, 0, false},
		}},
		{"unknown permission is never held", []Grant{{Role: TenantAdmin, WorkspaceID: 0}}, []check{
			{"launch_missiles", 0, false}, {"launch_missiles", 1, false}, {"", 0, false},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewSet(tt.grants)
			if s.IsZero() {
				t.Error("NewSet is zero")
			}
			for _, c := range tt.checks {
				if got := Can(s, c.p, c.ws); got != c.want {
					t.Errorf("Can(%s, %d) = %v, want %v", c.p, c.ws, got, c.want)
				}
				if c.ws == 0 {
					if got := s.Can(c.p); got != c.want {
						t.Errorf("s.Can(%s) = %v, want %v", c.p, got, c.want)
					}
				} else if got := s.CanIn(c.p, c.ws); got != c.want {
					t.Errorf("s.CanIn(%s, %d) = %v, want %v", c.p, c.ws, got, c.want)
				}
				if c.want && !s.CanAnywhere(c.p) {
					t.Errorf("CanAnywhere(%s) = false but held at %d", c.p, c.ws)
				}
			}
		})
	}
}

func TestZeroSet(t *testing.T) {
	var s Set
	if !s.IsZero() {
		t.Error("zero Set is not IsZero")
	}
	for _, p := range append([]Permission{SignedIn}, permissionsOf(Catalog())...) {
		if s.Can(p) || s.CanIn(p, 1) || s.CanAnywhere(p) || Can(s, p, 0) {
			t.Errorf("zero Set holds %s", p)
		}
	}
	if s.Workspaces() != nil {
		t.Error("zero Set has workspaces")
	}
	if NewSet(nil).IsZero() {
		t.Error("NewSet(nil) is zero: a signed-in administrator")
	}
}

func permissionsOf(as []Action) []Permission {
	out := make([]Permission, len(as))
	for i, a := range as {
		out[i] = a.Permission
	}
	return out
}

func TestCanAnywhere(t *testing.T) {
	tests := []struct {
		grants []Grant
		p      Permission
		want   bool
	}{
		{nil, GetWorkspace, false},
		{[]Grant{{Role: WorkspaceAuditor, WorkspaceID: 12}}, GetWorkspace, true},
		{[]Grant{{Role: WorkspaceAuditor, WorkspaceID: 12}}, UpdateWorkspace, false},
		{[]Grant{{Role: WorkspaceAuditor, WorkspaceID: 12}, {Role: WorkspaceAdmin, WorkspaceID: 3}}, UpdateWorkspace, true},
		{[]Grant{{Role: WorkspaceAdmin, WorkspaceID: 3}}, GetTenant, false},
		{[]Grant{{Role: TenantAuditor, WorkspaceID: 0}}, GetWorkspace, true},
		{[]Grant{{Role: EditorConnections, WorkspaceID: 0}}, CreateConnections, true},
		{[]Grant{{Role: WorkspaceAdmin, WorkspaceID: 0}}, GetWorkspace, false},
		{nil, SignedIn, true},
	}
	for _, tt := range tests {
		if got := NewSet(tt.grants).CanAnywhere(tt.p); got != tt.want {
			t.Errorf("%v CanAnywhere(%s) = %v, want %v", tt.grants, tt.p, got, tt.want)
		}
	}
}

func TestWorkspaces(t *testing.T) {
	tests := []struct {
		grants []Grant
		want   []int64
	}{
		{nil, nil},
		{[]Grant{{Role: TenantAdmin, WorkspaceID: 0}}, nil},
		{[]Grant{{Role: WorkspaceAdmin, WorkspaceID: 0}, {Role: "owner", WorkspaceID: 4}, {Role: TenantAuditor, WorkspaceID: 6}}, nil},
		{[]Grant{{Role: WorkspaceAdmin, WorkspaceID: 9}, {Role: WorkspaceAuditor, WorkspaceID: 2}, {Role: WorkspaceAuditor, WorkspaceID: 9}, {Role: TenantMember, WorkspaceID: 0}, {Role: WorkspaceAdmin, WorkspaceID: 5}},
			[]int64{2, 5, 9}},
	}
	for _, tt := range tests {
		if got := NewSet(tt.grants).Workspaces(); !slices.Equal(got, tt.want) {
			t.Errorf("%v Workspaces() = %v, want %v", tt.grants, got, tt.want)
		}
	}
	s := NewSet([]Grant{{Role: WorkspaceAdmin, WorkspaceID: 1}})
	s.Workspaces()[0] = 2
	if !s.CanIn(GetWorkspace, 1) || s.CanIn(GetWorkspace, 2) {
		t.Error("Workspaces returns shared storage")
	}
}

func TestCovers(t *testing.T) {
	tests := []struct {
		name   string
		grants []Grant
		role   RoleKey
		want   bool
	}{
		{"admin covers admin", []Grant{{Role: TenantAdmin, WorkspaceID: 0}}, TenantAdmin, true},
		{"admin covers workspace admin", []Grant{{Role: TenantAdmin, WorkspaceID: 0}}, WorkspaceAdmin, true},
		{"auditor covers auditor", []Grant{{Role: TenantAuditor, WorkspaceID: 0}}, TenantAuditor, true},
		{"auditor covers member", []Grant{{Role: TenantAuditor, WorkspaceID: 0}}, TenantMember, true},
		{"auditor covers workspace auditor", []Grant{{Role: TenantAuditor, WorkspaceID: 0}}, WorkspaceAuditor, true},
		{"auditor does not cover admin", []Grant{{Role: TenantAuditor, WorkspaceID: 0}}, TenantAdmin, false},
		{"auditor does not cover workspace admin", []Grant{{Role: TenantAuditor, WorkspaceID: 0}}, WorkspaceAdmin, false},
		{"auditor does not cover an editor", []Grant{{Role: TenantAuditor, WorkspaceID: 0}}, EditorUsers, false},
		{"member covers member", []Grant{{Role: TenantMember, WorkspaceID: 0}}, TenantMember, true},
		{"member does not cover auditor", []Grant{{Role: TenantMember, WorkspaceID: 0}}, TenantAuditor, false},
		{"orgs editor does not cover users editor", []Grant{{Role: EditorOrganizations, WorkspaceID: 0}}, EditorUsers, false},
		{"connections editor covers itself", []Grant{{Role: EditorConnections, WorkspaceID: 0}}, EditorConnections, true},
		{"workspace admin does not cover it tenant-wide", []Grant{{Role: WorkspaceAdmin, WorkspaceID: 1}}, WorkspaceAdmin, false},
		{"nobody covers member", nil, TenantMember, false},
	}
	for _, tt := range tests {
		if got := NewSet(tt.grants).Covers(role(t, tt.role)); got != tt.want {
			t.Errorf("%s: Covers = %v, want %v", tt.name, got, tt.want)
		}
	}
	if !NewSet(nil).Covers(Role{}) {
		t.Error("an empty role is not covered")
	}
	if NewSet([]Grant{{Role: TenantAdmin, WorkspaceID: 0}}).Covers(Role{Permissions: []Permission{"launch_missiles"}}) {
		t.Error("a role with an unknown permission is covered")
	}
}

func TestCoversIn(t *testing.T) {
	tests := []struct {
		name   string
		grants []Grant
		role   RoleKey
		ws     int64
		want   bool
	}{
		{"ws admin grants ws admin in own ws", []Grant{{Role: WorkspaceAdmin, WorkspaceID: 1}}, WorkspaceAdmin, 1, true},
		{"ws admin grants ws auditor in own ws", []Grant{{Role: WorkspaceAdmin, WorkspaceID: 1}}, WorkspaceAuditor, 1, true},
		{"ws admin cannot in another ws", []Grant{{Role: WorkspaceAdmin, WorkspaceID: 1}}, WorkspaceAdmin, 2, false},
		{"ws admin cannot at tenant level", []Grant{{Role: WorkspaceAdmin, WorkspaceID: 1}}, WorkspaceAdmin, 0, false},
		{"ws admin cannot grant tenant roles", []Grant{{Role: WorkspaceAdmin, WorkspaceID: 1}}, TenantMember, 1, false},
		{"ws auditor does not cover ws admin", []Grant{{Role: WorkspaceAuditor, WorkspaceID: 1}}, WorkspaceAdmin, 1, false},
		{"ws auditor covers ws auditor", []Grant{{Role: WorkspaceAuditor, WorkspaceID: 1}}, WorkspaceAuditor, 1, true},
		{"tenant admin anywhere", []Grant{{Role: TenantAdmin, WorkspaceID: 0}}, WorkspaceAdmin, 99, true},
		{"tenant auditor covers ws auditor anywhere", []Grant{{Role: TenantAuditor, WorkspaceID: 0}}, WorkspaceAuditor, 99, true},
		{"tenant auditor + ws auditor do not make ws admin", []Grant{{Role: TenantAuditor, WorkspaceID: 0}, {Role: WorkspaceAuditor, WorkspaceID: 3}}, WorkspaceAdmin, 3, false},
		{"tenant auditor + ws admin cover ws admin there", []Grant{{Role: TenantAuditor, WorkspaceID: 0}, {Role: WorkspaceAdmin, WorkspaceID: 3}}, WorkspaceAdmin, 3, true},
	}
	for _, tt := range tests {
		if got := NewSet(tt.grants).CoversIn(role(t, tt.role), tt.ws); got != tt.want {
			t.Errorf("%s: CoversIn = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestWorkspaceIsolation: an admin of workspace 1 can do nothing in
// workspace 2, for every permission.
func TestWorkspaceIsolation(t *testing.T) {
	s := NewSet([]Grant{{Role: WorkspaceAdmin, WorkspaceID: 1}, {Role: WorkspaceAuditor, WorkspaceID: 3}})
	for _, a := range Catalog() {
		for _, ws := range []int64{0, 2, 4, 1 << 40} {
			if Can(s, a.Permission, ws) {
				t.Errorf("admin of 1 holds %s in %d", a.Permission, ws)
			}
		}
	}
	if !slices.Equal(s.Workspaces(), []int64{1, 3}) {
		t.Errorf("Workspaces = %v", s.Workspaces())
	}
}

func TestReadOnly(t *testing.T) {
	tests := []struct {
		grants []Grant
		want   bool
	}{
		{nil, true},
		{[]Grant{{Role: TenantMember, WorkspaceID: 0}}, true},
		{[]Grant{{Role: TenantAuditor, WorkspaceID: 0}, {Role: WorkspaceAuditor, WorkspaceID: 2}}, true},
		{[]Grant{{Role: TenantAuditor, WorkspaceID: 0}, {Role: WorkspaceAdmin, WorkspaceID: 2}}, false},
		{[]Grant{{Role: EditorConnections, WorkspaceID: 0}}, false},
		{[]Grant{{Role: TenantAdmin, WorkspaceID: 0}}, false},
	}
	for _, tt := range tests {
		if got := NewSet(tt.grants).ReadOnly(); got != tt.want {
			t.Errorf("%v ReadOnly = %v, want %v", tt.grants, got, tt.want)
		}
	}
}

func BenchmarkNewSetCan(b *testing.B) {
	grants := []Grant{{Role: TenantMember, WorkspaceID: 0}, {Role: EditorOrganizations, WorkspaceID: 0}, {Role: WorkspaceAdmin, WorkspaceID: 12}, {Role: WorkspaceAuditor, WorkspaceID: 3}, {Role: WorkspaceAuditor, WorkspaceID: 40}}
	b.ReportAllocs()
	for b.Loop() {
		s := NewSet(grants)
		if !Can(s, ManageOrganizations, 0) || !Can(s, ManageClients, 12) || Can(s, ManageClients, 3) {
			b.Fatal("wrong decision")
		}
	}
}

func BenchmarkCan(b *testing.B) {
	s := NewSet([]Grant{{Role: TenantAuditor, WorkspaceID: 0}, {Role: WorkspaceAdmin, WorkspaceID: 12}})
	b.ReportAllocs()
	for b.Loop() {
		if !Can(s, ManageClients, 12) {
			b.Fatal("wrong decision")
		}
	}
}
