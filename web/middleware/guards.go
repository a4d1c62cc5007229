package middleware

import (
	"errors"
	"net/http"
	"net/url"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/web/render"
	"gatehouse/web/session"

	"github.com/labstack/echo/v4"
)

// Guards loads the tenant and the viewer and checks permissions.
type Guards struct {
	Models   *models.Store
	Sessions *session.Store
	Flashes  *session.Flashes
}

// keyRequestState holds the request's *models.RequestState.
const keyRequestState = "gatehouse.request_state"

// Tenant loads the tenant named by the :tenant parameter, or answers 404.
// The request's session, its administrator and their roles come in the
// same query (one round trip for all a page needs before its handler),
// for the session layer and SignedIn.
func (g *Guards) Tenant(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		st, err := g.Models.TenantRequest(c.Request().Context(), c.Param("tenant"), g.Sessions.CookieHash(c.Request()))
		if errors.Is(err, models.ErrNotFound) {
			return echo.ErrNotFound
		}
		if err != nil {
			return err
		}
		g.Sessions.Preload(c, &st)
		c.Set(keyRequestState, &st)
		render.SetTenant(c, st.Tenant)
		return next(c)
	}
}

// viewer is the signed-in administrator adminID with their permissions:
// from what Tenant loaded when it is theirs, else from the database.
func (g *Guards) viewer(c echo.Context, t models.Tenant, adminID int64) (models.Viewer, error) {
	if st, ok := c.Get(keyRequestState).(*models.RequestState); ok && st.Tenant.ID == t.ID {
		return g.Models.ViewerOf(c.Request().Context(), *st, adminID)
	}
	return g.Models.LoadViewer(c.Request().Context(), t, adminID)
}

// SignedIn lets through only a session fully signed in to the URL's tenant
// and loads the viewer (administrator and permissions) once. Others are
// sent to the tenant's sign-in page; a session whose administrator is no
// longer active is ended.
func (g *Guards) SignedIn(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		t, ok := render.Tenant(c)
		if !ok {
			return echo.ErrNotFound
		}
		sess, err := g.Sessions.Load(c)
		if err != nil {
			return err
		}
		if !sess.SignedInTo(t.ID) {
			if sess.Ended() {
				g.Sessions.ClearCookie(c.Response())
				g.Flashes.Set(c, "info", "Your session has ended. Sign in again to continue.")
			}
			return toLogin(c, t)
		}
		v, err := g.viewer(c, t, sess.AdminID())
		if errors.Is(err, models.ErrNotFound) {
			if err := sess.Logout(); err != nil {
				return err
			}
			g.Flashes.Set(c, "info", "Your session has ended. Sign in again to continue.")
			return toLogin(c, t)
		}
		if err != nil {
			return err
		}
		v.SteppedUpAt = sess.SteppedUpAt()
		render.SetViewer(c, &v)
		c.Response().Header().Set("Cache-Control", "no-store")
		return next(c)
	}
}

func toLogin(c echo.Context, t models.Tenant) error {
	to := "/t/" + t.Slug + "/login"
	if c.Request().Method == http.MethodGet {
		to += "?next=" + url.QueryEscape(c.Request().URL.RequestURI())
	}
	return c.Redirect(http.StatusSeeOther, to)
}

// Need refuses (403) a viewer who does not hold p tenant-wide.
func Need(p authz.Permission) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			v := render.Viewer(c)
			if v == nil || !v.Perms.Can(p) {
				return echo.ErrForbidden
			}
			return next(c)
		}
	}
}
