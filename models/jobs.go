package models

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// JobLease lets one process at a time run a background job, and the job run
// once per interval across all of them: a replica runs job Name only after
// claiming its lease (Holder until LockedUntil) with a conditional update
// that at most one claimant wins, on both databases. A lease whose holder
// died runs out by itself.
type JobLease struct {
	Name        string `gorm:"primaryKey;size:100"`
	Holder      string `gorm:"size:100;not null;default:''"`
	LockedUntil *time.Time
	LastRunAt   *time.Time
	LastError   string `gorm:"size:2000;not null;default:''"`
}

// ClaimJob claims job name for holder until now+lease when it is free (no
// live lease) and due (its last run started at least every ago). It
// reports whether holder won the claim.
func ClaimJob(ctx context.Context, db *gorm.DB, name, holder string, now time.Time, every, lease time.Duration) (bool, error) {
	now = now.UTC().Truncate(time.Microsecond)
	db = db.WithContext(ctx)
	if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&JobLease{Name: name}).Error; err != nil {
		return false, err
	}
	until := now.Add(lease)
	res := db.Model(&JobLease{}).
		Where("name = ? AND (locked_until IS NULL OR locked_until <= ?) AND (last_run_at IS NULL OR last_run_at <= ?)", name, now, now.Add(-every)).
		Updates(map[string]any{"holder": holder, "locked_until": until, "last_run_at": now})
	if res.Error != nil {
		return false, res.Error
	}
	return res.RowsAffected == 1, nil
}

// FinishJob releases holder's lease of job name and records how the run
// ended (errMsg "" for success).
func FinishJob(ctx context.Context, db *gorm.DB, name, holder, errMsg string) error {
	return db.WithContext(ctx).Model(&JobLease{}).Where("name = ? AND holder = ?", name, holder).
		Updates(map[string]any{"locked_until": nil, "last_error": cleanOutboxError(errMsg)}).Error
}
