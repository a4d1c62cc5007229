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

const tenantURL = "/t/acme/settings/tenant"

func doc(t *testing.T, body string) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// inputValue is the value of the input named name ("" and false when absent).
func inputValue(d *goquery.Document, name string) (string, bool) {
	return d.Find(`input[name="` + name + `"]`).Attr("value")
}

func tenantNow(t *testing.T, app *webtest.App) models.Tenant {
	t.Helper()
	tn, err := app.Store.TenantBySlug(webtest.Ctx(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	return tn
}

func TestTenantSettingsForm(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, _, _ := app.Owner("acme", "owner@example.com")

		r := c.Get(tenantURL)
		if r.Status != http.StatusOK {
			t.Fatalf("GET: %d", r.Status)
		}
		d := doc(t, r.Body)
		if d.Find("h1").Text() != "Tenant" || d.Find(`nav a.active[href="/t/acme/settings/tenant"]`).Length() != 1 {
			t.Fatal("heading or navigation entry missing")
		}
		for name, want := range map[string]string{"name": "Acme", "idle_minutes": "30", "absolute_hours": "12", "deactivate_after_days": "0", "version": "1"} {
			if v, ok := inputValue(d, name); !ok || v != want {
				t.Errorf("field %s = %q (%v), want %q", name, v, ok, want)
			}
		}
		form := d.Find(`form[method="post"][action="/t/acme/settings/tenant"]`)
		if form.Length() != 1 || form.Find(`input[name="_csrf"]`).Length() != 1 || form.Find(`button[type="submit"]`).Text() != "Save" {
			t.Fatal("no form with CSRF and Save")
		}
		if form.Find("input[disabled]").Length() != 0 || d.Find(".readonly-banner").Length() != 0 {
			t.Fatal("a Tenant Admin got a read-only form")
		}
		// Slug and plan are shown, not editable.
		if d.Find(`[data-testid="tenant-slug"]`).Text() != "acme" || d.Find(`[data-testid="tenant-plan"]`).Text() != "Enterprise" ||
			form.Find(`input[name="slug"], input[name="plan"]`).Length() != 0 {
			t.Fatal("slug and plan")
		}
		flags := map[string]string{}
		d.Find("#feature-flags tr[data-flag]").Each(func(_ int, s *goquery.Selection) {
			flags[s.AttrOr("data-flag", "")] = strings.TrimSpace(s.Find(".badge").Text())
		})
		if fmt.Sprint(flags) != "map[admin_management:on advanced_admin_management:off]" || d.Find("#feature-flags input, #feature-flags form").Length() != 0 {
			t.Fatalf("flags %v", flags)
		}

		// Bad input: beside every field, typed values kept, nothing saved.
		before, events := tenantNow(t, app), auditCount(t, app, "tenant.updated")
		r = c.Submit(tenantURL, tenantURL, url.Values{"version": {"1"}, "name": {"  "}, "idle_minutes": {"4"}, "absolute_hours": {"thirteen"}, "deactivate_after_days": {"20"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad input: %d", r.Status)
		}
		d = doc(t, r.Body)
		for field, msg := range map[string]string{"name": "Name is required.", "idle_minutes": "Idle timeout must be between 5 and 30 minutes.",
			"absolute_hours": "Enter a whole number from 1 to 12.", "deactivate_after_days": "Enter 0 (never) or a number of days between 30 and 365."} {
			if got := d.Find("#e-" + field).Text(); got != msg {
				t.Errorf("%s: error %q, want %q", field, got, msg)
			}
			if inv, _ := d.Find(`input[name="` + field + `"]`).Attr("aria-invalid"); inv != "true" {
				t.Errorf("%s not marked invalid", field)
			}
		}
		for name, want := range map[string]string{"idle_minutes": "4", "absolute_hours": "thirteen", "deactivate_after_days": "20", "version": "1"} {
			if v, _ := inputValue(d, name); v != want {
				t.Errorf("typed %s = %q, want %q", name, v, want)
			}
		}
		if after := tenantNow(t, app); after.Version != before.Version || after.Name != before.Name || auditCount(t, app, "tenant.updated") != events {
			t.Fatal("bad input saved something")
		}

		// Good input: saved, audited with the changed fields, 303 back, flash.
		r = c.Submit(tenantURL, tenantURL, url.Values{"version": {"1"}, "name": {" Acme Corp "}, "idle_minutes": {"15"}, "absolute_hours": {"8"}, "deactivate_after_days": {"90"}})
		if r.Status != http.StatusSeeOther || r.Location != tenantURL {
			t.Fatalf("save: %d %q\n%s", r.Status, r.Location, r.Body)
		}
		got := tenantNow(t, app)
		if got.Name != "Acme Corp" || got.IdleMinutes != 15 || got.AbsoluteHours != 8 || got.DeactivateAfterDays != 90 || got.Version != 2 {
			t.Fatalf("saved %+v", got)
		}
		var ev models.AuditEvent
		if err := db.DB.Where("tenant_id = ? AND action = ?", got.ID, "tenant.updated").Take(&ev).Error; err != nil {
			t.Fatal(err)
		}
		if ev.ActorEmail != "owner@example.com" || ev.Changes != `{"absolute_hours":{"before":12,"after":8},"deactivate_after_days":{"before":0,"after":90},"idle_minutes":{"before":30,"after":15},"name":{"before":"Acme","after":"Acme Corp"}}` {
			t.Fatalf("audit %+v", ev)
		}
		r = c.Get(tenantURL)
		d = doc(t, r.Body)
		if !strings.Contains(r.Body, "The tenant&#39;s settings were saved.") && !strings.Contains(r.Body, "The tenant's settings were saved.") {
			t.Error("no flash")
		}
		if v, _ := inputValue(d, "version"); v != "2" {
			t.Errorf("version after save %q", v)
		}

		// A form opened before someone else saved: 409, typed values kept,
		// the current values listed, nothing saved.
		r = c.Submit(tenantURL, tenantURL, url.Values{"version": {"1"}, "name": {"Stale"}, "idle_minutes": {"20"}, "absolute_hours": {"8"}, "deactivate_after_days": {"90"}})
		if r.Status != http.StatusConflict {
			t.Fatalf("stale: %d", r.Status)
		}
		d = doc(t, r.Body)
		if !strings.Contains(d.Find("#conflict").Text(), "changed since you opened them") {
			t.Fatalf("conflict message: %q", d.Find("#conflict").Text())
		}
		rows := d.Find("#conflict tbody tr")
		if rows.Length() != 2 || rows.First().Find("td").Eq(1).Text() != "Stale" || rows.First().Find("td").Eq(2).Text() != "Acme Corp" {
			t.Fatalf("conflict rows: %q", rows.Text())
		}
		if v, _ := inputValue(d, "name"); v != "Stale" {
			t.Errorf("typed name lost: %q", v)
		}
		if v, _ := inputValue(d, "version"); v != "2" {
			t.Errorf("the form should now carry the current version, got %q", v)
		}
		if now := tenantNow(t, app); now.Name != "Acme Corp" || now.Version != 2 {
			t.Fatal("the stale save was written")
		}
		// Saving again after review applies.
		if r := c.Submit(tenantURL, tenantURL, url.Values{"version": {"2"}, "name": {"Stale"}, "idle_minutes": {"20"}, "absolute_hours": {"8"}, "deactivate_after_days": {"90"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("save after review: %d", r.Status)
		}
		// A post that leaves fields out keeps their values.
		if r := c.Submit(tenantURL, tenantURL, url.Values{"name": {"Acme"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("name alone: %d", r.Status)
		}
		if now := tenantNow(t, app); now.Name != "Acme" || now.IdleMinutes != 20 || now.AbsoluteHours != 8 || now.DeactivateAfterDays != 90 {
			t.Fatalf("name alone changed more: %+v", now)
		}
	})
}

// TestTenantSettingsRoutesByRole: Get Tenant reads (Tenant Admins and
// Auditors), Update Tenant changes (Tenant Admins); everyone else 403, and a
// refused save changes nothing.
func TestTenantSettingsRoutesByRole(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		app.Owner("acme", "owner@example.com")
		for _, role := range []string{"tenant_admin", "tenant_auditor", "tenant_member", "editor_organizations", "editor_users", "editor_connections"} {
			c := signInAs(t, app, "acme", strings.ReplaceAll(role, "_", ".")+"@example.com", role)
			read, manage := role == "tenant_admin" || role == "tenant_auditor", role == "tenant_admin"
			r := c.Get(tenantURL)
			switch {
			case read && r.Status != http.StatusOK:
				t.Errorf("%s: GET %d", role, r.Status)
			case !read && r.Status != http.StatusForbidden:
				t.Errorf("%s: GET %d, want 403", role, r.Status)
			}
			if r.Status == http.StatusOK {
				d := doc(t, r.Body)
				hasForm := d.Find(`form[action="/t/acme/settings/tenant"]`).Length() == 1
				if hasForm != manage {
					t.Errorf("%s: form shown %v", role, hasForm)
				}
				if !manage && (d.Find(".readonly-banner").Length() != 1 || d.Find(`input[name="idle_minutes"][disabled]`).Length() != 1 ||
					d.Find(`input[name="name"][disabled]`).Length() != 1 || d.Find(`button[type="submit"]`).FilterFunction(func(_ int, s *goquery.Selection) bool { return s.Text() == "Save" }).Length() != 0) {
					t.Errorf("%s: not a read-only page", role)
				}
				if (d.Find(`nav a[href="/t/acme/settings/tenant"]`).Length() == 1) != read {
					t.Errorf("%s: navigation entry", role)
				}
			}
			before := tenantNow(t, app)
			name := "By " + role
			r = c.Submit("/t/acme/account", tenantURL, url.Values{"name": {name}, "idle_minutes": {"10"}, "absolute_hours": {"2"}, "deactivate_after_days": {"0"}})
			if manage {
				if r.Status != http.StatusSeeOther || tenantNow(t, app).Name != name {
					t.Errorf("%s: POST %d", role, r.Status)
				}
				continue
			}
			if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "Access denied") {
				t.Errorf("%s: POST %d, want 403", role, r.Status)
			}
			if after := tenantNow(t, app); after.Name != before.Name || after.Version != before.Version {
				t.Errorf("%s: a refused save changed the tenant", role)
			}
		}
		// Another tenant's Tenant Admin is not signed in here.
		other, _, _ := app.Owner("globex", "owner@globex.example")
		if r := other.Get(tenantURL); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/t/acme/login") {
			t.Errorf("another tenant's admin: %d %q", r.Status, r.Location)
		}
		if r := other.Submit("/t/globex/settings/tenant", tenantURL, url.Values{"name": {"Hijacked"}}); r.Status == http.StatusSeeOther && tenantNow(t, app).Name == "Hijacked" {
			t.Error("another tenant's admin renamed acme")
		}
		if r := other.Get("/t/nope/settings/tenant"); r.Status != http.StatusNotFound {
			t.Errorf("unknown tenant: %d", r.Status)
		}
	})
}

// TestTenantSessionLengthsApplyFromTheNextRequest: the tenant's idle and
// absolute timeouts apply to sessions already signed in, both ways.
func TestTenantSessionLengthsApplyFromTheNextRequest(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		owner, tn, _ := app.Owner("acme", "owner@example.com")
		other, _, _ := app.Owner("globex", "owner@globex.example")
		bob, _ := app.SignedInAs(tn, "bob@example.com", "tenant_auditor")
		set := func(idle, abs int) {
			t.Helper()
			r := owner.Submit(tenantURL, tenantURL, url.Values{"name": {"Acme"}, "idle_minutes": {fmt.Sprint(idle)}, "absolute_hours": {fmt.Sprint(abs)}, "deactivate_after_days": {"0"}})
			if r.Status != http.StatusSeeOther {
				t.Fatalf("set %d/%d: %d", idle, abs, r.Status)
			}
		}
		alive := func(c *webtest.Client, slug string) bool {
			t.Helper()
			r := c.Get("/t/" + slug + "/")
			return r.Status == http.StatusOK
		}
		set(5, 12)
		// Bob's session, opened before the change, now ends after 5 idle minutes.
		app.Clock.Add(4 * time.Minute)
		if !alive(bob, "acme") {
			t.Fatal("bob's session ended after 4 idle minutes")
		}
		app.Clock.Add(5*time.Minute + time.Second)
		if alive(bob, "acme") {
			t.Fatal("bob's session survived 5 idle minutes")
		}
		if !alive(other, "globex") { // another tenant keeps its 30 minutes
			t.Fatal("globex's session ended with acme's setting")
		}
		owner.SignIn("acme", "owner@example.com", webtest.Password)
		// Raised again: 20 idle minutes are fine.
		set(30, 12)
		bob.SignIn("acme", "bob@example.com", webtest.Password)
		app.Clock.Add(20 * time.Minute)
		if !alive(bob, "acme") {
			t.Fatal("bob's session ended after 20 minutes with a 30-minute idle timeout")
		}
		// Absolute: an hour after sign-in, however busy.
		set(30, 1)
		for i := 0; i < 2; i++ {
			app.Clock.Add(15 * time.Minute)
			if !alive(bob, "acme") {
				t.Fatalf("bob's busy session ended at %d", i)
			}
		}
		app.Clock.Add(31 * time.Minute) // 20 + 30 + 31 minutes since bob signed in
		if alive(bob, "acme") {
			t.Fatal("bob's session outlived the 1-hour maximum")
		}
	})
}
