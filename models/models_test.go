package models_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/views/emails"
)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newStore(db modelstest.DB) (*models.Store, *clock) {
	c := &clock{t: time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)}
	s := modelstest.Store(db, "http://gatehouse.test", emails.Renderer{})
	s.Now = c.Now
	return s, c
}

func tokenOf(link string) string { return link[strings.LastIndex(link, "/")+1:] }

func TestCreateTenantInvitesFirstAdmin(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, _ := newStore(db)
		ctx := context.Background()
		tn, admin, link, err := s.CreateTenant(ctx, models.CreateTenantInput{
			Slug: "Acme", Name: " Acme Inc ", Plan: models.PlanEnterprise, AdminEmail: "Owner@Example.com"}, models.Actor{Email: "cli"})
		if err != nil {
			t.Fatal(err)
		}
		if tn.Slug != "acme" || tn.Name != "Acme Inc" || admin.Email != "owner@example.com" || admin.Status != models.AdminInvited {
			t.Fatalf("unexpected tenant/admin: %+v %+v", tn, admin)
		}
		if !strings.HasPrefix(link, "http://gatehouse.test/invitations/") || len(tokenOf(link)) < 22 {
			t.Fatalf("link %q", link)
		}
		// The token is stored only as a hash.
		var n int64
		modelstest.Must(t, db.DB.Model(&models.Invitation{}).Where("token_hash = ?", tokenOf(link)).Count(&n))
		if n != 0 {
			t.Fatal("raw token stored")
		}
		modelstest.Must(t, db.DB.Model(&models.Invitation{}).Where("token_hash = ?", models.HashToken(tokenOf(link))).Count(&n))
		if n != 1 {
			t.Fatal("hashed token not stored")
		}
		// Role binding, outbox e-mail and audit event were written with it.
		grants, err := s.GrantsOf(ctx, tn.ID, admin.ID)
		if err != nil || len(grants) != 1 || grants[0].Role != "tenant_admin" {
			t.Fatalf("grants %v %v", grants, err)
		}
		mails, err := s.OutboxTo(ctx, "owner@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if len(mails) != 1 || !strings.Contains(mails[0].TextBody, link) || !strings.Contains(mails[0].HTMLBody, link) {
			t.Fatalf("outbox %+v", mails)
		}
		var audits []models.AuditEvent
		modelstest.Must(t, db.DB.Where("tenant_id = ?", tn.ID).Find(&audits))
		if len(audits) != 1 || audits[0].Action != "tenant.created" {
			t.Fatalf("audit %+v", audits)
		}
	})
}

func TestCreateTenantRejectsBadInputAndSavesNothing(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, _ := newStore(db)
		ctx := context.Background()
		_, _, _, err := s.CreateTenant(ctx, models.CreateTenantInput{Slug: "-bad-", Name: "", Plan: "gold", AdminEmail: "nope"}, models.Actor{})
		var verr *models.ValidationError
		if !errors.As(err, &verr) {
			t.Fatalf("want validation error, got %v", err)
		}
		for _, f := range []string{"slug", "name", "plan", "admin_email"} {
			if verr.Fields[f] == "" {
				t.Errorf("no message for %s", f)
			}
		}
		if _, _, _, err := s.CreateTenant(ctx, models.CreateTenantInput{Slug: "acme", Name: "Acme", AdminEmail: "a@example.com"}, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		_, _, _, err = s.CreateTenant(ctx, models.CreateTenantInput{Slug: "acme", Name: "Other", AdminEmail: "b@example.com"}, models.Actor{})
		if !errors.As(err, &verr) || verr.Fields["slug"] == "" {
			t.Fatalf("duplicate slug: %v", err)
		}
		// Nothing of the failed attempt is left behind.
		var admins, mails int64
		modelstest.Must(t, db.DB.Model(&models.Administrator{}).Count(&admins))
		modelstest.Must(t, db.DB.Model(&models.OutboxEmail{}).Count(&mails))
		if admins != 1 || mails != 1 {
			t.Fatalf("half-saved: %d admins, %d mails", admins, mails)
		}
	})
}

func TestInvitationLifecycle(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, clk := newStore(db)
		ctx := context.Background()
		tn, _, link, err := s.CreateTenant(ctx, models.CreateTenantInput{Slug: "acme", Name: "Acme", AdminEmail: "a@example.com"}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		tok := tokenOf(link)
		if _, err := s.InvitationByToken(ctx, "unknown-token"); !errors.Is(err, models.ErrInvalidToken) {
			t.Fatalf("unknown token: %v", err)
		}
		if _, err := s.InvitationByToken(ctx, tok); err != nil {
			t.Fatalf("fresh token: %v", err)
		}
		// Policy: too short, common, mismatch.
		_, err = s.AcceptInvitation(ctx, tok, "short", "short", models.Actor{})
		var perr *models.PasswordError
		if !errors.As(err, &perr) || perr.Violations[0].Rule != "min_length" {
			t.Fatalf("short: %v", err)
		}
		_, err = s.AcceptInvitation(ctx, tok, "password1234", "password1234", models.Actor{})
		if !errors.As(err, &perr) || perr.Violations[0].Rule != "reject_common" {
			t.Fatalf("common: %v", err)
		}
		var verr *models.ValidationError
		if _, err = s.AcceptInvitation(ctx, tok, "correct horse battery", "correct horse batterx", models.Actor{}); !errors.As(err, &verr) {
			t.Fatalf("mismatch: %v", err)
		}
		if _, err := s.Authenticate(ctx, tn.ID, "a@example.com", "correct horse battery", models.Actor{}); !errors.Is(err, models.ErrBadCredentials) {
			t.Fatal("invited admin could sign in before accepting")
		}
		clk.Add(time.Hour)
		a, err := s.AcceptInvitation(ctx, tok, "correct horse battery", "correct horse battery", models.Actor{IP: "192.0.2.1"})
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != models.AdminActive {
			t.Fatalf("status %s", a.Status)
		}
		if _, err := s.AcceptInvitation(ctx, tok, "another good passphrase", "another good passphrase", models.Actor{}); !errors.Is(err, models.ErrTokenUsed) {
			t.Fatalf("second use: %v", err)
		}
		got, err := s.Authenticate(ctx, tn.ID, "A@Example.com ", "correct horse battery", models.Actor{})
		if err != nil || got.ID != a.ID {
			t.Fatalf("authenticate: %v", err)
		}
		for _, pw := range []string{"wrong password!", "", strings.Repeat("x", 5000)} {
			if _, err := s.Authenticate(ctx, tn.ID, "a@example.com", pw, models.Actor{}); !errors.Is(err, models.ErrBadCredentials) {
				t.Fatalf("wrong password %q: %v", pw, err)
			}
		}
		if _, err := s.Authenticate(ctx, tn.ID, "nobody@example.com", "correct horse battery", models.Actor{}); !errors.Is(err, models.ErrBadCredentials) {
			t.Fatalf("unknown e-mail: %v", err)
		}
		// The same e-mail in another tenant is another account.
		other, _, _, err := s.CreateTenant(ctx, models.CreateTenantInput{Slug: "other", Name: "Other", AdminEmail: "a@example.com"}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, other.ID, "a@example.com", "correct horse battery", models.Actor{}); !errors.Is(err, models.ErrBadCredentials) {
			t.Fatal("password worked across tenants")
		}
	})
}

func TestInvitationExpires(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, clk := newStore(db)
		ctx := context.Background()
		_, _, link, err := s.CreateTenant(ctx, models.CreateTenantInput{Slug: "acme", Name: "Acme", AdminEmail: "a@example.com"}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		clk.Add(7*24*time.Hour + time.Second)
		if _, err := s.InvitationByToken(ctx, tokenOf(link)); !errors.Is(err, models.ErrTokenExpired) {
			t.Fatalf("expired: %v", err)
		}
		if _, err := s.AcceptInvitation(ctx, tokenOf(link), "correct horse battery", "correct horse battery", models.Actor{}); !errors.Is(err, models.ErrTokenExpired) {
			t.Fatalf("accept expired: %v", err)
		}
	})
}

func TestInvitationAcceptedOnceUnderConcurrency(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, _ := newStore(db)
		ctx := context.Background()
		_, _, link, err := s.CreateTenant(ctx, models.CreateTenantInput{Slug: "acme", Name: "Acme", AdminEmail: "a@example.com"}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		const n = 4
		modelstest.RoomyHashing(t)
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				pw := "concurrent passphrase " + string(rune('a'+i))
				_, err := s.AcceptInvitation(ctx, tokenOf(link), pw, pw, models.Actor{})
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
			t.Fatalf("%d acceptances succeeded, want exactly 1", ok)
		}
	})
}
