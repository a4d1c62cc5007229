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

// TestWhoCanShowsAPITokensAndOrganizationAdmins: Who can and Check access
// count API tokens (as the management API's guard sees them: the roles
// their creator still backs) and Organization Admins (inside their one
// Organization, as the Organization guard decides), in the page and the
// CSV export; a revoked token and another Organization show nothing.
func TestWhoCanShowsAPITokensAndOrganizationAdmins(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, tn, owner := app.Owner("acme", "owner@example.com")
		ctx := webtest.Ctx()
		ov, err := app.Store.LoadViewer(ctx, tn, owner.ID)
		if err != nil {
			t.Fatal(err)
		}
		ov.SteppedUpAt = app.Store.Now()
		app.Organization(tn, "customer-one", "Customer One")
		app.Organization(tn, "customer-two", "Customer Two")
		oa, oaAdmin := app.SignedInAs(tn, "oa@example.com")
		if err := app.Store.AssignOrganizationRole(ctx, ov, oaAdmin.ID, "organization_admin", "customer-one", nil, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		ci, ciRaw, err := app.Store.CreateAPIToken(ctx, ov, models.APITokenInput{Name: "ci", Roles: []string{"tenant_auditor"}, ExpiresInDays: 30}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		gone, _, err := app.Store.CreateAPIToken(ctx, ov, models.APITokenInput{Name: "gone", Roles: []string{"tenant_auditor"}, ExpiresInDays: 30}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.Store.RevokeAPIToken(ctx, ov, gone.ID, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		_, themesRaw, err := app.Store.CreateAPIToken(ctx, ov, models.APITokenInput{Name: "themes", Roles: []string{"tenant_member"}, ExpiresInDays: 30}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		// The management API's guard agrees with what Who can says below.
		if r := apiDo(t, app, ciRaw, http.MethodGet, "/api/v1/organizations", "", nil); r.Status != http.StatusOK {
			t.Fatalf("ci token reads organizations: %d", r.Status)
		}
		if r := apiDo(t, app, themesRaw, http.MethodGet, "/api/v1/organizations", "", nil); r.Status != http.StatusForbidden {
			t.Fatalf("member token reads organizations: %d", r.Status)
		}
		// The route guards agree: the Organization Admin reads customer-one only.
		if r := oa.Get("/t/acme/organizations/customer-one"); r.Status != http.StatusOK {
			t.Fatalf("org admin reads its organization: %d", r.Status)
		}
		if r := oa.Get("/t/acme/organizations/customer-two"); r.Status != http.StatusNotFound {
			t.Fatalf("org admin reads another organization: %d", r.Status)
		}

		// Inside customer-one: the owner (tenant-wide), the Organization Admin, the ci token.
		r := c.Get("/t/acme/settings/access?permission=read_organizations&organization=customer-one")
		doc := page(t, r)
		admins := doc.Find(`[data-testid="access-reasons"] tbody tr`)
		if r.Status != http.StatusOK || admins.Length() != 2 || !strings.Contains(admins.Text(), "oa@example.com") || !strings.Contains(admins.Text(), "Organization customer-one") {
			t.Fatalf("who can in customer-one: %d %q", r.Status, admins.Text())
		}
		toks := doc.Find(`[data-testid="access-tokens"] tbody tr`)
		if toks.Length() != 1 || !strings.Contains(toks.Text(), "ci") || !strings.Contains(toks.Text(), "Tenant Auditor") || !strings.Contains(toks.Text(), "Olivia Owner") {
			t.Fatalf("tokens: %q", toks.Text())
		}
		// Inside customer-two, and at the tenant level: no Organization Admin.
		for _, q := range []string{"&organization=customer-two", ""} {
			doc := page(t, c.Get("/t/acme/settings/access?permission=read_organizations"+q))
			if txt := doc.Find(`[data-testid="access-reasons"]`).Text(); strings.Contains(txt, "oa@example.com") || !strings.Contains(txt, "owner@example.com") {
				t.Errorf("who can%s: %q", q, txt)
			}
			if doc.Find(`[data-testid="access-tokens"] tbody tr`).Length() != 1 {
				t.Errorf("who can%s: tokens", q)
			}
		}
		// A permission no token holds: no token table.
		if doc := page(t, c.Get("/t/acme/settings/access?permission=manage_tenant_roles")); doc.Find(`[data-testid="access-tokens"]`).Length() != 0 {
			t.Error("a token listed for a permission it lacks")
		}
		// Unknown organization: beside the field, typed kept.
		r = c.Get("/t/acme/settings/access?permission=read_organizations&organization=nope")
		if doc := page(t, r); r.Status != http.StatusUnprocessableEntity || doc.Find("#e-organization").Length() != 1 || doc.Find(`input[name="organization"]`).AttrOr("value", "") != "nope" {
			t.Fatalf("unknown organization: %d", r.Status)
		}
		// Check access on the Organization Admin's profile.
		profile := adminsURL + "/" + fmt.Sprint(oaAdmin.ID)
		ans := page(t, c.Get(profile+"?permission=manage_organization_members&organization=customer-one")).Find(`[data-testid="access-answer"]`)
		if ans.AttrOr("data-allowed", "") != "yes" || !strings.Contains(ans.Text(), "Organization Admin") || !strings.Contains(ans.Text(), "Organization customer-one") {
			t.Fatalf("check in customer-one: %q", ans.Text())
		}
		for _, q := range []string{"&organization=customer-two", ""} {
			ans := page(t, c.Get(profile+"?permission=manage_organization_members"+q)).Find(`[data-testid="access-answer"]`)
			if ans.AttrOr("data-allowed", "") != "no" {
				t.Errorf("check%s: %q", q, ans.Text())
			}
		}
		// The CSV export carries the tokens and the Organization Admin.
		r = c.Get("/t/acme/settings/access/export.csv?permission=read_organizations&organization=customer-one")
		recs, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll()
		if err != nil || r.Status != http.StatusOK {
			t.Fatalf("csv: %d %v", r.Status, err)
		}
		var sawToken, sawOA bool
		for _, rec := range recs[1:] {
			switch {
			case rec[10] == "api_token" && strings.Contains(rec[0], fmt.Sprintf("#%d", ci.ID)) && rec[5] == "tenant_auditor":
				sawToken = true
			case rec[10] == "administrator" && rec[0] == "oa@example.com" && rec[6] == "organization customer-one":
				sawOA = true
			case strings.Contains(rec[0], "gone") || strings.Contains(rec[0], "themes"):
				t.Errorf("csv lists %v", rec)
			}
		}
		if len(recs) != 4 || !sawToken || !sawOA || recs[0][10] != "holder_type" {
			t.Fatalf("csv rows: %v", recs)
		}
	})
}
