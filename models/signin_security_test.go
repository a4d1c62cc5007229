package models_test

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

const pw = "correct horse battery"

// activeAdmin makes a tenant whose first admin has accepted the invitation.
func activeAdmin(t *testing.T, s *models.Store) (models.Tenant, models.Administrator) {
	t.Helper()
	ctx := context.Background()
	tn, _, link, err := s.CreateTenant(ctx, models.CreateTenantInput{Slug: "acme", Name: "Acme", Plan: models.PlanEnterprise, AdminEmail: "a@example.com"}, models.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.AcceptInvitation(ctx, tokenOf(link), pw, pw, models.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	return tn, a
}

func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func enrol(t *testing.T, s *models.Store, clk *clock, tn models.Tenant, a models.Administrator) (string, []string) {
	t.Helper()
	ctx := context.Background()
	setup, err := s.StartTOTPEnrollment(ctx, tn, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(setup.QRPNG) < 100 || !strings.HasPrefix(setup.URL, "otpauth://totp/") || !strings.Contains(setup.URL, "secret="+setup.Secret) {
		t.Fatalf("setup %+v", setup.URL)
	}
	// Reopening enrolment makes a new secret each time (the one shown
	// before is worthless); showing the form again after a wrong code
	// keeps the pending one.
	again, err := s.StartTOTPEnrollment(ctx, tn, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if again.Secret == setup.Secret {
		t.Fatal("reopening enrolment showed the same secret again")
	}
	setup = again
	if pending, err := s.PendingTOTPEnrollment(ctx, tn, a.ID); err != nil || pending.Secret != setup.Secret {
		t.Fatalf("the pending secret shown again after a wrong code: %v", err)
	}
	if _, err := s.ConfirmTOTPEnrollment(ctx, tn, a.ID, "000000", models.Actor{}); !errors.Is(err, models.ErrBadCode) && codeAt(t, setup.Secret, clk.Now()) != "000000" {
		t.Fatalf("wrong code accepted: %v", err)
	}
	codes, err := s.ConfirmTOTPEnrollment(ctx, tn, a.ID, codeAt(t, setup.Secret, clk.Now()), models.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes", len(codes))
	}
	return setup.Secret, codes
}

func TestTOTPSecretIsEncryptedAtRest(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, clk := newStore(db)
		tn, a := activeAdmin(t, s)
		secret, codes := enrol(t, s, clk, tn, a)
		var stored models.Administrator
		modelstest.Must(t, db.DB.Take(&stored, a.ID))
		if len(stored.TOTPSecret) == 0 || strings.Contains(string(stored.TOTPSecret), secret) {
			t.Fatal("TOTP secret stored in clear")
		}
		var hashes []string
		modelstest.Must(t, db.DB.Model(&models.RecoveryCode{}).Where("administrator_id = ?", a.ID).Pluck("code_hash", &hashes))
		for _, h := range hashes {
			for _, c := range codes {
				if strings.Contains(h, c) {
					t.Fatal("recovery code stored in clear")
				}
			}
		}
	})
}

func TestTOTPWithAFixedClock(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, clk := newStore(db)
		ctx := context.Background()
		tn, a := activeAdmin(t, s)
		secret, _ := enrol(t, s, clk, tn, a)
		a, err := s.AdministratorByID(ctx, tn.ID, a.ID)
		if err != nil {
			t.Fatal(err)
		}

		// The code used to enrol is spent; the next step's code works once.
		clk.Add(30 * time.Second)
		code := codeAt(t, secret, clk.Now())
		if err := s.VerifyTOTP(ctx, a, code, models.Actor{}); err != nil {
			t.Fatalf("first use: %v", err)
		}
		if err := s.VerifyTOTP(ctx, a, code, models.Actor{}); !errors.Is(err, models.ErrBadCode) {
			t.Fatalf("replay: %v", err)
		}
		clk.Add(30 * time.Second)
		if err := s.VerifyTOTP(ctx, a, codeAt(t, secret, clk.Now()), models.Actor{}); err != nil {
			t.Fatalf("next step: %v", err)
		}
		// One step of skew: the code of the step after next is accepted early...
		if err := s.VerifyTOTP(ctx, a, codeAt(t, secret, clk.Now().Add(30*time.Second)), models.Actor{}); err != nil {
			t.Fatalf("one step ahead: %v", err)
		}
		// ...but not two steps, nor an old one.
		clk.Add(90 * time.Second)
		if err := s.VerifyTOTP(ctx, a, codeAt(t, secret, clk.Now().Add(-60*time.Second)), models.Actor{}); !errors.Is(err, models.ErrBadCode) {
			t.Fatalf("two steps old: %v", err)
		}
		if err := s.VerifyTOTP(ctx, a, codeAt(t, secret, clk.Now().Add(60*time.Second)), models.Actor{}); !errors.Is(err, models.ErrBadCode) {
			t.Fatalf("two steps ahead: %v", err)
		}
		// Two concurrent uses of one code: exactly one success.
		clk.Add(60 * time.Second)
		code = codeAt(t, secret, clk.Now())
		var wg sync.WaitGroup
		results := make(chan error, 2)
		for range 2 {
			wg.Add(1)
			go func() { defer wg.Done(); results <- s.VerifyTOTP(ctx, a, code, models.Actor{}) }()
		}
		wg.Wait()
		close(results)
		ok := 0
		for err := range results {
			if err == nil {
				ok++
			} else if !errors.Is(err, models.ErrBadCode) {
				t.Fatal(err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d of two concurrent uses succeeded", ok)
		}
	})
}

func TestRecoveryCodesWorkOnce(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, clk := newStore(db)
		ctx := context.Background()
		tn, a := activeAdmin(t, s)
		_, codes := enrol(t, s, clk, tn, a)
		if err := s.VerifyTOTP(ctx, a, strings.ToUpper(codes[3]), models.Actor{}); err != nil {
			t.Fatalf("recovery code: %v", err)
		}
		if err := s.VerifyTOTP(ctx, a, codes[3], models.Actor{}); !errors.Is(err, models.ErrBadCode) {
			t.Fatalf("recovery code reused: %v", err)
		}
		if n, err := s.RecoveryCodesLeft(ctx, a.ID); err != nil {
			t.Fatal(err)
		} else if n != 9 {
			t.Fatalf("%d codes left", n)
		}
		// Removing TOTP needs the password.
		var verr *models.ValidationError
		if err := s.RemoveTOTP(ctx, tn, a.ID, "wrong", models.Actor{}); !errors.As(err, &verr) {
			t.Fatalf("remove with a wrong password: %v", err)
		}
		if err := s.RemoveTOTP(ctx, tn, a.ID, pw, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		if err := s.VerifyTOTP(ctx, a, codes[4], models.Actor{}); err == nil {
			t.Fatal("recovery code works after TOTP was removed")
		}
	})
}

func TestLockout(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, clk := newStore(db)
		ctx := context.Background()
		tn, a := activeAdmin(t, s)
		// Defaults: 5 attempts, 15 minutes. Four failures, then the right password works and resets.
		for range 4 {
			if _, err := s.Authenticate(ctx, tn.ID, a.Email, "wrong password!", models.Actor{}); !errors.Is(err, models.ErrBadCredentials) {
				t.Fatal(err)
			}
		}
		if _, err := s.Authenticate(ctx, tn.ID, a.Email, pw, models.Actor{}); err != nil {
			t.Fatalf("4 failures locked the account: %v", err)
		}
		for range 5 {
			if _, err := s.Authenticate(ctx, tn.ID, a.Email, "wrong password!", models.Actor{}); err == nil {
				t.Fatal("a wrong password signed in")
			}
		}
		// Locked: the right password gets exactly the wrong password's answer.
		if _, err := s.Authenticate(ctx, tn.ID, a.Email, pw, models.Actor{}); !errors.Is(err, models.ErrBadCredentials) {
			t.Fatalf("locked account signed in: %v", err)
		}
		var n int64
		modelstest.Must(t, db.DB.Model(&models.AuditEvent{}).Where("action = ?", "administrator.locked_out").Count(&n))
		if n != 1 {
			t.Fatalf("%d lockout events", n)
		}
		clk.Add(14 * time.Minute)
		if _, err := s.Authenticate(ctx, tn.ID, a.Email, pw, models.Actor{}); !errors.Is(err, models.ErrBadCredentials) {
			t.Fatal("lockout ended early")
		}
		clk.Add(2 * time.Minute)
		if _, err := s.Authenticate(ctx, tn.ID, a.Email, pw, models.Actor{}); err != nil {
			t.Fatalf("after the lockout: %v", err)
		}
	})
}

// Wrong current passwords on the Account page count towards the lockout
// like sign-in attempts; a right one resets the count.
func TestReconfirmPasswordCountsTowardsLockout(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, clk := newStore(db)
		ctx := context.Background()
		tn, a := activeAdmin(t, s)
		var verr *models.ValidationError
		for range 4 {
			if err := s.RemoveTOTP(ctx, tn, a.ID, "wrong password!", models.Actor{}); !errors.As(err, &verr) || verr.Fields["password"] != "The password is not correct." {
				t.Fatalf("wrong password: %v", err)
			}
		}
		// The right one works and resets the count (no TOTP to remove is fine).
		var perr *models.PasswordError
		if err := s.ChangePassword(ctx, tn.ID, a.ID, pw, "short", "short", "", models.Actor{}); !errors.As(err, &perr) {
			t.Fatalf("right current password refused: %v", err)
		}
		for range 5 {
			if err := s.ChangePassword(ctx, tn.ID, a.ID, "wrong password!", pw+" 9999", pw+" 9999", "", models.Actor{}); err == nil {
				t.Fatal("a wrong current password was accepted")
			}
		}
		if err := s.ChangePassword(ctx, tn.ID, a.ID, pw, pw+" 9999", pw+" 9999", "", models.Actor{}); !errors.As(err, &verr) || !strings.Contains(verr.Fields["current_password"], "locked") {
			t.Fatalf("locked account changed its password: %v", err)
		}
		if _, err := s.Authenticate(ctx, tn.ID, a.Email, pw, models.Actor{}); !errors.Is(err, models.ErrBadCredentials) {
			t.Fatalf("locked account signed in: %v", err)
		}
		var failed, locks int64
		modelstest.Must(t, db.DB.Model(&models.AuditEvent{}).Where("action = ? AND actor_id = ?", "administrator.password_confirmation_failed", a.ID).Count(&failed))
		modelstest.Must(t, db.DB.Model(&models.AuditEvent{}).Where("action = ?", "administrator.locked_out").Count(&locks))
		if failed != 9 || locks != 1 {
			t.Fatalf("%d failures, %d lockouts audited", failed, locks)
		}
		clk.Add(16 * time.Minute)
		if err := s.ChangePassword(ctx, tn.ID, a.ID, pw, pw+" 9999", pw+" 9999", "", models.Actor{}); err != nil {
			t.Fatalf("after the lockout: %v", err)
		}
	})
}

// A right password does not clear the failures that wrong TOTP codes
// after it built up: otherwise whoever knows the password could guess
// codes forever, signing in with the password again every four guesses.
func TestRightPasswordDoesNotResetTOTPFailures(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, clk := newStore(db)
		ctx := context.Background()
		tn, a := activeAdmin(t, s)
		secret, _ := enrol(t, s, clk, tn, a)
		clk.Add(time.Minute)
		for round := range 2 {
			if _, err := s.Authenticate(ctx, tn.ID, a.Email, pw, models.Actor{}); err != nil {
				if round == 1 && errors.Is(err, models.ErrBadCredentials) {
					break // locked: what we want
				}
				t.Fatalf("round %d: password: %v", round, err)
			}
			for range 3 {
				if err := s.VerifyTOTP(ctx, a, "000000", models.Actor{}); err == nil {
					t.Fatal("a wrong code was accepted")
				}
			}
		}
		// 6 wrong codes in all, past the limit of 5: locked, even with the right password and code.
		if _, err := s.Authenticate(ctx, tn.ID, a.Email, pw, models.Actor{}); !errors.Is(err, models.ErrBadCredentials) {
			t.Fatalf("after 6 wrong codes the password still works: %v", err)
		}
		if err := s.VerifyTOTP(ctx, a, codeAt(t, secret, clk.Now()), models.Actor{}); err == nil {
			t.Fatal("after 6 wrong codes a right code works")
		}
		// A complete sign-in clears the count.
		clk.Add(16 * time.Minute)
		got, err := s.Authenticate(ctx, tn.ID, a.Email, pw, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.VerifyTOTP(ctx, got, codeAt(t, secret, clk.Now()), models.Actor{}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RecordSignIn(ctx, got, models.SignIn{Session: models.Session{ID: models.HashToken("s1"), CreatedAt: clk.Now(), LastSeenAt: clk.Now(), ExpiresAt: clk.Now().Add(time.Hour)}}, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		var n int
		modelstest.Must(t, db.DB.Model(&models.Administrator{}).Where("id = ?", a.ID).Select("failed_attempts").Scan(&n))
		if n != 0 {
			t.Fatalf("failed attempts after a complete sign-in: %d", n)
		}
	})
}

func TestLockoutHoldsUnderParallelAttempts(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, _ := newStore(db)
		ctx := context.Background()
		tn, a := activeAdmin(t, s)
		owner, err := s.LoadViewer(ctx, tn, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		owner.SteppedUpAt = s.Now()
		if err := s.UpdateBruteForce(ctx, owner, 3, 30, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		// 12 parallel guesses, the real password among them: at most 3 are
		// checked, so the real one almost surely is refused; either way, the
		// account ends locked and the count of checked guesses is 3. (Every
		// guess waits its turn to be hashed: this is about the lockout.)
		modelstest.RoomyHashing(t)
		var wg sync.WaitGroup
		for i := range 12 {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				if _, err := s.Authenticate(ctx, tn.ID, a.Email, "wrong guess number "+string(rune('a'+i)), models.Actor{}); err == nil {
					t.Error("a wrong password signed in")
				}
			}(i)
		}
		wg.Wait()
		if _, err := s.Authenticate(ctx, tn.ID, a.Email, pw, models.Actor{}); !errors.Is(err, models.ErrBadCredentials) {
			t.Fatalf("parallel guesses slipped past the limit: %v", err)
		}
		got, err := s.AdministratorByID(ctx, tn.ID, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.LockedUntil == nil {
			t.Fatal("not locked")
		}
		// Exactly max_attempts guesses were checked (failures recorded
		// against the administrator); the others (and the right password
		// after them) were refused unchecked, recorded against nobody.
		var checked, unchecked, locks int64
		if err := db.DB.Model(&models.AuditEvent{}).Where("action = ? AND target_id = ?", "administrator.sign_in_failed", strconv.FormatInt(a.ID, 10)).Count(&checked).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.DB.Model(&models.AuditEvent{}).Where("action = ? AND target_id = ?", "administrator.sign_in_failed", "").Count(&unchecked).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.DB.Model(&models.AuditEvent{}).Where("action = ?", "administrator.locked_out").Count(&locks).Error; err != nil {
			t.Fatal(err)
		}
		if checked != 3 || unchecked != 10 || locks != 1 {
			t.Fatalf("%d guesses checked, %d not, and %d lockouts for 12 parallel guesses and the password with a limit of 3", checked, unchecked, locks)
		}
		// An admin can unlock.
		second := models.Viewer{Tenant: tn, Administrator: models.Administrator{ID: 999}, Perms: owner.Perms}
		if err := s.UnlockAdministrator(ctx, second, a.ID, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, tn.ID, a.Email, pw, models.Actor{}); err != nil {
			t.Fatalf("after unlock: %v", err)
		}
	})
}

// codeEmails captures sign-in codes from the outbox.
var codeRE = regexp.MustCompile(`\b(\d{6})\b`)

func lastCode(t *testing.T, s *models.Store, to string) string {
	t.Helper()
	mails, err := s.OutboxTo(context.Background(), to)
	if err != nil || len(mails) == 0 {
		t.Fatalf("no mail to %s: %v", to, err)
	}
	m := codeRE.FindStringSubmatch(mails[len(mails)-1].Subject)
	if m == nil {
		t.Fatalf("no code in %q", mails[len(mails)-1].Subject)
	}
	return m[1]
}

func TestEmailedSignInCode(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, clk := newStore(db)
		ctx := context.Background()
		tn, a := activeAdmin(t, s)
		if err := s.RequestSignInCode(ctx, tn, a.Email, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		code := lastCode(t, s, a.Email)
		var stored []string
		modelstest.Must(t, db.DB.Model(&models.EmailCode{}).Pluck("code_hash", &stored))
		if len(stored) != 1 || strings.Contains(stored[0], code) {
			t.Fatal("code stored in clear")
		}
		// Throttled resend.
		if err := s.RequestSignInCode(ctx, tn, a.Email, models.Actor{}); !errors.Is(err, models.ErrThrottled) {
			t.Fatalf("resend at once: %v", err)
		}
		// Single use.
		if _, err := s.VerifySignInCode(ctx, tn, a.Email, code, models.Actor{}); err != nil {
			t.Fatalf("first use: %v", err)
		}
		if _, err := s.VerifySignInCode(ctx, tn, a.Email, code, models.Actor{}); !errors.Is(err, models.ErrBadCode) {
			t.Fatalf("second use: %v", err)
		}
		// Expiry.
		clk.Add(time.Minute)
		if err := s.RequestSignInCode(ctx, tn, a.Email, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		code = lastCode(t, s, a.Email)
		clk.Add(10*time.Minute + time.Second)
		if _, err := s.VerifySignInCode(ctx, tn, a.Email, code, models.Actor{}); !errors.Is(err, models.ErrBadCode) {
			t.Fatalf("expired code: %v", err)
		}
		// At most 5 tries per code: the right code on the 6th try is refused.
		owner, err := s.LoadViewer(ctx, tn, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		owner.SteppedUpAt = s.Now()
		if err := s.UpdateBruteForce(ctx, owner, 100, 15, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Minute)
		if err := s.RequestSignInCode(ctx, tn, a.Email, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		code = lastCode(t, s, a.Email)
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		for range 5 {
			if _, err := s.VerifySignInCode(ctx, tn, a.Email, wrong, models.Actor{}); !errors.Is(err, models.ErrBadCode) {
				t.Fatal(err)
			}
		}
		if _, err := s.VerifySignInCode(ctx, tn, a.Email, code, models.Actor{}); !errors.Is(err, models.ErrBadCode) {
			t.Fatalf("sixth try accepted: %v", err)
		}
		// A new code replaces the old one.
		clk.Add(time.Minute)
		if err := s.RequestSignInCode(ctx, tn, a.Email, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		first := lastCode(t, s, a.Email)
		clk.Add(time.Minute)
		if err := s.RequestSignInCode(ctx, tn, a.Email, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		second := lastCode(t, s, a.Email)
		if first != second {
			if _, err := s.VerifySignInCode(ctx, tn, a.Email, first, models.Actor{}); !errors.Is(err, models.ErrBadCode) {
				t.Fatalf("replaced code still works: %v", err)
			}
		}
		if _, err := s.VerifySignInCode(ctx, tn, a.Email, second, models.Actor{}); err != nil {
			t.Fatalf("newest code: %v", err)
		}
	})
}

func TestPasswordPolicySettings(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, _ := newStore(db)
		ctx := context.Background()
		tn, a := activeAdmin(t, s)
		v, err := s.LoadViewer(ctx, tn, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		v.SteppedUpAt = s.Now()
		p, err := s.PasswordPolicy(ctx, tn.ID)
		if err != nil {
			t.Fatal(err)
		}
		var verr *models.ValidationError
		bad := p
		bad.MinLength, bad.History = 7, 25
		if err := s.UpdatePasswordPolicy(ctx, v, bad, models.Actor{}); !errors.As(err, &verr) || verr.Fields["min_length"] == "" || verr.Fields["history"] == "" {
			t.Fatalf("bounds: %v", err)
		}
		p.MinLength, p.RequireDigit, p.History = 16, true, 2
		if err := s.UpdatePasswordPolicy(ctx, v, p, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		// Change: the rule that failed is named; history refuses the current password.
		var perr *models.PasswordError
		err = s.ChangePassword(ctx, tn.ID, a.ID, pw, "sixteen letters!", "sixteen letters!", "", models.Actor{})
		if !errors.As(err, &perr) || perr.Violations[0].Rule != "require_digit" {
			t.Fatalf("digit rule: %v", err)
		}
		err = s.ChangePassword(ctx, tn.ID, a.ID, pw, pw+" 1234", pw+" 1234", "", models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		err = s.ChangePassword(ctx, tn.ID, a.ID, pw+" 1234", pw+" 1234", pw+" 1234", "", models.Actor{})
		if !errors.As(err, &perr) || perr.Violations[0].Rule != "history" {
			t.Fatalf("history: %v", err)
		}
		if err := s.ChangePassword(ctx, tn.ID, a.ID, "not it", pw+" 9999", pw+" 9999", "", models.Actor{}); !errors.As(err, &verr) || verr.Fields["current_password"] == "" {
			t.Fatalf("wrong current password: %v", err)
		}
	})
}
