package web

import (
	"net/http"

	"gatehouse/handlers"
	"gatehouse/models/authz"
	gm "gatehouse/web/middleware"
)

// governanceRoutes are the routes of governance (issue 16): Tenant
// Settings > Roles (custom administrator roles) and Who can.
func governanceRoutes(t tenantRoutes, h *handlers.Handler, load gm.Loaders) {
	// Tenant Settings > Roles: read with Read Tenant Roles, change with
	// Manage Tenant Roles (creating, editing and deleting custom roles).
	const roles, role = "/settings/roles", "/settings/roles/:role"
	t.need(http.MethodGet, roles, h.AdminRoles, authz.ReadTenantRoles)
	t.need(http.MethodGet, roles+"/new", h.AdminRoleNewForm, authz.ManageTenantRoles)
	t.need(http.MethodPost, roles+"/new", h.AdminRoleCreate, authz.ManageTenantRoles)
	t.need(http.MethodPost, roles, h.AdminRoleCreate, authz.ManageTenantRoles)
	t.need(http.MethodGet, role, h.AdminRole, authz.ReadTenantRoles, load.AdminRole)
	t.need(http.MethodPost, role, h.AdminRoleUpdate, authz.ManageTenantRoles, load.AdminRole)
	t.need(http.MethodGet, role+"/delete", h.AdminRoleDeleteForm, authz.ManageTenantRoles, load.AdminRole)
	t.need(http.MethodPost, role+"/delete", h.AdminRoleDelete, authz.ManageTenantRoles, load.AdminRole)

	// Who can (the access explainer; Check access itself is on the User
	// Profile): whoever may read the tenant's roles.
	const access = "/settings/access"
	t.need(http.MethodGet, access, h.WhoCan, authz.ReadTenantRoles)
	t.need(http.MethodGet, access+"/export.csv", h.WhoCanExport, authz.ReadTenantRoles)
}
