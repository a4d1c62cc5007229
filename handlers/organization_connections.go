package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/views/layout"
	"gatehouse/views/pages"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// OrgConnections is an organization's Connections tab.
func (h *Handler) OrgConnections(c echo.Context) error {
	o := render.Org(c)
	return h.renderOrgConnections(c, http.StatusOK, o, pages.OrgConnectionsData{})
}

func (h *Handler) renderOrgConnections(c echo.Context, status int, o models.Organization, form pages.OrgConnectionsData) error {
	v := render.Viewer(c)
	hd, _, err := h.orgHeader(c, o, "Connections")
	if err != nil {
		return err
	}
	enabled, available, err := h.Models.OrganizationConnections(c.Request().Context(), v.Tenant.ID, o.ID)
	if err != nil {
		return err
	}
	d := form
	d.Header, d.CanManage = hd, v.Can(authz.ManageOrganizations)
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	for _, e := range enabled {
		cn := e.Connection
		id := strconv.FormatInt(cn.ID, 10)
		row := pages.OrgConnectionRow{Name: cn.Name, DisplayName: cn.Label(), Strategy: cn.StrategyName(), Type: models.ConnectionTypeName(cn.Type()),
			Disabled: !cn.Enabled, AutoMembership: e.AutoMembership,
			UpdateURL: orgPath(c, o, "/connections/"+id), DisableURL: orgPath(c, o, "/connections/"+id+"/delete")}
		if v.Can(authz.ReadConnections) {
			row.Href = tenantPath(c, "/connections/"+id)
		}
		d.Rows = append(d.Rows, row)
	}
	if d.CanManage {
		for _, cn := range available {
			label := cn.Label() + " (" + cn.StrategyName() + ")"
			if !cn.Enabled {
				label += " — disabled in the tenant"
			}
			d.Available = append(d.Available, pages.Option{Value: strconv.FormatInt(cn.ID, 10), Label: label})
		}
	}
	p := h.R.Page(c, "Connections · "+o.Label(), orgCrumbs(c, &o, layout.Crumb{Label: "Connections"})...)
	return render.Render(c, status, pages.OrgConnections(p, d))
}

// OrgEnableConnection enables a connection for the organization.
func (h *Handler) OrgEnableConnection(c echo.Context) error {
	v := render.Viewer(c)
	o := render.Org(c)
	raw := c.FormValue("connection")
	id, _ := strconv.ParseInt(raw, 10, 64)
	auto := checkboxOn(c, "auto_membership")
	cn, err := h.Models.EnableOrganizationConnection(c.Request().Context(), v.Tenant.ID, o.ID, id, auto, actor(c))
	var verr *models.ValidationError
	if errors.As(err, &verr) {
		return h.renderOrgConnections(c, http.StatusUnprocessableEntity, o, pages.OrgConnectionsData{Connection: raw, AutoMembership: auto, Errors: verr.Fields})
	}
	if err != nil {
		return orgOutcome(err)
	}
	msg := cn.Label() + " is enabled for " + o.Label() + "."
	if auto {
		msg += " Whoever signs in through it becomes a member."
	}
	h.Flashes.Set(c, "success", msg)
	return render.Redirect(c, orgPath(c, o, "/connections"))
}

// OrgUpdateConnection turns auto-membership on or off for an enabled connection.
func (h *Handler) OrgUpdateConnection(c echo.Context) error {
	v := render.Viewer(c)
	o, id := render.Org(c), render.Connection(c).ID
	auto := checkboxOn(c, "auto_membership")
	cn, err := h.Models.SetOrganizationConnectionAutoMembership(c.Request().Context(), v.Tenant.ID, o.ID, id, auto, actor(c))
	if err != nil {
		return orgOutcome(err)
	}
	state := "off"
	if auto {
		state = "on"
	}
	h.Flashes.Set(c, "success", "Auto-membership is "+state+" for "+cn.Label()+".")
	return render.Redirect(c, orgPath(c, o, "/connections"))
}

// OrgDisableConnection disables a connection for the organization.
func (h *Handler) OrgDisableConnection(c echo.Context) error {
	v := render.Viewer(c)
	o, id := render.Org(c), render.Connection(c).ID
	cn, err := h.Models.DisableOrganizationConnection(c.Request().Context(), v.Tenant.ID, o.ID, id, actor(c))
	if err != nil {
		return orgOutcome(err)
	}
	h.Flashes.Set(c, "success", cn.Label()+" is no longer enabled for "+o.Label()+".")
	return render.Redirect(c, orgPath(c, o, "/connections"))
}
