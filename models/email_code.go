package models

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"time"

	"gorm.io/gorm"
)

// E-mailed sign-in codes (passwordless): six digits, valid ten minutes,
// single use, at most five tries, a new one at most every thirty seconds.
const (
	SignInCodeTTL      = 10 * time.Minute
	SignInCodeTries    = 5
	SignInCodeInterval = 30 * time.Second
)

// EmailCode is a one-time sign-in code; only its keyed hash is stored.
type EmailCode struct {
	ID              int64  `gorm:"primaryKey"`
	TenantID        int64  `gorm:"not null"`
	AdministratorID int64  `gorm:"not null;index"`
	CodeHash        string `gorm:"size:64;not null"`
	Attempts        int    `gorm:"not null;default:0"`
	ExpiresAt       time.Time
	UsedAt          *time.Time
	CreatedAt       time.Time
}

// ErrThrottled is returned when a code was sent too recently.
var ErrThrottled = errors.New("a code was sent moments ago")

// SendSignInCode e-mails a fresh code to an active administrator (earlier
// codes stop working). Too soon after the previous one it sends nothing
// and returns ErrThrottled.
func (s *Store) SendSignInCode(ctx context.Context, tenant Tenant, a Administrator, meta Actor) error {
	if a.Status != AdminActive {
		return ErrNotActive
	}
	now := s.now()
	if a.Locked(now) {
		return ErrThrottled // locked out: no code goes out, and the page says the same as ever
	}
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return err
	}
	code := fmt.Sprintf("%06d", n.Int64())
	return s.tx(ctx, func(tx *gorm.DB) error {
		var recent int64
		if err := tx.Model(&EmailCode{}).Where("administrator_id = ? AND created_at > ?", a.ID, now.Add(-SignInCodeInterval)).
			Count(&recent).Error; err != nil {
			return err
		}
		if recent > 0 {
			return ErrThrottled
		}
		if err := tx.Model(&EmailCode{}).Where("administrator_id = ? AND used_at IS NULL", a.ID).Update("used_at", now).Error; err != nil {
			return err
		}
		if err := tx.Create(&EmailCode{TenantID: tenant.ID, AdministratorID: a.ID, CodeHash: s.codeHash(a.ID, code),
			ExpiresAt: now.Add(SignInCodeTTL), CreatedAt: now}).Error; err != nil {
			return err
		}
		m, err := s.Emails.SignInCode(SignInCodeEmail{TenantName: tenant.Name, AdminName: a.DisplayName(), Code: code,
			ExpiresAt: now.Add(SignInCodeTTL), IP: meta.IP})
		if err != nil {
			return err
		}
		return enqueueEmail(tx, now, &tenant.ID, a.Email, m)
	})
}

// VerifySignInCode checks an e-mailed code: the latest unexpired, unused
// code of the administrator, within its tries; it is consumed on success.
// Failures also count towards the account's lockout.
func (s *Store) VerifySignInCode(ctx context.Context, a Administrator, code string, meta Actor) error {
	sec, err := s.Security(ctx, a.TenantID)
	if err != nil {
		return err
	}
	ok, err := s.reserveAttempt(ctx, a, sec)
	if err != nil {
		return err
	}
	if !ok {
		return ErrBadCode
	}
	if err := s.checkSignInCode(ctx, a, code); err != nil {
		if errors.Is(err, ErrBadCode) {
			if ferr := s.attemptFailed(ctx, a, sec, meta); ferr != nil {
				return ferr
			}
		}
		return err
	}
	return s.attemptPassed(ctx, a) // the count is cleared when sign-in completes (RecordSignIn)
}

func (s *Store) checkSignInCode(ctx context.Context, a Administrator, code string) error {
	db := s.DB.WithContext(ctx)
	now := s.now()
	var c EmailCode
	err := db.Where("administrator_id = ? AND used_at IS NULL AND expires_at > ?", a.ID, now).Order("id DESC").Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrBadCode
	}
	if err != nil {
		return err
	}
	// Take a try first, atomically: parallel guesses cannot exceed the limit.
	res := db.Model(&EmailCode{}).Where("id = ? AND attempts < ? AND used_at IS NULL", c.ID, SignInCodeTries).
		UpdateColumn("attempts", gorm.Expr("attempts + 1"))
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return ErrBadCode
	}
	if !hmac.Equal([]byte(s.codeHash(a.ID, code)), []byte(c.CodeHash)) {
		return ErrBadCode
	}
	res = db.Model(&EmailCode{}).Where("id = ? AND used_at IS NULL", c.ID).Update("used_at", now)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return ErrBadCode
	}
	return nil
}
