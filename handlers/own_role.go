package handlers

import (
	"errors"
	"net/http"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/views/layout"
	"gatehouse/views/pages"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// ownRoleRemoval is the question asked before administrators remove a role
// of their own (issue 10, #2 and #7): they are removing themselves, what
// that means, and a confirmation (field confirm=yes); the last Workspace
// Admin (for anyone but a Tenant Admin) and the last Tenant Admin are
// refused at once. ask tells which of their bindings are asked about; asked
// is true when the page was the answer (the removal must not go ahead yet).
func (h *Handler) ownRoleRemoval(c echo.Context, ask func(models.RoleBinding) bool, d pages.OwnRoleRemovalData, crumbs []layout.Crumb) (asked bool, err error) {
	v := render.Viewer(c)
	own, err := h.Models.OwnRoleRemoval(c.Request().Context(), *v, render.BindingID(c))
	if errors.Is(err, models.ErrNotFound) || err == nil && !ask(own.Binding) {
		return false, nil // not theirs: the removal's own checks apply
	}
	if err != nil {
		return true, err
	}
	if !own.Last && c.FormValue("confirm") == "yes" {
		return false, nil
	}
	dir, err := h.roleDirectory(c)
	if err != nil {
		return true, err
	}
	d.Role = roleName(dir, own.Binding.RoleKey)
	d.Action = c.Request().URL.Path
	d.Last = own.Last
	status := http.StatusOK
	if own.Last {
		status = http.StatusForbidden
		if own.Binding.WorkspaceID != nil {
			d.Refusal = sentence(models.ErrLastWorkspaceAdmin.Error()) + " Make someone else Workspace Admin here first, or ask a Tenant Admin."
		} else {
			d.Refusal = "You are the last: " + models.ErrLastTenantAdmin.Error() + ". Make someone else Tenant Admin first."
		}
	}
	p := h.R.Page(c, "Remove your own role", crumbs...)
	return true, render.Render(c, status, pages.OwnRoleRemoval(p, d))
}

// ownTenantAdmin asks about the viewer's own tenant-wide Tenant Admin role.
func ownTenantAdmin(b models.RoleBinding) bool {
	return b.RoleKey == string(authz.TenantAdmin) && b.WorkspaceID == nil && b.OrganizationID == nil
}
