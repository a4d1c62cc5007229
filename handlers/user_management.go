package handlers

import (
	"context"
	"fmt"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/views/pages"
)

// dashboardUserCap is where the dashboard stops counting users, so that it
// stays fast for a tenant of millions ("100,000+").
const dashboardUserCap = 100_000

// userManagementCards are the dashboard's Users, Connections and Roles
// cards, each for those who may read it.
func (h *Handler) userManagementCards(ctx context.Context, v *models.Viewer) ([]pages.DashboardCard, error) {
	var cards []pages.DashboardCard
	base := "/t/" + v.Tenant.Slug
	if v.Can(authz.ReadUsers) {
		n, more, err := h.Models.CountUsers(ctx, v.Tenant.ID, dashboardUserCap)
		if err != nil {
			return nil, err
		}
		value := thousands(n)
		if more {
			value += "+"
		}
		cards = append(cards, pages.DashboardCard{Title: "Users", Href: base + "/users", Value: value, Detail: "in the Users identity pool"})
	}
	if v.Can(authz.ReadConnections) {
		total, enabled, err := h.Models.CountConnections(ctx, v.Tenant.ID)
		if err != nil {
			return nil, err
		}
		cards = append(cards, pages.DashboardCard{Title: "Connections", Href: base + "/connections", Value: thousands(total),
			Detail: fmt.Sprintf("%s enabled · %s disabled", thousands(enabled), thousands(total-enabled))})
	}
	if v.Can(authz.ReadRoles) {
		n, err := h.Models.CountEndUserRoles(ctx, v.Tenant.ID)
		if err != nil {
			return nil, err
		}
		cards = append(cards, pages.DashboardCard{Title: "Roles", Href: base + "/roles", Value: thousands(n), Detail: "that users can be given"})
	}
	return cards, nil
}

// thousands writes n with comma separators: 1,234,567.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
