package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/views/layout"
	"gatehouse/views/pages"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// Tenant Settings > Roles: the administrator roles, built-in and custom.

func adminRolesPath(c echo.Context, rest string) string { return tenantPath(c, "/settings/roles"+rest) }

func adminRoleCrumbs(c echo.Context, more ...layout.Crumb) []layout.Crumb {
	return append([]layout.Crumb{{Label: "Tenant Settings"}, {Label: "Roles", Href: adminRolesPath(c, "")}}, more...)
}

func roleColumn(c echo.Context, r authz.Role) pages.RoleColumn {
	return pages.RoleColumn{Key: string(r.Key), Name: r.Name, Href: adminRolesPath(c, "/"+string(r.Key)), Scope: string(r.Scope), Custom: r.Custom}
}

// matrixRows is the catalog as rows, one cell per role of cols.
func matrixRows(cols []authz.Role) []pages.MatrixRow {
	cat := authz.Catalog()
	rows := make([]pages.MatrixRow, 0, len(cat))
	for _, a := range cat {
		row := pages.MatrixRow{Key: string(a.Permission), Name: a.Name, Workspace: a.Workspace, Cells: make([]bool, len(cols))}
		for i, r := range cols {
			row.Cells[i] = r.Has(a.Permission)
		}
		rows = append(rows, row)
	}
	return rows
}

func builtinRoles() []authz.Role {
	return append(append(authz.TenantRoles(), authz.OrganizationRoles()...), authz.WorkspaceRoles()...)
}

// AdminRoles is Tenant Settings > Roles.
func (h *Handler) AdminRoles(c echo.Context) error {
	v := render.Viewer(c)
	dir, err := h.roleDirectory(c)
	if err != nil {
		return err
	}
	all := append(append(dir.In(authz.ScopeTenant), authz.OrganizationRoles()...), dir.In(authz.ScopeWorkspace)...)
	d := pages.AdminRolesData{CanCreate: v.Can(authz.ManageTenantRoles), Rows: matrixRows(all)}
	for _, r := range all {
		d.Roles = append(d.Roles, pages.AdminRoleRow{Href: adminRolesPath(c, "/"+string(r.Key)), Key: string(r.Key), Name: r.Name,
			Scope: string(r.Scope), Description: r.Description, Custom: r.Custom, Permissions: len(r.Permissions)})
		d.Columns = append(d.Columns, roleColumn(c, r))
	}
	return render.Render(c, http.StatusOK, pages.AdminRoles(h.R.Page(c, "Roles", adminRoleCrumbs(c)...), d))
}

// roleEditor fills the matrix of the role editor: ticked as checked, and
// what the viewer cannot give disabled with the reason.
func roleEditor(c echo.Context, v *models.Viewer, d *pages.AdminRoleData, checked map[string]bool) {
	builtins := builtinRoles()
	for _, r := range builtins {
		d.Columns = append(d.Columns, roleColumn(c, r))
	}
	d.Rows = matrixRows(builtins)
	lasting := v.PermsLasting(nil)
	for i := range d.Rows {
		r := &d.Rows[i]
		r.Checked = checked[r.Key]
		if !lasting.Can(authz.Permission(r.Key)) {
			r.Disabled, r.Reason = true, "you do not hold it"
		}
		if d.Scope == string(authz.ScopeWorkspace) && !r.Workspace {
			r.Disabled, r.Reason = true, "not a workspace permission"
		}
	}
}

func formPermissions(c echo.Context) []string {
	f, err := c.FormParams()
	if err != nil {
		return nil
	}
	return f["permissions"]
}

func ticked(perms []string) map[string]bool {
	m := map[string]bool{}
	for _, p := range perms {
		m[p] = true
	}
	return m
}

// AdminRoleNewForm is Create New (a custom role).
func (h *Handler) AdminRoleNewForm(c echo.Context) error {
	return h.renderAdminRoleNew(c, http.StatusOK, pages.AdminRoleForm{Scope: "tenant"}, nil)
}

func (h *Handler) renderAdminRoleNew(c echo.Context, status int, f pages.AdminRoleForm, perms []string) error {
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	d := pages.AdminRoleData{IsNew: true, BaseURL: adminRolesPath(c, "/new"), CanManage: true, Form: f}
	roleEditor(c, render.Viewer(c), &d, ticked(perms))
	p := h.R.Page(c, "Create New Role", adminRoleCrumbs(c, layout.Crumb{Label: "Create New"})...)
	return render.Render(c, status, pages.AdminRole(p, d))
}

// AdminRoleCreate creates a custom role and opens its page.
func (h *Handler) AdminRoleCreate(c echo.Context) error {
	v := render.Viewer(c)
	in := models.CustomRoleInput{Name: c.FormValue("name"), Description: c.FormValue("description"), Scope: c.FormValue("scope"), Permissions: formPermissions(c)}
	r, err := h.Models.CreateCustomRole(c.Request().Context(), *v, in, actor(c))
	var verr *models.ValidationError
	switch {
	case errors.As(err, &verr):
		return h.renderAdminRoleNew(c, http.StatusUnprocessableEntity, pages.AdminRoleForm{Name: in.Name, Description: in.Description, Scope: in.Scope, Errors: verr.Fields}, in.Permissions)
	case errors.Is(err, models.ErrEscalation):
		return echo.NewHTTPError(http.StatusForbidden, "You can only give a role permissions you hold yourself.")
	case err != nil:
		return err
	}
	h.Flashes.Set(c, "success", fmt.Sprintf("The role %s was created. Assign it on a User Profile or in a workspace's Manage Access.", r.Name))
	return render.Redirect(c, adminRolesPath(c, "/"+r.Key))
}

// AdminRole is a role's page: built-in roles read only, custom roles
// editable by those who manage roles.
func (h *Handler) AdminRole(c echo.Context) error {
	return h.renderAdminRole(c, http.StatusOK, nil, nil)
}

func (h *Handler) renderAdminRole(c echo.Context, status int, typed *pages.AdminRoleForm, perms []string) error {
	v := render.Viewer(c)
	key := render.AdminRoleKey(c)
	dir, err := h.roleDirectory(c)
	if err != nil {
		return err
	}
	r, ok := dir.Role(authz.RoleKey(key))
	if !ok {
		return echo.ErrNotFound
	}
	d := pages.AdminRoleData{BaseURL: adminRolesPath(c, "/"+key), Key: key, Name: r.Name, Scope: string(r.Scope), Description: r.Description,
		Builtin: !r.Custom, CanManage: r.Custom && v.Can(authz.ManageTenantRoles)}
	if r.RequiresPlan != nil {
		d.PlanNote = "Assignable on the " + strings.Join(r.RequiresPlan, " and ") + " plans only."
	}
	if typed != nil {
		d.Form = *typed
	} else {
		d.Form = pages.AdminRoleForm{Name: r.Name, Description: r.Description, Errors: map[string]string{}}
		for _, p := range r.Permissions {
			perms = append(perms, string(p))
		}
	}
	if d.CanManage {
		roleEditor(c, v, &d, ticked(perms))
	} else {
		cols := builtinRoles()
		if r.Custom {
			cols = append([]authz.Role{r}, cols...)
		}
		for _, cr := range cols {
			d.Columns = append(d.Columns, roleColumn(c, cr))
		}
		d.Rows = matrixRows(cols)
	}
	holders, more, err := h.Models.RoleHolders(c.Request().Context(), v.Tenant.ID, key, 50)
	if err != nil {
		return err
	}
	d.Holders, d.MoreHolders, err = h.holderRows(c, holders), more, nil
	if err != nil {
		return err
	}
	p := h.R.Page(c, r.Name, adminRoleCrumbs(c, layout.Crumb{Label: r.Name})...)
	return render.Render(c, status, pages.AdminRole(p, d))
}

func (h *Handler) holderRows(c echo.Context, hs []models.RoleHolder) []pages.RoleHolderRow {
	v := render.Viewer(c)
	now := h.Models.Now()
	var bs []models.RoleBinding
	for _, x := range hs {
		bs = append(bs, x.Binding)
	}
	workspaces, _ := h.workspacesOf(c, v.Tenant.ID, bs)
	out := make([]pages.RoleHolderRow, 0, len(hs))
	for _, x := range hs {
		row := pages.RoleHolderRow{Name: x.Administrator.DisplayName(), Email: x.Administrator.Email, Scope: "Tenant",
			Until: fmtTime(x.Binding.ExpiresAt, "Never"), Expired: !x.Binding.Active(now)}
		if v.Can(authz.ReadTenantRoles) {
			row.Href = adminsPath(c, "/"+strconv.FormatInt(x.Administrator.ID, 10))
		}
		if x.Binding.WorkspaceID != nil {
			row.Scope = "Workspace"
			if w, ok := workspaces[*x.Binding.WorkspaceID]; ok {
				row.Scope = "Workspace " + w.Name
			}
		}
		out = append(out, row)
	}
	return out
}

// AdminRoleUpdate saves a custom role; the change applies to every holder at once.
func (h *Handler) AdminRoleUpdate(c echo.Context) error {
	v := render.Viewer(c)
	key := render.AdminRoleKey(c)
	if !authz.IsCustom(authz.RoleKey(key)) {
		if _, ok := authz.RoleByKey(authz.RoleKey(key)); ok {
			return echo.NewHTTPError(http.StatusForbidden, "Built-in roles cannot be changed.")
		}
		return echo.ErrNotFound
	}
	in := models.CustomRoleInput{Name: c.FormValue("name"), Description: c.FormValue("description"), Permissions: formPermissions(c)}
	r, err := h.Models.UpdateCustomRole(c.Request().Context(), *v, key, in, actor(c))
	var verr *models.ValidationError
	switch {
	case errors.As(err, &verr):
		return h.renderAdminRole(c, http.StatusUnprocessableEntity, &pages.AdminRoleForm{Name: in.Name, Description: in.Description, Errors: verr.Fields}, in.Permissions)
	case errors.Is(err, models.ErrEscalation):
		return echo.NewHTTPError(http.StatusForbidden, "You can only give a role permissions you hold yourself, and only edit a role whose permissions you hold.")
	case errors.Is(err, models.ErrNotFound):
		return echo.ErrNotFound
	case err != nil:
		return err
	}
	h.Flashes.Set(c, "success", fmt.Sprintf("The role %s was saved; it applies to everyone who holds it.", r.Name))
	return render.Redirect(c, adminRolesPath(c, "/"+r.Key))
}

// AdminRoleDeleteForm confirms deleting a custom role, naming its holders.
func (h *Handler) AdminRoleDeleteForm(c echo.Context) error {
	return h.renderAdminRoleDelete(c, http.StatusOK, "", nil)
}

func (h *Handler) renderAdminRoleDelete(c echo.Context, status int, typed string, errs map[string]string) error {
	v := render.Viewer(c)
	key := render.AdminRoleKey(c)
	cr, err := h.Models.CustomRoleByKey(c.Request().Context(), v.Tenant.ID, key)
	if err != nil {
		return err
	}
	holders, more, err := h.Models.RoleHolders(c.Request().Context(), v.Tenant.ID, key, 200)
	if err != nil {
		return err
	}
	if errs == nil {
		errs = map[string]string{}
	}
	d := pages.AdminRoleDeleteData{BaseURL: adminRolesPath(c, "/"+key), Name: cr.Name, Holders: h.holderRows(c, holders), MoreHolders: more, Typed: typed, Errors: errs}
	p := h.R.Page(c, "Delete "+cr.Name, adminRoleCrumbs(c, layout.Crumb{Label: cr.Name, Href: d.BaseURL}, layout.Crumb{Label: "Delete"})...)
	return render.Render(c, status, pages.AdminRoleDelete(p, d))
}

// AdminRoleDelete deletes a custom role once its name is typed.
func (h *Handler) AdminRoleDelete(c echo.Context) error {
	v := render.Viewer(c)
	err := h.Models.DeleteCustomRole(c.Request().Context(), *v, render.AdminRoleKey(c), c.FormValue("name"), actor(c))
	var verr *models.ValidationError
	switch {
	case errors.As(err, &verr):
		return h.renderAdminRoleDelete(c, http.StatusUnprocessableEntity, c.FormValue("name"), verr.Fields)
	case errors.Is(err, models.ErrEscalation):
		return echo.NewHTTPError(http.StatusForbidden, "You can only delete a role whose permissions you hold.")
	case errors.Is(err, models.ErrNotFound):
		return echo.ErrNotFound
	case err != nil:
		return err
	}
	h.Flashes.Set(c, "success", "The role was deleted; its holders lost it.")
	return render.Redirect(c, adminRolesPath(c, ""))
}
