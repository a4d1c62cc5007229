package models_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/models/passkeytest"
)

const passkeyBase = "https://gatehouse.test"

// passkeyStore is a store whose base URL passkeys work with, and an
// authenticator for its origin.
func passkeyStore(t *testing.T, db modelstest.DB) (*models.Store, *clock, *passkeytest.Authenticator) {
	t.Helper()
	s, clk := newStore(db)
	s.BaseURL = passkeyBase
	return s, clk, &passkeytest.Authenticator{Origin: passkeyBase}
}

// addPasskey runs a whole registration for a through the authenticator.
func addPasskey(t *testing.T, s *models.Store, auth *passkeytest.Authenticator, tn models.Tenant, a models.Administrator, name string) models.Passkey {
	t.Helper()
	ctx := context.Background()
	opts, err := s.BeginPasskeyRegistration(ctx, tn, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	cred, err := auth.Create(opts)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.FinishPasskeyRegistration(ctx, tn, a.ID, name, cred, models.Actor{IP: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func auditActions(t *testing.T, db modelstest.DB, tenantID int64, action string) []models.AuditEvent {
	t.Helper()
	var evs []models.AuditEvent
	if err := db.DB.Where("tenant_id = ? AND action = ?", tenantID, action).Order("id").Find(&evs).Error; err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestPasskeyRegistrationAndSignIn(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, _, auth := passkeyStore(t, db)
		ctx := context.Background()
		tn, a := activeAdmin(t, s)

		// The creation options: the standard JSON form, resident key
		// preferred, user verification required, the host as RP id.
		opts, err := s.BeginPasskeyRegistration(ctx, tn, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		var co struct {
			RP   struct{ ID, Name string }
			User struct {
				ID, Name    string
				DisplayName string `json:"displayName"`
			}
			Challenge string
			Selection struct {
				ResidentKey      string `json:"residentKey"`
				UserVerification string `json:"userVerification"`
			} `json:"authenticatorSelection"`
			Attestation string
		}
		if err := json.Unmarshal(opts, &co); err != nil {
			t.Fatal(err)
		}
		if co.RP.ID != "gatehouse.test" || co.User.Name != a.Email || co.User.DisplayName != a.DisplayName()+" (Acme)" || len(co.Challenge) < 40 ||
			co.Selection.ResidentKey != "preferred" || co.Selection.UserVerification != "required" || co.Attestation != "none" {
			t.Fatalf("creation options %s", opts)
		}
		cred, err := auth.Create(opts)
		if err != nil {
			t.Fatal(err)
		}
		// A bad name is refused beside the field, and the ceremony is left
		// for the same credential with a good name.
		var verr *models.ValidationError
		if _, err := s.FinishPasskeyRegistration(ctx, tn, a.ID, "  ", cred, models.Actor{}); !errors.As(err, &verr) || verr.Fields["name"] == "" {
			t.Fatalf("empty name: %v", err)
		}
		if _, err := s.FinishPasskeyRegistration(ctx, tn, a.ID, strings.Repeat("x", 101), cred, models.Actor{}); !errors.As(err, &verr) {
			t.Fatalf("long name: %v", err)
		}
		p, err := s.FinishPasskeyRegistration(ctx, tn, a.ID, " Work laptop ", cred, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		if p.Name != "Work laptop" || p.AdministratorID != a.ID || p.TenantID != tn.ID {
			t.Fatalf("passkey %+v", p)
		}
		// The challenge was used: the same credential cannot be sent again.
		if _, err := s.FinishPasskeyRegistration(ctx, tn, a.ID, "Again", cred, models.Actor{}); !errors.Is(err, models.ErrPasskeyFailed) {
			t.Fatalf("registration replayed: %v", err)
		}
		if evs := auditActions(t, db, tn.ID, "administrator.passkey_added"); len(evs) != 1 || !strings.Contains(evs[0].Changes, "Work laptop") {
			t.Fatalf("audit %+v", evs)
		}
		mails, err := s.OutboxTo(ctx, a.Email)
		if err != nil || len(mails) == 0 || !strings.HasPrefix(mails[len(mails)-1].Subject, "A passkey was added to your account") {
			t.Fatalf("no security notice: %v %+v", err, mails)
		}

		// A second registration excludes the first passkey.
		opts2, err := s.BeginPasskeyRegistration(ctx, tn, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := auth.Create(opts2); err == nil || !strings.Contains(err.Error(), "InvalidStateError") {
			t.Fatalf("the first passkey was not excluded: %v", err)
		}

		// Sign in with it (discoverable): request options with user
		// verification required and no allowed list.
		req, err := s.BeginPasskeySignIn(ctx, tn, 0)
		if err != nil {
			t.Fatal(err)
		}
		var ro map[string]any
		if err := json.Unmarshal(req, &ro); err != nil {
			t.Fatal(err)
		}
		if ro["userVerification"] != "required" || ro["rpId"] != "gatehouse.test" || ro["allowCredentials"] != nil {
			t.Fatalf("request options %s", req)
		}
		assertion, err := auth.Get(req)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.FinishPasskeySignIn(ctx, tn, 0, assertion, models.Actor{})
		if err != nil || got.ID != a.ID {
			t.Fatalf("sign-in: %+v %v", got, err)
		}
		ps, err := s.PasskeysOf(ctx, tn.ID, a.ID)
		if err != nil || len(ps) != 1 || ps[0].LastUsedAt == nil || ps[0].SignCount != 1 {
			t.Fatalf("after use: %+v %v", ps, err)
		}

		// The same assertion again is refused (its challenge is used up),
		// audited as a failed sign-in.
		failed := len(auditActions(t, db, tn.ID, "administrator.sign_in_failed"))
		if _, err := s.FinishPasskeySignIn(ctx, tn, 0, assertion, models.Actor{}); !errors.Is(err, models.ErrPasskeyFailed) {
			t.Fatalf("replayed assertion: %v", err)
		}
		if evs := auditActions(t, db, tn.ID, "administrator.sign_in_failed"); len(evs) != failed+1 || !strings.Contains(evs[len(evs)-1].Changes, "passkey") {
			t.Fatalf("replay not audited: %+v", evs)
		}
		// Even under a fresh challenge, an assertion signed for another
		// challenge fails.
		if _, err := s.BeginPasskeySignIn(ctx, tn, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.FinishPasskeySignIn(ctx, tn, 0, assertion, models.Actor{}); !errors.Is(err, models.ErrPasskeyFailed) {
			t.Fatalf("assertion for an old challenge: %v", err)
		}
	})
}

func TestPasskeySignInRefusals(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, clk, auth := passkeyStore(t, db)
		ctx := context.Background()
		tn, a := activeAdmin(t, s)
		addPasskey(t, s, auth, tn, a, "Phone")
		signIn := func(tenant models.Tenant, adminID int64, au *passkeytest.Authenticator) error {
			t.Helper()
			req, err := s.BeginPasskeySignIn(ctx, tenant, adminID)
			if err != nil {
				return err
			}
			as, err := au.Get(req)
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.FinishPasskeySignIn(ctx, tenant, adminID, as, models.Actor{})
			return err
		}
		if err := signIn(tn, 0, auth); err != nil {
			t.Fatalf("first sign-in: %v", err)
		}

		// Another tenant's sign-in page does not take it.
		other, _, _, err := s.CreateTenant(ctx, models.CreateTenantInput{Slug: "other", Name: "Other", Plan: models.PlanEnterprise, AdminEmail: "o@example.com"}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		if err := signIn(other, 0, auth); !errors.Is(err, models.ErrPasskeyFailed) {
			t.Fatalf("other tenant: %v", err)
		}
		// Another origin (a phishing site) is refused.
		phish := &passkeytest.Authenticator{Origin: "https://gatehouse.test.evil.example", Creds: auth.Creds}
		if err := signIn(tn, 0, phish); !errors.Is(err, models.ErrPasskeyFailed) {
			t.Fatalf("other origin: %v", err)
		}
		// Without user verification it is not a passkey sign-in.
		lazy := &passkeytest.Authenticator{Origin: passkeyBase, Creds: auth.Creds, NoUserVerification: true}
		if err := signIn(tn, 0, lazy); !errors.Is(err, models.ErrPasskeyFailed) {
			t.Fatalf("no user verification: %v", err)
		}
		// A challenge older than 5 minutes is refused.
		req, err := s.BeginPasskeySignIn(ctx, tn, 0)
		if err != nil {
			t.Fatal(err)
		}
		as, err := auth.Get(req)
		if err != nil {
			t.Fatal(err)
		}
		clk.Add(models.ChallengeTTL + time.Second)
		if _, err := s.FinishPasskeySignIn(ctx, tn, 0, as, models.Actor{}); !errors.Is(err, models.ErrPasskeyFailed) {
			t.Fatalf("expired challenge: %v", err)
		}
		// Swept once expired.
		if _, err := s.BeginPasskeySignIn(ctx, tn, 0); err != nil {
			t.Fatal(err)
		}
		clk.Add(models.ChallengeTTL + time.Second)
		if n, err := s.DeleteExpiredChallenges(ctx); err != nil || n != 1 {
			t.Fatalf("sweep: %d %v", n, err)
		}

		// A counter that went backwards: refused, flagged, audited, e-mailed.
		auth.Creds[0].Counter = 0
		if err := signIn(tn, 0, auth); !errors.Is(err, models.ErrPasskeyCloned) {
			t.Fatalf("cloned: %v", err)
		}
		ps, err := s.PasskeysOf(ctx, tn.ID, a.ID)
		if err != nil || ps[0].CloneWarningAt == nil {
			t.Fatalf("not flagged: %+v %v", ps, err)
		}
		if len(auditActions(t, db, tn.ID, "administrator.passkey_clone_warning")) != 1 {
			t.Fatal("clone warning not audited")
		}
		if mails, err := s.OutboxTo(ctx, a.Email); err != nil || !strings.HasPrefix(mails[len(mails)-1].Subject, "Your passkey may have been copied") {
			t.Fatalf("clone warning not e-mailed: %v", err)
		}
		// The genuine authenticator, ahead of the stored counter, still works.
		auth.Creds[0].Counter = 10
		if err := signIn(tn, 0, auth); err != nil {
			t.Fatalf("counter ahead again: %v", err)
		}

		// A second step for another administrator does not take a's passkey.
		b, _ := addAdmin(t, s, tn, "b@example.com")
		authB := &passkeytest.Authenticator{Origin: passkeyBase}
		addPasskey(t, s, authB, tn, b, "B's key")
		req, err = s.BeginPasskeySignIn(ctx, tn, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		var ro struct {
			Allow []struct{ ID string } `json:"allowCredentials"`
		}
		if err := json.Unmarshal(req, &ro); err != nil || len(ro.Allow) != 1 {
			t.Fatalf("second step allows %s", req)
		}
		as, err = auth.Assert(auth.Creds[0], challengeOf(t, req))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.FinishPasskeySignIn(ctx, tn, b.ID, as, models.Actor{}); !errors.Is(err, models.ErrPasskeyFailed) {
			t.Fatalf("a's passkey for b's second step: %v", err)
		}
		if err := signIn(tn, b.ID, authB); err != nil {
			t.Fatalf("b's own second step: %v", err)
		}
		// Nor does a discoverable sign-in finish a ceremony begun for b.
		if req, err = s.BeginPasskeySignIn(ctx, tn, b.ID); err != nil {
			t.Fatal(err)
		}
		if as, err = authB.Get(req); err != nil {
			t.Fatal(err)
		}
		if _, err := s.FinishPasskeySignIn(ctx, tn, 0, as, models.Actor{}); !errors.Is(err, models.ErrPasskeyFailed) {
			t.Fatalf("b's ceremony finished as discoverable: %v", err)
		}

		// A deactivated administrator's passkey does not work.
		owner := viewerOf(t, s, tn, a.ID)
		owner.SteppedUpAt = clk.Now()
		if err := s.SetStatus(ctx, owner, b.ID, models.AdminInactive, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		if err := signIn(tn, 0, authB); !errors.Is(err, models.ErrPasskeyFailed) {
			t.Fatalf("deactivated: %v", err)
		}
	})
}

func viewerOf(t *testing.T, s *models.Store, tn models.Tenant, id int64) models.Viewer {
	t.Helper()
	v, err := s.LoadViewer(context.Background(), tn, id)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func challengeOf(t *testing.T, opts []byte) string {
	t.Helper()
	var o struct{ Challenge string }
	if err := json.Unmarshal(opts, &o); err != nil {
		t.Fatal(err)
	}
	return o.Challenge
}

func TestRemovePasskeyNeedsStepUpAndOwnership(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, clk, auth := passkeyStore(t, db)
		ctx := context.Background()
		tn, a := activeAdmin(t, s)
		p := addPasskey(t, s, auth, tn, a, "Phone")
		b, _ := addAdmin(t, s, tn, "b@example.com")

		va := viewerOf(t, s, tn, a.ID)
		var verr *models.ValidationError
		if _, err := s.RemovePasskey(ctx, va, p.ID, models.Actor{}); !errors.As(err, &verr) || verr.Fields["password"] == "" {
			t.Fatalf("without step-up: %v", err)
		}
		vb := viewerOf(t, s, tn, b.ID)
		vb.SteppedUpAt = clk.Now()
		if _, err := s.RemovePasskey(ctx, vb, p.ID, models.Actor{}); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("someone else's passkey: %v", err)
		}
		if ps, err := s.PasskeysOf(ctx, tn.ID, a.ID); err != nil || len(ps) != 1 {
			t.Fatal("a refused removal removed it")
		}
		va.SteppedUpAt = clk.Now()
		if _, err := s.RemovePasskey(ctx, va, p.ID, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		if ps, err := s.PasskeysOf(ctx, tn.ID, a.ID); err != nil || len(ps) != 0 {
			t.Fatal("not removed")
		}
		if len(auditActions(t, db, tn.ID, "administrator.passkey_removed")) != 1 {
			t.Fatal("removal not audited")
		}
		// Its passkey no longer signs in.
		req, err := s.BeginPasskeySignIn(ctx, tn, 0)
		if err != nil {
			t.Fatal(err)
		}
		as, err := auth.Get(req)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.FinishPasskeySignIn(ctx, tn, 0, as, models.Actor{}); !errors.Is(err, models.ErrPasskeyFailed) {
			t.Fatalf("removed passkey signed in: %v", err)
		}
	})
}

func TestPasskeysNeedAHostName(t *testing.T) {
	t.Parallel()
	for base, available := range map[string]bool{
		"http://127.0.0.1:8080":      false,
		"https://[::1]:8443":         false,
		"http://gatehouse.test":      false, // a name, but not https nor localhost
		"http://localhost:8080":      true,
		"http://admin.localhost":     true,
		"https://gatehouse.example":  true,
		"https://10.0.0.5":           false,
		"https://console.example.eu": true,
	} {
		s := &models.Store{BaseURL: base}
		reason := s.PasskeysUnavailable()
		if (reason == "") != available {
			t.Errorf("%s: unavailable=%q", base, reason)
		}
	}
	s := &models.Store{BaseURL: "http://127.0.0.1:8080"}
	if r := s.PasskeysUnavailable(); !strings.Contains(r, "IP address") || !strings.Contains(r, "localhost:8080") {
		t.Errorf("reason %q", r)
	}
	if _, err := s.BeginPasskeySignIn(context.Background(), models.Tenant{ID: 1}, 0); !errors.Is(err, models.ErrPasskeysUnavailable) {
		t.Errorf("begin with an IP: %v", err)
	}
}

// addAdmin creates an active Tenant Auditor in the tenant (by its first
// administrator, a Tenant Admin).
func addAdmin(t *testing.T, s *models.Store, tn models.Tenant, email string) (models.Administrator, models.Viewer) {
	t.Helper()
	ctx := context.Background()
	var owner models.Administrator
	if err := s.DB.Where("tenant_id = ?", tn.ID).Order("id").Take(&owner).Error; err != nil {
		t.Fatal(err)
	}
	ov, err := s.LoadViewer(ctx, tn, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	ov.SteppedUpAt = s.Now()
	b, err := s.CreateAdministrator(ctx, ov, models.CreateAdminInput{Email: email, GivenName: "B", FamilyName: "B", Role: "tenant_auditor"}, models.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DB.Model(&models.Administrator{}).Where("id = ?", b.ID).Update("status", models.AdminActive).Error; err != nil {
		t.Fatal(err)
	}
	b.Status = models.AdminActive
	return b, ov
}
