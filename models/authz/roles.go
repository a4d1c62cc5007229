package authz

import "slices"

// Scope says where a role's permissions apply.
type Scope string

const (
	// ScopeTenant roles apply to the whole tenant; they are bound with no workspace.
	ScopeTenant Scope = "tenant"
	// ScopeWorkspace roles apply only inside the one workspace they are bound to.
	ScopeWorkspace Scope = "workspace"
	// ScopeOrganization roles apply only inside the one Organization they
	// are bound to.
	ScopeOrganization Scope = "organization"
)

// RoleKey is a built-in role's stable key, the value used in forms and
// stored in role bindings.
type RoleKey string

// The built-in roles.
const (
	TenantAdmin         RoleKey = "tenant_admin"
	TenantAuditor       RoleKey = "tenant_auditor"
	TenantMember        RoleKey = "tenant_member"
	WorkspaceAdmin      RoleKey = "workspace_admin"
	WorkspaceAuditor    RoleKey = "workspace_auditor"
	EditorOrganizations RoleKey = "editor_organizations"
	EditorUsers         RoleKey = "editor_users"
	EditorConnections   RoleKey = "editor_connections"
	OrganizationAdmin   RoleKey = "organization_admin"
)

// Role is a named set of permissions with a scope.
type Role struct {
	Key         RoleKey
	Name        string
	Scope       Scope
	Description string
	// Permissions in catalog order.
	Permissions []Permission
	// RequiresPlan lists the tenant plans on which the role may be assigned;
	// nil means every plan.
	RequiresPlan []string
	// Custom is true for a role a tenant made (NewCustomRole).
	Custom bool
}

// Has reports whether r grants p.
func (r Role) Has(p Permission) bool { return slices.Contains(r.Permissions, p) }

// AvailableOn reports whether r may be assigned on a tenant with the given
// plan ("free", "professional", "enterprise").
func (r Role) AvailableOn(plan string) bool {
	return r.RequiresPlan == nil || slices.Contains(r.RequiresPlan, plan)
}

// matrix is SecureAuth's role matrix, row for row as in
// spec/secureauth-role-matrix.csv (columns tenant_admin, tenant_auditor,
// workspace_admin, workspace_auditor, tenant_member). matrix_test.go checks
// it against that file cell by cell.
const (
	y = true
	n = false
)

var matrix = [matrixSize]struct {
	p                                                            Permission
	tenantAdmin, tenantAuditor, wsAdmin, wsAuditor, tenantMember bool
}{
	{GetTenant, y, y, n, n, n},
	{UpdateTenant, y, n, n, n, n},
	{ReadTenantRoles, y, y, n, n, n},
	{ManageTenantRoles, y, n, n, n, n},
	{CreateWorkspace, y, n, n, n, n},
	{ReadThemes, y, y, n, n, n},
	{ManageThemes, y, n, n, n, n},
	{ReadMFAMethods, y, y, n, n, n},
	{ManageMFAMethods, y, n, n, n, n},
	{ReadBruteForceProtectionSettings, y, y, n, n, n},
	{ManageBruteForceProtectionSettings, y, n, n, n, n},
	{ReadWorkspaceThemeBinding, y, y, n, n, n},
	{ManageWorkspaceThemeBinding, y, n, n, n, n},
	{ReadIdentityPools, y, y, n, n, n},
	{ManageIdentityPools, y, n, n, n, n},
	{ReadIdentityPoolUsers, y, y, n, n, n},
	{ManageIdentityPoolUsers, y, n, n, n, n},
	{ReadPermissionSystems, y, y, n, n, n},
	{ManagePermissionSystems, y, n, n, n, n},
	{GetWorkspace, y, y, y, y, n},
	{UpdateWorkspace, y, n, y, n, n},
	{DeleteWorkspace, y, n, n, n, n},
	{ReadWorkspaceRoles, y, y, y, y, n},
	{ManageWorkspaceRoles, y, n, y, n, n},
	{ReadWorkspaceAnalytics, y, y, y, y, n},
	{ReadServicesInWorkspace, y, y, y, y, n},
	{ManageServicesInWorkspace, y, n, y, n, n},
	{ReadWorkspaceIDPs, y, y, y, y, n},
	{ManageWorkspaceIDPs, y, n, y, n, n},
	{ReadWorkspaceExtensionScripts, y, y, y, y, n},
	{ManageWorkspaceExtensionScripts, y, n, y, n, n},
	{ReadWorkspaceClaims, y, y, y, y, n},
	{ManageWorkspaceClaims, y, n, y, n, n},
	{ReadWorkspaceAuthorizers, y, y, y, y, n},
	{ManageWorkspaceAuthorizers, y, n, y, n, n},
	{ReadWorkspaceAPIs, y, y, y, y, n},
	{ManageWorkspaceAPIs, y, n, y, n, n},
	{ReadWorkspacePolicies, y, y, y, y, n},
	{ManageWorkspacePolicies, y, n, y, n, n},
	{ReadWebhooks, y, y, y, y, n},
	{ManageWebhooks, y, n, y, n, n},
	{ReadCustomApps, y, y, y, y, n},
	{ManageCustomApps, y, n, y, n, n},
	{ReadSecrets, y, y, y, y, n},
	{ManageSecrets, y, n, y, n, n},
	{ReadAuditEvents, y, y, y, y, n},
	{ReadClients, y, y, y, y, n},
	{ManageClients, y, n, y, n, n},
	{ReadSystemTemplates, y, y, n, n, y},
	{ReadSystemTenantServices, y, y, n, n, y},
	{ReadSystemTenantAPIs, y, y, n, n, y},
	{ReadSystemEnvironment, y, y, n, n, y},
	{ReadSystemNotifications, y, y, n, n, y},
}

// roleDefs are the built-in roles in display order: tenant roles first (the
// SecureAuth ones, then Auth0's editors), then the workspace roles. The
// matrix column of a SecureAuth role and the extras are joined in builtins.
var roleDefs = [...]struct {
	Role
	column func(row int) bool // its matrix column; nil for none
	extra  []Permission       // beyond the matrix
}{
	{
		Role: Role{
			Key: TenantAdmin, Name: "Tenant Admin", Scope: ScopeTenant,
			Description: "Administers the entire tenant: tenant settings, sign-in policy, administrators, " +
				"identity pools, themes, every workspace, organizations, users, roles, connections and logs.",
		},
		column: func(i int) bool { return matrix[i].tenantAdmin },
		extra: []Permission{
			ReadOrganizations, ManageOrganizations, ReadUsers, ManageUsers,
			ReadConnections, CreateConnections, UpdateConnections, DeleteConnections,
			ReadRoles, ManageRoles, ReadLogs, ManageOrganizationMembers,
		},
	},
	{
		Role: Role{
			Key: TenantAuditor, Name: "Tenant Auditor", Scope: ScopeTenant,
			Description: "Reads everything in the tenant, every workspace included, and changes nothing.",
		},
		column: func(i int) bool { return matrix[i].tenantAuditor },
		extra:  []Permission{ReadOrganizations, ReadUsers, ReadConnections, ReadRoles, ReadLogs},
	},
	{
		Role: Role{
			Key: TenantMember, Name: "Tenant Member", Scope: ScopeTenant,
			Description: "Signs in and reads the system information of the tenant; " +
				"reaches a workspace only through a workspace role, and more through an editor role.",
		},
		column: func(i int) bool { return matrix[i].tenantMember },
	},
	{
		Role: Role{
			Key: EditorOrganizations, Name: "Editor - Organizations", Scope: ScopeTenant,
			Description: "Creates, reads, updates and deletes all Organization configuration " +
				"(members, invitations, member roles, enabled connections, branding, metadata), " +
				"with read-only access to Users, Roles and Connections.",
			RequiresPlan: []string{"professional", "enterprise"},
		},
		extra: []Permission{ReadOrganizations, ManageOrganizations, ManageOrganizationMembers, ReadUsers, ReadConnections, ReadRoles},
	},
	{
		Role: Role{
			Key: EditorUsers, Name: "Editor - Users", Scope: ScopeTenant,
			Description: "Reads and manages users, and reads the logs.",
		},
		extra: []Permission{ReadUsers, ManageUsers, ReadAuditEvents, ReadLogs},
	},
	{
		Role: Role{
			Key: EditorConnections, Name: "Editor - Connections", Scope: ScopeTenant,
			Description: "Reads, creates and updates connections.",
		},
		extra: []Permission{ReadConnections, CreateConnections, UpdateConnections},
	},
	{
		Role: Role{
			Key: OrganizationAdmin, Name: "Organization Admin", Scope: ScopeOrganization,
			Description: "Reads the one Organization it is bound to and manages its members, member roles and invitations " +
				"(not its settings, connections or deletion); sees no other Organization and nothing else.",
			RequiresPlan: []string{"professional", "enterprise"},
		},
		extra: []Permission{ReadOrganizations, ManageOrganizationMembers},
	},
	{
		Role: Role{
			Key: WorkspaceAdmin, Name: "Workspace Admin", Scope: ScopeWorkspace,
			Description: "Administers the one workspace it is bound to: its settings, roles, services, " +
				"identity providers, scripts, claims, authorizers, APIs, policies, webhooks, apps, secrets and clients.",
		},
		column: func(i int) bool { return matrix[i].wsAdmin },
	},
	{
		Role: Role{
			Key: WorkspaceAuditor, Name: "Workspace Auditor", Scope: ScopeWorkspace,
			Description: "Reads everything in the one workspace it is bound to and changes nothing.",
		},
		column: func(i int) bool { return matrix[i].wsAuditor },
	},
}

// builtin is a role with its permissions as bits, for NewSet.
type builtin struct {
	role Role
	bits bits
}

var (
	builtins = func() [len(roleDefs)]builtin {
		var out [len(roleDefs)]builtin
		for k, d := range roleDefs {
			var b bits
			if d.column != nil {
				for i := range matrix {
					if d.column(i) {
						b.set(index[matrix[i].p])
					}
				}
			}
			for _, p := range d.extra {
				i, ok := index[p]
				if !ok {
					panic("authz: role " + string(d.Key) + " grants unknown permission " + string(p))
				}
				b.set(i)
			}
			r := d.Role
			for i, a := range catalog {
				if b.has(i) {
					r.Permissions = append(r.Permissions, a.Permission)
				}
			}
			out[k] = builtin{role: r, bits: b}
		}
		return out
	}()
	roleIndex = func() map[RoleKey]*builtin {
		m := make(map[RoleKey]*builtin, len(builtins))
		for i := range builtins {
			m[builtins[i].role.Key] = &builtins[i]
		}
		return m
	}()
)

// clone returns a copy of r whose slices the caller may change.
func clone(r Role) Role {
	r.Permissions = slices.Clone(r.Permissions)
	r.RequiresPlan = slices.Clone(r.RequiresPlan)
	return r
}

// Roles returns the built-in roles in display order: Tenant Admin, Tenant
// Auditor, Tenant Member, the three editors, Organization Admin, then
// Workspace Admin and Workspace Auditor.
func Roles() []Role {
	out := make([]Role, len(builtins))
	for i, b := range builtins {
		out[i] = clone(b.role)
	}
	return out
}

// KeyName is a role's key and name.
type KeyName struct {
	Key  RoleKey
	Name string
}

// RoleKeyNames returns the built-in roles' keys and names in the order of
// Roles, without copying their permissions (a list's role filter).
func RoleKeyNames() []KeyName {
	out := make([]KeyName, len(builtins))
	for i, b := range builtins {
		out[i] = KeyName{b.role.Key, b.role.Name}
	}
	return out
}

// RoleByKey returns the built-in role with key k.
func RoleByKey(k RoleKey) (Role, bool) {
	b, ok := roleIndex[k]
	if !ok {
		return Role{}, false
	}
	return clone(b.role), true
}

// TenantRoles returns the tenant-scoped roles in display order: the choices
// of the "Tenant Role" picker.
func TenantRoles() []Role { return rolesIn(ScopeTenant) }

// WorkspaceRoles returns the workspace-scoped roles in display order: the
// choices of "Manage Access > Add User".
func WorkspaceRoles() []Role { return rolesIn(ScopeWorkspace) }

// OrganizationRoles returns the Organization-scoped roles (Organization Admin).
func OrganizationRoles() []Role { return rolesIn(ScopeOrganization) }

func rolesIn(s Scope) []Role {
	var out []Role
	for _, b := range builtins {
		if b.role.Scope == s {
			out = append(out, clone(b.role))
		}
	}
	return out
}
