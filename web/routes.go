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

	t := tenantRoutes{g: app.Group("/t/:tenant", guards.Tenant), guards: guards, t: rt}
	t.public(http.MethodGet, "/login", h.LoginForm)
	t.public(http.MethodPost, "/login", h.Login)
	t.public(http.MethodPost, "/logout", h.Logout)

	t.need(http.MethodGet, "", h.Dashboard, authz.SignedIn)
	t.need(http.MethodGet, "/", h.Dashboard, authz.SignedIn)
	return rt
}
