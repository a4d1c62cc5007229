package web

import (
	"net/http"

	"gatehouse/handlers"
	"gatehouse/models/authz"
	gm "gatehouse/web/middleware"
)

// uxRoutes are the routes of issue 10's remaining UX defects: Invite on
// Manage Access (#1) and the bulk actions of Organization Members (#5).
func uxRoutes(t tenantRoutes, h *handlers.Handler, load gm.Loaders) {
	const one, org = "/workspaces/:workspace", "/organizations/:org"
	t.needIn(http.MethodPost, one+"/access/invite", h.WorkspaceInvite, authz.ManageWorkspaceRoles)
	t.needOrg(http.MethodPost, org+"/members/bulk", h.OrgBulkMembers, authz.ManageOrganizationMembers)
	_ = load
}
