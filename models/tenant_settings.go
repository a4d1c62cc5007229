package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Bounds and defaults of Tenant Settings > Tenant.
const (
	DefaultIdleMinutes   = 30
	MinIdleMinutes       = 5
	MaxIdleMinutes       = 30
	DefaultAbsoluteHours = 12
	MinAbsoluteHours     = 1
	MaxAbsoluteHours     = 12
	// DeactivateAfterDays is 0 (never) or within these bounds.
	MinDeactivateAfterDays = 30
	MaxDeactivateAfterDays = 365
	// DormancyWarningDays is how long before the deactivation of a dormant
	// administrator they are warned by e-mail.
	DormancyWarningDays = 7
	TenantNameMax       = 200
)

func tenantTarget(t Tenant) Target {
	return Target{Type: "tenant", ID: fmt.Sprint(t.ID), Label: t.Slug}
}

// SessionIdle is how long a session of the tenant may stay unused. A value
// out of bounds (a row written before the setting existed) counts as the
// nearest bound, 0 as the default.
func (t Tenant) SessionIdle() time.Duration {
	return time.Duration(clampSetting(t.IdleMinutes, MinIdleMinutes, MaxIdleMinutes, DefaultIdleMinutes)) * time.Minute
}

// SessionAbsolute is how long a session of the tenant lives at most after
// sign-in, however busy.
func (t Tenant) SessionAbsolute() time.Duration {
	return time.Duration(clampSetting(t.AbsoluteHours, MinAbsoluteHours, MaxAbsoluteHours, DefaultAbsoluteHours)) * time.Hour
}

func clampSetting(v, lo, hi, def int) int {
	switch {
	case v == 0:
		return def
	case v < lo:
		return lo
	case v > hi:
		return hi
	}
	return v
}

// TenantSettingsInput is the Tenant form, with the version of the tenant
// the form was opened on (0: save over whatever is current).
type TenantSettingsInput struct {
	Version             int64
	Name                string
	IdleMinutes         int
	AbsoluteHours       int
	DeactivateAfterDays int
	// RequireApproval turns four eyes on or off (nil: unchanged). Turning
	// it off while it is on is itself a pending change.
	RequireApproval *bool
}

// TenantConflictError is returned when a save is based on a version of the
// settings that is no longer the current one. Current is the tenant now.
type TenantConflictError struct {
	Current Tenant
}

func (e *TenantConflictError) Error() string {
	return "the tenant's settings were changed since they were opened"
}

// ValidateTenantSettings checks the form's bounds: one message per field.
func ValidateTenantSettings(in TenantSettingsInput) error {
	f := fieldErrors{}
	name := strings.TrimSpace(in.Name)
	switch {
	case name == "":
		f.add("name", "Name is required.")
	case len([]rune(name)) > TenantNameMax:
		f.add("name", fmt.Sprintf("Name must be at most %d characters.", TenantNameMax))
	}
	if in.IdleMinutes < MinIdleMinutes || in.IdleMinutes > MaxIdleMinutes {
		f.add("idle_minutes", fmt.Sprintf("Idle timeout must be between %d and %d minutes.", MinIdleMinutes, MaxIdleMinutes))
	}
	if in.AbsoluteHours < MinAbsoluteHours || in.AbsoluteHours > MaxAbsoluteHours {
		f.add("absolute_hours", fmt.Sprintf("Maximum session length must be between %d and %d hours.", MinAbsoluteHours, MaxAbsoluteHours))
	}
	if d := in.DeactivateAfterDays; d != 0 && (d < MinDeactivateAfterDays || d > MaxDeactivateAfterDays) {
		f.add("deactivate_after_days", fmt.Sprintf("Enter 0 (never) or a number of days between %d and %d.", MinDeactivateAfterDays, MaxDeactivateAfterDays))
	}
	return f.err()
}

// UpdateTenantSettings saves Tenant Settings > Tenant: the name, the
// session lengths (in force for every session of the tenant from its next
// request) and the dormant-administrator threshold. Bounds are checked
// first (a ValidationError, nothing written); a form opened on an older
// version is refused with a TenantConflictError; otherwise the version
// grows by one and the audit event lists the changed fields, in one
// transaction. It returns the tenant as saved; with a *PendingError too
// when turning four eyes off waits for approval (the rest is saved).
func (s *Store) UpdateTenantSettings(ctx context.Context, v Viewer, in TenantSettingsInput, actor Actor) (Tenant, error) {
	in.Name = strings.TrimSpace(in.Name)
	if err := ValidateTenantSettings(in); err != nil {
		return Tenant{}, err
	}
	var saved Tenant
	var pending *PendingChange
	err := s.tx(ctx, func(tx *gorm.DB) error {
		pending = nil
		if err := lockTenant(tx, v.Tenant.ID); err != nil {
			return notFound(err)
		}
		var cur Tenant
		if err := tx.Where("id = ?", v.Tenant.ID).Take(&cur).Error; err != nil {
			return notFound(err)
		}
		if in.Version != 0 && in.Version != cur.Version {
			return &TenantConflictError{Current: cur}
		}
		ch := Changes{}
		diff(ch, "name", cur.Name, in.Name)
		diff(ch, "idle_minutes", cur.IdleMinutes, in.IdleMinutes)
		diff(ch, "absolute_hours", cur.AbsoluteHours, in.AbsoluteHours)
		diff(ch, "deactivate_after_days", cur.DeactivateAfterDays, in.DeactivateAfterDays)
		requireApproval := cur.RequireApproval
		if in.RequireApproval != nil && *in.RequireApproval != cur.RequireApproval {
			if cur.RequireApproval {
				// Four eyes: turning it off is itself approved.
				var err error
				pending, err = s.maybePendingTx(tx, s.now(), v, changeRequest{Kind: ChangeRequireApproval, Payload: requireApprovalPayload{On: false},
					Summary: "Turn off four eyes (require_approval): changes will no longer wait for approval", Target: tenantTarget(cur)}, actor)
				if err != nil {
					return err
				}
			} else {
				requireApproval = true
				ch["require_approval"] = Change{Before: false, After: true}
			}
		}
		if len(ch) == 0 {
			saved = cur
			return nil
		}
		now := s.now()
		res := tx.Model(&Tenant{}).Where("id = ? AND version = ?", cur.ID, cur.Version).Updates(map[string]any{
			"name": in.Name, "idle_minutes": in.IdleMinutes, "absolute_hours": in.AbsoluteHours,
			"deactivate_after_days": in.DeactivateAfterDays, "require_approval": requireApproval, "version": gorm.Expr("version + 1"), "updated_at": now,
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 { // saved by someone else since it was read
			var fresh Tenant
			if err := tx.Where("id = ?", cur.ID).Take(&fresh).Error; err != nil {
				return err
			}
			return &TenantConflictError{Current: fresh}
		}
		if cur.DeactivateAfterDays != in.DeactivateAfterDays {
			// Warnings given under the old threshold named another date:
			// whoever is dormant under the new one is warned afresh.
			if err := tx.Model(&Administrator{}).Where("tenant_id = ? AND dormancy_warned_at IS NOT NULL", cur.ID).
				Update("dormancy_warned_at", nil).Error; err != nil {
				return err
			}
		}
		saved = cur
		saved.Name, saved.IdleMinutes, saved.AbsoluteHours = in.Name, in.IdleMinutes, in.AbsoluteHours
		saved.DeactivateAfterDays, saved.Version, saved.UpdatedAt = in.DeactivateAfterDays, cur.Version+1, now
		saved.RequireApproval = requireApproval
		return writeAudit(tx, now, cur.ID, actor, "tenant.updated", tenantTarget(saved), ch)
	})
	if err != nil {
		return Tenant{}, err
	}
	return saved, pendingOr(pending, nil)
}
