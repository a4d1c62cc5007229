package models_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/models/modelstest"
)

func TestAccessReviewSnapshotDecisionsAndAttestation(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, clk := newStore(db)
		ctx := context.Background()
		tn, owner := activeAdmin(t, s)
		ov, err := s.LoadViewer(ctx, tn, owner.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateWorkspace(ctx, ov, models.WorkspaceInput{Name: "Checkout", Slug: "checkout"}, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		ann, _ := holder(t, s, tn, "ann@example.com", "tenant_auditor", "workspace_admin@checkout")
		_, bv := holder(t, s, tn, "bob@example.com", "tenant_admin")
		past := clk.Now().Add(-time.Hour)
		modelstest.Must(t, db.DB.Create(&models.RoleBinding{TenantID: tn.ID, AdministratorID: ann.ID, RoleKey: "tenant_member", ExpiresAt: &past, CreatedAt: past}))
		// Bad input: nothing saved.
		var verr *models.ValidationError
		for _, in := range []models.AccessReviewInput{{Name: "", Due: "2026-12-31", Scope: "tenant"}, {Name: "Q4", Due: "2001-01-01", Scope: "tenant"},
			{Name: "Q4", Due: "soon", Scope: "tenant"}, {Name: "Q4", Due: "2026-12-31", Scope: "nope"}} {
			if _, err := s.StartAccessReview(ctx, ov, in, models.Actor{}); !errors.As(err, &verr) {
				t.Errorf("%+v: %v", in, err)
			}
		}
		if n := modelstest.Count(t, db.DB.Model(&models.AccessReview{})); n != 0 {
			t.Fatal("bad input saved a review")
		}
		rv, err := s.StartAccessReview(ctx, ov, models.AccessReviewInput{Name: "Q4 tenant", Due: "2026-11-30", Scope: "tenant"}, models.Actor{Email: "a@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		items, _, err := s.AccessReviewItems(ctx, rv.ID, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		// The live tenant-wide bindings: owner, ann's Tenant Auditor, bob; not the expired one nor the workspace one.
		var got []string
		for _, it := range items {
			got = append(got, it.HolderEmail+"/"+it.RoleKey)
		}
		if strings.Join(got, ",") != "a@example.com/tenant_admin,ann@example.com/tenant_auditor,bob@example.com/tenant_admin" {
			t.Fatalf("snapshot: %v", got)
		}
		for _, to := range []string{"a@example.com", "bob@example.com"} {
			if m, err := s.OutboxTo(ctx, to); err != nil || len(m) == 0 || !strings.Contains(m[len(m)-1].Subject, "Access review started") {
				t.Fatalf("reviewer %s not e-mailed (%v)", to, err)
			}
		}
		// Nobody decides their own item; the last permanent Tenant Admin stays.
		if _, err := s.DecideReviewItem(ctx, ov, rv.ID, items[0].ID, models.DecisionKeep, "", models.Actor{}); !errors.Is(err, models.ErrOwnItem) {
			t.Fatalf("own item: %v", err)
		}
		// Revoke ann's Tenant Auditor: gone at once.
		if _, err := s.DecideReviewItem(ctx, bv, rv.ID, items[1].ID, models.DecisionRevoke, "left the team", models.Actor{Email: "bob@example.com"}); err != nil {
			t.Fatal(err)
		}
		av, err := s.LoadViewer(ctx, tn, ann.ID)
		if err != nil || av.Can(authz.GetTenant) {
			t.Fatalf("revoked binding still grants (%v)", err)
		}
		if _, err := s.DecideReviewItem(ctx, bv, rv.ID, items[1].ID, models.DecisionKeep, "", models.Actor{}); !errors.As(err, &verr) {
			t.Fatalf("decided twice: %v", err)
		}
		// Revoking owner's Tenant Admin (bob is another permanent one) is allowed; then bob's is the last.
		if _, err := s.DecideReviewItem(ctx, bv, rv.ID, items[0].ID, models.DecisionKeep, "", models.Actor{}); err != nil {
			t.Fatal(err)
		}
		rv2, err := s.DecideReviewItem(ctx, ov, rv.ID, items[2].ID, models.DecisionKeep, "", models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		if rv2.Status != models.ReviewClosed {
			t.Fatalf("review not closed: %s", rv2.Status)
		}
		body, sum, err := s.AccessReviewCSV(ctx, rv2)
		if err != nil {
			t.Fatal(err)
		}
		want := sha256.Sum256(body)
		if sum != hex.EncodeToString(want[:]) || !strings.HasPrefix(string(body), "holder,role,scope,reviewer,decision,time,note\n") ||
			!strings.Contains(string(body), "ann@example.com,Tenant Auditor,Tenant,bob@example.com,revoke,") {
			t.Fatalf("csv %s:\n%s", sum, body)
		}
		// A workspace review, and the last Tenant Admin rule.
		wr, err := s.StartAccessReview(ctx, ov, models.AccessReviewInput{Name: "Checkout", Due: "2026-11-23", Scope: "checkout"}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		if its, _, err := s.AccessReviewItems(ctx, wr.ID, 0, 10); err != nil || len(its) != 1 || its[0].RoleKey != "workspace_admin" {
			t.Fatalf("workspace snapshot: %+v %v", its, err)
		}
		modelstest.Must(t, db.DB.Where("administrator_id = ? AND role_key = ?", owner.ID, "tenant_admin").Delete(&models.RoleBinding{}))
		last, err := s.StartAccessReview(ctx, bv, models.AccessReviewInput{Name: "Last", Due: "2026-12-31", Scope: "tenant"}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		its, _, err := s.AccessReviewItems(ctx, last.ID, 0, 10)
		if err != nil || len(its) != 1 {
			t.Fatalf("last: %+v %v", its, err)
		}
		ov.Perms = authz.NewSet([]authz.Grant{{Role: authz.TenantAdmin}}) // owner still acting as a Tenant Admin in this request
		if _, err := s.DecideReviewItem(ctx, ov, last.ID, its[0].ID, models.DecisionRevoke, "", models.Actor{}); !errors.Is(err, models.ErrLastTenantAdmin) {
			t.Fatalf("revoking the last Tenant Admin: %v", err)
		}
		// Reminders: two days before the due date, once.
		clk.Add(-48 * time.Hour) // 2026-11-20 09:00: the workspace review (due 11-23) is not yet within two days
		if n, err := s.RemindAccessReviewers(ctx); err != nil || n != 0 {
			t.Fatalf("early reminders: %d %v", n, err)
		}
		clk.Add(48 * time.Hour)
		if n, err := s.RemindAccessReviewers(ctx); err != nil || n != 1 {
			t.Fatalf("reminders: %d %v", n, err)
		}
		if n, err := s.RemindAccessReviewers(ctx); err != nil || n != 0 {
			t.Fatalf("reminded twice: %d %v", n, err)
		}
	})
}
