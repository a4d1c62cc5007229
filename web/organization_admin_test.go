package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/webtest"
)

// TestOrganizationAdmin: bound to one Organization on the User Profile (field
// organization, plan-gated), it reads that Organization and manages its
// members, member roles and invitations; not its settings, connections or
// deletion; no other Organization (404) and nothing else (403).
func TestOrganizationAdmin(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, tn, _ := app.Owner("acme", "owner@example.com")
		alpha := app.Organization(tn, "alpha", "Alpha")
		app.Organization(tn, "beta", "Beta")
		u1 := app.OrgUser(tn, "u1@customer.example", "Una", "One")
		app.OrgUser(tn, "u2@customer.example", "Udo", "Two")
		r1 := app.OrgRole(tn, "Admin", "")
		c1 := app.OrgConnection(tn, "db", "database", "Database")
		ctx := webtest.Ctx()
		if _, err := app.Store.AddOrganizationMember(ctx, tn.ID, alpha.ID, u1.Email, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		ann := app.AdminWithRoles(tn, "ann@example.com", "tenant_member")
		profile := adminsURL + "/" + fmt.Sprint(ann.ID)
		// Granted on the User Profile with the field organization.
		r := c.Submit(profile, profile+"/roles", url.Values{"role": {"organization_admin"}, "organization": {"nope"}})
		if r.Status != http.StatusUnprocessableEntity || page(t, r).Find("#e-organization").Length() != 1 {
			t.Fatalf("unknown organization: %d", r.Status)
		}
		r = c.Submit(profile, profile+"/roles", url.Values{"role": {"organization_admin"}, "organization": {"alpha"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("grant organization admin: %d", r.Status)
		}
		if body := c.Get(profile).Body; !strings.Contains(body, "Organization Admin") || !strings.Contains(body, "Organization Alpha") {
			t.Fatal("profile does not show the binding and its organization")
		}
		oa := app.Client()
		oa.SignIn("acme", "ann@example.com", webtest.Password)
		// The list shows alpha only; the navigation offers Organizations.
		r = oa.Get("/t/acme/organizations")
		if r.Status != http.StatusOK || !strings.Contains(r.Body, "/t/acme/organizations/alpha") || strings.Contains(r.Body, "/t/acme/organizations/beta") {
			t.Fatalf("list: %d", r.Status)
		}
		if !strings.Contains(oa.Get("/t/acme/").Body, `href="/t/acme/organizations"`) {
			t.Error("no Organizations in the navigation")
		}
		one := "/t/acme/organizations/alpha"
		uid := fmt.Sprint(u1.ID)
		for _, rt := range []struct {
			method, path string
			vals         url.Values
			want         int
		}{
			{"GET", one, nil, 200},
			{"GET", one + "/members", nil, 200},
			{"GET", one + "/members/" + uid, nil, 200},
			{"GET", one + "/invitations", nil, 200},
			{"GET", one + "/connections", nil, 200},
			{"POST", one + "/members", url.Values{"email": {"u2@customer.example"}}, 303},
			{"POST", one + "/members/" + uid + "/roles", url.Values{"role": {fmt.Sprint(r1.ID)}}, 303},
			{"POST", one + "/members/" + uid + "/roles/" + fmt.Sprint(r1.ID) + "/delete", nil, 303},
			{"POST", one + "/invitations", url.Values{"email": {"new@example.com"}, "expires_in_days": {"7"}}, 303},
			{"POST", one + "/members/" + uid + "/delete", nil, 303},
			// Not its settings, connections or deletion.
			{"POST", one, url.Values{"version": {"1"}, "display_name": {"Hacked"}}, 403},
			{"POST", one + "/connections", url.Values{"connection": {fmt.Sprint(c1.ID)}}, 403},
			{"GET", one + "/delete", nil, 403},
			{"POST", one + "/delete", url.Values{"confirm": {"alpha"}, "password": {webtest.Password}}, 403},
			{"POST", "/t/acme/organizations/new", url.Values{"name": {"mine"}, "display_name": {"Mine"}}, 403},
			// No other Organization.
			{"GET", "/t/acme/organizations/beta", nil, 404},
			{"GET", "/t/acme/organizations/beta/members", nil, 404},
			{"POST", "/t/acme/organizations/beta/members", url.Values{"email": {"u2@customer.example"}}, 404},
			{"POST", "/t/acme/organizations/beta/invitations", url.Values{"email": {"x@example.com"}, "expires_in_days": {"7"}}, 404},
			// Nothing else.
			{"GET", "/t/acme/users", nil, 403},
			{"GET", "/t/acme/connections", nil, 403},
			{"GET", "/t/acme/settings/administrators", nil, 403},
			{"GET", "/t/acme/workspaces", nil, 403},
		} {
			before := orgCounts(t, db.DB)
			var r *webtest.Response
			if rt.method == "GET" {
				r = oa.Get(rt.path)
			} else {
				r = oa.Submit("/t/acme/", rt.path, rt.vals)
			}
			if r.Status != rt.want {
				t.Errorf("%s %s = %d, want %d", rt.method, rt.path, r.Status, rt.want)
			}
			if rt.want >= 400 && orgCounts(t, db.DB) != before {
				t.Errorf("refused %s %s changed something", rt.method, rt.path)
			}
		}
		// The Members page offers its controls, the Overview no Save.
		if body := oa.Get(one + "/members").Body; !strings.Contains(body, "Add member") {
			t.Error("no Add member for the Organization Admin")
		}
		// An invitation they sent stays backed while they hold the role.
		if n := modelstest.Count(t, db.DB.Model(&models.OrganizationInvitation{}).Where("revoked_at IS NULL AND email = ?", "new@example.com")); n != 1 {
			t.Fatalf("invitation by the Organization Admin: %d pending", n)
		}
	})
}

func TestOrganizationAdminPlanGate(t *testing.T) {
	t.Parallel()
	app := webtest.Start(t, modelstest.SQLite(t), webtest.Options{})
	free, _, _ := app.Tenant("acme", models.PlanFree, "first@example.com")
	c, _ := app.SignedInAs(free, "owner@example.com", "tenant_admin")
	app.Organization(free, "alpha", "Alpha")
	ann := app.AdminWithRoles(free, "ann@example.com", "tenant_member")
	profile := adminsURL + "/" + fmt.Sprint(ann.ID)
	r := c.Get(profile)
	if page(t, r).Find(`select[name="role"] option[value="organization_admin"][disabled]`).Length() != 1 {
		t.Error("Organization Admin not shown disabled on the free plan")
	}
	r = c.Submit(profile, profile+"/roles", url.Values{"role": {"organization_admin"}, "organization": {"alpha"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "requires the Professional or Enterprise plan") {
		t.Fatalf("free plan: %d", r.Status)
	}
	if n := modelstest.Count(t, app.DB.DB.Model(&models.RoleBinding{}).Where("role_key = ?", "organization_admin")); n != 0 {
		t.Fatal("a plan-gated binding was saved")
	}
}
