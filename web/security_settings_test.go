package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/webtest"
)

const (
	signInSettingsURL = "/t/acme/settings/sign-in"
	policyURL         = "/t/acme/settings/password-policy"
	bruteForceURL     = "/t/acme/settings/brute-force"
)

// securityOf returns the tenant's stored sign-in settings.
func securityOf(t *testing.T, app *webtest.App, tn models.Tenant) models.TenantSecurity {
	t.Helper()
	sec, err := app.Store.Security(webtest.Ctx(), tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	sec.UpdatedAt = sec.UpdatedAt.UTC().Truncate(0)
	return sec
}

// auditCount counts the audit events with action.
func auditCount(t *testing.T, app *webtest.App, action string) int64 {
	t.Helper()
	var n int64
	if err := app.DB.DB.Model(&models.AuditEvent{}).Where("action = ?", action).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func mustContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func TestSignInSettingsForm(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, tn, _ := app.Owner("acme", "owner@example.com")

		r := c.Get(signInSettingsURL)
		if r.Status != http.StatusOK {
			t.Fatalf("GET: %d", r.Status)
		}
		mustContain(t, "Sign In / Sign Up", r.Body, "<h1>Sign In / Sign Up</h1>", "Tenant Settings", `name="method" value="password" checked`,
			`name="method" value="otp"`, "One-time code by e-mail (passwordless)", "6-digit code", "10 minutes", "5 tries",
			`name="require_totp"`, "Require TOTP for administrators", ">Save</button>", `href="/t/acme/settings/sign-in" class="active"`)
		if strings.Contains(r.Body, "readonly-banner") || strings.Contains(r.Body, " disabled") {
			t.Error("a Tenant Admin got the read-only page")
		}

		// Bad input: the message beside the field, what was typed kept, nothing saved.
		before, events := securityOf(t, app, tn), auditCount(t, app, "tenant.sign_in_updated")
		r = c.Submit(signInSettingsURL, signInSettingsURL, url.Values{"method": {"sms"}, "require_totp": {"on"}, "password": {webtest.Password}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad method: %d", r.Status)
		}
		mustContain(t, "bad method page", r.Body, `id="e-method"`, "Choose password or a one-time code by e-mail.", `name="require_totp" type="checkbox" value="on" checked`)
		if after := securityOf(t, app, tn); after != before || auditCount(t, app, "tenant.sign_in_updated") != events {
			t.Fatalf("bad input saved something: %+v → %+v", before, after)
		}

		// Good input saves, audited, flash, 303 back to the page.
		r = c.Submit(signInSettingsURL, signInSettingsURL, url.Values{"method": {"otp"}, "require_totp": {"on"}, "password": {webtest.Password}})
		if r.Status != http.StatusSeeOther || r.Location != signInSettingsURL {
			t.Fatalf("save: %d %q", r.Status, r.Location)
		}
		if sec := securityOf(t, app, tn); sec.SignInMethod != models.MethodOTP || !sec.RequireTOTP {
			t.Fatalf("not saved: %+v", sec)
		}
		if auditCount(t, app, "tenant.sign_in_updated") != events+1 {
			t.Error("the change was not audited")
		}
		r = c.Get(signInSettingsURL)
		mustContain(t, "page after saving", r.Body, "Sign In / Sign Up settings were saved.", `name="method" value="otp" checked`, `name="require_totp" type="checkbox" value="on" checked`)

		// An unchecked box is not posted: it means false.
		c.Submit(signInSettingsURL, signInSettingsURL, url.Values{"method": {"password"}, "password": {webtest.Password}})
		if sec := securityOf(t, app, tn); sec.SignInMethod != models.MethodPassword || sec.RequireTOTP {
			t.Fatalf("unchecked require_totp: %+v", sec)
		}
		// Without a method, the current one stays.
		c.Submit(signInSettingsURL, signInSettingsURL, url.Values{"require_totp": {"on"}, "password": {webtest.Password}})
		if sec := securityOf(t, app, tn); sec.SignInMethod != models.MethodPassword || !sec.RequireTOTP {
			t.Fatalf("require_totp alone: %+v", sec)
		}
	})
}

func TestPasswordPolicyForm(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, tn, _ := app.Owner("acme", "owner@example.com")

		r := c.Get(policyURL)
		if r.Status != http.StatusOK {
			t.Fatalf("GET: %d", r.Status)
		}
		mustContain(t, "Password Policy", r.Body, "<h1>Password Policy</h1>", "Tenant Settings", `name="min_length"`, `value="12"`,
			`min="8"`, `max="128"`, `name="history"`, `max="24"`, `name="require_lowercase"`, `name="require_uppercase"`,
			`name="require_digit"`, `name="require_symbol"`, `name="reject_common" type="checkbox" value="on" checked`, ">Save</button>")

		before, events := securityOf(t, app, tn), auditCount(t, app, "tenant.password_policy_updated")
		unchanged := func(what string) {
			t.Helper()
			if after := securityOf(t, app, tn); after != before || auditCount(t, app, "tenant.password_policy_updated") != events {
				t.Fatalf("%s saved something: %+v → %+v", what, before, after)
			}
		}
		// Out of bounds: messages beside both fields, typed values kept.
		r = c.Submit(policyURL, policyURL, url.Values{"min_length": {"7"}, "history": {"25"}, "require_symbol": {"on"}, "password": {webtest.Password}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("out of bounds: %d", r.Status)
		}
		mustContain(t, "out-of-bounds page", r.Body, `id="e-min_length"`, "Minimum length must be between 8 and 128.", `id="e-history"`,
			"Password history must be between 0 and 24.", `value="7"`, `value="25"`, `name="require_symbol" type="checkbox" value="on" checked`)
		if strings.Contains(r.Body, `name="reject_common" type="checkbox" value="on" checked`) {
			t.Error("an unposted checkbox came back checked")
		}
		unchanged("out of bounds")
		r = c.Submit(policyURL, policyURL, url.Values{"min_length": {"129"}, "history": {"-1"}, "password": {webtest.Password}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="e-min_length"`) || !strings.Contains(r.Body, `id="e-history"`) {
			t.Fatalf("129 / -1: %d", r.Status)
		}
		unchanged("129 / -1")
		// Not numbers.
		r = c.Submit(policyURL, policyURL, url.Values{"min_length": {"twelve"}, "history": {"3"}, "password": {webtest.Password}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("not a number: %d", r.Status)
		}
		mustContain(t, "not-a-number page", r.Body, `id="e-min_length"`, "Enter a whole number from 8 to 128.", `value="twelve"`, `value="3"`)
		r = c.Submit(policyURL, policyURL, url.Values{"min_length": {"12"}, "history": {""}, "password": {webtest.Password}})
		mustContain(t, "empty history page", r.Body, `id="e-history"`, "Enter the password history")
		unchanged("not a number")

		// Good input; reject_common unchecked means false.
		r = c.Submit(policyURL, policyURL, url.Values{"min_length": {"16"}, "history": {"3"}, "require_lowercase": {"on"},
			"require_uppercase": {"on"}, "require_digit": {"on"}, "require_symbol": {"on"}, "password": {webtest.Password}})
		if r.Status != http.StatusSeeOther || r.Location != policyURL {
			t.Fatalf("save: %d %q", r.Status, r.Location)
		}
		want := before
		want.MinLength, want.History, want.RequireLowercase, want.RequireUppercase, want.RequireDigit, want.RequireSymbol, want.RejectCommon =
			16, 3, true, true, true, true, false
		got := securityOf(t, app, tn)
		want.UpdatedAt = got.UpdatedAt
		if got != want {
			t.Fatalf("saved %+v, want %+v", got, want)
		}
		if auditCount(t, app, "tenant.password_policy_updated") != events+1 {
			t.Error("the change was not audited")
		}
		r = c.Get(policyURL)
		mustContain(t, "page after saving", r.Body, "The password policy was saved.", `value="16"`, `name="require_digit" type="checkbox" value="on" checked`)
		if strings.Contains(r.Body, `name="reject_common" type="checkbox" value="on" checked`) {
			t.Error("reject_common still shown checked")
		}
		// A post without the number fields keeps them (checkboxes absent are off).
		if r := c.Submit(policyURL, policyURL, url.Values{"reject_common": {"on"}, "password": {webtest.Password}}); r.Status != http.StatusSeeOther {
			t.Fatalf("partial save: %d", r.Status)
		}
		if got := securityOf(t, app, tn); got.MinLength != 16 || got.History != 3 || !got.RejectCommon || got.RequireDigit {
			t.Fatalf("after a partial save: %+v", got)
		}
	})
}

func TestBruteForceForm(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, tn, _ := app.Owner("acme", "owner@example.com")

		r := c.Get(bruteForceURL)
		if r.Status != http.StatusOK {
			t.Fatalf("GET: %d", r.Status)
		}
		mustContain(t, "Brute Force Protection", r.Body, "<h1>Brute Force Protection</h1>", "Tenant Settings", `name="max_attempts"`, `value="5"`,
			`name="lockout_minutes"`, `value="15"`, `max="100"`, `max="1440"`, "counted per administrator account",
			"exactly what a wrong password gets", ">Save</button>")

		before, events := securityOf(t, app, tn), auditCount(t, app, "tenant.brute_force_updated")
		unchanged := func(what string) {
			t.Helper()
			if after := securityOf(t, app, tn); after != before || auditCount(t, app, "tenant.brute_force_updated") != events {
				t.Fatalf("%s saved something: %+v → %+v", what, before, after)
			}
		}
		r = c.Submit(bruteForceURL, bruteForceURL, url.Values{"max_attempts": {"0"}, "lockout_minutes": {"1441"}, "password": {webtest.Password}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("out of bounds: %d", r.Status)
		}
		mustContain(t, "out-of-bounds page", r.Body, `id="e-max_attempts"`, "Maximum attempts must be between 1 and 100.",
			`id="e-lockout_minutes"`, "Lockout must be between 1 and 1440 minutes.", `value="0"`, `value="1441"`)
		unchanged("out of bounds")
		r = c.Submit(bruteForceURL, bruteForceURL, url.Values{"max_attempts": {"3.5"}, "lockout_minutes": {"ten"}, "password": {webtest.Password}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("not numbers: %d", r.Status)
		}
		mustContain(t, "not-a-number page", r.Body, `id="e-max_attempts"`, "Enter a whole number from 1 to 100.", `id="e-lockout_minutes"`,
			"Enter a whole number from 1 to 1440.", `value="3.5"`, `value="ten"`)
		unchanged("not numbers")

		r = c.Submit(bruteForceURL, bruteForceURL, url.Values{"max_attempts": {"3"}, "lockout_minutes": {" 30 "}, "password": {webtest.Password}})
		if r.Status != http.StatusSeeOther || r.Location != bruteForceURL {
			t.Fatalf("save: %d %q", r.Status, r.Location)
		}
		if sec := securityOf(t, app, tn); sec.MaxAttempts != 3 || sec.LockoutMinutes != 30 {
			t.Fatalf("not saved: %+v", sec)
		}
		if auditCount(t, app, "tenant.brute_force_updated") != events+1 {
			t.Error("the change was not audited")
		}
		mustContain(t, "page after saving", c.Get(bruteForceURL).Body, "Brute Force Protection settings were saved.", `value="3"`, `value="30"`)
		// A post of one field keeps the other.
		if r := c.Submit(bruteForceURL, bruteForceURL, url.Values{"lockout_minutes": {"45"}, "password": {webtest.Password}}); r.Status != http.StatusSeeOther {
			t.Fatalf("partial save: %d", r.Status)
		}
		if sec := securityOf(t, app, tn); sec.MaxAttempts != 3 || sec.LockoutMinutes != 45 {
			t.Fatalf("after a partial save: %+v", sec)
		}
	})
}

// TestSecuritySettingsRoutesByRole checks every settings route from both
// sides: Tenant Admins read and change; Tenant Auditors read a read-only
// page and are refused the change; the others are refused both; a refused
// change changes nothing.
func TestSecuritySettingsRoutesByRole(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		_, tn, _ := app.Owner("acme", "owner@example.com")
		routes := []struct {
			path string
			good url.Values
		}{
			{signInSettingsURL, url.Values{"method": {"otp"}, "require_totp": {"on"}, "password": {webtest.Password}}},
			{policyURL, url.Values{"min_length": {"14"}, "history": {"2"}, "require_digit": {"on"}, "password": {webtest.Password}}},
			{bruteForceURL, url.Values{"max_attempts": {"7"}, "lockout_minutes": {"20"}, "password": {webtest.Password}}},
		}
		// Refused roles first, so that the settings are still the defaults.
		for _, role := range []string{"tenant_auditor", "tenant_member", "editor_organizations", "editor_users", "editor_connections", "tenant_admin"} {
			c, _ := app.SignedInAs(tn, role+"@example.com", role)
			read := role == "tenant_admin" || role == "tenant_auditor"
			manage := role == "tenant_admin"
			dash := c.Get("/t/acme/")
			for _, label := range []string{"Sign In / Sign Up", "Password Policy", "Brute Force Protection"} {
				if strings.Contains(dash.Body, ">"+label+"</a>") != read {
					t.Errorf("%s: navigation entry %q shown=%v", role, label, !read)
				}
			}
			for _, rt := range routes {
				r := c.Get(rt.path)
				switch {
				case !read:
					if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "Access denied") || !strings.Contains(r.Body, `class="sidebar"`) {
						t.Errorf("%s: GET %s = %d, want the 403 page", role, rt.path, r.Status)
					}
				case !manage:
					if r.Status != http.StatusOK {
						t.Errorf("%s: GET %s = %d", role, rt.path, r.Status)
					}
					if !strings.Contains(r.Body, "readonly-banner") || strings.Contains(r.Body, ">Save</button>") ||
						!strings.Contains(r.Body, " disabled") || strings.Contains(r.Body, `action="`+rt.path+`"`) {
						t.Errorf("%s: %s is not read-only", role, rt.path)
					}
				default:
					if r.Status != http.StatusOK || !strings.Contains(r.Body, ">Save</button>") {
						t.Errorf("%s: GET %s = %d", role, rt.path, r.Status)
					}
				}
				before := securityOf(t, app, tn)
				var n int64
				modelstest.Must(t, db.DB.Model(&models.AuditEvent{}).Count(&n))
				r = c.Submit("/t/acme/", rt.path, rt.good)
				if manage {
					if r.Status != http.StatusSeeOther || securityOf(t, app, tn) == before {
						t.Errorf("%s: POST %s = %d, saved=%v", role, rt.path, r.Status, securityOf(t, app, tn) != before)
					}
					continue
				}
				var m int64
				modelstest.Must(t, db.DB.Model(&models.AuditEvent{}).Count(&m))
				if r.Status != http.StatusForbidden {
					t.Errorf("%s: POST %s = %d, want 403", role, rt.path, r.Status)
				}
				if after := securityOf(t, app, tn); after != before || m != n {
					t.Errorf("%s: refused POST %s changed something", role, rt.path)
				}
			}
		}
	})
}
