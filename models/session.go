package models

import (
	"context"
	"gorm.io/gorm"
	"time"
)

// Session is a browser session, stored server-side so it can be listed and
// ended per administrator. ID is the SHA-256 of the cookie's random id.
type Session struct {
	ID              string `gorm:"primaryKey;size:64"`
	TenantID        *int64
	AdministratorID *int64 `gorm:"index"`
	Data            []byte
	// Pending marks a sign-in in progress: the first factor passed, a
	// second factor (or its enrolment) to come. A lockout deletes these.
	Pending    bool   `gorm:"not null;default:false"`
	IP         string `gorm:"size:64;not null;default:''"`
	UserAgent  string `gorm:"size:500;not null;default:''"`
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time `gorm:"index"`
}

// SessionByID loads a stored session by its hashed id.
func (s *Store) SessionByID(ctx context.Context, id string) (Session, error) {
	var row Session
	err := s.DB.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	return row, notFound(err)
}

// SaveSession inserts or updates a stored session.
func (s *Store) SaveSession(ctx context.Context, row *Session) error {
	return s.DB.WithContext(ctx).Save(row).Error
}

// TouchSession records activity on a session.
func (s *Store) TouchSession(ctx context.Context, id string, at time.Time) error {
	return s.DB.WithContext(ctx).Model(&Session{}).Where("id = ?", id).Update("last_seen_at", at).Error
}

// DeleteSession removes a stored session.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	return s.DB.WithContext(ctx).Where("id = ?", id).Delete(&Session{}).Error
}

// DeleteExpiredSessions removes sessions past their absolute expiry or idle
// for longer than idle.
func (s *Store) DeleteExpiredSessions(ctx context.Context, idle time.Duration) (int64, error) {
	now := s.now()
	res := s.DB.WithContext(ctx).Where("expires_at < ? OR last_seen_at < ?", now, now.Add(-idle)).Delete(&Session{})
	return res.RowsAffected, res.Error
}

// DeleteSessionsOf ends every session of an administrator except keep (a hashed id, may be empty).
func (s *Store) DeleteSessionsOf(ctx context.Context, adminID int64, keep string) error {
	return deleteSessionsOf(s.DB.WithContext(ctx), adminID, keep)
}

func deleteSessionsOf(db *gorm.DB, adminID int64, keep string) error {
	q := db.Where("administrator_id = ?", adminID)
	if keep != "" {
		q = q.Where("id <> ?", keep)
	}
	return q.Delete(&Session{}).Error
}
