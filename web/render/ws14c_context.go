package render

import (
	"gatehouse/models"

	"github.com/labstack/echo/v4"
)

const (
	keyPermissionSystem ctxKey = "gatehouse.permission_system"
	keyEmailTemplate    ctxKey = "gatehouse.email_template"
)

// SetPermissionSystem records the permission system of the :system parameter.
func SetPermissionSystem(c echo.Context, v models.PermissionSystem) { set(c, keyPermissionSystem, v) }

// PermissionSystem is the permission system of the :system parameter.
func PermissionSystem(c echo.Context) models.PermissionSystem {
	return get[models.PermissionSystem](c, keyPermissionSystem)
}

// SetEmailTemplate records the e-mail template key of the :template parameter.
func SetEmailTemplate(c echo.Context, key string) { set(c, keyEmailTemplate, key) }

// EmailTemplate is the e-mail template key of the :template parameter.
func EmailTemplate(c echo.Context) string { return get[string](c, keyEmailTemplate) }
