package models_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/views/emails"

	"gorm.io/gorm"
)

// TestNewStoreNeedsKeys: no keys, no store (random ones would differ
// between replicas and restarts).
func TestNewStoreNeedsKeys(t *testing.T) {
	db := modelstest.SQLite(t)
	for _, k := range []models.Keys{{}, {TOTP: make([]byte, 32)}, {Code: make([]byte, 32)}, {TOTP: make([]byte, 16), Code: make([]byte, 32)}} {
		if s, err := models.NewStore(db.DB, "http://gatehouse.test", emails.Renderer{}, k); !errors.Is(err, models.ErrMissingKeys) || s != nil {
			t.Fatalf("keys %d/%d bytes: %v", len(k.TOTP), len(k.Code), err)
		}
	}
	if _, err := models.NewStore(db.DB, "http://gatehouse.test", emails.Renderer{}, modelstest.Keys()); err != nil {
		t.Fatal(err)
	}
}

// TestRecoveryCodeUseIsAuditedInItsTransaction: when the audit event cannot
// be written, the recovery code is not spent either.
func TestRecoveryCodeUseIsAuditedInItsTransaction(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, clk := newStore(db)
		ctx := context.Background()
		tn, a := activeAdmin(t, s)
		_, codes := enrol(t, s, clk, tn, a)
		a, _ = s.AdministratorByID(ctx, tn.ID, a.ID)
		fail := errors.New("audit unavailable")
		if err := db.DB.Callback().Create().Before("gorm:create").Register("test:fail_recovery_audit", func(tx *gorm.DB) {
			// Audit events are inserted one by one or, chained at commit,
			// as a slice.
			var evs []models.AuditEvent
			switch d := tx.Statement.Dest.(type) {
			case *models.AuditEvent:
				evs = []models.AuditEvent{*d}
			case *[]models.AuditEvent:
				evs = *d
			case []models.AuditEvent:
				evs = d
			}
			for _, ev := range evs {
				if ev.Action == "administrator.recovery_code_used" {
					_ = tx.AddError(fail)
				}
			}
		}); err != nil {
			t.Fatal(err)
		}
		if err := s.VerifyTOTP(ctx, a, codes[0], models.Actor{}); !errors.Is(err, fail) {
			t.Fatalf("recovery code with a failing audit: %v", err)
		}
		var unused int64
		if err := db.DB.Model(&models.RecoveryCode{}).Where("administrator_id = ? AND used_at IS NULL", a.ID).Count(&unused).Error; err != nil {
			t.Fatal(err)
		}
		if unused != 10 {
			t.Fatalf("%d unused recovery codes: the code was spent without its audit event", unused)
		}
		if err := db.DB.Callback().Create().Remove("test:fail_recovery_audit"); err != nil {
			t.Fatal(err)
		}
		if err := s.VerifyTOTP(ctx, a, codes[0], models.Actor{}); err != nil {
			t.Fatalf("the code once the audit works: %v", err)
		}
	})
}

// TestUndecryptableTOTPSecretIsLogged: a replica with another
// GATEHOUSE_SECRET_KEY refuses the code and says why, loudly, naming the
// administrator.
func TestUndecryptableTOTPSecretIsLogged(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, clk := newStore(db)
		ctx := context.Background()
		tn, a := activeAdmin(t, s)
		secret, _ := enrol(t, s, clk, tn, a)
		a, _ = s.AdministratorByID(ctx, tn.ID, a.ID)

		other, _ := newStore(db)
		other.Now = clk.Now
		other.TOTPKey = []byte("another replica's key, 32 bytes!")
		var logs bytes.Buffer
		other.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		clk.Add(30 * time.Second)
		if err := other.VerifyTOTP(ctx, a, codeAt(t, secret, clk.Now()), models.Actor{}); !errors.Is(err, models.ErrBadCode) {
			t.Fatalf("code on a replica with another key: %v", err)
		}
		line := logs.String()
		if !strings.Contains(line, "level=ERROR") || !strings.Contains(line, "GATEHOUSE_SECRET_KEY") || !strings.Contains(line, "administrator_id="+strconv.FormatInt(a.ID, 10)) {
			t.Fatalf("log: %q", line)
		}
		// The right replica still accepts it.
		if err := s.VerifyTOTP(ctx, a, codeAt(t, secret, clk.Now()), models.Actor{}); err != nil {
			t.Fatal(err)
		}
	})
}

// TestLockoutSpendsPendingSignInCodes: the lockout ends a passwordless
// sign-in in progress too: the code it was waiting for no longer works
// when the lockout is over (a new one must be asked for).
func TestLockoutSpendsPendingSignInCodes(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, clk := newStore(db)
		ctx := context.Background()
		tn, a := activeAdmin(t, s)
		owner, err := s.LoadViewer(ctx, tn, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		owner.SteppedUpAt = s.Now()
		if err := s.UpdateBruteForce(ctx, owner, 3, 15, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		if err := s.RequestSignInCode(ctx, tn, a.Email, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		code := lastCode(t, s, a.Email)
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		for range 3 {
			if _, err := s.VerifySignInCode(ctx, tn, a.Email, wrong, models.Actor{}); !errors.Is(err, models.ErrBadCode) {
				t.Fatal(err)
			}
		}
		clk.Add(16 * time.Minute)
		if _, err := s.VerifySignInCode(ctx, tn, a.Email, code, models.Actor{}); !errors.Is(err, models.ErrBadCode) {
			t.Fatalf("the code from before the lockout: %v", err)
		}
		clk.Add(time.Minute)
		if err := s.RequestSignInCode(ctx, tn, a.Email, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		if got, err := s.VerifySignInCode(ctx, tn, a.Email, lastCode(t, s, a.Email), models.Actor{}); err != nil || got.ID != a.ID {
			t.Fatalf("a new code: %v", err)
		}
	})
}

// TestCodesForUnknownAddressesGoNowhere: a code asked for an address nobody
// has is stored for nobody, never sent, and never accepted, even typed right.
func TestCodesForUnknownAddressesGoNowhere(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, clk := newStore(db)
		ctx := context.Background()
		tn, _ := activeAdmin(t, s)
		if err := s.RequestSignInCode(ctx, tn, "nobody@example.com", models.Actor{IP: "192.0.2.1"}); err != nil {
			t.Fatal(err)
		}
		if err := s.RequestSignInCode(ctx, tn, "NOBODY@example.com", models.Actor{}); !errors.Is(err, models.ErrThrottled) {
			t.Fatalf("a second request at once for the same address: %v", err)
		}
		mails, err := s.OutboxTo(ctx, "nobody@example.com")
		if err != nil || len(mails) != 1 || mails[0].SentAt == nil || mails[0].LastError == "" {
			t.Fatalf("the unknown address's message: %d %v", len(mails), err)
		}
		pending, err := models.PendingOutboxCount(ctx, db.DB)
		if err != nil {
			t.Fatal(err)
		}
		claimed, err := models.ClaimOutbox(ctx, db.DB, clk.Now(), 100, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range claimed {
			if m.ToAddr == "nobody@example.com" {
				t.Fatal("a worker claimed the message to an unknown address")
			}
		}
		if int(pending) != len(claimed) {
			t.Fatalf("%d pending, %d claimed", pending, len(claimed))
		}
		code := lastCode(t, s, "nobody@example.com")
		if _, err := s.VerifySignInCode(ctx, tn, "nobody@example.com", code, models.Actor{}); !errors.Is(err, models.ErrBadCode) {
			t.Fatalf("the right code for nobody: %v", err)
		}
		var ev models.AuditEvent
		if err := db.DB.Where("action = ?", "administrator.sign_in_failed").Order("id DESC").Take(&ev).Error; err != nil {
			t.Fatal(err)
		}
		if ev.TargetID != "" || ev.TargetLabel != "nobody@example.com" {
			t.Fatalf("failed attempt for nobody audited as %q %q", ev.TargetID, ev.TargetLabel)
		}
	})
}
