package handlers

import (
	"errors"
	"strconv"

	"gatehouse/models"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// currentOrg is the organization named by the API path's :org, in the
// token's tenant (404 otherwise).
func (h *Handler) currentOrg(c echo.Context) (models.Organization, error) {
	v := render.Viewer(c)
	o, err := h.Models.OrganizationByName(c.Request().Context(), v.Tenant.ID, c.Param("org"))
	if errors.Is(err, models.ErrNotFound) {
		return o, echo.ErrNotFound
	}
	return o, err
}

// orgAndID is currentOrg and the numeric path parameter name (404 when it
// is not a positive number).
func (h *Handler) orgAndID(c echo.Context, name string) (models.Organization, int64, error) {
	o, err := h.currentOrg(c)
	if err != nil {
		return o, 0, err
	}
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return o, 0, echo.ErrNotFound
	}
	return o, id, nil
}
