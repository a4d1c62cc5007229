package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/views/layout"
	"gatehouse/views/pages"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

func rolesPath(c echo.Context, rest string) string { return tenantPath(c, "/roles"+rest) }

func roleCrumbs(c echo.Context, more ...layout.Crumb) []layout.Crumb {
	return append([]layout.Crumb{{Label: "User Management"}, {Label: "Roles", Href: rolesPath(c, "")}}, more...)
}

// EndUserRoleList is User Management > Roles.
func (h *Handler) EndUserRoleList(c echo.Context) error {
	v := render.Viewer(c)
	q, after := searchParam(c, 100), cursorParam(c)
	page, err := h.Models.ListEndUserRoles(c.Request().Context(), v.Tenant.ID, models.EndUserRoleListQuery{Search: q, After: after})
	if err != nil {
		return err
	}
	d := pages.EndUserRoleListData{Search: q, CanCreate: v.Can(authz.ManageRoles)}
	for _, r := range page.Items {
		d.Rows = append(d.Rows, pages.EndUserRoleRow{Href: rolesPath(c, "/"+strconv.FormatInt(r.ID, 10)), Name: r.Name, Description: r.Description})
	}
	keep := url.Values{}
	if q != "" {
		keep.Set("q", q)
	}
	d.NextHref, d.FirstHref = pageLinks(rolesPath(c, ""), keep, page.Next, after)
	return render.Render(c, http.StatusOK, pages.EndUserRoleList(h.R.Page(c, "Roles", roleCrumbs(c)...), d))
}

// EndUserRoleNewForm shows Create Role.
func (h *Handler) EndUserRoleNewForm(c echo.Context) error {
	p := h.R.Page(c, "Create Role", roleCrumbs(c, layout.Crumb{Label: "Create Role"})...)
	return render.Render(c, http.StatusOK, pages.EndUserRoleNew(p, pages.EndUserRoleForm{Errors: map[string]string{}}))
}

// EndUserRoleCreate creates the role and opens its page.
func (h *Handler) EndUserRoleCreate(c echo.Context) error {
	v := render.Viewer(c)
	in := models.EndUserRoleInput{Name: c.FormValue("name"), Description: c.FormValue("description")}
	r, err := h.Models.CreateEndUserRole(c.Request().Context(), v.Tenant.ID, in, actor(c))
	var verr *models.ValidationError
	switch {
	case errors.As(err, &verr):
		p := h.R.Page(c, "Create Role", roleCrumbs(c, layout.Crumb{Label: "Create Role"})...)
		return render.Render(c, http.StatusUnprocessableEntity, pages.EndUserRoleNew(p, pages.EndUserRoleForm{Name: in.Name, Description: in.Description, Errors: verr.Fields}))
	case err != nil:
		return err
	}
	h.Flashes.Set(c, "success", fmt.Sprintf("The role %s was created.", r.Name))
	return render.Redirect(c, rolesPath(c, "/"+strconv.FormatInt(r.ID, 10)))
}

// EndUserRoleShow is a role's page.
func (h *Handler) EndUserRoleShow(c echo.Context) error {
	r := render.Role(c)
	return h.renderEndUserRole(c, http.StatusOK, r, pages.EndUserRoleForm{Name: r.Name, Description: r.Description})
}

func (h *Handler) renderEndUserRole(c echo.Context, status int, r models.EndUserRole, f pages.EndUserRoleForm) error {
	v := render.Viewer(c)
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	d := pages.EndUserRoleShowData{
		BaseURL: rolesPath(c, "/"+strconv.FormatInt(r.ID, 10)), Name: r.Name, Description: r.Description,
		Created: fmtTime(&r.CreatedAt, ""), Updated: fmtTime(&r.UpdatedAt, ""), CanManage: v.Can(authz.ManageRoles), Form: f,
	}
	p := h.R.Page(c, r.Name, roleCrumbs(c, layout.Crumb{Label: r.Name})...)
	return render.Render(c, status, pages.EndUserRoleShow(p, d))
}

// EndUserRoleUpdate saves a role's name and description.
func (h *Handler) EndUserRoleUpdate(c echo.Context) error {
	v, stored := render.Viewer(c), render.Role(c)
	in := models.EndUserRoleInput{Name: c.FormValue("name"), Description: c.FormValue("description")}
	r, err := h.Models.UpdateEndUserRole(c.Request().Context(), v.Tenant.ID, stored.ID, in, actor(c))
	var verr *models.ValidationError
	switch {
	case errors.As(err, &verr):
		if _, ok := verr.Fields["_form"]; !ok {
			verr.Fields["_form"] = "Nothing was saved: correct the fields marked below."
		}
		return h.renderEndUserRole(c, http.StatusUnprocessableEntity, stored, pages.EndUserRoleForm{Name: in.Name, Description: in.Description, Errors: verr.Fields})
	case err != nil:
		return err
	}
	h.Flashes.Set(c, "success", fmt.Sprintf("The role %s was saved.", r.Name))
	return render.Redirect(c, rolesPath(c, "/"+strconv.FormatInt(r.ID, 10)))
}

// EndUserRoleDeleteForm is the confirmation before a role is deleted.
func (h *Handler) EndUserRoleDeleteForm(c echo.Context) error {
	r := render.Role(c)
	base := rolesPath(c, "/"+strconv.FormatInt(r.ID, 10))
	p := h.R.Page(c, "Delete "+r.Name, roleCrumbs(c, layout.Crumb{Label: r.Name, Href: base}, layout.Crumb{Label: "Delete"})...)
	return render.Render(c, http.StatusOK, pages.EndUserRoleDelete(p, pages.EndUserRoleDeleteData{BaseURL: base, Name: r.Name}))
}

// EndUserRoleDelete deletes the role and returns to the list.
func (h *Handler) EndUserRoleDelete(c echo.Context) error {
	v := render.Viewer(c)
	r, err := h.Models.DeleteEndUserRole(c.Request().Context(), v.Tenant.ID, render.Role(c).ID, actor(c))
	if err != nil {
		return err
	}
	h.Flashes.Set(c, "success", fmt.Sprintf("The role %s was deleted.", r.Name))
	return render.Redirect(c, rolesPath(c, ""))
}
