package models

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// PasswordReset is an e-mailed, single-use link that lets an active
// administrator choose a new password. Only the token's hash is stored; a
// newer reset for the same administrator revokes the older ones.
type PasswordReset struct {
	ID              int64  `gorm:"primaryKey"`
	TenantID        int64  `gorm:"not null"`
	AdministratorID int64  `gorm:"not null;index"`
	TokenHash       string `gorm:"size:64;not null;uniqueIndex"`
	ExpiresAt       time.Time
	UsedAt          *time.Time
	RevokedAt       *time.Time
	RequestedByID   *int64
	CreatedAt       time.Time
}

// ErrNotActive is returned when a password reset is asked for an
// administrator who is not active: an invited one needs their invitation
// (resent) instead, an inactive one must be reactivated first.
var ErrNotActive = errors.New("the administrator is not active")

// PendingPasswordReset is a usable password reset with its administrator
// and tenant.
type PendingPasswordReset struct {
	Reset         PasswordReset
	Administrator Administrator
	Tenant        Tenant
}

// SendPasswordReset e-mails target a link to choose a new password and
// returns that link. In one transaction it revokes the administrator's
// earlier open resets, stores the new one (its hash only), queues the
// e-mail and writes the audit event. Only active administrators can be
// sent one (ErrNotActive otherwise); target must belong to tenant
// (ErrNotFound otherwise).
func (s *Store) SendPasswordReset(ctx context.Context, tenant Tenant, target Administrator, actor Actor) (string, error) {
	if target.TenantID != tenant.ID {
		return "", ErrNotFound
	}
	now := s.now()
	var link string
	err := s.tx(ctx, func(tx *gorm.DB) error {
		// Lock and re-read the administrator: the status checked is the one
		// committed, and two parallel requests leave exactly one open link.
		admin, err := lockAdministrator(tx, tenant.ID, target.ID)
		if err != nil {
			return err
		}
		if admin.Status != AdminActive {
			return ErrNotActive
		}
		if err := tx.Model(&PasswordReset{}).
			Where("administrator_id = ? AND used_at IS NULL AND revoked_at IS NULL", admin.ID).
			Update("revoked_at", now).Error; err != nil {
			return err
		}
		raw, hash, err := s.newToken()
		if err != nil {
			return err
		}
		reset := PasswordReset{
			TenantID: tenant.ID, AdministratorID: admin.ID, TokenHash: hash,
			ExpiresAt: now.Add(s.ResetTTL), CreatedAt: now,
		}
		requestedBy := "Gatehouse"
		if actor.AdminID != 0 {
			id := actor.AdminID
			reset.RequestedByID = &id
			requestedBy = actor.Email
			if actor.AdminID == admin.ID {
				requestedBy = "You"
			} else {
				var by Administrator
				if err := tx.Where("tenant_id = ? AND id = ?", tenant.ID, actor.AdminID).Take(&by).Error; err == nil {
					requestedBy = by.DisplayName()
				} else if !errors.Is(err, gorm.ErrRecordNotFound) {
					return err
				}
			}
		} else if actor.Email != "" {
			requestedBy = actor.Email
		}
		if err := tx.Create(&reset).Error; err != nil {
			return err
		}
		link = s.BaseURL + "/password-reset/" + raw
		mail, err := s.Emails.PasswordReset(PasswordResetEmail{
			TenantName: tenant.Name, TenantSlug: tenant.Slug, AdminName: admin.DisplayName(), AdminEmail: admin.Email,
			RequestedBy: requestedBy, URL: link, ExpiresAt: reset.ExpiresAt,
		})
		if err != nil {
			return err
		}
		if err := enqueueEmail(tx, now, &tenant.ID, admin.Email, mail); err != nil {
			return err
		}
		return writeAudit(tx, now, tenant.ID, actor, "administrator.password_reset_sent", adminTarget(admin),
			Changes{"expires_at": {Before: nil, After: reset.ExpiresAt}})
	})
	if err != nil {
		return "", err
	}
	return link, nil
}

// lockAdministrator loads an administrator of the tenant, holding its row
// lock until the transaction ends on PostgreSQL (SQLite serialises write
// transactions already). ErrNotFound when there is none.
func lockAdministrator(tx *gorm.DB, tenantID, id int64) (Administrator, error) {
	q := tx
	if IsPostgres(tx) {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var a Administrator
	err := q.Where("tenant_id = ? AND id = ?", tenantID, id).Take(&a).Error
	return a, notFound(err)
}

// PasswordResetByToken finds the password reset for a raw token and tells
// whether it can still be used: ErrInvalidToken (unknown, or its
// administrator is no longer active), ErrTokenUsed, ErrTokenRevoked or
// ErrTokenExpired otherwise.
func (s *Store) PasswordResetByToken(ctx context.Context, raw string) (PendingPasswordReset, error) {
	var p PendingPasswordReset
	db := s.DB.WithContext(ctx)
	if raw == "" || len(raw) > 100 {
		return p, ErrInvalidToken
	}
	if err := db.Where("token_hash = ?", HashToken(raw)).Take(&p.Reset).Error; err != nil {
		return p, notFoundAs(err, ErrInvalidToken)
	}
	if err := db.Where("tenant_id = ? AND id = ?", p.Reset.TenantID, p.Reset.AdministratorID).Take(&p.Administrator).Error; err != nil {
		return p, notFoundAs(err, ErrInvalidToken)
	}
	if err := db.Take(&p.Tenant, p.Reset.TenantID).Error; err != nil {
		return p, notFoundAs(err, ErrInvalidToken)
	}
	switch {
	case p.Reset.UsedAt != nil:
		return p, ErrTokenUsed
	case p.Reset.RevokedAt != nil:
		return p, ErrTokenRevoked
	case !s.now().Before(p.Reset.ExpiresAt):
		return p, ErrTokenExpired
	case p.Administrator.Status != AdminActive:
		return p, ErrInvalidToken
	}
	return p, nil
}

// ResetPassword sets a new password through a password reset link. The
// password must meet the tenant's policy (PasswordError) and match its
// confirmation (ValidationError on password_confirm). In one transaction
// the token is consumed atomically (of parallel uses only one wins, the
// others get ErrTokenUsed), the password is replaced, every session of the
// administrator ends and the audit event is written. meta gives the
// request's IP and user agent; the actor is the administrator themself.
func (s *Store) ResetPassword(ctx context.Context, raw, password, confirm string, meta Actor) (Administrator, error) {
	p, err := s.PasswordResetByToken(ctx, raw)
	if err != nil {
		return Administrator{}, err
	}
	hash, err := s.newPasswordHash(ctx, p.Tenant.ID, p.Administrator.ID, password, confirm)
	if err != nil {
		return Administrator{}, err
	}
	now := s.now()
	admin := p.Administrator
	err = s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&PasswordReset{}).
			Where("id = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?", p.Reset.ID, now).
			Update("used_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrTokenUsed
		}
		res = tx.Model(&Administrator{}).
			Where("id = ? AND tenant_id = ? AND status = ?", admin.ID, admin.TenantID, AdminActive).
			Updates(map[string]any{"password_hash": hash, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			// Deactivated since the link was sent: the rollback keeps the
			// token and the old password as they were.
			return ErrInvalidToken
		}
		// Any other open link of this administrator is spent too.
		if err := tx.Model(&PasswordReset{}).
			Where("administrator_id = ? AND used_at IS NULL AND revoked_at IS NULL", admin.ID).
			Update("revoked_at", now).Error; err != nil {
			return err
		}
		if err := recordPassword(tx, admin.ID, hash, now); err != nil {
			return err
		}
		if err := deleteSessionsOf(tx, admin.ID, ""); err != nil {
			return err
		}
		actor := meta
		actor.AdminID, actor.Email = admin.ID, admin.Email
		if err := writeAudit(tx, now, admin.TenantID, actor, "administrator.password_reset", adminTarget(admin), nil); err != nil {
			return err
		}
		return s.notifyTx(tx, now, admin, noticePasswordReset, actor)
	})
	if err != nil {
		return Administrator{}, err
	}
	admin.PasswordHash = hash
	admin.UpdatedAt = now
	return admin, nil
}
