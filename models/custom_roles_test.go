package models_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/models/modelstest"
)

// holder creates an active administrator of tn holding roles (tenant-wide,
// or "key@workspaceID" for a workspace role) straight in the database, and
// returns them with their viewer.
func holder(t *testing.T, s *models.Store, tn models.Tenant, email string, roles ...string) (models.Administrator, models.Viewer) {
	t.Helper()
	ctx := context.Background()
	var pool models.IdentityPool
	modelstest.Must(t, s.DB.Where("tenant_id = ? AND kind = ?", tn.ID, models.PoolAdministrators).Take(&pool))
	now := s.Now().UTC()
	a := models.Administrator{TenantID: tn.ID, PoolID: pool.ID, Email: email, GivenName: "H", FamilyName: "Older",
		Status: models.AdminActive, CreatedAt: now, UpdatedAt: now}
	modelstest.Must(t, s.DB.Create(&a))
	for _, r := range roles {
		b := models.RoleBinding{TenantID: tn.ID, AdministratorID: a.ID, RoleKey: r, CreatedAt: now}
		if key, ws, ok := strings.Cut(r, "@"); ok {
			var w models.Workspace
			modelstest.Must(t, s.DB.Where("tenant_id = ? AND slug = ?", tn.ID, ws).Take(&w))
			b.RoleKey, b.WorkspaceID = key, &w.ID
		}
		modelstest.Must(t, s.DB.Create(&b))
	}
	v, err := s.LoadViewer(ctx, tn, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	v.SteppedUpAt = s.Now()
	return a, v
}

func govAudit(t *testing.T, db modelstest.DB, action string) (models.AuditEvent, map[string]models.Change) {
	t.Helper()
	var ev models.AuditEvent
	modelstest.Must(t, db.DB.Where("action = ?", action).Order("id DESC").Take(&ev))
	ch := map[string]models.Change{}
	if ev.Changes != "" {
		if err := json.Unmarshal([]byte(ev.Changes), &ch); err != nil {
			t.Fatal(err)
		}
	}
	return ev, ch
}

func TestCustomRolesFollowEveryRuleOfGranting(t *testing.T) {
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
		w, err := s.CreateWorkspace(ctx, ov, models.WorkspaceInput{Name: "Checkout", Slug: "checkout"}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		// Bad input: nothing saved.
		for _, in := range []models.CustomRoleInput{
			{Name: "", Scope: "tenant", Permissions: []string{"get_tenant"}},
			{Name: "X", Scope: "org", Permissions: []string{"get_tenant"}},
			{Name: "X", Scope: "workspace", Permissions: []string{"get_tenant"}},
			{Name: "X", Scope: "tenant", Permissions: []string{"root"}},
			{Name: "X", Scope: "tenant"},
		} {
			var verr *models.ValidationError
			if _, err := s.CreateCustomRole(ctx, ov, in, models.Actor{}); !errors.As(err, &verr) {
				t.Errorf("%+v: %v", in, err)
			}
		}
		if n := modelstest.Count(t, db.DB.Model(&models.CustomRole{})); n != 0 {
			t.Fatalf("bad input saved %d roles", n)
		}
		readers, err := s.CreateCustomRole(ctx, ov, models.CustomRoleInput{Name: "Client Readers", Description: "Read clients",
			Scope: "workspace", Permissions: []string{"read_clients", "get_workspace"}}, models.Actor{Email: "owner"})
		if err != nil {
			t.Fatal(err)
		}
		if readers.Key != "custom:client-readers" || readers.Permissions != "get_workspace read_clients" {
			t.Fatalf("role: %+v", readers)
		}
		if _, err := s.CreateCustomRole(ctx, ov, models.CustomRoleInput{Name: "client readers!", Scope: "workspace", Permissions: []string{"read_clients"}}, models.Actor{}); err == nil {
			t.Fatal("a second role with the same key")
		}
		// No escalation: a Workspace Admin of checkout holds nothing tenant-wide.
		_, wav := holder(t, s, tn, "wa@example.com", "workspace_admin@checkout")
		if _, err := s.CreateCustomRole(ctx, wav, models.CustomRoleInput{Name: "Mine", Scope: "workspace", Permissions: []string{"read_clients"}}, models.Actor{}); !errors.Is(err, models.ErrEscalation) {
			t.Fatalf("workspace admin defines a role: %v", err)
		}
		// A custom tenant role holding Manage Tenant Roles cannot define one with Manage Themes.
		keepers, err := s.CreateCustomRole(ctx, ov, models.CustomRoleInput{Name: "Role keepers", Scope: "tenant",
			Permissions: []string{"read_tenant_roles", "manage_tenant_roles", "read_themes"}}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		_, kv := holder(t, s, tn, "keeper@example.com", keepers.Key)
		if !kv.Can(authz.ManageTenantRoles) || kv.Can(authz.ManageThemes) {
			t.Fatal("custom tenant role does not grant what it says")
		}
		if _, err := s.CreateCustomRole(ctx, kv, models.CustomRoleInput{Name: "Themers", Scope: "tenant", Permissions: []string{"manage_themes"}}, models.Actor{}); !errors.Is(err, models.ErrEscalation) {
			t.Fatalf("escalation through a custom role: %v", err)
		}
		if _, err := s.CreateCustomRole(ctx, kv, models.CustomRoleInput{Name: "Theme readers", Scope: "tenant", Permissions: []string{"read_themes"}}, models.Actor{}); err != nil {
			t.Fatalf("defining a role within one's own permissions: %v", err)
		}
		// ... nor grant one it does not cover, nor Tenant Auditor.
		target, _ := holder(t, s, tn, "target@example.com")
		if err := s.AssignRole(ctx, kv, target.ID, string(authz.TenantAuditor), nil, models.Actor{}); !errors.Is(err, models.ErrEscalation) {
			t.Fatalf("keeper grants Tenant Auditor: %v", err)
		}
		if err := s.AssignRole(ctx, kv, target.ID, "custom:theme-readers", nil, models.Actor{}); err != nil {
			t.Fatalf("keeper grants a role it covers: %v", err)
		}
		// Custom workspace roles are granted in Manage Access, with an expiry; not on the User Profile.
		if err := s.AssignRole(ctx, ov, target.ID, readers.Key, nil, models.Actor{}); err == nil {
			t.Fatal("a workspace role assigned tenant-wide")
		}
		tomorrow := s.Now().Add(24 * time.Hour)
		if _, err := s.GrantWorkspaceRole(ctx, ov, w.ID, models.GrantInput{User: "target@example.com", Role: readers.Key, ExpiresAt: &tomorrow}, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GrantWorkspaceRole(ctx, wav, w.ID, models.GrantInput{User: "keeper@example.com", Role: readers.Key}, models.Actor{}); err != nil {
			t.Fatalf("workspace admin grants a custom role it covers in its workspace: %v", err)
		}
		tv, err := s.LoadViewer(ctx, tn, target.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !tv.Perms.CanIn(authz.ReadClients, w.ID) || tv.Perms.CanIn(authz.ManageClients, w.ID) || tv.Can(authz.ReadClients) {
			t.Fatal("custom workspace role grants the wrong things")
		}
		if !slices.Contains(tv.RoleNames(), "Client Readers") || !slices.Contains(tv.RoleNames(), "Theme readers") {
			t.Fatalf("role names: %v", tv.RoleNames())
		}
		// Expiring bindings: after tomorrow it grants nothing.
		s.Now = func() time.Time { return tomorrow.Add(time.Minute) }
		if tv, err = s.LoadViewer(ctx, tn, target.ID); err != nil || tv.Perms.CanIn(authz.ReadClients, w.ID) {
			t.Fatalf("an expired custom binding still grants (%v)", err)
		}
	})
}

func TestCustomRoleEditsApplyToEveryHolderAtOnce(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, _ := newStore(db)
		ctx := context.Background()
		tn, owner := activeAdmin(t, s)
		ov, err := s.LoadViewer(ctx, tn, owner.ID)
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.CreateCustomRole(ctx, ov, models.CustomRoleInput{Name: "Themers", Scope: "tenant", Permissions: []string{"read_themes", "get_tenant"}}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		a1, _ := holder(t, s, tn, "one@example.com", r.Key)
		a2, _ := holder(t, s, tn, "two@example.com", r.Key)
		if _, err := s.UpdateCustomRole(ctx, ov, r.Key, models.CustomRoleInput{Name: "Themers", Description: "Look after themes",
			Scope: "workspace" /* ignored */, Permissions: []string{"read_themes", "manage_themes"}}, models.Actor{Email: "owner"}); err != nil {
			t.Fatal(err)
		}
		for _, a := range []models.Administrator{a1, a2} {
			v, err := s.LoadViewer(ctx, tn, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !v.Can(authz.ManageThemes) || v.Can(authz.GetTenant) {
				t.Errorf("%s: the edit did not apply", a.Email)
			}
		}
		ev, ch := govAudit(t, db, "role.updated")
		if ev.TargetID != r.Key || ev.ActorEmail != "owner" {
			t.Fatalf("audit: %+v", ev)
		}
		if got, _ := json.Marshal(ch["permissions_added"].After); string(got) != `["manage_themes"]` {
			t.Errorf("added: %s", got)
		}
		if got, _ := json.Marshal(ch["permissions_removed"].Before); string(got) != `["get_tenant"]` {
			t.Errorf("removed: %s", got)
		}
		var saved models.CustomRole
		modelstest.Must(t, db.DB.Where("key = ?", r.Key).Take(&saved))
		if saved.Scope != "tenant" || saved.Description != "Look after themes" {
			t.Fatalf("saved: %+v", saved)
		}
		// Whoever does not hold a permission cannot edit the role to carry it.
		_, kv := holder(t, s, tn, "keeper@example.com", "tenant_auditor")
		if _, err := s.UpdateCustomRole(ctx, kv, r.Key, models.CustomRoleInput{Name: "Themers", Permissions: []string{"read_themes"}}, models.Actor{}); !errors.Is(err, models.ErrEscalation) {
			t.Fatalf("auditor edits a role with manage_themes: %v", err)
		}
		if _, err := s.UpdateCustomRole(ctx, ov, "custom:nope", models.CustomRoleInput{Name: "X", Permissions: []string{"read_themes"}}, models.Actor{}); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("unknown role: %v", err)
		}
		// Deleting needs the name typed; it removes the bindings with it.
		var verr *models.ValidationError
		if err := s.DeleteCustomRole(ctx, ov, r.Key, "themers", models.Actor{}); !errors.As(err, &verr) {
			t.Fatalf("delete without the name: %v", err)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.RoleBinding{}).Where("role_key = ?", r.Key)); n != 2 {
			t.Fatalf("a refused delete removed bindings: %d left", n)
		}
		if err := s.DeleteCustomRole(ctx, ov, r.Key, "Themers", models.Actor{}); err != nil {
			t.Fatal(err)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.RoleBinding{}).Where("role_key = ?", r.Key)); n != 0 {
			t.Fatalf("%d bindings of a deleted role left", n)
		}
		if _, ch := govAudit(t, db, "role.deleted"); ch["bindings"].Before != float64(2) {
			t.Errorf("delete audit: %+v", ch)
		}
	})
}

func TestCustomRolesWithOrganizationPermissionsArePlanGated(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, _ := newStore(db)
		ctx := context.Background()
		tn, owner := activeAdmin(t, s)
		ov, err := s.LoadViewer(ctx, tn, owner.ID)
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.CreateCustomRole(ctx, ov, models.CustomRoleInput{Name: "Org readers", Scope: "tenant", Permissions: []string{"read_organizations"}}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		a, _ := holder(t, s, tn, "org@example.com", r.Key)
		modelstest.Must(t, db.DB.Model(&models.Tenant{}).Where("id = ?", tn.ID).Update("plan", models.PlanFree))
		tn.Plan = models.PlanFree
		ov.Tenant = tn
		v, err := s.LoadViewer(ctx, tn, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if v.Can(authz.ReadOrganizations) {
			t.Fatal("a plan-gated custom role grants on the free plan")
		}
		b, _ := holder(t, s, tn, "b@example.com")
		var verr *models.ValidationError
		if err := s.AssignRole(ctx, ov, b.ID, r.Key, nil, models.Actor{}); !errors.As(err, &verr) || !strings.Contains(verr.Fields["role"], "Professional") {
			t.Fatalf("assigning a plan-gated custom role on free: %v", err)
		}
	})
}
