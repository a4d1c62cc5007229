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
)

// adminRoute is one route of Tenant Settings > Administrators.
type adminRoute struct {
	method, path string
	vals         url.Values
	okStatus     int // what a Tenant Admin gets when the tenant manages administrators here
}

// adminFlagFixture is a tenant (slug) with an owner client, an invited
// administrator and a signed-in, locked-out, TOTP-enrolled target holding
// two roles: every route of the classic page has something to act on.
func adminFlagFixture(t *testing.T, app *webtest.App, db modelstest.DB, slug string, legacy bool) (*webtest.Client, []adminRoute) {
	t.Helper()
	tn, _, _, err := app.Store.CreateTenant(webtest.Ctx(), models.CreateTenantInput{Slug: slug, Name: "T " + slug, Plan: models.PlanEnterprise,
		AdminEmail: "first@" + slug + ".example", Legacy: legacy}, models.Actor{Email: "test"})
	if err != nil {
		t.Fatal(err)
	}
	owner := app.AdminWithRoles(tn, "owner@"+slug+".example", "tenant_admin")
	ov, err := app.Store.LoadViewer(webtest.Ctx(), tn, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	invited, err := app.Store.CreateAdministrator(webtest.Ctx(), ov, models.CreateAdminInput{Email: "invited@" + slug + ".example", GivenName: "In", FamilyName: "Vited", Role: "tenant_member"}, models.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	_, target := app.SignedInAs(tn, "target@"+slug+".example", "tenant_member", "editor_users")
	var binding models.RoleBinding
	if err := db.DB.Where("administrator_id = ? AND role_key = ?", target.ID, "editor_users").Take(&binding).Error; err != nil {
		t.Fatal(err)
	}
	var sess models.Session
	if err := db.DB.Where("administrator_id = ?", target.ID).Take(&sess).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.DB.Model(&models.Administrator{}).Where("id = ?", target.ID).Updates(map[string]any{
		"locked_until": app.Clock.Now().Add(time.Hour), "totp_enabled_at": app.Clock.Now(), "totp_secret": []byte("sealed")}).Error; err != nil {
		t.Fatal(err)
	}
	c := app.Client()
	c.SignIn(slug, owner.Email, webtest.Password)
	base := "/t/" + slug + "/settings/administrators"
	tid, iid := fmt.Sprint(target.ID), fmt.Sprint(invited.ID)
	return c, []adminRoute{
		{"GET", base + "/new", nil, 200},
		{"POST", base + "/new", url.Values{"email": {"new@" + slug + ".example"}, "given_name": {"N"}, "family_name": {"N"}, "role": {"tenant_member"}}, 303},
		{"POST", base, url.Values{"email": {"list@" + slug + ".example"}, "given_name": {"L"}, "family_name": {"L"}, "role": {"tenant_member"}}, 303},
		{"POST", base + "/" + tid + "/roles", url.Values{"role": {"tenant_auditor"}}, 303},
		{"POST", base + "/" + tid + "/roles/" + fmt.Sprint(binding.ID) + "/delete", nil, 303},
		{"POST", base + "/" + iid + "/invitation/resend", nil, 303},
		{"POST", base + "/" + iid + "/invitation/revoke", nil, 303},
		{"POST", base + "/" + tid + "/password-reset", nil, 303},
		{"POST", base + "/" + tid + "/sessions/" + sess.ID + "/delete", nil, 303},
		{"POST", base + "/" + tid + "/unlock", nil, 303},
		{"POST", base + "/" + tid + "/totp/reset", url.Values{"password": {webtest.Password}}, 303}, // a step-up action
		{"POST", base + "/" + tid + "/status", url.Values{"status": {"inactive"}}, 303},
	}
}

func setFlag(t *testing.T, app *webtest.App, slug string, f models.FeatureFlag, on bool) {
	t.Helper()
	if _, _, err := app.Store.SetTenantFlag(webtest.Ctx(), slug, f, on, models.Actor{Email: "gatehouse cli"}); err != nil {
		t.Fatal(err)
	}
}

// TestAdministratorsPageFollowsTheFeatureFlags: with administrator
// management off, or managed in the Admin workspace (advanced, legacy), the
// page says so and every change of the classic page is refused (403,
// nothing changed) even to a Tenant Admin; with the flags as for a new
// tenant, every one of them works.
func TestAdministratorsPageFollowsTheFeatureFlags(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		for _, state := range []string{"classic", "off", "advanced", "legacy", "off-legacy"} {
			slug := strings.ReplaceAll(state, "-", "")
			c, routes := adminFlagFixture(t, app, db, slug, strings.HasSuffix(state, "legacy"))
			switch state {
			case "off", "off-legacy":
				setFlag(t, app, slug, models.FlagAdminManagement, false)
			case "advanced":
				setFlag(t, app, slug, models.FlagAdvancedAdminManagement, true)
			}
			base := "/t/" + slug + "/settings/administrators"
			r := c.Get(base)
			if r.Status != http.StatusOK {
				t.Fatalf("%s: list %d", state, r.Status)
			}
			d := doc(t, r.Body)
			createNew := d.Find(`a[href="` + base + `/new"]`).Length()
			rows := d.Find("table.table tbody tr").Length()
			open := d.Find(`a.button[href="/t/` + slug + `/workspaces/admin/idps"]`)
			switch state {
			case "classic":
				if createNew != 1 || rows < 3 || d.Find("#admin-management-off, #admin-management-advanced").Length() != 0 {
					t.Errorf("classic page: Create New %d, rows %d", createNew, rows)
				}
			case "off", "off-legacy":
				n := d.Find("#admin-management-off")
				if createNew != 0 || rows != 0 || open.Length() != 0 || !strings.Contains(n.Find("h2").Text(), "not enabled for this tenant") ||
					n.Find("pre code").Text() != "gatehouse tenant flags --slug "+slug+" --set admin_management=on" || !strings.Contains(n.Text(), "contact the platform operator") {
					t.Errorf("%s page: Create New %d, rows %d, notice %q", state, createNew, rows, n.Text())
				}
			default:
				n := d.Find("#admin-management-advanced")
				want := "Advanced administrator management is enabled"
				if state == "legacy" {
					want = "manages its administrators in the Admin workspace"
				}
				if createNew != 0 || rows != 0 || !strings.Contains(n.Find("h2").Text(), want) || open.Length() != 1 || open.Text() != "Open Admin Workspace" {
					t.Errorf("%s page: Create New %d, rows %d, notice %q, button %d", state, createNew, rows, n.Text(), open.Length())
				}
			}
			// A User Profile has management controls only on the classic page.
			prof := c.Get(routes[3].path[:strings.LastIndex(routes[3].path, "/")])
			if prof.Status != http.StatusOK {
				t.Fatalf("%s: profile %d", state, prof.Status)
			}
			controls := doc(t, prof.Body).Find(`form[action*="/settings/administrators/"][method="post"]`).Length()
			if (controls > 0) != (state == "classic") {
				t.Errorf("%s: profile has %d management forms", state, controls)
			}
			for _, rt := range routes {
				before := counts(t, db.DB)
				var r *webtest.Response
				if rt.method == "GET" {
					r = c.Get(rt.path)
				} else {
					r = c.Submit("/t/"+slug+"/", rt.path, rt.vals)
				}
				if state == "classic" {
					if r.Status != rt.okStatus {
						t.Errorf("classic: %s %s = %d, want %d", rt.method, rt.path, r.Status, rt.okStatus)
					}
					continue
				}
				if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "Access denied") {
					t.Errorf("%s: %s %s = %d, want 403", state, rt.method, rt.path, r.Status)
				}
				if after := counts(t, db.DB); after != before {
					t.Errorf("%s: refused %s %s changed something: %s → %s", state, rt.method, rt.path, before, after)
				}
			}
		}
	})
}

// TestEveryoneSignsInWithAdministratorManagementOff: the flag stops the
// management of administrators, not their access.
func TestEveryoneSignsInWithAdministratorManagementOff(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		_, tn, _ := app.Owner("acme", "owner@example.com")
		app.AdminWithRoles(tn, "member@example.com", "tenant_member")
		setFlag(t, app, "acme", models.FlagAdminManagement, false)
		for _, email := range []string{"owner@example.com", "member@example.com"} {
			c := app.Client()
			c.SignIn("acme", email, webtest.Password)
			if r := c.Get("/t/acme/"); r.Status != http.StatusOK {
				t.Errorf("%s: dashboard %d", email, r.Status)
			}
		}
	})
}

// TestAdminWorkspaceIsForTenantAdminsAndAuditors: the Admin workspace of
// an advanced tenant is seen by Tenant Admins (Open Admin Workspace) and
// Tenant Auditors, by nobody else; nobody is added to it and it cannot be
// deleted, whatever is posted.
func TestAdminWorkspaceIsForTenantAdminsAndAuditors(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		owner, tn, _ := app.Owner("acme", "owner@example.com")
		setFlag(t, app, "acme", models.FlagAdvancedAdminManagement, true)
		auditor, _ := app.SignedInAs(tn, "aud@example.com", "tenant_auditor")
		member, _ := app.SignedInAs(tn, "mem@example.com", "tenant_member")
		editor, _ := app.SignedInAs(tn, "ed@example.com", "editor_organizations", "editor_users")
		for who, c := range map[string]*webtest.Client{"owner": owner, "auditor": auditor} {
			r := c.Get("/t/acme/workspaces")
			if r.Status != http.StatusOK || doc(t, r.Body).Find(`a[href="/t/acme/workspaces/admin"]`).Length() == 0 {
				t.Errorf("%s does not see the Admin workspace: %d", who, r.Status)
			}
			if r := c.Get("/t/acme/workspaces/admin"); r.Status != http.StatusOK {
				t.Errorf("%s: Admin workspace %d", who, r.Status)
			}
			r = c.Get(adminsURL)
			if doc(t, r.Body).Find(`a.button[href="/t/acme/workspaces/admin/idps"]`).Length() != 1 {
				t.Errorf("%s: no Open Admin Workspace", who)
			}
		}
		for who, c := range map[string]*webtest.Client{"member": member, "editor": editor} {
			if r := c.Get("/t/acme/workspaces/admin"); r.Status != http.StatusNotFound && r.Status != http.StatusForbidden {
				t.Errorf("%s reaches the Admin workspace: %d", who, r.Status)
			}
		}
		// The owner's workspace page offers no delete; Manage Access no Add User.
		d := doc(t, owner.Get("/t/acme/workspaces/admin").Body)
		if d.Find(`a[href="/t/acme/workspaces/admin/delete"]`).Length() != 0 {
			t.Error("delete offered for the Admin workspace")
		}
		if doc(t, owner.Get("/t/acme/workspaces/admin/access").Body).Find(`form[action="/t/acme/workspaces/admin/access"]`).Length() != 0 {
			t.Error("Add User offered in the Admin workspace")
		}
		before := counts(t, db.DB)
		if r := owner.Submit("/t/acme/workspaces/admin", "/t/acme/workspaces/admin/access", url.Values{"user": {"mem@example.com"}, "role": {"workspace_auditor"}}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("grant in the Admin workspace: %d", r.Status)
		}
		if r := owner.Submit("/t/acme/workspaces/admin", "/t/acme/workspaces/admin/delete", url.Values{"confirm": {"admin"}}); r.Status != http.StatusForbidden {
			t.Errorf("delete the Admin workspace: %d", r.Status)
		}
		if after := counts(t, db.DB); after != before {
			t.Errorf("refused changes changed something: %s → %s", before, after)
		}
		if r := member.Get("/t/acme/workspaces/admin"); r.Status != http.StatusNotFound {
			t.Errorf("member after the attempts: %d", r.Status)
		}
	})
}
