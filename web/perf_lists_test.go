package web_test

import (
	"fmt"
	"net/http"
	"testing"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/webtest"
)

// TestAuditLogAndManageAccessCostFixedQueries: the audit log (first page,
// a page further on, filtered by action) and a workspace's Manage Access
// list cost the same number of queries with a handful of rows as with
// hundreds, and no more than their budget.
func TestAuditLogAndManageAccessCostFixedQueries(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, tn, _ := app.Owner("acme", "owner@example.com")
		ws := app.Workspace(tn, "sales", "Sales")
		first := app.AdminWithRoles(tn, "first@example.com", "tenant_auditor")
		app.BindInWorkspace(first, ws, "workspace_auditor")
		q := app.CountQueries(t)
		now := app.Store.Now().UTC()
		event := func(i int, target int64) models.AuditEvent {
			return models.AuditEvent{TenantID: tn.ID, ActorEmail: "owner@example.com", Action: "administrator.created",
				TargetType: "administrator", TargetID: fmt.Sprint(target), CreatedAt: now, Seq: int64(1_000_000 + i), Hash: fmt.Sprintf("%064d", i)}
		}
		modelstest.Must(t, db.DB.Create(&[]models.AuditEvent{event(0, first.ID)}))
		pages := func() map[string]int {
			out := map[string]int{}
			for _, path := range []string{"/t/acme/audit", "/t/acme/audit?action=administrator.created",
				"/t/acme/workspaces/sales/access"} {
				out[path] = len(q.Page(t, c, path))
			}
			return out
		}
		small := pages()

		// Hundreds more of each: administrators bound in the workspace, and
		// audit events.
		if _, err := app.Store.SeedAdministrators(webtest.Ctx(), tn, 300, "", models.Actor{}); err != nil {
			t.Fatal(err)
		}
		var ids []int64
		modelstest.Must(t, db.DB.Model(&models.Administrator{}).Where("tenant_id = ? AND email <> ?", tn.ID, "owner@example.com").Order("id").Pluck("id", &ids))
		if len(ids) < 300 {
			t.Fatalf("%d administrators", len(ids))
		}
		var bindings []models.RoleBinding
		var events []models.AuditEvent
		for i, id := range ids {
			wsID := ws.ID
			bindings = append(bindings, models.RoleBinding{TenantID: tn.ID, AdministratorID: id, RoleKey: "workspace_auditor", WorkspaceID: &wsID, CreatedAt: now})
			events = append(events, event(i+1, id))
		}
		modelstest.Must(t, db.DB.CreateInBatches(&bindings, 100))
		modelstest.Must(t, db.DB.CreateInBatches(&events, 100))
		var nEvents int64
		modelstest.Must(t, db.DB.Model(&models.AuditEvent{}).Where("tenant_id = ?", tn.ID).Count(&nEvents))
		if nEvents < 300 {
			t.Fatalf("%d audit events", nEvents)
		}
		large := pages()
		// A page further on, by the list's own next link.
		r := c.Get("/t/acme/audit")
		if r.Status != http.StatusOK {
			t.Fatalf("audit: %d", r.Status)
		}
		next, ok := doc(t, r.Body).Find(`a[rel="next"]`).Attr("href")
		if !ok {
			t.Fatalf("no next page link on the audit log of %d events", nEvents)
		}
		deep := len(q.Page(t, c, next))
		// Audit log: the request, the filter's actions (hopping through the
		// action index), the page, the actors' names, the chain's head and
		// last check. Manage Access: the request, the workspace, the switcher,
		// the page, its administrators, the custom roles.
		budget := map[string]int{"/t/acme/audit": 6, "/t/acme/audit?action=administrator.created": 6, "/t/acme/workspaces/sales/access": 6}
		for path, n := range small {
			if large[path] != n {
				t.Errorf("%s: %d queries with a few rows, %d with hundreds", path, n, large[path])
			}
			if n > budget[path] {
				t.Errorf("%s costs %d queries (budget %d)", path, n, budget[path])
			}
		}
		if deep != small["/t/acme/audit"] {
			t.Errorf("the audit log's next page costs %d queries, its first %d", deep, small["/t/acme/audit"])
		}
		t.Logf("queries: %v (next audit page %d)", large, deep)
	})
}

// TestWhoCanTokensCostFixedQueries: Who can reads the tenant's tokens with
// their creators and the creators' roles in the same number of queries for
// one token as for twenty, lists each token that holds the permission, and
// none whose creator is no longer active.
func TestWhoCanTokensCostFixedQueries(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, tn, _ := app.Owner("acme", "owner@example.com")
		const path = "/t/acme/settings/access?permission=read_organizations"
		apiToken(t, app, tn, "", "tenant_auditor")
		q := app.CountQueries(t)
		one := len(q.Page(t, c, path))
		for range 19 {
			apiToken(t, app, tn, "", "tenant_auditor")
		}
		twenty := len(q.Page(t, c, path))
		if twenty != one {
			t.Fatalf("Who can: %d queries with 1 token, %d with 20", one, twenty)
		}
		if n := doc(t, c.Get(path).Body).Find(`[data-testid="access-tokens"] tbody tr`).Length(); n != 20 {
			t.Fatalf("%d tokens listed, want 20", n)
		}
		// A token made by a Tenant Admin who is then deactivated grants
		// nothing: not listed.
		second := app.AdminWithRoles(tn, "second@example.com", "tenant_admin")
		tok, _, err := app.Store.CreateAPIToken(webtest.Ctx(), viewerFor(t, app, tn, second.ID), models.APITokenInput{Name: "left", Roles: []string{"tenant_auditor"}, ExpiresInDays: 30}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		if n := doc(t, c.Get(path).Body).Find(`[data-testid="access-tokens"] tbody tr`).Length(); n != 21 {
			t.Fatalf("%d tokens listed with %q, want 21", n, tok.Name)
		}
		modelstest.Must(t, db.DB.Model(&models.Administrator{}).Where("id = ?", second.ID).Update("status", models.AdminInactive))
		if n := doc(t, c.Get(path).Body).Find(`[data-testid="access-tokens"] tbody tr`).Length(); n != 20 {
			t.Fatalf("%d tokens listed after their creator was deactivated, want 20", n)
		}
	})
}

func viewerFor(t *testing.T, app *webtest.App, tn models.Tenant, id int64) models.Viewer {
	t.Helper()
	v, err := app.Store.LoadViewer(webtest.Ctx(), tn, id)
	if err != nil {
		t.Fatal(err)
	}
	v.SteppedUpAt = app.Store.Now() // as just after the password step-up
	return v
}
