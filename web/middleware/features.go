package middleware

import (
	"gatehouse/models"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// ClassicAdminManagement refuses (403) the changes of Tenant Settings >
// Administrators (Create New, roles, status, invitations, resets, sessions,
// unlock, TOTP) for a tenant whose administrators are not managed there:
// administrator management is off, or happens in the Admin workspace
// (advanced administrator management, legacy tenants). It runs after the
// permission check, on the tenant as loaded for the request.
func ClassicAdminManagement(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		t, ok := render.Tenant(c)
		if !ok || t.AdminManagement() != models.AdminManagementClassic {
			return echo.ErrForbidden
		}
		return next(c)
	}
}
