package web_test

import (
	"net/http"
	"testing"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/models/modelstest"
	"gatehouse/web/render"
	"gatehouse/web/webtest"

	"github.com/PuerkitoBio/goquery"
)

// TestNavigationFollowsTheRouteTable: every navigation entry and every
// workspace tab leads to a GET route of the route table; each built-in
// role sees exactly the entries its permissions open (200), and an entry
// it does not see is refused to it (403) — the navigation states no
// permission of its own.
func TestNavigationFollowsTheRouteTable(t *testing.T) {
	t.Parallel()
	app := webtest.Start(t, modelstest.SQLite(t), webtest.Options{})
	tn, _, _ := app.Tenant("acme", models.PlanEnterprise, "first@example.com")
	alpha := app.Workspace(tn, "alpha", "Alpha")
	routes := render.Routes(app.Web.Routes.Perms)
	for _, e := range render.NavEntries {
		if _, ok := routes.Perm(e.Path); !ok {
			t.Errorf("nav entry %q leads to %s, which is no GET route", e.Label, e.Path)
		}
	}
	for _, tab := range render.WorkspaceTabs {
		if _, ok := routes.Perm("/workspaces/:workspace" + tab.Path); !ok {
			t.Errorf("workspace tab %q leads to %s, which is no GET route", tab.Label, tab.Path)
		}
	}

	for _, role := range authz.Roles() {
		t.Run(string(role.Key), func(t *testing.T) {
			email := string(role.Key) + "@acme.example"
			var c *webtest.Client
			workspaceOnly := role.Scope == authz.ScopeWorkspace
			if workspaceOnly {
				admin := app.AdminWithRoles(tn, email)
				app.BindInWorkspace(admin, alpha, string(role.Key))
				c = app.Client()
				c.SignIn("acme", email, webtest.Password)
			} else {
				c, _ = app.SignedInAs(tn, email, string(role.Key))
			}
			doc := page(t, c.Get("/t/acme/"))
			shown := map[string]bool{}
			doc.Find(`.sidebar nav[aria-label="Main"] a`).Each(func(_ int, a *goquery.Selection) {
				shown[a.AttrOr("href", "")] = true
			})
			n := 0
			for _, e := range render.NavEntries {
				href := "/t/acme" + e.Path
				status := c.Get(href).Status
				switch {
				case shown[href]:
					n++
					if status != http.StatusOK {
						t.Errorf("nav shows %q but GET %s = %d", e.Label, href, status)
					}
				case e.Path == "/workspaces" && workspaceOnly:
					// Named workspaces instead of the list (render/workspace.go).
					if !shown["/t/acme/workspaces/alpha"] {
						t.Error("a workspace role's workspace is not in the nav")
					}
				case status != http.StatusForbidden:
					t.Errorf("nav hides %q but GET %s = %d, want 403", e.Label, href, status)
				}
			}
			if n == 0 {
				t.Fatal("the nav shows nothing")
			}
			// The workspace's tabs, likewise.
			r := c.Get("/t/acme/workspaces/alpha")
			if r.Status != http.StatusOK {
				if role.Has(authz.GetWorkspace) {
					t.Fatalf("workspace page: %d", r.Status)
				}
				return
			}
			tabs := map[string]bool{}
			doc = page(t, r)
			doc.Find(`.tabs a`).Each(func(_ int, a *goquery.Selection) { tabs[a.AttrOr("href", "")] = true })
			for _, tab := range render.WorkspaceTabs {
				href := "/t/acme/workspaces/alpha" + tab.Path
				status := c.Get(href).Status
				if tabs[href] != (status == http.StatusOK) || (!tabs[href] && status != http.StatusForbidden) {
					t.Errorf("tab %q shown %v, GET %s = %d", tab.Label, tabs[href], href, status)
				}
			}
			if len(tabs) == 0 {
				t.Error("the workspace page has no tabs")
			}
		})
	}
}
