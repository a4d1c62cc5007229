package handlers

import (
	"gatehouse/models"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// The API's path parameters are loaded by the route table's loaders, as
// the pages' are (web/routes_api.go): :org by the organization loader (in
// the token's tenant, 404 otherwise), numeric ids by gm.ID (a positive
// number, else 404), which the models then look up inside the tenant and
// the parent object. The handlers read what the loaders recorded.

// currentOrg is the organization the route's loader loaded for :org.
func (h *Handler) currentOrg(c echo.Context) (models.Organization, error) {
	o := render.Org(c)
	if o.ID == 0 {
		return o, echo.ErrNotFound
	}
	return o, nil
}

// orgAndID is currentOrg and the numeric path parameter name.
func (h *Handler) orgAndID(c echo.Context, name string) (models.Organization, int64, error) {
	o, err := h.currentOrg(c)
	if err != nil {
		return o, 0, err
	}
	id, err := pathID(c, name)
	return o, id, err
}
