package models_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/models/modelstest"
)

// TestTenantAdminWithAnExpiryDoesNotCountAsTheLast: a Tenant Admin binding
// that expires cannot stand in for the last permanent one, so the tenant
// never ends up with no Tenant Admin once it lapses.
func TestTenantAdminWithAnExpiryDoesNotCountAsTheLast(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, clk := newStore(db)
		ctx := context.Background()
		tn, owner := activeAdmin(t, s)
		ov, err := s.LoadViewer(ctx, tn, owner.ID)
		if err != nil {
			t.Fatal(err)
		}
		ov.SteppedUpAt = clk.Now()
		second, err := s.CreateAdministrator(ctx, ov, models.CreateAdminInput{Email: "second@example.com", GivenName: "S", FamilyName: "S", Role: string(authz.TenantAuditor)}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		modelstest.Must(t, db.DB.Model(&models.Administrator{}).Where("id = ?", second.ID).Update("status", models.AdminActive))
		tomorrow := clk.Now().Add(24 * time.Hour)
		if err := s.AssignRole(ctx, ov, second.ID, string(authz.TenantAdmin), &tomorrow, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		var ob models.RoleBinding
		modelstest.Must(t, db.DB.Where("administrator_id = ? AND role_key = ?", owner.ID, string(authz.TenantAdmin)).Take(&ob))
		if err := s.RemoveRole(ctx, ov, owner.ID, ob.ID, models.Actor{}); !errors.Is(err, models.ErrLastTenantAdmin) {
			t.Fatalf("removing the last permanent Tenant Admin: %v", err)
		}
		sv, err := s.LoadViewer(ctx, tn, second.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetStatus(ctx, sv, owner.ID, models.AdminInactive, models.Actor{}); !errors.Is(err, models.ErrLastTenantAdmin) {
			t.Fatalf("deactivating the last permanent Tenant Admin: %v", err)
		}
		// The expiring binding itself can go; a permanent second one frees the first.
		var sb models.RoleBinding
		modelstest.Must(t, db.DB.Where("administrator_id = ? AND role_key = ?", second.ID, string(authz.TenantAdmin)).Take(&sb))
		if err := s.RemoveRole(ctx, ov, second.ID, sb.ID, models.Actor{}); err != nil {
			t.Fatalf("removing an expiring Tenant Admin: %v", err)
		}
		if err := s.AssignRole(ctx, ov, second.ID, string(authz.TenantAdmin), nil, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		if err := s.RemoveRole(ctx, ov, owner.ID, ob.ID, models.Actor{}); err != nil {
			t.Fatalf("with a second permanent Tenant Admin: %v", err)
		}
	})
}

// TestGrantsLastNoLongerThanTheGrantersOwn: whoever holds a role until
// tomorrow cannot hand out one that outlasts it, not even to themselves.
func TestGrantsLastNoLongerThanTheGrantersOwn(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, clk := newStore(db)
		ctx := context.Background()
		tn, owner := activeAdmin(t, s)
		ov, err := s.LoadViewer(ctx, tn, owner.ID)
		if err != nil {
			t.Fatal(err)
		}
		ov.SteppedUpAt = clk.Now()
		w, err := s.CreateWorkspace(ctx, ov, models.WorkspaceInput{Name: "Checkout", Slug: "checkout"}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		hugo, err := s.CreateAdministrator(ctx, ov, models.CreateAdminInput{Email: "hugo@example.com", GivenName: "H", FamilyName: "H", Role: string(authz.TenantMember)}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		modelstest.Must(t, db.DB.Model(&models.Administrator{}).Where("id = ?", hugo.ID).Update("status", models.AdminActive))
		tomorrow := clk.Now().Add(24 * time.Hour)
		if _, err := s.GrantWorkspaceRole(ctx, ov, w.ID, models.GrantInput{User: hugo.Email, Role: string(authz.WorkspaceAdmin), ExpiresAt: &tomorrow}, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		hv, err := s.LoadViewer(ctx, tn, hugo.ID)
		if err != nil {
			t.Fatal(err)
		}
		later := tomorrow.Add(time.Hour)
		for _, until := range []*time.Time{nil, &later} {
			if _, err := s.GrantWorkspaceRole(ctx, hv, w.ID, models.GrantInput{User: hugo.Email, Role: string(authz.WorkspaceAuditor), ExpiresAt: until}, models.Actor{}); !errors.Is(err, models.ErrEscalation) {
				t.Fatalf("a grant outlasting the granter's own (until %v): %v", until, err)
			}
		}
		sooner := tomorrow.Add(-time.Hour)
		if _, err := s.GrantWorkspaceRole(ctx, hv, w.ID, models.GrantInput{User: owner.Email, Role: string(authz.WorkspaceAuditor), ExpiresAt: &sooner}, models.Actor{}); err != nil {
			t.Fatalf("a grant within the granter's own: %v", err)
		}
		// Tenant roles likewise.
		if err := s.AssignRole(ctx, ov, hugo.ID, string(authz.TenantAdmin), &tomorrow, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		hv, err = s.LoadViewer(ctx, tn, hugo.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.AssignRole(ctx, hv, hugo.ID, string(authz.TenantAuditor), nil, models.Actor{}); !errors.Is(err, models.ErrEscalation) {
			t.Fatalf("a permanent Tenant Auditor from a Tenant Admin until tomorrow: %v", err)
		}
		if err := s.AssignRole(ctx, hv, hugo.ID, string(authz.TenantAuditor), &sooner, models.Actor{}); err != nil {
			t.Fatalf("a Tenant Auditor within the granter's own: %v", err)
		}
	})
}

// TestRolesThePlanDoesNotAllowGrantNothing: an Editor - Organizations
// binding on a free tenant (from before a downgrade, say) grants nothing,
// and seeding a free tenant makes none.
func TestRolesThePlanDoesNotAllowGrantNothing(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, _ := newStore(db)
		ctx := context.Background()
		tn, owner := activeAdmin(t, s)
		if err := db.DB.Create(&models.RoleBinding{TenantID: tn.ID, AdministratorID: owner.ID, RoleKey: string(authz.EditorOrganizations), CreatedAt: time.Now()}).Error; err != nil {
			t.Fatal(err)
		}
		modelstest.Must(t, db.DB.Model(&models.RoleBinding{}).Where("administrator_id = ? AND role_key = ?", owner.ID, string(authz.TenantAdmin)).Delete(&models.RoleBinding{}))
		v, err := s.LoadViewer(ctx, tn, owner.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !v.Can(authz.ReadOrganizations) {
			t.Fatal("Editor - Organizations on enterprise grants nothing")
		}
		modelstest.Must(t, db.DB.Model(&models.Tenant{}).Where("id = ?", tn.ID).Update("plan", models.PlanFree))
		tn.Plan = models.PlanFree
		v, err = s.LoadViewer(ctx, tn, owner.ID)
		if err != nil {
			t.Fatal(err)
		}
		if v.Can(authz.ReadOrganizations) || v.Can(authz.ManageOrganizations) {
			t.Fatal("Editor - Organizations grants on the free plan")
		}
		if _, err := s.SeedAdministrators(ctx, tn, 200, "", models.Actor{}); err != nil {
			t.Fatal(err)
		}
		var n int64
		modelstest.Must(t, db.DB.Model(&models.RoleBinding{}).Where("tenant_id = ? AND role_key = ? AND administrator_id <> ?", tn.ID, string(authz.EditorOrganizations), owner.ID).Count(&n))
		if n != 0 {
			t.Fatalf("seeding a free tenant made %d Editor - Organizations bindings", n)
		}
	})
}

// TestChangingThePasswordEndsResetLinks: a reset link sent before a
// password change no longer works after it.
func TestChangingThePasswordEndsResetLinks(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, _ := newStore(db)
		ctx := context.Background()
		tn, a := activeAdmin(t, s)
		link, err := s.SendPasswordReset(ctx, tn, a, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.ChangePassword(ctx, tn.ID, a.ID, pw, pw+" 2027", pw+" 2027", "", models.Actor{}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PasswordResetByToken(ctx, tokenOf(link)); err == nil {
			t.Fatal("the reset link still works after a password change")
		}
	})
}

// TestNoSignInCodeForALockedAccount: while locked, no code is e-mailed.
func TestNoSignInCodeForALockedAccount(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, clk := newStore(db)
		ctx := context.Background()
		tn, a := activeAdmin(t, s)
		for range 5 {
			if _, err := s.Authenticate(ctx, tn.ID, a.Email, "wrong password!", models.Actor{}); err == nil {
				t.Fatal("a wrong password signed in")
			}
		}
		a, err := s.AdministratorByID(ctx, tn.ID, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if a, err = s.AdministratorByID(ctx, tn.ID, a.ID); err != nil {
			t.Fatal(err)
		}
		// A locked account's address takes the path of an unknown one: the
		// code is made for nobody and its message is not sent.
		var forAdmin, unsentBefore, unsent int64
		if err := db.DB.Model(&models.OutboxEmail{}).Where("to_addr = ? AND sent_at IS NULL", a.Email).Count(&unsentBefore).Error; err != nil {
			t.Fatal(err)
		}
		if err := s.RequestSignInCode(ctx, tn, a.Email, models.Actor{}); err != nil {
			t.Fatalf("code for a locked account: %v", err)
		}
		if err := db.DB.Model(&models.EmailCode{}).Where("administrator_id = ?", a.ID).Count(&forAdmin).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.DB.Model(&models.OutboxEmail{}).Where("to_addr = ? AND sent_at IS NULL", a.Email).Count(&unsent).Error; err != nil {
			t.Fatal(err)
		}
		if forAdmin != 0 || unsent != unsentBefore {
			t.Fatalf("a locked account got a code: %d codes, %d messages to send", forAdmin, unsent)
		}
		clk.Add(16 * time.Minute)
		if err := s.RequestSignInCode(ctx, tn, a.Email, models.Actor{}); err != nil {
			t.Fatalf("after the lockout: %v", err)
		}
		if err := db.DB.Model(&models.EmailCode{}).Where("administrator_id = ?", a.ID).Count(&forAdmin).Error; err != nil || forAdmin != 1 {
			t.Fatalf("after the lockout: %d codes for the administrator (%v)", forAdmin, err)
		}
	})
}
