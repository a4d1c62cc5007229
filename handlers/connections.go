package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/views/layout"
	"gatehouse/views/pages"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

func connectionsPath(c echo.Context, rest string) string { return tenantPath(c, "/connections"+rest) }

func connectionCrumbs(c echo.Context, more ...layout.Crumb) []layout.Crumb {
	return append([]layout.Crumb{{Label: "User Management"}, {Label: "Connections", Href: connectionsPath(c, "")}}, more...)
}

// ConnectionList is the Connections list, optionally of one type.
func (h *Handler) ConnectionList(c echo.Context) error {
	v := render.Viewer(c)
	typ := c.QueryParam("type")
	known := typ == ""
	for _, t := range models.ConnectionTypes() {
		known = known || t == typ
	}
	if !known {
		typ = ""
	}
	after := cursorParam(c)
	page, err := h.Models.ListConnections(c.Request().Context(), v.Tenant.ID, models.ConnectionListQuery{Type: typ, After: after})
	if err != nil {
		return err
	}
	base := connectionsPath(c, "")
	d := pages.ConnectionListData{CanCreate: v.Can(authz.CreateConnections)}
	d.Tabs = append(d.Tabs, pages.ConnectionTab{Label: "All", Href: base, Current: typ == ""})
	for _, t := range models.ConnectionTypes() {
		d.Tabs = append(d.Tabs, pages.ConnectionTab{Label: models.ConnectionTypeName(t), Href: base + "?type=" + t, Current: typ == t})
	}
	if typ != "" {
		d.TypeName = models.ConnectionTypeName(typ)
	}
	for _, cn := range page.Items {
		d.Rows = append(d.Rows, pages.ConnectionRow{
			Href: connectionsPath(c, "/"+strconv.FormatInt(cn.ID, 10)), Name: cn.Name, Type: models.ConnectionTypeName(cn.Type()),
			Strategy: cn.StrategyName(), DisplayName: cn.DisplayName, Enabled: cn.Enabled,
		})
	}
	keep := url.Values{}
	if typ != "" {
		keep.Set("type", typ)
	}
	d.NextHref, d.FirstHref = pageLinks(base, keep, page.Next, after)
	return render.Render(c, http.StatusOK, pages.ConnectionList(h.R.Page(c, "Connections", connectionCrumbs(c)...), d))
}

func strategyGroups() []pages.StrategyGroup {
	var out []pages.StrategyGroup
	for _, s := range models.Strategies() {
		name := models.ConnectionTypeName(s.Type)
		if len(out) == 0 || out[len(out)-1].Label != name {
			out = append(out, pages.StrategyGroup{Label: name})
		}
		g := &out[len(out)-1]
		g.Options = append(g.Options, pages.Option{Value: s.Key, Label: s.Name})
	}
	return out
}

// ConnectionNewForm shows Create Connection.
func (h *Handler) ConnectionNewForm(c echo.Context) error {
	d := pages.ConnectionNewData{Strategies: strategyGroups(), Errors: map[string]string{}}
	if _, ok := models.StrategyByKey(c.QueryParam("strategy")); ok {
		d.Strategy = c.QueryParam("strategy")
	}
	p := h.R.Page(c, "Create Connection", connectionCrumbs(c, layout.Crumb{Label: "Create Connection"})...)
	return render.Render(c, http.StatusOK, pages.ConnectionNew(p, d))
}

// ConnectionCreate creates the connection and opens its page.
func (h *Handler) ConnectionCreate(c echo.Context) error {
	v := render.Viewer(c)
	in := models.CreateConnectionInput{Name: c.FormValue("name"), Strategy: c.FormValue("strategy"), DisplayName: c.FormValue("display_name")}
	cn, err := h.Models.CreateConnection(c.Request().Context(), v.Tenant.ID, in, actor(c))
	var verr *models.ValidationError
	switch {
	case errors.As(err, &verr):
		d := pages.ConnectionNewData{Name: strings.TrimSpace(in.Name), Strategy: in.Strategy, DisplayName: in.DisplayName,
			Strategies: strategyGroups(), Errors: verr.Fields}
		p := h.R.Page(c, "Create Connection", connectionCrumbs(c, layout.Crumb{Label: "Create Connection"})...)
		return render.Render(c, http.StatusUnprocessableEntity, pages.ConnectionNew(p, d))
	case err != nil:
		return err
	}
	h.Flashes.Set(c, "success", fmt.Sprintf("The connection %s was created and is enabled.", cn.Name))
	return render.Redirect(c, connectionsPath(c, "/"+strconv.FormatInt(cn.ID, 10)))
}

// ConnectionShow is a connection's page.
func (h *Handler) ConnectionShow(c echo.Context) error {
	cn := render.Connection(c)
	return h.renderConnection(c, http.StatusOK, cn, cn.DisplayName, cn.Enabled, nil)
}

func (h *Handler) renderConnection(c echo.Context, status int, cn models.Connection, displayName string, enabled bool, errs map[string]string) error {
	v := render.Viewer(c)
	if errs == nil {
		errs = map[string]string{}
	}
	d := pages.ConnectionShowData{
		BaseURL: connectionsPath(c, "/"+strconv.FormatInt(cn.ID, 10)), Name: cn.Name, Type: models.ConnectionTypeName(cn.Type()),
		Strategy: cn.StrategyName(), DisplayName: cn.DisplayName, Enabled: cn.Enabled,
		Created: fmtTime(&cn.CreatedAt, ""), Updated: fmtTime(&cn.UpdatedAt, ""),
		CanUpdate: v.Can(authz.UpdateConnections), CanDelete: v.Can(authz.DeleteConnections),
		FormDisplayName: displayName, FormEnabled: enabled, Errors: errs,
	}
	p := h.R.Page(c, cn.Name, connectionCrumbs(c, layout.Crumb{Label: cn.Name})...)
	return render.Render(c, status, pages.ConnectionShow(p, d))
}

// ConnectionUpdate saves a connection's settings.
func (h *Handler) ConnectionUpdate(c echo.Context) error {
	v, stored := render.Viewer(c), render.Connection(c)
	in := models.UpdateConnectionInput{DisplayName: c.FormValue("display_name"), Enabled: checkboxOn(c, "enabled")}
	cn, err := h.Models.UpdateConnection(c.Request().Context(), v.Tenant.ID, stored.ID, in, actor(c))
	var verr *models.ValidationError
	switch {
	case errors.As(err, &verr):
		if _, ok := verr.Fields["_form"]; !ok {
			verr.Fields["_form"] = "Nothing was saved: correct the fields marked below."
		}
		return h.renderConnection(c, http.StatusUnprocessableEntity, stored, in.DisplayName, in.Enabled, verr.Fields)
	case err != nil:
		return err
	}
	h.Flashes.Set(c, "success", fmt.Sprintf("The connection %s was saved.", cn.Name))
	return render.Redirect(c, connectionsPath(c, "/"+strconv.FormatInt(cn.ID, 10)))
}

// ConnectionDeleteForm is the confirmation before a connection is deleted.
func (h *Handler) ConnectionDeleteForm(c echo.Context) error {
	return h.renderConnectionDelete(c, http.StatusOK, render.Connection(c), "", nil)
}

func (h *Handler) renderConnectionDelete(c echo.Context, status int, cn models.Connection, confirm string, errs map[string]string) error {
	if errs == nil {
		errs = map[string]string{}
	}
	base := connectionsPath(c, "/"+strconv.FormatInt(cn.ID, 10))
	d := pages.ConnectionDeleteData{BaseURL: base, Name: cn.Name, Strategy: models.ConnectionTypeName(cn.Type()) + " · " + cn.StrategyName(),
		Confirm: confirm, Errors: errs}
	p := h.R.Page(c, "Delete "+cn.Name, connectionCrumbs(c, layout.Crumb{Label: cn.Name, Href: base}, layout.Crumb{Label: "Delete"})...)
	return render.Render(c, status, pages.ConnectionDelete(p, d))
}

// ConnectionDelete deletes the connection once its name was typed to confirm.
func (h *Handler) ConnectionDelete(c echo.Context) error {
	v, cn := render.Viewer(c), render.Connection(c)
	confirm := strings.TrimSpace(c.FormValue("confirm"))
	if confirm != cn.Name {
		return h.renderConnectionDelete(c, http.StatusUnprocessableEntity, cn, confirm,
			map[string]string{"confirm": "Type " + cn.Name + " exactly to delete this connection."})
	}
	if _, err := h.Models.DeleteConnection(c.Request().Context(), v.Tenant.ID, cn.ID, actor(c)); err != nil {
		return err
	}
	h.Flashes.Set(c, "success", fmt.Sprintf("The connection %s was deleted.", cn.Name))
	return render.Redirect(c, connectionsPath(c, ""))
}
