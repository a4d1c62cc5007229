package models_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/models/modelstest"
)

// wsWorld is a tenant with an active administrator per role, for the
// workspace operations.
type wsWorld struct {
	s     *models.Store
	clk   *clock
	db    modelstest.DB
	tn    models.Tenant
	owner models.Viewer // Tenant Admin
}

func newWSWorld(t *testing.T, db modelstest.DB) *wsWorld {
	t.Helper()
	s, clk := newStore(db)
	tn, admin, _, err := s.CreateTenant(context.Background(), models.CreateTenantInput{Slug: "acme", Name: "Acme", Plan: models.PlanEnterprise,
		AdminEmail: "owner@example.com", AdminGivenName: "Olivia", AdminFamilyName: "Owner"}, models.Actor{Email: "cli"})
	if err != nil {
		t.Fatal(err)
	}
	w := &wsWorld{s: s, clk: clk, db: db, tn: tn}
	modelstest.Must(t, db.DB.Model(&models.Administrator{}).Where("id = ?", admin.ID).Update("status", models.AdminActive))
	w.owner = w.viewer(t, admin.ID)
	return w
}

func (w *wsWorld) viewer(t *testing.T, id int64) models.Viewer {
	t.Helper()
	v, err := w.s.LoadViewer(context.Background(), w.tn, id)
	if err != nil {
		t.Fatal(err)
	}
	v.SteppedUpAt = w.s.Now() // confirmed who they are (step-up), as for a delete
	return v
}

// admin adds an active administrator with tenant roles and workspace
// roles ("workspace_admin@<workspace id>") and returns them as a viewer.
func (w *wsWorld) admin(t *testing.T, email string, roles ...string) models.Viewer {
	t.Helper()
	var pool models.IdentityPool
	modelstest.Must(t, w.db.DB.Where("tenant_id = ? AND kind = ?", w.tn.ID, models.PoolAdministrators).Take(&pool))
	now := w.clk.Now()
	a := models.Administrator{TenantID: w.tn.ID, PoolID: pool.ID, Email: email, GivenName: "Given", FamilyName: email,
		Status: models.AdminActive, CreatedAt: now, UpdatedAt: now}
	if err := w.db.DB.Create(&a).Error; err != nil {
		t.Fatal(err)
	}
	for _, r := range roles {
		b := models.RoleBinding{TenantID: w.tn.ID, AdministratorID: a.ID, RoleKey: r, CreatedAt: now}
		if key, ws, ok := strings.Cut(r, "@"); ok {
			var id int64
			fmt.Sscan(ws, &id)
			b.RoleKey, b.WorkspaceID = key, &id
		}
		if err := w.db.DB.Create(&b).Error; err != nil {
			t.Fatal(err)
		}
	}
	return w.viewer(t, a.ID)
}

func (w *wsWorld) create(t *testing.T, slug, name string) models.Workspace {
	t.Helper()
	ws, err := w.s.CreateWorkspace(context.Background(), w.owner, models.WorkspaceInput{Name: name, Slug: slug}, models.Actor{AdminID: w.owner.Administrator.ID, Email: "owner@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

func wsSnapshot(t *testing.T, db modelstest.DB) string {
	t.Helper()
	var parts []string
	for _, m := range []any{&models.Workspace{}, &models.RoleBinding{}, &models.AuditEvent{}} {
		var n int64
		modelstest.Must(t, db.DB.Model(m).Count(&n))
		parts = append(parts, fmt.Sprint(n))
	}
	var ws []models.Workspace
	modelstest.Must(t, db.DB.Order("id").Find(&ws))
	for _, w := range ws {
		parts = append(parts, w.Slug+"="+w.Name+"|"+w.Description)
	}
	return strings.Join(parts, " ")
}

func wsFields(err error) map[string]string {
	var verr *models.ValidationError
	if errors.As(err, &verr) {
		return verr.Fields
	}
	return nil
}

func TestCreateWorkspace(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		w := newWSWorld(t, db)
		ctx := context.Background()
		actor := models.Actor{AdminID: w.owner.Administrator.ID, Email: "owner@example.com"}
		ws, err := w.s.CreateWorkspace(ctx, w.owner, models.WorkspaceInput{Name: "  Marketing EU ", Slug: "", Description: " Campaigns\r\nand ads "}, actor)
		if err != nil {
			t.Fatal(err)
		}
		if ws.Slug != "marketing-eu" || ws.Name != "Marketing EU" || ws.Description != "Campaigns\nand ads" || ws.TenantID != w.tn.ID {
			t.Fatalf("created %+v", ws)
		}
		var ev models.AuditEvent
		modelstest.Must(t, db.DB.Where("action = ?", "workspace.created").Take(&ev))
		if ev.WorkspaceID == nil || *ev.WorkspaceID != ws.ID || ev.TargetLabel != "marketing-eu" || ev.ActorEmail != "owner@example.com" {
			t.Fatalf("audit %+v", ev)
		}

		before := wsSnapshot(t, db)
		for _, tc := range []struct {
			in     models.WorkspaceInput
			fields []string
		}{
			{models.WorkspaceInput{Name: "", Slug: "x"}, []string{"name"}},
			{models.WorkspaceInput{Name: "Dup", Slug: "Marketing-EU"}, []string{"slug"}},
			{models.WorkspaceInput{Name: "Bad", Slug: "-bad-"}, []string{"slug"}},
			{models.WorkspaceInput{Name: "Bad", Slug: "bad_slug"}, []string{"slug"}},
			{models.WorkspaceInput{Name: "New", Slug: "new"}, []string{"slug"}},
			{models.WorkspaceInput{Name: "日本", Slug: ""}, []string{"slug"}},
			{models.WorkspaceInput{Name: "Tab\there", Slug: "tab"}, []string{"name"}},
			{models.WorkspaceInput{Name: strings.Repeat("é", 101), Slug: "long"}, []string{"name"}},
			{models.WorkspaceInput{Name: "D", Slug: "d", Description: strings.Repeat("d", 501)}, []string{"description"}},
			{models.WorkspaceInput{Name: "", Slug: "UPPER CASE", Description: strings.Repeat("d", 501)}, []string{"name", "slug", "description"}},
		} {
			_, err := w.s.CreateWorkspace(ctx, w.owner, tc.in, actor)
			f := wsFields(err)
			if len(f) != len(tc.fields) {
				t.Errorf("%+v: fields %v, want %v", tc.in, f, tc.fields)
			}
			for _, k := range tc.fields {
				if f[k] == "" {
					t.Errorf("%+v: no message on %s (%v)", tc.in, k, err)
				}
			}
		}
		// Only Tenant Admins create.
		for _, roles := range [][]string{{"tenant_auditor"}, {"tenant_member"}, {"editor_organizations", "editor_users", "editor_connections"}, {fmt.Sprintf("workspace_admin@%d", ws.ID)}} {
			v := w.admin(t, strings.Join(roles, ".")+"@example.com", roles...)
			before := wsSnapshot(t, db)
			if _, err := w.s.CreateWorkspace(ctx, v, models.WorkspaceInput{Name: "Mine", Slug: "mine"}, actor); !errors.Is(err, models.ErrForbidden) {
				t.Errorf("%v creates a workspace: %v", roles, err)
			}
			if after := wsSnapshot(t, db); after != before {
				t.Errorf("%v: refused create changed %s → %s", roles, before, after)
			}
		}
		if after := wsSnapshot(t, db); !strings.HasPrefix(after, strings.SplitN(before, " ", 2)[0]) {
			t.Errorf("bad input saved something: %s → %s", before, after)
		}
		// The same slug in another tenant is fine.
		s2, _ := newStore(db)
		tn2, a2, _, err := s2.CreateTenant(ctx, models.CreateTenantInput{Slug: "globex", Name: "Globex", Plan: models.PlanFree, AdminEmail: "g@example.com"}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		modelstest.Must(t, db.DB.Model(&models.Administrator{}).Where("id = ?", a2.ID).Update("status", models.AdminActive))
		v2, err := s2.LoadViewer(ctx, tn2, a2.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s2.CreateWorkspace(ctx, v2, models.WorkspaceInput{Name: "Marketing", Slug: "marketing-eu"}, models.Actor{}); err != nil {
			t.Fatalf("same slug in another tenant: %v", err)
		}
		if _, err := w.s.WorkspaceBySlug(ctx, w.tn.ID, "MARKETING-EU"); err != nil {
			t.Fatal(err)
		}
		if got, err := w.s.WorkspaceBySlug(ctx, tn2.ID, "marketing-eu"); err != nil {
			t.Fatal(err)
		} else if got.TenantID != tn2.ID {
			t.Fatal("slug lookup crossed tenants")
		}
	})
}

func TestUpdateWorkspaceScope(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		w := newWSWorld(t, db)
		ctx := context.Background()
		alpha, beta := w.create(t, "alpha", "Alpha"), w.create(t, "beta", "Beta")
		wa := w.admin(t, "wa@example.com", "tenant_member", fmt.Sprintf("workspace_admin@%d", alpha.ID))
		wau := w.admin(t, "wau@example.com", fmt.Sprintf("workspace_auditor@%d", alpha.ID))
		auditor := w.admin(t, "auditor@example.com", "tenant_auditor")
		in := models.WorkspaceInput{Name: "Alpha 2", Description: "New", Slug: "ignored"}

		before := wsSnapshot(t, db)
		for name, tc := range map[string]struct {
			v   models.Viewer
			id  int64
			err error
		}{
			"workspace admin in beta":   {wa, beta.ID, models.ErrNotFound},
			"workspace auditor":         {wau, alpha.ID, models.ErrForbidden},
			"tenant auditor":            {auditor, alpha.ID, models.ErrForbidden},
			"workspace admin, no such":  {wa, 999999, models.ErrNotFound},
			"tenant admin, no such one": {w.owner, 999999, models.ErrNotFound},
		} {
			if _, err := w.s.UpdateWorkspace(ctx, tc.v, tc.id, in, models.Actor{}); !errors.Is(err, tc.err) {
				t.Errorf("%s: %v, want %v", name, err, tc.err)
			}
		}
		if after := wsSnapshot(t, db); after != before {
			t.Fatalf("refused updates changed %s → %s", before, after)
		}
		got, err := w.s.UpdateWorkspace(ctx, wa, alpha.ID, in, models.Actor{Email: "wa@example.com"})
		if err != nil || got.Name != "Alpha 2" || got.Slug != "alpha" || got.Description != "New" {
			t.Fatalf("workspace admin updates own: %+v %v", got, err)
		}
		var ev models.AuditEvent
		modelstest.Must(t, db.DB.Where("action = ?", "workspace.updated").Take(&ev))
		if ev.WorkspaceID == nil || *ev.WorkspaceID != alpha.ID || !strings.Contains(ev.Changes, `"name":{"before":"Alpha","after":"Alpha 2"}`) {
			t.Fatalf("audit %+v", ev)
		}
		// Saving unchanged values writes nothing.
		before = wsSnapshot(t, db)
		if _, err := w.s.UpdateWorkspace(ctx, w.owner, alpha.ID, in, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		if after := wsSnapshot(t, db); after != before {
			t.Errorf("a no-op update wrote %s → %s", before, after)
		}
		if _, err := w.s.UpdateWorkspace(ctx, w.owner, alpha.ID, models.WorkspaceInput{Name: " "}, models.Actor{}); wsFields(err)["name"] == "" {
			t.Errorf("empty name: %v", err)
		}
	})
}

func TestGrantWorkspaceRole(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		w := newWSWorld(t, db)
		ctx := context.Background()
		alpha, beta := w.create(t, "alpha", "Alpha"), w.create(t, "beta", "Beta")
		wa := w.admin(t, "wa@example.com", "tenant_member", fmt.Sprintf("workspace_admin@%d", alpha.ID))
		wau := w.admin(t, "wau@example.com", fmt.Sprintf("workspace_auditor@%d", alpha.ID))
		member := w.admin(t, "member@example.com", "tenant_member")
		auditor := w.admin(t, "auditor@example.com", "tenant_auditor")
		future := w.clk.Now().Add(48 * time.Hour)
		past := w.clk.Now().Add(-time.Hour)

		before := wsSnapshot(t, db)
		for name, tc := range map[string]struct {
			v      models.Viewer
			ws     int64
			in     models.GrantInput
			err    error
			fields []string
		}{
			"auditor of the workspace": {wau, alpha.ID, models.GrantInput{User: "member@example.com", Role: "workspace_auditor"}, models.ErrForbidden, nil},
			"tenant auditor":           {auditor, alpha.ID, models.GrantInput{User: "member@example.com", Role: "workspace_auditor"}, models.ErrForbidden, nil},
			"admin of another":         {wa, beta.ID, models.GrantInput{User: "member@example.com", Role: "workspace_auditor"}, models.ErrNotFound, nil},
			"tenant member":            {member, alpha.ID, models.GrantInput{User: "member@example.com", Role: "workspace_auditor"}, models.ErrNotFound, nil},
			"tenant role":              {wa, alpha.ID, models.GrantInput{User: "member@example.com", Role: "tenant_admin"}, nil, []string{"role"}},
			"tenant role by owner":     {w.owner, alpha.ID, models.GrantInput{User: "member@example.com", Role: "tenant_auditor"}, nil, []string{"role"}},
			"unknown role":             {wa, alpha.ID, models.GrantInput{User: "member@example.com", Role: "root"}, nil, []string{"role"}},
			"unknown user":             {wa, alpha.ID, models.GrantInput{User: "ghost@example.com", Role: "workspace_admin"}, nil, []string{"user"}},
			"bad e-mail and expiry":    {wa, alpha.ID, models.GrantInput{User: "ghost", Role: "workspace_admin", ExpiresAt: &past}, nil, []string{"user", "expires_at"}},
			"already holds":            {wa, alpha.ID, models.GrantInput{User: "wa@example.com", Role: "workspace_admin"}, nil, []string{"user"}},
		} {
			_, err := w.s.GrantWorkspaceRole(ctx, tc.v, tc.ws, tc.in, models.Actor{})
			if tc.err != nil && !errors.Is(err, tc.err) {
				t.Errorf("%s: %v, want %v", name, err, tc.err)
			}
			if tc.fields != nil {
				f := wsFields(err)
				for _, k := range tc.fields {
					if f[k] == "" {
						t.Errorf("%s: no message on %s (%v)", name, k, err)
					}
				}
			}
		}
		if after := wsSnapshot(t, db); after != before {
			t.Fatalf("refused grants changed %s → %s", before, after)
		}

		// The Workspace Admin grants in their workspace; the grant applies there only.
		a, err := w.s.GrantWorkspaceRole(ctx, wa, alpha.ID, models.GrantInput{User: " Member@Example.com ", Role: "workspace_admin", ExpiresAt: &future}, models.Actor{Email: "wa@example.com"})
		if err != nil || a.Email != "member@example.com" {
			t.Fatalf("grant: %+v %v", a, err)
		}
		mv := w.viewer(t, member.Administrator.ID)
		if !mv.Perms.CanIn(authz.ManageWorkspaceRoles, alpha.ID) || mv.Perms.CanIn(authz.GetWorkspace, beta.ID) || mv.Perms.Can(authz.GetWorkspace) {
			t.Fatal("the grant does not apply in alpha only")
		}
		if len(mv.Workspaces) != 1 || mv.Workspaces[0].Name != "Alpha" {
			t.Fatalf("viewer's workspaces %+v", mv.Workspaces)
		}
		var ev models.AuditEvent
		modelstest.Must(t, db.DB.Where("action = ?", "workspace.access_granted").Take(&ev))
		if ev.WorkspaceID == nil || *ev.WorkspaceID != alpha.ID || ev.TargetLabel != "member@example.com" || !strings.Contains(ev.Changes, "expires_at") {
			t.Fatalf("audit %+v", ev)
		}
		page, err := w.s.ListWorkspaceAccess(ctx, w.tn.ID, alpha.ID, 0, 0)
		if err != nil || len(page.Items) != 3 {
			t.Fatalf("access list %d %v", len(page.Items), err)
		}
		last := page.Items[2]
		if last.Administrator.Email != "member@example.com" || last.GrantedBy != "Given wa@example.com" || last.Binding.ExpiresAt == nil {
			t.Fatalf("access entry %+v", last)
		}
		// After the expiry the role grants nothing, and may be granted again.
		w.clk.Add(72 * time.Hour)
		if mv := w.viewer(t, member.Administrator.ID); mv.Perms.CanIn(authz.GetWorkspace, alpha.ID) || len(mv.Workspaces) != 0 {
			t.Fatal("an expired workspace role still grants")
		}
		if _, err := w.s.GrantWorkspaceRole(ctx, w.owner, alpha.ID, models.GrantInput{User: "member@example.com", Role: "workspace_admin"}, models.Actor{}); err != nil {
			t.Fatalf("grant again after expiry: %v", err)
		}
		// Removing: not through another workspace, not by the auditor.
		b := last.Binding
		if _, err := w.s.RemoveWorkspaceRole(ctx, w.owner, beta.ID, b.ID, models.Actor{}); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("remove through beta: %v", err)
		}
		if _, err := w.s.RemoveWorkspaceRole(ctx, wau, alpha.ID, b.ID, models.Actor{}); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("auditor removes: %v", err)
		}
		if _, err := w.s.RemoveWorkspaceRole(ctx, wa, alpha.ID, b.ID, models.Actor{}); err != nil {
			t.Fatalf("remove: %v", err)
		}
		var n int64
		modelstest.Must(t, db.DB.Model(&models.AuditEvent{}).Where("action = ? AND workspace_id = ?", "workspace.access_removed", alpha.ID).Count(&n))
		if n != 1 {
			t.Fatalf("%d removal events", n)
		}
	})
}

func TestDeleteWorkspaceTakesItsBindings(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		w := newWSWorld(t, db)
		ctx := context.Background()
		alpha, beta := w.create(t, "alpha", "Alpha"), w.create(t, "beta", "Beta")
		wa := w.admin(t, "wa@example.com", "tenant_member", fmt.Sprintf("workspace_admin@%d", alpha.ID), fmt.Sprintf("workspace_auditor@%d", beta.ID))
		w.admin(t, "wau@example.com", fmt.Sprintf("workspace_auditor@%d", alpha.ID))

		before := wsSnapshot(t, db)
		if _, err := w.s.DeleteWorkspace(ctx, wa, alpha.ID, "alpha", models.Actor{}); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("workspace admin deletes: %v", err)
		}
		if _, err := w.s.DeleteWorkspace(ctx, w.owner, alpha.ID, "Alpha", models.Actor{}); wsFields(err)["confirm"] == "" {
			t.Errorf("wrong confirmation: %v", err)
		}
		if after := wsSnapshot(t, db); after != before {
			t.Fatalf("refused deletions changed %s → %s", before, after)
		}
		if n, err := w.s.CountWorkspaceAccess(ctx, w.tn.ID, alpha.ID); err != nil {
			t.Fatal(err)
		} else if n != 2 {
			t.Fatalf("alpha has %d bindings", n)
		}
		n, err := w.s.DeleteWorkspace(ctx, w.owner, alpha.ID, " alpha ", models.Actor{Email: "owner@example.com"})
		if err != nil || n != 2 {
			t.Fatalf("delete: %d %v", n, err)
		}
		if _, err := w.s.WorkspaceBySlug(ctx, w.tn.ID, "alpha"); !errors.Is(err, models.ErrNotFound) {
			t.Fatal("alpha still there")
		}
		grants, err := w.s.GrantsOf(ctx, w.tn.ID, wa.Administrator.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(grants) != 2 || grants[1].WorkspaceID != beta.ID && grants[0].WorkspaceID != beta.ID {
			t.Fatalf("grants after delete %+v", grants)
		}
		var ev models.AuditEvent
		modelstest.Must(t, db.DB.Where("action = ?", "workspace.deleted").Take(&ev))
		if ev.WorkspaceID == nil || *ev.WorkspaceID != alpha.ID || !strings.Contains(ev.Changes, `"after":2`) {
			t.Fatalf("audit %+v", ev)
		}
	})
}

// TestGrantAndDeleteNeverLeaveOrphans: a grant racing the deletion of its
// workspace either lands before (and goes with it) or fails; no binding to
// a deleted workspace is ever left behind.
func TestGrantAndDeleteNeverLeaveOrphans(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		w := newWSWorld(t, db)
		ctx := context.Background()
		var members []string
		for i := 0; i < 6; i++ {
			e := fmt.Sprintf("m%d@example.com", i)
			w.admin(t, e, "tenant_member")
			members = append(members, e)
		}
		for round := 0; round < 5; round++ {
			ws := w.create(t, fmt.Sprintf("race-%d", round), "Race")
			var wg sync.WaitGroup
			for _, e := range members {
				wg.Add(1)
				go func(e string) {
					defer wg.Done()
					_, err := w.s.GrantWorkspaceRole(ctx, w.owner, ws.ID, models.GrantInput{User: e, Role: "workspace_auditor"}, models.Actor{})
					if err != nil && !errors.Is(err, models.ErrNotFound) {
						t.Errorf("grant: %v", err)
					}
				}(e)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := w.s.DeleteWorkspace(ctx, w.owner, ws.ID, ws.Slug, models.Actor{}); err != nil {
					t.Errorf("delete: %v", err)
				}
			}()
			wg.Wait()
		}
		var orphans int64
		modelstest.Must(t, db.DB.Model(&models.RoleBinding{}).Where("workspace_id IS NOT NULL AND workspace_id NOT IN (SELECT id FROM workspaces)").Count(&orphans))
		if orphans != 0 {
			t.Fatalf("%d bindings to deleted workspaces", orphans)
		}
	})
}

func TestListWorkspacesShowsOnlyWhatTheViewerMaySee(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		w := newWSWorld(t, db)
		ctx := context.Background()
		var all []models.Workspace
		for i := 0; i < 30; i++ {
			all = append(all, w.create(t, fmt.Sprintf("ws-%02d", i), fmt.Sprintf("Team %02d", i)))
		}
		v := w.admin(t, "two@example.com", fmt.Sprintf("workspace_admin@%d", all[3].ID), fmt.Sprintf("workspace_auditor@%d", all[17].ID))
		page, err := w.s.ListWorkspaces(ctx, v, models.WorkspaceListQuery{})
		if err != nil || len(page.Items) != 2 || page.Items[0].Workspace.Slug != "ws-03" || page.Items[1].Workspace.Slug != "ws-17" || page.Next != "" {
			t.Fatalf("scoped list %+v %v", page, err)
		}
		if page.Items[0].Admins != 1 || page.Items[1].Auditors != 1 {
			t.Errorf("counts %+v", page.Items)
		}
		if len(v.Workspaces) != 2 || v.MoreWorkspaces {
			t.Errorf("viewer's workspaces %+v", v.Workspaces)
		}
		if p, err := w.s.ListWorkspaces(ctx, v, models.WorkspaceListQuery{Search: "team 1"}); err != nil {
			t.Fatal(err)
		} else if len(p.Items) != 1 || p.Items[0].Workspace.Slug != "ws-17" {
			t.Errorf("scoped search %+v", p.Items)
		}
		nobody := w.admin(t, "member@example.com", "tenant_member")
		if p, err := w.s.ListWorkspaces(ctx, nobody, models.WorkspaceListQuery{}); err != nil {
			t.Fatal(err)
		} else if len(p.Items) != 0 {
			t.Error("a Tenant Member lists workspaces")
		}
		// The Tenant Admin pages through all of them by keyset.
		seen := map[string]bool{}
		q := models.WorkspaceListQuery{Limit: 12}
		for pages := 0; pages < 5; pages++ {
			p, err := w.s.ListWorkspaces(ctx, w.owner, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range p.Items {
				if seen[it.Workspace.Slug] {
					t.Fatalf("%s twice", it.Workspace.Slug)
				}
				seen[it.Workspace.Slug] = true
			}
			if p.Next == "" {
				break
			}
			q.After = p.Next
		}
		if len(seen) != 30 {
			t.Fatalf("paged through %d", len(seen))
		}
		// The Tenant Admin's navigation list is cut at NavWorkspaces.
		ov := w.owner
		if len(ov.Workspaces) != 0 {
			t.Fatal("LoadViewer loaded the Tenant Admin's workspaces on every request")
		}
		if err := w.s.LoadNavWorkspaces(ctx, &ov); err != nil || len(ov.Workspaces) != models.NavWorkspaces || !ov.MoreWorkspaces {
			t.Fatalf("nav workspaces %d %v %v", len(ov.Workspaces), ov.MoreWorkspaces, err)
		}
	})
}

func TestSlugFromName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Marketing EU": "marketing-eu", "  R&D -- Lab 2 ": "r-d-lab-2", "Ünïcode Team": "n-code-team", "日本": "", "--": "",
		strings.Repeat("ab ", 40): strings.TrimRight(strings.Repeat("ab-", 21), "-"),
	} {
		if got := models.SlugFromName(in); got != want {
			t.Errorf("SlugFromName(%q) = %q, want %q", in, got, want)
		}
		if got := models.SlugFromName(in); got != "" && !models.ValidSlug(got) {
			t.Errorf("SlugFromName(%q) = %q is not a valid slug", in, got)
		}
	}
}

func TestSeedWorkspaces(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		w := newWSWorld(t, db)
		ctx := context.Background()
		w.create(t, "checkout", "Taken") // a seeded slug: skipped, the next one is made instead
		n, err := w.s.SeedWorkspaces(ctx, w.tn, 45, models.Actor{Email: "seed"})
		if err != nil || n != 45 {
			t.Fatalf("seed: %d %v", n, err)
		}
		if more, err := w.s.SeedWorkspaces(ctx, w.tn, 5, models.Actor{}); err != nil || more != 5 {
			t.Fatalf("seed again: %d %v", more, err)
		}
		if c, err := w.s.CountWorkspaces(ctx, w.tn.ID); err != nil {
			t.Fatal(err)
		} else if c != 51 {
			t.Fatalf("%d workspaces", c)
		}
		var bad int64
		modelstest.Must(t, db.DB.Model(&models.RoleBinding{}).Where("workspace_id IS NOT NULL AND role_key NOT IN ?", []string{"workspace_admin", "workspace_auditor"}).Count(&bad))
		var bound int64
		modelstest.Must(t, db.DB.Model(&models.RoleBinding{}).Where("workspace_id IS NOT NULL").Count(&bound))
		if bad != 0 || bound != 100 {
			t.Fatalf("seeded bindings: %d, %d of the wrong role", bound, bad)
		}
		p, err := w.s.ListWorkspaces(ctx, w.owner, models.WorkspaceListQuery{Search: "marketing eu"})
		if err != nil || len(p.Items) == 0 {
			t.Fatalf("search seeded: %v", err)
		}
	})
}
