package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/webtest"

	"gorm.io/gorm"
)

const adminsURL = "/t/acme/settings/administrators"

// counts snapshots the tables a mutation could touch.
func counts(t *testing.T, db *gorm.DB) string {
	t.Helper()
	var parts []string
	for _, m := range []any{&models.Administrator{}, &models.RoleBinding{}, &models.Invitation{}, &models.AuditEvent{}, &models.Session{}, &models.OutboxEmail{}} {
		var n int64
		if err := db.Model(m).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		parts = append(parts, fmt.Sprint(n))
	}
	var statuses []string
	modelstest.Must(t, db.Model(&models.Administrator{}).Order("id").Pluck("status", &statuses))
	var revoked int64
	modelstest.Must(t, db.Model(&models.Invitation{}).Where("revoked_at IS NOT NULL").Count(&revoked))
	return strings.Join(parts, "/") + " " + strings.Join(statuses, ",") + fmt.Sprintf(" revoked=%d", revoked)
}

func TestCreateNewAdministrator(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, _, _ := app.Owner("acme", "owner@example.com")

		r := c.Get(adminsURL)
		if r.Status != http.StatusOK || !strings.Contains(r.Body, "Create New") || !strings.Contains(r.Body, "owner@example.com") {
			t.Fatalf("list: %d", r.Status)
		}
		r = c.Get(adminsURL + "/new")
		for _, want := range []string{`name="email"`, `name="given_name"`, `name="family_name"`, `name="role"`, "Tenant Role", `value="tenant_auditor"`} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("Create New lacks %s", want)
			}
		}
		// Bad input: messages beside the fields, typed values kept, nothing saved.
		before := counts(t, db.DB)
		r = c.Submit(adminsURL+"/new", adminsURL+"/new", url.Values{"email": {"not-an-email"}, "given_name": {"Ann"}, "family_name": {""}, "role": {"root"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad input: %d", r.Status)
		}
		for _, want := range []string{`id="e-email"`, `id="e-family_name"`, `id="e-role"`, `value="not-an-email"`, `value="Ann"`} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("bad input page lacks %s", want)
			}
		}
		r = c.Submit(adminsURL+"/new", adminsURL+"/new", url.Values{"email": {"OWNER@example.com"}, "given_name": {"Dup"}, "family_name": {"Licate"}, "role": {"tenant_auditor"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "already exists") {
			t.Fatalf("duplicate e-mail: %d", r.Status)
		}
		if after := counts(t, db.DB); after != before {
			t.Fatalf("bad input saved something: %s → %s", before, after)
		}

		r = c.Submit(adminsURL+"/new", adminsURL+"/new", url.Values{"email": {"Ada@Example.com"}, "given_name": {"Ada"}, "family_name": {"Auditor"}, "role": {"tenant_auditor"},
			"status": {"active"}, "tenant_id": {"999"}})
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, adminsURL+"/") {
			t.Fatalf("create: %d %q", r.Status, r.Location)
		}
		profile := c.Get(r.Location)
		for _, want := range []string{"Ada Auditor", "ada@example.com", "Tenant Auditor", "Invited", "An invitation is pending", "was created and an invitation was sent"} {
			if !strings.Contains(profile.Body, want) {
				t.Errorf("profile lacks %q", want)
			}
		}
		ada, err := app.Store.AdministratorByEmail(webtest.Ctx(), 1, "ada@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if ada.Status != models.AdminInvited {
			t.Fatalf("posted status was not ignored: %s", ada.Status)
		}
		mails, err := app.Store.OutboxTo(webtest.Ctx(), "ada@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if len(mails) != 1 || !strings.Contains(mails[0].TextBody, "/invitations/") || !strings.Contains(mails[0].TextBody, "Olivia Owner has invited you") {
			t.Fatalf("invitation e-mail: %+v", mails)
		}
		// Search and the list.
		if r := c.Get(adminsURL + "?q=AUDITOR"); !strings.Contains(r.Body, "<td>ada@example.com</td>") || strings.Contains(r.Body, "<td>owner@example.com</td>") {
			t.Error("search by name")
		}
		if r := c.Get(adminsURL + "?q=zzz"); !strings.Contains(r.Body, "No administrator matches") {
			t.Error("empty search")
		}
	})
}

func TestAdministratorsListPaginates(t *testing.T) {
	t.Parallel()
	app := webtest.Start(t, modelstest.SQLite(t), webtest.Options{})
	c, tn, _ := app.Owner("acme", "owner@example.com")
	for i := 0; i < 30; i++ {
		app.AdminWithRoles(tn, fmt.Sprintf("user%02d@example.com", i), "tenant_member")
	}
	seen := map[string]bool{}
	next := adminsURL
	pages := 0
	for next != "" && pages < 5 {
		r := c.Get(next)
		pages++
		for i := 0; i < 30; i++ {
			e := fmt.Sprintf("user%02d@example.com", i)
			if strings.Contains(r.Body, e) {
				if seen[e] {
					t.Fatalf("%s on two pages", e)
				}
				seen[e] = true
			}
		}
		next = ""
		if i := strings.Index(r.Body, `rel="next"`); i >= 0 {
			j := strings.LastIndex(r.Body[:i], `href="`)
			next = strings.ReplaceAll(r.Body[j+6:j+strings.Index(r.Body[j+6:], `"`)+6], "&amp;", "&")
		}
	}
	if len(seen) != 30 || pages != 2 {
		t.Fatalf("saw %d administrators on %d pages", len(seen), pages)
	}
}

// TestAdministratorRoutesByRole is the role × route table: each built-in
// role is allowed or refused each administrators route exactly as the
// matrix says (Read/Manage Tenant Roles), and a refused mutation changes nothing.
func TestAdministratorRoutesByRole(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		for i, role := range []string{"tenant_admin", "tenant_auditor", "tenant_member", "editor_organizations", "editor_users", "editor_connections", "workspace_admin", "workspace_auditor"} {
			slug := fmt.Sprintf("t%d", i)
			tn, _, _ := app.Tenant(slug, models.PlanEnterprise, "first@example.com")
			owner := app.AdminWithRoles(tn, "owner@example.com", "tenant_admin")
			ownerViewer, err := app.Store.LoadViewer(webtest.Ctx(), tn, owner.ID)
			if err != nil {
				t.Fatal(err)
			}
			invited, err := app.Store.CreateAdministrator(webtest.Ctx(), ownerViewer, models.CreateAdminInput{Email: "invited@example.com", GivenName: "In", FamilyName: "Vited", Role: "tenant_member"}, models.Actor{})
			if err != nil {
				t.Fatal(err)
			}
			_, target := app.SignedInAs(tn, "target@example.com", "tenant_member", "editor_users")
			var binding models.RoleBinding
			modelstest.Must(t, db.DB.Where("administrator_id = ? AND role_key = ?", target.ID, "editor_users").Take(&binding))
			var sess models.Session
			modelstest.Must(t, db.DB.Where("administrator_id = ?", target.ID).Take(&sess))
			// Locked out and enrolled in TOTP, for Unlock and Reset TOTP.
			modelstest.Must(t, db.DB.Model(&models.Administrator{}).Where("id = ?", target.ID).Updates(map[string]any{
				"locked_until": app.Clock.Now().Add(time.Hour), "totp_enabled_at": app.Clock.Now(), "totp_secret": []byte("sealed")}))

			viewer, _ := app.SignedInAs(tn, role+"@example.com", role)
			base := "/t/" + slug + "/settings/administrators"
			tid, iid := fmt.Sprint(target.ID), fmt.Sprint(invited.ID)
			read := role == "tenant_admin" || role == "tenant_auditor"
			manage := role == "tenant_admin"
			for _, rt := range []struct {
				method, path string
				vals         url.Values
				allowed      bool
				okStatus     int
			}{
				{"GET", base, nil, read, 200},
				{"GET", base + "/" + tid, nil, read, 200},
				{"GET", base + "/new", nil, manage, 200},
				{"POST", base + "/new", url.Values{"email": {"new-" + role + "@example.com"}, "given_name": {"N"}, "family_name": {"N"}, "role": {"tenant_member"}}, manage, 303},
				{"POST", base, url.Values{"email": {"list-" + role + "@example.com"}, "given_name": {"L"}, "family_name": {"L"}, "role": {"tenant_member"}}, manage, 303},
				{"POST", base + "/" + tid + "/roles", url.Values{"role": {"tenant_auditor"}}, manage, 303},
				{"POST", base + "/" + tid + "/roles/" + fmt.Sprint(binding.ID) + "/delete", nil, manage, 303},
				{"POST", base + "/" + iid + "/invitation/resend", nil, manage, 303},
				{"POST", base + "/" + iid + "/invitation/revoke", nil, manage, 303},
				{"POST", base + "/" + tid + "/password-reset", nil, manage, 303},
				{"POST", base + "/" + tid + "/sessions/" + sess.ID + "/delete", nil, manage, 303},
				{"POST", base + "/" + tid + "/unlock", nil, manage, 303},
				{"POST", base + "/" + tid + "/totp/reset", url.Values{"password": {webtest.Password}}, manage, 303},
				{"POST", base + "/" + tid + "/status", url.Values{"status": {"inactive"}}, manage, 303},
			} {
				var r *webtest.Response
				before := counts(t, db.DB)
				if rt.method == "GET" {
					r = viewer.Get(rt.path)
				} else {
					r = viewer.Submit("/t/"+slug+"/", rt.path, rt.vals)
				}
				want := http.StatusForbidden
				if rt.allowed {
					want = rt.okStatus
				}
				if r.Status != want {
					t.Errorf("%s: %s %s = %d, want %d", role, rt.method, rt.path, r.Status, want)
				}
				if !rt.allowed {
					if after := counts(t, db.DB); after != before {
						t.Errorf("%s: refused %s %s changed something: %s → %s", role, rt.method, rt.path, before, after)
					}
					if !strings.Contains(r.Body, "Access denied") || !strings.Contains(r.Body, `class="sidebar"`) {
						t.Errorf("%s: 403 page not in the layout for %s", role, rt.path)
					}
				}
			}
		}
	})
}

func TestAdministratorIDsOfAnotherTenantAre404(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, _, _ := app.Owner("acme", "owner@example.com")
		other, _, _ := app.Tenant("globex", models.PlanFree, "g@example.com")
		victim := app.AdminWithRoles(other, "victim@example.com", "tenant_admin")
		vid := fmt.Sprint(victim.ID)
		before := counts(t, db.DB)
		for _, path := range []string{adminsURL + "/" + vid, adminsURL + "/abc", adminsURL + "/999999"} {
			if r := c.Get(path); r.Status != http.StatusNotFound {
				t.Errorf("GET %s = %d", path, r.Status)
			}
		}
		for _, p := range []struct {
			path string
			vals url.Values
		}{
			{adminsURL + "/" + vid + "/status", url.Values{"status": {"inactive"}}},
			{adminsURL + "/" + vid + "/roles", url.Values{"role": {"tenant_auditor"}}},
			{adminsURL + "/" + vid + "/invitation/resend", nil},
		} {
			if r := c.Submit("/t/acme/", p.path, p.vals); r.Status != http.StatusNotFound {
				t.Errorf("POST %s = %d", p.path, r.Status)
			}
		}
		if after := counts(t, db.DB); after != before {
			t.Fatalf("cross-tenant requests changed something: %s → %s", before, after)
		}
	})
}

func TestAdministratorRules(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, tn, owner := app.Owner("acme", "owner@example.com")
		oid := fmt.Sprint(owner.ID)
		var ob models.RoleBinding
		modelstest.Must(t, db.DB.Where("administrator_id = ?", owner.ID).Take(&ob))

		// The last active Tenant Admin cannot be demoted, nor deactivate themselves.
		r := c.Submit(adminsURL+"/"+oid, adminsURL+"/"+oid+"/roles/"+fmt.Sprint(ob.ID)+"/delete", nil)
		if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "last active Tenant Admin") {
			t.Fatalf("demote last admin: %d", r.Status)
		}
		r = c.Submit(adminsURL+"/"+oid, adminsURL+"/"+oid+"/status", url.Values{"status": {"inactive"}})
		if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "cannot deactivate yourself") {
			t.Fatalf("self-deactivation: %d", r.Status)
		}

		// A second admin: deactivation ends their session at once; re-activation needs no invitation.
		second, sc := app.SignedInAs(tn, "second@example.com", "tenant_admin")
		_ = second
		sid := fmt.Sprint(sc.ID)
		if r := second.Get("/t/acme/"); r.Status != http.StatusOK {
			t.Fatal("second admin not signed in")
		}
		r = c.Submit(adminsURL+"/"+sid, adminsURL+"/"+sid+"/status", url.Values{"status": {"inactive"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("deactivate: %d", r.Status)
		}
		if r := second.Get("/t/acme/"); r.Status != http.StatusSeeOther {
			t.Fatalf("deactivated admin's session still works: %d", r.Status)
		}
		r = c.Submit(adminsURL+"/"+sid, adminsURL+"/"+sid+"/status", url.Values{"status": {"active"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("activate: %d", r.Status)
		}
		second.SignIn("acme", "second@example.com", webtest.Password)

		// Now the owner may be demoted by the second admin (someone else remains).
		r = second.Submit(adminsURL+"/"+oid, adminsURL+"/"+oid+"/roles/"+fmt.Sprint(ob.ID)+"/delete", nil)
		if r.Status != http.StatusSeeOther {
			t.Fatalf("demote with another admin left: %d", r.Status)
		}
		// ... and the second admin is now the last one: the owner (no roles) cannot act at all.
		if r := c.Get(adminsURL); r.Status != http.StatusForbidden {
			t.Fatalf("demoted owner still reads administrators: %d", r.Status)
		}

		// Expiring roles: assign with an expiry, it grants until then and says so after.
		r = second.Submit(adminsURL+"/"+oid, adminsURL+"/"+oid+"/roles", url.Values{"role": {"tenant_auditor"}, "expires_at": {app.Clock.Now().Add(48 * time.Hour).Format("2006-01-02")}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("assign with expiry: %d", r.Status)
		}
		if r := c.Get(adminsURL); r.Status != http.StatusOK {
			t.Fatalf("auditor with unexpired role: %d", r.Status)
		}
		app.Clock.Add(4 * 24 * time.Hour)
		second.SignIn("acme", "second@example.com", webtest.Password)
		c.SignIn("acme", "owner@example.com", webtest.Password)
		if r := c.Get(adminsURL); r.Status != http.StatusForbidden {
			t.Fatalf("expired role still grants: %d", r.Status)
		}
		if r := second.Get(adminsURL + "/" + oid); !strings.Contains(r.Body, "Expired: grants nothing") {
			t.Error("profile does not say the role expired")
		}
		// Past expiry and duplicate roles are refused beside the field.
		r = second.Submit(adminsURL+"/"+oid, adminsURL+"/"+oid+"/roles", url.Values{"role": {"tenant_member"}, "expires_at": {"2001-01-01"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="e-expires_at"`) {
			t.Fatalf("past expiry: %d", r.Status)
		}
		r = second.Submit(adminsURL+"/"+sid, adminsURL+"/"+sid+"/roles", url.Values{"role": {"tenant_admin"}, "password": {webtest.Password}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "already holds") {
			t.Fatalf("duplicate role: %d", r.Status)
		}
	})
}

func TestNoEscalation(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		_, tn, _ := app.Owner("acme", "owner@example.com")
		auditor, _ := app.SignedInAs(tn, "auditor@example.com", "tenant_auditor")
		editor, ed := app.SignedInAs(tn, "editor@example.com", "editor_users")
		before := counts(t, db.DB)
		// Editor - Users creating a Tenant Admin, or granting itself one.
		if r := editor.Submit("/t/acme/", adminsURL+"/new", url.Values{"email": {"x@example.com"}, "given_name": {"X"}, "family_name": {"Y"}, "role": {"tenant_admin"}}); r.Status != http.StatusForbidden {
			t.Errorf("editor creates tenant admin: %d", r.Status)
		}
		if r := editor.Submit("/t/acme/", adminsURL+"/"+fmt.Sprint(ed.ID)+"/roles", url.Values{"role": {"tenant_admin"}}); r.Status != http.StatusForbidden {
			t.Errorf("editor grants itself tenant admin: %d", r.Status)
		}
		// A Tenant Auditor posting a forged form (with a valid CSRF token from a page it can see).
		if r := auditor.Submit(adminsURL, adminsURL+"/new", url.Values{"email": {"x@example.com"}, "given_name": {"X"}, "family_name": {"Y"}, "role": {"tenant_auditor"}}); r.Status != http.StatusForbidden {
			t.Errorf("auditor forges create: %d", r.Status)
		}
		if r := auditor.Submit(adminsURL, adminsURL+"/"+fmt.Sprint(ed.ID)+"/status", url.Values{"status": {"inactive"}}); r.Status != http.StatusForbidden {
			t.Errorf("auditor forges deactivate: %d", r.Status)
		}
		if after := counts(t, db.DB); after != before {
			t.Fatalf("escalation attempts changed something: %s → %s", before, after)
		}
		// The auditor sees the list read-only: no Create New, no Manage controls.
		r := auditor.Get(adminsURL)
		if r.Status != http.StatusOK || strings.Contains(r.Body, "Create New") || !strings.Contains(r.Body, "Read only") {
			t.Errorf("auditor list: %d", r.Status)
		}
		r = auditor.Get(adminsURL + "/" + fmt.Sprint(ed.ID))
		if r.Status != http.StatusOK || strings.Contains(r.Body, "Deactivate") || strings.Contains(r.Body, "Assign role") || strings.Contains(r.Body, "End session") {
			t.Errorf("auditor profile shows controls: %d", r.Status)
		}
	})
}

func TestPlanGateForEditorOrganizations(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		free, _, _ := app.Tenant("acme", models.PlanFree, "first@example.com")
		c, _ := app.SignedInAs(free, "owner@example.com", "tenant_admin")
		r := c.Get(adminsURL + "/new")
		if !strings.Contains(r.Body, "requires the Professional or Enterprise plan") || !strings.Contains(r.Body, `value="editor_organizations" disabled`) {
			t.Errorf("free plan: Editor - Organizations not shown disabled with the reason")
		}
		r = c.Submit(adminsURL+"/new", adminsURL+"/new", url.Values{"email": {"eo@example.com"}, "given_name": {"E"}, "family_name": {"O"}, "role": {"editor_organizations"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "requires the Professional or Enterprise plan") {
			t.Fatalf("free plan create: %d", r.Status)
		}
		pro, _, _ := app.Tenant("pro", models.PlanProfessional, "first@example.com")
		pc, _ := app.SignedInAs(pro, "owner@example.com", "tenant_admin")
		r = pc.Submit("/t/pro/settings/administrators/new", "/t/pro/settings/administrators/new", url.Values{"email": {"eo@example.com"}, "given_name": {"E"}, "family_name": {"O"}, "role": {"editor_organizations"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("professional plan create: %d", r.Status)
		}
	})
}

func TestProfileSendsPasswordReset(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, tn, _ := app.Owner("acme", "owner@example.com")
		active := app.AdminWithRoles(tn, "active@example.com", "tenant_member")
		aid := fmt.Sprint(active.ID)
		r := c.Submit(adminsURL+"/"+aid, adminsURL+"/"+aid+"/password-reset", nil)
		if r.Status != http.StatusSeeOther {
			t.Fatalf("send reset: %d", r.Status)
		}
		mails, err := app.Store.OutboxTo(webtest.Ctx(), "active@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if len(mails) != 1 || !strings.Contains(mails[0].TextBody, "/password-reset/") {
			t.Fatalf("reset e-mail: %+v", mails)
		}
		if r := c.Get(r.Location); !strings.Contains(r.Body, "A password reset link was sent to active@example.com") {
			t.Error("no confirmation")
		}
		// An invited administrator gets the invitation instead.
		ov, err := app.Store.LoadViewer(webtest.Ctx(), tn, 1)
		if err != nil {
			t.Fatal(err)
		}
		inv, err := app.Store.CreateAdministrator(webtest.Ctx(), ov, models.CreateAdminInput{Email: "inv@example.com", GivenName: "I", FamilyName: "V", Role: "tenant_member"}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		iid := fmt.Sprint(inv.ID)
		r = c.Submit(adminsURL+"/"+iid, adminsURL+"/"+iid+"/password-reset", nil)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Resend the invitation instead") {
			t.Fatalf("reset for invited admin: %d", r.Status)
		}
	})
}

// TestAdministratorsPageCostsFixedQueries: the list page runs the same
// number of queries whatever the tenant's size.
func TestAdministratorsPageCostsFixedQueries(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, tn, _ := app.Owner("acme", "owner@example.com")
		var n atomic.Int64
		if err := app.Store.OnStatement("test:count", func(string) { n.Add(1) }); err != nil {
			t.Fatal(err)
		}
		measure := func(path string) int64 {
			n.Store(0)
			if r := c.Get(path); r.Status != http.StatusOK {
				t.Fatalf("%s: %d", path, r.Status)
			}
			return n.Load()
		}
		small := measure(adminsURL)
		if _, err := app.Store.SeedAdministrators(webtest.Ctx(), tn, 300, "", models.Actor{}); err != nil {
			t.Fatal(err)
		}
		large := measure(adminsURL)
		deep := measure(adminsURL + "?after=m")
		search := measure(adminsURL + "?q=a")
		if large != small || deep != small || search != small+1 {
			t.Fatalf("queries per page: %d with 1 administrator, %d with 301, %d deep, %d searching", small, large, deep, search)
		}
		// The request (tenant, session, viewer, roles), then the page with
		// its roles and the total from the counters; a search counts its
		// matches in a query of its own (issue 10, #4).
		if small != 2 {
			t.Fatalf("the page costs %d queries", small)
		}
		t.Logf("the Administrators page costs %d queries", small)
	})
}
