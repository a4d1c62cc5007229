package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/webtest"

	"github.com/PuerkitoBio/goquery"
)

// linkNamed is the href of the page's link whose text is name; the test
// fails when there is none.
func linkNamed(t *testing.T, body, name string) string {
	t.Helper()
	var href string
	doc(t, body).Find("a").EachWithBreak(func(_ int, s *goquery.Selection) bool {
		if strings.TrimSpace(s.Text()) == name && s.Closest(".sidebar").Length() == 0 {
			href, _ = s.Attr("href")
			return false
		}
		return true
	})
	if href == "" {
		t.Fatalf("no link %q on the page", name)
	}
	return href
}

// TestAdvancedAdministratorManagementPath walks the seed's path over HTTP
// in a legacy tenant: Tenant Settings > Administrators > Open Admin
// Workspace > Built in Admin IDP > Manage Pool > Users > a user > Roles >
// Save, as a Tenant Admin (the role is assigned), as a Tenant Auditor
// (every page, no form, the Save refused) and as others (kept out).
func TestAdvancedAdministratorManagementPath(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		tn, _, _, err := app.Store.CreateTenant(webtest.Ctx(), models.CreateTenantInput{Slug: "old", Name: "Old", Plan: models.PlanEnterprise,
			AdminEmail: "first@old.example", Legacy: true}, models.Actor{Email: "test"})
		if err != nil {
			t.Fatal(err)
		}
		target := app.AdminWithRoles(tn, "target@old.example", "tenant_member")
		walk := func(c *webtest.Client) (rolesPage *webtest.Response, rolesURL string) {
			t.Helper()
			r := c.Get("/t/old/settings/administrators")
			for _, step := range []string{"Open Admin Workspace", "Built in Admin IDP", "Manage Pool", "Users", "Test tenant_member", "Roles"} {
				if r.Status != http.StatusOK {
					t.Fatalf("before %q: status %d", step, r.Status)
				}
				rolesURL = linkNamed(t, r.Body, step)
				r = c.Get(rolesURL)
			}
			if r.Status != http.StatusOK || rolesURL != fmt.Sprintf("/t/old/identity-pools/administrators/users/%d/roles", target.ID) {
				t.Fatalf("roles page %s: %d", rolesURL, r.Status)
			}
			return r, rolesURL
		}

		admin, _ := app.SignedInAs(tn, "admin@old.example", "tenant_admin")
		page, rolesURL := walk(admin)
		form := doc(t, page.Body).Find(`form[action="` + rolesURL + `"]`)
		if form.Length() != 1 || strings.TrimSpace(form.Find(`button[type="submit"]`).Text()) != "Save" {
			t.Fatalf("no role form with Save on the Roles page")
		}
		r := admin.SubmitPage(page, rolesURL, url.Values{"role": {"tenant_auditor"}})
		if r.Status != http.StatusSeeOther || r.Location != rolesURL {
			t.Fatalf("Save: %d → %s", r.Status, r.Location)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.RoleBinding{}).Where("administrator_id = ? AND role_key = ?", target.ID, "tenant_auditor")); n != 1 {
			t.Fatalf("%d tenant_auditor bindings", n)
		}
		// The User Profile's rules hold: no escalation beyond what one holds.
		r = admin.SubmitPage(page, rolesURL, url.Values{"role": {"root"}})
		if r.Status != http.StatusUnprocessableEntity || doc(t, r.Body).Find("#e-role").Length() != 1 {
			t.Fatalf("unknown role: %d", r.Status)
		}

		auditor, _ := app.SignedInAs(tn, "auditor@old.example", "tenant_auditor")
		page, _ = walk(auditor)
		if n := doc(t, page.Body).Find(`form[action^="/t/old/identity-pools/"]`).Length(); n != 0 {
			t.Fatalf("the auditor sees %d forms on the Roles page", n)
		}
		// The user's page too: everything shown, no form.
		userPage := auditor.Get(strings.TrimSuffix(rolesURL, "/roles"))
		if userPage.Status != http.StatusOK || !strings.Contains(userPage.Body, "target@old.example") {
			t.Fatalf("auditor on the user's page: %d", userPage.Status)
		}
		if n := doc(t, userPage.Body).Find(`main form`).Length(); n != 0 {
			t.Fatalf("the auditor sees %d forms on the user's page", n)
		}
		before := poolCounts(t, db.DB)
		if r := auditor.Submit("/t/old/", rolesURL, url.Values{"role": {"tenant_auditor"}}); r.Status != http.StatusForbidden {
			t.Fatalf("auditor Save: %d", r.Status)
		}
		if after := poolCounts(t, db.DB); after != before {
			t.Fatalf("a refused Save changed something: %s → %s", before, after)
		}

		for _, role := range []string{"tenant_member", "editor_users", "editor_organizations"} {
			c, _ := app.SignedInAs(tn, role+"@old.example", role)
			r := c.Get("/t/old/workspaces/admin/idps")
			if r.Status != http.StatusForbidden && r.Status != http.StatusNotFound {
				t.Errorf("%s: Identity Providers = %d", role, r.Status)
			}
			if r := c.Get(rolesURL); r.Status != http.StatusForbidden {
				t.Errorf("%s: Roles page = %d", role, r.Status)
			}
		}
	})
}

// TestPoolFormsShowErrorsBesideTheFields: bad schema attributes, bad
// attribute values and taken identifiers are refused with the message
// beside the field, the typed values kept, nothing saved.
func TestPoolFormsShowErrorsBesideTheFields(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, tn, _ := app.Owner("acme", "owner@example.com")
		other := app.AdminWithRoles(tn, "other@example.com", "tenant_member")
		adm := "/t/acme/identity-pools/administrators"
		before := poolCounts(t, db.DB)
		r := c.Submit(adm+"/attributes", adm+"/attributes", url.Values{"attr_name": {"Bad Name"}, "attr_type": {"colour"}, "attr_description": {"typed"}})
		d := doc(t, r.Body)
		if r.Status != http.StatusUnprocessableEntity || d.Find("#e-attr_name").Length() != 1 || d.Find("#e-attr_type").Length() != 1 {
			t.Fatalf("bad attribute: %d", r.Status)
		}
		if v, _ := inputValue(d, "attr_name"); v != "Bad Name" {
			t.Fatalf("typed name not kept: %q", v)
		}
		if v, _ := inputValue(d, "attr_description"); v != "typed" {
			t.Fatalf("typed description not kept: %q", v)
		}
		if after := poolCounts(t, db.DB); after != before {
			t.Fatalf("a refused attribute was saved: %s → %s", before, after)
		}
		if r := c.Submit(adm+"/attributes", adm+"/attributes", url.Values{"attr_name": {"badge"}, "attr_type": {"number"}, "attr_required": {"on"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("add badge: %d", r.Status)
		}
		if r := c.Submit(adm+"/attributes", adm+"/attributes", url.Values{"attr_name": {"born"}, "attr_type": {"date"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("add born: %d", r.Status)
		}
		user := fmt.Sprintf("%s/users/%d", adm, other.ID)
		before = poolCounts(t, db.DB)
		r = c.Submit(user, user+"/attributes", url.Values{"attributes[badge]": {"forty-two"}, "attributes[born]": {"1990-02-30"}})
		d = doc(t, r.Body)
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad values: %d", r.Status)
		}
		for _, name := range []string{"attributes[badge]", "attributes[born]"} {
			if d.Find(`[id="e-`+name+`"]`).Length() != 1 {
				t.Errorf("no message beside %s", name)
			}
		}
		if v, _ := inputValue(d, "attributes[badge]"); v != "forty-two" {
			t.Errorf("typed value not kept: %q", v)
		}
		r = c.Submit(user, user+"/identifiers", url.Values{"identifier_type": {"email"}, "identifier": {"owner@example.com"}})
		if d := doc(t, r.Body); r.Status != http.StatusUnprocessableEntity || d.Find("#e-identifier").Length() != 1 {
			t.Fatalf("taken identifier: %d", r.Status)
		}
		r = c.Submit(user, user+"/addresses", url.Values{"address_type": {"mobile"}, "address": {"call me"}})
		if d := doc(t, r.Body); r.Status != http.StatusUnprocessableEntity || d.Find("#e-address").Length() != 1 {
			t.Fatalf("bad mobile: %d", r.Status)
		}
		if after := poolCounts(t, db.DB); after != before {
			t.Fatalf("refused forms saved something: %s → %s", before, after)
		}
		if r := c.Submit(user, user+"/attributes", url.Values{"attributes[badge]": {"42"}, "attributes[born]": {"1990-02-28"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("good values: %d", r.Status)
		}
		a, err := app.Store.AdministratorByID(webtest.Ctx(), tn.ID, other.ID)
		if err != nil || a.Attributes != `{"badge":"42","born":"1990-02-28"}` {
			t.Fatalf("stored %q %v", a.Attributes, err)
		}
	})
}

// TestPoolIDsOfAnotherTenantAre404: another tenant's users, unknown pools
// and unknown ids are 404, reading and changing, and nothing changes.
func TestPoolIDsOfAnotherTenantAre404(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, _, _ := app.Owner("acme", "owner@example.com")
		other, _, _ := app.Tenant("globex", models.PlanFree, "g@example.com")
		victim := app.AdminWithRoles(other, "victim@example.com", "tenant_admin")
		vu, err := app.Store.CreateUser(webtest.Ctx(), other.ID, models.CreateUserInput{Email: "v@users.example"}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		adm := "/t/acme/identity-pools/administrators/users/"
		before := poolCounts(t, db.DB)
		for _, p := range []string{adm + fmt.Sprint(victim.ID), adm + "abc", adm + "999999", fmt.Sprintf("/t/acme/identity-pools/users/users/%d", vu.ID),
			"/t/acme/identity-pools/nope", "/t/acme/identity-pools/nope/users", adm + fmt.Sprint(victim.ID) + "/roles"} {
			if r := c.Get(p); r.Status != http.StatusNotFound {
				t.Errorf("GET %s = %d", p, r.Status)
			}
		}
		for _, p := range []struct {
			path string
			vals url.Values
		}{
			{adm + fmt.Sprint(victim.ID) + "/status", url.Values{"status": {"inactive"}}},
			{adm + fmt.Sprint(victim.ID) + "/identifiers", url.Values{"identifier_type": {"email"}, "identifier": {"x@example.com"}}},
			{adm + fmt.Sprint(victim.ID) + "/roles", url.Values{"role": {"tenant_auditor"}}},
			{fmt.Sprintf("/t/acme/identity-pools/users/users/%d/status", vu.ID), url.Values{"status": {"inactive"}}},
			{"/t/acme/identity-pools/globex-pool/delete", nil},
		} {
			if r := c.Submit("/t/acme/", p.path, p.vals); r.Status != http.StatusNotFound {
				t.Errorf("POST %s = %d", p.path, r.Status)
			}
		}
		// The Users pool's users have no Roles page.
		r := c.Get("/t/acme/identity-pools/users/users/1/roles")
		if r.Status != http.StatusNotFound {
			t.Errorf("roles of an end user: %d", r.Status)
		}
		if after := poolCounts(t, db.DB); after != before {
			t.Fatalf("cross-tenant requests changed something: %s → %s", before, after)
		}
	})
}

var poolLinkRE = regexp.MustCompile(`https?://\S+/(verify|invitations)/[A-Za-z0-9_-]+`)

// TestVerifyAnAddressThroughTheEmailedLink: Start OTP verification e-mails
// a /verify/{token} link; opening it shows a confirmation, POST verifies the
// address, a second use is refused.
func TestVerifyAnAddressThroughTheEmailedLink(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, tn, _ := app.Owner("acme", "owner@example.com")
		other := app.AdminWithRoles(tn, "other@example.com", "tenant_member")
		user := fmt.Sprintf("/t/acme/identity-pools/administrators/users/%d", other.ID)
		if r := c.Submit(user, user+"/addresses", url.Values{"address_type": {"email"}, "address": {"backup@example.com"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("add address: %d", r.Status)
		}
		page := c.Get(user)
		verify, ok := doc(t, page.Body).Find(`[data-testid="addresses"] tr:contains("backup@example.com") form[action$="/verify"]`).Attr("action")
		if !ok {
			t.Fatal("no Start OTP verification")
		}
		if r := c.SubmitPage(page, verify, nil); r.Status != http.StatusSeeOther {
			t.Fatalf("start: %d", r.Status)
		}
		mails, err := app.Store.OutboxTo(webtest.Ctx(), "backup@example.com")
		if err != nil || len(mails) != 1 {
			t.Fatalf("outbox %v %v", mails, err)
		}
		link := poolLinkRE.FindString(mails[0].TextBody)
		if !strings.Contains(link, "/verify/") {
			t.Fatalf("no link in %q", mails[0].TextBody)
		}
		anon := app.Client()
		r := anon.GetURL(link)
		if r.Status != http.StatusOK || !strings.Contains(r.Body, "backup@example.com") {
			t.Fatalf("link page: %d", r.Status)
		}
		path := link[strings.Index(link, "/verify/"):]
		if r := anon.SubmitPage(r, path, nil); r.Status != http.StatusOK || !strings.Contains(r.Body, "Address verified") {
			t.Fatalf("confirm: %d", r.Status)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.PoolAddress{}).Where("value = ? AND verified_at IS NOT NULL", "backup@example.com")); n != 1 {
			t.Fatal("address not verified")
		}
		if r := anon.GetURL(link); r.Status != http.StatusGone {
			t.Fatalf("second use: %d", r.Status)
		}
	})
}

// TestPoolUsersPageByKeyset: the Users tab pages by keyset without
// overlap, and searches.
func TestPoolUsersPageByKeyset(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, tn, _ := app.Owner("acme", "owner@example.com")
		if _, err := app.Store.SeedAdministrators(webtest.Ctx(), tn, 30, "", models.Actor{Email: "test"}); err != nil {
			t.Fatal(err)
		}
		if _, err := app.Store.SeedUsers(webtest.Ctx(), tn, 40, models.Actor{Email: "test"}); err != nil {
			t.Fatal(err)
		}
		for _, pool := range []struct {
			slug  string
			total int
		}{{"administrators", 31}, {"users", 40}} {
			seen := map[string]bool{}
			next := "/t/acme/identity-pools/" + pool.slug + "/users"
			pages := 0
			for next != "" {
				r := c.Get(next)
				if r.Status != http.StatusOK {
					t.Fatalf("%s: %d", next, r.Status)
				}
				d := doc(t, r.Body)
				d.Find(`[data-testid="pool-users"] tbody tr td:first-child a`).Each(func(_ int, s *goquery.Selection) {
					h, _ := s.Attr("href")
					if seen[h] {
						t.Errorf("%s listed twice", h)
					}
					seen[h] = true
				})
				next, _ = d.Find(`a[rel="next"]`).Attr("href")
				pages++
			}
			if len(seen) != pool.total || pages != 2 {
				t.Errorf("%s: %d users on %d pages", pool.slug, len(seen), pages)
			}
			// Every seeded user has identifiers and addresses.
			var p models.IdentityPool
			modelstest.Must(t, db.DB.Where("tenant_id = ? AND slug = ?", tn.ID, pool.slug).Take(&p))
			table := "administrators"
			if pool.slug == "users" {
				table = "users"
			}
			missing := modelstest.Count(t, db.DB.Table(table).Where("pool_id = ? AND NOT EXISTS (SELECT 1 FROM pool_identifiers i WHERE i.pool_id = "+table+".pool_id AND i.user_id = "+table+".id)", p.ID))
			if missing != 0 {
				t.Errorf("%s: %d users without identifiers", pool.slug, missing)
			}
		}
		r := c.Get("/t/acme/identity-pools/administrators/users?q=owner")
		if n := doc(t, r.Body).Find(`[data-testid="pool-users"] tbody tr`).Length(); n != 1 {
			t.Errorf("search found %d", n)
		}
	})
}
