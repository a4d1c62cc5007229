package web

import (
	"net/http"

	"gatehouse/handlers"
	"gatehouse/models/authz"
)

// ws14cRoutes are a workspace's Analytics, the tenant's Permission
// Systems and the System pages (Tenant Members' reads); ws14cAPIRoutes the
// events ingestion of the management API.
func ws14cRoutes(t tenantRoutes, h *handlers.Handler) {
	load := t.guards.PermSystemLoaders()
	t.needIn(http.MethodGet, "/workspaces/:workspace/analytics", h.Analytics, authz.ReadWorkspaceAnalytics)

	// Permission Systems: reading (and Check, which changes nothing) needs
	// Read Permission Systems, every change Manage Permission Systems.
	const ps, one = "/permission-systems", "/permission-systems/:system"
	t.need(http.MethodGet, ps, h.PermSystemList, authz.ReadPermissionSystems)
	t.need(http.MethodGet, ps+"/new", h.PermSystemNewForm, authz.ManagePermissionSystems)
	t.need(http.MethodPost, ps+"/new", h.PermSystemCreate, authz.ManagePermissionSystems)
	t.need(http.MethodPost, ps, h.PermSystemCreate, authz.ManagePermissionSystems)
	t.need(http.MethodGet, one, h.PermSystemShow, authz.ReadPermissionSystems, load.System)
	t.need(http.MethodPost, one, h.PermSystemUpdate, authz.ManagePermissionSystems, load.System)
	t.need(http.MethodGet, one+"/delete", h.PermSystemDeleteForm, authz.ManagePermissionSystems, load.System)
	t.need(http.MethodPost, one+"/delete", h.PermSystemDelete, authz.ManagePermissionSystems, load.System)
	t.need(http.MethodPost, one+"/tuples", h.PermSystemAddTuple, authz.ManagePermissionSystems, load.System)
	t.need(http.MethodPost, one+"/tuples/:tuple/delete", h.PermSystemRemoveTuple, authz.ManagePermissionSystems, load.System, load.Tuple)
	t.need(http.MethodPost, one+"/check", h.PermSystemCheck, authz.ReadPermissionSystems, load.System)

	// System: read-only pages of what Gatehouse has, one permission each.
	const sys = "/system"
	t.need(http.MethodGet, sys+"/environment", h.SystemEnvironment, authz.ReadSystemEnvironment)
	t.need(http.MethodGet, sys+"/notifications", h.SystemNotifications, authz.ReadSystemNotifications)
	t.need(http.MethodGet, sys+"/services", h.SystemServices, authz.ReadSystemTenantServices)
	t.need(http.MethodGet, sys+"/apis", h.SystemAPIs, authz.ReadSystemTenantAPIs)
	t.need(http.MethodGet, sys+"/templates", h.SystemTemplates, authz.ReadSystemTemplates)
	t.need(http.MethodGet, sys+"/templates/:template", h.SystemTemplate, authz.ReadSystemTemplates, load.Template)
	t.need(http.MethodGet, sys+"/templates/:template/html", h.SystemTemplateHTML, authz.ReadSystemTemplates, load.Template)
}

// ws14cAPIRoutes: authentication events for Analytics, in batches. SPEC
// names no permission for ingestion; Update Workspace (Tenant Admin and
// that workspace's Workspace Admin) is the workspace's own manage
// permission, so auditors' tokens cannot write events.
func ws14cAPIRoutes(a apiTable, h *handlers.Handler) {
	a.needIn(http.MethodPost, "/workspaces/:workspace/events", h.APIEventsIngest, authz.UpdateWorkspace,
		handlers.APIDoc{Summary: "Post authentication events for Analytics (1 to 1,000; all valid or none stored)", Tag: "Workspaces",
			Request: handlers.APIEventsInput{}, Response: handlers.APIEventsAccepted{}, Status: http.StatusCreated})
}
