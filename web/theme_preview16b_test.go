package web_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/webtest"

	"github.com/PuerkitoBio/goquery"
)

// TestThemePreviewBeforeChoosing: the Theme section of a workspace's page
// offers a Preview of each of the tenant's themes to whoever chooses the
// theme; one shows the workspace's sign-in page in that theme (its
// colours in the nonce'd style element, its logo allowed by the CSP) and
// says it is not chosen, and binds nothing. A Tenant Auditor (who reads
// the binding but does not choose) gets no links and 403; another
// tenant's theme is 404.
func TestThemePreviewBeforeChoosing(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		f := newWSFixture(t, app, "acme")
		x := newWS14bFixture(t, app, f.tn, f.alpha)
		ctx := webtest.Ctx()
		logo, err := app.Store.CreateTheme(ctx, x.owner, models.ThemeInput{Name: "Logo", LogoURL: "https://cdn.example.com/logo.png",
			PrimaryColor: "#0066cc", BackgroundColor: "#eef6ff", Font: "Verdana"}, x.act)
		if err != nil {
			t.Fatal(err)
		}
		if err := app.Store.BindWorkspaceTheme(ctx, x.owner, f.alpha.ID, mustID(t, x.theme), x.act); err != nil {
			t.Fatal(err)
		}
		_, beta, _ := app.Owner("beta", "owner@beta.example.com")
		_, betaTheme, _, _ := newIDPThemePermFixture(t, app, beta, app.Workspace(beta, "sales", "Sales"))
		admin, _ := app.SignedInAs(f.tn, "ta@example.com", "tenant_admin")
		one := "/t/acme/workspaces/alpha"

		page := admin.Get(one)
		if page.Status != http.StatusOK {
			t.Fatalf("workspace page: %d", page.Status)
		}
		links := map[string]string{}
		doc(t, page.Body).Find(`#theme [data-testid="theme-previews"] a`).Each(func(_ int, s *goquery.Selection) {
			href, _ := s.Attr("href")
			links[strings.TrimSpace(s.Text())] = href
		})
		want := map[string]string{"Preview Brand": one + "/theme/preview/" + x.theme, "Preview Night": one + "/theme/preview/" + x.other,
			"Preview Logo": fmt.Sprintf("%s/theme/preview/%d", one, logo.ID)}
		if fmt.Sprint(links) != fmt.Sprint(want) {
			t.Fatalf("preview links %v, want %v", links, want)
		}

		before := ws14bCounts(t, db.DB)
		r := admin.Get(links["Preview Logo"])
		if r.Status != http.StatusOK {
			t.Fatalf("preview: %d", r.Status)
		}
		csp := r.Header.Get("Content-Security-Policy")
		m := regexp.MustCompile(`style-src 'self' 'nonce-([A-Za-z0-9_-]+)';`).FindStringSubmatch(csp)
		if m == nil || !strings.Contains(csp, "img-src 'self' data: https://cdn.example.com") {
			t.Fatalf("CSP %q", csp)
		}
		d := doc(t, r.Body)
		if style := d.Find(`style[nonce="` + m[1] + `"]`).Text(); !strings.Contains(style, "--primary:#0066cc") || !strings.Contains(style, "background:#eef6ff") {
			t.Fatalf("style %q", style)
		}
		if src, _ := d.Find(`[data-testid="theme-logo"]`).Attr("src"); src != "https://cdn.example.com/logo.png" {
			t.Fatalf("logo %q", src)
		}
		banner := strings.Join(strings.Fields(d.Find(`[data-testid="preview-banner"]`).Text()), " ")
		if !strings.Contains(banner, "with the theme Logo, not chosen") || d.Find(`[data-testid="preview-current"]`).Text() != "Brand" {
			t.Fatalf("banner %q", banner)
		}
		if after := ws14bCounts(t, db.DB); after != before {
			t.Fatalf("a preview changed something: %s → %s", before, after)
		}
		if cur, ok, err := app.Store.WorkspaceTheme(ctx, f.tn.ID, f.alpha.ID); err != nil || !ok || fmt.Sprint(cur.ID) != x.theme {
			t.Fatalf("binding after the preview: %v %v %v", cur.Name, ok, err)
		}
		// The workspace's own preview still shows its theme.
		if r := admin.Get(one + "/theme/preview"); !strings.Contains(r.Body, "#aa3300") || strings.Contains(r.Body, "not chosen") {
			t.Fatalf("own preview: %d", r.Status)
		}
		// Another tenant's theme, an unknown one: 404.
		for _, id := range []int64{betaTheme, 999999} {
			if r := admin.Get(fmt.Sprintf("%s/theme/preview/%d", one, id)); r.Status != http.StatusNotFound {
				t.Errorf("theme %d: %d", id, r.Status)
			}
		}
		// A Tenant Auditor reads the binding but does not choose: no links, 403.
		auditor, _ := app.SignedInAs(f.tn, "aud@example.com", "tenant_auditor")
		ap := doc(t, auditor.Get(one).Body)
		if ap.Find("#theme").Length() != 1 || ap.Find(`[data-testid="theme-previews"]`).Length() != 0 {
			t.Fatal("the auditor's Theme section offers previews of other themes")
		}
		if r := auditor.Get(links["Preview Night"]); r.Status != http.StatusForbidden {
			t.Fatalf("auditor: %d", r.Status)
		}
	})
}

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil || n <= 0 {
		t.Fatalf("id %q", s)
	}
	return n
}
