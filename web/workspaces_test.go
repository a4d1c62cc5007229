package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/webtest"

	"gorm.io/gorm"
)

// wsCounts snapshots what a workspace mutation could touch.
func wsCounts(t *testing.T, db *gorm.DB) string {
	t.Helper()
	var parts []string
	for _, m := range []any{&models.Workspace{}, &models.RoleBinding{}, &models.AuditEvent{}, &models.Administrator{}} {
		var n int64
		if err := db.Model(m).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		parts = append(parts, fmt.Sprint(n))
	}
	var ws []models.Workspace
	modelstest.Must(t, db.Order("id").Find(&ws))
	for _, w := range ws {
		parts = append(parts, w.Slug+"="+w.Name+"|"+w.Description)
	}
	return strings.Join(parts, " ")
}

// wsFixture is a tenant with two workspaces (alpha, beta) and a Tenant
// Member, target, who is Workspace Auditor of alpha.
type wsFixture struct {
	tn            models.Tenant
	alpha, beta   models.Workspace
	target        models.Administrator
	targetBinding models.RoleBinding
}

func newWSFixture(t *testing.T, app *webtest.App, slug string) wsFixture {
	t.Helper()
	tn, _, _ := app.Tenant(slug, models.PlanEnterprise, "first@example.com")
	f := wsFixture{tn: tn, alpha: app.Workspace(tn, "alpha", "Alpha"), beta: app.Workspace(tn, "beta", "Beta")}
	f.target = app.AdminWithRoles(tn, "target@example.com", "tenant_member")
	app.BindInWorkspace(f.target, f.alpha, "workspace_auditor")
	if err := app.DB.DB.Where("administrator_id = ? AND workspace_id = ?", f.target.ID, f.alpha.ID).Take(&f.targetBinding).Error; err != nil {
		t.Fatal(err)
	}
	return f
}

// wsViewers are the viewers of the role × route table: how each is made.
var wsViewers = []struct {
	name        string
	tenantRoles []string
	wsRole      string // bound in alpha, or in beta for "workspace_admin_other"
	inBeta      bool
}{
	{"tenant_admin", []string{"tenant_admin"}, "", false},
	{"tenant_auditor", []string{"tenant_auditor"}, "", false},
	{"workspace_admin", nil, "workspace_admin", false},
	{"workspace_admin_other", nil, "workspace_admin", true},
	{"workspace_auditor", nil, "workspace_auditor", false},
	{"tenant_member", []string{"tenant_member"}, "", false},
}

// TestWorkspaceRoutesByRole is the role × route table of the workspace
// routes: Tenant Admin, Tenant Auditor, Workspace Admin of this workspace
// and of another, Workspace Auditor and Tenant Member are allowed, refused
// (403) or kept out (404: a workspace they cannot see) exactly as the role
// matrix says, and a refused request changes nothing.
func TestWorkspaceRoutesByRole(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		covered := map[string]bool{}
		for i, vw := range wsViewers {
			slug := fmt.Sprintf("w%d", i)
			f := newWSFixture(t, app, slug)
			email := strings.ReplaceAll(vw.name, "_", ".") + "@example.com"
			var viewer *webtest.Client
			if vw.wsRole == "" {
				viewer, _ = app.SignedInAs(f.tn, email, vw.tenantRoles...)
			} else {
				ws := f.alpha
				if vw.inBeta {
					ws = f.beta
				}
				viewer, _ = app.SignedInWithWorkspaceRole(f.tn, email, ws, vw.wsRole, vw.tenantRoles...)
			}
			base := "/t/" + slug
			one := base + "/workspaces/alpha"
			bid := fmt.Sprint(f.targetBinding.ID)
			// Who may: by the matrix (Get/Update/Delete Workspace, Read/Manage
			// Workspace Roles, Read Audit Events, Create Workspace, Read System
			// Environment); "see" is Get Workspace in alpha.
			ta := vw.name == "tenant_admin"
			tenantRead := ta || vw.name == "tenant_auditor"
			see := tenantRead || vw.name == "workspace_admin" || vw.name == "workspace_auditor"
			manage := ta || vw.name == "workspace_admin"
			anyWS := see || vw.name == "workspace_admin_other"
			for _, rt := range []struct {
				method, route, path string
				vals                url.Values
				allowed             bool
				okStatus            int
				scoped              bool // in alpha: 404 for those who cannot see it
			}{
				{"GET", "/workspaces", base + "/workspaces", nil, anyWS, 200, false},
				{"GET", "/workspaces/new", base + "/workspaces/new", nil, ta, 200, false},
				{"POST", "/workspaces/new", base + "/workspaces/new", url.Values{"name": {"Gamma"}, "slug": {"gamma"}}, ta, 303, false},
				{"POST", "/workspaces", base + "/workspaces", url.Values{"name": {"Delta"}, "slug": {"delta"}}, ta, 303, false},
				{"GET", "/overview", base + "/overview", nil, tenantRead || vw.name == "tenant_member", 200, false},
				{"GET", "/workspaces/:workspace", one, nil, see, 200, true},
				{"POST", "/workspaces/:workspace", one, url.Values{"name": {"Alpha Renamed"}, "description": {"changed"}}, manage, 303, true},
				{"GET", "/workspaces/:workspace/access", one + "/access", nil, see, 200, true},
				{"GET", "/workspaces/:workspace/access/candidates", one + "/access/candidates?q=target", nil, manage, 200, true},
				{"POST", "/workspaces/:workspace/access", one + "/access", url.Values{"user": {"target@example.com"}, "role": {"workspace_admin"}}, manage, 303, true},
				{"POST", "/workspaces/:workspace/access/invite", one + "/access/invite", url.Values{"email": {"invitee@example.com"}, "role": {"workspace_auditor"}}, manage, 303, true},
				{"POST", "/workspaces/:workspace/access/:binding/delete", one + "/access/" + bid + "/delete", nil, manage, 303, true},
				{"GET", "/workspaces/:workspace/audit", one + "/audit", nil, see, 200, true},
				{"GET", "/workspaces/:workspace/audit/export.csv", one + "/audit/export.csv", nil, see, 200, true},
				{"GET", "/workspaces/:workspace/delete", one + "/delete", nil, ta, 200, true},
				{"POST", "/workspaces/:workspace/delete", one + "/delete", url.Values{"confirm": {"alpha"}, "password": {webtest.Password}}, ta, 303, true},
			} {
				covered[rt.method+" /t/:tenant"+rt.route] = true
				before := wsCounts(t, db.DB)
				var r *webtest.Response
				if rt.method == "GET" {
					r = viewer.Get(rt.path)
				} else {
					r = viewer.Submit(base+"/", rt.path, rt.vals)
				}
				want := rt.okStatus
				switch {
				case rt.allowed:
				case rt.scoped && !see:
					want = http.StatusNotFound
				default:
					want = http.StatusForbidden
				}
				if r.Status != want {
					t.Errorf("%s: %s %s = %d, want %d", vw.name, rt.method, rt.path, r.Status, want)
				}
				if !rt.allowed {
					if after := wsCounts(t, db.DB); after != before {
						t.Errorf("%s: refused %s %s changed something: %s → %s", vw.name, rt.method, rt.path, before, after)
					}
					page := map[int]string{http.StatusForbidden: "Access denied", http.StatusNotFound: "Page not found"}[want]
					if !strings.Contains(r.Body, page) || !strings.Contains(r.Body, `class="sidebar"`) {
						t.Errorf("%s: the %d page for %s is not in the layout", vw.name, want, rt.path)
					}
					if want == http.StatusNotFound && strings.Contains(r.Body, "Alpha") {
						t.Errorf("%s: a refused %s shows the workspace's name", vw.name, rt.path)
					}
				}
			}
			// The other workspace is out of reach of alpha's own people.
			if vw.name == "workspace_admin" || vw.name == "workspace_auditor" {
				for _, p := range []string{"/workspaces/beta", "/workspaces/beta/access", "/workspaces/beta/audit", "/workspaces/nope"} {
					if r := viewer.Get(base + p); r.Status != http.StatusNotFound {
						t.Errorf("%s: GET %s = %d, want 404", vw.name, p, r.Status)
					}
				}
				before := wsCounts(t, db.DB)
				if r := viewer.Submit(base+"/", base+"/workspaces/beta/access", url.Values{"user": {"target@example.com"}, "role": {"workspace_admin"}}); r.Status != http.StatusNotFound {
					t.Errorf("%s: Add User in beta = %d, want 404", vw.name, r.Status)
				}
				if r := viewer.Submit(base+"/", base+"/workspaces/beta", url.Values{"name": {"Mine now"}}); r.Status != http.StatusNotFound {
					t.Errorf("%s: update beta = %d, want 404", vw.name, r.Status)
				}
				if after := wsCounts(t, db.DB); after != before {
					t.Errorf("%s: requests to beta changed something: %s → %s", vw.name, before, after)
				}
			}
		}
		// Every workspace route of the route table is in this table (the
		// management API's are in TestAPIEveryRouteAllowedAndRefusedPerRole).
		for key := range app.Web.Routes.Perms {
			if strings.Contains(key, " /t/:tenant/workspaces") && !wsResRoute(key) && !ws14aRoute(key) && !ws14bRoute(key) && !ws14cRoute(key) && !covered[key] {
				t.Errorf("workspace route %s is not in the role × route table", key)
			}
		}
	})
}

// TestWorkspaceAdminCannotEscalate: a Workspace Admin grants workspace roles
// in their workspace only, never a tenant role, and cannot remove a binding
// of another workspace through theirs.
func TestWorkspaceAdminCannotEscalate(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		f := newWSFixture(t, app, "acme")
		wa, waAdmin := app.SignedInWithWorkspaceRole(f.tn, "wa@example.com", f.alpha, "workspace_admin", "tenant_member")
		app.BindInWorkspace(f.target, f.beta, "workspace_admin")
		var betaBinding models.RoleBinding
		modelstest.Must(t, db.DB.Where("administrator_id = ? AND workspace_id = ?", f.target.ID, f.beta.ID).Take(&betaBinding))
		access := "/t/acme/workspaces/alpha/access"
		before := wsCounts(t, db.DB)
		for _, role := range []string{"tenant_admin", "tenant_auditor", "tenant_member", "editor_users", "root", ""} {
			r := wa.Submit(access, access, url.Values{"user": {"wa@example.com"}, "role": {role}})
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="e-role"`) {
				t.Errorf("grant %q in alpha: %d", role, r.Status)
			}
		}
		// Beta's binding cannot be removed through alpha's URL.
		if r := wa.Submit(access, access+"/"+fmt.Sprint(betaBinding.ID)+"/delete", nil); r.Status != http.StatusNotFound {
			t.Errorf("remove beta's binding through alpha: %d", r.Status)
		}
		// A forged workspace id in the form changes nothing: the URL decides.
		r := wa.Submit(access, access, url.Values{"user": {"target@example.com"}, "role": {"workspace_admin"}, "workspace_id": {fmt.Sprint(f.beta.ID)}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("grant in alpha: %d", r.Status)
		}
		var b models.RoleBinding
		modelstest.Must(t, db.DB.Where("administrator_id = ? AND role_key = ? AND workspace_id = ?", f.target.ID, "workspace_admin", f.alpha.ID).Take(&b))
		if b.ID == 0 || *b.GrantedByID != waAdmin.ID {
			t.Fatalf("binding %+v", b)
		}
		var n int64
		modelstest.Must(t, db.DB.Model(&models.RoleBinding{}).Where("administrator_id = ? AND workspace_id IS NULL", f.target.ID).Count(&n))
		if n != 1 { // tenant_member only
			t.Fatalf("the target holds %d tenant-wide roles", n)
		}
		if after := wsCounts(t, db.DB); after == before {
			t.Fatal("the grant in alpha wrote nothing")
		}
		// The grant was audited inside alpha.
		var ev models.AuditEvent
		modelstest.Must(t, db.DB.Where("action = ?", "workspace.access_granted").Order("id DESC").Take(&ev))
		if ev.WorkspaceID == nil || *ev.WorkspaceID != f.alpha.ID || ev.ActorEmail != "wa@example.com" || ev.TargetLabel != "target@example.com" {
			t.Fatalf("audit event %+v", ev)
		}
	})
}

// TestWorkspaceFormsRejectBadInput: every workspace form answers bad input
// with 422, a message beside the field and the typed values, and saves
// nothing.
func TestWorkspaceFormsRejectBadInput(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, tn, _ := app.Owner("acme", "owner@example.com")
		alpha := app.Workspace(tn, "alpha", "Alpha")
		app.AdminWithRoles(tn, "member@example.com", "tenant_member")
		newURL, one := "/t/acme/workspaces/new", "/t/acme/workspaces/alpha"
		long := strings.Repeat("x", 501)
		for _, tc := range []struct {
			page, action string
			vals         url.Values
			errs, kept   []string
		}{
			{newURL, newURL, url.Values{"name": {""}, "slug": {"Bad Slug!"}, "description": {"Kept text"}},
				[]string{`id="e-name"`, `id="e-slug"`}, []string{`value="Bad Slug!"`, ">Kept text</textarea>"}},
			{newURL, newURL, url.Values{"name": {"Alpha again"}, "slug": {"ALPHA"}}, []string{`id="e-slug"`, "already exists"}, []string{`value="Alpha again"`}},
			{newURL, newURL, url.Values{"name": {"New"}, "slug": {"new"}}, []string{`id="e-slug"`, "reserved"}, []string{`value="New"`}},
			{newURL, newURL, url.Values{"name": {"Long"}, "slug": {"long"}, "description": {long}}, []string{`id="e-description"`}, []string{`value="long"`}},
			{newURL, newURL, url.Values{"name": {strings.Repeat("n", 101)}, "slug": {"ok"}}, []string{`id="e-name"`}, []string{`value="ok"`}},
			{one, one, url.Values{"name": {"  "}, "description": {"Typed"}}, []string{`id="e-name"`, "Name is required"}, []string{">Typed</textarea>"}},
			{one + "/access", one + "/access", url.Values{"user": {"nobody@example.com"}, "role": {"workspace_admin"}},
				[]string{`id="e-user"`, "No administrator of this tenant"}, []string{`value="nobody@example.com"`, `value="workspace_admin" selected`}},
			{one + "/access", one + "/access", url.Values{"user": {"not an e-mail"}, "role": {"workspace_auditor"}}, []string{`id="e-user"`}, []string{`value="not an e-mail"`}},
			{one + "/access", one + "/access", url.Values{"user": {"member@example.com"}, "role": {"workspace_admin"}, "expires_at": {"2001-01-01"}},
				[]string{`id="e-expires_at"`, "in the future"}, []string{`value="member@example.com"`, `value="2001-01-01"`}},
			{one + "/access", one + "/access", url.Values{"user": {"member@example.com"}, "role": {"workspace_admin"}, "expires_at": {"next week"}},
				[]string{`id="e-expires_at"`}, []string{`value="next week"`}},
			{one + "/delete", one + "/delete", url.Values{"confirm": {"alpah"}}, []string{`id="e-confirm"`, "to confirm"}, []string{`value="alpah"`}},
		} {
			before := wsCounts(t, db.DB)
			r := c.Submit(tc.page, tc.action, tc.vals)
			if r.Status != http.StatusUnprocessableEntity {
				t.Errorf("%s %v: %d, want 422", tc.action, tc.vals, r.Status)
				continue
			}
			for _, want := range append(tc.errs, tc.kept...) {
				if !strings.Contains(r.Body, want) {
					t.Errorf("%s %v: the page lacks %s", tc.action, tc.vals, want)
				}
			}
			if after := wsCounts(t, db.DB); after != before {
				t.Errorf("%s %v saved something: %s → %s", tc.action, tc.vals, before, after)
			}
		}
		// A duplicate grant is refused beside the user field.
		app.BindInWorkspace(app.AdminWithRoles(tn, "held@example.com", "tenant_member"), alpha, "workspace_admin")
		r := c.Submit(one+"/access", one+"/access", url.Values{"user": {"held@example.com"}, "role": {"workspace_admin"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "already holds Workspace Admin") {
			t.Errorf("duplicate grant: %d", r.Status)
		}
	})
}

// TestWorkspaceLifecycle: a Tenant Admin creates a workspace (slug derived
// from the name), renames it, gives access with an expiry, sees it in the
// workspace's audit log, and deletes it with its bindings after a
// confirmation that names them.
func TestWorkspaceLifecycle(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, tn, _ := app.Owner("acme", "owner@example.com")
		ada := app.AdminWithRoles(tn, "ada@example.com", "tenant_member")
		other := app.Workspace(tn, "other", "Other")
		app.BindInWorkspace(ada, other, "workspace_auditor")

		r := c.Get("/t/acme/workspaces")
		if r.Status != 200 || !strings.Contains(r.Body, "Create Workspace") || !strings.Contains(r.Body, `href="/t/acme/workspaces/other"`) {
			t.Fatalf("list: %d", r.Status)
		}
		// The Administrators list names the workspace of a workspace role.
		if r := c.Get("/t/acme/settings/administrators?q=ada"); !strings.Contains(r.Body, "Workspace Auditor · Other") {
			t.Error("the Administrators list does not name the workspace of Ada's role")
		}
		r = c.Submit("/t/acme/workspaces/new", "/t/acme/workspaces/new", url.Values{"name": {"Marketing EU"}, "slug": {""}, "description": {"Campaigns"}})
		if r.Status != http.StatusSeeOther || r.Location != "/t/acme/workspaces/marketing-eu" {
			t.Fatalf("create: %d %q", r.Status, r.Location)
		}
		page := c.Get(r.Location)
		for _, want := range []string{"<h1>Marketing EU</h1>", "was created", "Campaigns", "Manage Access", "Delete workspace…", `name="name"`} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("workspace page lacks %q", want)
			}
		}
		one := "/t/acme/workspaces/marketing-eu"
		if r := c.Submit(one, one, url.Values{"name": {"Marketing Europe"}, "description": {"Campaigns"}, "slug": {"hijack"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("update: %d", r.Status)
		}
		if r := c.Get(one); !strings.Contains(r.Body, "<h1>Marketing Europe</h1>") {
			t.Error("rename not shown")
		}
		if r := c.Get("/t/acme/workspaces/hijack"); r.Status != http.StatusNotFound {
			t.Error("the slug changed")
		}
		// Add User with an expiry.
		day := app.Clock.Now().UTC().AddDate(0, 1, 0)
		until := day.Format("2006-01-02")
		r = c.Submit(one+"/access", one+"/access", url.Values{"user": {" ADA@example.com "}, "role": {"workspace_admin"}, "expires_at": {until}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("add user: %d", r.Status)
		}
		access := c.Get(one + "/access")
		for _, want := range []string{"ada@example.com", "Workspace Admin", "Olivia Owner", "is now Workspace Admin of Marketing Europe", ">" + until + "</td>"} {
			if !strings.Contains(access.Body, want) {
				t.Errorf("Manage Access lacks %q", want)
			}
		}
		// The workspace's audit log has its own events only.
		audit := c.Get(one + "/audit")
		for _, want := range []string{"workspace.created", "workspace.updated", "workspace.access_granted"} {
			if !strings.Contains(audit.Body, want) {
				t.Errorf("workspace audit lacks %s", want)
			}
		}
		if strings.Contains(audit.Body, "administrator.signed_in") {
			t.Error("workspace audit shows tenant events")
		}
		csv := c.Get(one + "/audit/export.csv")
		if !strings.HasPrefix(csv.Body, "time,actor,") || strings.Count(csv.Body, "\n") != 4 ||
			!strings.Contains(csv.Header.Get("Content-Disposition"), "audit-acme-marketing-eu-") {
			t.Errorf("workspace export: %q %q", csv.Header.Get("Content-Disposition"), csv.Body)
		}
		// Delete: the confirmation names what goes with it.
		conf := c.Get(one + "/delete")
		if !strings.Contains(conf.Body, "1 Manage Access binding") || !strings.Contains(conf.Body, "ada@example.com") {
			t.Errorf("confirmation does not name the binding")
		}
		// The page's form asks for the slug typed; an empty field is refused.
		if r := c.Submit(one+"/delete", one+"/delete", url.Values{"confirm": {""}}); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("delete with an empty confirmation: %d", r.Status)
		}
		// A post without the field at all is refused too (Part 2: confirmation
		// fields are required).
		if r := c.Submit(one+"/delete", one+"/delete", nil); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("delete without a confirmation: %d", r.Status)
		}
		r = c.Submit(one+"/delete", one+"/delete", url.Values{"confirm": {"marketing-eu"}, "password": {webtest.Password}})
		if r.Status != http.StatusSeeOther || r.Location != "/t/acme/workspaces" {
			t.Fatalf("delete: %d %q", r.Status, r.Location)
		}
		if r := c.Get(r.Location); !strings.Contains(r.Body, "was deleted, with its 1 Manage Access binding.") {
			t.Error("no deletion flash")
		}
		if r := c.Get(one); r.Status != http.StatusNotFound {
			t.Errorf("deleted workspace: %d", r.Status)
		}
		var left []models.RoleBinding
		modelstest.Must(t, db.DB.Where("administrator_id = ? AND workspace_id IS NOT NULL", ada.ID).Find(&left))
		if len(left) != 1 || *left[0].WorkspaceID != other.ID {
			t.Fatalf("bindings after delete: %+v", left)
		}
		var ev models.AuditEvent
		modelstest.Must(t, db.DB.Where("action = ?", "workspace.deleted").Take(&ev))
		if ev.WorkspaceID == nil || !strings.Contains(ev.Changes, `"access_bindings_removed":{"before":null,"after":1}`) {
			t.Errorf("deletion event %+v", ev)
		}
		// Remove the remaining binding from Manage Access.
		var b models.RoleBinding
		modelstest.Must(t, db.DB.Where("administrator_id = ? AND workspace_id = ?", ada.ID, other.ID).Take(&b))
		r = c.Submit("/t/acme/workspaces/other/access", fmt.Sprintf("/t/acme/workspaces/other/access/%d/delete", b.ID), nil)
		if r.Status != http.StatusSeeOther {
			t.Fatalf("remove: %d", r.Status)
		}
		if r := c.Get("/t/acme/workspaces/other/access"); !strings.Contains(r.Body, "Nobody has been given access yet") {
			t.Error("binding still listed")
		}
	})
}

// TestWorkspaceNavigationShowsOnlyWhatTheViewerMayReach: a Tenant Member
// who is Workspace Admin of alpha sees alpha by name, nothing of beta;
// Tenant Admins and Auditors see the Workspaces list; administrators of
// several workspaces get the switcher.
func TestWorkspaceNavigationShowsOnlyWhatTheViewerMayReach(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		owner, tn, _ := app.Owner("acme", "owner@example.com")
		alpha, beta := app.Workspace(tn, "alpha", "Alpha Team"), app.Workspace(tn, "beta", "Beta Team")
		_ = beta
		member, _ := app.SignedInWithWorkspaceRole(tn, "member@example.com", alpha, "workspace_admin", "tenant_member")
		home := member.Get("/t/acme/")
		for _, want := range []string{`href="/t/acme/workspaces/alpha"`, "Alpha Team", `href="/t/acme/overview"`, "Your workspace"} {
			if !strings.Contains(home.Body, want) {
				t.Errorf("member's dashboard lacks %s", want)
			}
		}
		for _, not := range []string{"Beta Team", "/workspaces/beta", `href="/t/acme/workspaces"`, "ws-switcher", `href="/t/acme/audit"`, "/settings/administrators"} {
			if strings.Contains(home.Body, not) {
				t.Errorf("member's dashboard shows %s", not)
			}
		}
		list := member.Get("/t/acme/workspaces")
		if list.Status != 200 || !strings.Contains(list.Body, "Alpha Team") || strings.Contains(list.Body, "Beta Team") || strings.Contains(list.Body, "Create Workspace") {
			t.Errorf("member's list: %d", list.Status)
		}
		if r := member.Get("/t/acme/workspaces?q=beta"); strings.Contains(r.Body, "Beta Team") {
			t.Error("search reveals beta")
		}
		page := member.Get("/t/acme/workspaces/alpha")
		if !strings.Contains(page.Body, `aria-current="page">Alpha Team`) || strings.Contains(page.Body, "Delete workspace") || !strings.Contains(page.Body, `name="name"`) {
			t.Error("member's workspace page: nav not active, or controls wrong")
		}

		// A Tenant Auditor sees the list, read-only.
		auditor, _ := app.SignedInAs(tn, "auditor@example.com", "tenant_auditor")
		home = auditor.Get("/t/acme/")
		if !strings.Contains(home.Body, `href="/t/acme/workspaces"`) || !strings.Contains(home.Body, "Read only") {
			t.Error("auditor's nav lacks Workspaces")
		}
		page = auditor.Get("/t/acme/workspaces/alpha")
		if strings.Contains(page.Body, `name="name"`) || strings.Contains(page.Body, "Delete workspace") {
			t.Error("auditor sees controls")
		}
		access := auditor.Get("/t/acme/workspaces/alpha/access")
		if strings.Contains(access.Body, "Add User</h2>") || strings.Contains(access.Body, ">Remove<") || !strings.Contains(access.Body, "member@example.com") {
			t.Error("auditor's Manage Access is not read-only")
		}
		// The switcher: for the Tenant Admin inside a workspace, and for an administrator of two.
		if r := owner.Get("/t/acme/workspaces/alpha"); !strings.Contains(r.Body, "ws-switcher") || !strings.Contains(r.Body, `href="/t/acme/workspaces/beta"`) {
			t.Error("the Tenant Admin has no switcher in a workspace")
		}
		_, twoAdmin := app.SignedInWithWorkspaceRole(tn, "two@example.com", alpha, "workspace_auditor")
		app.BindInWorkspace(twoAdmin, beta, "workspace_admin")
		two := app.Client()
		two.SignIn("acme", "two@example.com", webtest.Password)
		r := two.Get("/t/acme/workspaces/beta/access")
		if !strings.Contains(r.Body, "ws-switcher") || !strings.Contains(r.Body, "<strong>Beta Team</strong>") || !strings.Contains(r.Body, `href="/t/acme/workspaces/alpha"`) {
			t.Error("an administrator of two workspaces has no switcher")
		}
		if strings.Contains(r.Body, "System overview") {
			t.Error("a Workspace Admin without Tenant Member sees the System overview")
		}
	})
}

// TestWorkspaceCandidatesPicker: the Add User picker's endpoint searches all
// the tenant's administrators (never another tenant's), at most 20.
func TestWorkspaceCandidatesPicker(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, tn, _ := app.Owner("acme", "owner@example.com")
		app.Workspace(tn, "alpha", "Alpha")
		if _, err := app.Store.SeedAdministrators(webtest.Ctx(), tn, 60, "", models.Actor{}); err != nil {
			t.Fatal(err)
		}
		app.AdminWithRoles(tn, "zed.unique@example.com", "tenant_member")
		other, _, _ := app.Tenant("globex", models.PlanFree, "g@example.com")
		app.AdminWithRoles(other, "zed.other@globex.example", "tenant_member")
		get := func(q string) []models.Candidate {
			r := c.Get("/t/acme/workspaces/alpha/access/candidates?q=" + url.QueryEscape(q))
			if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
				t.Fatalf("candidates %q: %d %s", q, r.Status, r.Header.Get("Content-Type"))
			}
			var out struct{ Candidates []models.Candidate }
			if err := json.Unmarshal([]byte(r.Body), &out); err != nil {
				t.Fatal(err)
			}
			return out.Candidates
		}
		if all := get(""); len(all) != models.CandidatesMax || !sort.SliceIsSorted(all, func(i, j int) bool { return all[i].Email < all[j].Email }) {
			t.Errorf("empty query: %d candidates", len(all))
		}
		if z := get("ZED"); len(z) != 1 || z[0].Email != "zed.unique@example.com" || z[0].Name == "" {
			t.Errorf("search zed: %+v", z)
		}
		if none := get("%"); len(none) != 0 {
			t.Errorf("%% is a wildcard: %d", len(none))
		}
		// The form links the picker.
		if r := c.Get("/t/acme/workspaces/alpha/access"); !strings.Contains(r.Body, `data-candidates="/t/acme/workspaces/alpha/access/candidates"`) {
			t.Error("Add User has no picker")
		}
	})
}

// TestOverviewForTenantMember: the System overview shows a Tenant Member
// the tenant's state, notifications, services, APIs and templates.
func TestOverviewForTenantMember(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		_, tn, _ := app.Owner("acme", "owner@example.com")
		app.Workspace(tn, "alpha", "Alpha")
		ov, err := app.Store.LoadViewer(webtest.Ctx(), tn, 1)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.Store.CreateAdministrator(webtest.Ctx(), ov, models.CreateAdminInput{Email: "inv@example.com", GivenName: "I", FamilyName: "V", Role: "tenant_member"}, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		app.Clock.Add(6 * 24 * time.Hour) // the invitation expires within two days
		member, _ := app.SignedInAs(tn, "member@example.com", "tenant_member")
		r := member.Get("/t/acme/overview")
		if r.Status != 200 {
			t.Fatalf("overview: %d", r.Status)
		}
		for _, want := range []string{"System Environment", "Notifications", "Tenant Services", "Tenant APIs", "Templates",
			"You&#39;re invited to administer Acme", "Reset your Gatehouse password for Acme", "Pending invitations",
			"1 invitation will expire within 2 days", "/healthz"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("overview lacks %q", want)
			}
		}
		// Not links to pages the member cannot open.
		if strings.Contains(r.Body, `href="/t/acme/settings/administrators"`) || strings.Contains(r.Body, `href="/t/acme/workspaces"`) {
			t.Error("overview links to pages the member cannot open")
		}
	})
}
