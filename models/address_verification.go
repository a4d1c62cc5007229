package models

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// AddressVerificationTTL is how long a verification link works.
const AddressVerificationTTL = 24 * time.Hour

// AddressVerification is a single-use link (/verify/{token}) that marks an
// address verified when its holder opens it and confirms. Only its hash
// is stored.
type AddressVerification struct {
	ID        int64     `gorm:"primaryKey"`
	TenantID  int64     `gorm:"not null"`
	AddressID int64     `gorm:"not null"`
	TokenHash string    `gorm:"size:64;not null"`
	ExpiresAt time.Time `gorm:"not null"`
	UsedAt    *time.Time
	RevokedAt *time.Time
	CreatedAt time.Time
}

// AddressVerificationMessage is what goes to an address being verified.
type AddressVerificationMessage struct {
	TenantName string
	PoolName   string
	UserName   string
	Address    string
	Mobile     bool // a text message rather than an e-mail
	URL        string
	ExpiresAt  time.Time
}

// StartAddressVerification sends a single-use link /verify/{token}, valid
// AddressVerificationTTL, to an unverified address of a user of pool p:
// by e-mail, or by text message to a mobile, through the outbox. Earlier
// links to the address stop working. It returns the link.
func (s *Store) StartAddressVerification(ctx context.Context, tenant Tenant, p IdentityPool, userID, addressID int64, actor Actor) (string, error) {
	now := s.now()
	var link string
	err := s.tx(ctx, func(tx *gorm.DB) error {
		u, err := poolUserIn(tx, p, userID)
		if err != nil {
			return err
		}
		var a PoolAddress
		if err := tx.Where("id = ? AND pool_id = ? AND user_id = ?", addressID, p.ID, u.ID).Take(&a).Error; err != nil {
			return notFound(err)
		}
		if a.Verified() {
			return &ValidationError{Fields: map[string]string{"address": "This address is verified already."}}
		}
		if err := tx.Model(&AddressVerification{}).Where("address_id = ? AND used_at IS NULL AND revoked_at IS NULL", a.ID).
			Update("revoked_at", now).Error; err != nil {
			return err
		}
		raw, hash, err := s.newToken()
		if err != nil {
			return err
		}
		v := AddressVerification{TenantID: p.TenantID, AddressID: a.ID, TokenHash: hash, ExpiresAt: now.Add(AddressVerificationTTL), CreatedAt: now}
		if err := tx.Create(&v).Error; err != nil {
			return err
		}
		link = s.BaseURL + "/verify/" + raw
		msg := AddressVerificationMessage{TenantName: tenant.Name, PoolName: p.Name, UserName: u.DisplayName(), Address: a.Value,
			Mobile: a.Type == AddressMobile, URL: link, ExpiresAt: v.ExpiresAt}
		if err := s.enqueueVerification(tx, now, tenant.ID, a, msg); err != nil {
			return err
		}
		return writeAudit(tx, now, p.TenantID, actor, "pool_user.verification_started", poolUserTarget(u), Changes{
			"address_type": {After: a.Type}, "address": {After: a.Value}})
	})
	if err != nil {
		return "", err
	}
	return link, nil
}

// enqueueVerification queues the verification message for the address.
func (s *Store) enqueueVerification(tx *gorm.DB, now time.Time, tenantID int64, a PoolAddress, msg AddressVerificationMessage) error {
	m := verificationText(msg)
	if a.Type == AddressMobile {
		return enqueueSMS(tx, now, &tenantID, a.Value, m.Text)
	}
	return enqueueEmail(tx, now, &tenantID, a.Value, m)
}

// verificationText is the verification message (plain text; the same
// words go by e-mail and by SMS).
func verificationText(m AddressVerificationMessage) Email {
	subject := "Verify your address for " + m.TenantName
	text := "Hello " + m.UserName + ",\n\nOpen this link to confirm that " + m.Address + " is yours (" + m.PoolName + ", " + m.TenantName + "):\n\n" +
		m.URL + "\n\nThe link can be used once and expires on " + m.ExpiresAt.UTC().Format("2 January 2006 at 15:04 MST") +
		".\nIf you did not expect this message, you can ignore it.\n"
	if m.Mobile {
		text = m.TenantName + ": confirm this number at " + m.URL + " (valid 24 h)."
	}
	return Email{Subject: subject, Text: text}
}

// PendingVerification is a verification link that can still be used.
type PendingVerification struct {
	Verification AddressVerification
	Address      PoolAddress
	Tenant       Tenant
}

// AddressVerificationByToken finds the verification of a raw token:
// ErrInvalidToken unless it is unused, unrevoked and unexpired.
func (s *Store) AddressVerificationByToken(ctx context.Context, raw string) (PendingVerification, error) {
	db := s.DB.WithContext(ctx)
	var p PendingVerification
	if raw == "" || len(raw) > 100 {
		return p, ErrInvalidToken
	}
	if err := db.Where("token_hash = ?", HashToken(raw)).Take(&p.Verification).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return p, ErrInvalidToken
		}
		return p, err
	}
	v := p.Verification
	if v.UsedAt != nil || v.RevokedAt != nil || !s.now().Before(v.ExpiresAt) {
		return p, ErrInvalidToken
	}
	if err := db.Where("id = ?", v.AddressID).Take(&p.Address).Error; err != nil {
		return p, notFoundAs(err, ErrInvalidToken)
	}
	if err := db.Where("id = ?", v.TenantID).Take(&p.Tenant).Error; err != nil {
		return p, notFoundAs(err, ErrInvalidToken)
	}
	return p, nil
}

// ConfirmAddressVerification uses a verification link: the address becomes
// verified (and an end user's e-mail or phone with it). Single use: of two
// parallel confirmations one wins, the other gets ErrInvalidToken.
func (s *Store) ConfirmAddressVerification(ctx context.Context, raw string, meta Actor) (PendingVerification, error) {
	p, err := s.AddressVerificationByToken(ctx, raw)
	if err != nil {
		return p, err
	}
	now := s.now()
	err = s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&AddressVerification{}).Where("id = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?", p.Verification.ID, now).
			Update("used_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrInvalidToken
		}
		if err := tx.Model(&PoolAddress{}).Where("id = ?", p.Address.ID).Update("verified_at", now).Error; err != nil {
			return err
		}
		var pool IdentityPool
		if err := tx.Where("id = ?", p.Address.PoolID).Take(&pool).Error; err != nil {
			return err
		}
		u, err := poolUserIn(tx, pool, p.Address.UserID)
		if err != nil {
			return err
		}
		if u.User != nil {
			if err := syncUserVerified(tx, *u.User, p.Address.Type, p.Address.Value, true, now); err != nil {
				return err
			}
		}
		meta.Email = p.Address.Value
		return writeAudit(tx, now, p.Tenant.ID, meta, "pool_user.address_verified", poolUserTarget(u), Changes{
			"address_type": {After: p.Address.Type}, "address": {After: p.Address.Value}})
	})
	if err != nil {
		return p, err
	}
	p.Address.VerifiedAt = &now
	return p, nil
}
