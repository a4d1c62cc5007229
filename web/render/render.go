// Package render turns templ components into responses (buffered, so a
// failed render never sends half a page with 200) and builds the layout
// data of a page from the request: tenant, viewer, navigation, CSRF token
// and flash. It also owns the per-request context values handlers read.
package render

import (
	"bytes"
	"net/http"
	"strconv"
	"sync"

	"gatehouse/models"
	"gatehouse/static"
	"gatehouse/views/layout"
	"gatehouse/web/session"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"
)

const (
	keyTenant = "gatehouse.tenant"
	keyViewer = "gatehouse.viewer"
	keyCSRF   = "csrf"
)

// SetCSRF records how to get the request's CSRF token (worked out when a
// page is rendered, for the session as it stands then).
func SetCSRF(c echo.Context, token func() string) { c.Set(keyCSRF, token) }

// SetTenant records the tenant of the request's URL.
func SetTenant(c echo.Context, t models.Tenant) { c.Set(keyTenant, t) }

// Tenant returns the tenant of the request's URL.
func Tenant(c echo.Context) (models.Tenant, bool) {
	t, ok := c.Get(keyTenant).(models.Tenant)
	return t, ok
}

// SetViewer records the signed-in administrator of the request.
func SetViewer(c echo.Context, v *models.Viewer) { c.Set(keyViewer, v) }

// Viewer returns the signed-in administrator of the request, or nil.
func Viewer(c echo.Context) *models.Viewer {
	v, _ := c.Get(keyViewer).(*models.Viewer)
	return v
}

// CSRF returns the request's CSRF token.
func CSRF(c echo.Context) string {
	if f, ok := c.Get(keyCSRF).(func() string); ok {
		return f()
	}
	return ""
}

// Renderer builds pages.
type Renderer struct {
	Flashes *session.Flashes
	// Routes is the route table's permissions, from which the navigation
	// and the workspace tabs are built (set once the routes are).
	Routes Routes
}

// Page returns the layout data for the request.
func (r *Renderer) Page(c echo.Context, title string, crumbs ...layout.Crumb) layout.Page {
	p := layout.Page{
		Title:     title,
		Crumbs:    crumbs,
		CSRF:      CSRF(c),
		CSS:       static.Path("css/app.css"),
		JS:        static.Path("js/app.js"),
		RequestID: c.Response().Header().Get(echo.HeaderXRequestID),
	}
	if t, ok := Tenant(c); ok {
		p.TenantName, p.TenantSlug = t.Name, t.Slug
	}
	if v := Viewer(c); v != nil {
		p.Viewer = &layout.Viewer{Name: v.Administrator.DisplayName(), Email: v.Administrator.Email, Roles: v.RoleNames()}
		p.Nav = r.Routes.Nav(v.Tenant.Slug, v.Perms, c.Request().URL.Path)
		p.Nav, p.Switcher = r.Routes.workspaceNav(c, v, p.Nav)
		p.ReadOnly = v.Perms.ReadOnly()
	}
	if r.Flashes != nil {
		if f := r.Flashes.Take(c); f != nil {
			p.Flash = &layout.Flash{Kind: f.Kind, Message: f.Message}
		}
	}
	return p
}

// buffers are the render buffers, reused across requests.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Render writes a component with status, rendered into a buffer first
// (pooled), so that a failed render never sends half a page with 200.
func Render(c echo.Context, status int, comp templ.Component) error {
	buf := buffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 1<<20 { // an outsized page's buffer is not kept
			buffers.Put(buf)
		}
	}()
	if err := comp.Render(c.Request().Context(), buf); err != nil {
		return err
	}
	h := c.Response().Header()
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	// With its length known, the page goes out in one write (not chunked).
	h.Set(echo.HeaderContentLength, strconv.Itoa(buf.Len()))
	return c.Blob(status, echo.MIMETextHTMLCharsetUTF8, buf.Bytes())
}

// Redirect answers a form post with 303 See Other.
func Redirect(c echo.Context, to string) error { return c.Redirect(http.StatusSeeOther, to) }
