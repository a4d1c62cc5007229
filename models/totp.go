package models

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"image/png"
	"io"
	"net/url"
	"strings"
	"time"

	"gatehouse/models/passwords"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"gorm.io/gorm"
)

// TOTP parameters: 30-second steps, 6 digits, SHA-1 (what authenticator
// apps expect), one step of skew either way.
const (
	totpPeriod = 30
	totpSkew   = 1
)

// Errors of second factors.
var (
	ErrTOTPEnabled    = errors.New("TOTP is already set up")
	ErrTOTPNotEnabled = errors.New("TOTP is not set up")
	ErrBadCode        = errors.New("the code is not valid")
)

// TOTPSetup is what enrolment shows: the secret as text, the otpauth URL
// and the QR code of that URL as a PNG.
type TOTPSetup struct {
	Secret string
	URL    string
	QRPNG  []byte
}

// seal encrypts a TOTP secret at rest with AES-256-GCM (nonce prepended).
func (s *Store) seal(plain []byte) ([]byte, error) { return s.sealWith(s.TOTPKey, plain) }

func (s *Store) open(sealed []byte) ([]byte, error) { return s.openWith(s.TOTPKey, sealed) }

// sealWith encrypts a secret at rest with AES-256-GCM under key (nonce prepended).
func (s *Store) sealWith(key, plain []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := io.ReadFull(s.Random, nonce); err != nil {
		return nil, err
	}
	return gcm.Seal(nonce, nonce, plain, nil), nil
}

// openWith decrypts what sealWith sealed under key.
func (s *Store) openWith(key, sealed []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	if len(sealed) < gcm.NonceSize() {
		return nil, errors.New("sealed secret too short")
	}
	return gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], nil)
}

// StartTOTPEnrollment makes (and stores, encrypted) a new pending TOTP
// secret for an administrator each time enrolment is opened: a secret once
// shown is never offered again, so one glimpsed on a screen or left in a
// page cache is worthless once the page is reopened.
func (s *Store) StartTOTPEnrollment(ctx context.Context, tenant Tenant, adminID int64) (TOTPSetup, error) {
	a, err := adminIn(s.DB.WithContext(ctx), tenant.ID, adminID)
	if err != nil {
		return TOTPSetup{}, err
	}
	if a.TOTPEnabledAt != nil {
		return TOTPSetup{}, ErrTOTPEnabled
	}
	raw := make([]byte, 20)
	if _, err := io.ReadFull(s.Random, raw); err != nil {
		return TOTPSetup{}, err
	}
	secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw)
	sealed, err := s.seal([]byte(secret))
	if err != nil {
		return TOTPSetup{}, err
	}
	res := s.DB.WithContext(ctx).Model(&Administrator{}).Where("id = ? AND totp_enabled_at IS NULL", a.ID).
		UpdateColumns(map[string]any{"totp_secret": sealed, "totp_last_step": 0})
	if res.Error != nil {
		return TOTPSetup{}, res.Error
	}
	if res.RowsAffected != 1 {
		return TOTPSetup{}, ErrTOTPEnabled
	}
	return totpSetup(tenant, a, secret)
}

// PendingTOTPEnrollment shows the pending secret again (the enrolment form
// after a wrong code, so the app just set up keeps working), or starts
// enrolment when there is none or it cannot be read.
func (s *Store) PendingTOTPEnrollment(ctx context.Context, tenant Tenant, adminID int64) (TOTPSetup, error) {
	a, err := adminIn(s.DB.WithContext(ctx), tenant.ID, adminID)
	if err != nil {
		return TOTPSetup{}, err
	}
	if a.TOTPEnabledAt != nil {
		return TOTPSetup{}, ErrTOTPEnabled
	}
	if len(a.TOTPSecret) > 0 {
		if plain, err := s.openSecret(a); err == nil {
			return totpSetup(tenant, a, string(plain))
		}
	}
	return s.StartTOTPEnrollment(ctx, tenant, adminID)
}

// openSecret decrypts an administrator's TOTP secret. A secret that does
// not decrypt means this replica's GATEHOUSE_SECRET_KEY is not the one that
// encrypted it (or the row is corrupt): every code would be refused, so it
// is logged loudly for the operator, not just shown as a wrong code.
func (s *Store) openSecret(a Administrator) ([]byte, error) {
	plain, err := s.open(a.TOTPSecret)
	if err != nil {
		s.logger().Error("TOTP secret cannot be decrypted: is GATEHOUSE_SECRET_KEY the same on every replica? Codes are refused until it is.",
			"administrator_id", a.ID, "tenant_id", a.TenantID, "err", err)
	}
	return plain, err
}

// totpSetup is what the enrolment page shows for a secret.
func totpSetup(tenant Tenant, a Administrator, secret string) (TOTPSetup, error) {
	key, err := otp.NewKeyFromURL(fmt.Sprintf("otpauth://totp/%s:%s?secret=%s&issuer=%s&period=30&digits=6&algorithm=SHA1",
		urlPath("Gatehouse "+tenant.Name), urlPath(a.Email), secret, urlQuery("Gatehouse "+tenant.Name)))
	if err != nil {
		return TOTPSetup{}, err
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return TOTPSetup{}, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return TOTPSetup{}, err
	}
	return TOTPSetup{Secret: secret, URL: key.URL(), QRPNG: buf.Bytes()}, nil
}

// matchStep returns the time step (within the skew) whose code equals code,
// comparing in constant time, or -1.
func matchStep(secret, code string, now time.Time) int64 {
	code = strings.TrimSpace(code)
	if len(code) != 6 {
		return -1
	}
	cur := now.Unix() / totpPeriod
	found := int64(-1)
	for step := cur - totpSkew; step <= cur+totpSkew; step++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0), totp.ValidateOpts{
			Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			return -1
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && found < 0 {
			found = step
		}
	}
	return found
}

// ConfirmTOTPEnrollment checks a code against the pending secret; on
// success TOTP is on, and ten single-use recovery codes are returned (shown
// once, stored hashed).
func (s *Store) ConfirmTOTPEnrollment(ctx context.Context, tenant Tenant, adminID int64, code string, meta Actor) ([]string, error) {
	a, err := adminIn(s.DB.WithContext(ctx), tenant.ID, adminID)
	if err != nil {
		return nil, err
	}
	if a.TOTPEnabledAt != nil {
		return nil, ErrTOTPEnabled
	}
	if len(a.TOTPSecret) == 0 {
		return nil, ErrBadCode
	}
	plain, err := s.openSecret(a)
	if err != nil {
		return nil, ErrBadCode
	}
	now := s.now()
	step := matchStep(string(plain), code, now)
	if step < 0 {
		return nil, ErrBadCode
	}
	codes, hashes, err := s.newRecoveryCodes()
	if err != nil {
		return nil, err
	}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&Administrator{}).Where("id = ? AND totp_enabled_at IS NULL AND totp_secret = ?", a.ID, a.TOTPSecret).
			UpdateColumns(map[string]any{"totp_enabled_at": now, "totp_last_step": step})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrTOTPEnabled
		}
		if err := tx.Where("administrator_id = ?", a.ID).Delete(&RecoveryCode{}).Error; err != nil {
			return err
		}
		rows := make([]RecoveryCode, len(hashes))
		for i, h := range hashes {
			rows[i] = RecoveryCode{AdministratorID: a.ID, CodeHash: h, CreatedAt: now}
		}
		if err := tx.Create(&rows).Error; err != nil {
			return err
		}
		meta.AdminID, meta.Email = a.ID, a.Email
		if err := writeAudit(tx, now, a.TenantID, meta, "administrator.totp_enrolled", adminTarget(a), nil); err != nil {
			return err
		}
		return s.notifyTx(tx, now, a, noticeTOTPEnrolled, meta)
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// RecoveryCode is a single-use code that stands in for a TOTP code.
type RecoveryCode struct {
	ID              int64  `gorm:"primaryKey"`
	AdministratorID int64  `gorm:"not null;index"`
	CodeHash        string `gorm:"size:64;not null"`
	UsedAt          *time.Time
	CreatedAt       time.Time
}

const recoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

func (s *Store) newRecoveryCodes() (codes, hashes []string, err error) {
	for range 10 {
		b := make([]byte, 10)
		if _, err := io.ReadFull(s.Random, b); err != nil {
			return nil, nil, err
		}
		var sb strings.Builder
		for i, x := range b {
			if i == 5 {
				sb.WriteByte('-')
			}
			sb.WriteByte(recoveryAlphabet[int(x)%len(recoveryAlphabet)])
		}
		c := sb.String()
		codes = append(codes, c)
		hashes = append(hashes, HashToken(normalizeRecovery(c)))
	}
	return codes, hashes, nil
}

func normalizeRecovery(c string) string {
	return strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(c)))
}

// VerifyTOTP checks the second step of sign-in: a TOTP code (never the same
// step twice, even from two parallel requests: the last accepted step is
// advanced atomically) or an unused recovery code. Failures count towards
// the lockout; the failure that locks the account (and any check while it
// is locked) is ErrLockedOut: the lockout has ended the pending sign-in.
func (s *Store) VerifyTOTP(ctx context.Context, a Administrator, code string, meta Actor) error {
	sec, err := s.Security(ctx, a.TenantID)
	if err != nil {
		return err
	}
	ok, err := s.reserveAttempt(ctx, a, sec)
	if err != nil {
		return err
	}
	if !ok {
		return ErrLockedOut
	}
	if err := s.checkSecondFactor(ctx, a, code, meta); err != nil {
		if errors.Is(err, ErrBadCode) {
			locked, ferr := s.attemptFailed(ctx, a, sec, meta)
			if ferr != nil {
				return ferr
			}
			s.observer().SignIn(SignInFailed)
			if locked {
				return ErrLockedOut
			}
		}
		return err
	}
	return s.attemptSucceeded(ctx, a)
}

func (s *Store) checkSecondFactor(ctx context.Context, a Administrator, code string, meta Actor) error {
	db := s.DB.WithContext(ctx)
	fresh, err := adminIn(db, a.TenantID, a.ID)
	if err != nil {
		return err
	}
	if fresh.TOTPEnabledAt == nil {
		return ErrTOTPNotEnabled
	}
	now := s.now()
	if len(normalizeRecovery(code)) == 10 {
		// The code is spent, audited and the administrator told, all in one
		// transaction.
		return s.tx(ctx, func(tx *gorm.DB) error {
			res := tx.Model(&RecoveryCode{}).Where("administrator_id = ? AND code_hash = ? AND used_at IS NULL", a.ID, HashToken(normalizeRecovery(code))).
				Update("used_at", now)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected != 1 {
				return ErrBadCode
			}
			meta.AdminID, meta.Email = a.ID, a.Email
			if err := writeAudit(tx, now, a.TenantID, meta, "administrator.recovery_code_used", adminTarget(a), nil); err != nil {
				return err
			}
			return s.notifyTx(tx, now, fresh, noticeRecoveryUsed, meta)
		})
	}
	plain, err := s.openSecret(fresh)
	if err != nil {
		return ErrBadCode
	}
	step := matchStep(string(plain), code, now)
	if step < 0 {
		return ErrBadCode
	}
	res := db.Model(&Administrator{}).Where("id = ? AND totp_last_step < ?", a.ID, step).UpdateColumn("totp_last_step", step)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return ErrBadCode // this step (or a later one) was already used
	}
	return nil
}

// RemoveTOTP turns TOTP off for the signed-in administrator (password required).
func (s *Store) RemoveTOTP(ctx context.Context, tenant Tenant, adminID int64, password string, meta Actor) error {
	a, err := adminIn(s.DB.WithContext(ctx), tenant.ID, adminID)
	if err != nil {
		return err
	}
	if len(password) > passwords.MaxPasswordLength {
		return &ValidationError{Fields: map[string]string{"password": "The password is not correct."}}
	}
	if err := s.reconfirmPassword(ctx, a, password, "password", "The password is not correct.", meta); err != nil {
		return err
	}
	meta.AdminID, meta.Email = a.ID, a.Email
	return s.clearTOTP(ctx, a, meta, "administrator.totp_removed", noticeTOTPRemoved, false)
}

// ResetTOTP clears an administrator's TOTP (User Profile): they must enrol
// again; their sessions end.
func (s *Store) ResetTOTP(ctx context.Context, v Viewer, adminID int64, actor Actor) error {
	a, err := adminIn(s.DB.WithContext(ctx), v.Tenant.ID, adminID)
	if err != nil {
		return err
	}
	if a.TOTPEnabledAt == nil && len(a.TOTPSecret) == 0 {
		return &ValidationError{Fields: map[string]string{"_form": a.DisplayName() + " has not set up TOTP."}}
	}
	if err := s.stepUpError(v); err != nil {
		return err
	}
	return s.clearTOTP(ctx, a, actor, "administrator.totp_reset", noticeTOTPReset, true)
}

func (s *Store) clearTOTP(ctx context.Context, a Administrator, actor Actor, action string, notice securityChange, endSessions bool) error {
	now := s.now()
	return s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&Administrator{}).Where("id = ?", a.ID).
			UpdateColumns(map[string]any{"totp_secret": nil, "totp_enabled_at": nil, "totp_last_step": 0}).Error; err != nil {
			return err
		}
		if err := tx.Where("administrator_id = ?", a.ID).Delete(&RecoveryCode{}).Error; err != nil {
			return err
		}
		if endSessions {
			if err := deleteSessionsOf(tx, a.ID, ""); err != nil {
				return err
			}
		}
		if err := writeAudit(tx, now, a.TenantID, actor, action, adminTarget(a), nil); err != nil {
			return err
		}
		return s.notifyTx(tx, now, a, notice, actor)
	})
}

// RegenerateRecoveryCodes replaces the signed-in administrator's recovery
// codes with ten new ones (returned, to be shown once): their password is
// required, wrong ones count towards the lockout. The old codes stop
// working; in one transaction with the audit event and the e-mail telling
// them.
func (s *Store) RegenerateRecoveryCodes(ctx context.Context, tenant Tenant, adminID int64, password string, meta Actor) ([]string, error) {
	a, err := adminIn(s.DB.WithContext(ctx), tenant.ID, adminID)
	if err != nil {
		return nil, err
	}
	if a.TOTPEnabledAt == nil {
		return nil, ErrTOTPNotEnabled
	}
	if len(password) > passwords.MaxPasswordLength {
		return nil, &ValidationError{Fields: map[string]string{"password": "The password is not correct."}}
	}
	if err := s.reconfirmPassword(ctx, a, password, "password", "The password is not correct.", meta); err != nil {
		return nil, err
	}
	codes, hashes, err := s.newRecoveryCodes()
	if err != nil {
		return nil, err
	}
	now := s.now()
	meta.AdminID, meta.Email = a.ID, a.Email
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("administrator_id = ?", a.ID).Delete(&RecoveryCode{}).Error; err != nil {
			return err
		}
		rows := make([]RecoveryCode, len(hashes))
		for i, h := range hashes {
			rows[i] = RecoveryCode{AdministratorID: a.ID, CodeHash: h, CreatedAt: now}
		}
		if err := tx.Create(&rows).Error; err != nil {
			return err
		}
		if err := writeAudit(tx, now, a.TenantID, meta, "administrator.recovery_codes_regenerated", adminTarget(a), nil); err != nil {
			return err
		}
		return s.notifyTx(tx, now, a, noticeRecoveryRegenerated, meta)
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// RecoveryCodesLeft counts an administrator's unused recovery codes.
func (s *Store) RecoveryCodesLeft(ctx context.Context, adminID int64) (int64, error) {
	var n int64
	err := s.DB.WithContext(ctx).Model(&RecoveryCode{}).Where("administrator_id = ? AND used_at IS NULL", adminID).Count(&n).Error
	return n, err
}

// codeHash is the keyed hash of a short code (e-mailed sign-in codes): a
// stolen table cannot be brute-forced without the key.
func (s *Store) codeHash(adminID int64, code string) string {
	m := hmac.New(sha256.New, s.CodeKey)
	fmt.Fprintf(m, "%d:%s", adminID, code)
	return hex.EncodeToString(m.Sum(nil))
}

func urlPath(s string) string  { return url.PathEscape(s) }
func urlQuery(s string) string { return url.QueryEscape(s) }
