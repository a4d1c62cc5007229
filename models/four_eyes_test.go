package models_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
)

// fourEyesOn turns the tenant's require_approval on as v.
func fourEyesOn(t *testing.T, s *models.Store, v models.Viewer, on bool) error {
	t.Helper()
	cur, err := s.TenantByID(context.Background(), v.Tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.UpdateTenantSettings(context.Background(), v, models.TenantSettingsInput{Name: cur.Name, IdleMinutes: 30, AbsoluteHours: 12,
		DeactivateAfterDays: cur.DeactivateAfterDays, RequireApproval: &on}, models.Actor{Email: v.Administrator.Email})
	return err
}

func pendingOf(t *testing.T, err error) models.PendingChange {
	t.Helper()
	var pe *models.PendingError
	if !errors.As(err, &pe) {
		t.Fatalf("want a pending change, got %v", err)
	}
	return pe.Change
}

func tenantAdminBindings(t *testing.T, db modelstest.DB, adminID int64) int64 {
	t.Helper()
	return modelstest.Count(t, db.DB.Model(&models.RoleBinding{}).Where("administrator_id = ? AND role_key = ?", adminID, "tenant_admin"))
}

// TestFourEyesGrantTenantAdmin: with require_approval on, granting Tenant
// Admin waits for another Tenant Admin; the requester, a non-Tenant Admin
// holding Manage Tenant Roles and an auditor cannot decide it; nothing
// changes until approval; it applies once, with its audit events and
// e-mails; other roles are granted at once.
func TestFourEyesGrantTenantAdmin(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, _ := newStore(db)
		ctx := context.Background()
		tn, owner := activeAdmin(t, s)
		ov, err := s.LoadViewer(ctx, tn, owner.ID)
		if err != nil {
			t.Fatal(err)
		}
		ov.SteppedUpAt = s.Now()
		if _, err := s.CreateCustomRole(ctx, ov, models.CustomRoleInput{Name: "Keepers", Scope: "tenant",
			Permissions: []string{"read_tenant_roles", "manage_tenant_roles"}}, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		_, alice := holder(t, s, tn, "alice@example.com", "tenant_admin")
		_, bob := holder(t, s, tn, "bob@example.com", "tenant_admin")
		_, keeper := holder(t, s, tn, "keeper@example.com", "custom:keepers")
		_, aud := holder(t, s, tn, "aud@example.com", "tenant_auditor")
		carol, _ := holder(t, s, tn, "carol@example.com", "tenant_member")

		// Off: granted at once.
		if err := fourEyesOn(t, s, ov, true); err != nil {
			t.Fatal(err)
		}
		if cur, _ := s.TenantByID(ctx, tn.ID); !cur.RequireApproval {
			t.Fatal("require_approval was not turned on")
		}
		pc := pendingOf(t, s.AssignRole(ctx, alice, carol.ID, "tenant_admin", nil, models.Actor{Email: "alice@example.com"}))
		if pc.Status != models.ChangePending || pc.RequesterID != alice.Administrator.ID || !strings.Contains(pc.Summary, "carol@example.com") ||
			!pc.ExpiresAt.Equal(s.Now().Add(72*time.Hour)) {
			t.Fatalf("pending change: %+v", pc)
		}
		if n := tenantAdminBindings(t, db, carol.ID); n != 0 {
			t.Fatal("Tenant Admin granted before approval")
		}
		// The same grant twice waits once.
		var verr *models.ValidationError
		if err := s.AssignRole(ctx, alice, carol.ID, "tenant_admin", nil, models.Actor{}); !errors.As(err, &verr) {
			t.Fatalf("second request of the same grant: %v", err)
		}
		// A role not listed is granted at once.
		if err := s.AssignRole(ctx, alice, carol.ID, "tenant_auditor", nil, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		// The approvers are e-mailed; the request is audited.
		for _, to := range []string{"a@example.com", "bob@example.com"} {
			mails, err := s.OutboxTo(ctx, to)
			if err != nil || len(mails) == 0 || !strings.Contains(mails[len(mails)-1].TextBody, "carol@example.com") {
				t.Fatalf("approver %s not e-mailed: %v", to, err)
			}
		}
		if n := modelstest.Count(t, db.DB.Model(&models.AuditEvent{}).Where("action = ?", "approval.requested")); n != 1 {
			t.Fatalf("approval.requested events: %d", n)
		}

		// Who may not decide it: the requester, an auditor, a custom role
		// holding Manage Tenant Roles (not a Tenant Admin); nothing changes.
		if _, err := s.DecideChange(ctx, alice, pc.ID, true, "", models.Actor{}); !errors.Is(err, models.ErrOwnChange) {
			t.Fatalf("own change: %v", err)
		}
		if _, err := s.DecideChange(ctx, alice, pc.ID, false, "", models.Actor{}); !errors.Is(err, models.ErrOwnChange) {
			t.Fatalf("reject own change: %v", err)
		}
		for name, v := range map[string]models.Viewer{"auditor": aud, "keeper": keeper} {
			if _, err := s.DecideChange(ctx, v, pc.ID, true, "", models.Actor{}); !errors.Is(err, models.ErrNotApprover) {
				t.Fatalf("%s approves: %v", name, err)
			}
		}
		stale := bob
		stale.SteppedUpAt = time.Time{}
		if _, err := s.DecideChange(ctx, stale, pc.ID, true, "", models.Actor{}); !errors.As(err, &verr) || verr.Fields["password"] == "" {
			t.Fatalf("approval without step-up: %v", err)
		}
		if n := tenantAdminBindings(t, db, carol.ID); n != 0 {
			t.Fatal("a refused approval granted Tenant Admin")
		}
		if got := modelstest.Count(t, db.DB.Model(&models.PendingChange{}).Where("id = ? AND status = ?", pc.ID, models.ChangePending)); got != 1 {
			t.Fatal("a refused decision changed the pending change")
		}

		// Bob approves: applied once, granted by Alice, audited with the approval.
		got, err := s.DecideChange(ctx, bob, pc.ID, true, "ok", models.Actor{Email: "bob@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != models.ChangeApproved || got.DecidedByID == nil || *got.DecidedByID != bob.Administrator.ID {
			t.Fatalf("approved: %+v", got)
		}
		var b models.RoleBinding
		modelstest.Must(t, db.DB.Where("administrator_id = ? AND role_key = ?", carol.ID, "tenant_admin").Take(&b))
		if b.GrantedByID == nil || *b.GrantedByID != alice.Administrator.ID || b.ExpiresAt != nil {
			t.Fatalf("binding: %+v", b)
		}
		var ev models.AuditEvent
		modelstest.Must(t, db.DB.Where("action = ? AND actor_email = ?", "administrator.role_assigned", "bob@example.com").Take(&ev))
		if !strings.Contains(string(ev.Changes), "approval") || !strings.Contains(string(ev.Changes), "alice@example.com") {
			t.Fatalf("the applied change's audit event: %s", ev.Changes)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.AuditEvent{}).Where("action = ?", "approval.approved")); n != 1 {
			t.Fatalf("approval.approved events: %d", n)
		}
		if mails, err := s.OutboxTo(ctx, "alice@example.com"); err != nil || len(mails) != 1 || !strings.Contains(mails[0].Subject, "approved") {
			t.Fatalf("requester's e-mail: %+v %v", mails, err)
		}
		// Once: a second approval (or rejection) is refused and grants nothing more.
		for _, v := range []models.Viewer{ov, bob} {
			if _, err := s.DecideChange(ctx, v, pc.ID, true, "", models.Actor{}); !errors.As(err, &verr) {
				t.Fatalf("decided twice: %v", err)
			}
		}
		if n := tenantAdminBindings(t, db, carol.ID); n != 1 {
			t.Fatalf("Tenant Admin bindings after approval: %d", n)
		}
		// Unknown and other tenants' changes: not found.
		if _, err := s.DecideChange(ctx, bob, pc.ID+1000, true, "", models.Actor{}); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("unknown change: %v", err)
		}
	})
}

// TestFourEyesEscalationAtApplyTime: approval re-checks, when it applies
// the change, that the requester still may make it and that the approver
// could make it themselves (a Tenant Admin until tomorrow approves no
// permanent Tenant Admin).
func TestFourEyesEscalationAtApplyTime(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, _ := newStore(db)
		ctx := context.Background()
		tn, owner := activeAdmin(t, s)
		ov, err := s.LoadViewer(ctx, tn, owner.ID)
		if err != nil {
			t.Fatal(err)
		}
		ov.SteppedUpAt = s.Now()
		aliceA, alice := holder(t, s, tn, "alice@example.com", "tenant_admin")
		_, bob := holder(t, s, tn, "bob@example.com", "tenant_admin")
		dave, _ := holder(t, s, tn, "dave@example.com", "tenant_member")
		// Erin holds Tenant Admin for two hours only.
		erinA, _ := holder(t, s, tn, "erin@example.com")
		until := s.Now().Add(2 * time.Hour)
		modelstest.Must(t, db.DB.Create(&models.RoleBinding{TenantID: tn.ID, AdministratorID: erinA.ID, RoleKey: "tenant_admin", ExpiresAt: &until, CreatedAt: s.Now()}))
		erin, err := s.LoadViewer(ctx, tn, erinA.ID)
		if err != nil {
			t.Fatal(err)
		}
		erin.SteppedUpAt = s.Now()
		if err := fourEyesOn(t, s, ov, true); err != nil {
			t.Fatal(err)
		}
		pc := pendingOf(t, s.AssignRole(ctx, alice, dave.ID, "tenant_admin", nil, models.Actor{}))
		// The temporary Tenant Admin cannot approve a permanent one.
		if _, err := s.DecideChange(ctx, erin, pc.ID, true, "", models.Actor{}); !errors.Is(err, models.ErrEscalation) {
			t.Fatalf("temporary Tenant Admin approves a permanent one: %v", err)
		}
		// Alice loses Tenant Admin before Bob approves: nothing is granted.
		var ab models.RoleBinding
		modelstest.Must(t, db.DB.Where("administrator_id = ? AND role_key = ?", aliceA.ID, "tenant_admin").Take(&ab))
		if err := s.RemoveRole(ctx, ov, aliceA.ID, ab.ID, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DecideChange(ctx, bob, pc.ID, true, "", models.Actor{}); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("approval of a requester who lost the permission: %v", err)
		}
		if n := tenantAdminBindings(t, db, dave.ID); n != 0 {
			t.Fatal("granted although the requester lost the permission")
		}
		if n := modelstest.Count(t, db.DB.Model(&models.PendingChange{}).Where("id = ? AND status = ?", pc.ID, models.ChangePending)); n != 1 {
			t.Fatal("the refused approval changed the pending change")
		}
		// It can still be rejected.
		if got, err := s.DecideChange(ctx, bob, pc.ID, false, "no longer needed", models.Actor{}); err != nil || got.Status != models.ChangeRejected {
			t.Fatalf("reject: %+v %v", got, err)
		}
	})
}

// TestFourEyesSettingsRejectExpiryAndTurningOff: the sign-in settings,
// password policy and brute-force settings wait for approval; a rejected
// change changes nothing; an unanswered one expires after 72 hours (the job
// marks it, audits it and tells the requester); turning require_approval
// off is itself approved.
func TestFourEyesSettingsRejectExpiryAndTurningOff(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, clk := newStore(db)
		ctx := context.Background()
		tn, owner := activeAdmin(t, s)
		ov, err := s.LoadViewer(ctx, tn, owner.ID)
		if err != nil {
			t.Fatal(err)
		}
		ov.SteppedUpAt = s.Now()
		_, alice := holder(t, s, tn, "alice@example.com", "tenant_admin")
		_, bob := holder(t, s, tn, "bob@example.com", "tenant_admin")
		if err := fourEyesOn(t, s, ov, true); err != nil {
			t.Fatal(err)
		}
		// Password policy: pending, unchanged, then approved and applied.
		pol := models.DefaultSecurity(tn.ID).Policy()
		pol.MinLength = 20
		pc := pendingOf(t, s.UpdatePasswordPolicy(ctx, alice, pol, models.Actor{}))
		if !strings.Contains(pc.Summary, "min_length: 12 → 20") {
			t.Fatalf("summary: %q", pc.Summary)
		}
		if sec, _ := s.Security(ctx, tn.ID); sec.MinLength != 12 {
			t.Fatal("the password policy changed before approval")
		}
		if _, err := s.DecideChange(ctx, bob, pc.ID, true, "", models.Actor{}); err != nil {
			t.Fatal(err)
		}
		if sec, _ := s.Security(ctx, tn.ID); sec.MinLength != 20 {
			t.Fatalf("the approved policy was not applied: %d", sec.MinLength)
		}
		// Saving the same values again changes nothing and waits for nothing.
		if err := s.UpdatePasswordPolicy(ctx, alice, pol, models.Actor{}); err != nil {
			t.Fatalf("an unchanged save: %v", err)
		}
		// Brute force: rejected, unchanged.
		pc = pendingOf(t, s.UpdateBruteForce(ctx, alice, 9, 30, models.Actor{}))
		if got, err := s.DecideChange(ctx, bob, pc.ID, false, "no", models.Actor{}); err != nil || got.Status != models.ChangeRejected {
			t.Fatalf("reject: %+v %v", got, err)
		}
		if sec, _ := s.Security(ctx, tn.ID); sec.MaxAttempts != 5 || sec.LockoutMinutes != 15 {
			t.Fatalf("a rejected change was applied: %+v", sec)
		}
		if _, err := s.DecideChange(ctx, ov, pc.ID, true, "", models.Actor{}); err == nil {
			t.Fatal("a rejected change was approved")
		}
		// Sign in: left unanswered, it expires.
		pc = pendingOf(t, s.UpdateSignInSettings(ctx, alice, models.SignInSettings{Method: models.MethodOTP}, models.Actor{}))
		clk.Add(72*time.Hour + time.Minute)
		bob.SteppedUpAt = s.Now()
		var verr *models.ValidationError
		if _, err := s.DecideChange(ctx, bob, pc.ID, true, "", models.Actor{}); !errors.As(err, &verr) || !strings.Contains(verr.Fields["_form"], "expired") {
			t.Fatalf("approving an expired change: %v", err)
		}
		n, err := s.ExpirePendingChanges(ctx)
		if err != nil || n != 1 {
			t.Fatalf("expired %d: %v", n, err)
		}
		if n, err := s.ExpirePendingChanges(ctx); err != nil || n != 0 {
			t.Fatalf("expired twice: %d %v", n, err)
		}
		if sec, _ := s.Security(ctx, tn.ID); sec.SignInMethod != models.MethodPassword {
			t.Fatal("an expired change was applied")
		}
		if c := modelstest.Count(t, db.DB.Model(&models.AuditEvent{}).Where("action = ? AND actor_email = ?", "approval.expired", "gatehouse")); c != 1 {
			t.Fatalf("approval.expired events: %d", c)
		}
		if mails, err := s.OutboxTo(ctx, "alice@example.com"); err != nil || !strings.Contains(mails[len(mails)-1].Subject, "expired") {
			t.Fatalf("requester not told of the expiry: %v", err)
		}
		// Turning four eyes off waits for approval too.
		ov.SteppedUpAt, alice.SteppedUpAt = s.Now(), s.Now()
		pc = pendingOf(t, fourEyesOn(t, s, alice, false))
		if cur, _ := s.TenantByID(ctx, tn.ID); !cur.RequireApproval {
			t.Fatal("four eyes turned off before approval")
		}
		if _, err := s.DecideChange(ctx, ov, pc.ID, true, "", models.Actor{}); err != nil {
			t.Fatal(err)
		}
		if cur, _ := s.TenantByID(ctx, tn.ID); cur.RequireApproval {
			t.Fatal("four eyes still on after approval")
		}
		// Off: changes apply at once.
		pol.MinLength = 14
		if err := s.UpdatePasswordPolicy(ctx, alice, pol, models.Actor{}); err != nil {
			t.Fatal(err)
		}
	})
}

// TestFourEyesConcurrentApprovalsApplyOnce: two Tenant Admins approving
// the same change at once grant it once.
func TestFourEyesConcurrentApprovalsApplyOnce(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, _ := newStore(db)
		ctx := context.Background()
		tn, owner := activeAdmin(t, s)
		ov, err := s.LoadViewer(ctx, tn, owner.ID)
		if err != nil {
			t.Fatal(err)
		}
		ov.SteppedUpAt = s.Now()
		_, alice := holder(t, s, tn, "alice@example.com", "tenant_admin")
		_, bob := holder(t, s, tn, "bob@example.com", "tenant_admin")
		_, carl := holder(t, s, tn, "carl@example.com", "tenant_admin")
		dave, _ := holder(t, s, tn, "dave@example.com", "tenant_member")
		if err := fourEyesOn(t, s, ov, true); err != nil {
			t.Fatal(err)
		}
		pc := pendingOf(t, s.AssignRole(ctx, alice, dave.ID, "tenant_admin", nil, models.Actor{}))
		errs := make(chan error, 3)
		for _, v := range []models.Viewer{bob, carl, ov} {
			go func(v models.Viewer) {
				_, err := s.DecideChange(ctx, v, pc.ID, true, "", models.Actor{Email: v.Administrator.Email})
				errs <- err
			}(v)
		}
		ok := 0
		for range 3 {
			if err := <-errs; err == nil {
				ok++
			} else {
				var verr *models.ValidationError
				if !errors.As(err, &verr) {
					t.Errorf("a losing approval: %v", err)
				}
			}
		}
		if ok != 1 {
			t.Fatalf("%d approvals succeeded", ok)
		}
		if n := tenantAdminBindings(t, db, dave.ID); n != 1 {
			t.Fatalf("Tenant Admin bindings: %d", n)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.AuditEvent{}).Where("action = ?", "approval.approved")); n != 1 {
			t.Fatalf("approval.approved events: %d", n)
		}
	})
}
