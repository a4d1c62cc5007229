package models

import (
	"context"
	"errors"
	"time"

	"gatehouse/models/passwords"

	"gorm.io/gorm"
)

// Brute force protection: failures are counted per administrator in the
// database, so every replica sees them. An attempt is reserved (counted)
// before its secret is checked, atomically, so parallel attempts cannot
// slip past the limit: of many guesses sent at once, at most max_attempts
// are checked, and the one that reaches the limit locks the account.

// reserveAttempt counts an attempt in advance; false means the account is
// locked (or out of attempts) and the secret must not be checked.
func (s *Store) reserveAttempt(ctx context.Context, a Administrator, sec TenantSecurity) (bool, error) {
	now := s.now()
	res := s.DB.WithContext(ctx).Model(&Administrator{}).
		Where("id = ? AND failed_attempts < ? AND (locked_until IS NULL OR locked_until <= ?)", a.ID, sec.MaxAttempts, now).
		UpdateColumn("failed_attempts", gorm.Expr("failed_attempts + 1"))
	return res.RowsAffected == 1, res.Error
}

// ErrLockedOut is returned by a second-factor check (TOTP) that was refused
// because the account is locked out, or that failed and locked it: the
// pending sign-in is over (its session was deleted with the lockout) and
// the password is needed again once the lockout ends.
var ErrLockedOut = errors.New("the account is locked out: the sign-in in progress has ended")

// attemptFailed records an attempt that failed (audited, so auditors see
// failed sign-ins) and locks the account when the failures reached the
// limit, leaving the counter at zero for when the lockout ends. locked
// reports that this failure locked the account. Attempts while locked out
// (and for unknown addresses) are recorded against nobody (a ghostAdmin):
// audited with the address typed, counted nowhere.
func (s *Store) attemptFailed(ctx context.Context, a Administrator, sec TenantSecurity, meta Actor) (locked bool, err error) {
	meta.AdminID, meta.Email = 0, ""
	return s.failedAttempt(ctx, a, sec, meta, "administrator.sign_in_failed")
}

func (s *Store) failedAttempt(ctx context.Context, a Administrator, sec TenantSecurity, meta Actor, action string) (locked bool, err error) {
	now := s.now()
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if err := writeAudit(tx, now, a.TenantID, meta, action, adminTarget(a), nil); err != nil {
			return err
		}
		until := now.Add(time.Duration(sec.LockoutMinutes) * time.Minute)
		res := tx.Model(&Administrator{}).Where("id = ? AND failed_attempts >= ?", a.ID, sec.MaxAttempts).
			UpdateColumns(map[string]any{"locked_until": until, "failed_attempts": 0})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		locked = true
		// The lockout ends every sign-in in progress: a session that passed
		// the password waits no more for a second factor (after the
		// lockout the password is needed again), and the e-mailed codes
		// not yet used stop working (a new one is needed).
		if err := tx.Where("administrator_id = ? AND pending = ?", a.ID, true).Delete(&Session{}).Error; err != nil {
			return err
		}
		if err := tx.Model(&EmailCode{}).Where("administrator_id = ? AND used_at IS NULL", a.ID).Update("used_at", now).Error; err != nil {
			return err
		}
		return writeAudit(tx, now, a.TenantID, meta, "administrator.locked_out", adminTarget(a),
			Changes{"locked_until": {After: until.Format(time.RFC3339)}})
	})
	if err == nil && locked {
		s.observer().Lockout()
	}
	return locked && err == nil, err
}

// attemptPassed gives back the attempt reserved for a first step (password
// or e-mailed code) that was right, keeping the failures before it: the
// count is cleared only when the whole sign-in completes (RecordSignIn).
func (s *Store) attemptPassed(ctx context.Context, a Administrator) error {
	return s.DB.WithContext(ctx).Model(&Administrator{}).Where("id = ? AND failed_attempts > 0", a.ID).
		UpdateColumn("failed_attempts", gorm.Expr("failed_attempts - 1")).Error
}

// notChecked reports whether a password check did not run at all (the
// hashing queue was full, or the client went away while waiting): the
// attempt reserved for it must be given back, not counted as a failure.
func notChecked(err error) bool {
	return errors.Is(err, passwords.ErrBusy) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// giveBack returns the attempt reserved for a check that did not run, then
// err (it runs even when the request's context has ended).
func (s *Store) giveBack(ctx context.Context, a Administrator, err error) error {
	if gerr := s.attemptPassed(context.WithoutCancel(ctx), a); gerr != nil {
		return gerr
	}
	return err
}

// attemptSucceeded clears the failure count.
func (s *Store) attemptSucceeded(ctx context.Context, a Administrator) error {
	return s.DB.WithContext(ctx).Model(&Administrator{}).Where("id = ?", a.ID).UpdateColumn("failed_attempts", 0).Error
}

// reconfirmPassword checks the signed-in administrator's password before a
// change that asks for it again (Account: change password, remove TOTP).
// Wrong guesses count towards the lockout like sign-in attempts, so an
// unattended session cannot be used to guess the password; once locked,
// nothing is checked until the lockout ends. Failures are audited with the
// administrator as actor. The error names the form field.
func (s *Store) reconfirmPassword(ctx context.Context, a Administrator, password, field, wrong string, meta Actor) error {
	sec, err := s.Security(ctx, a.TenantID)
	if err != nil {
		return err
	}
	ok, err := s.reserveAttempt(ctx, a, sec)
	if err != nil {
		return err
	}
	if !ok {
		if err := passwords.VerifyDummy(ctx, password); err != nil {
			return err
		}
		return &ValidationError{Fields: map[string]string{field: "Too many wrong passwords: your account is locked for now. Try again later."}}
	}
	good, err := passwords.Verify(ctx, a.PasswordHash, password)
	if notChecked(err) {
		return s.giveBack(ctx, a, err)
	}
	if !good {
		meta.AdminID, meta.Email = a.ID, a.Email
		if _, err := s.failedAttempt(ctx, a, sec, meta, "administrator.password_confirmation_failed"); err != nil {
			return err
		}
		return &ValidationError{Fields: map[string]string{field: wrong}}
	}
	return s.attemptSucceeded(ctx, a)
}

// Locked reports whether the administrator is locked out at now.
func (a Administrator) Locked(now time.Time) bool {
	return a.LockedUntil != nil && now.Before(*a.LockedUntil)
}

// UnlockAdministrator lifts a lockout (User Profile, audited).
func (s *Store) UnlockAdministrator(ctx context.Context, v Viewer, adminID int64, actor Actor) error {
	now := s.now()
	return s.tx(ctx, func(tx *gorm.DB) error {
		a, err := adminIn(tx, v.Tenant.ID, adminID)
		if err != nil {
			return err
		}
		if !a.Locked(now) && a.FailedAttempts == 0 {
			return &ValidationError{Fields: map[string]string{"_form": a.DisplayName() + " is not locked out."}}
		}
		if err := tx.Model(&Administrator{}).Where("id = ?", a.ID).
			UpdateColumns(map[string]any{"locked_until": nil, "failed_attempts": 0}).Error; err != nil {
			return err
		}
		return writeAudit(tx, now, v.Tenant.ID, actor, "administrator.unlocked", adminTarget(a), nil)
	})
}
