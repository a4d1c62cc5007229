package web

import (
	"net/http"

	"gatehouse/handlers"
	"gatehouse/models/authz"
	gm "gatehouse/web/middleware"
)

// governanceRoutes are the routes of governance (issue 16): Tenant
// Settings > Roles (custom administrator roles), Who can, elevation,
// break-glass and access reviews.
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

	// Elevation: any administrator asks (and a break-glass one takes Tenant
	// Admin) from their account; Tenant Admins decide, auditors read.
	t.need(http.MethodGet, "/account/elevation", h.Elevation, authz.SignedIn)
	t.need(http.MethodPost, "/account/elevation", h.ElevationRequest, authz.SignedIn)
	t.need(http.MethodPost, "/account/break-glass", h.BreakGlass, authz.SignedIn)
	const elevations = "/settings/elevation-requests"
	t.need(http.MethodGet, elevations, h.ElevationRequests, authz.ReadTenantRoles)
	t.need(http.MethodPost, elevations+"/:request/approve", h.ElevationApprove, authz.ManageTenantRoles, gm.ID("request"))
	t.need(http.MethodPost, elevations+"/:request/deny", h.ElevationDeny, authz.ManageTenantRoles, gm.ID("request"))
	// Access reviews: Tenant Admins start and decide, Tenant Auditors read.
	const reviews, review = "/settings/access-reviews", "/settings/access-reviews/:review"
	t.need(http.MethodGet, reviews, h.AccessReviews, authz.ReadTenantRoles)
	t.need(http.MethodPost, reviews, h.AccessReviewStart, authz.ManageTenantRoles)
	t.need(http.MethodGet, review, h.AccessReview, authz.ReadTenantRoles, gm.ID("review"))
	t.need(http.MethodGet, review+"/export.csv", h.AccessReviewExport, authz.ReadTenantRoles, gm.ID("review"))
	t.need(http.MethodPost, review+"/items/:item", h.AccessReviewDecide, authz.ManageTenantRoles, gm.ID("review"), gm.ID("item"))
	// The break-glass administrators, on Tenant Settings > Tenant.
	t.need(http.MethodPost, "/settings/tenant/break-glass", h.BreakGlassSave, authz.UpdateTenant)
}
