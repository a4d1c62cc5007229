package handlers

import (
	"context"

	"gatehouse/models"
	"gatehouse/views/layout"
	"gatehouse/views/pages"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// The workspace audit screen (/t/{tenant}/workspaces/{workspace}/audit) is
// AuditList and AuditExport themselves: when the route's workspace guard
// has loaded a workspace, they keep to the events inside it.

// auditActions lists the actions the action filter offers: the tenant's, or
// only those that happened inside one workspace.
func (h *Handler) auditActions(ctx context.Context, tenantID int64, f models.AuditFilter) ([]string, error) {
	if f.WorkspaceID == nil {
		return h.Models.AuditActions(ctx, tenantID, f.TargetTypes)
	}
	return h.Models.WorkspaceAuditActions(ctx, tenantID, *f.WorkspaceID)
}

// renderWorkspaceAudit shows a workspace's audit events under its header.
func (h *Handler) renderWorkspaceAudit(c echo.Context, status int, d pages.AuditData) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	d.EmptyHint = "Every change made inside this workspace (its settings and Manage Access) will be listed here."
	p := h.R.Page(c, "Audit log · "+w.Name, workspaceCrumbs(c, w, layout.Crumb{Label: "Audit log"})...)
	return render.Render(c, status, pages.WorkspaceAudit(p, h.workspaceHeader(c, v, w, "Audit log"), d))
}
