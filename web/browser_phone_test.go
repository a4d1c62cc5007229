package web_test

import (
	"fmt"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/browsertest"
	"gatehouse/web/webtest"

	"github.com/chromedp/chromedp"
)

// TestBrowserPhoneLayout: on a 390 px wide phone the navigation is folded
// behind a Menu button (it does not fill the screen), opens and closes on
// demand, and no page scrolls sideways: wide tables scroll inside their own
// box and long e-mail addresses wrap.
func TestBrowserPhoneLayout(t *testing.T) {
	t.Parallel()
	db := modelstest.SQLite(t)
	ctx := browsertest.New(t, 90*time.Second)
	app := webtest.Start(t, db, webtest.Options{RealClock: true})
	tn, _, _ := app.Tenant("acme", models.PlanEnterprise, "first@example.com")
	owner := app.AdminWithRoles(tn, "olivia.owner-with-a-rather-long-address@acme-corporation.example", "tenant_admin")
	for i := range 5 {
		app.AdminWithRoles(tn, fmt.Sprintf("someone.with.a.very.long.name.%d@subsidiary.acme-corporation.example", i), "tenant_auditor")
	}
	if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile)); err != nil {
		t.Fatal(err)
	}
	browserSignIn(t, ctx, app, "acme", owner.Email)

	overflow := func(page string) {
		t.Helper()
		wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
		if err != nil {
			t.Fatal(err)
		}
		if wide {
			w, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
			t.Errorf("%s scrolls sideways on a phone: %d px wide in a 390 px window", page, w)
		}
	}
	navShown := func() bool {
		t.Helper()
		shown, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function(){const n=document.querySelector('.sidebar nav');return !!n && n.getClientRects().length>0 && getComputedStyle(n).visibility!=='hidden';})()`))
		if err != nil {
			t.Fatal(err)
		}
		return shown
	}

	if navShown() {
		t.Error("on a phone the navigation is open before the Menu button is pressed")
	}
	browsertest.Screenshot(t, ctx, "phone-dashboard")
	overflow("the dashboard")
	browsertest.Do(t, ctx, "open the menu", chromedp.Click(chromedp.CSS(".nav-toggle")))
	if !navShown() {
		t.Fatal("the Menu button does not open the navigation")
	}
	browsertest.Screenshot(t, ctx, "phone-menu-open")
	browsertest.Do(t, ctx, "open Administrators from the menu",
		chromedp.Click(chromedp.CSS(`.sidebar a[href="/t/acme/settings/administrators"]`)), chromedp.WaitVisible(chromedp.CSS("table.table")))
	if navShown() {
		t.Error("after following a link the navigation stays open over the page")
	}
	browsertest.Screenshot(t, ctx, "phone-administrators")
	overflow("Administrators")
	browsertest.Do(t, ctx, "open a profile", chromedp.Navigate(app.URL(fmt.Sprintf("/t/acme/settings/administrators/%d", owner.ID))), chromedp.WaitVisible(chromedp.CSS("h1")))
	browsertest.Screenshot(t, ctx, "phone-profile")
	overflow("the User Profile")
	browsertest.Do(t, ctx, "open the audit log", chromedp.Navigate(app.URL("/t/acme/audit")), chromedp.WaitVisible(chromedp.CSS("h1")))
	browsertest.Screenshot(t, ctx, "phone-audit")
	overflow("the audit log")
}
