package middleware

import (
	"errors"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

const keyOrganization = "gatehouse.organization"

// Organization loads the Organization named by the :org parameter inside
// the URL's tenant, for a signed-in viewer (after SignedIn). One that does
// not exist and one the viewer cannot read (no Read Organizations
// tenant-wide, no organization role bound to it) both answer 404: an
// Organization Admin sees no other Organization. A viewer who may read no
// Organization at all is refused (403) before any lookup.
func (g *Guards) Organization(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		v := render.Viewer(c)
		if v == nil {
			return echo.ErrNotFound
		}
		if !v.Perms.CanAnywhere(authz.ReadOrganizations) {
			return echo.ErrForbidden // no Organization at all is theirs: refused as before any lookup
		}
		o, err := g.Models.OrganizationByName(c.Request().Context(), v.Tenant.ID, c.Param("org"))
		if errors.Is(err, models.ErrNotFound) || (err == nil && !v.Perms.CanInOrganization(authz.ReadOrganizations, o.ID)) {
			return echo.ErrNotFound
		}
		if err != nil {
			return err
		}
		c.Set(keyOrganization, o)
		render.SetOrg(c, o)
		return next(c)
	}
}

// NeedInOrganization refuses (403) a viewer who does not hold p in the
// request's Organization (loaded by Organization): tenant-wide, or through
// an organization role bound to it.
func NeedInOrganization(p authz.Permission) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			v := render.Viewer(c)
			o, ok := c.Get(keyOrganization).(models.Organization)
			if v == nil || !ok || !v.Perms.CanInOrganization(p, o.ID) {
				return echo.ErrForbidden
			}
			return next(c)
		}
	}
}
