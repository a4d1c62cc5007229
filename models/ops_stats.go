package models

import (
	"context"
	"time"
)

// OutboxBacklog is what the metrics report of the outbox: how many messages
// are not delivered yet and when the oldest of them was queued.
type OutboxBacklog struct {
	Pending int64
	Oldest  *time.Time // nil when nothing is pending
}

// OutboxBacklog reads the outbox backlog with two small queries over the
// index of pending messages (ix_outbox_emails_pending), so its cost follows
// the backlog, not the history of sent mail.
func (s *Store) OutboxBacklog(ctx context.Context) (OutboxBacklog, error) {
	var b OutboxBacklog
	db := s.DB.WithContext(ctx)
	if err := db.Model(&OutboxEmail{}).Where("sent_at IS NULL").Count(&b.Pending).Error; err != nil {
		return b, err
	}
	if b.Pending == 0 {
		return b, nil
	}
	var rows []OutboxEmail
	if err := db.Select("id", "created_at").Where("sent_at IS NULL").Order("id").Limit(1).Find(&rows).Error; err != nil {
		return b, err
	}
	if len(rows) == 1 {
		t := rows[0].CreatedAt
		b.Oldest = &t
	}
	return b, nil
}

// ActiveSessions counts the stored sessions of administrators (signed in,
// or between two sign-in steps) that have neither expired nor been idle for
// longer than idle (idle 0: however long).
func (s *Store) ActiveSessions(ctx context.Context, idle time.Duration) (int64, error) {
	now := s.now()
	q := s.DB.WithContext(ctx).Model(&Session{}).Where("administrator_id IS NOT NULL AND expires_at > ?", now)
	if idle > 0 {
		q = q.Where("last_seen_at > ?", now.Add(-idle))
	}
	var n int64
	err := q.Count(&n).Error
	return n, err
}
