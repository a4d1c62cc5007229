package web_test

import (
	"net/http"
	"strings"
	"testing"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/webtest"
)

// TestTenantPageLoadsTheRequestInOneQuery: before its handler runs, a
// signed-in tenant page costs one query (tenant, session, administrator
// and roles together), and the Administrators list then reads its page
// and the page's roles: three in all, none of them reading a password
// hash or a TOTP secret. Nothing of it is cached: a role taken away, an
// administrator deactivated or a session ended is refused at the next
// request.
func TestTenantPageLoadsTheRequestInOneQuery(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		_, tn, _ := app.Owner("acme", "owner@example.com")
		if _, err := app.Store.SeedAdministrators(webtest.Ctx(), tn, 60, "", models.Actor{}); err != nil {
			t.Fatal(err)
		}
		c, admin := app.SignedInAs(tn, "second@example.com", "tenant_admin")
		q := app.CountQueries(t)
		for _, path := range []string{adminsURL, adminsURL + "?after=m", adminsURL + "?q=example"} {
			sql := q.Page(t, c, path)
			if len(sql) != 3 {
				t.Fatalf("%s costs %d queries, want 3:%s", path, len(sql), webtest.Describe(sql))
			}
			if !strings.Contains(sql[0], "FROM tenants t") || !strings.Contains(sql[0], "JOIN sessions") || !strings.Contains(sql[0], "JOIN role_bindings") {
				t.Fatalf("the first query is not the request's:%s", webtest.Describe(sql))
			}
			for _, s := range sql {
				if strings.Contains(s, "password_hash") || strings.Contains(s, "totp_secret") || strings.Contains(s, "SELECT *") {
					t.Fatalf("%s reads more than it shows:%s", path, webtest.Describe(sql))
				}
			}
		}
		// A role taken away: refused at once.
		modelstest.Must(t, db.DB.Where("administrator_id = ?", admin.ID).Delete(&models.RoleBinding{}))
		if r := c.Get(adminsURL); r.Status != http.StatusForbidden {
			t.Fatalf("after the role was removed: %d", r.Status)
		}
		modelstest.Must(t, db.DB.Create(&models.RoleBinding{TenantID: tn.ID, AdministratorID: admin.ID, RoleKey: "tenant_admin", CreatedAt: app.Store.Now()}))
		if r := c.Get(adminsURL); r.Status != http.StatusOK {
			t.Fatalf("with the role back: %d", r.Status)
		}
		// Deactivated: sent to sign in, the session ended.
		modelstest.Must(t, db.DB.Model(&models.Administrator{}).Where("id = ?", admin.ID).Update("status", models.AdminInactive))
		if r := c.Get(adminsURL); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/t/acme/login") {
			t.Fatalf("deactivated: %d %s", r.Status, r.Header.Get("Location"))
		}
		if n := modelstest.Count(t, db.DB.Model(&models.Session{}).Where("administrator_id = ?", admin.ID)); n != 0 {
			t.Fatalf("%d sessions left of a deactivated administrator", n)
		}
		// A session ended elsewhere: sent to sign in.
		c2, admin2 := app.SignedInAs(tn, "third@example.com", "tenant_auditor")
		if r := c2.Get(adminsURL); r.Status != http.StatusOK {
			t.Fatalf("auditor: %d", r.Status)
		}
		modelstest.Must(t, db.DB.Where("administrator_id = ?", admin2.ID).Delete(&models.Session{}))
		if r := c2.Get(adminsURL); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/t/acme/login") {
			t.Fatalf("session ended: %d %s", r.Status, r.Header.Get("Location"))
		}
	})
}
