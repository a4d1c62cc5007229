package models

import (
	"context"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// maxOutboxError is the size of outbox_emails.last_error, in characters.
const maxOutboxError = 2000

// ClaimOutbox leases up to limit messages that are due (not sent, next
// attempt reached, not leased by anyone else), oldest first, by setting their
// locked_until to now+lease. It is atomic across processes: on PostgreSQL the
// rows are selected FOR UPDATE SKIP LOCKED inside the transaction, so two
// replicas claiming at the same moment get disjoint batches; on SQLite the
// transaction is immediate (see OpenSQLite), so claims are serialized.
//
// A claim whose database connection is lost before its commit is made again
// (retryLostTx).
//
// A claimed message is the caller's until the lease runs out; it must then be
// marked with MarkOutboxSent or MarkOutboxFailed, or handed back with
// ReleaseOutbox. A lease that runs out (the worker died) makes the message
// claimable again.
func ClaimOutbox(ctx context.Context, db *gorm.DB, now time.Time, limit int, lease time.Duration) ([]OutboxEmail, error) {
	if limit <= 0 {
		return nil, nil
	}
	now = now.UTC().Truncate(time.Microsecond)
	until := now.Add(lease)
	var rows []OutboxEmail
	err := retryLostTx(ctx, slog.Default(), func(committing *bool) error {
		rows = nil
		return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := claim(tx, now, until, limit, &rows); err != nil {
				return err
			}
			*committing = true
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return rows, nil
}

// claim is ClaimOutbox's transaction: it sets *out to the claimed rows.
func claim(tx *gorm.DB, now, until time.Time, limit int, out *[]OutboxEmail) error {
	var rows []OutboxEmail
	q := tx.Where("sent_at IS NULL AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until <= ?)", now, now).
		Order("id").Limit(limit)
	if IsPostgres(tx) {
		q = q.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
	}
	if err := q.Find(&rows).Error; err != nil {
		return err
	}
	if len(rows) == 0 {
		return nil
	}
	ids := make([]int64, len(rows))
	for i := range rows {
		ids[i] = rows[i].ID
	}
	if err := tx.Model(&OutboxEmail{}).Where("id IN ?", ids).Update("locked_until", until).Error; err != nil {
		return err
	}
	for i := range rows {
		rows[i].LockedUntil = &until
	}
	*out = rows
	return nil
}

// MarkOutboxSent records that message id was delivered at now.
func MarkOutboxSent(ctx context.Context, db *gorm.DB, id int64, now time.Time) error {
	now = now.UTC().Truncate(time.Microsecond)
	return db.WithContext(ctx).Model(&OutboxEmail{}).Where("id = ?", id).Updates(map[string]any{
		"sent_at":      now,
		"locked_until": nil,
		"attempts":     gorm.Expr("attempts + 1"),
		"last_error":   "",
	}).Error
}

// MarkOutboxFailed records a failed delivery attempt of message id: its
// attempt count so far, when to try next, and why it failed (cut to the
// column's 2,000 characters). The lease is released.
func MarkOutboxFailed(ctx context.Context, db *gorm.DB, id int64, attempts int, next time.Time, errMsg string) error {
	next = next.UTC().Truncate(time.Microsecond)
	return db.WithContext(ctx).Model(&OutboxEmail{}).Where("id = ? AND sent_at IS NULL", id).Updates(map[string]any{
		"attempts":        attempts,
		"next_attempt_at": next,
		"last_error":      cleanOutboxError(errMsg),
		"locked_until":    nil,
	}).Error
}

// ReleaseOutbox hands claimed messages back without counting an attempt (a
// worker stopping, or running out of lease, before it got to them). Only
// rows still held under the lease that ends at lockedUntil are released, so a
// message another worker has claimed since is left alone.
func ReleaseOutbox(ctx context.Context, db *gorm.DB, ids []int64, lockedUntil time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	lockedUntil = lockedUntil.UTC().Truncate(time.Microsecond)
	return db.WithContext(ctx).Model(&OutboxEmail{}).
		Where("id IN ? AND sent_at IS NULL AND locked_until = ?", ids, lockedUntil).
		Update("locked_until", nil).Error
}

// PendingOutboxCount counts the messages not delivered yet.
func PendingOutboxCount(ctx context.Context, db *gorm.DB) (int64, error) {
	var n int64
	err := db.WithContext(ctx).Model(&OutboxEmail{}).Where("sent_at IS NULL").Count(&n).Error
	return n, err
}

// cleanOutboxError makes an error message storable on both databases: valid
// UTF-8, no NUL bytes (PostgreSQL rejects both), at most maxOutboxError
// characters.
func cleanOutboxError(s string) string {
	s = strings.ToValidUTF8(s, "?")
	s = strings.ReplaceAll(s, "\x00", "")
	if utf8.RuneCountInString(s) <= maxOutboxError {
		return s
	}
	r := []rune(s)
	return string(r[:maxOutboxError-1]) + "…"
}
