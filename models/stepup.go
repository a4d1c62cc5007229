package models

import (
	"context"
	"strings"
	"time"

	"gatehouse/models/passwords"
)

// Step-up: the sensitive actions (granting Tenant Admin, saving Sign In /
// Sign Up, Password Policy or Brute Force Protection, resetting another
// administrator's TOTP, deleting a workspace or an organization) need the
// administrator to have confirmed who they are, for that purpose, within
// the last StepUpWindow: their password, or a code from their authenticator
// app, typed into the form (fields password and code). Signing in does not
// count. StepUp checks what was typed; the web layer keeps the time of the
// last one in the server-side session and puts it in Viewer.SteppedUpAt;
// the operations refuse, with a message on field password, a viewer who
// has not stepped up recently. Every administrator has a password (one is
// chosen when an invitation is accepted, in passwordless tenants too), so
// the password always works; those with TOTP may give a code instead.

// StepUpWindow is how long a step-up lasts.
const StepUpWindow = 5 * time.Minute

// MsgStepUpRequired is the message on field password of a sensitive action
// asked without a recent step-up.
const MsgStepUpRequired = "Enter your password to confirm it is you: this change needs it (once every 5 minutes)."

// SteppedUp reports whether the viewer confirmed who they are within the
// last StepUpWindow before now.
func (v Viewer) SteppedUp(now time.Time) bool {
	return !v.SteppedUpAt.IsZero() && !now.Before(v.SteppedUpAt.Add(-time.Second)) && now.Sub(v.SteppedUpAt) < StepUpWindow
}

// needStepUp adds the step-up message to f unless the viewer stepped up
// recently.
func (s *Store) needStepUp(v Viewer, f fieldErrors) {
	if !v.SteppedUp(s.now()) {
		f.add("password", MsgStepUpRequired)
	}
}

// stepUpError is needStepUp alone: a ValidationError, or nil.
func (s *Store) stepUpError(v Viewer) error {
	f := fieldErrors{}
	s.needStepUp(v, f)
	return f.err()
}

// StepUp checks what an administrator typed to confirm who they are before
// a sensitive action: their password, or (when it is empty) a 6-digit code
// from their authenticator app. Wrong ones count towards the lockout like
// the Account page's password checks (and, once locked, nothing is checked
// until the lockout ends); failures and successes are audited. The error
// is a ValidationError on field password or code.
func (s *Store) StepUp(ctx context.Context, tenant Tenant, adminID int64, password, code string, meta Actor) error {
	a, err := adminIn(s.DB.WithContext(ctx), tenant.ID, adminID)
	if err != nil {
		return err
	}
	meta.AdminID, meta.Email = a.ID, a.Email
	method := "password"
	if password != "" {
		if len(password) > passwords.MaxPasswordLength {
			return &ValidationError{Fields: map[string]string{"password": "The password is not correct."}}
		}
		if a.PasswordHash == "" {
			if err := passwords.VerifyDummy(ctx, password); err != nil {
				return err
			}
			msg := "You have no password yet: ask a Tenant Admin to send you a password reset link."
			if a.TOTPEnabledAt != nil {
				msg = "You have no password yet: enter a code from your authenticator app instead."
			}
			return &ValidationError{Fields: map[string]string{"password": msg}}
		}
		if err := s.reconfirmPassword(ctx, a, password, "password", "The password is not correct.", meta); err != nil {
			return err
		}
	} else {
		method = "totp"
		if err := s.stepUpCode(ctx, a, strings.TrimSpace(code), meta); err != nil {
			return err
		}
	}
	return writeAudit(s.DB.WithContext(ctx), s.now(), a.TenantID, meta, "administrator.stepped_up", adminTarget(a),
		Changes{"method": {After: method}})
}

// stepUpCode checks a TOTP code given for a step-up (never a recovery code:
// those are for signing in), counting failures towards the lockout.
func (s *Store) stepUpCode(ctx context.Context, a Administrator, code string, meta Actor) error {
	if a.TOTPEnabledAt == nil {
		return &ValidationError{Fields: map[string]string{"code": "You have not set up two-step verification: enter your password instead."}}
	}
	sec, err := s.Security(ctx, a.TenantID)
	if err != nil {
		return err
	}
	ok, err := s.reserveAttempt(ctx, a, sec)
	if err != nil {
		return err
	}
	if !ok {
		return &ValidationError{Fields: map[string]string{"code": "Too many wrong attempts: your account is locked for now. Try again later."}}
	}
	err = ErrBadCode
	if len(code) == 6 {
		err = s.checkSecondFactor(ctx, a, code, meta)
	}
	if err == nil {
		return s.attemptSucceeded(ctx, a)
	}
	if err != ErrBadCode {
		return err
	}
	if _, err := s.failedAttempt(ctx, a, sec, meta, "administrator.step_up_failed"); err != nil {
		return err
	}
	return &ValidationError{Fields: map[string]string{"code": "That code is not right. Check the time on your device and try the newest code."}}
}
