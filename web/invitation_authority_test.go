package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/webtest"

	"github.com/PuerkitoBio/goquery"
	"strconv"
)

var invitationPathRE = regexp.MustCompile(`(?:/o/[a-z0-9-]+)?/invitations/[A-Za-z0-9_-]{20,}`)

// invitationPath is the path of the newest invitation link e-mailed to to.
func invitationPath(t *testing.T, app *webtest.App, to string) string {
	t.Helper()
	mails := outboxTo(t, app, to)
	for i := len(mails) - 1; i >= 0; i-- {
		if m := invitationPathRE.FindString(mails[i].TextBody); m != "" {
			return m
		}
	}
	t.Fatalf("no invitation link e-mailed to %s", to)
	return ""
}

// page parses an HTML answer.
func page(t *testing.T, r *webtest.Response) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// adminByEmail reads an administrator of tenant 1.. by e-mail, checking the query.
func adminByEmail(t *testing.T, app *webtest.App, tenantID int64, email string) models.Administrator {
	t.Helper()
	a, err := app.Store.AdministratorByEmail(webtest.Ctx(), tenantID, email)
	if err != nil {
		t.Fatalf("administrator %s: %v", email, err)
	}
	return a
}

// auditOn counts the tenant's audit events with action and target label.
func auditOn(t *testing.T, app *webtest.App, tenantID int64, action, target string) int64 {
	t.Helper()
	var n int64
	if err := app.DB.DB.Model(&models.AuditEvent{}).Where("tenant_id = ? AND action = ? AND target_label = ?", tenantID, action, target).
		Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// lostInvitationPage checks the page an invitation that died with its
// inviter's authority shows: 410, in the app's layout, saying why and what
// to do, with no form to accept.
func lostInvitationPage(t *testing.T, what string, r *webtest.Response, inviter string) {
	t.Helper()
	if r.Status != http.StatusGone {
		t.Fatalf("%s: status %d, want 410\n%s", what, r.Status, r.Body)
	}
	d := page(t, r)
	if d.Find("main h1").Text() != "This invitation is no longer valid" {
		t.Errorf("%s: heading %q", what, d.Find("main h1").Text())
	}
	text := d.Find("main").Text()
	for _, want := range []string{"no longer has the authority", "(" + inviter + ")", "for a new one"} {
		if !strings.Contains(text, want) {
			t.Errorf("%s: the page does not say %q:\n%s", what, want, text)
		}
	}
	if d.Find(`input[name="password"]`).Length() != 0 {
		t.Errorf("%s: the page still offers a form", what)
	}
	if d.Find("body.public main#content .public-brand").Length() != 1 {
		t.Errorf("%s: not in the app's layout", what)
	}
}

// TestDeactivatedInvitersInvitationGrantsNothing is the attack of issue 9
// finding 1: a second Tenant Admin invites latecomer as Tenant Admin, the
// first deactivates the inviter, and latecomer's acceptance must grant
// nothing.
func TestDeactivatedInvitersInvitationGrantsNothing(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		owner, tn, _ := app.Owner("acme", "owner@example.com")
		second, secondAdmin := app.SignedInAs(tn, "second@example.com", "tenant_admin")

		r := second.Submit(adminsURL+"/new", adminsURL+"/new", url.Values{"email": {"latecomer@example.com"}, "given_name": {"Late"},
			"family_name": {"Comer"}, "role": {"tenant_admin"}, "password": {webtest.Password}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("second invites latecomer: %d\n%s", r.Status, r.Body)
		}
		link := invitationPath(t, app, "latecomer@example.com")
		// An invitation of the owner's own, which must survive.
		r = owner.Submit(adminsURL+"/new", adminsURL+"/new", url.Values{"email": {"kept@example.com"}, "given_name": {"Kept"},
			"family_name": {"Invitee"}, "role": {"tenant_auditor"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("owner invites kept: %d", r.Status)
		}
		keptLink := invitationPath(t, app, "kept@example.com")

		// The first Tenant Admin deactivates the inviter.
		profile := adminsURL + "/" + itoa(secondAdmin.ID)
		if r := owner.Submit(profile, profile+"/status", url.Values{"status": {"inactive"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("deactivate second: %d\n%s", r.Status, r.Body)
		}
		latecomer := adminByEmail(t, app, tn.ID, "latecomer@example.com")
		if n := auditOn(t, app, tn.ID, "administrator.invitation_revoked", "latecomer@example.com"); n != 1 {
			t.Errorf("revocations of latecomer's invitation audited: %d, want 1", n)
		}
		var inv models.Invitation
		if err := db.DB.Where("administrator_id = ?", latecomer.ID).Order("id DESC").Take(&inv).Error; err != nil {
			t.Fatal(err)
		}
		if inv.RevokedAt == nil || inv.RevokedReason != models.RevokedInviterLostAuthority {
			t.Errorf("latecomer's invitation: revoked %v, reason %q", inv.RevokedAt, inv.RevokedReason)
		}

		// Latecomer's link shows a clear page, and accepting grants nothing.
		guest := app.Client()
		lostInvitationPage(t, "GET latecomer's link", guest.Get(link), "Test tenant_admin")
		r = guest.Submit("/t/acme/login", link, url.Values{"password": {webtest.Password}, "password_confirm": {webtest.Password}})
		lostInvitationPage(t, "POST latecomer's link", r, "Test tenant_admin")
		if a := adminByEmail(t, app, tn.ID, "latecomer@example.com"); a.Status != models.AdminInvited || a.PasswordHash != "" {
			t.Fatalf("latecomer after the refused acceptance: status %s, password set %v", a.Status, a.PasswordHash != "")
		}
		if _, err := app.Store.LoadViewer(webtest.Ctx(), tn, latecomer.ID); err == nil {
			t.Fatal("latecomer can act")
		}
		if r := app.Client().Submit("/t/acme/login", "/t/acme/login", url.Values{"email": {"latecomer@example.com"}, "password": {webtest.Password}}); r.Status == http.StatusSeeOther {
			t.Fatal("latecomer signed in")
		}

		// The owner's own invitation still works.
		if r := app.Client().Submit(keptLink, keptLink, url.Values{"password": {webtest.Password}, "password_confirm": {webtest.Password}}); r.Status != http.StatusSeeOther {
			t.Fatalf("the owner's invitation stopped working: %d", r.Status)
		}

		// A Tenant Admin who still holds the authority resends it: it works.
		latecomerProfile := adminsURL + "/" + itoa(latecomer.ID)
		if r := owner.Submit(latecomerProfile, latecomerProfile+"/invitation/resend", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("resend: %d\n%s", r.Status, r.Body)
		}
		fresh := invitationPath(t, app, "latecomer@example.com")
		if fresh == link {
			t.Fatal("the resend sent the same link")
		}
		if r := app.Client().Submit(fresh, fresh, url.Values{"password": {webtest.Password}, "password_confirm": {webtest.Password}}); r.Status != http.StatusSeeOther {
			t.Fatalf("the resent invitation: %d\n%s", r.Status, r.Body)
		}
	})
}

// TestDemotedInvitersInvitationGrantsNothing: removing the inviter's
// Tenant Admin role revokes the invitations they can no longer back (and
// keeps those they still can); an inviter whose role merely expired is
// found out at acceptance.
func TestDemotedInvitersInvitationGrantsNothing(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		owner, tn, _ := app.Owner("acme", "owner@example.com")
		second, secondAdmin := app.SignedInAs(tn, "second@example.com", "tenant_admin", "tenant_auditor")
		for _, inv := range []struct{ email, role string }{{"admin-to-be@example.com", "tenant_admin"}, {"member-to-be@example.com", "tenant_member"}} {
			r := second.Submit(adminsURL+"/new", adminsURL+"/new", url.Values{"email": {inv.email}, "given_name": {"New"},
				"family_name": {"Comer"}, "role": {inv.role}, "password": {webtest.Password}})
			if r.Status != http.StatusSeeOther {
				t.Fatalf("invite %s: %d\n%s", inv.email, r.Status, r.Body)
			}
		}
		adminLink, memberLink := invitationPath(t, app, "admin-to-be@example.com"), invitationPath(t, app, "member-to-be@example.com")

		// The owner removes second's Tenant Admin role: second stays a
		// Tenant Auditor, who can grant neither role (no Manage Tenant Roles).
		var b models.RoleBinding
		if err := db.DB.Where("administrator_id = ? AND role_key = ?", secondAdmin.ID, "tenant_admin").Take(&b).Error; err != nil {
			t.Fatal(err)
		}
		profile := adminsURL + "/" + itoa(secondAdmin.ID)
		if r := owner.Submit(profile, profile+"/roles/"+itoa(b.ID)+"/delete", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("remove second's Tenant Admin: %d\n%s", r.Status, r.Body)
		}
		for _, e := range []string{"admin-to-be@example.com", "member-to-be@example.com"} {
			if n := auditOn(t, app, tn.ID, "administrator.invitation_revoked", e); n != 1 {
				t.Errorf("revocation of %s's invitation audited %d times", e, n)
			}
		}
		lostInvitationPage(t, "admin-to-be", app.Client().Get(adminLink), "Test tenant_admin tenant_auditor")
		lostInvitationPage(t, "member-to-be", app.Client().Get(memberLink), "Test tenant_admin tenant_auditor")

		// An inviter whose Tenant Admin expires: nothing happens at once,
		// the acceptance finds it, grants nothing and revokes the link.
		third, thirdAdmin := app.SignedInAs(tn, "third@example.com", "tenant_admin")
		r := third.Submit(adminsURL+"/new", adminsURL+"/new", url.Values{"email": {"expiring@example.com"}, "given_name": {"Ex"},
			"family_name": {"Piring"}, "role": {"tenant_auditor"}, "password": {webtest.Password}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("third invites: %d\n%s", r.Status, r.Body)
		}
		link := invitationPath(t, app, "expiring@example.com")
		soon := app.Clock.Now().Add(time.Hour)
		if err := db.DB.Model(&models.RoleBinding{}).Where("administrator_id = ?", thirdAdmin.ID).Update("expires_at", soon).Error; err != nil {
			t.Fatal(err)
		}
		app.Clock.Add(2 * time.Hour)
		guest := app.Client()
		lostInvitationPage(t, "GET after the inviter's role expired", guest.Get(link), "Test tenant_admin")
		r = guest.Submit("/t/acme/login", link, url.Values{"password": {webtest.Password}, "password_confirm": {webtest.Password}})
		lostInvitationPage(t, "POST after the inviter's role expired", r, "Test tenant_admin")
		if a := adminByEmail(t, app, tn.ID, "expiring@example.com"); a.Status != models.AdminInvited {
			t.Fatalf("expiring@ is %s", a.Status)
		}
		if n := auditOn(t, app, tn.ID, "administrator.invitation_revoked", "expiring@example.com"); n != 1 {
			t.Errorf("revocation at acceptance audited %d times", n)
		}
	})
}

// TestOrganizationInvitationDiesWithItsInviter: an organization invitation
// sent by an administrator who is then deactivated is revoked (audited),
// shows a clear page and grants nothing; one whose inviter lost Manage
// Organizations likewise.
func TestOrganizationInvitationDiesWithItsInviter(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		owner, tn, _ := app.Owner("acme", "owner@example.com")
		app.Organization(tn, "customer", "Customer Inc.")
		editor, editorAdmin := app.SignedInAs(tn, "editor@example.com", "editor_organizations")
		const invURL = "/t/acme/organizations/customer/invitations"
		if r := editor.Submit(invURL, invURL, url.Values{"email": {"dana@example.com"}, "expires_in_days": {"7"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("editor invites dana: %d\n%s", r.Status, r.Body)
		}
		link := invitationPath(t, app, "dana@example.com")

		profile := adminsURL + "/" + itoa(editorAdmin.ID)
		if r := owner.Submit(profile, profile+"/status", url.Values{"status": {"inactive"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("deactivate the editor: %d", r.Status)
		}
		var inv models.OrganizationInvitation
		if err := db.DB.Where("email = ?", "dana@example.com").Take(&inv).Error; err != nil {
			t.Fatal(err)
		}
		if inv.RevokedAt == nil || inv.RevokedReason != models.RevokedInviterLostAuthority {
			t.Fatalf("dana's invitation: revoked %v reason %q", inv.RevokedAt, inv.RevokedReason)
		}
		if n := auditOn(t, app, tn.ID, "organization.invitation_revoked", "customer"); n != 1 {
			t.Errorf("revocation audited %d times", n)
		}
		guest := app.Client()
		lostInvitationPage(t, "GET dana's link", guest.Get(link), "Test editor_organizations")
		r := guest.Submit("/t/acme/login", link, url.Values{"given_name": {"Dana"}, "family_name": {"Doe"}, "password": {webtest.Password}, "password_confirm": {webtest.Password}})
		lostInvitationPage(t, "POST dana's link", r, "Test editor_organizations")
		if _, err := app.Store.UserByEmail(webtest.Ctx(), tn.ID, "dana@example.com"); err != models.ErrNotFound {
			t.Fatalf("dana's user: %v", err)
		}
		var members int64
		if err := db.DB.Model(&models.OrganizationMember{}).Count(&members).Error; err != nil || members != 0 {
			t.Fatalf("members: %d %v", members, err)
		}
	})
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }
