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

	"github.com/PuerkitoBio/goquery"
)

// TestAdministratorsListFilters (issue 10, #4): role and status filters, the
// total they keep, sorting by name, e-mail and last sign-in across pages
// (Next and Previous keep the filters), and a duplicate e-mail that leads to
// the administrator who has it.
func TestAdministratorsListFilters(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, tn, _ := app.Owner("acme", "owner@example.com")
		now := app.Clock.Now().UTC()
		for i := 0; i < 24; i++ {
			role := "tenant_member"
			if i%3 == 0 {
				role = "tenant_auditor"
			}
			a := app.AdminWithRoles(tn, fmt.Sprintf("p%02d@example.com", i), role)
			at := now.Add(-time.Duration(i) * time.Hour)
			modelstest.Must(t, db.DB.Model(&models.Administrator{}).Where("id = ?", a.ID).
				Updates(map[string]any{"given_name": fmt.Sprintf("N%02d", 23-i), "last_sign_in_at": at}))
			if i == 5 {
				modelstest.Must(t, db.DB.Model(&models.Administrator{}).Where("id = ?", a.ID).Update("status", models.AdminInactive))
			}
		}
		rows := func(doc *goquery.Document) []string {
			var out []string
			doc.Find("table.table tbody tr td:nth-child(2)").Each(func(_ int, s *goquery.Selection) { out = append(out, s.Text()) })
			return out
		}
		get := func(q string) *goquery.Document {
			t.Helper()
			r := c.Get(adminsURL + "?" + q)
			if r.Status != http.StatusOK {
				t.Fatalf("%s: %d", q, r.Status)
			}
			return page(t, r)
		}
		// Role filter: the four auditors; the total says so.
		doc := get("role=tenant_auditor")
		if got := rows(doc); strings.Join(got, " ") != "p00@example.com p03@example.com p06@example.com p09@example.com p12@example.com p15@example.com p18@example.com p21@example.com" {
			t.Errorf("auditors: %v", got)
		}
		if got := doc.Find(`[data-testid="total"]`).Text(); got != "8 administrators match" {
			t.Errorf("total %q", got)
		}
		if v, _ := doc.Find(`select[name="role"] option[selected]`).Attr("value"); v != "tenant_auditor" {
			t.Errorf("the role chosen is not kept: %q", v)
		}
		if got := rows(get("status=inactive")); len(got) != 1 || got[0] != "p05@example.com" {
			t.Errorf("inactive: %v", got)
		}
		if got := get("").Find(`[data-testid="total"]`).Text(); got != "25 administrators" {
			t.Errorf("total %q", got)
		}
		// Sorted by last sign-in, ten a page: most recent first, across pages, and back.
		doc = get("sort=last_sign_in&role=tenant_member&limit=100")
		first := rows(doc)
		doc = get("sort=last_sign_in&role=tenant_member&limit=10")
		var walked []string
		walked = append(walked, rows(doc)...)
		next, _ := doc.Find(`a[rel="next"]`).Attr("href")
		u, _ := url.Parse(next)
		if u.Query().Get("sort") != "last_sign_in" || u.Query().Get("role") != "tenant_member" {
			t.Fatalf("next page loses the filters: %s", next)
		}
		doc = page(t, c.Get(next))
		walked = append(walked, rows(doc)...)
		if strings.Join(walked, " ") != strings.Join(first, " ") || len(first) != 16 || first[0] != "p01@example.com" {
			t.Errorf("walked %v, want %v", walked, first)
		}
		if prev, _ := doc.Find(`a[rel="prev"]`).Attr("href"); strings.Join(rows(page(t, c.Get(prev))), " ") != strings.Join(first[:10], " ") {
			t.Errorf("previous page differs")
		}
		// By name (N02 is p21).
		if got := rows(get("sort=name&role=tenant_auditor")); strings.Join(got, " ") != "p21@example.com p18@example.com p15@example.com p12@example.com p09@example.com p06@example.com p03@example.com p00@example.com" {
			t.Errorf("by name: %v", got)
		}
		// A duplicate e-mail leads to its administrator.
		r := c.Submit(adminsURL+"/new", adminsURL+"/new", url.Values{"email": {"P03@example.com"}, "given_name": {"X"}, "family_name": {"Y"}, "role": {"tenant_member"}})
		var p03 models.Administrator
		modelstest.Must(t, db.DB.Where("email = ?", "p03@example.com").Take(&p03))
		if href, _ := page(t, r).Find(`[data-testid="existing-admin"] a`).Attr("href"); r.Status != http.StatusUnprocessableEntity || href != adminsURL+"/"+fmt.Sprint(p03.ID) {
			t.Errorf("duplicate e-mail: %d, link %q", r.Status, href)
		}
	})
}
