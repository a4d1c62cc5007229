package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/webtest"
)

var invitationLinkRE = regexp.MustCompile(`/invitations/([A-Za-z0-9_-]+)`)

// invitationTokenOf returns the token of the invitation e-mailed to addr.
func invitationTokenOf(t *testing.T, app *webtest.App, addr string) string {
	t.Helper()
	mails, err := app.Store.OutboxTo(webtest.Ctx(), addr)
	if err != nil || len(mails) == 0 {
		t.Fatalf("no mail to %s: %v", addr, err)
	}
	m := invitationLinkRE.FindStringSubmatch(mails[len(mails)-1].TextBody)
	if m == nil {
		t.Fatalf("no invitation link in %q", mails[len(mails)-1].TextBody)
	}
	return m[1]
}

// workspaceBindings returns the role keys admin holds in workspace ws and tenant-wide.
func bindingsOf(t *testing.T, db modelstest.DB, adminID int64) (tenant []string, inWorkspace map[int64][]string) {
	t.Helper()
	var bs []models.RoleBinding
	modelstest.Must(t, db.DB.Where("administrator_id = ?", adminID).Order("id").Find(&bs))
	inWorkspace = map[int64][]string{}
	for _, b := range bs {
		if b.WorkspaceID == nil {
			tenant = append(tenant, b.RoleKey)
		} else {
			inWorkspace[*b.WorkspaceID] = append(inWorkspace[*b.WorkspaceID], b.RoleKey)
		}
	}
	return tenant, inWorkspace
}

// TestCreateNewOffersAWorkspaceRole (issue 10, #1): Create New makes a
// workspace-only administrator when given a workspace role and its
// workspace; the workspace is required with such a role, and must exist.
func TestCreateNewOffersAWorkspaceRole(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, tn, _ := app.Owner("acme", "owner@example.com")
		w := app.Workspace(tn, "alpha", "Alpha")
		form := page(t, c.Get(adminsURL+"/new"))
		if form.Find(`select[name="role"] optgroup option[value="workspace_admin"]`).Length() != 1 || form.Find(`input[name="workspace"]`).Length() != 1 {
			t.Fatal("Create New offers no workspace role with its workspace")
		}
		vals := url.Values{"email": {"wanda@example.com"}, "given_name": {"Wanda"}, "family_name": {"Workspace"}, "role": {"workspace_admin"}}
		r := c.Submit(adminsURL+"/new", adminsURL+"/new", vals)
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("without a workspace: %d", r.Status)
		}
		doc := page(t, r)
		if doc.Find("#e-workspace").Length() != 1 || doc.Find(`input[name="email"]`).AttrOr("value", "") != "wanda@example.com" {
			t.Error("no message beside workspace, or the e-mail was not kept")
		}
		vals.Set("workspace", "nowhere")
		if r := c.Submit(adminsURL+"/new", adminsURL+"/new", vals); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "No such workspace") {
			t.Fatalf("unknown workspace: %d", r.Status)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.Administrator{}).Where("email = ?", "wanda@example.com")); n != 0 {
			t.Fatal("half-saved administrator")
		}
		vals.Set("workspace", "alpha")
		r = c.Submit(adminsURL+"/new", adminsURL+"/new", vals)
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, adminsURL+"/") {
			t.Fatalf("create: %d %s", r.Status, r.Location)
		}
		wanda, err := app.Store.AdministratorByEmail(webtest.Ctx(), tn.ID, "wanda@example.com")
		if err != nil {
			t.Fatal(err)
		}
		tenantRoles, inWs := bindingsOf(t, db, wanda.ID)
		if len(tenantRoles) != 0 || len(inWs) != 1 || len(inWs[w.ID]) != 1 || inWs[w.ID][0] != "workspace_admin" {
			t.Fatalf("bindings: tenant %v, workspaces %v", tenantRoles, inWs)
		}
		// The invitation works: Wanda reaches her workspace, not the Administrators.
		wc := app.Client()
		wc.AcceptInvitation(invitationTokenOf(t, app, "wanda@example.com"), webtest.Password)
		wc.SignIn("acme", "wanda@example.com", webtest.Password)
		if r := wc.Get("/t/acme/workspaces/alpha/access"); r.Status != http.StatusOK {
			t.Errorf("Wanda's workspace: %d", r.Status)
		}
		if r := wc.Get(adminsURL); r.Status != http.StatusForbidden {
			t.Errorf("Wanda reads the Administrators: %d", r.Status)
		}
	})
}

// TestInviteOnManageAccess (issue 10, #1): Tenant Admins and a
// workspace's Workspace Admins invite a new administrator by e-mail into
// that workspace; a Workspace Admin only into their own workspace, only
// with roles they hold there, and a Workspace Auditor not at all.
func TestInviteOnManageAccess(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		owner, tn, _ := app.Owner("acme", "owner@example.com")
		alpha := app.Workspace(tn, "alpha", "Alpha")
		app.Workspace(tn, "beta", "Beta")
		wa, _ := app.SignedInWithWorkspaceRole(tn, "wa@example.com", alpha, "workspace_admin", "tenant_member")
		aud, _ := app.SignedInWithWorkspaceRole(tn, "aud@example.com", alpha, "workspace_auditor", "tenant_member")
		const access = "/t/acme/workspaces/alpha/access"
		if page(t, wa.Get(access)).Find(`form[action="`+access+`/invite"] input[name="email"]`).Length() != 1 {
			t.Fatal("no Invite form for the Workspace Admin")
		}
		if page(t, aud.Get(access)).Find(`form[action="`+access+`/invite"]`).Length() != 0 {
			t.Error("the Workspace Auditor is offered Invite")
		}
		// Bad input: beside the field, kept, nothing saved.
		r := wa.Submit(access, access+"/invite", url.Values{"email": {"not-an-email"}, "role": {"workspace_auditor"}})
		if r.Status != http.StatusUnprocessableEntity || page(t, r).Find("#e-invite-email").Length() != 1 ||
			page(t, r).Find("#f-invite-email").AttrOr("value", "") != "not-an-email" {
			t.Fatalf("bad e-mail: %d", r.Status)
		}
		// The Workspace Admin invites, names left for the invitee.
		r = wa.Submit(access, access+"/invite", url.Values{"email": {"newbie@example.com"}, "role": {"workspace_auditor"}})
		if r.Status != http.StatusSeeOther || r.Location != access {
			t.Fatalf("invite: %d %s\n%s", r.Status, r.Location, r.Body)
		}
		newbie, err := app.Store.AdministratorByEmail(webtest.Ctx(), tn.ID, "newbie@example.com")
		if err != nil || newbie.Status != models.AdminInvited {
			t.Fatalf("newbie: %+v %v", newbie, err)
		}
		tenantRoles, inWs := bindingsOf(t, db, newbie.ID)
		if len(tenantRoles) != 0 || len(inWs) != 1 || strings.Join(inWs[alpha.ID], ",") != "workspace_auditor" {
			t.Fatalf("bindings: %v %v", tenantRoles, inWs)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.AuditEvent{}).Where("action = ? AND target_label = ? AND workspace_id = ?", "administrator.created", "newbie@example.com", alpha.ID)); n != 1 {
			t.Errorf("audit events: %d", n)
		}
		// Accepted while the inviter backs it: the invitee is in.
		nc := app.Client()
		tok := invitationTokenOf(t, app, "newbie@example.com")
		ir := nc.Submit("/invitations/"+tok, "/invitations/"+tok, url.Values{"given_name": {"New"}, "family_name": {"Bie"},
			"password": {webtest.Password}, "password_confirm": {webtest.Password}})
		if ir.Status != http.StatusSeeOther {
			t.Fatalf("accept: %d\n%s", ir.Status, ir.Body)
		}
		// No escalation: not into another workspace (404: Beta is not theirs), not a tenant role.
		if r := wa.Post("/t/acme/workspaces/beta/access/invite", url.Values{"_csrf": {webtest.CSRFToken(wa.Get(access).Body)},
			"email": {"x@example.com"}, "role": {"workspace_auditor"}}); r.Status != http.StatusNotFound {
			t.Errorf("into Beta: %d", r.Status)
		}
		if r := wa.Submit(access, access+"/invite", url.Values{"email": {"y@example.com"}, "role": {"tenant_admin"}}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("a tenant role: %d", r.Status)
		}
		// A Workspace Auditor cannot.
		if r := aud.Submit(access, access+"/invite", url.Values{"email": {"z@example.com"}, "role": {"workspace_auditor"}}); r.Status != http.StatusForbidden {
			t.Errorf("auditor invites: %d", r.Status)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.Administrator{}).Where("email IN ?", []string{"x@example.com", "y@example.com", "z@example.com"})); n != 0 {
			t.Errorf("%d refused invitees were created", n)
		}
		// A Tenant Admin invites as Workspace Admin.
		if r := owner.Submit(access, access+"/invite", url.Values{"email": {"lead@example.com"}, "given_name": {"Lea"}, "family_name": {"Lead"},
			"role": {"workspace_admin"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("owner invites: %d", r.Status)
		}
	})
}

// bindingOf returns admin's binding of role (in workspace ws, 0: tenant-wide).
func bindingOf(t *testing.T, db modelstest.DB, adminID int64, role string, ws int64) models.RoleBinding {
	t.Helper()
	q := db.DB.Where("administrator_id = ? AND role_key = ?", adminID, role)
	if ws == 0 {
		q = q.Where("workspace_id IS NULL")
	} else {
		q = q.Where("workspace_id = ?", ws)
	}
	var b models.RoleBinding
	modelstest.Must(t, q.Take(&b))
	return b
}

func bindingExists(t *testing.T, db modelstest.DB, id int64) bool {
	t.Helper()
	return modelstest.Count(t, db.DB.Model(&models.RoleBinding{}).Where("id = ?", id)) == 1
}

// TestRemovingYourOwnWorkspaceRole (issue 10, #2): a Workspace Admin
// removing their own role is told they are removing themselves and asked;
// the last Workspace Admin of a workspace is removed only by a Tenant Admin.
func TestRemovingYourOwnWorkspaceRole(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		owner, tn, _ := app.Owner("acme", "owner@example.com")
		alpha := app.Workspace(tn, "alpha", "Alpha")
		one, wa1 := app.SignedInWithWorkspaceRole(tn, "one@example.com", alpha, "workspace_admin", "tenant_member")
		two, wa2 := app.SignedInWithWorkspaceRole(tn, "two@example.com", alpha, "workspace_admin", "tenant_member")
		const access = "/t/acme/workspaces/alpha/access"
		b1, b2 := bindingOf(t, db, wa1.ID, "workspace_admin", alpha.ID), bindingOf(t, db, wa2.ID, "workspace_admin", alpha.ID)
		del := func(b models.RoleBinding) string { return access + "/" + fmt.Sprint(b.ID) + "/delete" }
		// Their own row says so; another's does not.
		doc := page(t, one.Get(access))
		if doc.Find(`form[action="`+del(b1)+`"] [data-testid="remove-own"]`).Length() != 1 || doc.Find(`form[action="`+del(b2)+`"][data-confirm]`).Length() != 1 {
			t.Fatal("Manage Access does not tell one's own row apart")
		}
		// Without the confirmation: the question, nothing removed.
		r := one.Submit(access, del(b1), nil)
		if r.Status != http.StatusOK || !strings.Contains(r.Body, "You are removing yourself") || page(t, r).Find(`input[name="confirm"][value="yes"]`).Length() != 1 {
			t.Fatalf("no question: %d", r.Status)
		}
		if !bindingExists(t, db, b1.ID) {
			t.Fatal("removed without confirmation")
		}
		// Confirmed: gone, and One no longer sees Alpha.
		r = one.Submit(access, del(b1), url.Values{"confirm": {"yes"}})
		if r.Status != http.StatusSeeOther || r.Location != "/t/acme/" || bindingExists(t, db, b1.ID) {
			t.Fatalf("confirmed: %d %s", r.Status, r.Location)
		}
		// Two is now the last Workspace Admin: refused, confirmed or not.
		for _, vals := range []url.Values{nil, {"confirm": {"yes"}}} {
			r := two.Submit(access, del(b2), vals)
			if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "Only a Tenant Admin can remove the last Workspace Admin") {
				t.Errorf("last Workspace Admin (%v): %d", vals, r.Status)
			}
		}
		if !bindingExists(t, db, b2.ID) {
			t.Fatal("the last Workspace Admin was removed")
		}
		// A Tenant Admin may.
		if r := owner.Submit(access, del(b2), nil); r.Status != http.StatusSeeOther || bindingExists(t, db, b2.ID) {
			t.Fatalf("Tenant Admin removes the last: %d", r.Status)
		}
	})
}

// TestRemovingYourOwnTenantAdminRole (issue 10, #7): on your own profile,
// removing your own Tenant Admin says what it means and asks; the last
// Tenant Admin is refused at once.
func TestRemovingYourOwnTenantAdminRole(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		owner, tn, me := app.Owner("acme", "owner@example.com")
		profile := adminsURL + "/" + fmt.Sprint(me.ID)
		mine := bindingOf(t, db, me.ID, "tenant_admin", 0)
		del := profile + "/roles/" + fmt.Sprint(mine.ID) + "/delete"
		if page(t, owner.Get(profile)).Find(`form[action="`+del+`"] [data-testid="remove-own"]`).Length() != 1 {
			t.Fatal("own Tenant Admin has the plain Remove")
		}
		for _, vals := range []url.Values{nil, {"confirm": {"yes"}}} {
			r := owner.Submit(profile, del, vals)
			if r.Status != http.StatusForbidden || page(t, r).Find(`[data-testid="own-role-refused"]`).Length() != 1 {
				t.Errorf("last Tenant Admin (%v): %d", vals, r.Status)
			}
		}
		if !bindingExists(t, db, mine.ID) {
			t.Fatal("the last Tenant Admin removed their role")
		}
		// With a second Tenant Admin: asked, then done.
		other := app.AdminWithRoles(tn, "second@example.com", "tenant_admin")
		r := owner.Submit(profile, del, nil)
		if r.Status != http.StatusOK || page(t, r).Find(`[data-testid="own-role-means"] li`).Length() == 0 || !bindingExists(t, db, mine.ID) {
			t.Fatalf("no question: %d", r.Status)
		}
		// Someone else's Tenant Admin is not asked about on this page.
		theirs := bindingOf(t, db, other.ID, "tenant_admin", 0)
		otherProfile := adminsURL + "/" + fmt.Sprint(other.ID)
		if page(t, owner.Get(otherProfile)).Find(`[data-testid="remove-own"]`).Length() != 0 {
			t.Error("another's role is offered as one's own")
		}
		r = owner.Submit(profile, del, url.Values{"confirm": {"yes"}})
		if r.Status != http.StatusSeeOther || bindingExists(t, db, mine.ID) {
			t.Fatalf("confirmed: %d", r.Status)
		}
		if !bindingExists(t, db, theirs.ID) {
			t.Fatal("the other Tenant Admin lost theirs")
		}
	})
}

// TestPickerIsNarrowForWorkspaceAdmins (issue 10, #6): a viewer who may not
// read the Administrators list (a Workspace Admin) gets picker matches only
// after 3 typed characters, at most 10; a Tenant Admin keeps the full picker.
func TestPickerIsNarrowForWorkspaceAdmins(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		owner, tn, _ := app.Owner("acme", "owner@example.com")
		alpha := app.Workspace(tn, "alpha", "Alpha")
		for i := 0; i < 25; i++ {
			app.AdminWithRoles(tn, fmt.Sprintf("staff%02d@example.com", i), "tenant_member")
		}
		wa, _ := app.SignedInWithWorkspaceRole(tn, "wa@example.com", alpha, "workspace_admin")
		const access = "/t/acme/workspaces/alpha/access"
		get := func(c *webtest.Client, q string) []models.Candidate {
			r := c.Get(access + "/candidates?q=" + url.QueryEscape(q))
			if r.Status != http.StatusOK {
				t.Fatalf("candidates %q: %d", q, r.Status)
			}
			var out struct{ Candidates []models.Candidate }
			if err := json.Unmarshal([]byte(r.Body), &out); err != nil {
				t.Fatal(err)
			}
			return out.Candidates
		}
		for _, q := range []string{"", "s", "st", "  st  ", "éé"} {
			if got := get(wa, q); len(got) != 0 {
				t.Errorf("Workspace Admin, %q: %d candidates", q, len(got))
			}
		}
		if got := get(wa, "sta"); len(got) != 10 {
			t.Errorf("Workspace Admin, \"sta\": %d candidates, want 10", len(got))
		}
		if got := get(wa, "staff07"); len(got) != 1 || got[0].Email != "staff07@example.com" {
			t.Errorf("Workspace Admin, staff07: %+v", got)
		}
		if got := get(owner, ""); len(got) != models.CandidatesMax {
			t.Errorf("Tenant Admin, empty: %d, want %d", len(got), models.CandidatesMax)
		}
		if got := get(owner, "sta"); len(got) != models.CandidatesMax {
			t.Errorf("Tenant Admin, \"sta\": %d", len(got))
		}
		// The page tells the Workspace Admin (and the picker's script) the minimum.
		if page(t, wa.Get(access)).Find(`input[name="user"][data-min-chars="3"]`).Length() != 1 {
			t.Error("no data-min-chars for the Workspace Admin")
		}
		if page(t, owner.Get(access)).Find(`input[name="user"][data-min-chars]`).Length() != 0 {
			t.Error("the Tenant Admin's picker is narrowed")
		}
	})
}
