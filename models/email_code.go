package models

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
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
// Recipient is the keyed hash of the tenant and the address the code was
// asked for. A code asked for an address no active administrator has is
// stored too, with AdministratorID 0 and nowhere to go: it can never be
// used, and it makes the request take the same path (same statements,
// same throttle) as a real one.
type EmailCode struct {
	ID              int64  `gorm:"primaryKey"`
	TenantID        int64  `gorm:"not null"`
	AdministratorID int64  `gorm:"not null;index"`
	Recipient       string `gorm:"size:64;not null;default:''"`
	CodeHash        string `gorm:"size:64;not null"`
	Attempts        int    `gorm:"not null;default:0"`
	ExpiresAt       time.Time
	UsedAt          *time.Time
	CreatedAt       time.Time
}

// ErrThrottled is returned when a code was sent too recently.
var ErrThrottled = errors.New("a code was sent moments ago")

// outboxNotSent is the last_error of a code message that was written but
// not sent, because no active administrator has the address (or theirs is
// locked out): it is stored as already handled, so no worker sends it.
const outboxNotSent = "not sent: no active administrator of the tenant has this address, or the account is locked"

// recipient is the keyed hash of a tenant's address (codes are looked up
// by it, known address or not).
func (s *Store) recipient(tenantID int64, email string) string {
	m := hmac.New(sha256.New, s.CodeKey)
	fmt.Fprintf(m, "recipient:%d:%s", tenantID, NormalizeEmail(email))
	return hex.EncodeToString(m.Sum(nil))
}

// ghostAdmin stands in for the administrator of an address nobody (active)
// has: with ID 0, every statement about it matches no row, so it can take
// the same path as a real administrator without changing anything.
func ghostAdmin(tenantID int64, email string) Administrator {
	return Administrator{TenantID: tenantID, Email: truncate(cleanText(NormalizeEmail(email)), 320)}
}

// cleanText makes typed text storable on both databases (valid UTF-8, no
// NUL), so that an address of any bytes takes the same path as another.
func cleanText(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

// RequestSignInCode e-mails a fresh code to the tenant's active, unlocked
// administrator with this address (earlier codes stop working). Whether or
// not there is one, the same statements run: for anybody else the code is
// stored for nobody and its message is written as not sent. Too soon after
// the previous request for the same address nothing is written and the
// error is ErrThrottled (the caller answers the same either way).
func (s *Store) RequestSignInCode(ctx context.Context, tenant Tenant, email string, meta Actor) error {
	email = cleanText(email)
	a, err := s.AdministratorByEmail(ctx, tenant.ID, email)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	found := err == nil
	on, err := s.passwordSignInOn(ctx, tenant.ID, a.ID) // sso_only: only break-glass administrators get codes
	if err != nil {
		return err
	}
	now := s.now()
	real := found && on && a.Status == AdminActive && !a.Locked(now)
	target, name := a, a.DisplayName()
	if !real {
		target = ghostAdmin(tenant.ID, email)
		name = target.Email
	}
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return err
	}
	code := fmt.Sprintf("%06d", n.Int64())
	rcpt := s.recipient(tenant.ID, email)
	return s.tx(ctx, func(tx *gorm.DB) error {
		var recent int64
		if err := tx.Model(&EmailCode{}).Where("tenant_id = ? AND recipient = ? AND created_at > ?", tenant.ID, rcpt, now.Add(-SignInCodeInterval)).
			Count(&recent).Error; err != nil {
			return err
		}
		if recent > 0 {
			return ErrThrottled
		}
		if err := tx.Model(&EmailCode{}).Where("tenant_id = ? AND recipient = ? AND used_at IS NULL", tenant.ID, rcpt).Update("used_at", now).Error; err != nil {
			return err
		}
		if err := tx.Create(&EmailCode{TenantID: tenant.ID, AdministratorID: target.ID, Recipient: rcpt,
			CodeHash: s.codeHash(target.ID, code), ExpiresAt: now.Add(SignInCodeTTL), CreatedAt: now}).Error; err != nil {
			return err
		}
		m, err := s.Emails.SignInCode(SignInCodeEmail{TenantName: tenant.Name, AdminName: name, Code: code,
			ExpiresAt: now.Add(SignInCodeTTL), IP: meta.IP})
		if err != nil {
			return err
		}
		row := OutboxEmail{TenantID: &tenant.ID, ToAddr: target.Email, Subject: m.Subject, TextBody: m.Text, HTMLBody: m.HTML,
			NextAttemptAt: now, CreatedAt: now}
		if !real {
			row.SentAt, row.LastError = &now, outboxNotSent
		}
		return tx.Create(&row).Error
	})
}

// VerifySignInCode checks the e-mailed code typed for an address: the
// latest unexpired, unused code asked for it, within its tries; it is
// consumed on success and the administrator is returned. Failures count
// towards the account's lockout. An address nobody (active and not locked
// out) has takes the same statements as a real one and always fails with
// ErrBadCode.
func (s *Store) VerifySignInCode(ctx context.Context, tenant Tenant, email, code string, meta Actor) (Administrator, error) {
	email = cleanText(email)
	a, err := s.AdministratorByEmail(ctx, tenant.ID, email)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Administrator{}, err
	}
	found := err == nil
	on, err := s.passwordSignInOn(ctx, tenant.ID, a.ID)
	if err != nil {
		return Administrator{}, err
	}
	real := found && on && a.Status == AdminActive && !a.Locked(s.now())
	ghost := ghostAdmin(tenant.ID, email)
	target := ghost
	if real {
		target = a
	}
	sec, err := s.Security(ctx, tenant.ID)
	if err != nil {
		return Administrator{}, err
	}
	reserved, err := s.reserveAttempt(ctx, target, sec)
	if err != nil {
		return Administrator{}, err
	}
	if real && !reserved { // out of attempts (parallel guesses locked it): as locked
		real, target = false, ghost
	}
	if err := s.checkSignInCode(ctx, tenant.ID, target.ID, s.recipient(tenant.ID, email), code); err != nil || !real {
		if err == nil || errors.Is(err, ErrBadCode) {
			if _, ferr := s.attemptFailed(ctx, target, sec, meta); ferr != nil {
				return Administrator{}, ferr
			}
			s.observer().SignIn(SignInFailed)
			return Administrator{}, ErrBadCode
		}
		return Administrator{}, err
	}
	// The count is cleared when sign-in completes (RecordSignIn).
	return a, s.attemptPassed(ctx, a)
}

func (s *Store) checkSignInCode(ctx context.Context, tenantID, adminID int64, rcpt, code string) error {
	db := s.DB.WithContext(ctx)
	now := s.now()
	var c EmailCode
	err := db.Where("tenant_id = ? AND recipient = ? AND administrator_id = ? AND used_at IS NULL AND expires_at > ?", tenantID, rcpt, adminID, now).
		Order("id DESC").Take(&c).Error
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
	if !hmac.Equal([]byte(s.codeHash(adminID, strings.TrimSpace(code))), []byte(c.CodeHash)) {
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
