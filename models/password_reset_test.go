package models_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/models/passwords"
	"gatehouse/views/emails"
)

const oldPassword = "correct horse battery"

// resetFixture is a tenant with an active owner and a second active
// administrator (the one whose password gets reset).
type resetFixture struct {
	s      *models.Store
	clk    *clock
	tenant models.Tenant
	owner  models.Administrator
	admin  models.Administrator
	by     models.Actor
}

func newResetFixture(t *testing.T, db modelstest.DB) resetFixture {
	t.Helper()
	s, clk := newStore(db)
	ctx := context.Background()
	tn, _, link, err := s.CreateTenant(ctx, models.CreateTenantInput{Slug: "acme", Name: "Acme", AdminEmail: "owner@example.com",
		AdminGivenName: "Olivia", AdminFamilyName: "Owner"}, models.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	owner, err := s.AcceptInvitation(ctx, tokenOf(link), oldPassword, oldPassword, models.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	hash, err := passwords.Hash(context.Background(), oldPassword)
	if err != nil {
		t.Fatal(err)
	}
	now := clk.Now()
	admin := models.Administrator{TenantID: tn.ID, PoolID: owner.PoolID, Email: "bob@example.com", GivenName: "Bob",
		FamilyName: "Builder", Status: models.AdminActive, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
	if err := db.DB.Create(&admin).Error; err != nil {
		t.Fatal(err)
	}
	return resetFixture{s: s, clk: clk, tenant: tn, owner: owner, admin: admin,
		by: models.Actor{AdminID: owner.ID, Email: owner.Email, IP: "192.0.2.7", UserAgent: "test"}}
}

func (f resetFixture) send(t *testing.T) string {
	t.Helper()
	link, err := f.s.SendPasswordReset(context.Background(), f.tenant, f.admin, f.by)
	if err != nil {
		t.Fatal(err)
	}
	return link
}

func countRows(t *testing.T, db modelstest.DB, model any, where string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.DB.Model(model).Where(where, args...).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSendPasswordReset(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		f := newResetFixture(t, db)
		ctx := context.Background()
		link := f.send(t)
		tok := tokenOf(link)
		if !strings.HasPrefix(link, "http://gatehouse.test/password-reset/") || len(tok) < 43 {
			t.Fatalf("link %q", link)
		}
		// Stored only as a hash, with the requester and an expiry ResetTTL away.
		if n := countRows(t, db, &models.PasswordReset{}, "token_hash = ?", tok); n != 0 {
			t.Fatal("raw token stored")
		}
		var r models.PasswordReset
		if err := db.DB.Where("token_hash = ?", models.HashToken(tok)).Take(&r).Error; err != nil {
			t.Fatalf("hashed token not stored: %v", err)
		}
		if r.AdministratorID != f.admin.ID || r.TenantID != f.tenant.ID || r.RequestedByID == nil || *r.RequestedByID != f.owner.ID ||
			!r.ExpiresAt.Equal(f.clk.Now().Add(time.Hour)) || r.UsedAt != nil || r.RevokedAt != nil {
			t.Fatalf("stored reset %+v", r)
		}
		// The e-mail goes to the administrator and says who asked and until when.
		mails, err := f.s.OutboxTo(ctx, "bob@example.com")
		if err != nil || len(mails) != 1 {
			t.Fatalf("outbox %+v %v", mails, err)
		}
		m := mails[0]
		if m.Subject != "Reset your Gatehouse password for Acme" {
			t.Errorf("subject %q", m.Subject)
		}
		expires := f.clk.Now().Add(time.Hour).Format("2 January 2006 at 15:04 MST")
		for _, body := range []string{m.TextBody, m.HTMLBody} {
			for _, want := range []string{link, "Olivia Owner", "Bob Builder", "Acme", expires} {
				if !strings.Contains(body, want) {
					t.Errorf("e-mail lacks %q:\n%s", want, body)
				}
			}
		}
		// Audited, with the requester as actor and the administrator as target.
		var ev models.AuditEvent
		if err := db.DB.Where("action = ?", "administrator.password_reset_sent").Take(&ev).Error; err != nil {
			t.Fatal(err)
		}
		if ev.ActorID == nil || *ev.ActorID != f.owner.ID || ev.TargetType != "administrator" || ev.TargetLabel != "bob@example.com" || ev.IP != "192.0.2.7" {
			t.Fatalf("audit %+v", ev)
		}
		p, err := f.s.PasswordResetByToken(ctx, tok)
		if err != nil || p.Administrator.ID != f.admin.ID || p.Tenant.ID != f.tenant.ID {
			t.Fatalf("by token: %+v %v", p, err)
		}
		if _, err := f.s.PasswordResetByToken(ctx, "unknown-token"); !errors.Is(err, models.ErrInvalidToken) {
			t.Fatalf("unknown token: %v", err)
		}
		if _, err := f.s.PasswordResetByToken(ctx, ""); !errors.Is(err, models.ErrInvalidToken) {
			t.Fatalf("empty token: %v", err)
		}
	})
}

func TestSendPasswordResetOnlyToActiveAdministrators(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		f := newResetFixture(t, db)
		ctx := context.Background()
		for _, st := range []models.AdminStatus{models.AdminInvited, models.AdminInactive} {
			if err := db.DB.Model(&models.Administrator{}).Where("id = ?", f.admin.ID).Update("status", st).Error; err != nil {
				t.Fatal(err)
			}
			// The stale copy says active; the committed status decides.
			if _, err := f.s.SendPasswordReset(ctx, f.tenant, f.admin, f.by); !errors.Is(err, models.ErrNotActive) {
				t.Fatalf("%s: %v", st, err)
			}
		}
		// An administrator of another tenant is not found.
		other, _, _, err := f.s.CreateTenant(ctx, models.CreateTenantInput{Slug: "other", Name: "Other", AdminEmail: "x@example.com"}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.SendPasswordReset(ctx, other, f.owner, f.by); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("cross-tenant: %v", err)
		}
		if n := countRows(t, db, &models.PasswordReset{}, "1 = 1"); n != 0 {
			t.Fatalf("%d resets stored", n)
		}
		if mails, err := f.s.OutboxTo(ctx, "bob@example.com"); err != nil {
			t.Fatal(err)
		} else if len(mails) != 0 {
			t.Fatal("e-mail queued")
		}
	})
}

// failingEmails renders invitations but fails on password resets.
type failingEmails struct{ emails.Renderer }

func (failingEmails) PasswordReset(models.PasswordResetEmail) (models.Email, error) {
	return models.Email{}, errors.New("renderer broke")
}

func TestSendPasswordResetIsAllOrNothing(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		f := newResetFixture(t, db)
		ctx := context.Background()
		first := f.send(t)
		f.s.Emails = failingEmails{}
		if _, err := f.s.SendPasswordReset(ctx, f.tenant, f.admin, f.by); err == nil || !strings.Contains(err.Error(), "renderer broke") {
			t.Fatalf("want the renderer's error, got %v", err)
		}
		// Nothing of the failed attempt is left, and the first link was not revoked.
		if n := countRows(t, db, &models.PasswordReset{}, "1 = 1"); n != 1 {
			t.Fatalf("%d resets stored", n)
		}
		if n := countRows(t, db, &models.OutboxEmail{}, "to_addr = ?", "bob@example.com"); n != 1 {
			t.Fatalf("%d e-mails queued", n)
		}
		if n := countRows(t, db, &models.AuditEvent{}, "action = ?", "administrator.password_reset_sent"); n != 1 {
			t.Fatalf("%d audit events", n)
		}
		if _, err := f.s.PasswordResetByToken(ctx, tokenOf(first)); err != nil {
			t.Fatalf("first link after failed resend: %v", err)
		}
	})
}

func TestNewPasswordResetKillsTheOldOne(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		f := newResetFixture(t, db)
		ctx := context.Background()
		first := f.send(t)
		second := f.send(t)
		if first == second {
			t.Fatal("same link twice")
		}
		if _, err := f.s.PasswordResetByToken(ctx, tokenOf(first)); !errors.Is(err, models.ErrTokenRevoked) {
			t.Fatalf("first link: %v", err)
		}
		if _, err := f.s.ResetPassword(ctx, tokenOf(first), "a brand new passphrase", "a brand new passphrase", models.Actor{}); !errors.Is(err, models.ErrTokenRevoked) {
			t.Fatalf("reset with first link: %v", err)
		}
		if _, err := f.s.ResetPassword(ctx, tokenOf(second), "a brand new passphrase", "a brand new passphrase", models.Actor{}); err != nil {
			t.Fatalf("reset with second link: %v", err)
		}
		if n := countRows(t, db, &models.PasswordReset{}, "administrator_id = ? AND used_at IS NULL AND revoked_at IS NULL", f.admin.ID); n != 0 {
			t.Fatalf("%d open resets left", n)
		}
	})
}

func TestPasswordResetExpires(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		f := newResetFixture(t, db)
		ctx := context.Background()
		tok := tokenOf(f.send(t))
		f.clk.Add(f.s.ResetTTL - time.Second)
		if _, err := f.s.PasswordResetByToken(ctx, tok); err != nil {
			t.Fatalf("just before expiry: %v", err)
		}
		f.clk.Add(time.Second)
		if _, err := f.s.PasswordResetByToken(ctx, tok); !errors.Is(err, models.ErrTokenExpired) {
			t.Fatalf("at expiry: %v", err)
		}
		if _, err := f.s.ResetPassword(ctx, tok, "a brand new passphrase", "a brand new passphrase", models.Actor{}); !errors.Is(err, models.ErrTokenExpired) {
			t.Fatalf("reset after expiry: %v", err)
		}
		if _, err := f.s.Authenticate(ctx, f.tenant.ID, "bob@example.com", oldPassword, models.Actor{}); err != nil {
			t.Fatalf("old password after a failed reset: %v", err)
		}
	})
}

func TestResetPassword(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		f := newResetFixture(t, db)
		ctx := context.Background()
		tok := tokenOf(f.send(t))
		now := f.clk.Now()
		bob, owner := f.admin.ID, f.owner.ID
		for _, row := range []models.Session{
			{ID: strings.Repeat("a", 64), TenantID: &f.tenant.ID, AdministratorID: &bob},
			{ID: strings.Repeat("b", 64), TenantID: &f.tenant.ID, AdministratorID: &bob},
			{ID: strings.Repeat("c", 64), TenantID: &f.tenant.ID, AdministratorID: &owner},
		} {
			row.CreatedAt, row.LastSeenAt, row.ExpiresAt = now, now, now.Add(12*time.Hour)
			if err := db.DB.Create(&row).Error; err != nil {
				t.Fatal(err)
			}
		}

		// Policy violations and a mismatched confirmation change nothing.
		var perr *models.PasswordError
		if _, err := f.s.ResetPassword(ctx, tok, "short", "short", models.Actor{}); !errors.As(err, &perr) || perr.Violations[0].Rule != "min_length" {
			t.Fatalf("short: %v", err)
		}
		if _, err := f.s.ResetPassword(ctx, tok, "password1234", "password1234", models.Actor{}); !errors.As(err, &perr) || perr.Violations[0].Rule != "reject_common" {
			t.Fatalf("common: %v", err)
		}
		var verr *models.ValidationError
		if _, err := f.s.ResetPassword(ctx, tok, "a brand new passphrase", "a brand new passphrasf", models.Actor{}); !errors.As(err, &verr) || verr.Fields["password_confirm"] == "" {
			t.Fatalf("mismatch: %v", err)
		}
		if _, err := f.s.PasswordResetByToken(ctx, tok); err != nil {
			t.Fatalf("link spent by a refused password: %v", err)
		}
		if n := countRows(t, db, &models.Session{}, "administrator_id = ?", bob); n != 2 {
			t.Fatalf("sessions ended by a refused password: %d left", n)
		}

		a, err := f.s.ResetPassword(ctx, tok, "a brand new passphrase", "a brand new passphrase", models.Actor{IP: "198.51.100.9", UserAgent: "browser"})
		if err != nil {
			t.Fatal(err)
		}
		if a.ID != bob || a.Status != models.AdminActive {
			t.Fatalf("admin %+v", a)
		}
		// Every session of Bob ended; the owner's did not.
		if n := countRows(t, db, &models.Session{}, "administrator_id = ?", bob); n != 0 {
			t.Fatalf("%d sessions of bob left", n)
		}
		if n := countRows(t, db, &models.Session{}, "administrator_id = ?", owner); n != 1 {
			t.Fatalf("owner's session ended too (%d left)", n)
		}
		if _, err := f.s.Authenticate(ctx, f.tenant.ID, "bob@example.com", oldPassword, models.Actor{}); !errors.Is(err, models.ErrBadCredentials) {
			t.Fatalf("old password still works: %v", err)
		}
		if _, err := f.s.Authenticate(ctx, f.tenant.ID, "bob@example.com", "a brand new passphrase", models.Actor{}); err != nil {
			t.Fatalf("new password: %v", err)
		}
		// Single use.
		if _, err := f.s.PasswordResetByToken(ctx, tok); !errors.Is(err, models.ErrTokenUsed) {
			t.Fatalf("used link: %v", err)
		}
		if _, err := f.s.ResetPassword(ctx, tok, "yet another passphrase", "yet another passphrase", models.Actor{}); !errors.Is(err, models.ErrTokenUsed) {
			t.Fatalf("second use: %v", err)
		}
		// Audited as Bob's own action, from where he did it.
		var ev models.AuditEvent
		if err := db.DB.Where("action = ?", "administrator.password_reset").Take(&ev).Error; err != nil {
			t.Fatal(err)
		}
		if ev.ActorID == nil || *ev.ActorID != bob || ev.ActorEmail != "bob@example.com" || ev.TargetID != strconv.FormatInt(a.ID, 10) ||
			ev.IP != "198.51.100.9" || ev.UserAgent != "browser" || strings.Contains(ev.Changes, "hash") {
			t.Fatalf("audit %+v", ev)
		}
	})
}

func TestPasswordResetLinkDiesWithDeactivation(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		f := newResetFixture(t, db)
		ctx := context.Background()
		tok := tokenOf(f.send(t))
		if err := db.DB.Model(&models.Administrator{}).Where("id = ?", f.admin.ID).Update("status", models.AdminInactive).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.PasswordResetByToken(ctx, tok); !errors.Is(err, models.ErrInvalidToken) {
			t.Fatalf("by token: %v", err)
		}
		if _, err := f.s.ResetPassword(ctx, tok, "a brand new passphrase", "a brand new passphrase", models.Actor{}); !errors.Is(err, models.ErrInvalidToken) {
			t.Fatalf("reset: %v", err)
		}
		var a models.Administrator
		modelstest.Must(t, db.DB.Take(&a, f.admin.ID))
		if a.PasswordHash != f.admin.PasswordHash || a.Status != models.AdminInactive {
			t.Fatal("inactive administrator changed")
		}
	})
}

func TestPasswordResetUsedOnceUnderConcurrency(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		f := newResetFixture(t, db)
		ctx := context.Background()
		tok := tokenOf(f.send(t))
		const n = 4
		modelstest.RoomyHashing(t)
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				pw := "concurrent passphrase " + string(rune('a'+i))
				_, err := f.s.ResetPassword(ctx, tok, pw, pw, models.Actor{})
				errs <- err
			}(i)
		}
		wg.Wait()
		close(errs)
		ok := 0
		for err := range errs {
			if err == nil {
				ok++
			} else if !errors.Is(err, models.ErrTokenUsed) {
				t.Errorf("unexpected error: %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d resets succeeded, want exactly 1", ok)
		}
		if n := countRows(t, db, &models.AuditEvent{}, "action = ?", "administrator.password_reset"); n != 1 {
			t.Fatalf("%d reset audit events", n)
		}
	})
}
