package render

import (
	"gatehouse/models"

	"github.com/labstack/echo/v4"
)

const keyIdentityPool = "gatehouse.identity_pool"

// SetIdentityPool records the identity pool of the request's URL (its :pool).
func SetIdentityPool(c echo.Context, p models.IdentityPool) { c.Set(keyIdentityPool, p) }

// IdentityPool returns the identity pool of the request's URL, if it names one.
func IdentityPool(c echo.Context) (models.IdentityPool, bool) {
	p, ok := c.Get(keyIdentityPool).(models.IdentityPool)
	return p, ok
}
