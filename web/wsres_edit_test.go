package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/webtest"
)

// TestWorkspaceResourceListsUseTheKitsPagination: every resource list has
// the kit's search and pages (Showing 1–10, Next, Previous, the page size
// remembered, the search kept across pages).
func TestWorkspaceResourceListsUseTheKitsPagination(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		f := newWSFixture(t, app, "acme")
		owner := app.AdminWithRoles(f.tn, "owner@example.com", "tenant_admin")
		ctx := context.Background()
		v, err := app.Store.LoadViewer(ctx, f.tn, owner.ID)
		if err != nil {
			t.Fatal(err)
		}
		act := models.Actor{AdminID: owner.ID, Email: owner.Email}
		ws := f.alpha.ID
		for i := range 12 {
			n := fmt.Sprintf("Item %02d", i)
			must := func(err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
			}
			_, err := app.Store.CreateService(ctx, v, ws, models.ServiceInput{Name: n, Audience: fmt.Sprintf("urn:svc:%d", i)}, act)
			must(err)
			_, _, err = app.Store.CreateClient(ctx, v, ws, models.ClientInput{Name: n, Type: "service", TokenEndpointAuthMethod: "client_secret_basic", GrantTypes: []string{"client_credentials"}}, act)
			must(err)
			_, err = app.Store.CreatePolicy(ctx, v, ws, models.PolicyInput{Name: n, Definition: "true"}, act)
			must(err)
			_, _, err = app.Store.CreateAuthorizer(ctx, v, ws, models.AuthorizerInput{Name: n, Type: "kong"}, act)
			must(err)
			_, err = app.Store.CreateClaim(ctx, v, ws, models.ClaimInput{Name: fmt.Sprintf("item%02d", i), SourceType: "static", Source: "x", Token: "id"}, act)
			must(err)
			_, _, err = app.Store.CreateCustomApp(ctx, v, ws, models.CustomAppInput{Name: n, Type: "login", URL: "https://login.example.com"}, act)
			must(err)
		}
		aud, _ := app.SignedInWithWorkspaceRole(f.tn, "aud@example.com", f.alpha, "workspace_auditor")
		one := "/t/acme/workspaces/alpha"
		for _, path := range []string{"/services", "/clients", "/policies", "/authorizers", "/claims", "/custom-apps"} {
			base := one + path
			r := aud.Get(base + "?limit=10")
			if r.Status != http.StatusOK {
				t.Fatalf("%s: %d", path, r.Status)
			}
			d := wsresDoc(t, r)
			if got := d.Find("#list tbody tr").Length(); got != 10 {
				t.Errorf("%s: %d rows on a page of 10", path, got)
			}
			if s := d.Find(`[data-testid="pagination"] [data-testid="showing"]`).Text(); s != "Showing 1–10" {
				t.Errorf("%s: %q", path, s)
			}
			if d.Find(`#list form[role="search"] input[name="q"]`).Length() != 1 || d.Find(`#list a[rel="prev"]`).Length() != 0 {
				t.Errorf("%s: no search, or Previous on the first page", path)
			}
			next, ok := d.Find(`#list a[rel="next"]`).Attr("href")
			if !ok {
				t.Fatalf("%s: no Next", path)
			}
			// Page 2 without ?limit: the size is remembered.
			r = aud.Get(next)
			d = wsresDoc(t, r)
			if got := d.Find("#list tbody tr").Length(); got != 2 {
				t.Errorf("%s: page 2 has %d rows", path, got)
			}
			if s := d.Find(`[data-testid="showing"]`).Text(); s != "Showing 11–12" {
				t.Errorf("%s page 2: %q", path, s)
			}
			if prev, _ := d.Find(`#list a[rel="prev"]`).Attr("href"); prev != base {
				t.Errorf("%s: Previous is %q", path, prev)
			}
			if d.Find(`#list a[rel="next"]`).Length() != 0 {
				t.Errorf("%s: Next on the last page", path)
			}
			if sel, _ := d.Find(`#f-limit option[selected]`).Attr("value"); sel != "10" {
				t.Errorf("%s: page size %q", path, sel)
			}
			// A search is kept in the links.
			q := "item 1"
			if path == "/claims" {
				q = "item1"
			}
			r = aud.Get(base + "?" + url.Values{"q": {q}}.Encode())
			d = wsresDoc(t, r)
			if got := d.Find("#list tbody tr").Length(); got != 2 {
				t.Errorf("%s: search %q found %d", path, q, got)
			}
			if v, _ := d.Find(`#f-q`).Attr("value"); v != q {
				t.Errorf("%s: search box %q", path, v)
			}
			r = aud.Get(base + "?q=nothing-like-this")
			if e := wsresDoc(t, r).Find(`[data-testid="empty"] h3`).Text(); !strings.Contains(e, "matches") {
				t.Errorf("%s: empty search %q", path, e)
			}
		}
	})
}

// TestWorkspaceResourceEditAndRotatePages: an API's page saves with
// messages beside fields and refuses a stale form (409, the saved values
// shown); Rotate secret of an authorizer and a custom app shows the new
// secret once (its hash is stored); an id of another workspace, or an API
// of another service, is 404 even for a Tenant Admin, and changes nothing.
func TestWorkspaceResourceEditAndRotatePages(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		f := newWSFixture(t, app, "acme")
		x := newWSResFixture(t, app, f.tn, f.alpha)
		admin, _ := app.SignedInWithWorkspaceRole(f.tn, "wsadmin@example.com", f.alpha, "workspace_admin")
		one := "/t/acme/workspaces/alpha"
		svc := one + "/services/" + x.service
		api := svc + "/apis/" + x.api

		// The service's API table links to the API's page.
		if href, _ := wsresDoc(t, admin.Get(svc)).Find(`#apis a[href="` + api + `"]`).Attr("href"); href != api {
			t.Fatal("the APIs table does not link to the API's page")
		}
		before := wsResCounts(t, db.DB)
		r := admin.Submit(api, api, url.Values{"method": {"GET"}, "path": {"accounts"}, "scopes": {"read:accounts"}, "version": {"1"}})
		d := wsresDoc(t, r)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(d.Find("#settings #e-path").Text(), "must start with /") {
			t.Fatalf("bad path: %d %q", r.Status, d.Find("#e-path").Text())
		}
		if v, _ := d.Find("#settings #f-path").Attr("value"); v != "accounts" {
			t.Errorf("typed path lost: %q", v)
		}
		if after := wsResCounts(t, db.DB); after != before {
			t.Fatalf("a refused API changed something: %s → %s", before, after)
		}
		r = admin.Submit(api, api, url.Values{"method": {"PUT"}, "path": {"/accounts/{id}"}, "scopes": {"read:accounts"}, "policy": {x.policy}, "summary": {"Replace"}, "version": {"1"}})
		if r.Status != http.StatusSeeOther || r.Location != api {
			t.Fatalf("save: %d → %s", r.Status, r.Location)
		}
		var saved models.ServiceAPI
		modelstest.Must(t, db.DB.Where("id = ?", x.api).Take(&saved))
		if saved.Method != "PUT" || saved.Path != "/accounts/{id}" || saved.PolicyID == nil || fmt.Sprint(*saved.PolicyID) != x.policy || saved.Version != 2 {
			t.Fatalf("saved %+v", saved)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.AuditEvent{}).Where("action = ?", "service.api_updated")); n != 1 {
			t.Fatalf("%d audit events", n)
		}
		r = admin.Submit(api, api, url.Values{"method": {"GET"}, "path": {"/other"}, "version": {"1"}})
		d = wsresDoc(t, r)
		if r.Status != http.StatusConflict || !strings.Contains(r.Body, "Someone else changed this") {
			t.Fatalf("stale API save: %d", r.Status)
		}
		if v, _ := d.Find("#settings #f-path").Attr("value"); v != "/accounts/{id}" {
			t.Errorf("the conflict page shows %q, not the saved path", v)
		}

		// Rotate secret: shown once, stored as a hash.
		for _, tc := range []struct{ page, table string }{
			{one + "/authorizers/" + x.authorizer, "authorizers"},
			{one + "/custom-apps/" + x.app, "custom_apps"},
		} {
			if wsresDoc(t, admin.Get(tc.page)).Find(`#rotate form[action="`+tc.page+`/rotate"]`).Length() != 1 {
				t.Fatalf("%s: no Rotate secret", tc.page)
			}
			r := admin.Submit(tc.page, tc.page+"/rotate", nil)
			secret, _ := wsresDoc(t, r).Find("#secret-value").Attr("value")
			if r.Status != http.StatusOK || len(secret) < 43 {
				t.Fatalf("%s: rotate %d %q", tc.page, r.Status, secret)
			}
			if n := modelstest.Count(t, db.DB.Table(tc.table).Where("secret_hash = ?", models.HashToken(secret))); n != 1 {
				t.Fatalf("%s: the shown secret is not the stored one's", tc.page)
			}
			if strings.Contains(admin.Get(tc.page).Body, secret) {
				t.Fatalf("%s: the secret is shown again", tc.page)
			}
		}

		// Another workspace's resources through this workspace's URLs: 404.
		owner, _ := app.SignedInAs(f.tn, "owner2@example.com", "tenant_admin")
		y := newWSResFixture(t, app, f.tn, f.beta)
		before = wsResCounts(t, db.DB)
		for _, rt := range []struct{ method, path string }{
			{"GET", one + "/services/" + y.service},
			{"GET", one + "/clients/" + y.client},
			{"GET", one + "/policies/" + y.policy},
			{"GET", one + "/authorizers/" + y.authorizer},
			{"GET", one + "/claims/" + y.claim},
			{"GET", one + "/custom-apps/" + y.app},
			{"GET", svc + "/apis/" + y.api},
			{"POST", svc + "/apis/" + y.api},
			{"POST", svc + "/apis/" + y.api + "/delete"},
			{"POST", svc + "/scopes/" + y.scope + "/delete"},
			{"POST", one + "/authorizers/" + y.authorizer + "/rotate"},
			{"POST", one + "/custom-apps/" + y.app + "/rotate"},
			{"POST", one + "/clients/" + y.client + "/rotate"},
			{"GET", one + "/services/" + y.service + "/apis/" + y.api},
			{"GET", svc + "/apis/abc"},
		} {
			var r *webtest.Response
			if rt.method == "GET" {
				r = owner.Get(rt.path)
			} else {
				r = owner.Submit(one+"/services", rt.path, url.Values{"method": {"GET"}, "path": {"/x"}, "version": {"1"}, "grace_hours": {"0"}})
			}
			if r.Status != http.StatusNotFound {
				t.Errorf("%s %s = %d, want 404", rt.method, rt.path, r.Status)
			}
		}
		if after := wsResCounts(t, db.DB); after != before {
			t.Fatalf("a 404 changed something: %s → %s", before, after)
		}
		// The same ids in their own workspace: found.
		if r := owner.Get("/t/acme/workspaces/beta/services/" + y.service + "/apis/" + y.api); r.Status != http.StatusOK {
			t.Fatalf("beta's API in beta: %d", r.Status)
		}
	})
}

// TestClaimsPreviewPicksOnlyTheWorkspacesUsers: the Workspace Auditor
// previews a user of the pool the workspace signs in with, and is told of
// another pool's user what an unknown one would tell (422, beside the
// field, the typed address kept); the Tenant Auditor previews both.
func TestClaimsPreviewPicksOnlyTheWorkspacesUsers(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		f := newWSFixture(t, app, "acme")
		newWSResFixture(t, app, f.tn, f.alpha) // claim tier=gold; ann in the Users pool, signed in by alpha
		ctx := context.Background()
		act := models.Actor{Email: "setup@example.com"}
		partners, err := app.Store.CreateIdentityPool(ctx, f.tn.ID, models.PoolInput{Name: "Partners", Slug: "partners"}, act)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.Store.CreateUser(ctx, f.tn.ID, models.CreateUserInput{Email: "bob@partner.example", PoolID: partners.ID}, act); err != nil {
			t.Fatal(err)
		}
		modelstest.LinkPoolToWorkspace(t, db.DB, f.tn.ID, f.beta.ID, partners.ID, true)
		one := "/t/acme/workspaces/alpha"
		wsAud, _ := app.SignedInWithWorkspaceRole(f.tn, "wsaud@example.com", f.alpha, "workspace_auditor")
		tAud, _ := app.SignedInAs(f.tn, "taud@example.com", "tenant_auditor")

		if help := wsresDoc(t, wsAud.Get(one+"/claims/preview")).Find("#h-user").Text(); !strings.Contains(help, "identity pool this workspace signs in with") {
			t.Errorf("the auditor's help %q", help)
		}
		r := wsAud.Submit(one+"/claims/preview", one+"/claims/preview", url.Values{"user": {"ann@example.com"}})
		if res := wsresDoc(t, r).Find("#result").Text(); r.Status != http.StatusOK || !strings.Contains(res, "tier = gold") {
			t.Fatalf("ann: %d %q", r.Status, res)
		}
		r = wsAud.Submit(one+"/claims/preview", one+"/claims/preview", url.Values{"user": {"bob@partner.example"}})
		d := wsresDoc(t, r)
		if r.Status != http.StatusUnprocessableEntity || d.Find("#result").Length() != 0 || !strings.Contains(d.Find("#e-user").Text(), "No user of the identity pools this workspace signs in with") {
			t.Fatalf("bob for the workspace auditor: %d %q", r.Status, d.Find("#e-user").Text())
		}
		if v, _ := d.Find("#f-user").Attr("value"); v != "bob@partner.example" {
			t.Errorf("typed user lost: %q", v)
		}
		for _, email := range []string{"ann@example.com", "bob@partner.example"} {
			r := tAud.Submit(one+"/claims/preview", one+"/claims/preview", url.Values{"user": {email}})
			if res := wsresDoc(t, r).Find("#result").Text(); r.Status != http.StatusOK || !strings.Contains(res, "Claims for "+email) {
				t.Fatalf("tenant auditor, %s: %d %q", email, r.Status, res)
			}
		}
	})
}
