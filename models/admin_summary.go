package models

import "context"

// AdminSummary is the one count of a tenant's administrators and of their
// invitations that the dashboard and the System overview both show, so the
// two never disagree: Invited counts administrators who have not accepted
// yet, PendingLinks those invitations whose link still works (the others
// expired: resend them).
type AdminSummary struct {
	Active, Invited, Inactive int64
	PendingLinks              int64 // usable invitation links (unexpired, neither accepted nor revoked)
	ExpiringLinks             int64 // of those, the ones expiring within InvitationsExpiringWithin
}

// Total is every administrator of the tenant.
func (a AdminSummary) Total() int64 { return a.Active + a.Invited + a.Inactive }

// AdminSummary counts the tenant's administrators by status and their
// usable invitation links, in two queries.
func (s *Store) AdminSummary(ctx context.Context, tenantID int64) (AdminSummary, error) {
	by, err := s.CountAdministrators(ctx, tenantID)
	if err != nil {
		return AdminSummary{}, err
	}
	a := AdminSummary{Active: by[AdminActive], Invited: by[AdminInvited], Inactive: by[AdminInactive]}
	now := s.now()
	var inv struct{ Pending, Expiring int64 }
	if err := s.DB.WithContext(ctx).Model(&Invitation{}).
		Select("COUNT(*) AS pending, COALESCE(SUM(CASE WHEN expires_at <= ? THEN 1 ELSE 0 END), 0) AS expiring", now.Add(InvitationsExpiringWithin)).
		Where("tenant_id = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?", tenantID, now).
		Scan(&inv).Error; err != nil {
		return a, err
	}
	a.PendingLinks, a.ExpiringLinks = inv.Pending, inv.Expiring
	return a, nil
}

// RoleBindingOf loads one role binding of an administrator of the tenant;
// any other is ErrNotFound.
func (s *Store) RoleBindingOf(ctx context.Context, tenantID, adminID, bindingID int64) (RoleBinding, error) {
	var b RoleBinding
	err := s.DB.WithContext(ctx).Where("tenant_id = ? AND administrator_id = ? AND id = ?", tenantID, adminID, bindingID).Take(&b).Error
	return b, notFound(err)
}
