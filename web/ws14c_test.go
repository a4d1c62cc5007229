package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/webtest"

	"github.com/PuerkitoBio/goquery"
	"gorm.io/gorm"
)

// ws14cRoute reports whether a route is Analytics', the Permission
// Systems' or the System pages'.
func ws14cRoute(key string) bool {
	if strings.Contains(key, " /api/v1/permission-systems") { // the API's twins: in the API's walk tests
		return false
	}
	return strings.Contains(key, "/analytics") || strings.Contains(key, "/permission-systems") || strings.Contains(key, "/t/:tenant/system/") ||
		strings.HasSuffix(key, "/workspaces/:workspace/events")
}

// ws14cCounts snapshots what a request to these routes could change.
func ws14cCounts(t *testing.T, db *gorm.DB) string {
	t.Helper()
	var parts []string
	for _, table := range []string{"permission_systems", "permission_tuples", "auth_events", "auth_event_daily", "audit_events"} {
		parts = append(parts, fmt.Sprintf("%s=%d", table, modelstest.Count(t, db.Table(table))))
	}
	parts = append(parts, fmt.Sprint(modelstest.Pluck[int64](t, db.Table("permission_systems").Order("id"), "version")))
	return strings.Join(parts, " ")
}

type ws14cFixture struct {
	system, spareTuple string
}

func newWS14cFixture(t *testing.T, app *webtest.App, tn models.Tenant, ws models.Workspace) ws14cFixture {
	t.Helper()
	ctx := webtest.Ctx()
	owner := app.AdminWithRoles(tn, "fixture.owner@example.com", "tenant_admin")
	v, err := app.Store.LoadViewer(ctx, tn, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	act := models.Actor{AdminID: owner.ID, Email: owner.Email}
	ps, err := app.Store.CreatePermissionSystem(ctx, v, models.PermissionSystemInput{Name: "Docs", Model: models.PermissionSystemModelExample}, act)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Store.AddPermissionTuple(ctx, v, ps.ID, models.TupleInput{Object: "document:plan", Relation: "owner", Subject: "user:ann"}, act); err != nil {
		t.Fatal(err)
	}
	spare, err := app.Store.AddPermissionTuple(ctx, v, ps.ID, models.TupleInput{Object: "document:memo", Relation: "viewer", Subject: "user:bob"}, act)
	if err != nil {
		t.Fatal(err)
	}
	at := app.Store.Now().UTC().Add(-time.Hour).Format(time.RFC3339)
	if _, err := app.Store.IngestAuthEvents(ctx, v, ws.ID, []models.AuthEventInput{{Time: at, Outcome: "success", IdentityProvider: "Google", Client: "Web"}}); err != nil {
		t.Fatal(err)
	}
	return ws14cFixture{system: fmt.Sprint(ps.ID), spareTuple: fmt.Sprint(spare.ID)}
}

// TestWS14cRoutesByRole is the role × route table of Analytics, the
// Permission Systems and the System pages: Analytics for whoever reads the
// workspace (404 for those who cannot see it); Permission Systems read by
// Tenant Admins and Auditors, changed by Tenant Admins (403 for everyone
// else); the System pages for Tenant Admins, Auditors and Members (403
// for workspace roles and editors). Refused requests change nothing.
func TestWS14cRoutesByRole(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		covered := map[string]bool{}
		type viewer struct {
			name        string
			tenantRoles []string
			wsRole      string
			inBeta      bool
		}
		viewers := []viewer{}
		for _, w := range wsViewers {
			viewers = append(viewers, viewer(w))
		}
		viewers = append(viewers, viewer{"editor_users", []string{"editor_users"}, "", false}, viewer{"editor_organizations", []string{"editor_organizations"}, "", false})
		for i, vw := range viewers {
			slug := fmt.Sprintf("p%d", i)
			f := newWSFixture(t, app, slug)
			x := newWS14cFixture(t, app, f.tn, f.alpha)
			email := strings.ReplaceAll(vw.name, "_", ".") + "@example.com"
			var c *webtest.Client
			if vw.wsRole == "" {
				c, _ = app.SignedInAs(f.tn, email, vw.tenantRoles...)
			} else {
				ws := f.alpha
				if vw.inBeta {
					ws = f.beta
				}
				c, _ = app.SignedInWithWorkspaceRole(f.tn, email, ws, vw.wsRole, vw.tenantRoles...)
			}
			base := "/t/" + slug
			ta, tAud := vw.name == "tenant_admin", vw.name == "tenant_auditor"
			seeWS := ta || tAud || vw.name == "workspace_admin" || vw.name == "workspace_auditor"
			readPS, managePS := ta || tAud, ta
			system := ta || tAud || vw.name == "tenant_member"
			ps := base + "/permission-systems/" + x.system
			for _, rt := range []struct {
				method, route, path string
				vals                url.Values
				allowed             bool
				okStatus            int
				hidden              bool // refused with 404 (a workspace they cannot see)
			}{
				{"GET", "/workspaces/:workspace/analytics", base + "/workspaces/alpha/analytics?days=30", nil, seeWS, 200, !seeWS},
				{"GET", "/permission-systems", base + "/permission-systems", nil, readPS, 200, false},
				{"GET", "/permission-systems/new", base + "/permission-systems/new", nil, managePS, 200, false},
				{"GET", "/permission-systems/:system", ps, nil, readPS, 200, false},
				{"GET", "/permission-systems/:system/delete", ps + "/delete", nil, managePS, 200, false},
				{"POST", "/permission-systems/:system/check", ps + "/check", url.Values{"object": {"document:plan"}, "relation": {"viewer"}, "subject": {"user:ann"}}, readPS, 200, false},
				{"POST", "/permission-systems/new", base + "/permission-systems/new", url.Values{"name": {"Drive"}, "model": {models.PermissionSystemModelExample}}, managePS, 303, false},
				{"POST", "/permission-systems", base + "/permission-systems", url.Values{"name": {"Drive 2"}, "model": {models.PermissionSystemModelExample}}, managePS, 303, false},
				{"POST", "/permission-systems/:system", ps, url.Values{"name": {"Documents"}, "model": {models.PermissionSystemModelExample}, "version": {"1"}}, managePS, 303, false},
				{"POST", "/permission-systems/:system/tuples", ps + "/tuples", url.Values{"object": {"document:plan"}, "relation": {"viewer"}, "subject": {"group:eng#member"}}, managePS, 303, false},
				{"POST", "/permission-systems/:system/tuples/:tuple/delete", ps + "/tuples/" + x.spareTuple + "/delete", nil, managePS, 303, false},
				{"POST", "/permission-systems/:system/delete", ps + "/delete", nil, managePS, 303, false},
				{"GET", "/system/environment", base + "/system/environment", nil, system, 200, false},
				{"GET", "/system/notifications", base + "/system/notifications", nil, system, 200, false},
				{"GET", "/system/services", base + "/system/services", nil, system, 200, false},
				{"GET", "/system/apis", base + "/system/apis", nil, system, 200, false},
				{"GET", "/system/templates", base + "/system/templates", nil, system, 200, false},
				{"GET", "/system/templates/:template", base + "/system/templates/invitation", nil, system, 200, false},
				{"GET", "/system/templates/:template/html", base + "/system/templates/password-reset/html", nil, system, 200, false},
			} {
				covered[rt.method+" /t/:tenant"+rt.route] = true
				before := ws14cCounts(t, db.DB)
				var r *webtest.Response
				if rt.method == "GET" {
					r = c.Get(rt.path)
				} else {
					r = c.Submit(base+"/", rt.path, rt.vals)
				}
				want := rt.okStatus
				switch {
				case rt.allowed:
				case rt.hidden:
					want = http.StatusNotFound
				default:
					want = http.StatusForbidden
				}
				if r.Status != want {
					t.Errorf("%s: %s %s = %d, want %d", vw.name, rt.method, rt.path, r.Status, want)
				}
				if !rt.allowed {
					if after := ws14cCounts(t, db.DB); after != before {
						t.Errorf("%s: refused %s %s changed something: %s → %s", vw.name, rt.method, rt.path, before, after)
					}
				}
			}
		}
		covered["POST /api/v1/workspaces/:workspace/events"] = true // TestEventsAPI
		for key := range app.Web.Routes.Perms {
			if ws14cRoute(key) && !covered[key] {
				t.Errorf("route %s is not in the role × route table", key)
			}
		}
	})
}

// TestEventsAPI: a Workspace Admin's token (and a Tenant Admin's) posts a
// batch and the Analytics page counts it; an auditor's token is refused
// (403), another workspace's admin and another tenant's token get 404, bad
// fields come back as 422 with each field named and nothing stored; an
// Idempotency-Key replay stores nothing twice.
func TestEventsAPI(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		f := newWSFixture(t, app, "acme")
		globex, _, _ := app.Tenant("globex", models.PlanEnterprise, "g@example.com")
		app.Workspace(globex, "gamma", "Globex Gamma") // acme has no gamma, globex no alpha
		app.AdminWithRoles(f.tn, "boss@example.com", "tenant_admin")
		app.AdminWithRoles(globex, "boss@globex.example", "tenant_admin")
		wsAdmin := apiToken(t, app, f.tn, "alpha", "workspace_admin")
		tenantAdmin := apiToken(t, app, f.tn, "", "tenant_admin")
		auditor := apiToken(t, app, f.tn, "", "tenant_auditor")
		wsAuditor := apiToken(t, app, f.tn, "alpha", "workspace_auditor")
		betaAdmin := apiToken(t, app, f.tn, "beta", "workspace_admin")
		theirs := apiToken(t, app, globex, "", "tenant_admin")
		now := app.Store.Now().UTC()
		at := now.Add(-2 * time.Hour).Format(time.RFC3339)
		batch := map[string]any{"events": []map[string]string{
			{"time": at, "outcome": "success", "identity_provider": "Google", "client": "Web"},
			{"time": at, "outcome": "failure", "identity_provider": "Okta", "client": "Web"},
			{"time": at, "outcome": "success", "identity_provider": "Google", "client": "Mobile"},
		}}
		events := func() int64 { return modelstest.Count(t, db.DB.Table("auth_events")) }
		const path = "/api/v1/workspaces/alpha/events"

		r := apiDo(t, app, wsAdmin, "POST", path, "k1", batch)
		if r.Status != http.StatusCreated || !strings.Contains(r.Body, `"accepted":3`) {
			t.Fatalf("workspace admin: %d %s", r.Status, r.Body)
		}
		if r := apiDo(t, app, wsAdmin, "POST", path, "k1", batch); r.Status != http.StatusCreated || events() != 3 {
			t.Fatalf("replay: %d, %d events", r.Status, events())
		}
		if r := apiDo(t, app, tenantAdmin, "POST", path, "", batch); r.Status != http.StatusCreated || events() != 6 {
			t.Fatalf("tenant admin: %d, %d events", r.Status, events())
		}
		for name, tok := range map[string]string{"tenant auditor": auditor, "workspace auditor": wsAuditor} {
			if r := apiDo(t, app, tok, "POST", path, "", batch); r.Status != http.StatusForbidden {
				t.Errorf("%s: %d %s", name, r.Status, r.Body)
			} else if code, _ := r.apiError(t); code != "forbidden" {
				t.Errorf("%s: code %s", name, code)
			}
		}
		for name, tok := range map[string]string{"another workspace's admin": betaAdmin, "another tenant": theirs} {
			if r := apiDo(t, app, tok, "POST", path, "", batch); r.Status != http.StatusNotFound {
				t.Errorf("%s: %d %s", name, r.Status, r.Body)
			}
		}
		if r := apiDo(t, app, wsAdmin, "POST", "/api/v1/workspaces/gamma/events", "", batch); r.Status != http.StatusNotFound {
			t.Errorf("acme's token, globex's workspace: %d", r.Status)
		}
		if r := apiDo(t, app, "", "POST", path, "", batch); r.Status != http.StatusUnauthorized {
			t.Errorf("no token: %d", r.Status)
		}
		if r := apiDo(t, app, wsAdmin, "POST", "/api/v1/workspaces/nope/events", "", batch); r.Status != http.StatusNotFound {
			t.Errorf("unknown workspace: %d", r.Status)
		}
		bad := map[string]any{"events": []map[string]string{
			{"time": at, "outcome": "success", "identity_provider": "Google", "client": "Web"},
			{"time": "later", "outcome": "maybe", "identity_provider": "", "client": "Web"},
		}}
		r = apiDo(t, app, wsAdmin, "POST", path, "", bad)
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad batch: %d %s", r.Status, r.Body)
		}
		if code, fields := r.apiError(t); code != "invalid" || fields["events[1].time"] == "" || fields["events[1].outcome"] == "" || fields["events[1].identity_provider"] == "" || len(fields) != 3 {
			t.Errorf("bad batch: %s %v", code, fields)
		}
		if r := apiDo(t, app, wsAdmin, "POST", path, "", []byte(`{"events": [{"time": "`+at+`", "outcome": "success", "identity_provider": "G", "client": "W", "user": "x"}]}`)); r.Status != http.StatusBadRequest {
			t.Errorf("unknown field: %d", r.Status)
		}
		if r := apiDo(t, app, wsAdmin, "POST", path, "", []byte(`{"events": [`+strings.Repeat(`{"time": "x", "outcome": "success", "identity_provider": "G", "client": "W"},`, 20000)+`{}]}`)); r.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("over 1 MB: %d", r.Status)
		}
		if events() != 6 {
			t.Fatalf("refused requests stored events: %d", events())
		}

		// The Analytics page counts them.
		owner, _ := app.SignedInAs(f.tn, "reader@example.com", "tenant_auditor")
		page := owner.Get("/t/acme/workspaces/alpha/analytics")
		if page.Status != http.StatusOK {
			t.Fatalf("analytics: %d", page.Status)
		}
		d := wsresDoc(t, page)
		total := d.Find("#daily table.chart-table tfoot td").First().Text()
		failures := d.Find("#daily table.chart-table tfoot td").Eq(1).Text()
		if total != "4" || failures != "2" {
			t.Errorf("daily totals: successes %q failures %q", total, failures)
		}
		if got := d.Find("#by-idp table tbody tr").First().Find("th").Text(); got != "Google" {
			t.Errorf("largest identity provider %q", got)
		}
		if n := d.Find("#daily svg rect.chart-bar").Length(); n == 0 {
			t.Error("no bars drawn")
		}
	})
}

// TestPermissionSystemPages: a Tenant Admin creates a system (a bad model
// comes back beside the field, typed text kept), adds tuples, checks
// (allowed with its path, denied), and a stale save is refused; an
// auditor's page has no forms but Check.
func TestPermissionSystemPages(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, tn, _ := app.Owner("acme", "owner@example.com")
		_ = tn
		const list = "/t/acme/permission-systems"
		bad := "model\n  schema 1.1\ntype user\ntype doc\n  relations\n    define viewer: [usr]\n"
		r := c.Submit(list+"/new", list+"/new", url.Values{"name": {"Docs"}, "model": {bad}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad model: %d", r.Status)
		}
		d := wsresDoc(t, r)
		if e := d.Find("#e-model").Text(); !strings.Contains(e, "line 6") {
			t.Errorf("model error %q", e)
		}
		if v := d.Find("#f-model").Text(); v != bad {
			t.Errorf("typed model lost: %q", v)
		}
		r = c.Submit(list+"/new", list+"/new", url.Values{"name": {"Docs"}, "model": {models.PermissionSystemModelExample}})
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, list+"/") {
			t.Fatalf("create: %d %q", r.Status, r.Location)
		}
		show := r.Location
		for _, tu := range [][3]string{{"document:plan", "parent", "folder:q1"}, {"folder:q1", "viewer", "group:eng#member"}, {"group:eng", "member", "user:bob"}} {
			if r := c.Submit(show, show+"/tuples", url.Values{"object": {tu[0]}, "relation": {tu[1]}, "subject": {tu[2]}}); r.Status != http.StatusSeeOther {
				t.Fatalf("add %v: %d", tu, r.Status)
			}
		}
		r = c.Submit(show, show+"/tuples", url.Values{"object": {"document:plan"}, "relation": {"viewer"}, "subject": {"folder:q1"}})
		if r.Status != http.StatusUnprocessableEntity || wsresDoc(t, r).Find("#e-subject").Text() == "" {
			t.Errorf("tuple not fitting: %d", r.Status)
		}
		if v, _ := wsresDoc(t, r).Find("#add-tuple #f-subject").Attr("value"); v != "folder:q1" {
			t.Errorf("typed subject lost: %q", v)
		}
		r = c.Submit(show, show+"/check", url.Values{"object": {"document:plan"}, "relation": {"viewer"}, "subject": {"user:bob"}})
		d = wsresDoc(t, r)
		if r.Status != http.StatusOK || strings.TrimSpace(d.Find("#check-result h2").Text()) != "Allowed" {
			t.Fatalf("check: %d %q", r.Status, d.Find("#check-result").Text())
		}
		var kinds []string
		d.Find("#check-result ol li").Each(func(_ int, s *goquery.Selection) { k, _ := s.Attr("data-kind"); kinds = append(kinds, k) })
		if strings.Join(kinds, ">") != "tuple_to_userset>userset>direct" {
			t.Errorf("path %v", kinds)
		}
		if v, _ := d.Find("#check #f-subject").Attr("value"); v != "user:bob" {
			t.Errorf("check form lost the subject: %q", v)
		}
		r = c.Submit(show, show+"/check", url.Values{"object": {"document:plan"}, "relation": {"editor"}, "subject": {"user:bob"}})
		if strings.TrimSpace(wsresDoc(t, r).Find("#check-result h2").Text()) != "Denied" {
			t.Errorf("editor check not denied")
		}
		// Stale save.
		if r := c.Submit(show, show, url.Values{"name": {"First"}, "model": {models.PermissionSystemModelExample}, "version": {"1"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("save: %d", r.Status)
		}
		r = c.Submit(show, show, url.Values{"name": {"Second"}, "model": {models.PermissionSystemModelExample}, "version": {"1"}})
		if r.Status != http.StatusConflict || !strings.Contains(r.Body, "Someone else changed this") {
			t.Errorf("stale save: %d", r.Status)
		}
		// An auditor: Check, no other forms.
		aud, _ := app.SignedInAs(tn, "aud@example.com", "tenant_auditor")
		d = wsresDoc(t, aud.Get(show))
		if d.Find("form#settings, #add-tuple form, #danger-zone").Length() != 0 || d.Find("#tuples-table button").Length() != 0 {
			t.Error("an auditor sees forms that change the system")
		}
		if d.Find("#check form").Length() != 1 || !strings.Contains(d.Text(), "changing it needs a Tenant Admin") {
			t.Error("an auditor lacks Check or the read-only note")
		}
	})
}

// TestSystemPagesShowWhatGatehouseHas: the pages read real state: the
// migrations applied, the database kind, the API operations of the route
// table with their permissions, every e-mail template with its subject,
// a preview with its HTML framed under its own policy, messages sent.
func TestSystemPagesShowWhatGatehouseHas(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		tn, _, _ := app.Tenant("acme", models.PlanEnterprise, "first@example.com")
		c, _ := app.SignedInAs(tn, "member@example.com", "tenant_member")
		d := wsresDoc(t, c.Get("/t/acme/system/environment"))
		migs := modelstest.Count(t, db.DB.Table("schema_migrations"))
		if got := d.Find("#migrations tbody tr").Length(); int64(got) != migs || migs == 0 {
			t.Errorf("migrations listed %d, applied %d", got, migs)
		}
		kind := map[string]string{"sqlite": "SQLite", "postgres": "PostgreSQL"}[db.DB.Dialector.Name()]
		if !strings.Contains(d.Find("#details").Text(), kind) || !strings.Contains(d.Find("#migrations").Text(), "0028_analytics_permission_systems") {
			t.Errorf("environment: %s; migrations: %s", d.Find("#details").Text(), d.Find("#migrations").Text())
		}
		d = wsresDoc(t, c.Get("/t/acme/system/apis"))
		var apiRoutes int
		for key := range app.Web.Routes.Perms {
			if strings.Contains(key, " /api/v1") {
				apiRoutes++
			}
		}
		if got := d.Find("#operations tbody tr").Length(); got != apiRoutes || got == 0 {
			t.Errorf("operations listed %d, in the route table %d", got, apiRoutes)
		}
		if !strings.Contains(d.Find("#operations").Text(), "/api/v1/workspaces/{workspace}/events") || !strings.Contains(d.Find("#operations").Text(), "Update Workspace") {
			t.Error("the events operation or its permission is missing")
		}
		d = wsresDoc(t, c.Get("/t/acme/system/templates"))
		if got := d.Find("#templates tbody tr").Length(); got != len(models.EmailTemplateKeys) {
			t.Errorf("templates listed %d, want %d", got, len(models.EmailTemplateKeys))
		}
		if strings.Contains(d.Text(), "Could not be rendered") {
			t.Error("a template failed to render")
		}
		d = wsresDoc(t, c.Get("/t/acme/system/templates/invitation"))
		if !strings.Contains(d.Find("#preview-text").Text(), "Acme") {
			t.Errorf("preview text %q", d.Find("#preview-text").Text())
		}
		if src, _ := d.Find("iframe#preview-html").Attr("src"); src != "/t/acme/system/templates/invitation/html" {
			t.Errorf("frame src %q", src)
		}
		r := c.Get("/t/acme/system/templates/invitation/html")
		if r.Status != 200 || !strings.Contains(r.Header.Get("Content-Security-Policy"), "sandbox") || strings.Contains(r.Header.Get("Content-Security-Policy"), "script-src") {
			t.Errorf("html part: %d %q", r.Status, r.Header.Get("Content-Security-Policy"))
		}
		if r := c.Get("/t/acme/system/templates/nope"); r.Status != http.StatusNotFound {
			t.Errorf("unknown template: %d", r.Status)
		}
		// The first administrator's invitation was queued: it is listed,
		// masked; a sign-in code in a subject is never shown.
		now := app.Store.Now()
		modelstest.Must(t, db.DB.Create(&models.OutboxEmail{TenantID: &tn.ID, ToAddr: "first@example.com", Subject: "493817 is your Gatehouse sign-in code for Acme",
			Channel: models.ChannelEmail, NextAttemptAt: now, CreatedAt: now}))
		d = wsresDoc(t, c.Get("/t/acme/system/notifications"))
		if strings.Contains(d.Text(), "493817") || !strings.Contains(d.Find("#messages").Text(), "••• is your Gatehouse sign-in code") {
			t.Errorf("a sign-in code shows: %q", d.Find("#messages").Text())
		}
		if rows := d.Find("#messages tbody tr"); rows.Length() == 0 || !strings.Contains(rows.Text(), "f•••@example.com") || strings.Contains(rows.Text(), "first@example.com") {
			t.Errorf("messages: %q", d.Find("#messages").Text())
		}
		// The navigation leads there.
		if !strings.Contains(d.Find(".sidebar").Text(), "System") {
			t.Error("no System entry in the navigation")
		}
	})
}

// TestAnalyticsPageReadsOnlyTheRollups: whatever the number of events,
// the Analytics page reads the daily rollups in three queries besides the
// request's own, and never the events themselves.
func TestAnalyticsPageReadsOnlyTheRollups(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		f := newWSFixture(t, app, "acme")
		c, _ := app.SignedInAs(f.tn, "aud@example.com", "tenant_auditor")
		q := app.CountQueries(t)
		var counts []int
		for _, n := range []int{0, 5000} {
			if n > 0 {
				if _, err := app.Store.SeedAuthEvents(webtest.Ctx(), f.tn, f.alpha, n, models.Actor{}); err != nil {
					t.Fatal(err)
				}
			}
			sql := q.Page(t, c, "/t/acme/workspaces/alpha/analytics?days=90")
			rollups := 0
			for _, s := range sql {
				if strings.Contains(s, "auth_events") {
					t.Fatalf("the page reads the events:%s", webtest.Describe(sql))
				}
				if strings.Contains(s, "auth_event_daily") {
					rollups++
				}
			}
			if rollups != 3 {
				t.Errorf("%d events: %d rollup queries:%s", n, rollups, webtest.Describe(sql))
			}
			counts = append(counts, len(sql))
		}
		if counts[0] != counts[1] {
			t.Errorf("queries grow with the events: %v", counts)
		}
	})
}
