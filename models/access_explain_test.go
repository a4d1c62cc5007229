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

func TestCheckAccessAndWhoCanAskTheDecisionFunction(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, _ := newStore(db)
		ctx := context.Background()
		tn, owner := activeAdmin(t, s)
		ov, err := s.LoadViewer(ctx, tn, owner.ID)
		if err != nil {
			t.Fatal(err)
		}
		w, err := s.CreateWorkspace(ctx, ov, models.WorkspaceInput{Name: "Checkout", Slug: "checkout"}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateWorkspace(ctx, ov, models.WorkspaceInput{Name: "Other", Slug: "other"}, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateCustomRole(ctx, ov, models.CustomRoleInput{Name: "Client readers", Scope: "workspace", Permissions: []string{"read_clients", "get_workspace"}}, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		ann, _ := holder(t, s, tn, "ann@example.com", "tenant_member", "custom:client-readers@checkout", "workspace_auditor@checkout", "workspace_admin@other")
		bob, _ := holder(t, s, tn, "bob@example.com", "tenant_auditor")
		gone, _ := holder(t, s, tn, "gone@example.com", "tenant_admin")
		modelstest.Must(t, db.DB.Model(&models.Administrator{}).Where("id = ?", gone.ID).Update("status", models.AdminInactive))
		expired, _ := holder(t, s, tn, "old@example.com")
		past := s.Now().Add(-time.Hour)
		modelstest.Must(t, db.DB.Create(&models.RoleBinding{TenantID: tn.ID, AdministratorID: expired.ID, RoleKey: "tenant_admin", ExpiresAt: &past, CreatedAt: past.Add(-time.Hour)}))

		scope, err := s.ResolveAccessQuery(ctx, tn.ID, models.AccessQuery{Permission: authz.ReadClients, Workspace: "checkout"})
		if err != nil || scope.ID() != w.ID {
			t.Fatalf("resolve: %v", err)
		}
		var verr *models.ValidationError
		if _, err := s.ResolveAccessQuery(ctx, tn.ID, models.AccessQuery{Permission: "root"}); !errors.As(err, &verr) || verr.Fields["permission"] == "" {
			t.Fatalf("unknown permission: %v", err)
		}
		if _, err := s.ResolveAccessQuery(ctx, tn.ID, models.AccessQuery{Permission: authz.ReadClients, Workspace: "nope"}); !errors.As(err, &verr) || verr.Fields["workspace"] == "" {
			t.Fatalf("unknown workspace: %v", err)
		}
		// Yes, with every binding that grants it, the custom one included.
		ans, err := s.CheckAccess(ctx, tn, ann.ID, scope)
		if err != nil {
			t.Fatal(err)
		}
		if !ans.Allowed || len(ans.Reasons) != 2 || ans.Reasons[0].Role.Key != "custom:client-readers" || ans.Reasons[1].Role.Key != authz.WorkspaceAuditor ||
			ans.Reasons[0].Workspace != "Checkout" {
			t.Fatalf("ann in checkout: %+v", ans)
		}
		// No: Manage Clients in checkout; the roles that would grant it.
		manage, _ := s.ResolveAccessQuery(ctx, tn.ID, models.AccessQuery{Permission: authz.ManageClients, Workspace: "checkout"})
		ans, err = s.CheckAccess(ctx, tn, ann.ID, manage)
		if err != nil {
			t.Fatal(err)
		}
		var would []authz.RoleKey
		for _, r := range ans.Would {
			would = append(would, r.Key)
		}
		if ans.Allowed || len(ans.Reasons) != 0 || len(would) != 2 || would[0] != authz.TenantAdmin || would[1] != authz.WorkspaceAdmin {
			t.Fatalf("ann manage clients: %+v %v", ans, would)
		}
		// The answer is the same as the route guard's for every permission and scope.
		av, err := s.LoadViewer(ctx, tn, ann.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range authz.Catalog() {
			for _, slug := range []string{"", "checkout", "other"} {
				sc, err := s.ResolveAccessQuery(ctx, tn.ID, models.AccessQuery{Permission: a.Permission, Workspace: slug})
				if err != nil {
					t.Fatal(err)
				}
				ans, err := s.CheckAccess(ctx, tn, ann.ID, sc)
				if err != nil {
					t.Fatal(err)
				}
				if ans.Allowed != authz.Can(av.Perms, a.Permission, sc.ID()) || ans.Allowed != (len(ans.Reasons) > 0) {
					t.Errorf("%s in %q: explainer says %v", a.Permission, slug, ans.Allowed)
				}
			}
		}
		// Inactive administrators and expired bindings grant nothing.
		tenantScope, _ := s.ResolveAccessQuery(ctx, tn.ID, models.AccessQuery{Permission: authz.GetTenant})
		if ans, err := s.CheckAccess(ctx, tn, gone.ID, tenantScope); err != nil || ans.Allowed || !ans.Inactive {
			t.Fatalf("inactive: %+v %v", ans, err)
		}
		if ans, err := s.CheckAccess(ctx, tn, expired.ID, tenantScope); err != nil || ans.Allowed {
			t.Fatalf("expired: %+v %v", ans, err)
		}
		// Who can: owner (Tenant Admin), bob (Tenant Auditor), ann twice in checkout; nobody else.
		page, err := s.WhoCan(ctx, tn, scope, 0, 2)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for next := int64(0); ; next = page.Next {
			if page, err = s.WhoCan(ctx, tn, scope, next, 2); err != nil {
				t.Fatal(err)
			}
			for _, r := range page.Rows {
				got = append(got, r.Administrator.Email+"/"+string(r.Role.Key))
			}
			if page.Next == 0 {
				break
			}
		}
		want := []string{"a@example.com/tenant_admin", "ann@example.com/custom:client-readers", "ann@example.com/workspace_auditor", "bob@example.com/tenant_auditor"}
		if len(got) != len(want) {
			t.Fatalf("who can read clients in checkout: %v", got)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("who can read clients in checkout: %v", got)
			}
		}
		// In "other" ann holds Workspace Admin only; at tenant level only the tenant roles.
		other, _ := s.ResolveAccessQuery(ctx, tn.ID, models.AccessQuery{Permission: authz.ManageClients, Workspace: "other"})
		if p, err := s.WhoCan(ctx, tn, other, 0, 50); err != nil || len(p.Rows) != 2 || p.Rows[1].Role.Key != authz.WorkspaceAdmin {
			t.Fatalf("who can manage clients in other: %+v %v", p.Rows, err)
		}
		if p, err := s.WhoCan(ctx, tn, manage, 0, 50); err != nil || len(p.Rows) != 1 || p.Rows[0].Administrator.ID != owner.ID {
			t.Fatalf("who can manage clients in checkout: %+v %v", p.Rows, err)
		}
		_ = bob
	})
}
