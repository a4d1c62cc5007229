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

// TestOrganizationInvitationNeverSetsAPassword is issue 9 finding 8: the
// holder of an organization invitation link could give a password to an
// existing user who had none (a social-only user, say). Now such a user is
// told what to do instead; nothing is set.
func TestOrganizationInvitationNeverSetsAPassword(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		owner, tn, _ := app.Owner("acme", "owner@example.com")
		app.Organization(tn, "customer", "Customer Inc.")
		social := app.OrgUser(tn, "social@example.com", "Sofia", "Social") // no password
		const invURL = "/t/acme/organizations/customer/invitations"
		if r := owner.Submit(invURL, invURL, url.Values{"email": {"social@example.com"}, "expires_in_days": {"7"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("invite: %d\n%s", r.Status, r.Body)
		}
		link := invitationPath(t, app, "social@example.com")
		guest := app.Client()

		r := guest.Get(link)
		if r.Status != http.StatusOK {
			t.Fatalf("GET: %d", r.Status)
		}
		d := page(t, r)
		if d.Find("#no-password").Length() != 1 || !strings.Contains(d.Find("#no-password").Text(), "never sets a password") {
			t.Errorf("the page does not say what to do:\n%s", d.Find("main").Text())
		}
		if d.Find(`input[name="password"], input[name="password_confirm"]`).Length() != 0 {
			t.Error("the page offers to set a password")
		}

		// A forged post that sets one is refused and changes nothing.
		before := orgCounts(t, db.DB)
		r = guest.Submit("/t/acme/login", link, url.Values{"password": {webtest.Password}, "password_confirm": {webtest.Password}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("forged set-password: %d\n%s", r.Status, r.Body)
		}
		if page(t, r).Find("#no-password").Length() != 1 {
			t.Error("the refusal does not say what to do")
		}
		u, err := app.Store.UserByID(webtest.Ctx(), tn.ID, social.ID)
		if err != nil {
			t.Fatal(err)
		}
		if u.PasswordHash != "" {
			t.Fatal("the invitation set a password on an existing user")
		}
		if after := orgCounts(t, db.DB); after != before {
			t.Fatalf("the refused acceptance changed something: %s → %s", before, after)
		}
		var inv models.OrganizationInvitation
		if err := db.DB.Where("email = ?", "social@example.com").Take(&inv).Error; err != nil {
			t.Fatal(err)
		}
		if inv.AcceptedAt != nil || inv.RevokedAt != nil {
			t.Fatalf("invitation consumed: %+v", inv)
		}
	})
}

// TestConfirmationFieldsAreRequired is issue 9 finding 9: a delete without
// the typed name, and a password form without its confirmation (or the
// current password), are refused (422) with nothing changed, instead of
// taking the absent field as given.
func TestConfirmationFieldsAreRequired(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		owner, tn, ownerAdmin := app.Owner("acme", "owner@example.com")
		org := app.Organization(tn, "customer", "Customer Inc.")
		ws := app.Workspace(tn, "sales", "Sales")
		conn := app.OrgConnection(tn, "google", "google-oauth2", "Google")

		// Deletes without confirm: 422 beside the field, the object stays.
		for _, c := range []struct{ page, action string }{
			{"/t/acme/organizations/customer/delete", "/t/acme/organizations/customer/delete"},
			{"/t/acme/workspaces/sales/delete", "/t/acme/workspaces/sales/delete"},
			{"/t/acme/connections/" + itoa(conn.ID) + "/delete", "/t/acme/connections/" + itoa(conn.ID) + "/delete"},
		} {
			r := owner.Submit(c.page, c.action, url.Values{"password": {webtest.Password}})
			if r.Status != http.StatusUnprocessableEntity {
				t.Errorf("%s without confirm: %d", c.action, r.Status)
				continue
			}
			if page(t, r).Find("#e-confirm").Length() != 1 {
				t.Errorf("%s without confirm: no message beside the field", c.action)
			}
		}
		if _, err := app.Store.OrganizationByName(webtest.Ctx(), tn.ID, org.Name); err != nil {
			t.Errorf("the organization went: %v", err)
		}
		var n int64
		if err := db.DB.Model(&models.Workspace{}).Where("id = ?", ws.ID).Count(&n).Error; err != nil || n != 1 {
			t.Errorf("the workspace went: %d %v", n, err)
		}
		if err := db.DB.Model(&models.Connection{}).Where("id = ?", conn.ID).Count(&n).Error; err != nil || n != 1 {
			t.Errorf("the connection went: %d %v", n, err)
		}

		// Invitation acceptance without password_confirm.
		_, invitee, link := app.Tenant("globex", models.PlanFree, "gina@example.com")
		guest := app.Client()
		r := guest.Submit("/invitations/"+link, "/invitations/"+link, url.Values{"password": {webtest.Password}})
		if r.Status != http.StatusUnprocessableEntity || page(t, r).Find("#e-password_confirm").Length() != 1 {
			t.Errorf("invitation without password_confirm: %d", r.Status)
		}
		if a := adminNow(t, app, invitee.ID); a.Status != models.AdminInvited || a.PasswordHash != "" {
			t.Errorf("the invitation was accepted: %s", a.Status)
		}

		// Password reset without password_confirm.
		resetLink, err := app.Store.SendPasswordReset(webtest.Ctx(), tn, ownerAdmin, models.Actor{Email: "test"})
		if err != nil {
			t.Fatal(err)
		}
		resetPath := strings.TrimPrefix(resetLink, app.Server.URL)
		hash := adminNow(t, app, ownerAdmin.ID).PasswordHash
		r = guest.Submit(resetPath, resetPath, url.Values{"password": {"an entirely new passphrase"}})
		if r.Status != http.StatusUnprocessableEntity || page(t, r).Find("#e-password_confirm").Length() != 1 {
			t.Errorf("password reset without password_confirm: %d", r.Status)
		}
		if adminNow(t, app, ownerAdmin.ID).PasswordHash != hash {
			t.Error("the password was reset")
		}

		// Organization invitation (new user) without password_confirm.
		const invURL = "/t/acme/organizations/customer/invitations"
		if r := owner.Submit(invURL, invURL, url.Values{"email": {"dana@example.com"}, "expires_in_days": {"7"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("invite dana: %d", r.Status)
		}
		orgLink := invitationPath(t, app, "dana@example.com")
		r = guest.Submit(orgLink, orgLink, url.Values{"given_name": {"Dana"}, "family_name": {"Doe"}, "password": {webtest.Password}})
		if r.Status != http.StatusUnprocessableEntity || page(t, r).Find("#e-password_confirm").Length() != 1 {
			t.Errorf("organization invitation without password_confirm: %d", r.Status)
		}
		if _, err := app.Store.UserByEmail(webtest.Ctx(), tn.ID, "dana@example.com"); err != models.ErrNotFound {
			t.Errorf("dana's user was created: %v", err)
		}

		// Account: change password without current_password, or without its confirmation.
		for _, vals := range []url.Values{
			{"new_password": {"an entirely new passphrase"}, "new_password_confirm": {"an entirely new passphrase"}},
			{"current_password": {webtest.Password}, "new_password": {"an entirely new passphrase"}},
		} {
			r := owner.Submit(accountURL, accountURL+"/password", vals)
			if r.Status != http.StatusUnprocessableEntity {
				t.Errorf("change password with %v: %d", vals, r.Status)
			}
		}
		if adminNow(t, app, ownerAdmin.ID).PasswordHash != hash {
			t.Error("the password was changed")
		}
	})
}

// TestEmailAddressesAreValidated is issue 9 finding 10: an e-mail with
// invalid UTF-8 bytes (and other non-addresses) was taken by Create New.
// Everywhere an address is typed, it is refused beside its field (422) and
// nothing is saved.
func TestEmailAddressesAreValidated(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		owner, tn, _ := app.Owner("acme", "owner@example.com")
		app.Organization(tn, "customer", "Customer Inc.")
		app.Workspace(tn, "sales", "Sales")
		user := app.OrgUser(tn, "ulla@example.com", "Ulla", "User")
		snapshot := func() string { return counts(t, db.DB) + " " + orgCounts(t, db.DB) }

		for _, bad := range []string{"ad\xffa@example.com", "ann@example.com\r\nBcc: x@evil.test", "an n@example.com", "ann\u202e@example.com",
			strings.Repeat("a", 250) + "@b.test"} {
			before := snapshot()
			for _, c := range []struct {
				name, page, action, field string
				vals                      url.Values
			}{
				{"Create New", adminsURL + "/new", adminsURL + "/new", "email",
					url.Values{"email": {bad}, "given_name": {"Ada"}, "family_name": {"Byte"}, "role": {"tenant_auditor"}}},
				{"Manage Access", "/t/acme/workspaces/sales/access", "/t/acme/workspaces/sales/access", "user",
					url.Values{"user": {bad}, "role": {"workspace_auditor"}}},
				{"create user", "/t/acme/users/new", "/t/acme/users/new", "email",
					url.Values{"email": {bad}, "given_name": {"Ada"}, "family_name": {"Byte"}}},
				{"edit user", "/t/acme/users/" + itoa(user.ID), "/t/acme/users/" + itoa(user.ID), "email",
					url.Values{"email": {bad}, "given_name": {"Ulla"}, "family_name": {"User"}, "status": {"new"}}},
				{"add member", "/t/acme/organizations/customer/members", "/t/acme/organizations/customer/members", "email",
					url.Values{"email": {bad}}},
				{"invite", "/t/acme/organizations/customer/invitations", "/t/acme/organizations/customer/invitations", "email",
					url.Values{"email": {bad}, "expires_in_days": {"7"}}},
			} {
				r := owner.Submit(c.page, c.action, c.vals)
				if r.Status != http.StatusUnprocessableEntity {
					t.Errorf("%s with %q: %d", c.name, bad, r.Status)
					continue
				}
				if page(t, r).Find("#e-"+c.field).Length() != 1 {
					t.Errorf("%s with %q: no message beside %s", c.name, bad, c.field)
				}
			}
			if after := snapshot(); after != before {
				t.Errorf("%q: something was saved: %s → %s", bad, before, after)
			}
			if u, err := app.Store.UserByID(webtest.Ctx(), tn.ID, user.ID); err != nil || u.Email != "ulla@example.com" {
				t.Errorf("%q: the user's e-mail changed: %q %v", bad, u.Email, err)
			}
			// Sign-in, password and passwordless.
			for _, method := range []string{models.MethodPassword, models.MethodOTP} {
				setSignInMethod(t, app, tn, method)
				guest := app.Client()
				if form := guest.Get("/t/acme/login"); strings.Contains(form.Body, "Send code") != (method == models.MethodOTP) {
					t.Fatalf("the sign-in page is not in %s mode", method)
				}
				r := guest.Submit("/t/acme/login", "/t/acme/login", url.Values{"email": {bad}, "password": {webtest.Password}})
				if r.Status != http.StatusUnprocessableEntity || page(t, r).Find("#e-email").Length() != 1 {
					t.Errorf("sign-in (%s) with %q: %d", method, bad, r.Status)
				}
				if guest.Cookie("gatehouse_session") != "" && method == models.MethodOTP {
					if r := guest.Get("/t/acme/login"); strings.Contains(r.Body, "Check your e-mail") {
						t.Errorf("sign-in (%s) with %q went on to the code step", method, bad)
					}
				}
			}
			setSignInMethod(t, app, tn, models.MethodPassword)
		}
		// The command line's tenant create refuses it too.
		if _, _, _, err := app.Store.CreateTenant(webtest.Ctx(), models.CreateTenantInput{Slug: "bytes", Name: "Bytes", AdminEmail: "ad\xffa@example.com"}, models.Actor{}); err == nil {
			t.Error("tenant create took an invalid address")
		}
	})
}

// setSignInMethod sets the tenant's sign-in method, bypassing the UI.
func setSignInMethod(t *testing.T, app *webtest.App, tn models.Tenant, method string) {
	t.Helper()
	sec, err := app.Store.Security(webtest.Ctx(), tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	sec.SignInMethod = method
	if err := app.DB.DB.Save(&sec).Error; err != nil {
		t.Fatal(err)
	}
}
