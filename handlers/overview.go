package handlers

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/views/layout"
	"gatehouse/views/pages"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// Overview is /t/{tenant}/overview, the System overview: the tenant's
// overall state (Read System Environment), notifications (Read System
// Notifications), services and APIs (Read System Tenant Services / APIs)
// and the e-mail templates (Read System Templates), each part shown to
// whoever holds its permission: Tenant Admins, Tenant Auditors and Tenant
// Members.
func (h *Handler) Overview(c echo.Context) error {
	v := render.Viewer(c)
	ctx := c.Request().Context()
	o, err := h.Models.Overview(ctx, v.Tenant.ID)
	if err != nil {
		return err
	}
	base := "/t/" + v.Tenant.Slug
	var d pages.OverviewData
	if v.Can(authz.ReadSystemEnvironment) {
		admins := pages.OverviewItem{Label: "Administrators", Value: fmt.Sprint(o.Admins.Total()), Detail: adminSummaryDetail(o.Admins)}
		if v.Can(authz.ReadTenantRoles) {
			admins.Href = base + "/settings/administrators"
		}
		workspaces := pages.OverviewItem{Label: "Workspaces", Value: fmt.Sprint(o.Workspaces)}
		if v.Can(authz.GetWorkspace) {
			workspaces.Href = base + "/workspaces"
		}
		d.Environment = []pages.OverviewItem{
			{Label: "Tenant", Value: v.Tenant.Name, Detail: "/t/" + v.Tenant.Slug},
			{Label: "Plan", Value: titleCase(string(v.Tenant.Plan))},
			admins,
			workspaces,
			{Label: "Pending invitations", Value: fmt.Sprint(o.Admins.PendingLinks), Detail: pendingLinksDetail(o.Admins)},
		}
	}
	if v.Can(authz.ReadSystemNotifications) {
		d.ShowNotices = true
		if o.UndeliveredEmails > 0 {
			msg := fmt.Sprintf("%d e-mail%s could not be delivered yet and will be tried again.", o.UndeliveredEmails, plural(o.UndeliveredEmails))
			if o.LastDeliveryError != "" {
				msg += " Last error: " + clip(o.LastDeliveryError, 200)
			}
			d.Notifications = append(d.Notifications, pages.OverviewNotification{Kind: "warning", Message: msg})
		}
		if o.ExpiringInvitations > 0 {
			d.Notifications = append(d.Notifications, pages.OverviewNotification{Kind: "info",
				Message: fmt.Sprintf("%d invitation%s will expire within %s without having been accepted.",
					o.ExpiringInvitations, plural(o.ExpiringInvitations), humanDuration(models.InvitationsExpiringWithin))})
		}
		if o.Administrators[models.AdminActive] == 0 {
			d.Notifications = append(d.Notifications, pages.OverviewNotification{Kind: "warning",
				Message: "No administrator is active yet: the first invitation has not been accepted."})
		}
	}
	if v.Can(authz.ReadSystemTenantServices) {
		d.Services = []pages.OverviewItem{
			{Label: "Administrator sign-in", Value: base + "/login", Detail: "where this tenant's administrators sign in"},
			{Label: "Invitations", Value: "E-mailed links", Detail: "single use, valid " + humanDuration(h.Models.InvitationTTL)},
			{Label: "Password reset", Value: "E-mailed links", Detail: "single use, valid " + humanDuration(h.Models.ResetTTL)},
			{Label: "E-mail delivery", Value: "Outbox", Detail: "written with each change, retried until delivered"},
		}
	}
	if v.Can(authz.ReadSystemTenantAPIs) {
		d.APIs = []pages.OverviewItem{
			{Label: "Liveness", Value: "GET /healthz", Detail: "200 while the service runs"},
			{Label: "Readiness", Value: "GET /readyz", Detail: "200 while the database answers, 503 otherwise"},
		}
	}
	if v.Can(authz.ReadSystemTemplates) && h.Models.Emails != nil {
		d.ShowTemplates = true
		d.Templates = h.sampleTemplates(v.Tenant)
	}
	p := h.R.Page(c, "System overview", layout.Crumb{Label: "System overview"})
	return render.Render(c, http.StatusOK, pages.Overview(p, d))
}

// sampleTemplates renders each e-mail the system sends with sample values.
// A template that fails to render is listed with the failure.
func (h *Handler) sampleTemplates(t models.Tenant) []pages.OverviewTemplate {
	expires := h.Models.Now().Add(h.Models.InvitationTTL)
	link := h.Models.BaseURL + "/"
	var out []pages.OverviewTemplate
	add := func(name, when string, m models.Email, err error) {
		tpl := pages.OverviewTemplate{Name: name, When: when, Subject: m.Subject, Body: strings.TrimSpace(m.Text)}
		if err != nil {
			tpl.Body = "This template could not be rendered: " + err.Error()
		}
		out = append(out, tpl)
	}
	m, err := h.Models.Emails.Invitation(models.InvitationEmail{TenantName: t.Name, TenantSlug: t.Slug,
		InviteeName: "Ada Lovelace", InviteeEmail: "ada@example.com", InviterName: "Olivia Owner", URL: link + "invitations/…", ExpiresAt: expires})
	add("Invitation", "Sent when an administrator is created, and when their invitation is resent.", m, err)
	m, err = h.Models.Emails.PasswordReset(models.PasswordResetEmail{TenantName: t.Name, TenantSlug: t.Slug,
		AdminName: "Ada Lovelace", AdminEmail: "ada@example.com", RequestedBy: "Olivia Owner", URL: link + "password-reset/…",
		ExpiresAt: h.Models.Now().Add(h.Models.ResetTTL)})
	add("Password reset", "Sent when a Tenant Admin sends a password reset link from a User Profile.", m, err)
	m, err = h.Models.Emails.SignInCode(models.SignInCodeEmail{TenantName: t.Name, AdminName: "Ada Lovelace", Code: "123456",
		ExpiresAt: h.Models.Now().Add(10 * time.Minute), IP: "192.0.2.10"})
	add("Sign-in code", "Sent at sign-in when the tenant's authentication method is a one-time code (passwordless).", m, err)
	m, err = h.Models.Emails.OrganizationInvitation(models.OrganizationInvitationEmail{TenantName: t.Name, OrganizationName: "example-org",
		OrganizationDisplayName: "Example Org", InviterName: "Olivia Owner", InviteeEmail: "ada@example.com", URL: h.Models.BaseURL + "/o/example-org/invitations/…",
		ExpiresAt: expires})
	add("Organization invitation", "Sent when someone is invited to join an Organization.", m, err)
	return out
}

func plural(n int64) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// humanDuration says a duration in whole days or hours ("7 days", "1 hour").
func humanDuration(d time.Duration) string {
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		n := int64(d / (24 * time.Hour))
		return fmt.Sprintf("%d day%s", n, plural(n))
	case d >= time.Hour && d%time.Hour == 0:
		n := int64(d / time.Hour)
		return fmt.Sprintf("%d hour%s", n, plural(n))
	}
	return d.String()
}

// adminSummaryDetail is the administrators' breakdown the dashboard and
// the System overview both show (from the one models.AdminSummary).
func adminSummaryDetail(a models.AdminSummary) string {
	invited := fmt.Sprintf("%d invited", a.Invited)
	if a.Invited > 0 {
		invited += fmt.Sprintf(" (%d with a valid link)", min(a.PendingLinks, a.Invited))
	}
	return fmt.Sprintf("%d active · %s · %d inactive", a.Active, invited, a.Inactive)
}

// pendingLinksDetail explains the pending invitations beside the invited administrators.
func pendingLinksDetail(a models.AdminSummary) string {
	d := "links not yet used, still valid"
	if expired := a.Invited - a.PendingLinks; expired > 0 {
		d += fmt.Sprintf("; %d of the invited administrators have none (it expired): resend it from their User Profile", expired)
	}
	return d
}
