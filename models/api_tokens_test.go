package models_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/models/modelstest"
)

// tokenFixture: an enterprise tenant with an active Tenant Admin who has
// stepped up, and a workspace "sales".
func tokenFixture(t *testing.T, db modelstest.DB) (*models.Store, *clock, models.Viewer, models.Workspace) {
	t.Helper()
	s, clk := newStore(db)
	ctx := context.Background()
	tn, owner := activeAdmin(t, s)
	v, err := s.LoadViewer(ctx, tn, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	v.SteppedUpAt = clk.Now()
	w, err := s.CreateWorkspace(ctx, v, models.WorkspaceInput{Name: "Sales", Slug: "sales"}, models.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	return s, clk, v, w
}

func TestAPITokenCreateShownOnceStoredAsHashActsWithItsRoles(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, _, v, w := tokenFixture(t, db)
		ctx := context.Background()
		tok, raw, err := s.CreateAPIToken(ctx, v, models.APITokenInput{Name: " onboarding script ",
			Roles: []string{string(authz.EditorOrganizations), string(authz.WorkspaceAuditor)}, Workspace: "sales", ExpiresInDays: 30},
			models.Actor{AdminID: v.Administrator.ID, Email: v.Administrator.Email})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(raw, "gh_") || len(raw) != 46 || tok.Name != "onboarding script" || tok.Prefix != raw[:10] {
			t.Fatalf("token %q %+v", raw, tok)
		}
		hashes := modelstest.Pluck[string](t, db.DB.Model(&models.APIToken{}), "token_hash")
		if len(hashes) != 1 || hashes[0] != models.HashToken(raw) || strings.Contains(hashes[0], raw[3:]) {
			t.Fatalf("stored %v", hashes)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.AuditEvent{}).Where("action = ? AND target_id = ? AND actor_email = ?", "api_token.created", fmt.Sprint(tok.ID), v.Administrator.Email)); n != 1 {
			t.Fatalf("%d creation events", n)
		}

		tv, err := s.APITokenViewer(ctx, raw)
		if err != nil {
			t.Fatal(err)
		}
		if tv.Token == nil || tv.Token.ID != tok.ID || tv.Tenant.ID != v.Tenant.ID || tv.Administrator.ID != v.Administrator.ID {
			t.Fatalf("viewer %+v", tv)
		}
		if !tv.Can(authz.ManageOrganizations) || tv.Can(authz.ManageTenantRoles) || tv.Can(authz.ReadAuditEvents) {
			t.Fatal("the token holds exactly Editor - Organizations tenant-wide")
		}
		if !tv.Perms.CanIn(authz.ReadAuditEvents, w.ID) || tv.Perms.CanIn(authz.ManageWorkspaceRoles, w.ID) {
			t.Fatal("the token holds Workspace Auditor in sales")
		}
		if tv.Token.LastUsedAt == nil || modelstest.Count(t, db.DB.Model(&models.APIToken{}).Where("last_used_at IS NOT NULL")) != 1 {
			t.Fatal("last use not recorded")
		}
		if !strings.Contains(tv.Token.ActorLabel(), "onboarding script") {
			t.Fatal(tv.Token.ActorLabel())
		}
		for _, bad := range []string{"", raw[:45], raw + "x", "gh_" + strings.Repeat("A", 43), strings.Replace(raw, "gh_", "xx_", 1)} {
			if _, err := s.APITokenViewer(ctx, bad); !errors.Is(err, models.ErrInvalidAPIToken) {
				t.Errorf("%q: %v", bad, err)
			}
		}
		page, err := s.ListAPITokens(ctx, v.Tenant.ID, 0, 10)
		if err != nil || len(page.Items) != 1 || page.Items[0].Workspace != "sales" || page.Items[0].CreatedBy != v.Administrator.Email {
			t.Fatalf("list %+v %v", page, err)
		}
	})
}

func TestAPITokenCreateRefusals(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, clk, v, _ := tokenFixture(t, db)
		ctx := context.Background()
		ok := models.APITokenInput{Name: "ci", Roles: []string{string(authz.TenantAuditor)}, ExpiresInDays: 30}
		with := func(f func(*models.APITokenInput)) models.APITokenInput { in := ok; f(&in); return in }
		stale := v
		stale.SteppedUpAt = clk.Now().Add(-models.StepUpWindow - time.Second)
		free := v
		free.Tenant.Plan = models.PlanFree
		for _, c := range []struct {
			name  string
			v     models.Viewer
			in    models.APITokenInput
			field string
		}{
			{"no name", v, with(func(in *models.APITokenInput) { in.Name = " " }), "name"},
			{"long name", v, with(func(in *models.APITokenInput) { in.Name = strings.Repeat("n", 101) }), "name"},
			{"no role", v, with(func(in *models.APITokenInput) { in.Roles = nil }), "role"},
			{"unknown role", v, with(func(in *models.APITokenInput) { in.Roles = []string{"root"} }), "role"},
			{"plan gate", free, with(func(in *models.APITokenInput) { in.Roles = []string{string(authz.EditorOrganizations)} }), "role"},
			{"days 0", v, with(func(in *models.APITokenInput) { in.ExpiresInDays = 0 }), "expires_in_days"},
			{"days 366", v, with(func(in *models.APITokenInput) { in.ExpiresInDays = 366 }), "expires_in_days"},
			{"workspace role without workspace", v, with(func(in *models.APITokenInput) { in.Roles = []string{string(authz.WorkspaceAdmin)} }), "workspace"},
			{"unknown workspace", v, with(func(in *models.APITokenInput) {
				in.Roles, in.Workspace = []string{string(authz.WorkspaceAdmin)}, "nope"
			}), "workspace"},
			{"workspace without workspace role", v, with(func(in *models.APITokenInput) { in.Workspace = "sales" }), "workspace"},
			{"no step-up", stale, ok, "password"},
		} {
			_, _, err := s.CreateAPIToken(ctx, c.v, c.in, models.Actor{})
			var verr *models.ValidationError
			if !errors.As(err, &verr) || verr.Fields[c.field] == "" {
				t.Errorf("%s: %v", c.name, err)
			}
		}
		// No escalation: a Tenant Admin whose role lasts 10 more days
		// cannot make a 30-day token holding it (nor any tenant role).
		short := clk.Now().Add(10 * 24 * time.Hour)
		modelstest.Must(t, db.DB.Model(&models.RoleBinding{}).Where("administrator_id = ?", v.Administrator.ID).Update("expires_at", short))
		sv, err := s.LoadViewer(ctx, v.Tenant, v.Administrator.ID)
		if err != nil {
			t.Fatal(err)
		}
		sv.SteppedUpAt = clk.Now()
		var verr *models.ValidationError
		if _, _, err := s.CreateAPIToken(ctx, sv, ok, models.Actor{}); !errors.As(err, &verr) || !strings.Contains(verr.Fields["role"], "only give") {
			t.Fatalf("escalation: %v", err)
		}
		if _, _, err := s.CreateAPIToken(ctx, sv, with(func(in *models.APITokenInput) { in.ExpiresInDays = 5 }), models.Actor{}); err != nil {
			t.Fatalf("a 5-day token is within the role: %v", err)
		}
		// Only those who manage the tenant's roles make tokens, and not with a token.
		aud := v
		aud.Perms = authz.NewSet([]authz.Grant{{Role: authz.TenantAuditor}})
		if _, _, err := s.CreateAPIToken(ctx, aud, ok, models.Actor{}); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("auditor: %v", err)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.APIToken{})); n != 1 {
			t.Fatalf("%d tokens saved, want only the 5-day one", n)
		}
	})
}

func TestAPITokenRefusedOnceRevokedExpiredOrItsCreatorGone(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, clk, v, _ := tokenFixture(t, db)
		ctx := context.Background()
		mk := func(days int, roles ...string) (models.APIToken, string) {
			tok, raw, err := s.CreateAPIToken(ctx, v, models.APITokenInput{Name: "t", Roles: roles, ExpiresInDays: days}, models.Actor{})
			if err != nil {
				t.Fatal(err)
			}
			return tok, raw
		}
		revoked, rawRevoked := mk(30, string(authz.TenantAuditor))
		_, rawShort := mk(1, string(authz.TenantAuditor))
		_, rawAdmin := mk(30, string(authz.TenantAdmin))
		for _, raw := range []string{rawRevoked, rawShort, rawAdmin} {
			if _, err := s.APITokenViewer(ctx, raw); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.RevokeAPIToken(ctx, v, revoked.ID, models.Actor{Email: v.Administrator.Email}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.APITokenViewer(ctx, rawRevoked); !errors.Is(err, models.ErrInvalidAPIToken) {
			t.Fatalf("revoked: %v", err)
		}
		if _, err := s.RevokeAPIToken(ctx, v, revoked.ID, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.AuditEvent{}).Where("action = 'api_token.revoked'")); n != 1 {
			t.Fatalf("%d revocation events", n)
		}
		other, _ := activeAdminIn(t, s, "other")
		ov := v
		ov.Tenant = other
		if _, err := s.RevokeAPIToken(ctx, ov, revoked.ID, models.Actor{}); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("another tenant's token: %v", err)
		}

		clk.Add(24*time.Hour + time.Second)
		if _, err := s.APITokenViewer(ctx, rawShort); !errors.Is(err, models.ErrInvalidAPIToken) {
			t.Fatalf("expired: %v", err)
		}
		// Only as good as its creator: once they lose Tenant Admin, the
		// token's Tenant Admin grants nothing; deactivated, the token is refused.
		tv, err := s.APITokenViewer(ctx, rawAdmin)
		if err != nil || !tv.Can(authz.ManageTenantRoles) {
			t.Fatalf("admin token: %v", err)
		}
		modelstest.Must(t, db.DB.Model(&models.RoleBinding{}).Where("administrator_id = ?", v.Administrator.ID).Update("role_key", string(authz.TenantAuditor)))
		tv, err = s.APITokenViewer(ctx, rawAdmin)
		if err != nil || tv.Can(authz.GetTenant) {
			t.Fatalf("demoted creator: %v %v", err, tv.Grants)
		}
		modelstest.Must(t, db.DB.Model(&models.Administrator{}).Where("id = ?", v.Administrator.ID).Update("status", models.AdminInactive))
		if _, err := s.APITokenViewer(ctx, rawAdmin); !errors.Is(err, models.ErrInvalidAPIToken) {
			t.Fatalf("inactive creator: %v", err)
		}
	})
}

// activeAdminIn is activeAdmin for a tenant of another slug.
func activeAdminIn(t *testing.T, s *models.Store, slug string) (models.Tenant, models.Administrator) {
	t.Helper()
	ctx := context.Background()
	tn, _, link, err := s.CreateTenant(ctx, models.CreateTenantInput{Slug: slug, Name: slug, Plan: models.PlanEnterprise, AdminEmail: "a@" + slug + ".example.com"}, models.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.AcceptInvitation(ctx, tokenOf(link), pw, pw, models.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	return tn, a
}

func TestIdempotencyKeyClaimReplayExpiry(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, clk := newStore(db)
		ctx := context.Background()
		row, claimed, err := s.ClaimIdempotencyKey(ctx, 1, "k1", "h1")
		if err != nil || !claimed {
			t.Fatalf("first claim: %v %v", claimed, err)
		}
		prev, claimed, err := s.ClaimIdempotencyKey(ctx, 1, "k1", "h1")
		if err != nil || claimed || prev.Status != 0 {
			t.Fatalf("while running: %+v %v %v", prev, claimed, err)
		}
		if _, claimed, err := s.ClaimIdempotencyKey(ctx, 2, "k1", "h1"); err != nil || !claimed {
			t.Fatalf("keys are per token: %v %v", claimed, err)
		}
		if err := s.FinishIdempotencyKey(ctx, row.ID, 201, `{"id":1}`); err != nil {
			t.Fatal(err)
		}
		prev, claimed, err = s.ClaimIdempotencyKey(ctx, 1, "k1", "other")
		if err != nil || claimed || prev.Status != 201 || prev.Body != `{"id":1}` || prev.RequestHash != "h1" {
			t.Fatalf("replay: %+v %v %v", prev, claimed, err)
		}
		clk.Add(models.IdempotencyTTL + time.Second)
		if _, claimed, err := s.ClaimIdempotencyKey(ctx, 1, "k1", "h2"); err != nil || !claimed {
			t.Fatalf("after 24 h the key is new again: %v %v", claimed, err)
		}
		row3, _, err := s.ClaimIdempotencyKey(ctx, 1, "k3", "h")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.ReleaseIdempotencyKey(ctx, row3.ID); err != nil {
			t.Fatal(err)
		}
		if _, claimed, err := s.ClaimIdempotencyKey(ctx, 1, "k3", "h"); err != nil || !claimed {
			t.Fatalf("released: %v %v", claimed, err)
		}
	})
}
