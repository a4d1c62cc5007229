package web

import (
	"net/http"

	"gatehouse/handlers"
	"gatehouse/models/authz"
	gm "gatehouse/web/middleware"

	"github.com/labstack/echo/v4"
)

// fourEyesRoutes are the routes of four eyes (issue 16): Tenant Settings >
// Approvals. Whoever reads the tenant's roles sees every pending change;
// whoever may make one of the listed changes (and so request it) sees
// their own; Tenant Admins other than the requester decide (the model
// checks the Tenant Admin binding, the requester and the escalation).
func fourEyesRoutes(t tenantRoutes, h *handlers.Handler) {
	const approvals = "/settings/approvals"
	requesters := gm.NeedOneOf(authz.ReadTenantRoles, authz.ManageTenantRoles, authz.ManageMFAMethods,
		authz.ManageBruteForceProtectionSettings, authz.UpdateTenant)
	t.add(http.MethodGet, approvals, h.Approvals, authz.ReadTenantRoles, []echo.MiddlewareFunc{t.guards.SignedIn, requesters}, nil)
	t.need(http.MethodPost, approvals+"/:change/approve", h.ApprovalApprove, authz.ManageTenantRoles, gm.ID("change"))
	t.need(http.MethodPost, approvals+"/:change/reject", h.ApprovalReject, authz.ManageTenantRoles, gm.ID("change"))
}
