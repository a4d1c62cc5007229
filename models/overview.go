package models

import (
	"context"
	"time"
)

// TenantOverview is the overall state of a tenant, as the System overview
// shows it to whoever may read the system environment and notifications
// (Tenant Admins, Tenant Auditors and Tenant Members).
type TenantOverview struct {
	Admins             AdminSummary // the administrators and their invitations, as the dashboard counts them
	Administrators     map[AdminStatus]int64
	Workspaces         int64
	PendingInvitations int64 // usable invitation links
	// ExpiringInvitations are pending invitations whose link expires within
	// InvitationsExpiringWithin.
	ExpiringInvitations int64
	// UndeliveredEmails are e-mails of the tenant that failed at least once
	// and wait for another attempt; LastDeliveryError is the newest error.
	UndeliveredEmails int64
	LastDeliveryError string
}

// InvitationsExpiringWithin is when a pending invitation counts as expiring soon.
const InvitationsExpiringWithin = 48 * time.Hour

// Overview gathers the tenant's overall state in a fixed number of queries
// (five) whatever the tenant's size.
func (s *Store) Overview(ctx context.Context, tenantID int64) (TenantOverview, error) {
	var o TenantOverview
	var err error
	if o.Admins, err = s.AdminSummary(ctx, tenantID); err != nil {
		return o, err
	}
	o.Administrators = map[AdminStatus]int64{AdminActive: o.Admins.Active, AdminInvited: o.Admins.Invited, AdminInactive: o.Admins.Inactive}
	o.PendingInvitations, o.ExpiringInvitations = o.Admins.PendingLinks, o.Admins.ExpiringLinks
	if o.Workspaces, err = s.CountWorkspaces(ctx, tenantID); err != nil {
		return o, err
	}
	db := s.DB.WithContext(ctx)
	failed := db.Model(&OutboxEmail{}).Where("tenant_id = ? AND sent_at IS NULL AND attempts > 0", tenantID)
	if err := failed.Count(&o.UndeliveredEmails).Error; err != nil {
		return o, err
	}
	if o.UndeliveredEmails > 0 {
		var errs []string
		if err := db.Model(&OutboxEmail{}).Where("tenant_id = ? AND sent_at IS NULL AND attempts > 0", tenantID).
			Order("id DESC").Limit(1).Pluck("last_error", &errs).Error; err != nil {
			return o, err
		}
		if len(errs) > 0 {
			o.LastDeliveryError = errs[0]
		}
	}
	return o, nil
}
