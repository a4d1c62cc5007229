package models_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/models/modelstest"
	"gatehouse/models/passwords"
)

// TestSensitiveActionsNeedAStepUp: each sensitive operation refuses a
// viewer who has not confirmed who they are in the last 5 minutes (a
// message on field password, nothing changed), and goes through for one who
// has; granting a role other than Tenant Admin needs none.
func TestSensitiveActionsNeedAStepUp(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, clk := newStore(db)
		ctx := context.Background()
		tn, owner := activeAdmin(t, s)
		v, err := s.LoadViewer(ctx, tn, owner.ID)
		if err != nil {
			t.Fatal(err)
		}
		other, err := s.CreateAdministrator(ctx, v, models.CreateAdminInput{Email: "other@example.com", GivenName: "O", FamilyName: "T", Role: string(authz.TenantAuditor)}, models.Actor{})
		if err != nil {
			t.Fatalf("granting Tenant Auditor needs no step-up: %v", err)
		}
		if err := db.DB.Model(&models.Administrator{}).Where("id = ?", other.ID).Updates(map[string]any{"status": models.AdminActive, "totp_enabled_at": clk.Now(), "totp_secret": []byte("x")}).Error; err != nil {
			t.Fatal(err)
		}
		w, err := s.CreateWorkspace(ctx, v, models.WorkspaceInput{Name: "Sales", Slug: "sales"}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		o, err := s.CreateOrganization(ctx, tn.ID, models.CreateOrgInput{Name: "customer", DisplayName: "Customer"}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		pol := passwords.Policy{MinLength: 14, RejectCommon: true}
		ops := map[string]func(models.Viewer) error{
			"create a Tenant Admin": func(v models.Viewer) error {
				_, err := s.CreateAdministrator(ctx, v, models.CreateAdminInput{Email: "ta@example.com", GivenName: "T", FamilyName: "A", Role: string(authz.TenantAdmin)}, models.Actor{})
				return err
			},
			"assign Tenant Admin": func(v models.Viewer) error {
				return s.AssignRole(ctx, v, other.ID, string(authz.TenantAdmin), nil, models.Actor{})
			},
			"sign-in method": func(v models.Viewer) error {
				return s.UpdateSignInSettings(ctx, v, models.SignInSettings{Method: models.MethodOTP}, models.Actor{})
			},
			"password policy": func(v models.Viewer) error { return s.UpdatePasswordPolicy(ctx, v, pol, models.Actor{}) },
			"brute force":     func(v models.Viewer) error { return s.UpdateBruteForce(ctx, v, 9, 30, models.Actor{}) },
			"reset TOTP":      func(v models.Viewer) error { return s.ResetTOTP(ctx, v, other.ID, models.Actor{}) },
			"delete workspace": func(v models.Viewer) error {
				_, err := s.DeleteWorkspace(ctx, v, w.ID, "sales", models.Actor{})
				return err
			},
			"delete organization": func(v models.Viewer) error {
				_, err := s.DeleteOrganization(ctx, v, o.ID, "customer", models.Actor{})
				return err
			},
		}
		before := tableCounts(t, db.DB)
		stale := v
		stale.SteppedUpAt = clk.Now().Add(-models.StepUpWindow - time.Second)
		for name, op := range ops {
			for _, viewer := range []models.Viewer{v, stale} {
				var verr *models.ValidationError
				if err := op(viewer); !errors.As(err, &verr) || verr.Fields["password"] != models.MsgStepUpRequired {
					t.Errorf("%s (stepped up at %v): %v", name, viewer.SteppedUpAt, err)
				}
			}
		}
		if after := tableCounts(t, db.DB); after != before {
			t.Fatalf("refused sensitive actions changed something: %s → %s", before, after)
		}
		fresh := v
		fresh.SteppedUpAt = clk.Now().Add(-models.StepUpWindow + time.Second)
		for name, op := range ops {
			if err := op(fresh); err != nil {
				t.Errorf("%s after a step-up: %v", name, err)
			}
		}
	})
}

// TestStepUpChecksThePasswordOrACode: a wrong password or code is refused
// beside its field and counts towards the lockout; a right one is audited.
func TestStepUpChecksThePasswordOrACode(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, clk := newStore(db)
		ctx := context.Background()
		tn, a := activeAdmin(t, s)
		failures := func() int {
			t.Helper()
			var got models.Administrator
			if err := db.DB.Where("id = ?", a.ID).Take(&got).Error; err != nil {
				t.Fatal(err)
			}
			return got.FailedAttempts
		}
		if err := s.StepUp(ctx, tn, a.ID, "not the password", "", models.Actor{}); fields(err)["password"] == "" {
			t.Fatalf("wrong password: %v", err)
		}
		if n := failures(); n != 1 {
			t.Fatalf("a wrong step-up password is not counted: %d", n)
		}
		if err := s.StepUp(ctx, tn, a.ID, "", "123456", models.Actor{}); fields(err)["code"] == "" {
			t.Fatalf("a code without TOTP: %v", err)
		}
		if err := s.StepUp(ctx, tn, a.ID, pw, "", models.Actor{}); err != nil {
			t.Fatal(err)
		}
		secret, recovery := enrol(t, s, clk, tn, a)
		clk.Add(time.Minute)
		if err := s.StepUp(ctx, tn, a.ID, "", recovery[0], models.Actor{}); fields(err)["code"] == "" {
			t.Fatalf("a recovery code stands in for a step-up: %v", err)
		}
		if err := s.StepUp(ctx, tn, a.ID, "", "000000", models.Actor{}); fields(err)["code"] == "" && codeAt(t, secret, clk.Now()) != "000000" {
			t.Fatalf("wrong code: %v", err)
		}
		if n := failures(); n != 2 {
			t.Fatalf("wrong step-up codes counted: %d, want 2", n)
		}
		if err := s.StepUp(ctx, tn, a.ID, "", codeAt(t, secret, clk.Now()), models.Actor{}); err != nil {
			t.Fatalf("right code: %v", err)
		}
		var n int64
		if err := db.DB.Model(&models.AuditEvent{}).Where("action = ?", "administrator.stepped_up").Count(&n).Error; err != nil || n != 2 {
			t.Fatalf("step-ups audited: %d %v", n, err)
		}
	})
}
