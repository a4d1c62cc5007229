package models

import (
	"context"
	"time"
)

// SessionLimits are how long a session may stay unused (Idle) and live at
// most after sign-in (Absolute); zero means "the server's default".
type SessionLimits struct {
	Idle     time.Duration
	Absolute time.Duration
}

// SessionWithLimits loads a stored session by its hashed id together with
// the session lengths of its tenant (Tenant Settings > Tenant), in one
// query, so a change of the settings applies to every session of the
// tenant from its next request at no extra cost. A session of no tenant
// (or of a tenant since deleted) gets zero limits.
func (s *Store) SessionWithLimits(ctx context.Context, id string) (Session, SessionLimits, error) {
	var row struct {
		Session       `gorm:"embedded"`
		IdleMinutes   *int
		AbsoluteHours *int
	}
	err := s.DB.WithContext(ctx).Table("sessions").
		Select("sessions.*, tenants.idle_minutes AS idle_minutes, tenants.absolute_hours AS absolute_hours").
		Joins("LEFT JOIN tenants ON tenants.id = sessions.tenant_id").
		Where("sessions.id = ?", id).Take(&row).Error
	if err != nil {
		return Session{}, SessionLimits{}, notFound(err)
	}
	var lim SessionLimits
	if row.IdleMinutes != nil && row.AbsoluteHours != nil {
		t := Tenant{IdleMinutes: *row.IdleMinutes, AbsoluteHours: *row.AbsoluteHours}
		lim = SessionLimits{Idle: t.SessionIdle(), Absolute: t.SessionAbsolute()}
	}
	return row.Session, lim, nil
}
