package render

import (
	"gatehouse/models"

	"github.com/labstack/echo/v4"
)

// The identity providers and themes the loaders of
// web/middleware/ws14b_loaders.go found.

const (
	keyIDP   ctxKey = "gatehouse.idp"
	keyTheme ctxKey = "gatehouse.theme"
)

// SetIDP records the identity provider of the :idp parameter.
func SetIDP(c echo.Context, v models.IDP) { set(c, keyIDP, v) }

// IDP is the identity provider of the :idp parameter.
func IDP(c echo.Context) models.IDP { return get[models.IDP](c, keyIDP) }

// SetTheme records the theme of the :theme parameter.
func SetTheme(c echo.Context, v models.Theme) { set(c, keyTheme, v) }

// Theme is the theme of the :theme parameter.
func Theme(c echo.Context) models.Theme { return get[models.Theme](c, keyTheme) }
