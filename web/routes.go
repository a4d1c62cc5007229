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
	// Loads names, for each "METHOD path", the path parameters its
	// loaders load (inside the viewer's tenant, 404 outside): a test proves
	// every parameter of every tenant route is loaded, none parsed by hand.
	Loads map[string][]string
}

type tenantRoutes struct {
	g      *echo.Group
	guards *gm.Guards
	t      *RouteTable
	limits *routeLimits
}

// need registers a signed-in tenant route guarded by permission p; its
// loaders (one for each path parameter, in the path's order) then load the
// objects the path names, 404 outside the viewer's tenant.
func (r tenantRoutes) need(method, path string, h echo.HandlerFunc, p authz.Permission, loaders ...gm.Loader) {
	r.add(method, path, h, p, []echo.MiddlewareFunc{r.guards.SignedIn, gm.Need(p)}, loaders)
}

// add registers a route with its guards followed by its loaders.
func (r tenantRoutes) add(method, path string, h echo.HandlerFunc, p authz.Permission, guards []echo.MiddlewareFunc, loaders []gm.Loader, loaded ...string) {
	key := method + " /t/:tenant" + path
	for _, l := range loaders {
		guards = append(guards, l.Middleware())
		loaded = append(loaded, l.Param)
	}
	r.g.Add(method, path, h, guards...)
	r.t.Perms[key] = p
	r.t.Loads[key] = append([]string{"tenant"}, loaded...)
}

// needIn registers a signed-in route inside one workspace (its path has
// :workspace, the slug): the workspace is loaded inside the URL's tenant (404
// when it does not exist or the viewer cannot see it) and p must be held in
// it, tenant-wide or through a workspace role bound to it (else 403).
func (r tenantRoutes) needIn(method, path string, h echo.HandlerFunc, p authz.Permission, loaders ...gm.Loader) {
	r.add(method, path, h, p, []echo.MiddlewareFunc{r.guards.SignedIn, r.guards.Workspace, gm.NeedIn(p)}, loaders, "workspace")
}

// needOrg registers a signed-in route inside one Organization (its path
// has :org, the name): the Organization is loaded inside the URL's tenant
// (404 when it does not exist or the viewer cannot read it) and p must be
// held in it, tenant-wide or through an organization role bound to it.
func (r tenantRoutes) needOrg(method, path string, h echo.HandlerFunc, p authz.Permission, loaders ...gm.Loader) {
	r.add(method, path, h, p, []echo.MiddlewareFunc{r.guards.SignedIn, r.guards.Organization, gm.NeedInOrganization(p)}, loaders, "org")
}

// needAnywhere registers a signed-in tenant route for viewers holding p
// tenant-wide or in at least one workspace; its handler shows each viewer
// only what they may see.
func (r tenantRoutes) needAnywhere(method, path string, h echo.HandlerFunc, p authz.Permission, loaders ...gm.Loader) {
	r.add(method, path, h, p, []echo.MiddlewareFunc{r.guards.SignedIn, gm.NeedAnywhere(p)}, loaders)
}

// needPool registers a signed-in route of one identity pool (its path has
// :pool, the slug) guarded by permission p; the pool is loaded inside the
// URL's tenant (404 when there is none).
func (r tenantRoutes) needPool(method, path string, h echo.HandlerFunc, p authz.Permission, loaders ...gm.Loader) {
	r.add(method, path, h, p, []echo.MiddlewareFunc{r.guards.SignedIn, gm.Need(p), r.guards.IdentityPool}, loaders, "pool")
}

// needPoolUsers registers a signed-in route about the users of one
// identity pool: reading them (manage false) or managing them needs Read /
// Manage Identity Pool Users, which Read / Manage Users stands for in the
// end-user pools (Editor - Users); see gm.CanPoolUsers.
func (r tenantRoutes) needPoolUsers(method, path string, h echo.HandlerFunc, manage bool, loaders ...gm.Loader) {
	p, alt := authz.ReadIdentityPoolUsers, authz.ReadUsers
	if manage {
		p, alt = authz.ManageIdentityPoolUsers, authz.ManageUsers
	}
	r.add(method, path, h, p, []echo.MiddlewareFunc{r.guards.SignedIn, gm.NeedOneOf(p, alt), r.guards.IdentityPool, gm.NeedPoolUsers(manage)}, loaders, "pool")
}

// public registers a tenant route that needs no sign-in (sign-in itself).
func (r tenantRoutes) public(method, path string, h echo.HandlerFunc) {
	r.g.Add(method, path, h)
	r.t.Public[method+" /t/:tenant"+path] = true
	r.t.Loads[method+" /t/:tenant"+path] = []string{"tenant"}
}

// publicLimited registers a public tenant route under a per-address rate limit.
func (r tenantRoutes) publicLimited(l *limit.Limiter, method, path string, h echo.HandlerFunc) {
	r.public(method, path, h)
	r.limits.limit(l, method, "/t/:tenant"+path)
}

// routes is THE URL map.
func routes(app *echo.Group, h *handlers.Handler, guards *gm.Guards, limits *routeLimits) *RouteTable {
	rt := &RouteTable{Perms: map[string]authz.Permission{}, Public: map[string]bool{}, Loads: map[string][]string{}}
	load := guards.Loaders()

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
	// Address verification links (Start OTP verification of a pool user's address).
	app.GET("/verify/:token", h.VerifyAddressShow)
	limited(limits.passwordReset, http.MethodPost, "/verify/:token", h.VerifyAddress)
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
	t.needIn(http.MethodPost, one+"/access/:binding/delete", h.WorkspaceRemoveUser, authz.ManageWorkspaceRoles, load.Binding)
	t.needIn(http.MethodGet, one+"/audit", h.AuditList, authz.ReadAuditEvents)
	t.needIn(http.MethodGet, one+"/audit/export.csv", h.AuditExport, authz.ReadAuditEvents)
	workspaceResourceRoutes(t, h, one)
	secretsScriptsWebhooksRoutes(t, h, one)

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
	t.needOrg(http.MethodGet, org+"/members/:user", h.OrgMember, authz.ReadOrganizations, load.User)
	t.needOrg(http.MethodPost, org+"/members/:user/delete", h.OrgRemoveMember, authz.ManageOrganizationMembers, load.User)
	t.needOrg(http.MethodPost, org+"/members/:user/roles", h.OrgAssignMemberRole, authz.ManageOrganizationMembers, load.User)
	t.needOrg(http.MethodPost, org+"/members/:user/roles/:role/delete", h.OrgRemoveMemberRole, authz.ManageOrganizationMembers, load.User, load.Role)
	t.needOrg(http.MethodGet, org+"/invitations", h.OrgInvitations, authz.ReadOrganizations)
	t.needOrg(http.MethodPost, org+"/invitations", h.OrgInvite, authz.ManageOrganizationMembers)
	t.needOrg(http.MethodPost, org+"/invitations/:invitation/resend", h.OrgResendInvitation, authz.ManageOrganizationMembers, load.Invitation)
	t.needOrg(http.MethodPost, org+"/invitations/:invitation/revoke", h.OrgRevokeInvitation, authz.ManageOrganizationMembers, load.Invitation)
	t.needOrg(http.MethodGet, org+"/connections", h.OrgConnections, authz.ReadOrganizations)
	t.needOrg(http.MethodPost, org+"/connections", h.OrgEnableConnection, authz.ManageOrganizations)
	t.needOrg(http.MethodPost, org+"/connections/:connection", h.OrgUpdateConnection, authz.ManageOrganizations, load.Connection)
	t.needOrg(http.MethodPost, org+"/connections/:connection/delete", h.OrgDisableConnection, authz.ManageOrganizations, load.Connection)

	// User Management (Auth0's editor roles' world): Users, Connections, Roles.
	// Pages that only serve a mutation (new, delete) need its permission.
	const users, conns, roles = "/users", "/connections", "/roles"
	t.need(http.MethodGet, users, h.UserList, authz.ReadUsers)
	t.need(http.MethodGet, users+"/new", h.UserNewForm, authz.ManageUsers)
	t.need(http.MethodPost, users+"/new", h.UserCreate, authz.ManageUsers)
	t.need(http.MethodPost, users, h.UserCreate, authz.ManageUsers)
	t.need(http.MethodGet, users+"/:user", h.UserShow, authz.ReadUsers, load.User)
	t.need(http.MethodPost, users+"/:user", h.UserUpdate, authz.ManageUsers, load.User)
	t.need(http.MethodPost, users+"/:user/block", h.UserBlock, authz.ManageUsers, load.User)
	t.need(http.MethodPost, users+"/:user/unblock", h.UserUnblock, authz.ManageUsers, load.User)
	t.need(http.MethodGet, users+"/:user/delete", h.UserDeleteForm, authz.ManageUsers, load.User)
	t.need(http.MethodPost, users+"/:user/delete", h.UserDelete, authz.ManageUsers, load.User)
	t.need(http.MethodGet, conns, h.ConnectionList, authz.ReadConnections)
	t.need(http.MethodGet, conns+"/new", h.ConnectionNewForm, authz.CreateConnections)
	t.need(http.MethodPost, conns+"/new", h.ConnectionCreate, authz.CreateConnections)
	t.need(http.MethodPost, conns, h.ConnectionCreate, authz.CreateConnections)
	t.need(http.MethodGet, conns+"/:connection", h.ConnectionShow, authz.ReadConnections, load.Connection)
	t.need(http.MethodPost, conns+"/:connection", h.ConnectionUpdate, authz.UpdateConnections, load.Connection)
	t.need(http.MethodGet, conns+"/:connection/delete", h.ConnectionDeleteForm, authz.DeleteConnections, load.Connection)
	t.need(http.MethodPost, conns+"/:connection/delete", h.ConnectionDelete, authz.DeleteConnections, load.Connection)
	t.need(http.MethodGet, roles, h.EndUserRoleList, authz.ReadRoles)
	t.need(http.MethodGet, roles+"/new", h.EndUserRoleNewForm, authz.ManageRoles)
	t.need(http.MethodPost, roles+"/new", h.EndUserRoleCreate, authz.ManageRoles)
	t.need(http.MethodPost, roles, h.EndUserRoleCreate, authz.ManageRoles)
	t.need(http.MethodGet, roles+"/:role", h.EndUserRoleShow, authz.ReadRoles, load.Role)
	t.need(http.MethodPost, roles+"/:role", h.EndUserRoleUpdate, authz.ManageRoles, load.Role)
	t.need(http.MethodGet, roles+"/:role/delete", h.EndUserRoleDeleteForm, authz.ManageRoles, load.Role)
	t.need(http.MethodPost, roles+"/:role/delete", h.EndUserRoleDelete, authz.ManageRoles, load.Role)

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
	t.need(http.MethodGet, admins+"/:admin", h.AdminProfile, authz.ReadTenantRoles, load.Admin)
	t.need(http.MethodPost, admins+"/:admin/roles", classic(h.AdminAssignRole), authz.ManageTenantRoles, load.Admin)
	t.need(http.MethodPost, admins+"/:admin/roles/:binding/delete", classic(h.AdminRemoveRole), authz.ManageTenantRoles, load.Admin, load.Binding)
	t.need(http.MethodPost, admins+"/:admin/status", classic(h.AdminSetStatus), authz.ManageTenantRoles, load.Admin)
	t.need(http.MethodPost, admins+"/:admin/invitation/resend", classic(h.AdminResendInvitation), authz.ManageTenantRoles, load.Admin)
	t.need(http.MethodPost, admins+"/:admin/invitation/revoke", classic(h.AdminRevokeInvitation), authz.ManageTenantRoles, load.Admin)
	t.need(http.MethodPost, admins+"/:admin/password-reset", classic(h.AdminSendPasswordReset), authz.ManageTenantRoles, load.Admin)
	t.need(http.MethodPost, admins+"/:admin/sessions/:session/delete", classic(h.AdminEndSession), authz.ManageTenantRoles, load.Admin, load.Session)
	t.need(http.MethodPost, admins+"/:admin/unlock", classic(h.AdminUnlock), authz.ManageTenantRoles, load.Admin)
	t.need(http.MethodPost, admins+"/:admin/totp/reset", classic(h.AdminResetTOTP), authz.ManageTenantRoles, load.Admin)

	// Governance (issue 16): custom administrator roles, the access
	// explainer, access reviews, elevation, four eyes. Kept together here.
	governanceRoutes(t, h, load)
	fourEyesRoutes(t, h)

	// Analytics, Permission Systems and the System pages (issue 14).
	ws14cRoutes(t, h)
	uxRoutes(t, h, load)

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

	// Identity Pools (Read / Manage Identity Pools): the built-in
	// Administrators and Users pools and created ones, their settings and
	// their two attribute schemas. Their users (needPoolUsers): Tenant
	// Admins manage every pool's, Tenant Auditors read them, Editor - Users
	// manages the end-user pools' only. The Administrators pool's users
	// have a Roles page (the User Profile's rules). The Admin workspace's
	// Identity Providers lead to the Administrators pool (Manage Pool).
	const pools, pool, pusers, puser = "/identity-pools", "/identity-pools/:pool", "/identity-pools/:pool/users", "/identity-pools/:pool/users/:id"
	t.need(http.MethodGet, pools, h.PoolList, authz.ReadIdentityPools)
	t.need(http.MethodGet, pools+"/new", h.PoolNewForm, authz.ManageIdentityPools)
	t.need(http.MethodPost, pools+"/new", h.PoolCreate, authz.ManageIdentityPools)
	t.need(http.MethodPost, pools, h.PoolCreate, authz.ManageIdentityPools)
	t.needPool(http.MethodGet, pool, h.PoolShow, authz.ReadIdentityPools)
	t.needPool(http.MethodPost, pool, h.PoolUpdate, authz.ManageIdentityPools)
	t.needPool(http.MethodGet, pool+"/delete", h.PoolDeleteForm, authz.ManageIdentityPools)
	t.needPool(http.MethodPost, pool+"/delete", h.PoolDelete, authz.ManageIdentityPools)
	t.needPool(http.MethodGet, pool+"/attributes", h.PoolSchema, authz.ReadIdentityPools)
	t.needPool(http.MethodPost, pool+"/attributes", h.PoolAddAttribute, authz.ManageIdentityPools)
	t.needPool(http.MethodPost, pool+"/attributes/:attr/delete", h.PoolRemoveAttribute, authz.ManageIdentityPools, gm.ID("attr"))
	t.needPool(http.MethodGet, pool+"/metadata", h.PoolSchema, authz.ReadIdentityPools)
	t.needPool(http.MethodPost, pool+"/metadata", h.PoolAddAttribute, authz.ManageIdentityPools)
	t.needPool(http.MethodPost, pool+"/metadata/:attr/delete", h.PoolRemoveAttribute, authz.ManageIdentityPools, gm.ID("attr"))
	t.needPoolUsers(http.MethodGet, pusers, h.PoolUserList, false)
	t.needPoolUsers(http.MethodGet, pusers+"/new", h.PoolUserNewForm, true)
	t.needPoolUsers(http.MethodPost, pusers+"/new", h.PoolUserCreate, true)
	t.needPoolUsers(http.MethodPost, pusers, h.PoolUserCreate, true)
	t.needPoolUsers(http.MethodGet, puser, h.PoolUserShow, false, gm.ID("id"))
	t.needPoolUsers(http.MethodPost, puser+"/identifiers", h.PoolUserAddIdentifier, true, gm.ID("id"))
	t.needPoolUsers(http.MethodPost, puser+"/identifiers/:identifier/delete", h.PoolUserRemoveIdentifier, true, gm.ID("id"), gm.ID("identifier"))
	t.needPoolUsers(http.MethodPost, puser+"/addresses", h.PoolUserAddAddress, true, gm.ID("id"))
	t.needPoolUsers(http.MethodPost, puser+"/addresses/:address/delete", h.PoolUserRemoveAddress, true, gm.ID("id"), gm.ID("address"))
	t.needPoolUsers(http.MethodPost, puser+"/addresses/:address/verify", h.PoolUserStartVerification, true, gm.ID("id"), gm.ID("address"))
	t.needPoolUsers(http.MethodPost, puser+"/attributes", h.PoolUserSaveAttributes, true, gm.ID("id"))
	t.needPoolUsers(http.MethodPost, puser+"/metadata", h.PoolUserSaveAttributes, true, gm.ID("id"))
	t.needPoolUsers(http.MethodPost, puser+"/status", h.PoolUserSetStatus, true, gm.ID("id"))
	t.needPoolUsers(http.MethodPost, puser+"/password-reset", h.PoolUserPasswordReset, true, gm.ID("id"))
	t.needPoolUsers(http.MethodGet, puser+"/roles", gm.AdminPoolOnly(h.PoolUserRoles), false, gm.ID("id"))
	t.needPoolUsers(http.MethodPost, puser+"/roles", gm.AdminPoolOnly(h.PoolUserAssignRole), true, gm.ID("id"))
	t.needPoolUsers(http.MethodPost, puser+"/roles/:binding/delete", gm.AdminPoolOnly(h.PoolUserRemoveRole), true, gm.ID("id"), gm.ID("binding"))
	// Identity providers (every workspace's, the Admin workspace's Built in
	// Admin IDP among them), themes and workspace theme bindings.
	ws14bRoutes(t, h, one)

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
	t.need(http.MethodGet, account+"/passkeys/:passkey/delete", h.AccountPasskeyRemoveForm, authz.SignedIn, load.Passkey)
	t.need(http.MethodPost, account+"/passkeys/:passkey/delete", h.AccountPasskeyRemove, authz.SignedIn, load.Passkey)
	t.need(http.MethodPost, account+"/sessions/:session/delete", h.AccountEndSession, authz.SignedIn, load.Session)

	// The management API and its console pages: routes_api.go.
	apiRoutes(app, t, h, guards, limits.api)
	return rt
}
