package web

import (
	"net/http"

	"gatehouse/handlers"
	"gatehouse/models/authz"
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
}

// need registers a signed-in tenant route guarded by permission p.
func (r tenantRoutes) need(method, path string, h echo.HandlerFunc, p authz.Permission) {
	r.g.Add(method, path, h, r.guards.SignedIn, gm.Need(p))
	r.t.Perms[method+" /t/:tenant"+path] = p
}

// public registers a tenant route that needs no sign-in (sign-in itself).
func (r tenantRoutes) public(method, path string, h echo.HandlerFunc) {
	r.g.Add(method, path, h)
	r.t.Public[method+" /t/:tenant"+path] = true
}

// routes is THE URL map.
func routes(app *echo.Group, h *handlers.Handler, guards *gm.Guards) *RouteTable {
	rt := &RouteTable{Perms: map[string]authz.Permission{}, Public: map[string]bool{}}

	app.GET("/", h.Home)
	app.GET("/go", h.Go)
	app.GET("/invitations/:token", h.InvitationShow)
	app.POST("/invitations/:token", h.InvitationAccept)
	app.GET("/password-reset/:token", h.PasswordResetShow)
	app.POST("/password-reset/:token", h.PasswordReset)

	t := tenantRoutes{g: app.Group("/t/:tenant", guards.Tenant), guards: guards, t: rt}
	t.public(http.MethodGet, "/login", h.LoginForm)
	t.public(http.MethodPost, "/login", h.Login)
	t.public(http.MethodPost, "/logout", h.Logout)
	t.public(http.MethodPost, "/login/restart", h.LoginRestart)
	t.public(http.MethodGet, "/login/enroll", h.EnrollForm)
	t.public(http.MethodPost, "/login/enroll", h.Enroll)

	t.need(http.MethodGet, "", h.Dashboard, authz.SignedIn)
	t.need(http.MethodGet, "/", h.Dashboard, authz.SignedIn)

	// Audit log: the tenant's audit events and their CSV export.
	t.need(http.MethodGet, "/audit", h.AuditList, authz.ReadAuditEvents)
	t.need(http.MethodGet, "/audit/export.csv", h.AuditExport, authz.ReadAuditEvents)

	// Tenant Settings > Administrators and the User Profile.
	const admins = "/settings/administrators"
	t.need(http.MethodGet, admins, h.AdminList, authz.ReadTenantRoles)
	t.need(http.MethodGet, admins+"/new", h.AdminNewForm, authz.ManageTenantRoles)
	t.need(http.MethodPost, admins+"/new", h.AdminCreate, authz.ManageTenantRoles)
	t.need(http.MethodGet, admins+"/:id", h.AdminProfile, authz.ReadTenantRoles)
	t.need(http.MethodPost, admins+"/:id/roles", h.AdminAssignRole, authz.ManageTenantRoles)
	t.need(http.MethodPost, admins+"/:id/roles/:binding/delete", h.AdminRemoveRole, authz.ManageTenantRoles)
	t.need(http.MethodPost, admins+"/:id/status", h.AdminSetStatus, authz.ManageTenantRoles)
	t.need(http.MethodPost, admins+"/:id/invitation/resend", h.AdminResendInvitation, authz.ManageTenantRoles)
	t.need(http.MethodPost, admins+"/:id/invitation/revoke", h.AdminRevokeInvitation, authz.ManageTenantRoles)
	t.need(http.MethodPost, admins+"/:id/password-reset", h.AdminSendPasswordReset, authz.ManageTenantRoles)
	t.need(http.MethodPost, admins+"/:id/sessions/:session/delete", h.AdminEndSession, authz.ManageTenantRoles)
	return rt
}
