package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/webtest"
)

// sensitiveForm is one form of issue 9 finding 7's step-up list.
type sensitiveForm struct {
	name, page, action string
	vals               url.Values // the change, without the step-up
	field              string     // the id suffix of its password field's error ("password", "role-password", …)
	kept               string     // a selector of a typed value kept on refusal ("" when nothing typed)
	done               func() bool
}

// TestStepUpGuardsSensitiveActions is issue 9 finding 7 (step-up): granting
// Tenant Admin, saving Sign In / Sign Up, Password Policy or Brute Force
// Protection, resetting another administrator's TOTP and deleting a
// workspace or an organization need the password (or a TOTP code) typed
// for that purpose within the last 5 minutes. Signing in does not count; a
// wrong one is refused with nothing changed and what was typed kept, and
// counts towards the lockout; a right one lasts 5 minutes in the session.
func TestStepUpGuardsSensitiveActions(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		owner, tn, _ := app.Owner("acme", "owner@example.com")
		app.Workspace(tn, "sales", "Sales")
		app.Organization(tn, "customer", "Customer Inc.")
		target, targetAdmin := app.SignedInAs(tn, "target@example.com", "tenant_auditor")
		enrolOnAccount(t, app, target, "acme")
		profile := adminsURL + "/" + itoa(targetAdmin.ID)

		sec := func() models.TenantSecurity { return securityOf(t, app, tn) }
		forms := []sensitiveForm{
			{"sign-in method", signInSettingsURL, signInSettingsURL, url.Values{"method": {"otp"}, "require_totp": {"on"}}, "password",
				`input[name="method"][value="otp"][checked]`, func() bool { return sec().SignInMethod == models.MethodOTP }},
			{"password policy", policyURL, policyURL, url.Values{"min_length": {"20"}, "history": {"2"}, "reject_common": {"on"}}, "password",
				`input[name="min_length"][value="20"]`, func() bool { return sec().MinLength == 20 }},
			{"brute force", bruteForceURL, bruteForceURL, url.Values{"max_attempts": {"4"}, "lockout_minutes": {"33"}}, "password",
				`input[name="lockout_minutes"][value="33"]`, func() bool { return sec().LockoutMinutes == 33 }},
			{"Create New Tenant Admin", adminsURL + "/new", adminsURL + "/new", url.Values{"email": {"ta@example.com"}, "given_name": {"Tess"},
				"family_name": {"Admin"}, "role": {"tenant_admin"}}, "password", `input[name="email"][value="ta@example.com"]`,
				func() bool {
					_, err := app.Store.AdministratorByEmail(webtest.Ctx(), tn.ID, "ta@example.com")
					return err == nil
				}},
			{"assign Tenant Admin", profile, profile + "/roles", url.Values{"role": {"tenant_admin"}}, "role-password",
				`select[name="role"] option[value="tenant_admin"][selected]`, func() bool { return holds(t, app, targetAdmin.ID, "tenant_admin") }},
			{"reset TOTP", profile, profile + "/totp/reset", url.Values{}, "totp-password", "",
				func() bool { return adminNow(t, app, targetAdmin.ID).TOTPEnabledAt == nil }},
			{"delete workspace", "/t/acme/workspaces/sales/delete", "/t/acme/workspaces/sales/delete", url.Values{"confirm": {"sales"}}, "password",
				`input[name="confirm"][value="sales"]`, func() bool { return workspaceGone(t, app, "sales") }},
			{"delete organization", "/t/acme/organizations/customer/delete", "/t/acme/organizations/customer/delete", url.Values{"confirm": {"customer"}}, "password",
				`input[name="confirm"][value="customer"]`, func() bool {
					_, err := app.Store.OrganizationByName(webtest.Ctx(), tn.ID, "customer")
					return err == models.ErrNotFound
				}},
		}
		with := func(vals url.Values, k, v string) url.Values {
			out := url.Values{k: {v}}
			for kk, vv := range vals {
				out[kk] = vv
			}
			return out
		}
		refused := func(f sensitiveForm, r *webtest.Response, says string) {
			t.Helper()
			if r.Status != http.StatusUnprocessableEntity {
				t.Errorf("%s: %d, want 422", f.name, r.Status)
				return
			}
			d := page(t, r)
			if msg := d.Find("#e-" + f.field).Text(); !strings.Contains(msg, says) {
				t.Errorf("%s: beside the password: %q, want %q", f.name, msg, says)
			}
			if f.kept != "" && d.Find(f.kept).Length() != 1 {
				t.Errorf("%s: the typed value is not kept (%s)", f.name, f.kept)
			}
			if f.done() {
				t.Errorf("%s: done without a step-up", f.name)
			}
		}

		// Signing in does not count: every form asks, and refuses without it.
		secBefore := sec()
		var bindings, mails int64
		if err := db.DB.Model(&models.RoleBinding{}).Count(&bindings).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.DB.Model(&models.OutboxEmail{}).Count(&mails).Error; err != nil {
			t.Fatal(err)
		}
		for _, f := range forms {
			if d := page(t, owner.Get(f.page)); d.Find(`[data-testid="stepup"] input[name="password"]`).Length() == 0 {
				t.Errorf("%s: the form does not ask for the password", f.name)
			}
			refused(f, owner.Submit(f.page, f.action, f.vals), "Enter your password to confirm it is you")
		}
		// A wrong password (or code) is refused likewise and counts towards the lockout.
		for i, f := range forms[:3] {
			refused(f, owner.Submit(f.page, f.action, with(f.vals, "password", "not my password")), "not correct")
			if n := adminByEmail(t, app, tn.ID, "owner@example.com").FailedAttempts; n != i+1 {
				t.Errorf("%s: failed attempts %d, want %d", f.name, n, i+1)
			}
		}
		refused(forms[0], owner.Submit(forms[0].page, forms[0].action, with(forms[0].vals, "code", "123456")), "")
		// Nothing changed (but the failures' audit events and counts).
		var bindingsAfter, mailsAfter int64
		if err := db.DB.Model(&models.RoleBinding{}).Count(&bindingsAfter).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.DB.Model(&models.OutboxEmail{}).Count(&mailsAfter).Error; err != nil {
			t.Fatal(err)
		}
		if secAfter := sec(); secAfter.UpdatedAt != secBefore.UpdatedAt || bindingsAfter != bindings || mailsAfter != mails {
			t.Fatalf("refused step-ups changed something: %+v %d %d → %+v %d %d", secBefore, bindings, mails, secAfter, bindingsAfter, mailsAfter)
		}

		// The right password: saved, and the next sensitive action within 5
		// minutes needs none (the form says so instead of asking).
		if r := owner.Submit(forms[0].page, forms[0].action, with(forms[0].vals, "password", webtest.Password)); r.Status != http.StatusSeeOther || !forms[0].done() {
			t.Fatalf("%s with the password: %d", forms[0].name, r.Status)
		}
		if n := adminByEmail(t, app, tn.ID, "owner@example.com").FailedAttempts; n != 0 {
			t.Errorf("a right step-up left %d failures", n)
		}
		app.Clock.Add(4 * time.Minute)
		d := page(t, owner.Get(forms[1].page))
		if d.Find(`[data-testid="stepup-fresh"]`).Length() != 1 || d.Find(`input[name="password"]`).Length() != 0 {
			t.Error("within 5 minutes the form still asks for the password")
		}
		for _, f := range forms[1:] {
			if r := owner.Submit(f.page, f.action, f.vals); r.Status != http.StatusSeeOther || !f.done() {
				t.Errorf("%s within 5 minutes of the step-up: %d", f.name, r.Status)
			}
		}
		// After 5 minutes it asks again.
		app.Clock.Add(time.Minute + time.Second)
		again := sensitiveForm{"brute force again", bruteForceURL, bruteForceURL, url.Values{"max_attempts": {"5"}, "lockout_minutes": {"44"}}, "password",
			`input[name="lockout_minutes"][value="44"]`, func() bool { return sec().LockoutMinutes == 44 }}
		refused(again, owner.Submit(again.page, again.action, again.vals), "Enter your password")
		// A TOTP code does it too.
		secret, _ := enrolOnAccount(t, app, owner, "acme")
		app.Clock.Add(30 * time.Second)
		if r := owner.Submit(again.page, again.action, with(again.vals, "code", totpNow(t, app, secret))); r.Status != http.StatusSeeOther || !again.done() {
			t.Fatalf("step-up with a TOTP code: %d", r.Status)
		}
		// A wrong password posted while a step-up is fresh is still refused, and ends it.
		app.Clock.Add(time.Minute)
		third := sensitiveForm{"brute force, wrong password while fresh", bruteForceURL, bruteForceURL, url.Values{"max_attempts": {"6"}, "lockout_minutes": {"55"}}, "password",
			`input[name="lockout_minutes"][value="55"]`, func() bool { return sec().LockoutMinutes == 55 }}
		refused(third, owner.Submit(third.page, third.action, with(third.vals, "password", "wrong")), "not correct")
		refused(third, owner.Submit(third.page, third.action, third.vals), "Enter your password")
		if r := target.Get("/t/acme/"); r.Status != http.StatusSeeOther {
			t.Errorf("the reset TOTP did not sign its holder out: %d", r.Status)
		}
	})
}

// TestWrongStepUpsLockTheAccount: wrong step-up passwords count towards the
// lockout like the Account page's checks, so an unattended session cannot
// be used to guess the password.
func TestWrongStepUpsLockTheAccount(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		owner, tn, _ := app.Owner("acme", "owner@example.com")
		if r := owner.Submit(bruteForceURL, bruteForceURL, url.Values{"max_attempts": {"3"}, "lockout_minutes": {"15"}, "password": {webtest.Password}}); r.Status != http.StatusSeeOther {
			t.Fatalf("brute force: %d", r.Status)
		}
		app.Clock.Add(6 * time.Minute)
		for range 3 {
			owner.Submit(policyURL, policyURL, url.Values{"min_length": {"13"}, "history": {"0"}, "password": {"guess"}})
		}
		if a := adminByEmail(t, app, tn.ID, "owner@example.com"); !a.Locked(app.Clock.Now()) {
			t.Fatal("three wrong step-ups did not lock the account")
		}
		// Locked: even the right password is refused, and nothing changes.
		r := owner.Submit(policyURL, policyURL, url.Values{"min_length": {"13"}, "history": {"0"}, "password": {webtest.Password}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(page(t, r).Find("#e-password").Text(), "locked") {
			t.Fatalf("the right password while locked: %d", r.Status)
		}
		if securityOf(t, app, tn).MinLength == 13 {
			t.Fatal("saved while locked")
		}
	})
}

func holds(t *testing.T, app *webtest.App, adminID int64, role string) bool {
	t.Helper()
	var n int64
	if err := app.DB.DB.Model(&models.RoleBinding{}).Where("administrator_id = ? AND role_key = ? AND workspace_id IS NULL", adminID, role).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n > 0
}

func workspaceGone(t *testing.T, app *webtest.App, slug string) bool {
	t.Helper()
	var n int64
	if err := app.DB.DB.Model(&models.Workspace{}).Where("slug = ?", slug).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n == 0
}
