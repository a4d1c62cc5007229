package models

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// IdempotencyTTL is how long a POST's response is kept for replays of its
// Idempotency-Key.
const IdempotencyTTL = 24 * time.Hour

// APIIdempotencyKey is a POST's Idempotency-Key, per token, with the
// response it got (Status 0 while the first request is still running).
type APIIdempotencyKey struct {
	ID          int64  `gorm:"primaryKey"`
	TokenID     int64  `gorm:"not null"`
	Key         string `gorm:"size:200;not null"`
	RequestHash string `gorm:"size:64;not null"`
	Status      int    `gorm:"not null;default:0"`
	Body        string `gorm:"not null;default:''"`
	CreatedAt   time.Time
}

// ClaimIdempotencyKey claims key for the token's request (requestHash
// identifies its method, path and body). When the key is new (or its
// previous use is older than IdempotencyTTL) it is claimed: claimed is
// true and the caller runs the request, then calls FinishIdempotencyKey
// or ReleaseIdempotencyKey. Otherwise prev is the earlier use: its
// response to replay, still running (Status 0), or made for another
// request (another RequestHash).
func (s *Store) ClaimIdempotencyKey(ctx context.Context, tokenID int64, key, requestHash string) (row APIIdempotencyKey, claimed bool, err error) {
	now := s.now()
	db := s.DB.WithContext(ctx)
	if err := db.Where("token_id = ? AND created_at < ?", tokenID, now.Add(-IdempotencyTTL)).Delete(&APIIdempotencyKey{}).Error; err != nil {
		return row, false, err
	}
	row = APIIdempotencyKey{TokenID: tokenID, Key: key, RequestHash: requestHash, CreatedAt: now}
	err = db.Create(&row).Error
	if err == nil {
		return row, true, nil
	}
	if !isUniqueViolation(err) {
		return row, false, err
	}
	var prev APIIdempotencyKey
	if err := db.Where("token_id = ? AND key = ?", tokenID, key).Take(&prev).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) { // released in between: the caller may try again
			return prev, false, ErrNotFound
		}
		return prev, false, err
	}
	return prev, false, nil
}

// FinishIdempotencyKey keeps the response of a claimed key's request.
func (s *Store) FinishIdempotencyKey(ctx context.Context, id int64, status int, body string) error {
	return s.DB.WithContext(ctx).Model(&APIIdempotencyKey{}).Where("id = ?", id).
		Updates(map[string]any{"status": status, "body": body}).Error
}

// ReleaseIdempotencyKey forgets a claimed key whose request failed on the
// server's side, so that a retry runs again.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, id int64) error {
	return s.DB.WithContext(ctx).Where("id = ?", id).Delete(&APIIdempotencyKey{}).Error
}
