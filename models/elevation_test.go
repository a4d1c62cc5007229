package models_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/models/modelstest"
)

func TestElevationRequestApprovalAndExpiry(t *testing.T) {
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
		ann, av := holder(t, s, tn, "ann@example.com", "tenant_member")
		_, bv := holder(t, s, tn, "bob@example.com", "tenant_admin")
		_, audv := holder(t, s, tn, "aud@example.com", "tenant_auditor")
		// Bad input: nothing saved.
		for _, in := range []models.ElevationInput{
			{Role: "tenant_auditor", Hours: 0, Reason: "x"},
			{Role: "tenant_auditor", Hours: 73, Reason: "x"},
			{Role: "tenant_auditor", Hours: 2},
			{Role: "root", Hours: 2, Reason: "x"},
			{Role: "workspace_admin", Hours: 2, Reason: "x"},
			{Role: "workspace_admin", Workspace: "nope", Hours: 2, Reason: "x"},
		} {
			var verr *models.ValidationError
			if _, err := s.RequestElevation(ctx, av, in, models.Actor{}); !errors.As(err, &verr) {
				t.Errorf("%+v: %v", in, err)
			}
		}
		if n := modelstest.Count(t, db.DB.Model(&models.ElevationRequest{})); n != 0 {
			t.Fatal("bad input saved a request")
		}
		req, err := s.RequestElevation(ctx, av, models.ElevationInput{Role: "workspace_admin", Workspace: "checkout", Hours: 4, Reason: "INC-42"}, models.Actor{Email: "ann@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		// The approvers (every other active Tenant Admin) are e-mailed.
		for _, to := range []string{"a@example.com", "bob@example.com"} {
			mails, err := s.OutboxTo(ctx, to)
			if err != nil || len(mails) == 0 || !strings.Contains(mails[len(mails)-1].TextBody, "INC-42") {
				t.Fatalf("approver %s not e-mailed: %v", to, err)
			}
		}
		// Nobody decides their own; an auditor cannot grant it.
		if _, err := s.DecideElevation(ctx, av, req.ID, true, "", models.Actor{}); !errors.Is(err, models.ErrOwnRequest) {
			t.Fatalf("own request: %v", err)
		}
		if _, err := s.DecideElevation(ctx, audv, req.ID, true, "", models.Actor{}); !errors.Is(err, models.ErrEscalation) {
			t.Fatalf("auditor approves: %v", err)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.RoleBinding{}).Where("administrator_id = ? AND role_key = ?", ann.ID, "workspace_admin")); n != 0 {
			t.Fatal("a refused approval made a binding")
		}
		got, err := s.DecideElevation(ctx, bv, req.ID, true, "ok", models.Actor{Email: "bob@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != models.ElevationApproved || got.ExpiresAt == nil || !got.ExpiresAt.Equal(clk.Now().Add(4*time.Hour)) {
			t.Fatalf("approved: %+v", got)
		}
		if _, err := s.DecideElevation(ctx, ov, req.ID, false, "", models.Actor{}); err == nil {
			t.Fatal("a request decided twice")
		}
		mails, err := s.OutboxTo(ctx, "ann@example.com")
		if err != nil || len(mails) != 1 || !strings.Contains(mails[0].Subject, "approved") {
			t.Fatalf("requester e-mail: %v %v", mails, err)
		}
		av, err = s.LoadViewer(ctx, tn, ann.ID)
		if err != nil {
			t.Fatal(err)
		}
		var wid int64
		modelstest.Must(t, db.DB.Model(&models.Workspace{}).Where("slug = ?", "checkout").Pluck("id", &wid))
		if !av.Perms.CanIn(authz.ManageClients, wid) {
			t.Fatal("the approved elevation does not grant")
		}
		clk.Add(4*time.Hour + time.Second)
		if av, err = s.LoadViewer(ctx, tn, ann.ID); err != nil || av.Perms.CanIn(authz.ManageClients, wid) {
			t.Fatalf("the elevation outlived its hours (%v)", err)
		}
		// Deny: nothing granted, the requester told.
		req2, err := s.RequestElevation(ctx, av, models.ElevationInput{Role: "tenant_auditor", Hours: 1, Reason: "audit"}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.DecideElevation(ctx, bv, req2.ID, false, "no", models.Actor{}); err != nil {
			t.Fatal(err)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.RoleBinding{}).Where("administrator_id = ? AND role_key = ?", ann.ID, "tenant_auditor")); n != 0 {
			t.Fatal("a denied request granted")
		}
		// Tenant Admin needs a step-up from the approver.
		req3, err := s.RequestElevation(ctx, av, models.ElevationInput{Role: "tenant_admin", Hours: 1, Reason: "incident"}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		stale := bv
		stale.SteppedUpAt = time.Time{}
		var verr *models.ValidationError
		if _, err := s.DecideElevation(ctx, stale, req3.ID, true, "", models.Actor{}); !errors.As(err, &verr) {
			t.Fatalf("tenant admin without step-up: %v", err)
		}
		if _, err := s.DecideElevation(ctx, models.Viewer{Tenant: tn}, 999999, true, "", models.Actor{}); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("unknown request: %v", err)
		}
	})
}

func TestBreakGlass(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, clk := newStore(db)
		ctx := context.Background()
		tn, owner := activeAdmin(t, s)
		ov, err := s.LoadViewer(ctx, tn, owner.ID)
		if err != nil {
			t.Fatal(err)
		}
		gl, gv := holder(t, s, tn, "glass@example.com", "tenant_member")
		_, other := holder(t, s, tn, "other@example.com", "tenant_member")
		holder(t, s, tn, "x@example.com")
		holder(t, s, tn, "y@example.com")
		var verr *models.ValidationError
		if err := s.SetBreakGlass(ctx, ov, []string{"glass@example.com", "x@example.com", "y@example.com"}, models.Actor{}); !errors.As(err, &verr) {
			t.Fatalf("three break-glass administrators: %v", err)
		}
		if err := s.SetBreakGlass(ctx, ov, []string{"nobody@example.com"}, models.Actor{}); !errors.As(err, &verr) {
			t.Fatalf("unknown administrator: %v", err)
		}
		if err := s.SetBreakGlass(ctx, ov, []string{"Glass@example.com"}, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.IsBreakGlass(ctx, tn.ID, gl.ID); err != nil || !ok {
			t.Fatalf("IsBreakGlass: %v %v", ok, err)
		}
		if _, err := s.BreakGlass(ctx, other, "because", models.Actor{}); !errors.Is(err, models.ErrNotBreakGlass) {
			t.Fatalf("not break-glass: %v", err)
		}
		if _, err := s.BreakGlass(ctx, gv, " ", models.Actor{}); !errors.As(err, &verr) {
			t.Fatalf("no reason: %v", err)
		}
		if _, err := s.BreakGlass(ctx, gv, "outage", models.Actor{Email: "glass@example.com", IP: "203.0.113.9"}); err != nil {
			t.Fatal(err)
		}
		v, err := s.LoadViewer(ctx, tn, gl.ID)
		if err != nil || !v.Can(authz.UpdateTenant) {
			t.Fatalf("break-glass does not grant Tenant Admin (%v)", err)
		}
		mails, err := s.OutboxTo(ctx, "a@example.com")
		if err != nil || len(mails) == 0 || !strings.HasPrefix(mails[len(mails)-1].Subject, "ALARM") {
			t.Fatalf("Tenant Admins not alarmed: %v", err)
		}
		ev, ch := govAudit(t, db, "elevation.break_glass")
		if ch["alarm"].After != true || ev.ActorEmail != "glass@example.com" {
			t.Fatalf("audit not marked: %+v", ch)
		}
		clk.Add(time.Hour + time.Second)
		if v, err = s.LoadViewer(ctx, tn, gl.ID); err != nil || v.Can(authz.UpdateTenant) {
			t.Fatalf("break-glass outlived its hour (%v)", err)
		}
	})
}
