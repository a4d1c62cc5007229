package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/webtest"
)

// TestTenantPageLoadsTheRequestInOneQuery: before its handler runs, a
// signed-in tenant page costs one query (tenant, session, administrator
// and roles together), and the Administrators list then reads its page
// with the page's roles and the total (from the counters) in one more: two
// in all (a search counts its matches in a third), none of them reading a
// password hash or a TOTP secret. Nothing of it is cached: a role taken away, an
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
		for path, want := range map[string]int{adminsURL: 2, adminsURL + "?after=m": 2, adminsURL + "?q=example": 3} {
			sql := q.Page(t, c, path)
			if len(sql) != want {
				t.Fatalf("%s costs %d queries, want %d:%s", path, len(sql), want, webtest.Describe(sql))
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

// TestPagesAreLight: a page goes gzipped to a client that accepts it
// (plain to one that does not), and the stylesheet and script it links
// have content-hashed names cached for a year, immutable.
func TestPagesAreLight(t *testing.T) {
	t.Parallel()
	db := modelstest.SQLite(t)
	app := webtest.Start(t, db, webtest.Options{})
	c, tn, _ := app.Owner("acme", "owner@example.com")
	if _, err := app.Store.SeedAdministrators(webtest.Ctx(), tn, 30, "", models.Actor{}); err != nil {
		t.Fatal(err)
	}
	get := func(path, encoding string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, app.URL(path), nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Cookie", "gatehouse_session="+c.Cookie("gatehouse_session"))
		if encoding != "" {
			req.Header.Set("Accept-Encoding", encoding)
		}
		res, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return res, body
	}
	plainRes, plain := get(adminsURL, "")
	if plainRes.StatusCode != http.StatusOK || plainRes.Header.Get("Content-Encoding") != "" || !strings.Contains(string(plain), "Administrators") {
		t.Fatalf("plain page: %d %q", plainRes.StatusCode, plainRes.Header.Get("Content-Encoding"))
	}
	zres, zipped := get(adminsURL, "gzip, deflate, br")
	if zres.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(zres.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("page not gzipped: %v", zres.Header)
	}
	zr, err := gzip.NewReader(bytes.NewReader(zipped))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(unzipped, plain) || len(zipped)*3 > len(plain) {
		t.Fatalf("gzipped page: %d bytes for %d (same page: %v)", len(zipped), len(plain), bytes.Equal(unzipped, plain))
	}
	t.Logf("the Administrators page with 25 rows: %d bytes, %d gzipped", len(plain), len(zipped))
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(plain))
	if err != nil {
		t.Fatal(err)
	}
	assets := map[string]bool{}
	doc.Find(`link[rel="stylesheet"]`).Each(func(_ int, s *goquery.Selection) { assets[s.AttrOr("href", "")] = true })
	doc.Find(`script[src]`).Each(func(_ int, s *goquery.Selection) { assets[s.AttrOr("src", "")] = true })
	if len(assets) == 0 {
		t.Fatal("no stylesheet or script linked")
	}
	for a := range assets {
		if !regexp.MustCompile(`^/static/.+\.[0-9a-f]{12}\.(css|js)$`).MatchString(a) {
			t.Errorf("asset %s has no content hash in its name", a)
		}
		res, _ := get(a, "gzip")
		if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Errorf("%s: %d, Cache-Control %q", a, res.StatusCode, res.Header.Get("Cache-Control"))
		}
	}
}
