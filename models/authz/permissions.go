package authz

import "strings"

// Permission is the stable key of one action an administrator may perform.
// Keys are stored nowhere but are safe to log and to show in audit events.
type Permission string

// The 53 actions of SecureAuth's administrator role matrix, in its order.
const (
	GetTenant                          Permission = "get_tenant"
	UpdateTenant                       Permission = "update_tenant"
	ReadTenantRoles                    Permission = "read_tenant_roles"
	ManageTenantRoles                  Permission = "manage_tenant_roles"
	CreateWorkspace                    Permission = "create_workspace"
	ReadThemes                         Permission = "read_themes"
	ManageThemes                       Permission = "manage_themes"
	ReadMFAMethods                     Permission = "read_mfa_methods"
	ManageMFAMethods                   Permission = "manage_mfa_methods"
	ReadBruteForceProtectionSettings   Permission = "read_brute_force_protection_settings"
	ManageBruteForceProtectionSettings Permission = "manage_brute_force_protection_settings"
	ReadWorkspaceThemeBinding          Permission = "read_workspace_theme_binding"
	ManageWorkspaceThemeBinding        Permission = "manage_workspace_theme_binding"
	ReadIdentityPools                  Permission = "read_identity_pools"
	ManageIdentityPools                Permission = "manage_identity_pools"
	ReadIdentityPoolUsers              Permission = "read_identity_pool_users"
	ManageIdentityPoolUsers            Permission = "manage_identity_pool_users"
	ReadPermissionSystems              Permission = "read_permission_systems"
	ManagePermissionSystems            Permission = "manage_permission_systems"
	GetWorkspace                       Permission = "get_workspace"
	UpdateWorkspace                    Permission = "update_workspace"
	DeleteWorkspace                    Permission = "delete_workspace"
	ReadWorkspaceRoles                 Permission = "read_workspace_roles"
	ManageWorkspaceRoles               Permission = "manage_workspace_roles"
	ReadWorkspaceAnalytics             Permission = "read_workspace_analytics"
	ReadServicesInWorkspace            Permission = "read_services_in_workspace"
	ManageServicesInWorkspace          Permission = "manage_services_in_workspace"
	ReadWorkspaceIDPs                  Permission = "read_workspace_idps"
	ManageWorkspaceIDPs                Permission = "manage_workspace_idps"
	ReadWorkspaceExtensionScripts      Permission = "read_workspace_extension_scripts"
	ManageWorkspaceExtensionScripts    Permission = "manage_workspace_extension_scripts"
	ReadWorkspaceClaims                Permission = "read_workspace_claims"
	ManageWorkspaceClaims              Permission = "manage_workspace_claims"
	ReadWorkspaceAuthorizers           Permission = "read_workspace_authorizers"
	ManageWorkspaceAuthorizers         Permission = "manage_workspace_authorizers"
	ReadWorkspaceAPIs                  Permission = "read_workspace_apis"
	ManageWorkspaceAPIs                Permission = "manage_workspace_apis"
	ReadWorkspacePolicies              Permission = "read_workspace_policies"
	ManageWorkspacePolicies            Permission = "manage_workspace_policies"
	ReadWebhooks                       Permission = "read_webhooks"
	ManageWebhooks                     Permission = "manage_webhooks"
	ReadCustomApps                     Permission = "read_custom_apps"
	ManageCustomApps                   Permission = "manage_custom_apps"
	ReadSecrets                        Permission = "read_secrets"
	ManageSecrets                      Permission = "manage_secrets"
	ReadAuditEvents                    Permission = "read_audit_events"
	ReadClients                        Permission = "read_clients"
	ManageClients                      Permission = "manage_clients"
	ReadSystemTemplates                Permission = "read_system_templates"
	ReadSystemTenantServices           Permission = "read_system_tenant_services"
	ReadSystemTenantAPIs               Permission = "read_system_tenant_apis"
	ReadSystemEnvironment              Permission = "read_system_environment"
	ReadSystemNotifications            Permission = "read_system_notifications"
)

// The permissions Auth0's dashboard editor roles add beyond the matrix.
const (
	// ReadOrganizations lists and views Organizations and all their configuration.
	ReadOrganizations Permission = "read_organizations"
	// ManageOrganizations creates, updates and deletes Organizations and their
	// configuration: members, invitations, member roles, enabled connections,
	// branding and metadata.
	ManageOrganizations Permission = "manage_organizations"
	// ReadUsers lists and views identity-pool users (end users).
	ReadUsers Permission = "read_users"
	// ManageUsers creates, updates, blocks and deletes identity-pool users.
	ManageUsers Permission = "manage_users"
	// ReadConnections lists and views connections.
	ReadConnections Permission = "read_connections"
	// CreateConnections creates connections.
	CreateConnections Permission = "create_connections"
	// UpdateConnections updates, enables and disables connections.
	UpdateConnections Permission = "update_connections"
	// DeleteConnections deletes connections.
	DeleteConnections Permission = "delete_connections"
	// ReadRoles lists and views end-user roles (those Organization members get).
	ReadRoles Permission = "read_roles"
	// ManageRoles creates, updates and deletes end-user roles.
	ManageRoles Permission = "manage_roles"
	// ReadLogs reads the tenant's logs (audit events) as Auth0's "Editor - Users" does.
	ReadLogs Permission = "read_logs"
	// ManageOrganizationMembers adds and removes an Organization's members,
	// their roles and its invitations (what Organization Admin does in its
	// one organization); Manage Organizations includes it in effect, as
	// every role holding that holds this too.
	ManageOrganizationMembers Permission = "manage_organization_members"
)

// SignedIn is the pseudo-permission every signed-in administrator holds,
// whatever their roles: it guards the dashboard home and the account page.
// No role grants it and it is not in the Catalog; a Set from NewSet holds it
// and the zero Set does not.
const SignedIn Permission = "signed_in"

// Action describes one permission.
type Action struct {
	Permission Permission
	// Name is the exact action text of the SecureAuth matrix for its 53
	// rows, and a name in the same style for the others.
	Name string
	// Workspace is true when the permission is meaningful inside one
	// workspace (the "Get Workspace" … "Manage Clients" block of the matrix),
	// so that a workspace role can grant it for its workspace.
	Workspace bool
	// Organization is true when the permission is meaningful inside one
	// Organization, so that an organization role can grant it there.
	Organization bool
}

// Mutates reports whether the action changes something (its name starts with
// Manage, Create, Update or Delete) rather than only reading.
func (a Action) Mutates() bool {
	verb, _, _ := strings.Cut(a.Name, " ")
	switch verb {
	case "Manage", "Create", "Update", "Delete":
		return true
	}
	return false
}

// matrixSize is the number of actions in SecureAuth's role matrix; they come
// first in catalog.
const matrixSize = 53

// catalog is every grantable permission: the matrix in its order, then the
// extras. Its length is a constant (it sizes the bit sets).
var catalog = [...]Action{
	{GetTenant, "Get Tenant", false, false},
	{UpdateTenant, "Update Tenant", false, false},
	{ReadTenantRoles, "Read Tenant Roles", false, false},
	{ManageTenantRoles, "Manage Tenant Roles", false, false},
	{CreateWorkspace, "Create Workspace", false, false},
	{ReadThemes, "Read Themes", false, false},
	{ManageThemes, "Manage Themes", false, false},
	{ReadMFAMethods, "Read MFA Methods", false, false},
	{ManageMFAMethods, "Manage MFA Methods", false, false},
	{ReadBruteForceProtectionSettings, "Read Brute Force Protection Settings", false, false},
	{ManageBruteForceProtectionSettings, "Manage Brute Force Protection Settings", false, false},
	{ReadWorkspaceThemeBinding, "Read Workspace Theme Binding", false, false},
	{ManageWorkspaceThemeBinding, "Manage Workspace Theme Binding", false, false},
	{ReadIdentityPools, "Read Identity Pools", false, false},
	{ManageIdentityPools, "Manage Identity Pools", false, false},
	{ReadIdentityPoolUsers, "Read Identity Pool Users", false, false},
	{ManageIdentityPoolUsers, "Manage Identity Pool Users", false, false},
	{ReadPermissionSystems, "Read Permission Systems", false, false},
	{ManagePermissionSystems, "Manage Permission Systems", false, false},
	{GetWorkspace, "Get Workspace", true, false},
	{UpdateWorkspace, "Update Workspace", true, false},
	{DeleteWorkspace, "Delete Workspace", true, false},
	{ReadWorkspaceRoles, "Read Workspace Roles", true, false},
	{ManageWorkspaceRoles, "Manage Workspace Roles", true, false},
	{ReadWorkspaceAnalytics, "Read Workspace Analytics", true, false},
	{ReadServicesInWorkspace, "Read Services in Workspace", true, false},
	{ManageServicesInWorkspace, "Manage Services in Workspace", true, false},
	{ReadWorkspaceIDPs, "Read Workspace IDPs", true, false},
	{ManageWorkspaceIDPs, "Manage Workspace IDPs", true, false},
	{ReadWorkspaceExtensionScripts, "Read Workspace Extension Scripts", true, false},
	{ManageWorkspaceExtensionScripts, "Manage Workspace Extension Scripts", true, false},
	{ReadWorkspaceClaims, "Read Workspace Claims", true, false},
	{ManageWorkspaceClaims, "Manage Workspace Claims", true, false},
	{ReadWorkspaceAuthorizers, "Read Workspace Authorizers", true, false},
	{ManageWorkspaceAuthorizers, "Manage Workspace Authorizers", true, false},
	{ReadWorkspaceAPIs, "Read Workspace APIs", true, false},
	{ManageWorkspaceAPIs, "Manage Workspace APIs", true, false},
	{ReadWorkspacePolicies, "Read Workspace Policies", true, false},
	{ManageWorkspacePolicies, "Manage Workspace Policies", true, false},
	{ReadWebhooks, "Read Webhooks", true, false},
	{ManageWebhooks, "Manage Webhooks", true, false},
	{ReadCustomApps, "Read Custom Apps", true, false},
	{ManageCustomApps, "Manage Custom Apps", true, false},
	{ReadSecrets, "Read Secrets", true, false},
	{ManageSecrets, "Manage Secrets", true, false},
	{ReadAuditEvents, "Read Audit Events", true, false},
	{ReadClients, "Read Clients", true, false},
	{ManageClients, "Manage Clients", true, false},
	{ReadSystemTemplates, "Read System Templates (UI components)", false, false},
	{ReadSystemTenantServices, "Read System Tenant Services", false, false},
	{ReadSystemTenantAPIs, "Read System Tenant APIs", false, false},
	{ReadSystemEnvironment, "Read System Environment (overall state of the tenant)", false, false},
	{ReadSystemNotifications, "Read System Notifications", false, false},

	{ReadOrganizations, "Read Organizations", false, true},
	{ManageOrganizations, "Manage Organizations", false, false},
	{ReadUsers, "Read Users", false, false},
	{ManageUsers, "Manage Users", false, false},
	{ReadConnections, "Read Connections", false, false},
	{CreateConnections, "Create Connections", false, false},
	{UpdateConnections, "Update Connections", false, false},
	{DeleteConnections, "Delete Connections", false, false},
	{ReadRoles, "Read Roles", false, false},
	{ManageRoles, "Manage Roles", false, false},
	{ReadLogs, "Read Logs", false, false},
	{ManageOrganizationMembers, "Manage Organization Members", false, true},
}

// signedInAction is what Lookup answers for SignedIn.
var signedInAction = Action{Permission: SignedIn, Name: "Signed In"}

// index maps each catalog permission to its position (its bit).
var index = func() map[Permission]int {
	m := make(map[Permission]int, len(catalog))
	for i, a := range catalog {
		if _, dup := m[a.Permission]; dup {
			panic("authz: duplicate permission " + string(a.Permission))
		}
		m[a.Permission] = i
	}
	return m
}()

// Catalog returns every grantable permission in a stable order: the 53
// matrix actions in the matrix's order, then the extras. SignedIn is not in
// it (no role grants it). The slice is the caller's to keep.
func Catalog() []Action {
	out := make([]Action, len(catalog))
	copy(out, catalog[:])
	return out
}

// Lookup returns the Action of p. It knows every catalog permission and
// SignedIn; anything else is reported missing.
func Lookup(p Permission) (Action, bool) {
	if p == SignedIn {
		return signedInAction, true
	}
	i, ok := index[p]
	if !ok {
		return Action{}, false
	}
	return catalog[i], true
}

// bits is a set of catalog permissions, one bit per catalog position.
type bits [(len(catalog) + 63) / 64]uint64

func (b *bits) set(i int)     { b[i/64] |= 1 << (uint(i) % 64) }
func (b bits) has(i int) bool { return b[i/64]&(1<<(uint(i)%64)) != 0 }
func (b *bits) or(o bits) {
	for k := range b {
		b[k] |= o[k]
	}
}
func (b bits) and(o bits) bits {
	for k := range b {
		b[k] &= o[k]
	}
	return b
}
func (b bits) empty() bool { return b == bits{} }

// mutating holds every catalog permission whose action Mutates.
var mutating = func() bits {
	var b bits
	for i, a := range catalog {
		if a.Mutates() {
			b.set(i)
		}
	}
	return b
}()
