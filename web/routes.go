package web

import (
	"net/http"

	"gatehouse/handlers"
	"gatehouse/models/authz"
	"gatehouse/web/limit"
	gm "gatehouse/web/middleware"

	"github.com/labstack/echo/v4"
)

// RouteTable records the permission every tenant route declares, so a test
// can prove that none is left without one. Default deny: a tenant route is
// either public (sign-in) or names its permission.
type RouteTable struct {
	Perms  map[string]authz.Permission // "METHOD path" → permission
	Public map[string]bool             // "METHOD path" of tenant routes open to anyone
}

type tenantRoutes struct {
	g      *echo.Group
	guards *gm.Guards
	t      *RouteTable
	limits *routeLimits
}

// need registers a signed-in tenant route guarded by permission p.
func (r tenantRoutes) need(method, path string, h echo.HandlerFunc, p authz.Permission) {
	r.g.Add(method, path, h, r.guards.SignedIn, gm.Need(p))
	r.t.Perms[method+" /t/:tenant"+path] = p
}

// needIn registers a signed-in route inside one workspace (its path has
// :workspace, the slug): the workspace is loaded inside the URL's tenant (404
// when it does not exist or the viewer cannot see it) and p must be held in
// it, tenant-wide or through a workspace role bound to it (else 403).
func (r tenantRoutes) needIn(method, path string, h echo.HandlerFunc, p authz.Permission) {
	r.g.Add(method, path, h, r.guards.SignedIn, r.guards.Workspace, gm.NeedIn(p))
	r.t.Perms[method+" /t/:tenant"+path] = p
}

// needOrg registers a signed-in route inside one Organization (its path
// has :org, the name): the Organization is loaded inside the URL's tenant
// (404 when it does not exist or the viewer cannot read it) and p must be
// held in it, tenant-wide or through an organization role bound to it.
func (r tenantRoutes) needOrg(method, path string, h echo.HandlerFunc, p authz.Permission) {
	r.g.Add(method, path, h, r.guards.SignedIn, r.guards.Organization, gm.NeedInOrganization(p))
	r.t.Perms[method+" /t/:tenant"+path] = p
}

// needAnywhere registers a signed-in tenant route for viewers holding p
// tenant-wide or in at least one workspace; its handler shows each viewer
// only what they may see.
func (r tenantRoutes) needAnywhere(method, path string, h echo.HandlerFunc, p authz.Permission) {
	r.g.Add(method, path, h, r.guards.SignedIn, gm.NeedAnywhere(p))
	r.t.Perms[method+" /t/:tenant"+path] = p
}

// public registers a tenant route that needs no sign-in (sign-in itself).
func (r tenantRoutes) public(method, path string, h echo.HandlerFunc) {
	r.g.Add(method, path, h)
	r.t.Public[method+" /t/:tenant"+path] = true
}

// publicLimited registers a public tenant route under a per-address rate limit.
func (r tenantRoutes) publicLimited(l *limit.Limiter, method, path string, h echo.HandlerFunc) {
	r.public(method, path, h)
	r.limits.limit(l, method, "/t/:tenant"+path)
}

// routes is THE URL map.
func routes(app *echo.Group, h *handlers.Handler, guards *gm.Guards, limits *routeLimits) *RouteTable {
	rt := &RouteTable{Perms: map[string]authz.Permission{}, Public: map[string]bool{}}

	// Posts anyone may send (sign-in steps, invitations, password resets)
	// are rate limited per client address; e-mailed code requests have a
	// limit of their own, checked by the sign-in handler.
	limited := func(l *limit.Limiter, method, path string, h echo.HandlerFunc) {
		app.Add(method, path, h)
		limits.limit(l, method, path)
	}
	app.GET("/", h.Home)
	app.GET("/go", h.Go)
	app.GET("/invitations/:token", h.InvitationShow)
	limited(limits.invitations, http.MethodPost, "/invitations/:token", h.InvitationAccept)
	app.GET("/password-reset/:token", h.PasswordResetShow)
	limited(limits.passwordReset, http.MethodPost, "/password-reset/:token", h.PasswordReset)
	// Organization invitations: the organization is found through the invitation.
	app.GET("/o/:organization/invitations/:token", h.OrgInvitationShow)
	limited(limits.invitations, http.MethodPost, "/o/:organization/invitations/:token", h.OrgInvitationAccept)

	t := tenantRoutes{g: app.Group("/t/:tenant", guards.Tenant), guards: guards, t: rt, limits: limits}
	t.public(http.MethodGet, "/login", h.LoginForm)
	t.publicLimited(limits.signIn, http.MethodPost, "/login", h.Login)
	t.public(http.MethodPost, "/logout", h.Logout)
	t.publicLimited(limits.signIn, http.MethodPost, "/login/restart", h.LoginRestart)
	t.public(http.MethodGet, "/login/enroll", h.EnrollForm)
	t.publicLimited(limits.signIn, http.MethodPost, "/login/enroll", h.Enroll)
	// Passkeys (WebAuthn ceremonies, JSON) and single sign-on with the
	// tenant's identity provider: sign-in steps like the others.
	t.publicLimited(limits.signIn, http.MethodPost, "/login/passkey/begin", h.LoginPasskeyBegin)
	t.publicLimited(limits.signIn, http.MethodPost, "/login/passkey/finish", h.LoginPasskeyFinish)
	t.publicLimited(limits.signIn, http.MethodPost, "/login/sso", h.LoginSSO)
	t.publicLimited(limits.signIn, http.MethodGet, "/login/sso/callback", h.LoginSSOCallback)

	t.need(http.MethodGet, "", h.Dashboard, authz.SignedIn)
	t.need(http.MethodGet, "/", h.Dashboard, authz.SignedIn)

	// System overview: what Tenant Members (and Tenant Admins and Auditors) may read of the system.
	t.need(http.MethodGet, "/overview", h.Overview, authz.ReadSystemEnvironment)

	// Creating posts to the list's /new page (the form's own URL) or to the
	// list itself; both are the same handler.
	// Workspaces, each with its Manage Access and its audit events. Workspace
	// routes check their permission inside the URL's workspace (needIn).
	const ws, one = "/workspaces", "/workspaces/:workspace"
	t.needAnywhere(http.MethodGet, ws, h.WorkspaceList, authz.GetWorkspace)
	t.need(http.MethodGet, ws+"/new", h.WorkspaceNewForm, authz.CreateWorkspace)
	t.need(http.MethodPost, ws+"/new", h.WorkspaceCreate, authz.CreateWorkspace)
	t.need(http.MethodPost, ws, h.WorkspaceCreate, authz.CreateWorkspace)
	t.needIn(http.MethodGet, one, h.WorkspaceShow, authz.GetWorkspace)
	t.needIn(http.MethodPost, one, h.WorkspaceUpdate, authz.UpdateWorkspace)
	t.needIn(http.MethodGet, one+"/delete", h.WorkspaceDeleteForm, authz.DeleteWorkspace)
	t.needIn(http.MethodPost, one+"/delete", h.WorkspaceDelete, authz.DeleteWorkspace)
	t.needIn(http.MethodGet, one+"/access", h.WorkspaceAccess, authz.ReadWorkspaceRoles)
	t.needIn(http.MethodPost, one+"/access", h.WorkspaceAddUser, authz.ManageWorkspaceRoles)
	t.needIn(http.MethodGet, one+"/access/candidates", h.WorkspaceCandidates, authz.ManageWorkspaceRoles)
	t.needIn(http.MethodPost, one+"/access/:binding/delete", h.WorkspaceRemoveUser, authz.ManageWorkspaceRoles)
	t.needIn(http.MethodGet, one+"/audit", h.AuditList, authz.ReadAuditEvents)
	t.needIn(http.MethodGet, one+"/audit/export.csv", h.AuditExport, authz.ReadAuditEvents)

	// Organizations: reading any of it needs Read Organizations, changing it
	// (and the pages that only serve a change: new, delete) Manage
	// Organizations; the Members picker also needs Read Users (checked by its handler).
	const orgs, org = "/organizations", "/organizations/:org"
	t.needAnywhere(http.MethodGet, orgs, h.OrgList, authz.ReadOrganizations)
	t.need(http.MethodGet, orgs+"/new", h.OrgNewForm, authz.ManageOrganizations)
	t.need(http.MethodPost, orgs+"/new", h.OrgCreate, authz.ManageOrganizations)
	t.need(http.MethodPost, orgs, h.OrgCreate, authz.ManageOrganizations)
	t.needOrg(http.MethodGet, org, h.OrgShow, authz.ReadOrganizations)
	t.needOrg(http.MethodPost, org, h.OrgUpdate, authz.ManageOrganizations)
	t.needOrg(http.MethodGet, org+"/delete", h.OrgDeleteForm, authz.ManageOrganizations)
	t.needOrg(http.MethodPost, org+"/delete", h.OrgDelete, authz.ManageOrganizations)
	t.needOrg(http.MethodGet, org+"/members", h.OrgMembers, authz.ReadOrganizations)
	t.needOrg(http.MethodPost, org+"/members", h.OrgAddMember, authz.ManageOrganizationMembers)
	t.needOrg(http.MethodGet, org+"/members/candidates", h.OrgMemberCandidates, authz.ReadOrganizations)
	t.needOrg(http.MethodGet, org+"/members/:user", h.OrgMember, authz.ReadOrganizations)
	t.needOrg(http.MethodPost, org+"/members/:user/delete", h.OrgRemoveMember, authz.ManageOrganizationMembers)
	t.needOrg(http.MethodPost, org+"/members/:user/roles", h.OrgAssignMemberRole, authz.ManageOrganizationMembers)
	t.needOrg(http.MethodPost, org+"/members/:user/roles/:role/delete", h.OrgRemoveMemberRole, authz.ManageOrganizationMembers)
	t.needOrg(http.MethodGet, org+"/invitations", h.OrgInvitations, authz.ReadOrganizations)
	t.needOrg(http.MethodPost, org+"/invitations", h.OrgInvite, authz.ManageOrganizationMembers)
	t.needOrg(http.MethodPost, org+"/invitations/:invitation/resend", h.OrgResendInvitation, authz.ManageOrganizationMembers)
	t.needOrg(http.MethodPost, org+"/invitations/:invitation/revoke", h.OrgRevokeInvitation, authz.ManageOrganizationMembers)
	t.needOrg(http.MethodGet, org+"/connections", h.OrgConnections, authz.ReadOrganizations)
	t.needOrg(http.MethodPost, org+"/connections", h.OrgEnableConnection, authz.ManageOrganizations)
	t.needOrg(http.MethodPost, org+"/connections/:connection", h.OrgUpdateConnection, authz.ManageOrganizations)
	t.needOrg(http.MethodPost, org+"/connections/:connection/delete", h.OrgDisableConnection, authz.ManageOrganizations)

	// User Management (Auth0's editor roles' world): Users, Connections, Roles.
	// Pages that only serve a mutation (new, delete) need its permission.
	const users, conns, roles = "/users", "/connections", "/roles"
	t.need(http.MethodGet, users, h.UserList, authz.ReadUsers)
	t.need(http.MethodGet, users+"/new", h.UserNewForm, authz.ManageUsers)
	t.need(http.MethodPost, users+"/new", h.UserCreate, authz.ManageUsers)
	t.need(http.MethodPost, users, h.UserCreate, authz.ManageUsers)
	t.need(http.MethodGet, users+"/:id", h.UserShow, authz.ReadUsers)
	t.need(http.MethodPost, users+"/:id", h.UserUpdate, authz.ManageUsers)
	t.need(http.MethodPost, users+"/:id/block", h.UserBlock, authz.ManageUsers)
	t.need(http.MethodPost, users+"/:id/unblock", h.UserUnblock, authz.ManageUsers)
	t.need(http.MethodGet, users+"/:id/delete", h.UserDeleteForm, authz.ManageUsers)
	t.need(http.MethodPost, users+"/:id/delete", h.UserDelete, authz.ManageUsers)
	t.need(http.MethodGet, conns, h.ConnectionList, authz.ReadConnections)
	t.need(http.MethodGet, conns+"/new", h.ConnectionNewForm, authz.CreateConnections)
	t.need(http.MethodPost, conns+"/new", h.ConnectionCreate, authz.CreateConnections)
	t.need(http.MethodPost, conns, h.ConnectionCreate, authz.CreateConnections)
	t.need(http.MethodGet, conns+"/:id", h.ConnectionShow, authz.ReadConnections)
	t.need(http.MethodPost, conns+"/:id", h.ConnectionUpdate, authz.UpdateConnections)
	t.need(http.MethodGet, conns+"/:id/delete", h.ConnectionDeleteForm, authz.DeleteConnections)
	t.need(http.MethodPost, conns+"/:id/delete", h.ConnectionDelete, authz.DeleteConnections)
	t.need(http.MethodGet, roles, h.EndUserRoleList, authz.ReadRoles)
	t.need(http.MethodGet, roles+"/new", h.EndUserRoleNewForm, authz.ManageRoles)
	t.need(http.MethodPost, roles+"/new", h.EndUserRoleCreate, authz.ManageRoles)
	t.need(http.MethodPost, roles, h.EndUserRoleCreate, authz.ManageRoles)
	t.need(http.MethodGet, roles+"/:id", h.EndUserRoleShow, authz.ReadRoles)
	t.need(http.MethodPost, roles+"/:id", h.EndUserRoleUpdate, authz.ManageRoles)
	t.need(http.MethodGet, roles+"/:id/delete", h.EndUserRoleDeleteForm, authz.ManageRoles)
	t.need(http.MethodPost, roles+"/:id/delete", h.EndUserRoleDelete, authz.ManageRoles)

	// Audit log: the tenant's audit events and their CSV export.
	t.need(http.MethodGet, "/audit", h.AuditList, authz.ReadAuditEvents)
	t.need(http.MethodGet, "/audit/export.csv", h.AuditExport, authz.ReadAuditEvents)

	// Tenant Settings > Administrators and the User Profile. Its changes
	// also need the tenant's administrators to be managed here (feature
	// flags: not when administrator management is off, nor for advanced
	// and legacy tenants, whose Admin workspace does it): classic(...).
	const admins = "/settings/administrators"
	classic := gm.ClassicAdminManagement
	t.need(http.MethodGet, admins, h.AdminList, authz.ReadTenantRoles)
	t.need(http.MethodGet, admins+"/new", classic(h.AdminNewForm), authz.ManageTenantRoles)
	t.need(http.MethodPost, admins+"/new", classic(h.AdminCreate), authz.ManageTenantRoles)
	t.need(http.MethodPost, admins, classic(h.AdminCreate), authz.ManageTenantRoles)
	t.need(http.MethodGet, admins+"/:id", h.AdminProfile, authz.ReadTenantRoles)
	t.need(http.MethodPost, admins+"/:id/roles", classic(h.AdminAssignRole), authz.ManageTenantRoles)
	t.need(http.MethodPost, admins+"/:id/roles/:binding/delete", classic(h.AdminRemoveRole), authz.ManageTenantRoles)
	t.need(http.MethodPost, admins+"/:id/status", classic(h.AdminSetStatus), authz.ManageTenantRoles)
	t.need(http.MethodPost, admins+"/:id/invitation/resend", classic(h.AdminResendInvitation), authz.ManageTenantRoles)
	t.need(http.MethodPost, admins+"/:id/invitation/revoke", classic(h.AdminRevokeInvitation), authz.ManageTenantRoles)
	t.need(http.MethodPost, admins+"/:id/password-reset", classic(h.AdminSendPasswordReset), authz.ManageTenantRoles)
	t.need(http.MethodPost, admins+"/:id/sessions/:session/delete", classic(h.AdminEndSession), authz.ManageTenantRoles)
	t.need(http.MethodPost, admins+"/:id/unlock", classic(h.AdminUnlock), authz.ManageTenantRoles)
	t.need(http.MethodPost, admins+"/:id/totp/reset", classic(h.AdminResetTOTP), authz.ManageTenantRoles)

	// Governance (issue 16): custom administrator roles, the access
	// explainer, access reviews, elevation, four eyes. Kept together here.
	governanceRoutes(t, h)

	// Tenant Settings > Tenant, Sign In / Sign Up, Password Policy, Brute Force Protection:
	// read by auditors (read only), changed by those who manage them.
	const settings = "/settings"
	t.need(http.MethodGet, settings+"/tenant", h.TenantSettings, authz.GetTenant)
	t.need(http.MethodPost, settings+"/tenant", h.TenantSettingsSave, authz.UpdateTenant)
	t.need(http.MethodGet, settings+"/sign-in", h.SignInSettings, authz.ReadMFAMethods)
	t.need(http.MethodPost, settings+"/sign-in", h.SignInSettingsSave, authz.ManageMFAMethods)
	t.need(http.MethodGet, settings+"/password-policy", h.PasswordPolicySettings, authz.ReadMFAMethods)
	t.need(http.MethodPost, settings+"/password-policy", h.PasswordPolicySave, authz.ManageMFAMethods)
	t.need(http.MethodGet, settings+"/brute-force", h.BruteForceSettings, authz.ReadBruteForceProtectionSettings)
	t.need(http.MethodPost, settings+"/brute-force", h.BruteForceSave, authz.ManageBruteForceProtectionSettings)
	// Tenant Settings > Single Sign-On (the administrators' identity
	// provider): an MFA method, read and managed as the others.
	t.need(http.MethodGet, settings+"/sso", h.SSOSettings, authz.ReadMFAMethods)
	t.need(http.MethodPost, settings+"/sso", h.SSOSettingsSave, authz.ManageMFAMethods)
	t.need(http.MethodPost, settings+"/sso/remove", h.SSORemove, authz.ManageMFAMethods)

	// Account: every signed-in administrator's own page (always about
	// themselves: the administrator comes from the session, not the URL).
	const account = "/account"
	t.need(http.MethodGet, account, h.Account, authz.SignedIn)
	t.need(http.MethodPost, account+"/name", h.AccountName, authz.SignedIn)
	t.need(http.MethodPost, account+"/password", h.AccountPassword, authz.SignedIn)
	t.need(http.MethodGet, account+"/totp", h.AccountTOTPForm, authz.SignedIn)
	t.need(http.MethodPost, account+"/totp", h.AccountTOTPConfirm, authz.SignedIn)
	t.need(http.MethodPost, account+"/totp/remove", h.AccountTOTPRemove, authz.SignedIn)
	t.need(http.MethodPost, account+"/recovery-codes", h.AccountRecoveryCodes, authz.SignedIn)
	t.need(http.MethodPost, account+"/passkeys/begin", h.AccountPasskeyBegin, authz.SignedIn)
	t.need(http.MethodPost, account+"/passkeys/finish", h.AccountPasskeyFinish, authz.SignedIn)
	t.need(http.MethodGet, account+"/passkeys/:passkey/delete", h.AccountPasskeyRemoveForm, authz.SignedIn)
	t.need(http.MethodPost, account+"/passkeys/:passkey/delete", h.AccountPasskeyRemove, authz.SignedIn)
	t.need(http.MethodPost, account+"/sessions/:session/delete", h.AccountEndSession, authz.SignedIn)
	return rt
}
