package handlers

import (
	"context"
	"fmt"
	"strings"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/views/pages"
)

// dashboard gathers the cards the viewer may see, with counts.
func (h *Handler) dashboard(ctx context.Context, v *models.Viewer) (pages.DashboardData, error) {
	d := pages.DashboardData{
		Greeting: "Welcome, " + firstNonEmpty(v.Administrator.GivenName, v.Administrator.DisplayName()),
		Roles:    v.RoleNames(),
	}
	if v.Can(authz.GetTenant) {
		d.Cards = append(d.Cards, pages.DashboardCard{
			Title: "Tenant", Value: v.Tenant.Name,
			Detail: fmt.Sprintf("Plan: %s · /t/%s", titleCase(string(v.Tenant.Plan)), v.Tenant.Slug),
		})
	}
	if v.Can(authz.ReadTenantRoles) {
		a, err := h.Models.AdminSummary(ctx, v.Tenant.ID)
		if err != nil {
			return d, err
		}
		d.Cards = append(d.Cards, pages.DashboardCard{
			Title: "Administrators", Href: "/t/" + v.Tenant.Slug + "/settings/administrators", Value: fmt.Sprint(a.Total()),
			Detail: adminSummaryDetail(a),
		})
	}
	wsCards, err := h.workspaceCards(ctx, v) // Workspaces (or the viewer's own) and the System overview
	if err != nil {
		return d, err
	}
	d.Cards = append(d.Cards, wsCards...)
	orgCards, err := h.organizationCards(ctx, v) // Organizations, first of User Management
	if err != nil {
		return d, err
	}
	d.Cards = append(d.Cards, orgCards...)
	umCards, err := h.userManagementCards(ctx, v) // Users, Connections, Roles
	if err != nil {
		return d, err
	}
	d.Cards = append(d.Cards, umCards...)
	return d, nil
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
