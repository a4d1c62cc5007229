package models

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"gatehouse/models/passwords"

	"gorm.io/gorm"
)

// PasswordHistory keeps hashes of an administrator's earlier passwords so
// the policy's history rule can refuse their reuse.
type PasswordHistory struct {
	ID              int64  `gorm:"primaryKey"`
	AdministratorID int64  `gorm:"not null;index"`
	PasswordHash    string `gorm:"size:255;not null"`
	CreatedAt       time.Time
}

// TableName is the password history table.
func (PasswordHistory) TableName() string { return "password_histories" }

// newPasswordHash checks a new password against the tenant's policy, the
// confirmation and, for an existing administrator, their last passwords;
// it returns the new hash.
func (s *Store) newPasswordHash(ctx context.Context, tenantID, adminID int64, password, confirm string) (string, error) {
	policy, err := s.checkNewPassword(ctx, tenantID, password, confirm)
	if err != nil {
		return "", err
	}
	return s.hashUnlessRecent(ctx, policy, adminID, password)
}

// checkNewPassword checks a new password against the policy and its
// confirmation, reporting both at once: a PasswordError (with a mismatch in
// Also) or a ValidationError for the confirmation alone. It reveals nothing
// about the administrator.
func (s *Store) checkNewPassword(ctx context.Context, tenantID int64, password, confirm string) (passwords.Policy, error) {
	policy, err := s.PasswordPolicy(ctx, tenantID)
	if err != nil {
		return policy, err
	}
	mismatch := map[string]string{}
	if password != confirm {
		mismatch["password_confirm"] = "The two passwords do not match."
	}
	if v := policy.Check(password); len(v) > 0 {
		return policy, &PasswordError{Violations: v, Also: mismatch}
	}
	if len(mismatch) > 0 {
		return policy, &ValidationError{Fields: mismatch}
	}
	return policy, nil
}

// hashUnlessRecent refuses one of the administrator's last passwords (the
// policy's history) and hashes the new one.
func (s *Store) hashUnlessRecent(ctx context.Context, policy passwords.Policy, adminID int64, password string) (string, error) {
	if policy.History > 0 && adminID != 0 {
		var old []string
		if err := s.DB.WithContext(ctx).Model(&PasswordHistory{}).Where("administrator_id = ?", adminID).
			Order("id DESC").Limit(policy.History).Pluck("password_hash", &old).Error; err != nil {
			return "", err
		}
		for _, h := range old {
			ok, err := passwords.Verify(ctx, h, password)
			if notChecked(err) {
				return "", err
			}
			if ok {
				return "", &PasswordError{Violations: []passwords.Violation{{Rule: "history",
					Message: fmt.Sprintf("Choose a password you have not used recently (your last %d passwords cannot be reused).", policy.History)}}}
			}
		}
	}
	return passwords.Hash(ctx, password)
}

// recordPassword appends a hash to the history and keeps the last MaxHistory.
func recordPassword(tx *gorm.DB, adminID int64, hash string, now time.Time) error {
	if err := tx.Create(&PasswordHistory{AdministratorID: adminID, PasswordHash: hash, CreatedAt: now}).Error; err != nil {
		return err
	}
	var keep []int64
	if err := tx.Model(&PasswordHistory{}).Where("administrator_id = ?", adminID).Order("id DESC").Limit(MaxHistory).Pluck("id", &keep).Error; err != nil {
		return err
	}
	if len(keep) < MaxHistory {
		return nil
	}
	return tx.Where("administrator_id = ? AND id NOT IN ?", adminID, keep).Delete(&PasswordHistory{}).Error
}

// ChangePassword changes the signed-in administrator's password: the
// current one is required, the policy and history apply, and every other
// session of theirs ends (keep is the hashed id of the current session).
func (s *Store) ChangePassword(ctx context.Context, tenantID, adminID int64, current, password, confirm, keep string, meta Actor) error {
	a, err := adminIn(s.DB.WithContext(ctx), tenantID, adminID)
	if err != nil {
		return err
	}
	if len(current) > passwords.MaxPasswordLength {
		return &ValidationError{Fields: map[string]string{"current_password": "The current password is not correct."}}
	}
	// Every mistake at once: the policy and the confirmation (which say
	// nothing about the account) and the current password. The history is
	// checked only once the current password is right: it must not tell
	// someone who does not know it which passwords were used before.
	policy, newErr := s.checkNewPassword(ctx, tenantID, password, confirm)
	if newErr != nil && !isFieldError(newErr) {
		return newErr
	}
	if err := s.reconfirmPassword(ctx, a, current, "current_password", "The current password is not correct.", meta); err != nil {
		return joinFieldErrors(newErr, err)
	}
	if newErr != nil {
		return newErr
	}
	hash, err := s.hashUnlessRecent(ctx, policy, a.ID, password)
	if err != nil {
		return err
	}
	now := s.now()
	return s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&Administrator{}).Where("id = ?", a.ID).Updates(map[string]any{"password_hash": hash, "updated_at": now}).Error; err != nil {
			return err
		}
		if err := recordPassword(tx, a.ID, hash, now); err != nil {
			return err
		}
		if err := deleteSessionsOf(tx, a.ID, keep); err != nil {
			return err
		}
		// A reset link sent before the change no longer works.
		if err := tx.Model(&PasswordReset{}).Where("administrator_id = ? AND used_at IS NULL AND revoked_at IS NULL", a.ID).
			Update("revoked_at", now).Error; err != nil {
			return err
		}
		meta.AdminID, meta.Email = a.ID, a.Email
		if err := writeAudit(tx, now, tenantID, meta, "administrator.password_changed", adminTarget(a), nil); err != nil {
			return err
		}
		return s.notifyTx(tx, now, a, noticePasswordChanged, meta)
	})
}

func isFieldError(err error) bool {
	var perr *PasswordError
	var verr *ValidationError
	return errors.As(err, &perr) || errors.As(err, &verr)
}

// joinFieldErrors adds the field errors of more to first (a PasswordError
// or ValidationError, or nil); errors of other kinds win as they are.
func joinFieldErrors(first, more error) error {
	var mv *ValidationError
	if !errors.As(more, &mv) {
		return more
	}
	var perr *PasswordError
	var verr *ValidationError
	switch {
	case errors.As(first, &perr):
		if perr.Also == nil {
			perr.Also = map[string]string{}
		}
		maps.Copy(perr.Also, mv.Fields)
		return perr
	case errors.As(first, &verr):
		maps.Copy(verr.Fields, mv.Fields)
		return verr
	}
	return more
}
