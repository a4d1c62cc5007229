package middleware

import (
	"errors"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// Workspace loads the workspace named by the :workspace parameter (its
// slug) inside the URL's tenant, for a signed-in viewer (after SignedIn). A
// workspace that does not exist and one the viewer cannot see (no Get
// Workspace tenant-wide, no workspace role bound to it) both answer 404, so
// a workspace's existence is not revealed to those outside it.
func (g *Guards) Workspace(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		v := render.Viewer(c)
		if v == nil {
			return echo.ErrNotFound
		}
		w, err := g.Models.WorkspaceBySlug(c.Request().Context(), v.Tenant.ID, c.Param("workspace"))
		if errors.Is(err, models.ErrNotFound) || (err == nil && !v.CanSeeWorkspace(w.ID)) {
			return echo.ErrNotFound
		}
		if err != nil {
			return err
		}
		render.SetWorkspace(c, w)
		if v.Workspaces == nil && v.Perms.Can(authz.GetWorkspace) { // the workspace switcher's choices
			if err := g.Models.LoadNavWorkspaces(c.Request().Context(), v); err != nil {
				return err
			}
		}
		return next(c)
	}
}

// NeedIn refuses (403) a viewer who does not hold p in the request's
// workspace (loaded by Workspace): tenant-wide, or through a workspace role
// bound to that workspace.
func NeedIn(p authz.Permission) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			v := render.Viewer(c)
			w, ok := render.Workspace(c)
			if v == nil || !ok || !v.Perms.CanIn(p, w.ID) {
				return echo.ErrForbidden
			}
			return next(c)
		}
	}
}

// NeedAnywhere refuses (403) a viewer who holds p neither tenant-wide nor in
// any workspace: for lists that show each viewer only the workspaces they
// may see.
func NeedAnywhere(p authz.Permission) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			v := render.Viewer(c)
			if v == nil || !v.Perms.CanAnywhere(p) {
				return echo.ErrForbidden
			}
			return next(c)
		}
	}
}
