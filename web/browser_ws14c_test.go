package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/views/components/charts"
	"gatehouse/web/browsertest"
	"gatehouse/web/webtest"

	"github.com/chromedp/chromedp"
)

// TestBrowserAnalyticsPermissionSystemsAndSystem: a Workspace Admin opens
// the Analytics tab of a workspace with seeded events and sees the charts
// drawn (SVG bars) with the table's totals equal to the events stored, for
// 7 and 90 days; a Tenant Admin writes a permission system, adds tuples and
// runs Check (allowed, with its path); a Tenant Member previews an e-mail
// template.
func TestBrowserAnalyticsPermissionSystemsAndSystem(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		ctx := browsertest.New(t, 150*time.Second)
		app := webtest.Start(t, db, webtest.Options{RealClock: true})
		tn, _, _ := app.Tenant("acme", models.PlanEnterprise, "olivia@acme.example")
		shop := app.Workspace(tn, "shop", "Shop")
		wendy := app.AdminWithRoles(tn, "wendy@acme.example", "tenant_member")
		app.BindInWorkspace(wendy, shop, "workspace_admin")
		app.AdminWithRoles(tn, "tess@acme.example", "tenant_admin")
		if _, err := app.Store.SeedAuthEvents(webtest.Ctx(), tn, shop, 3000, models.Actor{Email: "test"}); err != nil {
			t.Fatal(err)
		}
		name := func(s string) string { return s + "-" + db.Name }
		stored := func(days int) (s, f int64) {
			y, m, d := time.Now().UTC().Date()
			from := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -(days - 1))
			var sum struct{ S, F int64 }
			modelstest.Must(t, db.DB.Table("auth_events").Select("SUM(CASE WHEN outcome = 'success' THEN 1 ELSE 0 END) AS s, SUM(CASE WHEN outcome = 'failure' THEN 1 ELSE 0 END) AS f").
				Where("workspace_id = ? AND occurred_at >= ?", shop.ID, from).Scan(&sum))
			return sum.S, sum.F
		}

		wsresSignIn(t, ctx, app, "wendy@acme.example")
		browsertest.Do(t, ctx, "open Shop", chromedp.Navigate(app.URL("/t/acme/workspaces/shop")), chromedp.WaitVisible(chromedp.CSS(".tabs")))
		if !strings.Contains(browsertest.Text(t, ctx, ".tabs"), "Analytics") {
			t.Fatal("no Analytics tab")
		}
		browsertest.Submit(t, ctx, "open Analytics", `.tabs a[href="/t/acme/workspaces/shop/analytics"]`)
		browsertest.Do(t, ctx, "charts drawn", chromedp.WaitVisible(chromedp.CSS("#daily svg")))
		for _, days := range []int{7, 90} {
			if days == 90 {
				browsertest.Submit(t, ctx, "90 days", `a[href="/t/acme/workspaces/shop/analytics?days=90"]`)
				browsertest.Do(t, ctx, "90 days drawn", chromedp.WaitVisible(chromedp.CSS(`a[aria-current="page"][href$="days=90"]`)))
			}
			bars, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#daily svg rect.chart-bar").length`))
			if err != nil || bars == 0 {
				t.Fatalf("%d days: %d bars drawn (%v)", days, bars, err)
			}
			rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#daily table.chart-table tbody tr").length`))
			if err != nil || rows != days {
				t.Fatalf("%d days: %d table rows (%v)", days, rows, err)
			}
			s, f := stored(days)
			foot := browsertest.Text(t, ctx, "#daily table.chart-table tfoot")
			want := fmt.Sprintf("Total %s %s %s", charts.FormatCount(int(s)), charts.FormatCount(int(f)), charts.FormatCount(int(s+f)))
			if strings.Join(strings.Fields(foot), " ") != want {
				t.Errorf("%d days: table totals %q, stored %q", days, strings.Join(strings.Fields(foot), " "), want)
			}
			idpBars, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#by-idp svg rect.chart-bar").length`))
			if err != nil || idpBars < 2 {
				t.Errorf("%d days: %d identity provider bars", days, idpBars)
			}
			clientFoot := strings.Fields(browsertest.Text(t, ctx, "#by-client table tfoot"))
			if len(clientFoot) < 2 || clientFoot[1] != charts.FormatCount(int(s+f)) {
				t.Errorf("%d days: by client total %v, want %d", days, clientFoot, s+f)
			}
			if days == 90 && s+f != 3000 {
				t.Errorf("90 days hold %d of the 3,000 events", s+f)
			}
		}
		browsertest.Screenshot(t, ctx, name("ws14c-analytics-90-days"))

		// A Tenant Admin: a permission system, tuples and Check.
		browsertest.Do(t, ctx, "sign out", chromedp.Navigate(app.URL("/t/acme/account")))
		browsertest.Submit(t, ctx, "sign out", `form[action="/t/acme/logout"] button`)
		wsresSignIn(t, ctx, app, "tess@acme.example")
		browsertest.Submit(t, ctx, "open Permission Systems", `.sidebar a[href="/t/acme/permission-systems"]`)
		browsertest.Submit(t, ctx, "Create", `a[href="/t/acme/permission-systems/new"]`)
		browsertest.Do(t, ctx, "name", chromedp.SendKeys(chromedp.CSS("#f-name"), "Drive"))
		browsertest.Submit(t, ctx, "create", "button[type=submit].button-primary")
		browsertest.Do(t, ctx, "its page", chromedp.WaitVisible(chromedp.CSS("#add-tuple")))
		for _, tu := range [][3]string{{"document:plan", "parent", "folder:q1"}, {"folder:q1", "viewer", "group:eng#member"}, {"group:eng", "member", "user:bob"}} {
			browsertest.Do(t, ctx, "type tuple",
				chromedp.SendKeys(chromedp.CSS("#add-tuple #f-object"), tu[0]),
				chromedp.SendKeys(chromedp.CSS("#add-tuple #f-relation"), tu[1]),
				chromedp.SendKeys(chromedp.CSS("#add-tuple #f-subject"), tu[2]))
			browsertest.Submit(t, ctx, "add tuple", "#add-tuple button[type=submit]")
			browsertest.Do(t, ctx, "tuple added", chromedp.WaitVisible(chromedp.CSS("#tuples-table")))
		}
		browsertest.Do(t, ctx, "type check",
			chromedp.SendKeys(chromedp.CSS("#check #f-object"), "document:plan"),
			chromedp.SendKeys(chromedp.CSS("#check #f-relation"), "viewer"),
			chromedp.SendKeys(chromedp.CSS("#check #f-subject"), "user:bob"))
		browsertest.Submit(t, ctx, "check", "#check button[type=submit]")
		browsertest.Do(t, ctx, "answer", chromedp.WaitVisible(chromedp.CSS("#check-result")))
		if got := browsertest.Text(t, ctx, "#check-result h2"); got != "Allowed" {
			t.Fatalf("check: %q", got)
		}
		if path := browsertest.Text(t, ctx, "#check-result ol"); !strings.Contains(path, "tuple_to_userset") || !strings.Contains(path, "group:eng#member") {
			t.Errorf("path %q", path)
		}
		browsertest.Screenshot(t, ctx, name("ws14c-permission-check"))

		// The System pages: a template previewed.
		browsertest.Do(t, ctx, "open a template", chromedp.Navigate(app.URL("/t/acme/system/templates/invitation")), chromedp.WaitVisible(chromedp.CSS("#preview-html")))
		if got := browsertest.Text(t, ctx, "#preview-subject"); !strings.Contains(got, "Acme") {
			t.Errorf("subject %q", got)
		}
		browsertest.Screenshot(t, ctx, name("ws14c-template-preview"))
		browsertest.Do(t, ctx, "open Environment", chromedp.Navigate(app.URL("/t/acme/system/environment")), chromedp.WaitVisible(chromedp.CSS("#migrations")))
		if got := browsertest.Text(t, ctx, "#migrations"); !strings.Contains(got, "0028_analytics_permission_systems") {
			t.Errorf("environment: %q", got)
		}
		browsertest.Screenshot(t, ctx, name("ws14c-system-environment"))
	})
}
