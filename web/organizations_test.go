package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/webtest"

	"gorm.io/gorm"
)

// orgCounts snapshots every table an Organizations request could touch.
func orgCounts(t *testing.T, db *gorm.DB) string {
	t.Helper()
	var parts []string
	for _, m := range []any{&models.Organization{}, &models.OrganizationMember{}, &models.OrganizationMemberRole{}, &models.OrganizationInvitation{},
		&models.OrganizationConnection{}, &models.User{}, &models.AuditEvent{}, &models.OutboxEmail{}} {
		var n int64
		if err := db.Model(m).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		parts = append(parts, fmt.Sprint(n))
	}
	var versions []string
	modelstest.Must(t, db.Model(&models.Organization{}).Order("id").Pluck("version || ':' || display_name", &versions))
	var revoked, auto int64
	modelstest.Must(t, db.Model(&models.OrganizationInvitation{}).Where("revoked_at IS NOT NULL").Count(&revoked))
	modelstest.Must(t, db.Model(&models.OrganizationConnection{}).Where("auto_membership = ?", true).Count(&auto))
	return strings.Join(parts, "/") + " " + strings.Join(versions, ",") + fmt.Sprintf(" revoked=%d auto=%d", revoked, auto)
}

var versionRE = regexp.MustCompile(`name="version" value="(\d+)"`)

func formVersion(t *testing.T, body string) string {
	t.Helper()
	m := versionRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the Overview form carries no version")
	}
	return m[1]
}

func TestOrganizationsScreens(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, tn, _ := app.Owner("acme", "owner@example.com")
		ann := app.OrgUser(tn, "ann@customer.example", "Ann", "Andersen")
		app.OrgUser(tn, "bob@customer.example", "Bob", "Berg")
		admin := app.OrgRole(tn, "Admin", "Administers the customer's account")
		app.OrgRole(tn, "Billing", "")
		conn := app.OrgConnection(tn, "customer-sso", "samlp", "Customer SSO")
		const base = "/t/acme/organizations"

		r := c.Get(base)
		if r.Status != http.StatusOK || !strings.Contains(r.Body, "No organizations yet") || !strings.Contains(r.Body, "Create Organization") {
			t.Fatalf("empty list: %d", r.Status)
		}
		// Create: bad input is refused beside the fields, typed values kept, nothing saved.
		before := orgCounts(t, db.DB)
		r = c.Submit(base+"/new", base+"/new", url.Values{"name": {"Customer One"}, "display_name": {""}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad create: %d", r.Status)
		}
		for _, want := range []string{`id="e-name"`, `id="e-display_name"`, `value="Customer One"`} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("bad create page lacks %s", want)
			}
		}
		if after := orgCounts(t, db.DB); after != before {
			t.Fatalf("bad input saved something: %s → %s", before, after)
		}
		r = c.Submit(base+"/new", base+"/new", url.Values{"name": {"customer-one"}, "display_name": {"Customer One Ltd."}, "tenant_id": {"999"}, "version": {"7"}})
		if r.Status != http.StatusSeeOther || r.Location != base+"/customer-one" {
			t.Fatalf("create: %d %q", r.Status, r.Location)
		}
		if r := c.Get(r.Location); !strings.Contains(r.Body, "The organization Customer One Ltd. was created") {
			t.Error("no confirmation of the creation")
		}
		r = c.Submit(base+"/new", base+"/new", url.Values{"name": {"customer-one"}, "display_name": {"Again"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "already exists") {
			t.Fatalf("duplicate: %d", r.Status)
		}
		one := base + "/customer-one"
		r = c.Get(one)
		for _, want := range []string{"Customer One Ltd.", `name="display_name"`, `name="logo_url"`, `name="primary_color"`,
			`name="page_background_color"`, `name="metadata_key"`, `value="1"`, "Delete organization", `class="active" aria-current="page"`} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("overview lacks %s", want)
			}
		}
		if r := c.Get(base + "?q=ONE+LTD"); !strings.Contains(r.Body, "customer-one") {
			t.Error("search by display name")
		}
		if r := c.Get(base + "?q=zzz"); !strings.Contains(r.Body, "No organization matches") {
			t.Error("empty search")
		}

		// Overview: bad branding and metadata are refused beside the fields.
		bad := url.Values{"version": {"1"}, "display_name": {"Customer One"}, "logo_url": {"http://cdn.example/logo.png"},
			"primary_color": {"red"}, "page_background_color": {"#12345"},
			"metadata_key": {"tier", "tier"}, "metadata_value": {"gold", "silver"}}
		before = orgCounts(t, db.DB)
		r = c.Submit(one, one, bad)
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad settings: %d", r.Status)
		}
		for _, want := range []string{`id="e-logo_url"`, "must start with https://", `id="e-primary_color"`, `id="e-page_background_color"`,
			`id="e-metadata"`, "appears twice", `value="http://cdn.example/logo.png"`, `value="red"`, `value="silver"`} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("bad settings page lacks %s", want)
			}
		}
		if after := orgCounts(t, db.DB); after != before {
			t.Fatalf("bad settings saved something: %s → %s", before, after)
		}

		// Two tabs: both open version 1; the first saves; the second is
		// refused with 409, its typed values kept, nothing saved.
		tab1, tab2 := c.Get(one), c.Get(one)
		v1, v2 := formVersion(t, tab1.Body), formVersion(t, tab2.Body)
		good := url.Values{"version": {v1}, "display_name": {"Customer One Ltd."}, "logo_url": {"https://cdn.customer.example/logo.png"},
			"primary_color": {"#1F6FEB"}, "page_background_color": {"#f5f7fa"}, "metadata_key": {"tier", ""}, "metadata_value": {"gold", ""}}
		r = c.Submit(one, one, good)
		if r.Status != http.StatusSeeOther {
			t.Fatalf("save: %d\n%s", r.Status, r.Body)
		}
		before = orgCounts(t, db.DB)
		second := url.Values{"version": {v2}, "display_name": {"Customer One (typed in tab 2)"}, "logo_url": {""},
			"primary_color": {"#000000"}, "page_background_color": {""}, "metadata_key": {"region"}, "metadata_value": {"eu"}}
		r = c.Submit(one, one, second)
		if r.Status != http.StatusConflict {
			t.Fatalf("stale save: %d", r.Status)
		}
		for _, want := range []string{"This organization was changed since you opened it (by owner@example.com at ", "Review the current values and save again.",
			`value="Customer One (typed in tab 2)"`, `value="#000000"`, `value="region"`, "https://cdn.customer.example/logo.png", `name="version" value="2"`} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("conflict page lacks %q", want)
			}
		}
		if after := orgCounts(t, db.DB); after != before {
			t.Fatalf("a stale save changed something: %s → %s", before, after)
		}
		// Saving the reviewed form (now on version 2) works.
		second.Set("version", formVersion(t, r.Body))
		if r := c.Submit(one, one, second); r.Status != http.StatusSeeOther {
			t.Fatalf("save after review: %d", r.Status)
		}
		o, err := app.Store.OrganizationByName(webtest.Ctx(), tn.ID, "customer-one")
		if err != nil {
			t.Fatal(err)
		}
		if o.DisplayName != "Customer One (typed in tab 2)" || o.Version != 3 || o.Metadata != `{"region":"eu"}` {
			t.Fatalf("saved %+v", o)
		}
		// A post with only the display name (no version, no other field)
		// changes the display name and keeps the rest.
		if r := c.Submit(one, one, url.Values{"display_name": {"Customer One plc"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("partial save: %d\n%s", r.Status, r.Body)
		}
		o, err = app.Store.OrganizationByName(webtest.Ctx(), tn.ID, "customer-one")
		if err != nil {
			t.Fatal(err)
		}
		if o.DisplayName != "Customer One plc" || o.Version != 4 || o.Metadata != `{"region":"eu"}` || o.PrimaryColor != "#000000" {
			t.Fatalf("after a partial save %+v", o)
		}
		var ev models.AuditEvent
		modelstest.Must(t, db.DB.Where("action = ? AND target_type = ?", "organization.updated", "organization").Order("id").Take(&ev))
		if !strings.Contains(ev.Changes, `"primary_color":{"before":"","after":"#1f6feb"}`) || ev.ActorEmail != "owner@example.com" {
			t.Fatalf("update audit %+v", ev)
		}

		// Members: add by e-mail (unknown refused), the picker, roles, remove.
		members := one + "/members"
		r = c.Submit(members, members, url.Values{"email": {"nobody@customer.example"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="e-email"`) || !strings.Contains(r.Body, `value="nobody@customer.example"`) {
			t.Fatalf("unknown member: %d", r.Status)
		}
		r = c.Submit(members, members, url.Values{"email": {"ANN@customer.example"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("add member: %d", r.Status)
		}
		r = c.Get(members)
		if !strings.Contains(r.Body, "Ann Andersen") || !strings.Contains(r.Body, `data-candidates="/t/acme/organizations/customer-one/members/candidates"`) {
			t.Fatal("members tab")
		}
		r = c.Get(members + "/candidates?q=")
		var picked struct {
			Candidates []models.OrgCandidate `json:"candidates"`
		}
		if err := json.Unmarshal([]byte(r.Body), &picked); err != nil || len(picked.Candidates) != 2 || !picked.Candidates[1].Member || picked.Candidates[0].Email != "bob@customer.example" {
			t.Fatalf("picker: %s %v", r.Body, err)
		}
		// Without JavaScript, ?find= lists the matches with an Add button.
		r = c.Get(members + "?find=berg")
		if !strings.Contains(r.Body, "bob@customer.example") || !strings.Contains(r.Body, `<input type="hidden" name="email" value="bob@customer.example">`) {
			t.Fatalf("no-script find:\n%s", r.Body)
		}
		memberURL := members + "/" + fmt.Sprint(ann.ID)
		r = c.Submit(memberURL, memberURL+"/roles", url.Values{"role": {fmt.Sprint(admin.ID)}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("assign role: %d", r.Status)
		}
		r = c.Submit(memberURL, memberURL+"/roles", url.Values{"role": {"999999"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="e-role"`) {
			t.Fatalf("unknown role: %d", r.Status)
		}
		if r := c.Get(members); !strings.Contains(r.Body, `<span class="badge badge-role">Admin</span>`) {
			t.Error("the member's role is not listed")
		}
		// A role's name stands for it (any case), as scripts send it.
		if r := c.Submit(memberURL, memberURL+"/roles", url.Values{"role": {"admin"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "already has the role Admin") {
			t.Fatalf("assign a held role by name: %d", r.Status)
		}
		if r := c.Submit(memberURL, memberURL+"/roles", url.Values{"role": {"no such role"}}); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("unknown role name: %d", r.Status)
		}
		r = c.Submit(memberURL, memberURL+"/roles/"+fmt.Sprint(admin.ID)+"/delete", nil)
		if r.Status != http.StatusSeeOther {
			t.Fatalf("remove role: %d", r.Status)
		}

		// Invitations: bad input, invite, resend (old link dead), revoke.
		invs := one + "/invitations"
		r = c.Get(invs)
		if !strings.Contains(r.Body, `name="roles"`) || !strings.Contains(r.Body, `name="expires_in_days"`) || !strings.Contains(r.Body, `value="7"`) {
			t.Fatal("invitation form")
		}
		r = c.Submit(invs, invs, url.Values{"email": {"not-an-email"}, "roles": {fmt.Sprint(admin.ID)}, "expires_in_days": {"45"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="e-email"`) || !strings.Contains(r.Body, `id="e-expires_in_days"`) ||
			!strings.Contains(r.Body, `value="45"`) || !strings.Contains(r.Body, `value="`+fmt.Sprint(admin.ID)+`" checked`) {
			t.Fatalf("bad invitation: %d", r.Status)
		}
		r = c.Submit(invs, invs, url.Values{"email": {"carol@newcustomer.example"}, "roles": {fmt.Sprint(admin.ID)}, "expires_in_days": {"3"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("invite: %d", r.Status)
		}
		mails, err := app.Store.OutboxTo(webtest.Ctx(), "carol@newcustomer.example")
		if err != nil {
			t.Fatal(err)
		}
		if len(mails) != 1 || !strings.Contains(mails[0].TextBody, "/o/customer-one/invitations/") || !strings.Contains(mails[0].TextBody, "Olivia Owner has invited you to join Customer One") {
			t.Fatalf("invitation e-mail: %+v", mails)
		}
		first := linkRE.FindString(mails[0].TextBody)
		r = c.Get(invs)
		if !strings.Contains(r.Body, "carol@newcustomer.example") || !strings.Contains(r.Body, "Resend") {
			t.Fatal("pending invitation not listed")
		}
		var inv models.OrganizationInvitation
		modelstest.Must(t, db.DB.Where("email = ?", "carol@newcustomer.example").Take(&inv))
		r = c.Submit(invs, invs+"/"+fmt.Sprint(inv.ID)+"/resend", nil)
		if r.Status != http.StatusSeeOther {
			t.Fatalf("resend: %d", r.Status)
		}
		if r := app.Client().Get(strings.TrimPrefix(first, app.Server.URL)); r.Status != http.StatusGone || !strings.Contains(r.Body, "withdrawn") || strings.Contains(r.Body, `name="password"`) {
			t.Fatalf("old link after resend: %d", r.Status)
		}
		r = c.Submit(invs, invs+"/"+fmt.Sprint(inv.ID)+"/revoke", nil)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "no longer pending") {
			t.Fatalf("revoke the replaced invitation: %d", r.Status)
		}
		var fresh models.OrganizationInvitation
		modelstest.Must(t, db.DB.Where("email = ? AND revoked_at IS NULL", "carol@newcustomer.example").Take(&fresh))
		if r := c.Submit(invs, invs+"/"+fmt.Sprint(fresh.ID)+"/revoke", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("revoke: %d", r.Status)
		}
		if r := c.Get(invs); strings.Contains(r.Body, "<td>carol@newcustomer.example</td>") || !strings.Contains(r.Body, "No pending invitations") {
			t.Error("revoked invitation still listed")
		}

		// Connections: enable with auto-membership, turn it off, disable.
		conns := one + "/connections"
		r = c.Submit(conns, conns, url.Values{"connection": {""}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="e-connection"`) {
			t.Fatalf("enable nothing: %d", r.Status)
		}
		r = c.Submit(conns, conns, url.Values{"connection": {fmt.Sprint(conn.ID)}, "auto_membership": {"on"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("enable: %d", r.Status)
		}
		if r := c.Get(conns); !strings.Contains(r.Body, "Customer SSO") || !strings.Contains(r.Body, "Turn auto-membership off") {
			t.Fatal("enabled connection not listed")
		}
		cu := conns + "/" + fmt.Sprint(conn.ID)
		if r := c.Submit(conns, cu, nil); r.Status != http.StatusSeeOther {
			t.Fatalf("auto-membership off: %d", r.Status)
		}
		if r := c.Get(conns); !strings.Contains(r.Body, "Turn auto-membership on") {
			t.Fatal("auto-membership still on")
		}

		// Delete: the confirmation names what goes with it.
		r = c.Get(one + "/delete")
		for _, want := range []string{"1 member", "0 pending invitations", "1 enabled connection", `name="confirm"`} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("delete confirmation lacks %q", want)
			}
		}
		before = orgCounts(t, db.DB)
		r = c.Submit(one+"/delete", one+"/delete", url.Values{"confirm": {"Customer One"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="e-confirm"`) {
			t.Fatalf("wrong confirmation: %d", r.Status)
		}
		if after := orgCounts(t, db.DB); after != before {
			t.Fatalf("a refused delete changed something: %s → %s", before, after)
		}
		r = c.Submit(one+"/delete", one+"/delete", url.Values{"confirm": {"customer-one"}, "password": {webtest.Password}})
		if r.Status != http.StatusSeeOther || r.Location != base {
			t.Fatalf("delete: %d", r.Status)
		}
		if r := c.Get(r.Location); !strings.Contains(r.Body, "was deleted, with its 1 member, 0 pending invitations and 1 enabled connection") {
			t.Error("no confirmation of the deletion")
		}
		if r := c.Get(one); r.Status != http.StatusNotFound {
			t.Fatalf("deleted organization: %d", r.Status)
		}
		var actions []string
		modelstest.Must(t, db.DB.Model(&models.AuditEvent{}).Where("target_type = ?", "organization").Distinct("action").Pluck("action", &actions))
		if len(actions) != 11 {
			t.Errorf("audited actions: %v", actions)
		}
	})
}

// orgRoute is one Organizations route for the role × route table.
type orgRoute struct {
	method, path string
	vals         url.Values
	read         bool // allowed with Read Organizations (else Manage Organizations)
	okStatus     int
}

// TestOrganizationRoutesByRole is the role × route table: each viewer is
// allowed or refused each Organizations route exactly as SPEC.md gives the
// editor roles, Tenant Admin, Tenant Auditor and Tenant Member, and a
// refused request changes nothing.
func TestOrganizationRoutesByRole(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		viewers := []struct {
			name   string
			roles  []string
			read   bool
			manage bool
		}{
			{"editor-organizations", []string{"editor_organizations"}, true, true},
			{"editor-users", []string{"editor_users"}, false, false},
			{"editor-connections", []string{"editor_connections"}, false, false},
			{"all-three-editors", []string{"editor_organizations", "editor_users", "editor_connections"}, true, true},
			{"tenant-admin", []string{"tenant_admin"}, true, true},
			{"tenant-auditor", []string{"tenant_auditor"}, true, false},
			{"tenant-member", []string{"tenant_member"}, false, false},
			// A custom tenant role holding Read Organizations (and Read Users, for the Members picker).
			{"custom-org-readers", []string{"custom:org-readers"}, true, false},
		}
		for i, vw := range viewers {
			slug := fmt.Sprintf("t%d", i)
			tn, _, _ := app.Tenant(slug, models.PlanProfessional, "first@example.com")
			if strings.HasPrefix(vw.roles[0], "custom:") {
				keeper := app.AdminWithRoles(tn, "keeper@example.com", "tenant_admin")
				fv, err := app.Store.LoadViewer(webtest.Ctx(), tn, keeper.ID)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := app.Store.CreateCustomRole(webtest.Ctx(), fv, models.CustomRoleInput{Name: "Org readers", Scope: "tenant",
					Permissions: []string{"read_organizations", "read_users"}}, models.Actor{}); err != nil {
					t.Fatal(err)
				}
			}
			o := app.Organization(tn, "customer", "Customer")
			app.Organization(tn, "doomed", "Doomed")
			u1 := app.OrgUser(tn, "u1@customer.example", "Una", "One")
			app.OrgUser(tn, "u2@customer.example", "Udo", "Two")
			r1, r2 := app.OrgRole(tn, "Admin", ""), app.OrgRole(tn, "Billing", "")
			c1, c2 := app.OrgConnection(tn, "sso", "samlp", "SSO"), app.OrgConnection(tn, "db", "database", "Database")
			ctx := webtest.Ctx()
			must := func(err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
			}
			_, err := app.Store.AddOrganizationMember(ctx, tn.ID, o.ID, u1.Email, models.Actor{})
			must(err)
			_, err = app.Store.AssignMemberRole(ctx, tn.ID, o.ID, u1.ID, r1.ID, models.Actor{})
			must(err)
			ov := models.Viewer{Tenant: tn}
			inv1, _, err := app.Store.CreateOrganizationInvitation(ctx, ov, o.ID, models.OrgInviteInput{Email: "i1@example.com"}, models.Actor{})
			must(err)
			inv2, _, err := app.Store.CreateOrganizationInvitation(ctx, ov, o.ID, models.OrgInviteInput{Email: "i2@example.com"}, models.Actor{})
			must(err)
			_, err = app.Store.EnableOrganizationConnection(ctx, tn.ID, o.ID, c1.ID, false, models.Actor{})
			must(err)

			viewer, _ := app.SignedInAs(tn, vw.name+"@example.com", vw.roles...)
			base := "/t/" + slug + "/organizations"
			one := base + "/customer"
			uid := fmt.Sprint(u1.ID)
			routes := []orgRoute{
				{"GET", base, nil, true, 200},
				{"GET", base + "?q=cust", nil, true, 200},
				{"GET", base + "/new", nil, false, 200},
				{"POST", base + "/new", url.Values{"name": {"created"}, "display_name": {"Created"}}, false, 303},
				{"POST", base, url.Values{"name": {"created-on-list"}, "display_name": {"Created"}}, false, 303},
				{"GET", one, nil, true, 200},
				{"POST", one, url.Values{"version": {"1"}, "display_name": {"Customer Inc."}, "primary_color": {"#123456"}}, false, 303},
				{"GET", one + "/members", nil, true, 200},
				{"POST", one + "/members", url.Values{"email": {"u2@customer.example"}}, false, 303},
				{"GET", one + "/members/candidates?q=u", nil, true, 200},
				{"GET", one + "/members/" + uid, nil, true, 200},
				{"POST", one + "/members/" + uid + "/roles", url.Values{"role": {fmt.Sprint(r2.ID)}}, false, 303},
				{"POST", one + "/members/" + uid + "/roles/" + fmt.Sprint(r1.ID) + "/delete", nil, false, 303},
				{"POST", one + "/members/" + uid + "/delete", nil, false, 303},
				{"GET", one + "/invitations", nil, true, 200},
				{"POST", one + "/invitations", url.Values{"email": {"new@example.com"}, "roles": {fmt.Sprint(r1.ID)}, "expires_in_days": {"7"}}, false, 303},
				{"POST", one + "/invitations/" + fmt.Sprint(inv1.ID) + "/resend", nil, false, 303},
				{"POST", one + "/invitations/" + fmt.Sprint(inv2.ID) + "/revoke", nil, false, 303},
				{"GET", one + "/connections", nil, true, 200},
				{"POST", one + "/connections", url.Values{"connection": {fmt.Sprint(c2.ID)}, "auto_membership": {"on"}}, false, 303},
				{"POST", one + "/connections/" + fmt.Sprint(c1.ID), url.Values{"auto_membership": {"on"}}, false, 303},
				{"POST", one + "/connections/" + fmt.Sprint(c1.ID) + "/delete", nil, false, 303},
				{"GET", one + "/delete", nil, false, 200},
				{"POST", base + "/doomed/delete", url.Values{"confirm": {"doomed"}, "password": {webtest.Password}}, false, 303},
			}
			for _, rt := range routes {
				allowed := vw.manage || (rt.read && vw.read)
				before := orgCounts(t, db.DB)
				var r *webtest.Response
				if rt.method == "GET" {
					r = viewer.Get(rt.path)
				} else {
					r = viewer.Submit("/t/"+slug+"/", rt.path, rt.vals)
				}
				want := http.StatusForbidden
				if allowed {
					want = rt.okStatus
				}
				if r.Status != want {
					t.Errorf("%s: %s %s = %d, want %d", vw.name, rt.method, rt.path, r.Status, want)
					continue
				}
				if !allowed {
					if after := orgCounts(t, db.DB); after != before {
						t.Errorf("%s: refused %s %s changed something: %s → %s", vw.name, rt.method, rt.path, before, after)
					}
					if !strings.Contains(r.Body, "Access denied") || !strings.Contains(r.Body, `class="sidebar"`) {
						t.Errorf("%s: the 403 page of %s is not in the layout", vw.name, rt.path)
					}
				} else if rt.method == "POST" && orgCounts(t, db.DB) == before {
					t.Errorf("%s: allowed %s %s changed nothing", vw.name, rt.method, rt.path)
				}
			}
			// Those who only read see no control on any page.
			if vw.read && !vw.manage {
				for _, p := range []string{base, one, one + "/members", one + "/members/" + uid, one + "/invitations", one + "/connections"} {
					body := viewer.Get(p).Body
					main := body[strings.Index(body, "<main"):]
					for _, control := range []string{"Create Organization", ">Save<", "Add member", "Send invitation", "Enable connection",
						">Remove", "Revoke", "Resend", "Delete organization", "Assign role", "Turn auto-membership", `method="post"`} {
						if strings.Contains(main, control) {
							t.Errorf("%s sees %q on %s", vw.name, control, p)
						}
					}
				}
			}
			// The navigation offers Organizations exactly to those who may read them.
			nav := viewer.Get("/t/" + slug + "/").Body
			if has := strings.Contains(nav, `href="/t/`+slug+`/organizations"`); has != vw.read {
				t.Errorf("%s: Organizations in the navigation: %v", vw.name, has)
			}
		}
	})
}

// TestOrganizationsOfAnotherTenant: another tenant's administrator reaches
// none of them: a session of another tenant is sent to sign in, and names
// and ids of another tenant's objects are 404 inside one's own.
func TestOrganizationsOfAnotherTenant(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		_, acme, _ := app.Owner("acme", "owner@example.com")
		o := app.Organization(acme, "acme-customer", "Acme's customer")
		u := app.OrgUser(acme, "ann@customer.example", "Ann", "A")
		r := app.OrgRole(acme, "Admin", "")
		cn := app.OrgConnection(acme, "sso", "samlp", "SSO")
		if _, err := app.Store.AddOrganizationMember(webtest.Ctx(), acme.ID, o.ID, u.Email, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		inv, _, err := app.Store.CreateOrganizationInvitation(webtest.Ctx(), models.Viewer{Tenant: acme}, o.ID, models.OrgInviteInput{Email: "x@example.com"}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.Store.EnableOrganizationConnection(webtest.Ctx(), acme.ID, o.ID, cn.ID, false, models.Actor{}); err != nil {
			t.Fatal(err)
		}

		globex, _, _ := app.Tenant("globex", models.PlanEnterprise, "first@globex.example")
		g, _ := app.SignedInAs(globex, "admin@globex.example", "tenant_admin")
		app.Organization(globex, "mine", "Globex's own")
		before := orgCounts(t, db.DB)

		// A globex session on acme's URLs: sent to sign in.
		for _, p := range []string{"/t/acme/organizations", "/t/acme/organizations/acme-customer", "/t/acme/organizations/acme-customer/members"} {
			if r := g.Get(p); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/t/acme/login") {
				t.Errorf("GET %s from another tenant's session = %d %s", p, r.Status, r.Location)
			}
		}
		if r := g.Submit("/t/globex/", "/t/acme/organizations/acme-customer/delete", url.Values{"confirm": {"acme-customer"}}); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/t/acme/login") {
			t.Errorf("POST from another tenant's session = %d", r.Status)
		}
		// Acme's names and ids inside globex: 404.
		mine := "/t/globex/organizations/mine"
		for _, p := range []string{"/t/globex/organizations/acme-customer", "/t/globex/organizations/acme-customer/members",
			mine + "/members/" + fmt.Sprint(u.ID), "/t/globex/organizations/NOPE", "/t/globex/organizations/acme-customer/delete"} {
			if r := g.Get(p); r.Status != http.StatusNotFound {
				t.Errorf("GET %s = %d, want 404", p, r.Status)
			}
		}
		for _, p := range []struct {
			path string
			vals url.Values
		}{
			{"/t/globex/organizations/acme-customer", url.Values{"version": {"1"}, "display_name": {"Hijacked"}}},
			{"/t/globex/organizations/acme-customer/delete", url.Values{"confirm": {"acme-customer"}}},
			{mine + "/members", url.Values{"email": {u.Email}}},
			{mine + "/members/" + fmt.Sprint(u.ID) + "/delete", nil},
			{mine + "/members/" + fmt.Sprint(u.ID) + "/roles", url.Values{"role": {fmt.Sprint(r.ID)}}},
			{mine + "/invitations/" + fmt.Sprint(inv.ID) + "/revoke", nil},
			{mine + "/invitations/" + fmt.Sprint(inv.ID) + "/resend", nil},
			{mine + "/connections", url.Values{"connection": {fmt.Sprint(cn.ID)}}},
			{mine + "/connections/" + fmt.Sprint(cn.ID) + "/delete", nil},
		} {
			r := g.Submit("/t/globex/", p.path, p.vals)
			if r.Status != http.StatusNotFound && r.Status != http.StatusUnprocessableEntity {
				t.Errorf("POST %s = %d, want 404 (or 422 for a form field naming nothing of this tenant)", p.path, r.Status)
			}
		}
		// The picker never offers another tenant's users.
		if r := g.Get(mine + "/members/candidates?q=ann"); !strings.Contains(r.Body, `"candidates":[]`) {
			t.Errorf("picker across tenants: %s", r.Body)
		}
		if after := orgCounts(t, db.DB); after != before {
			t.Fatalf("cross-tenant requests changed something: %s → %s", before, after)
		}
	})
}

// TestEditorOrganizationsReachesNothingElse: on a professional tenant an
// Editor - Organizations reaches none of tenant settings, sign-in policy,
// administrators, workspaces or the audit log (403), and sees none of it in
// the navigation; it reads Users, Connections and Roles only.
func TestEditorOrganizationsReachesNothingElse(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		tn, _, _ := app.Tenant("pro", models.PlanProfessional, "first@example.com")
		ed, _ := app.SignedInAs(tn, "support@example.com", "editor_organizations")
		before := counts(t, db.DB)
		for _, p := range []string{"/t/pro/settings/administrators", "/t/pro/settings/administrators/new", "/t/pro/settings/sign-in",
			"/t/pro/settings/password-policy", "/t/pro/settings/brute-force", "/t/pro/audit", "/t/pro/audit/export.csv",
			"/t/pro/workspaces", "/t/pro/workspaces/new", "/t/pro/overview", "/t/pro/users/new", "/t/pro/connections/new", "/t/pro/roles/new"} {
			if r := ed.Get(p); r.Status != http.StatusForbidden {
				t.Errorf("GET %s = %d, want 403", p, r.Status)
			}
		}
		for _, p := range []struct {
			path string
			vals url.Values
		}{
			{"/t/pro/settings/sign-in", url.Values{"method": {"otp"}}},
			{"/t/pro/settings/password-policy", url.Values{"min_length": {"8"}}},
			{"/t/pro/settings/brute-force", url.Values{"max_attempts": {"100"}, "lockout_minutes": {"1"}}},
			{"/t/pro/settings/administrators/new", url.Values{"email": {"x@example.com"}, "given_name": {"X"}, "family_name": {"Y"}, "role": {"editor_organizations"}}},
			{"/t/pro/users/new", url.Values{"email": {"x@example.com"}}},
			{"/t/pro/connections/new", url.Values{"name": {"x"}, "strategy": {"database"}}},
			{"/t/pro/roles/new", url.Values{"name": {"x"}}},
		} {
			if r := ed.Submit("/t/pro/", p.path, p.vals); r.Status != http.StatusForbidden {
				t.Errorf("POST %s = %d, want 403", p.path, r.Status)
			}
		}
		if after := counts(t, db.DB); after != before {
			t.Fatalf("refused requests changed something: %s → %s", before, after)
		}
		for _, p := range []string{"/t/pro/organizations", "/t/pro/users", "/t/pro/connections", "/t/pro/roles"} {
			if r := ed.Get(p); r.Status != http.StatusOK {
				t.Errorf("GET %s = %d, want 200", p, r.Status)
			}
		}
		home := ed.Get("/t/pro/").Body
		nav := home[strings.Index(home, `class="sidebar"`):strings.Index(home, "<main")]
		for _, hidden := range []string{"/settings/", "/audit", "/workspaces", "/overview", "Tenant Settings", "Administrators", "Sign In / Sign Up", "Password Policy", "Brute Force"} {
			if strings.Contains(nav, hidden) {
				t.Errorf("the navigation shows %q to Editor - Organizations", hidden)
			}
		}
		for _, shown := range []string{"User Management", "/t/pro/organizations", "/t/pro/users", "/t/pro/connections", "/t/pro/roles"} {
			if !strings.Contains(nav, shown) {
				t.Errorf("the navigation lacks %q", shown)
			}
		}
		if i, j := strings.Index(nav, "/t/pro/organizations"), strings.Index(nav, "/t/pro/users"); i < 0 || i > j {
			t.Error("Organizations is not first in User Management")
		}
		if !strings.Contains(home, "Organizations") || strings.Contains(home[strings.Index(home, "<main"):], "Administrators") {
			t.Error("dashboard cards")
		}
	})
}

// TestOrganizationInvitationPage: the public page where an invitation's
// link leads: create a user and join, or sign in and join; single use,
// expiring, clear pages (never a form) for links that cannot be used.
func TestOrganizationInvitationPage(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		_, tn, owner := app.Owner("acme", "owner@example.com")
		o := app.Organization(tn, "customer", "Customer Inc.")
		role := app.OrgRole(tn, "Admin", "")
		ov := models.Viewer{Tenant: tn, Administrator: owner}
		_, link, err := app.Store.CreateOrganizationInvitation(webtest.Ctx(), ov, o.ID, models.OrgInviteInput{Email: "dana@newcustomer.example", Roles: []string{fmt.Sprint(role.ID)}}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		path := strings.TrimPrefix(link, app.Server.URL)
		guest := app.Client()
		r := guest.Get(path)
		for _, want := range []string{"Join Customer Inc.", "dana@newcustomer.example", "Olivia Owner invited you", "Your roles there: Admin",
			`name="given_name"`, `name="family_name"`, `name="password"`, `name="password_confirm"`, "Create account and join", "At least 12 characters"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("invitation page lacks %q", want)
			}
		}
		if r.Header.Get("Cache-Control") != "no-store" {
			t.Error("the invitation page may be cached")
		}
		// Links that cannot be used: clear pages, no form.
		for _, c := range []struct {
			path   string
			status int
			says   string
		}{
			{"/o/customer/invitations/not-a-token", http.StatusNotFound, "This link is not valid"},
			{strings.Replace(path, "/o/customer/", "/o/other-org/", 1), http.StatusNotFound, "This link is not valid"},
		} {
			r := guest.Get(c.path)
			if r.Status != c.status || !strings.Contains(r.Body, c.says) || strings.Contains(r.Body, `name="password"`) {
				t.Errorf("GET %s = %d", c.path, r.Status)
			}
		}
		// Bad input: refused, typed names kept, nothing saved.
		before := orgCounts(t, db.DB)
		r = guest.Submit(path, path, url.Values{"given_name": {"Dana"}, "family_name": {"Doe"}, "password": {"short"}, "password_confirm": {"short"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="e-password"`) || !strings.Contains(r.Body, `value="Dana"`) {
			t.Fatalf("weak password: %d", r.Status)
		}
		r = guest.Submit(path, path, url.Values{"given_name": {""}, "family_name": {"Doe"}, "password": {webtest.Password}, "password_confirm": {webtest.Password + "x"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="e-given_name"`) || !strings.Contains(r.Body, `id="e-password_confirm"`) {
			t.Fatalf("missing name, mismatch: %d", r.Status)
		}
		if r := guest.Post(path, url.Values{"given_name": {"Dana"}, "family_name": {"Doe"}, "password": {webtest.Password}, "password_confirm": {webtest.Password}}); r.Status != http.StatusForbidden {
			t.Fatalf("no CSRF token: %d", r.Status)
		}
		if after := orgCounts(t, db.DB); after != before {
			t.Fatalf("refused acceptances changed something: %s → %s", before, after)
		}
		r = guest.Submit(path, path, url.Values{"given_name": {"Dana"}, "family_name": {"Doe"}, "password": {webtest.Password}, "password_confirm": {webtest.Password}, "email": {"evil@example.com"}})
		if r.Status != http.StatusSeeOther || r.Location != path {
			t.Fatalf("accept: %d %s", r.Status, r.Location)
		}
		r = guest.Get(path)
		if r.Status != http.StatusOK || !strings.Contains(r.Body, "You have joined Customer Inc.") || !strings.Contains(r.Body, "Your account dana@newcustomer.example was created") {
			t.Fatalf("joined page: %d\n%s", r.Status, r.Body)
		}
		r = guest.Get(path)
		if r.Status != http.StatusGone || !strings.Contains(r.Body, "already been used") || strings.Contains(r.Body, `name="password"`) {
			t.Fatalf("used link: %d", r.Status)
		}
		dana, err := app.Store.UserByEmail(webtest.Ctx(), tn.ID, "dana@newcustomer.example")
		if err != nil || !strings.HasPrefix(dana.PasswordHash, "$argon2id$") {
			t.Fatalf("user %+v %v", dana, err)
		}
		m, err := app.Store.OrganizationMemberOf(webtest.Ctx(), tn.ID, o.ID, dana.ID)
		if err != nil || len(m.Roles) != 1 {
			t.Fatalf("member %+v %v", m, err)
		}
		if _, err := app.Store.UserByEmail(webtest.Ctx(), tn.ID, "evil@example.com"); err == nil {
			t.Fatal("a posted e-mail was used")
		}

		// An existing user signs in to join; a wrong password says so.
		if _, err := app.Store.RemoveOrganizationMember(webtest.Ctx(), tn.ID, o.ID, dana.ID, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		_, link2, err := app.Store.CreateOrganizationInvitation(webtest.Ctx(), ov, o.ID, models.OrgInviteInput{Email: "dana@newcustomer.example", ExpiresInDays: "1"}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		path2 := strings.TrimPrefix(link2, app.Server.URL)
		r = guest.Get(path2)
		if !strings.Contains(r.Body, "Sign in and join") || strings.Contains(r.Body, `name="given_name"`) || strings.Contains(r.Body, `name="password_confirm"`) {
			t.Fatal("existing user's page")
		}
		r = guest.Submit(path2, path2, url.Values{"password": {"wrong password here"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "The password is not correct.") {
			t.Fatalf("wrong password: %d", r.Status)
		}
		if r := guest.Submit(path2, path2, url.Values{"password": {webtest.Password}}); r.Status != http.StatusSeeOther {
			t.Fatalf("sign in and join: %d", r.Status)
		}
		if r := guest.Get(path2); !strings.Contains(r.Body, "Welcome, Dana Doe: you are now a member of Customer Inc.") {
			t.Fatal("joined page of an existing user")
		}
		// Expired.
		_, link3, err := app.Store.CreateOrganizationInvitation(webtest.Ctx(), ov, o.ID, models.OrgInviteInput{Email: "late@example.com", ExpiresInDays: "1"}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		app.Clock.Add(25 * time.Hour)
		r = guest.Get(strings.TrimPrefix(link3, app.Server.URL))
		if r.Status != http.StatusGone || !strings.Contains(r.Body, "expired") || strings.Contains(r.Body, `name="password"`) {
			t.Fatalf("expired link: %d", r.Status)
		}
	})
}

// TestOrganizationPagesCostFixedQueries: the organizations list (first
// page, a deep page, a search) and the Members tab run the same number of
// queries whatever the tenant's and the organization's size.
func TestOrganizationPagesCostFixedQueries(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, tn, _ := app.Owner("acme", "owner@example.com")
		app.OrgRole(tn, "Admin", "")
		var n atomic.Int64
		if err := app.Store.OnStatement("test:count-orgs", func(string) { n.Add(1) }); err != nil {
			t.Fatal(err)
		}
		measure := func(path string) int64 {
			t.Helper()
			n.Store(0)
			if r := c.Get(path); r.Status != http.StatusOK {
				t.Fatalf("%s: %d", path, r.Status)
			}
			return n.Load()
		}
		app.Organization(tn, "aaa-first", "First")
		app.OrgUser(tn, "solo@example.com", "Solo", "User")
		if _, err := app.Store.AddOrganizationMember(webtest.Ctx(), tn.ID, 1, "solo@example.com", models.Actor{}); err != nil {
			t.Fatal(err)
		}
		list, members := measure("/t/acme/organizations"), measure("/t/acme/organizations/aaa-first/members")
		if _, err := app.Store.SeedOrganizations(webtest.Ctx(), tn, 300, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		if _, err := app.Store.SeedUsers(webtest.Ctx(), tn, 300, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := app.Store.SeedOrganizationMembers(webtest.Ctx(), tn, "aaa-first", 300, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		large := measure("/t/acme/organizations")
		deep := measure("/t/acme/organizations?after=m")
		search := measure("/t/acme/organizations?q=logistics")
		bigMembers := measure("/t/acme/organizations/aaa-first/members")
		var mid int64
		modelstest.Must(t, db.DB.Model(&models.OrganizationMember{}).Select("MAX(id)").Where("organization_id = 1").Scan(&mid))
		deepMembers := measure(fmt.Sprintf("/t/acme/organizations/aaa-first/members?after=%d", mid-100))
		if large != list || deep != list || search != list {
			t.Fatalf("organizations list: %d queries with 1 organization, %d with 301, %d deep, %d searching", list, large, deep, search)
		}
		if bigMembers != members || deepMembers != members {
			t.Fatalf("members tab: %d queries with 1 member, %d with 301, %d deep", members, bigMembers, deepMembers)
		}
		if list > 3 || members > 6 { // members: + the roles the bulk action offers (issue 10, #5)
			t.Fatalf("the list costs %d queries, the members tab %d", list, members)
		}
		t.Logf("the Organizations list costs %d queries, the Members tab %d", list, members)
	})
}

// TestOrganizationRolesBeyondTheList: with more end-user roles than the
// forms list, the member page takes a role's name (with suggestions) and
// the invitation form takes more roles by name; unknown names are refused
// beside the field, what was typed kept.
func TestOrganizationRolesBeyondTheList(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, tn, _ := app.Owner("acme", "owner@example.com")
		o := app.Organization(tn, "customer", "Customer Inc.")
		u := app.OrgUser(tn, "ann@customer.example", "Ann", "Andersen")
		for i := range 101 {
			app.OrgRole(tn, fmt.Sprintf("Role %03d", i), "")
		}
		last := app.OrgRole(tn, "Zeta", "the last by name")
		if _, err := app.Store.AddOrganizationMember(webtest.Ctx(), tn.ID, o.ID, u.Email, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		memberURL := "/t/acme/organizations/customer/members/" + fmt.Sprint(u.ID)
		r := c.Get(memberURL)
		for _, want := range []string{`<input id="f-role" name="role" type="text" list="role-names"`, `<option value="Role 000">`, "too many roles to list them all"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("member page lacks %q", want)
			}
		}
		if strings.Contains(r.Body, `<option value="Zeta">`) {
			t.Error("the suggestions go beyond the first page of roles")
		}
		r = c.Submit(memberURL, memberURL+"/roles", url.Values{"role": {"Zita"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "No role is named “Zita”.") || !strings.Contains(r.Body, `value="Zita"`) {
			t.Fatalf("unknown role name: %d", r.Status)
		}
		if r := c.Submit(memberURL, memberURL+"/roles", url.Values{"role": {"zeta"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("assign a role beyond the list by name: %d", r.Status)
		}
		if r := c.Get(memberURL); !strings.Contains(r.Body, "Zeta") {
			t.Error("Zeta not held")
		}

		invs := "/t/acme/organizations/customer/invitations"
		r = c.Get(invs)
		if !strings.Contains(r.Body, `name="other_roles"`) || !strings.Contains(r.Body, "Only the first 100 roles by name are listed above.") {
			t.Fatal("no field for roles beyond the list")
		}
		before := orgCounts(t, db.DB)
		r = c.Submit(invs, invs, url.Values{"email": {"dana@customer.example"}, "other_roles": {"Zeta, Nope"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "No role is named “Nope”.") || !strings.Contains(r.Body, `value="Zeta, Nope"`) {
			t.Fatalf("unknown other role: %d", r.Status)
		}
		if after := orgCounts(t, db.DB); after != before {
			t.Fatalf("a refused invitation changed something: %s → %s", before, after)
		}
		if r := c.Submit(invs, invs, url.Values{"email": {"dana@customer.example"}, "other_roles": {" zeta "}}); r.Status != http.StatusSeeOther {
			t.Fatalf("invite with a role beyond the list: %d", r.Status)
		}
		var inv models.OrganizationInvitation
		modelstest.Must(t, db.DB.Where("email = ?", "dana@customer.example").Take(&inv))
		if inv.RoleIDs != "["+fmt.Sprint(last.ID)+"]" {
			t.Fatalf("invitation roles %s, want [%d]", inv.RoleIDs, last.ID)
		}
	})
}
