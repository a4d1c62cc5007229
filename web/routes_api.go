package web

import (
	"net/http"
	"strings"
	"sync"

	"gatehouse/handlers"
	"gatehouse/models/authz"
	"gatehouse/web/limit"
	gm "gatehouse/web/middleware"

	"github.com/labstack/echo/v4"
)

// APIRoute is one management API route as the route table records it: its
// permission, where it is checked, and what the OpenAPI document says of it.
type APIRoute struct {
	Method, Path string // Path in echo's syntax, from /api/v1
	Perm         authz.Permission
	Scope        string // "tenant" (Need), "workspace" (NeedIn), "anywhere" (NeedAnywhere)
	Doc          handlers.APIDoc
}

// apiTable registers management API routes: each with its permission in
// the RouteTable (the same map as the pages', walked by the same test) and
// in the list the OpenAPI document is made from.
type apiTable struct {
	g      *echo.Group
	guards *gm.Guards
	t      *RouteTable
	routes *[]APIRoute
}

func (a apiTable) add(scope, method, path string, h echo.HandlerFunc, p authz.Permission, doc handlers.APIDoc, guards []echo.MiddlewareFunc, loaders []gm.Loader, loaded ...string) {
	for _, l := range loaders {
		guards = append(guards, l.Middleware())
		loaded = append(loaded, l.Param)
	}
	a.g.Add(method, path, h, guards...)
	key := method + " /api/v1" + path
	a.t.Perms[key] = p
	a.t.Loads[key] = loaded
	*a.routes = append(*a.routes, APIRoute{Method: method, Path: "/api/v1" + path, Perm: p, Scope: scope, Doc: doc})
}

// need: p tenant-wide; then the loaders load the path's objects (404
// outside the token's tenant), as the pages' do.
func (a apiTable) need(method, path string, h echo.HandlerFunc, p authz.Permission, doc handlers.APIDoc, loaders ...gm.Loader) {
	a.add("tenant", method, path, h, p, doc, []echo.MiddlewareFunc{gm.Need(p)}, loaders)
}

// needIn: p in the :workspace of the path (404 for a workspace the token
// cannot see).
func (a apiTable) needIn(method, path string, h echo.HandlerFunc, p authz.Permission, doc handlers.APIDoc, loaders ...gm.Loader) {
	a.add("workspace", method, path, h, p, doc, []echo.MiddlewareFunc{a.guards.Workspace, gm.NeedIn(p)}, loaders, "workspace")
}

// needPool: p tenant-wide, in the :pool of the path (404 for none).
func (a apiTable) needPool(method, path string, h echo.HandlerFunc, p authz.Permission, doc handlers.APIDoc, loaders ...gm.Loader) {
	a.add("pool", method, path, h, p, doc, []echo.MiddlewareFunc{gm.Need(p), a.guards.IdentityPool}, loaders, "pool")
}

// needPoolUsers: reading (manage false) or managing the users of the
// :pool of the path, as the console's pool pages (Read / Manage Identity
// Pool Users, or Read / Manage Users in end-user pools).
func (a apiTable) needPoolUsers(method, path string, h echo.HandlerFunc, manage bool, doc handlers.APIDoc, loaders ...gm.Loader) {
	p, alt := authz.ReadIdentityPoolUsers, authz.ReadUsers
	if manage {
		p, alt = authz.ManageIdentityPoolUsers, authz.ManageUsers
	}
	a.add("pool-users", method, path, h, p, doc, []echo.MiddlewareFunc{gm.NeedOneOf(p, alt), a.guards.IdentityPool, gm.NeedPoolUsers(manage)}, loaders, "pool")
}

// needAnywhere: p tenant-wide or in some workspace.
func (a apiTable) needAnywhere(method, path string, h echo.HandlerFunc, p authz.Permission, doc handlers.APIDoc, loaders ...gm.Loader) {
	a.add("anywhere", method, path, h, p, doc, []echo.MiddlewareFunc{gm.NeedAnywhere(p)}, loaders)
}

// apiRoutes registers the management API's console pages (Tenant Settings
// > API Tokens and API) and the API itself under /api/v1, in the same
// route table as the pages.
func apiRoutes(app *echo.Group, t tenantRoutes, h *handlers.Handler, guards *gm.Guards, rate *limit.Limiter) {
	const tokens = "/settings/api-tokens"
	t.need(http.MethodGet, tokens, h.APITokenList, authz.ReadTenantRoles)
	t.need(http.MethodPost, tokens, h.APITokenCreate, authz.ManageTenantRoles)
	t.need(http.MethodPost, tokens+"/:token/revoke", h.APITokenRevoke, authz.ManageTenantRoles, guards.Loaders().APIToken)
	t.need(http.MethodGet, "/settings/api", h.APIDocs, authz.ReadTenantRoles)

	var list []APIRoute
	var doc struct {
		once sync.Once
		json []byte
		err  error
	}
	app.GET("/api/v1/openapi.json", func(c echo.Context) error {
		doc.once.Do(func() { doc.json, doc.err = handlers.OpenAPIDocument(apiOperations(list)) })
		if doc.err != nil {
			return doc.err
		}
		return c.JSONBlob(http.StatusOK, doc.json)
	})
	g := app.Group("/api/v1", guards.APIToken(rate), guards.Idempotency)
	a := apiTable{g: g, guards: guards, t: t.t, routes: &list}
	const get, post, patch, del = http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete
	type d = handlers.APIDoc
	load := guards.Loaders()
	id, binding := gm.ID("id"), gm.ID("binding")

	// Administrators (Tenant Settings > Administrators); changes only where
	// they are managed there (classic).
	const admins, admin = "/administrators", "/administrators/:id"
	classic := gm.ClassicAdminManagement
	a.need(get, admins, h.APIAdminList, authz.ReadTenantRoles, d{Summary: "List administrators", Tag: "Administrators", Response: handlers.APIAdministrator{}, List: true, Query: []string{"q"}})
	a.need(post, admins, classic(h.APIAdminCreate), authz.ManageTenantRoles, d{Summary: "Invite an administrator", Tag: "Administrators", Request: handlers.APIAdminCreateInput{}, Response: handlers.APIAdministrator{}, Status: 201})
	a.need(get, admin, h.APIAdminGet, authz.ReadTenantRoles, d{Summary: "Get an administrator", Tag: "Administrators", Response: handlers.APIAdministrator{}}, id)
	a.need(post, admin+"/roles", classic(h.APIAdminAssignRole), authz.ManageTenantRoles, d{Summary: "Assign a tenant role", Tag: "Administrators", Request: handlers.APIRoleInput{}, Response: handlers.APIAdministrator{}, Status: 201}, id)
	a.need(del, admin+"/roles/:binding", classic(h.APIAdminRemoveRole), authz.ManageTenantRoles, d{Summary: "Remove a role binding", Tag: "Administrators", Response: handlers.APIAdministrator{}}, id, binding)
	a.need(post, admin+"/status", classic(h.APIAdminSetStatus), authz.ManageTenantRoles, d{Summary: "Activate or deactivate an administrator", Tag: "Administrators", Request: handlers.APIStatusInput{}, Response: handlers.APIAdministrator{}}, id)

	// Workspaces and their access.
	const wss, ws = "/workspaces", "/workspaces/:workspace"
	a.needAnywhere(get, wss, h.APIWorkspaceList, authz.GetWorkspace, d{Summary: "List workspaces", Tag: "Workspaces", Response: handlers.APIWorkspace{}, List: true, Query: []string{"q"}})
	a.need(post, wss, h.APIWorkspaceCreate, authz.CreateWorkspace, d{Summary: "Create a workspace", Tag: "Workspaces", Request: handlers.APIWorkspaceInput{}, Response: handlers.APIWorkspace{}, Status: 201})
	a.needIn(get, ws, h.APIWorkspaceGet, authz.GetWorkspace, d{Summary: "Get a workspace", Tag: "Workspaces", Response: handlers.APIWorkspace{}})
	a.needIn(patch, ws, h.APIWorkspaceUpdate, authz.UpdateWorkspace, d{Summary: "Update a workspace", Tag: "Workspaces", Request: handlers.APIWorkspaceInput{}, Response: handlers.APIWorkspace{}})
	a.needIn(get, ws+"/access", h.APIWorkspaceAccess, authz.ReadWorkspaceRoles, d{Summary: "List who has access to a workspace", Tag: "Workspaces", Response: handlers.APIAccess{}, List: true})
	a.needIn(post, ws+"/access", h.APIWorkspaceGrant, authz.ManageWorkspaceRoles, d{Summary: "Give an administrator a workspace role", Tag: "Workspaces", Request: handlers.APIGrantInput{}, Response: handlers.APIAccess{}, Status: 201})
	a.needIn(del, ws+"/access/:binding", h.APIWorkspaceRevoke, authz.ManageWorkspaceRoles, d{Summary: "Remove a workspace role binding", Tag: "Workspaces", Status: 204}, binding)

	// Organizations with their members, invitations and connections.
	const orgs, org = "/organizations", "/organizations/:org"
	a.need(get, orgs, h.APIOrgList, authz.ReadOrganizations, d{Summary: "List organizations", Tag: "Organizations", Response: handlers.APIOrganization{}, List: true, Query: []string{"q"}})
	a.need(post, orgs, h.APIOrgCreate, authz.ManageOrganizations, d{Summary: "Create an organization", Tag: "Organizations", Request: handlers.APIOrgCreateInput{}, Response: handlers.APIOrganization{}, Status: 201})
	a.need(get, org, h.APIOrgGet, authz.ReadOrganizations, d{Summary: "Get an organization", Tag: "Organizations", Response: handlers.APIOrganization{}}, load.Org)
	a.need(patch, org, h.APIOrgUpdate, authz.ManageOrganizations, d{Summary: "Update an organization (optimistic locking with version)", Tag: "Organizations", Request: handlers.APIOrgUpdateInput{}, Response: handlers.APIOrganization{}}, load.Org)
	a.need(get, org+"/members", h.APIOrgMembers, authz.ReadOrganizations, d{Summary: "List an organization's members", Tag: "Organizations", Response: handlers.APIOrgMember{}, List: true}, load.Org)
	a.need(post, org+"/members", h.APIOrgAddMember, authz.ManageOrganizations, d{Summary: "Add a user as a member", Tag: "Organizations", Request: handlers.APIEmailInput{}, Response: handlers.APIOrgMember{}, Status: 201}, load.Org)
	a.need(del, org+"/members/:user", h.APIOrgRemoveMember, authz.ManageOrganizations, d{Summary: "Remove a member", Tag: "Organizations", Status: 204}, load.Org, gm.ID("user"))
	a.need(post, org+"/members/:user/roles", h.APIOrgAssignMemberRole, authz.ManageOrganizations, d{Summary: "Give a member a role", Tag: "Organizations", Request: handlers.APIRoleIDInput{}, Response: handlers.APIOrgMember{}, Status: 201}, load.Org, gm.ID("user"))
	a.need(del, org+"/members/:user/roles/:role", h.APIOrgRemoveMemberRole, authz.ManageOrganizations, d{Summary: "Take a role from a member", Tag: "Organizations", Response: handlers.APIOrgMember{}}, load.Org, gm.ID("user"), gm.ID("role"))
	a.need(get, org+"/invitations", h.APIOrgInvitations, authz.ReadOrganizations, d{Summary: "List pending invitations", Tag: "Organizations", Response: handlers.APIOrgInvitation{}, List: true}, load.Org)
	a.need(post, org+"/invitations", h.APIOrgInvite, authz.ManageOrganizations, d{Summary: "Invite someone to the organization", Tag: "Organizations", Request: handlers.APIOrgInviteInput{}, Response: handlers.APIOrgInvitation{}, Status: 201}, load.Org)
	a.need(del, org+"/invitations/:invitation", h.APIOrgRevokeInvitation, authz.ManageOrganizations, d{Summary: "Revoke an invitation", Tag: "Organizations", Status: 204}, load.Org, gm.ID("invitation"))
	a.need(get, org+"/connections", h.APIOrgConnections, authz.ReadOrganizations, d{Summary: "List the connections enabled for an organization", Tag: "Organizations", Response: handlers.APIOrgConnection{}, List: true}, load.Org)
	a.need(post, org+"/connections", h.APIOrgEnableConnection, authz.ManageOrganizations, d{Summary: "Enable a connection", Tag: "Organizations", Request: handlers.APIOrgConnectionInput{}, Response: handlers.APIOrgConnection{}, Status: 201}, load.Org)
	a.need(patch, org+"/connections/:connection", h.APIOrgUpdateConnection, authz.ManageOrganizations, d{Summary: "Change a connection's auto-membership", Tag: "Organizations", Request: handlers.APIAutoMembershipInput{}, Response: handlers.APIOrgConnection{}}, load.Org, gm.ID("connection"))
	a.need(del, org+"/connections/:connection", h.APIOrgDisableConnection, authz.ManageOrganizations, d{Summary: "Disable a connection", Tag: "Organizations", Status: 204}, load.Org, gm.ID("connection"))

	// Users, connections and (end-user) roles.
	const users, user = "/users", "/users/:id"
	a.need(get, users, h.APIUserList, authz.ReadUsers, d{Summary: "List users", Tag: "Users", Response: handlers.APIUser{}, List: true, Query: []string{"q"}})
	a.need(post, users, h.APIUserCreate, authz.ManageUsers, d{Summary: "Create a user", Tag: "Users", Request: handlers.APIUserCreateInput{}, Response: handlers.APIUser{}, Status: 201})
	a.need(get, user, h.APIUserGet, authz.ReadUsers, d{Summary: "Get a user", Tag: "Users", Response: handlers.APIUser{}}, id)
	a.need(patch, user, h.APIUserUpdate, authz.ManageUsers, d{Summary: "Update a user", Tag: "Users", Request: handlers.APIUserUpdateInput{}, Response: handlers.APIUser{}}, id)
	a.need(del, user, h.APIUserDelete, authz.ManageUsers, d{Summary: "Delete a user", Tag: "Users", Status: 204}, id)
	const conns, conn = "/connections", "/connections/:id"
	a.need(get, conns, h.APIConnectionList, authz.ReadConnections, d{Summary: "List connections", Tag: "Connections", Response: handlers.APIConnection{}, List: true, Query: []string{"type"}})
	a.need(post, conns, h.APIConnectionCreate, authz.CreateConnections, d{Summary: "Create a connection", Tag: "Connections", Request: handlers.APIConnectionCreateInput{}, Response: handlers.APIConnection{}, Status: 201})
	a.need(get, conn, h.APIConnectionGet, authz.ReadConnections, d{Summary: "Get a connection", Tag: "Connections", Response: handlers.APIConnection{}}, id)
	a.need(patch, conn, h.APIConnectionUpdate, authz.UpdateConnections, d{Summary: "Update a connection", Tag: "Connections", Request: handlers.APIConnectionUpdateInput{}, Response: handlers.APIConnection{}}, id)
	a.need(del, conn, h.APIConnectionDelete, authz.DeleteConnections, d{Summary: "Delete a connection", Tag: "Connections", Status: 204}, id)
	const roles, role = "/roles", "/roles/:id"
	a.need(get, roles, h.APIRoleList, authz.ReadRoles, d{Summary: "List roles", Tag: "Roles", Response: handlers.APIRole{}, List: true, Query: []string{"q"}})
	a.need(post, roles, h.APIRoleCreate, authz.ManageRoles, d{Summary: "Create a role", Tag: "Roles", Request: handlers.APIRoleBody{}, Response: handlers.APIRole{}, Status: 201})
	a.need(get, role, h.APIRoleGet, authz.ReadRoles, d{Summary: "Get a role", Tag: "Roles", Response: handlers.APIRole{}}, id)
	a.need(patch, role, h.APIRoleUpdate, authz.ManageRoles, d{Summary: "Update a role", Tag: "Roles", Request: handlers.APIRoleBody{}, Response: handlers.APIRole{}}, id)
	a.need(del, role, h.APIRoleDelete, authz.ManageRoles, d{Summary: "Delete a role", Tag: "Roles", Status: 204}, id)

	// Identity pools and their users.
	const pools, pool = "/identity-pools", "/identity-pools/:pool"
	a.need(get, pools, h.APIPoolList, authz.ReadIdentityPools, d{Summary: "List identity pools", Tag: "Identity pools", Response: handlers.APIIdentityPool{}, List: true})
	a.needPool(get, pool, h.APIPoolGet, authz.ReadIdentityPools, d{Summary: "Get an identity pool", Tag: "Identity pools", Response: handlers.APIIdentityPool{}})
	a.needPoolUsers(get, pool+"/users", h.APIPoolUserList, false, d{Summary: "List a pool's users", Tag: "Identity pools", Response: handlers.APIPoolUser{}, List: true, Query: []string{"q"}})
	a.needPoolUsers(post, pool+"/users", h.APIPoolUserCreate, true, d{Summary: "Create a pool user (in the Administrators pool: invite an administrator)", Tag: "Identity pools", Request: handlers.APIPoolUserInput{}, Response: handlers.APIPoolUser{}, Status: 201})
	a.needPoolUsers(get, pool+"/users/:id", h.APIPoolUserGet, false, d{Summary: "Get a pool user", Tag: "Identity pools", Response: handlers.APIPoolUser{}}, id)
	a.needPoolUsers(post, pool+"/users/:id/status", h.APIPoolUserSetStatus, true, d{Summary: "Set a pool user's status", Tag: "Identity pools", Request: handlers.APIStatusInput{}, Response: handlers.APIPoolUser{}}, id)

	// The workspaces' application resources; deleting workspaces and organizations.
	apiWorkspaceResourceRoutes(a, h, guards)
	apiWS14aRoutes(a, h, guards)

	// Audit events.
	a.need(get, "/audit-events", h.APIAuditList, authz.ReadAuditEvents, d{Summary: "List audit events, newest first", Tag: "Audit", Response: handlers.APIAuditEvent{}, List: true,
		Query: []string{"since", "action", "actor", "target"}})

	// Authentication events for Analytics: routes_ws14c.go.
	ws14cAPIRoutes(a, h)
	apiWS14bRoutes(a, h, guards)
}

// apiOperations is the route list as the OpenAPI document's generator
// takes it ({param} for :param).
func apiOperations(list []APIRoute) []handlers.APIOperation {
	out := make([]handlers.APIOperation, 0, len(list))
	for _, r := range list {
		parts := strings.Split(r.Path, "/")
		var params []string
		for i, p := range parts {
			if strings.HasPrefix(p, ":") {
				params = append(params, p[1:])
				parts[i] = "{" + p[1:] + "}"
			}
		}
		out = append(out, handlers.APIOperation{Method: r.Method, Path: strings.Join(parts, "/"), Params: params,
			Permission: string(r.Perm), Scope: r.Scope, Doc: r.Doc})
	}
	return out
}
