package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/webtest"

	"gorm.io/gorm"
)

// umState snapshots every row of users, connections and end-user roles,
// and the number of audit events: a refused request must leave it as it was.
func umState(t *testing.T, db *gorm.DB) string {
	t.Helper()
	var users []models.User
	var conns []models.Connection
	var roles []models.EndUserRole
	var audits int64
	for _, q := range []error{
		db.Order("id").Find(&users).Error, db.Order("id").Find(&conns).Error,
		db.Order("id").Find(&roles).Error, db.Model(&models.AuditEvent{}).Count(&audits).Error,
	} {
		if q != nil {
			t.Fatal(q)
		}
	}
	b, err := json.Marshal([]any{users, conns, roles, audits})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// umFixtures are one user, one connection and one role of a tenant.
type umFixtures struct {
	user, conn, role string // ids
	connName         string
}

func newUMFixtures(t *testing.T, app *webtest.App, tenantID int64, tag string) umFixtures {
	t.Helper()
	ctx := webtest.Ctx()
	u, err := app.Store.CreateUser(ctx, tenantID, models.CreateUserInput{Email: "target-" + tag + "@example.com", Username: "target-" + tag, GivenName: "Tara", FamilyName: "Target"}, models.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := app.Store.CreateConnection(ctx, tenantID, models.CreateConnectionInput{Name: "conn-" + tag, Strategy: "github"}, models.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := app.Store.CreateEndUserRole(ctx, tenantID, models.EndUserRoleInput{Name: "Role " + tag, Description: "for " + tag}, models.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	return umFixtures{user: fmt.Sprint(u.ID), conn: fmt.Sprint(c.ID), role: fmt.Sprint(r.ID), connName: c.Name}
}

// What each viewer of the role × route table may do.
type umRights struct {
	readUsers, manageUsers                           bool
	readConns, createConns, updateConns, deleteConns bool
	readRoles, manageRoles                           bool
}

var umViewers = []struct {
	name   string
	roles  []string
	rights umRights
}{
	{"Editor - Organizations", []string{"editor_organizations"}, umRights{readUsers: true, readConns: true, readRoles: true}},
	{"Editor - Users", []string{"editor_users"}, umRights{readUsers: true, manageUsers: true}},
	{"Editor - Connections", []string{"editor_connections"}, umRights{readConns: true, createConns: true, updateConns: true}},
	{"all three editors", []string{"editor_organizations", "editor_users", "editor_connections"},
		umRights{readUsers: true, manageUsers: true, readConns: true, createConns: true, updateConns: true, readRoles: true}},
	{"Tenant Admin", []string{"tenant_admin"}, umRights{true, true, true, true, true, true, true, true}},
	{"Tenant Auditor", []string{"tenant_auditor"}, umRights{readUsers: true, readConns: true, readRoles: true}},
	{"Tenant Member", []string{"tenant_member"}, umRights{}},
}

// TestUserManagementRoutesByRole is the role × route table for Users,
// Connections and Roles: every route is allowed or refused (403, in the
// app's layout) exactly as the editor roles, Tenant Admin and Tenant
// Auditor define, a refused request changes nothing, the navigation and
// the dashboard show what the viewer may read, and pages hide the controls
// the viewer cannot use.
func TestUserManagementRoutesByRole(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		tn, _, _ := app.Tenant("acme", models.PlanEnterprise, "first@example.com")
		for i, vw := range umViewers {
			c, _ := app.SignedInAs(tn, fmt.Sprintf("viewer%d@example.com", i), vw.roles...)
			fx := newUMFixtures(t, app, tn.ID, fmt.Sprint(i))
			rt := vw.rights
			u, cn, r := "/t/acme/users/"+fx.user, "/t/acme/connections/"+fx.conn, "/t/acme/roles/"+fx.role

			// Navigation and dashboard: exactly what the viewer may read.
			home := c.Get("/t/acme/")
			for _, e := range []struct {
				href string
				want bool
			}{{"/t/acme/users", rt.readUsers}, {"/t/acme/connections", rt.readConns}, {"/t/acme/roles", rt.readRoles}} {
				nav := strings.Contains(home.Body, `<a href="`+e.href+`">`)
				card := strings.Contains(home.Body, `<h2><a href="`+e.href+`">`)
				if nav != e.want || card != e.want {
					t.Errorf("%s: nav link %s shown=%v, dashboard card shown=%v, want %v", vw.name, e.href, nav, card, e.want)
				}
			}
			if got := strings.Contains(home.Body, `<h2 class="nav-title">User Management</h2>`); got != (rt.readUsers || rt.readConns || rt.readRoles) {
				t.Errorf("%s: User Management section shown=%v", vw.name, got)
			}

			for _, tc := range []struct {
				method, path string
				vals         url.Values
				allowed      bool
				okStatus     int
				// on the allowed page: controls shown iff the right is held
				controls map[string]bool
			}{
				{"GET", "/t/acme/users", nil, rt.readUsers, 200, map[string]bool{"Create User": rt.manageUsers, "target-" + fmt.Sprint(i) + "@example.com": true}},
				{"GET", "/t/acme/users?q=tara&after=999999999", nil, rt.readUsers, 200, nil},
				{"GET", u, nil, rt.readUsers, 200, map[string]bool{`id="edit"`: rt.manageUsers, "Danger zone": rt.manageUsers, `name="email"`: rt.manageUsers}},
				{"GET", "/t/acme/users/new", nil, rt.manageUsers, 200, nil},
				{"GET", u + "/delete", nil, rt.manageUsers, 200, map[string]bool{"Yes, delete this user": true}},
				{"POST", u, url.Values{"email": {"renamed-" + fmt.Sprint(i) + "@example.com"}, "status": {"active"}}, rt.manageUsers, 303, nil},
				{"POST", u + "/block", nil, rt.manageUsers, 303, nil},
				{"POST", u + "/unblock", nil, rt.manageUsers, 303, nil},
				{"POST", "/t/acme/users/new", url.Values{"email": {"new-" + fmt.Sprint(i) + "@example.com"}}, rt.manageUsers, 303, nil},
				{"POST", "/t/acme/users", url.Values{"email": {"list-" + fmt.Sprint(i) + "@example.com"}}, rt.manageUsers, 303, nil},

				{"GET", "/t/acme/connections", nil, rt.readConns, 200, map[string]bool{"Create Connection": rt.createConns, fx.connName: true}},
				{"GET", "/t/acme/connections?type=social", nil, rt.readConns, 200, nil},
				{"GET", cn, nil, rt.readConns, 200, map[string]bool{`id="settings"`: rt.updateConns, "Danger zone": rt.deleteConns}},
				{"GET", "/t/acme/connections/new", nil, rt.createConns, 200, nil},
				{"GET", cn + "/delete", nil, rt.deleteConns, 200, nil},
				{"POST", cn, url.Values{"display_name": {"Sign in with GitHub"}, "enabled": {"true"}}, rt.updateConns, 303, nil},
				{"POST", "/t/acme/connections/new", url.Values{"name": {"new-" + fmt.Sprint(i)}, "strategy": {"samlp"}}, rt.createConns, 303, nil},
				{"POST", "/t/acme/connections", url.Values{"name": {"list-" + fmt.Sprint(i)}, "strategy": {"oidc"}}, rt.createConns, 303, nil},

				{"GET", "/t/acme/roles", nil, rt.readRoles, 200, map[string]bool{"Create Role": rt.manageRoles, "Role " + fmt.Sprint(i): true}},
				{"GET", r, nil, rt.readRoles, 200, map[string]bool{`id="settings"`: rt.manageRoles, "Danger zone": rt.manageRoles}},
				{"GET", "/t/acme/roles/new", nil, rt.manageRoles, 200, nil},
				{"GET", r + "/delete", nil, rt.manageRoles, 200, nil},
				{"POST", r, url.Values{"name": {"Renamed " + fmt.Sprint(i)}, "description": {"d"}}, rt.manageRoles, 303, nil},
				{"POST", "/t/acme/roles/new", url.Values{"name": {"New " + fmt.Sprint(i)}}, rt.manageRoles, 303, nil},
				{"POST", "/t/acme/roles", url.Values{"name": {"Listed " + fmt.Sprint(i)}}, rt.manageRoles, 303, nil},

				// Deletions last: they remove the fixtures.
				{"POST", u + "/delete", nil, rt.manageUsers, 303, nil},
				{"POST", cn + "/delete", url.Values{"confirm": {fx.connName}}, rt.deleteConns, 303, nil},
				{"POST", r + "/delete", nil, rt.manageRoles, 303, nil},
			} {
				before := umState(t, db.DB)
				var res *webtest.Response
				if tc.method == "GET" {
					res = c.Get(tc.path)
				} else {
					res = c.Submit("/t/acme/", tc.path, tc.vals)
				}
				want := http.StatusForbidden
				if tc.allowed {
					want = tc.okStatus
				}
				if res.Status != want {
					t.Errorf("%s: %s %s = %d, want %d", vw.name, tc.method, tc.path, res.Status, want)
					continue
				}
				after := umState(t, db.DB)
				switch {
				case !tc.allowed:
					if after != before {
						t.Errorf("%s: refused %s %s changed something", vw.name, tc.method, tc.path)
					}
					if !strings.Contains(res.Body, "Access denied") || !strings.Contains(res.Body, `class="sidebar"`) {
						t.Errorf("%s: 403 page of %s not in the layout", vw.name, tc.path)
					}
				case tc.method == "POST" && after == before:
					t.Errorf("%s: allowed %s %s changed nothing", vw.name, tc.method, tc.path)
				case tc.method == "GET":
					for text, shown := range tc.controls {
						if strings.Contains(res.Body, text) != shown {
							t.Errorf("%s: %s shows %q = %v, want %v", vw.name, tc.path, text, !shown, shown)
						}
					}
				}
			}
		}
	})
}

// TestUserManagementAcrossTenants: ids of another tenant are 404 (and
// change nothing) even for a Tenant Admin; a session of another tenant is
// sent to this tenant's sign-in page.
func TestUserManagementAcrossTenants(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		acme, _, _ := app.Tenant("acme", models.PlanEnterprise, "first@example.com")
		globex, _, _ := app.Tenant("globex", models.PlanEnterprise, "first@globex.example")
		admin, _ := app.SignedInAs(acme, "admin@acme.example", "tenant_admin")
		stranger, _ := app.SignedInAs(globex, "admin@globex.example", "tenant_admin")
		mine := newUMFixtures(t, app, acme.ID, "acme")
		theirs := newUMFixtures(t, app, globex.ID, "globex")

		before := umState(t, db.DB)
		for _, ids := range []umFixtures{theirs, {user: "999999", conn: "999999", role: "999999"}, {user: "abc", conn: "-1", role: "0"}} {
			for _, p := range []string{"/users/" + ids.user, "/users/" + ids.user + "/delete", "/connections/" + ids.conn,
				"/connections/" + ids.conn + "/delete", "/roles/" + ids.role, "/roles/" + ids.role + "/delete"} {
				if r := admin.Get("/t/acme" + p); r.Status != http.StatusNotFound || !strings.Contains(r.Body, `class="sidebar"`) {
					t.Errorf("GET /t/acme%s = %d, want a 404 page", p, r.Status)
				}
			}
			for _, p := range []struct {
				path string
				vals url.Values
			}{
				{"/users/" + ids.user, url.Values{"email": {"x@example.com"}, "status": {"active"}}},
				{"/users/" + ids.user + "/block", nil}, {"/users/" + ids.user + "/unblock", nil}, {"/users/" + ids.user + "/delete", nil},
				{"/connections/" + ids.conn, url.Values{"display_name": {"x"}}},
				{"/connections/" + ids.conn + "/delete", url.Values{"confirm": {ids.connName}}},
				{"/roles/" + ids.role, url.Values{"name": {"x"}}}, {"/roles/" + ids.role + "/delete", nil},
			} {
				if r := admin.Submit("/t/acme/", "/t/acme"+p.path, p.vals); r.Status != http.StatusNotFound {
					t.Errorf("POST /t/acme%s = %d, want 404", p.path, r.Status)
				}
			}
		}
		// A Tenant Admin of globex, signed in there, reaches nothing of acme.
		for _, p := range []string{"/users", "/users/" + mine.user, "/connections", "/connections/" + mine.conn, "/roles", "/roles/" + mine.role, "/users/new"} {
			r := stranger.Get("/t/acme" + p)
			if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/t/acme/login") {
				t.Errorf("globex admin GET /t/acme%s = %d %q, want 303 to the sign-in page", p, r.Status, r.Location)
			}
		}
		for _, p := range []struct {
			path string
			vals url.Values
		}{
			{"/users/new", url.Values{"email": {"evil@example.com"}}},
			{"/users/" + mine.user + "/delete", nil},
			{"/connections/new", url.Values{"name": {"evil"}, "strategy": {"github"}}},
			{"/connections/" + mine.conn + "/delete", url.Values{"confirm": {mine.connName}}},
			{"/roles/new", url.Values{"name": {"evil"}}},
			{"/roles/" + mine.role + "/delete", nil},
		} {
			r := stranger.Submit("/t/globex/", "/t/acme"+p.path, p.vals)
			if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/t/acme/login") {
				t.Errorf("globex admin POST /t/acme%s = %d %q, want 303 to the sign-in page", p.path, r.Status, r.Location)
			}
		}
		if after := umState(t, db.DB); after != before {
			t.Fatal("cross-tenant requests changed something")
		}
	})
}

// TestUserManagementBadInput: every form answers bad input with 422, a
// message beside each field and what was typed, and saves nothing.
func TestUserManagementBadInput(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		tn, _, _ := app.Tenant("acme", models.PlanEnterprise, "first@example.com")
		c, _ := app.SignedInAs(tn, "admin@acme.example", "tenant_admin")
		fx := newUMFixtures(t, app, tn.ID, "a")
		other := newUMFixtures(t, app, tn.ID, "b")
		long := strings.Repeat("x", 129)
		for _, tc := range []struct {
			name, page, action string
			vals               url.Values
			want               []string
		}{
			{"create user: bad identifiers", "/t/acme/users/new", "/t/acme/users/new",
				url.Values{"email": {"not-an-email"}, "username": {"has space"}, "given_name": {"Ann"}},
				[]string{`id="e-email"`, `id="e-username"`, `value="not-an-email"`, `value="has space"`, `value="Ann"`}},
			{"create user: neither e-mail nor username", "/t/acme/users/new", "/t/acme/users/new",
				url.Values{"given_name": {"Nobody"}}, []string{`id="e-email"`, "Enter an e-mail address or a username", `value="Nobody"`}},
			{"create user: taken", "/t/acme/users/new", "/t/acme/users/new",
				url.Values{"email": {"TARGET-A@example.com"}, "username": {"Target-A"}}, []string{"A user with this e-mail already exists", "A user with this username already exists"}},
			{"edit user", "/t/acme/users/" + fx.user, "/t/acme/users/" + fx.user,
				url.Values{"email": {"target-b@example.com"}, "phone": {"12345"}, "status": {"active"}, "given_name": {"Typed"},
					"attribute_key": {"dept", "dept"}, "attribute_value": {"a", "b"}, "metadata_key": {"bad key"}, "metadata_value": {"v"}},
				[]string{`id="e-email"`, `id="e-phone"`, `id="e-attributes"`, `id="e-metadata"`, "appears twice", `value="12345"`, `value="Typed"`, `value="bad key"`,
					"<h1>Tara Target</h1>"}},
			{"edit user: bad status", "/t/acme/users/" + fx.user, "/t/acme/users/" + fx.user,
				url.Values{"email": {"target-a@example.com"}, "status": {"deleted"}}, []string{`id="e-status"`}},
			{"create connection", "/t/acme/connections/new", "/t/acme/connections/new",
				url.Values{"name": {"bad name"}, "strategy": {"myspace"}, "display_name": {"Typed display"}},
				[]string{`id="e-name"`, `id="e-strategy"`, `value="bad name"`, `value="Typed display"`}},
			{"create connection: taken", "/t/acme/connections/new", "/t/acme/connections/new",
				url.Values{"name": {"CONN-A"}, "strategy": {"github"}}, []string{"A connection with this name already exists", `value="github" selected`}},
			{"edit connection", "/t/acme/connections/" + fx.conn, "/t/acme/connections/" + fx.conn,
				url.Values{"display_name": {long}}, []string{`id="e-display_name"`, `value="` + long + `"`}},
			{"delete connection: wrong confirmation", "/t/acme/connections/" + fx.conn + "/delete", "/t/acme/connections/" + fx.conn + "/delete",
				url.Values{"confirm": {"conn-b"}}, []string{`id="e-confirm"`, `value="conn-b"`}},
			{"create role", "/t/acme/roles/new", "/t/acme/roles/new",
				url.Values{"name": {" "}, "description": {"Typed description"}}, []string{`id="e-name"`, "Typed description"}},
			{"create role: taken", "/t/acme/roles/new", "/t/acme/roles/new",
				url.Values{"name": {"role B"}}, []string{"A role with this name already exists"}},
			{"edit role", "/t/acme/roles/" + fx.role, "/t/acme/roles/" + fx.role,
				url.Values{"name": {"Role b"}, "description": {strings.Repeat("d", 501)}}, []string{`id="e-name"`, `id="e-description"`, `value="Role b"`}},
		} {
			before := umState(t, db.DB)
			r := c.Submit(tc.page, tc.action, tc.vals)
			if r.Status != http.StatusUnprocessableEntity {
				t.Errorf("%s: %d, want 422", tc.name, r.Status)
				continue
			}
			for _, w := range tc.want {
				if !strings.Contains(r.Body, w) {
					t.Errorf("%s: page lacks %s", tc.name, w)
				}
			}
			if after := umState(t, db.DB); after != before {
				t.Errorf("%s: bad input saved something", tc.name)
			}
		}
		_ = other
	})
}

// TestUserPageEditsEverything: the edit form round-trips identifiers,
// addresses, attributes and metadata, and the audit log records it.
func TestUserPageEditsEverything(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		tn, _, _ := app.Tenant("acme", models.PlanEnterprise, "first@example.com")
		c, _ := app.SignedInAs(tn, "editor@acme.example", "editor_users")
		r := c.Submit("/t/acme/users/new", "/t/acme/users/new", url.Values{"email": {"Ada@Example.com"}, "given_name": {"Ada"}, "family_name": {"Lovelace"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("create: %d", r.Status)
		}
		page := r.Location
		if r := c.Get(page); !strings.Contains(r.Body, "Ada Lovelace was created") || !strings.Contains(r.Body, "ada@example.com") {
			t.Fatalf("user page after create:\n%s", r.Body)
		}
		r = c.Submit(page, page, url.Values{"email": {"ada@example.com"}, "email_verified": {"true"}, "username": {"ada"}, "phone": {"+44 20 7946 0958"},
			"phone_verified": {"true"}, "given_name": {"Ada"}, "family_name": {"King"}, "status": {"active"},
			"attribute_key": {"department", "", "locale"}, "attribute_value": {"Engineering", "", "en-GB"},
			"metadata_key": {"plan"}, "metadata_value": {"pro"}})
		if r.Status != http.StatusSeeOther || r.Location != page {
			t.Fatalf("save: %d %q", r.Status, r.Location)
		}
		body := c.Get(page).Body
		for _, want := range []string{"Ada King was saved", "<h1>Ada King</h1>", "+442079460958", "<code>department</code>", "Engineering",
			"<code>plan</code>", "Verified", `value="locale"`, "Active"} {
			if !strings.Contains(body, want) {
				t.Errorf("user page lacks %q", want)
			}
		}
		// Block, then the page says so and offers Unblock.
		if r := c.Submit(page, page+"/block", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("block: %d", r.Status)
		}
		body = c.Get(page).Body
		if !strings.Contains(body, "was blocked") || !strings.Contains(body, ">Unblock</button>") || !strings.Contains(body, "Blocked") {
			t.Error("blocked user page")
		}
		// The confirmation page names what goes; deleting returns to the list.
		body = c.Get(page + "/delete").Body
		for _, want := range []string{"ada@example.com", "the username <strong>ada</strong>", "+442079460958", "2 attributes and 1 metadata pair"} {
			if !strings.Contains(body, want) {
				t.Errorf("delete confirmation lacks %q", want)
			}
		}
		if r := c.Submit(page+"/delete", page+"/delete", nil); r.Status != http.StatusSeeOther || r.Location != "/t/acme/users" {
			t.Fatalf("delete: %d %q", r.Status, r.Location)
		}
		if r := c.Get(page); r.Status != http.StatusNotFound {
			t.Fatalf("deleted user: %d", r.Status)
		}
		var actions []string
		modelstest.Must(t, db.DB.Model(&models.AuditEvent{}).Where("target_type = 'user'").Order("id").Pluck("action", &actions))
		if strings.Join(actions, ",") != "user.created,user.updated,user.blocked,user.deleted" {
			t.Fatalf("audit: %v", actions)
		}
		// Editor - Users reads the logs.
		if r := c.Get("/t/acme/audit"); r.Status != http.StatusOK || !strings.Contains(r.Body, "user.deleted") {
			t.Errorf("audit log for Editor - Users: %d", r.Status)
		}
	})
}

// TestUsersListPaginatesWithFixedQueries: the Users list costs the same
// number of queries whatever the tenant's size, on the first page, deep
// in the list and searching; its pages do not overlap. Not parallel: it
// sets models.UserSearchWindow.
func TestUsersListPaginatesWithFixedQueries(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		tn, _, _ := app.Tenant("acme", models.PlanEnterprise, "first@example.com")
		c, _ := app.SignedInAs(tn, "auditor@acme.example", "tenant_auditor")
		var n atomic.Int64
		if err := app.Store.OnStatement("test:count_um", func(string) { n.Add(1) }); err != nil {
			t.Fatal(err)
		}
		measure := func(path string) (int64, *webtest.Response) {
			n.Store(0)
			r := c.Get(path)
			if r.Status != http.StatusOK {
				t.Fatalf("%s: %d", path, r.Status)
			}
			return n.Load(), r
		}
		empty, _ := measure("/t/acme/users")
		emptySearch, _ := measure("/t/acme/users?q=a")
		if _, err := app.Store.SeedUsers(webtest.Ctx(), tn, 60, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		first, _ := measure("/t/acme/users")
		seen := map[string]bool{}
		pages := 0
		var deep int64
		var r *webtest.Response
		for next := "/t/acme/users"; next != ""; pages++ {
			var q int64
			q, r = measure(next)
			if pages > 0 {
				deep = q
			}
			for _, row := range strings.Split(r.Body, `<a href="/t/acme/users/`)[1:] {
				id := row[:strings.Index(row, `"`)]
				if id == "new" {
					continue
				}
				if seen[id] {
					t.Fatalf("user %s on two pages", id)
				}
				seen[id] = true
			}
			next = ""
			if i := strings.Index(r.Body, `rel="next"`); i >= 0 {
				j := strings.LastIndex(r.Body[:i], `href="`)
				next = strings.ReplaceAll(r.Body[j+6:j+6+strings.Index(r.Body[j+6:], `"`)], "&amp;", "&")
			}
			if pages > 5 {
				t.Fatal("too many pages")
			}
		}
		if len(seen) != 60 || pages != 3 {
			t.Fatalf("saw %d users on %d pages", len(seen), pages)
		}
		search, _ := measure("/t/acme/users?q=a")
		deepSearch, _ := measure("/t/acme/users?q=a&after=" + fmt.Sprint(1<<40))
		if first != empty || deep != empty || search != emptySearch || deepSearch != emptySearch {
			t.Fatalf("queries per page: %d empty, %d first page of 60, %d deep; searching: %d empty, %d of 60, %d deep",
				empty, first, deep, emptySearch, search, deepSearch)
		}
		if empty > 3 || search > empty+1 { // the request, the Users pool, the page
			t.Fatalf("the Users page costs %d queries, %d searching", empty, search)
		}
		t.Logf("the Users page costs %d queries, %d searching", empty, search)

		// A search stops after UserSearchWindow users and offers to go on
		// (a search of 3+ characters on PostgreSQL looks through all at once).
		defer func(w int) { models.UserSearchWindow = w }(models.UserSearchWindow)
		models.UserSearchWindow = 10
		_, r = measure("/t/acme/users?q=zq") // under 3 characters: PostgreSQL too searches by window
		if !strings.Contains(r.Body, "No match yet for") || !strings.Contains(r.Body, "Search older users") {
			t.Fatalf("windowed search page:\n%s", r.Body)
		}
	})
}
