package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/views/layout"
	"gatehouse/views/pages"
	"gatehouse/web/limit"
	"gatehouse/web/render"
	"gatehouse/web/session"

	"github.com/labstack/echo/v4"
)

// Handler holds what every action needs.
type Handler struct {
	Models   *models.Store
	Sessions *session.Store
	Flashes  *session.Flashes
	R        *render.Renderer
	Logger   *slog.Logger
	// WakeMail nudges the outbox worker after mail was queued (may be nil).
	WakeMail func()
	// CodeLimit bounds the e-mailed sign-in codes asked for per client
	// address (nil: no limit).
	CodeLimit *limit.Limiter
}

// actor is who performs the request's mutation, and from where.
func actor(c echo.Context) models.Actor {
	a := models.Actor{IP: c.RealIP(), UserAgent: c.Request().UserAgent()}
	if v := render.Viewer(c); v != nil {
		a.AdminID, a.Email = v.Administrator.ID, v.Administrator.Email
		if v.Token != nil { // the API: the token is the actor
			a.AdminID, a.Email = 0, v.Token.ActorLabel()
		}
	}
	return a
}

// Healthz answers 200 while the process runs.
func (h *Handler) Healthz(c echo.Context) error {
	return c.String(http.StatusOK, "ok\n")
}

// Readyz answers 200 while the database answers, 503 otherwise.
func (h *Handler) Readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := models.Ping(ctx, h.Models.DB); err != nil {
		h.Logger.Warn("readiness check failed", "err", err)
		return c.String(http.StatusServiceUnavailable, "database unavailable\n")
	}
	return c.String(http.StatusOK, "ready\n")
}

// Home is / : a form to reach a tenant's sign-in page.
func (h *Handler) Home(c echo.Context) error {
	return render.Render(c, http.StatusOK, pages.Home(h.R.Page(c, "Sign in"), "", ""))
}

// Go sends the Home form on to the tenant's sign-in page.
func (h *Handler) Go(c echo.Context) error {
	slug := c.QueryParam("tenant")
	if !models.ValidSlug(slug) {
		return render.Render(c, http.StatusUnprocessableEntity, pages.Home(h.R.Page(c, "Sign in"), "Enter your tenant's name: lowercase letters, digits and hyphens.", slug))
	}
	if _, err := h.Models.TenantBySlug(c.Request().Context(), slug); err != nil {
		if err == models.ErrNotFound {
			return render.Render(c, http.StatusNotFound, pages.Home(h.R.Page(c, "Sign in"), "There is no tenant with that name.", slug))
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/t/"+slug+"/login")
}

// Dashboard is the tenant's home.
func (h *Handler) Dashboard(c echo.Context) error {
	v := render.Viewer(c)
	d, err := h.dashboard(c.Request().Context(), v)
	if err != nil {
		return err
	}
	p := h.R.Page(c, "Dashboard", layout.Crumb{Label: "Dashboard"})
	return render.Render(c, http.StatusOK, pages.Dashboard(p, d))
}

func (h *Handler) wakeMail() {
	if h.WakeMail != nil {
		h.WakeMail()
	}
}

// posted reports whether the form sent the field at all (empty counts).
func posted(c echo.Context, name string) bool {
	form, err := c.FormParams()
	if err != nil {
		return false
	}
	_, ok := form[name]
	return ok
}

// formValueOr is the form's value for name, or dflt when the form did not
// send the field at all. It is only for optional settings fields, where a
// post that leaves one out (a script) means "as it is": the current
// setting. Never for a confirmation (a typed name, a password's
// confirmation, the current password): those are required, and an absent
// one is refused like a wrong one.
func formValueOr(c echo.Context, name, dflt string) string {
	if !posted(c, name) {
		return dflt
	}
	return c.FormValue(name)
}

// roleDirectory returns the tenant's roles, built-in and custom, loaded once
// per request (one query) when a page names or offers roles.
func (h *Handler) roleDirectory(c echo.Context) (authz.Directory, error) {
	if d, ok := c.Get("gatehouse.roles").(authz.Directory); ok {
		return d, nil
	}
	v := render.Viewer(c)
	if v == nil {
		return authz.Directory{}, nil
	}
	d, err := h.Models.RoleDirectory(c.Request().Context(), v.Tenant.ID)
	if err != nil {
		return authz.Directory{}, err
	}
	c.Set("gatehouse.roles", d)
	return d, nil
}

// roleName is the display name of a role key in dir (the key itself for a
// role that no longer exists).
func roleName(dir authz.Directory, key string) string {
	if n, ok := dir.Name(authz.RoleKey(key)); ok {
		return n
	}
	return key
}
