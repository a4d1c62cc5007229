package web_test

import (
	"io"
	"net/http"
	"sync/atomic"
	"testing"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web"
	"gatehouse/web/limit"
	"gatehouse/web/webtest"
)

// countQueries counts the statements db runs from now on.
func countQueries(t testing.TB, app *webtest.App, name string) *atomic.Int64 {
	t.Helper()
	var n atomic.Int64
	if err := app.Store.OnStatement(name, func(string) { n.Add(1) }); err != nil {
		t.Fatal(err)
	}
	return &n
}

// TestAPIListCostsFixedQueries: an API list costs the same number of
// queries for 1 and 301 organizations, and its authentication a few fixed
// ones (the token by its hash with its tenant, its creator and their roles,
// in one query; the last use written at most once a minute).
func TestAPIListCostsFixedQueries(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		_, tn, _ := app.Owner("acme", "owner@example.com")
		tok := apiToken(t, app, tn, "", "tenant_auditor")
		app.Organization(tn, "aaa-first", "First")
		n := countQueries(t, app, "test:count-api")
		measure := func() int64 {
			t.Helper()
			n.Store(0)
			if r := apiDo(t, app, tok, http.MethodGet, "/api/v1/organizations?limit=50", "", nil); r.Status != http.StatusOK {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			return n.Load()
		}
		first := measure() // writes the last use
		small := measure()
		if first != small+1 {
			t.Errorf("first request %d queries, then %d: the last use should be one write, once", first, small)
		}
		if _, err := app.Store.SeedOrganizations(webtest.Ctx(), tn, 300, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		if big := measure(); big != small {
			t.Errorf("list: %d queries for 1 organization, %d for 301", small, big)
		}
		// The token with its tenant, creator and roles (one query), then the
		// page of organizations and their member counts.
		if small != 3 {
			t.Errorf("list: %d queries, want 3", small)
		}
	})
}

// BenchmarkOrganizationsListAPIvsPage measures the organizations list over
// 1,000 organizations through the API (bearer token, JSON, 25 and 50 a page) and
// through the console's page (session, HTML, 25 a page), over HTTP with
// parallel clients:
//
//	go test ./web -run '^$' -bench OrganizationsListAPIvsPage -benchtime 2000x
func BenchmarkOrganizationsListAPIvsPage(b *testing.B) {
	db := modelstest.SQLite(b)
	lim := web.DefaultLimits
	lim.API = limit.Rate{PerMinute: 1e9, Burst: 1e6} // measure the work, not the limit
	app := webtest.Start(b, db, webtest.Options{Limits: &lim})
	c, tn, owner := app.Owner("acme", "owner@example.com")
	if _, err := app.Store.SeedOrganizations(webtest.Ctx(), tn, 1000, models.Actor{}); err != nil {
		b.Fatal(err)
	}
	v, err := app.Store.LoadViewer(webtest.Ctx(), tn, owner.ID)
	if err != nil {
		b.Fatal(err)
	}
	v.SteppedUpAt = app.Store.Now()
	_, tok, err := app.Store.CreateAPIToken(webtest.Ctx(), v, models.APITokenInput{Name: "bench", Roles: []string{"tenant_auditor"}, ExpiresInDays: 30}, models.Actor{})
	if err != nil {
		b.Fatal(err)
	}
	get := func(client *http.Client, path string, header http.Header) {
		req, _ := http.NewRequest(http.MethodGet, app.URL(path), nil)
		for k, v := range header {
			req.Header[k] = v
		}
		res, err := client.Do(req)
		if err != nil {
			b.Error(err)
			return
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Errorf("%s: %d", path, res.StatusCode)
		}
	}
	for _, n := range []string{"25", "50"} {
		b.Run("api-"+n, func(b *testing.B) {
			h := http.Header{"Authorization": {"Bearer " + tok}}
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					get(http.DefaultClient, "/api/v1/organizations?limit="+n, h)
				}
			})
		})
	}
	b.Run("page-25", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				get(c.HTTP, "/t/acme/organizations", nil)
			}
		})
	})
}
