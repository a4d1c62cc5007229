package models_test

import (
	"context"
	"errors"
	"testing"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/models/modelstest"
)

var cli = models.Actor{Email: "gatehouse cli", IP: "cli"}

func TestSetTenantFlag(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, _ := newStore(db)
		ctx := context.Background()
		tn, _ := activeAdmin(t, s)
		if fl := tn.Flags(); len(fl) != 2 || fl[0] != (models.FlagState{Flag: models.FlagAdminManagement, On: true}) ||
			fl[1] != (models.FlagState{Flag: models.FlagAdvancedAdminManagement, On: false}) {
			t.Fatalf("flags of a new tenant: %+v", fl)
		}
		// Off: administrator management is off, whatever else is on.
		got, changed, err := s.SetTenantFlag(ctx, "acme", models.FlagAdminManagement, false, cli)
		if err != nil || !changed || got.FeatureAdminManagement || got.AdminManagement() != models.AdminManagementOff {
			t.Fatalf("off: %+v %v %v", got, changed, err)
		}
		evs := auditOf(t, db, tn.ID, "tenant.feature_flag_changed")
		if len(evs) != 1 || evs[0].ActorEmail != "gatehouse cli" || evs[0].Changes != `{"admin_management":{"before":true,"after":false}}` {
			t.Fatalf("audit: %+v", evs)
		}
		// Setting a flag to what it is writes nothing.
		if _, changed, err := s.SetTenantFlag(ctx, "acme", models.FlagAdminManagement, false, cli); err != nil || changed {
			t.Fatalf("again: %v %v", changed, err)
		}
		if n := len(auditOf(t, db, tn.ID, "tenant.feature_flag_changed")); n != 1 {
			t.Fatalf("%d events", n)
		}
		if _, err := s.AdminWorkspace(ctx, tn.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("a classic tenant has an Admin workspace: %v", err)
		}
		// Advanced on creates the Admin workspace, once.
		for range 2 {
			if _, _, err := s.SetTenantFlag(ctx, "acme", models.FlagAdvancedAdminManagement, true, cli); err != nil {
				t.Fatal(err)
			}
		}
		got, _ = s.TenantBySlug(ctx, "acme")
		if !got.FeatureAdvancedAdminManagement || got.AdminManagement() != models.AdminManagementOff {
			t.Fatalf("advanced on, management off: %+v", got)
		}
		s.SetTenantFlag(ctx, "acme", models.FlagAdminManagement, true, cli)
		got, _ = s.TenantBySlug(ctx, "acme")
		if got.AdminManagement() != models.AdminManagementAdvanced {
			t.Fatalf("mode %v", got.AdminManagement())
		}
		w, err := s.AdminWorkspace(ctx, tn.ID)
		if err != nil || w.Name != "Admin" || w.Slug != "admin" || w.Kind != models.WorkspaceKindAdmin {
			t.Fatalf("admin workspace %+v %v", w, err)
		}
		var n int64
		db.DB.Model(&models.Workspace{}).Where("tenant_id = ?", tn.ID).Count(&n)
		if n != 1 || len(auditOf(t, db, tn.ID, "workspace.created")) != 1 {
			t.Fatalf("%d workspaces", n)
		}
		// Errors: unknown tenant, unknown flag.
		if _, _, err := s.SetTenantFlag(ctx, "nope", models.FlagAdminManagement, true, cli); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("unknown tenant: %v", err)
		}
		if _, _, err := s.SetTenantFlag(ctx, "acme", "frobnicate", true, cli); err == nil {
			t.Fatal("unknown flag accepted")
		}
		if v := mustVerify(t, s, tn.ID); !v.OK() {
			t.Fatal(v.Break)
		}
	})
}

// TestLegacyTenantsAndTheAdminWorkspace: a legacy tenant has the Admin
// workspace from the start; Tenant Admins and Auditors see it, nobody
// else; nobody is given a role in it, it cannot be deleted, and its slug
// cannot be taken by a workspace of one's own.
func TestLegacyTenantsAndTheAdminWorkspace(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, _ := newStore(db)
		ctx := context.Background()
		tn, admin, _, err := s.CreateTenant(ctx, models.CreateTenantInput{Slug: "old", Name: "Old", Plan: models.PlanProfessional,
			AdminEmail: "o@example.com", Legacy: true}, cli)
		if err != nil {
			t.Fatal(err)
		}
		if !tn.Legacy || tn.FeatureAdvancedAdminManagement || tn.AdminManagement() != models.AdminManagementAdvanced {
			t.Fatalf("legacy tenant %+v", tn)
		}
		w, err := s.AdminWorkspace(ctx, tn.ID)
		if err != nil {
			t.Fatal(err)
		}
		if evs := auditOf(t, db, tn.ID, "tenant.created"); len(evs) != 1 || evs[0].Changes == "" {
			t.Fatalf("created: %+v", evs)
		}
		db.DB.Model(&models.Administrator{}).Where("id = ?", admin.ID).Update("status", models.AdminActive)
		viewer := func(email string, roles ...authz.RoleKey) models.Viewer {
			t.Helper()
			ov, err := s.LoadViewer(ctx, tn, admin.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(roles) == 0 {
				return ov
			}
			a, err := s.CreateAdministrator(ctx, ov, models.CreateAdminInput{Email: email, GivenName: "X", FamilyName: "Y", Role: string(roles[0])}, models.Actor{})
			if err != nil {
				t.Fatal(err)
			}
			db.DB.Model(&models.Administrator{}).Where("id = ?", a.ID).Update("status", models.AdminActive)
			for _, r := range roles[1:] {
				if err := s.AssignRole(ctx, ov, a.ID, string(r), nil, models.Actor{}); err != nil {
					t.Fatal(err)
				}
			}
			v, err := s.LoadViewer(ctx, tn, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		owner := viewer("")
		for _, c := range []struct {
			v    models.Viewer
			sees bool
		}{
			{owner, true},
			{viewer("aud@example.com", authz.TenantAuditor), true},
			{viewer("mem@example.com", authz.TenantMember), false},
			{viewer("eo@example.com", authz.EditorOrganizations, authz.EditorUsers, authz.EditorConnections), false},
		} {
			page, err := s.ListWorkspaces(ctx, c.v, models.WorkspaceListQuery{})
			if err != nil {
				t.Fatal(err)
			}
			listed := len(page.Items) == 1 && page.Items[0].Workspace.ID == w.ID
			if c.v.CanSeeWorkspace(w.ID) != c.sees || listed != c.sees {
				t.Errorf("%s: sees %v, listed %v, want %v", c.v.Administrator.Email, c.v.CanSeeWorkspace(w.ID), listed, c.sees)
			}
		}
		// Nobody is added to it: it stays theirs alone.
		_, err = s.GrantWorkspaceRole(ctx, owner, w.ID, models.GrantInput{User: "mem@example.com", Role: string(authz.WorkspaceAuditor)}, models.Actor{})
		var verr *models.ValidationError
		if !errors.As(err, &verr) || verr.Fields["role"] == "" {
			t.Fatalf("grant in the Admin workspace: %v", err)
		}
		if _, err := s.DeleteWorkspace(ctx, owner, w.ID, "admin", models.Actor{}); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("delete: %v", err)
		}
		if _, err := s.AdminWorkspace(ctx, tn.ID); err != nil {
			t.Fatal("deleted")
		}
		_, err = s.CreateWorkspace(ctx, owner, models.WorkspaceInput{Name: "Admin", Slug: "admin"}, models.Actor{})
		if !errors.As(err, &verr) || verr.Fields["slug"] == "" {
			t.Fatalf("slug admin: %v", err)
		}
	})
}
