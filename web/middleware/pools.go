package middleware

import (
	"errors"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// IdentityPool loads the identity pool named by the :pool parameter (its
// slug) inside the URL's tenant, for a signed-in viewer (after SignedIn);
// 404 when the tenant has no such pool.
func (g *Guards) IdentityPool(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		v := render.Viewer(c)
		if v == nil {
			return echo.ErrNotFound
		}
		p, err := g.Models.IdentityPoolBySlug(c.Request().Context(), v.Tenant.ID, c.Param("pool"))
		if errors.Is(err, models.ErrNotFound) {
			return echo.ErrNotFound
		}
		if err != nil {
			return err
		}
		render.SetIdentityPool(c, p)
		return next(c)
	}
}

// NeedPoolUsers refuses (403) a viewer who may not read (manage false) or
// manage the users of the request's pool (loaded by IdentityPool).
func NeedPoolUsers(manage bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			p, ok := render.IdentityPool(c)
			if !ok {
				return echo.ErrNotFound
			}
			if v := render.Viewer(c); v == nil || !v.CanPoolUsers(p, manage) {
				return echo.ErrForbidden
			}
			return next(c)
		}
	}
}

// AdminPoolOnly answers 404 outside the Administrators pool (its users'
// Roles pages exist only there).
func AdminPoolOnly(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if p, ok := render.IdentityPool(c); !ok || !p.Admins() {
			return echo.ErrNotFound
		}
		return next(c)
	}
}

// AdminWorkspaceOnly answers 404 for a workspace other than the built-in
// Admin workspace (its Identity Providers pages exist only there).
func AdminWorkspaceOnly(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if w, ok := render.Workspace(c); !ok || w.Kind != models.WorkspaceKindAdmin {
			return echo.ErrNotFound
		}
		return next(c)
	}
}

// NeedOneOf refuses (403) a viewer holding none of ps tenant-wide.
func NeedOneOf(ps ...authz.Permission) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			v := render.Viewer(c)
			for _, p := range ps {
				if v != nil && v.Can(p) {
					return next(c)
				}
			}
			return echo.ErrForbidden
		}
	}
}
