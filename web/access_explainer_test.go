package web_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/webtest"

	"github.com/PuerkitoBio/goquery"
)

func TestCheckAccessAndWhoCan(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, tn, owner := app.Owner("acme", "owner@example.com")
		ov, err := app.Store.LoadViewer(webtest.Ctx(), tn, owner.ID)
		if err != nil {
			t.Fatal(err)
		}
		w, err := app.Store.CreateWorkspace(webtest.Ctx(), ov, models.WorkspaceInput{Name: "Checkout", Slug: "checkout"}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.Store.CreateCustomRole(webtest.Ctx(), ov, models.CustomRoleInput{Name: "Client readers", Scope: "workspace", Permissions: []string{"read_clients", "get_workspace"}}, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		ann := app.AdminWithRoles(tn, "ann@example.com", "tenant_member")
		if _, err := app.Store.GrantWorkspaceRole(webtest.Ctx(), ov, w.ID, models.GrantInput{User: "ann@example.com", Role: "custom:client-readers"}, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		profile := adminsURL + "/" + fmt.Sprint(ann.ID)
		// Yes, with the binding, the role, the scope and the granter.
		r := c.Get(profile + "?permission=read_clients&workspace=checkout")
		doc := page(t, r)
		ans := doc.Find(`[data-testid="access-answer"]`)
		if r.Status != http.StatusOK || ans.AttrOr("data-allowed", "") != "yes" {
			t.Fatalf("check read_clients: %d %q", r.Status, ans.Text())
		}
		row := ans.Find(`[data-testid="access-reasons"] tbody tr`)
		if row.Length() != 1 || !strings.Contains(row.Text(), "Client readers") || !strings.Contains(row.Text(), "Workspace Checkout") || !strings.Contains(row.Text(), "Olivia Owner") {
			t.Fatalf("why: %q", row.Text())
		}
		// No, with the roles that would grant it.
		r = c.Get(profile + "?permission=manage_clients&workspace=checkout")
		ans = page(t, r).Find(`[data-testid="access-answer"]`)
		if ans.AttrOr("data-allowed", "") != "no" || !strings.Contains(ans.Find(`[data-testid="would-grant"]`).Text(), "Workspace Admin") {
			t.Fatalf("check manage_clients: %q", ans.Text())
		}
		// Bad input: the message beside the field, what was typed kept.
		r = c.Get(profile + "?permission=read_clients&workspace=nope")
		doc = page(t, r)
		if doc.Find("#e-workspace").Length() != 1 || doc.Find(`input[name="workspace"]`).AttrOr("value", "") != "nope" {
			t.Fatal("unknown workspace not reported beside the field")
		}
		// Who can: ann (custom role) and the owner (Tenant Admin), CSV the same.
		r = c.Get("/t/acme/settings/access?permission=read_clients&workspace=checkout")
		rows := page(t, r).Find(`[data-testid="access-reasons"] tbody tr`)
		if r.Status != http.StatusOK || rows.Length() != 2 || !strings.Contains(rows.Eq(0).Text(), "owner@example.com") || !strings.Contains(rows.Eq(1).Text(), "Client readers") {
			t.Fatalf("who can: %d %d rows", r.Status, rows.Length())
		}
		r = c.Get("/t/acme/settings/access/export.csv?permission=read_clients&workspace=checkout")
		recs, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll()
		if err != nil || r.Status != http.StatusOK || len(recs) != 3 || recs[2][0] != "ann@example.com" || recs[2][5] != "custom:client-readers" {
			t.Fatalf("csv: %d %v %v", r.Status, recs, err)
		}
		if r := c.Get("/t/acme/settings/access?permission=root"); r.Status != http.StatusUnprocessableEntity || page(t, r).Find("#e-permission").Length() != 1 {
			t.Fatalf("unknown permission: %d", r.Status)
		}
		// Those who cannot read tenant roles are refused both.
		member, _ := app.SignedInAs(tn, "m@example.com", "tenant_member")
		for _, p := range []string{profile + "?permission=read_clients", "/t/acme/settings/access?permission=read_clients", "/t/acme/settings/access/export.csv?permission=read_clients"} {
			if r := member.Get(p); r.Status != http.StatusForbidden {
				t.Errorf("member GET %s = %d", p, r.Status)
			}
		}
		auditor, _ := app.SignedInAs(tn, "aud@example.com", "tenant_auditor")
		if r := auditor.Get("/t/acme/settings/access?permission=get_tenant"); r.Status != http.StatusOK {
			t.Errorf("auditor who can: %d", r.Status)
		}
	})
}

// TestWhoCanPaginates: keyset pages of 50, each binding once.
func TestWhoCanPaginates(t *testing.T) {
	t.Parallel()
	app := webtest.Start(t, modelstest.SQLite(t), webtest.Options{})
	c, tn, _ := app.Owner("acme", "owner@example.com")
	for i := 0; i < 60; i++ {
		app.AdminWithRoles(tn, fmt.Sprintf("aud%02d@example.com", i), "tenant_auditor")
	}
	seen := map[string]bool{}
	next := "/t/acme/settings/access?permission=get_tenant"
	pages := 0
	for next != "" && pages < 5 {
		doc := page(t, c.Get(next))
		pages++
		doc.Find(`[data-testid="access-reasons"] tbody tr`).Each(func(_ int, s *goquery.Selection) {
			e := strings.TrimSpace(s.Find(".small").Text())
			if seen[e] {
				t.Fatalf("%s twice", e)
			}
			seen[e] = true
		})
		next = doc.Find(`a[rel="next"]`).AttrOr("href", "")
	}
	if len(seen) != 61 || pages != 2 {
		t.Fatalf("%d rows over %d pages", len(seen), pages)
	}
}
