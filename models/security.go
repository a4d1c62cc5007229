package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gatehouse/models/passwords"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Sign-in methods of a tenant's administrators.
const (
	MethodPassword = "password"
	MethodOTP      = "otp"
)

// TenantSecurity is how a tenant's administrators sign in: Sign In / Sign
// Up, Password Policy and Brute Force Protection. A tenant without a row
// has the defaults.
type TenantSecurity struct {
	TenantID         int64  `gorm:"primaryKey;autoIncrement:false"`
	SignInMethod     string `gorm:"size:20;not null;default:password"`
	RequireTOTP      bool   `gorm:"column:require_totp;not null;default:false"`
	MinLength        int    `gorm:"not null;default:12"`
	RequireLowercase bool   `gorm:"not null;default:false"`
	RequireUppercase bool   `gorm:"not null;default:false"`
	RequireDigit     bool   `gorm:"not null;default:false"`
	RequireSymbol    bool   `gorm:"not null;default:false"`
	RejectCommon     bool   `gorm:"not null"`
	History          int    `gorm:"not null;default:0"`
	MaxAttempts      int    `gorm:"not null;default:5"`
	LockoutMinutes   int    `gorm:"not null;default:15"`
	UpdatedAt        time.Time
}

// TableName is the table of tenants' sign-in settings.
func (TenantSecurity) TableName() string { return "tenant_security" }

// Bounds of the settings.
const (
	MaxHistory        = 24
	MinMaxAttempts    = 1
	MaxMaxAttempts    = 100
	MinLockoutMinutes = 1
	MaxLockoutMinutes = 1440
)

// DefaultSecurity is a tenant's settings until an administrator changes them.
func DefaultSecurity(tenantID int64) TenantSecurity {
	return TenantSecurity{TenantID: tenantID, SignInMethod: MethodPassword, MinLength: 12, RejectCommon: true,
		MaxAttempts: 5, LockoutMinutes: 15}
}

// Policy is the password policy the settings describe.
func (t TenantSecurity) Policy() passwords.Policy {
	return passwords.Policy{MinLength: t.MinLength, RequireLowercase: t.RequireLowercase, RequireUppercase: t.RequireUppercase,
		RequireDigit: t.RequireDigit, RequireSymbol: t.RequireSymbol, RejectCommon: t.RejectCommon, History: t.History}
}

// Security returns the tenant's sign-in settings (the defaults when unset).
func (s *Store) Security(ctx context.Context, tenantID int64) (TenantSecurity, error) {
	return securityOf(s.DB.WithContext(ctx), tenantID)
}

func securityOf(db *gorm.DB, tenantID int64) (TenantSecurity, error) {
	var t TenantSecurity
	err := db.Where("tenant_id = ?", tenantID).Take(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return DefaultSecurity(tenantID), nil
	}
	return t, err
}

// PasswordPolicy returns the password policy in force for a tenant.
func (s *Store) PasswordPolicy(ctx context.Context, tenantID int64) (passwords.Policy, error) {
	t, err := s.Security(ctx, tenantID)
	return t.Policy(), err
}

// SignInSettings is the Sign In / Sign Up form.
type SignInSettings struct {
	Method      string
	RequireTOTP bool
}

// UpdateSignInSettings saves the tenant's sign-in method and TOTP
// requirement. Like the password policy and brute-force settings, it needs
// a recent step-up (any save of the page).
func (s *Store) UpdateSignInSettings(ctx context.Context, v Viewer, in SignInSettings, actor Actor) error {
	f := fieldErrors{}
	if in.Method != MethodPassword && in.Method != MethodOTP {
		f.add("method", "Choose password or a one-time code by e-mail.")
	}
	s.needStepUp(v, f)
	if err := f.err(); err != nil {
		return err
	}
	return s.updateSecurity(ctx, v, actor, ChangeSignIn, in, signInChange(in))
}

// signInChange applies the Sign In / Sign Up form to the settings.
func signInChange(in SignInSettings) func(*TenantSecurity) Changes {
	return func(t *TenantSecurity) Changes {
		ch := Changes{}
		if t.SignInMethod != in.Method {
			ch["method"] = Change{Before: t.SignInMethod, After: in.Method}
		}
		if t.RequireTOTP != in.RequireTOTP {
			ch["require_totp"] = Change{Before: t.RequireTOTP, After: in.RequireTOTP}
		}
		t.SignInMethod, t.RequireTOTP = in.Method, in.RequireTOTP
		return ch
	}
}

// UpdatePasswordPolicy saves the tenant's password policy, bounds checked.
func (s *Store) UpdatePasswordPolicy(ctx context.Context, v Viewer, p passwords.Policy, actor Actor) error {
	f := fieldErrors{}
	if p.MinLength < passwords.MinLengthLowerBound || p.MinLength > passwords.MinLengthUpperBound {
		f.add("min_length", fmt.Sprintf("Minimum length must be between %d and %d.", passwords.MinLengthLowerBound, passwords.MinLengthUpperBound))
	}
	if p.History < 0 || p.History > MaxHistory {
		f.add("history", fmt.Sprintf("Password history must be between 0 and %d.", MaxHistory))
	}
	s.needStepUp(v, f)
	if err := f.err(); err != nil {
		return err
	}
	return s.updateSecurity(ctx, v, actor, ChangePasswordPolicy, p, policyChange(p))
}

// policyChange applies the Password Policy form to the settings.
func policyChange(p passwords.Policy) func(*TenantSecurity) Changes {
	return func(t *TenantSecurity) Changes {
		before := *t
		t.MinLength, t.RequireLowercase, t.RequireUppercase = p.MinLength, p.RequireLowercase, p.RequireUppercase
		t.RequireDigit, t.RequireSymbol, t.RejectCommon, t.History = p.RequireDigit, p.RequireSymbol, p.RejectCommon, p.History
		ch := Changes{}
		diff(ch, "min_length", before.MinLength, t.MinLength)
		diff(ch, "require_lowercase", before.RequireLowercase, t.RequireLowercase)
		diff(ch, "require_uppercase", before.RequireUppercase, t.RequireUppercase)
		diff(ch, "require_digit", before.RequireDigit, t.RequireDigit)
		diff(ch, "require_symbol", before.RequireSymbol, t.RequireSymbol)
		diff(ch, "reject_common", before.RejectCommon, t.RejectCommon)
		diff(ch, "history", before.History, t.History)
		return ch
	}
}

// UpdateBruteForce saves the tenant's lockout settings, bounds checked.
func (s *Store) UpdateBruteForce(ctx context.Context, v Viewer, maxAttempts, lockoutMinutes int, actor Actor) error {
	f := fieldErrors{}
	if maxAttempts < MinMaxAttempts || maxAttempts > MaxMaxAttempts {
		f.add("max_attempts", fmt.Sprintf("Maximum attempts must be between %d and %d.", MinMaxAttempts, MaxMaxAttempts))
	}
	if lockoutMinutes < MinLockoutMinutes || lockoutMinutes > MaxLockoutMinutes {
		f.add("lockout_minutes", fmt.Sprintf("Lockout must be between %d and %d minutes.", MinLockoutMinutes, MaxLockoutMinutes))
	}
	s.needStepUp(v, f)
	if err := f.err(); err != nil {
		return err
	}
	in := bruteForcePayload{MaxAttempts: maxAttempts, LockoutMinutes: lockoutMinutes}
	return s.updateSecurity(ctx, v, actor, ChangeBruteForce, in, bruteForceChange(in))
}

// bruteForceChange applies the Brute Force Protection form to the settings.
func bruteForceChange(in bruteForcePayload) func(*TenantSecurity) Changes {
	return func(t *TenantSecurity) Changes {
		ch := Changes{}
		diff(ch, "max_attempts", t.MaxAttempts, in.MaxAttempts)
		diff(ch, "lockout_minutes", t.LockoutMinutes, in.LockoutMinutes)
		t.MaxAttempts, t.LockoutMinutes = in.MaxAttempts, in.LockoutMinutes
		return ch
	}
}

func diff[T comparable](ch Changes, field string, before, after T) {
	if before != after {
		ch[field] = Change{Before: before, After: after}
	}
}

// securityActions are the audit actions of the settings' saves.
var securityActions = map[string]string{
	ChangeSignIn: "tenant.sign_in_updated", ChangePasswordPolicy: "tenant.password_policy_updated", ChangeBruteForce: "tenant.brute_force_updated",
}

// updateSecurity loads (or defaults) the tenant's settings under a lock,
// applies change, and saves them with an audit event in one transaction.
// With four eyes on, a save that changes something makes a pending change
// of kind (payload: the form) instead (a *PendingError).
func (s *Store) updateSecurity(ctx context.Context, v Viewer, actor Actor, kind string, payload any, change func(*TenantSecurity) Changes) error {
	now := s.now()
	var pending *PendingChange
	err := s.tx(ctx, func(tx *gorm.DB) error {
		pending = nil
		if err := lockTenant(tx, v.Tenant.ID); err != nil {
			return err
		}
		t, err := securityOf(tx, v.Tenant.ID)
		if err != nil {
			return err
		}
		if ch := change(&t); len(ch) > 0 {
			pending, err = s.maybePendingTx(tx, now, v, changeRequest{Kind: kind, Payload: payload, Summary: changeSummary(kind, ch), Target: tenantTarget(v.Tenant)}, actor)
			if err != nil || pending != nil {
				return err
			}
		}
		return saveSecurityTx(tx, now, v.Tenant, actor, securityActions[kind], change, nil)
	})
	return pendingOr(pending, err)
}

// saveSecurityTx applies change to the tenant's settings and saves them
// with an audit event (extra joins its changes).
func saveSecurityTx(tx *gorm.DB, now time.Time, tenant Tenant, actor Actor, action string, change func(*TenantSecurity) Changes, extra Changes) error {
	if err := lockTenant(tx, tenant.ID); err != nil {
		return err
	}
	t, err := securityOf(tx, tenant.ID)
	if err != nil {
		return err
	}
	ch := change(&t)
	t.UpdatedAt = now
	// No default:true tags on booleans here: GORM's Create would write
	// the default in place of a false.
	if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&t).Error; err != nil {
		return err
	}
	if len(ch) == 0 {
		return nil
	}
	for k, c := range extra {
		ch[k] = c
	}
	return writeAudit(tx, now, tenant.ID, actor, action, Target{Type: "tenant", ID: fmt.Sprint(tenant.ID), Label: tenant.Slug}, ch)
}
