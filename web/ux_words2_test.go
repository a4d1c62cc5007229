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
)

// TestNoRolesHintFitsTheViewer (issue 10, #9): with no member roles yet,
// the Invitations tab sends those who may create roles to User Management >
// Roles and tells Editor - Organizations, who may not, to ask a Tenant Admin.
func TestNoRolesHintFitsTheViewer(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		owner, tn, _ := app.Owner("acme", "owner@example.com")
		app.Organization(tn, "initech", "Initech")
		editor, _ := app.SignedInAs(tn, "editor@example.com", "editor_organizations")
		const inv = "/t/acme/organizations/initech/invitations"
		hint := page(t, editor.Get(inv)).Find(`[data-testid="no-roles"]`)
		if !strings.Contains(hint.Text(), "Ask a Tenant Admin") || hint.Find(`a[href="/t/acme/roles"]`).Length() != 0 {
			t.Errorf("Editor - Organizations is told %q", strings.Join(strings.Fields(hint.Text()), " "))
		}
		hint = page(t, owner.Get(inv)).Find(`[data-testid="no-roles"]`)
		if strings.Contains(hint.Text(), "Ask a Tenant Admin") || hint.Find(`a[href="/t/acme/roles"]`).Length() != 1 {
			t.Errorf("the Tenant Admin is told %q", strings.Join(strings.Fields(hint.Text()), " "))
		}
	})
}

// TestAuditLogReadsAsWords (issue 10, #11): actions in words with the code
// on hover, targets that exist linked, times shown as ISO 8601 UTC and a
// shown time accepted by the filter as it is; Editor - Users sees user
// management only (not administrators' sign-ins), in the page, the action
// choices and the export.
func TestAuditLogReadsAsWords(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		owner, tn, me := app.Owner("acme", "owner@example.com")
		if _, err := app.Store.CreateUser(webtest.Ctx(), tn.ID, models.CreateUserInput{Email: "enduser@example.com"}, models.Actor{Email: "owner@example.com"}); err != nil {
			t.Fatal(err)
		}
		doc := page(t, owner.Get("/t/acme/audit"))
		signIn := doc.Find(`td.audit-action a[data-action="administrator.signed_in"]`).First()
		if strings.TrimSpace(signIn.Text()) != "Administrator signed in" || signIn.AttrOr("title", "") != "administrator.signed_in" {
			t.Errorf("sign-in action reads %q, title %q", signIn.Text(), signIn.AttrOr("title", ""))
		}
		if doc.Find(`td.audit-target a[href="/t/acme/settings/administrators/`+fmt.Sprint(me.ID)+`"]`).Length() == 0 {
			t.Error("the owner, who exists, is not linked as a target")
		}
		shown := strings.TrimSpace(doc.Find("td.audit-time time").First().Text())
		if _, err := time.Parse("2006-01-02T15:04:05Z", shown); err != nil {
			t.Fatalf("time shown as %q: %v", shown, err)
		}
		// The filter takes a shown time as it is (and shows it back the same way).
		r := owner.Get("/t/acme/audit?from=" + url.QueryEscape(shown))
		if r.Status != http.StatusOK || page(t, r).Find(`input[name="from"]`).AttrOr("value", "") != shown {
			t.Errorf("from=%s: %d, kept %q", shown, r.Status, page(t, r).Find(`input[name="from"]`).AttrOr("value", ""))
		}
		if page(t, r).Find(`input[name="from"][type="datetime-local"]`).Length() != 0 {
			t.Error("the filter still uses the browser's own date format")
		}
		// Editor - Users: user management only.
		ed, _ := app.SignedInAs(tn, "editor@example.com", "editor_users")
		r = ed.Get("/t/acme/audit")
		if r.Status != http.StatusOK {
			t.Fatalf("Editor - Users: %d", r.Status)
		}
		doc = page(t, r)
		if doc.Find(`[data-action="user.created"]`).Length() != 1 {
			t.Error("Editor - Users does not see user.created")
		}
		if n := doc.Find(`[data-action^="administrator."]`).Length() + doc.Find(`option[value^="administrator."]`).Length(); n != 0 {
			t.Errorf("Editor - Users sees %d administrator events or choices", n)
		}
		if r := ed.Get("/t/acme/audit?action=administrator.signed_in"); auditRows(r.Body) != 0 {
			t.Error("Editor - Users lists administrators' sign-ins when asked")
		}
		if r := ed.Get("/t/acme/audit/export.csv"); r.Status != http.StatusOK || strings.Contains(r.Body, "administrator.") || !strings.Contains(r.Body, "user.created") {
			t.Errorf("Editor - Users' export: %d\n%s", r.Status, r.Body)
		}
		// The Tenant Auditor still reads everything.
		au, _ := app.SignedInAs(tn, "auditor@example.com", "tenant_auditor")
		if r := au.Get("/t/acme/audit?action=administrator.signed_in"); auditRows(r.Body) == 0 {
			t.Error("the Tenant Auditor no longer sees sign-ins")
		}
	})
}

// TestMembersBulkActionsAndSearch (issue 10, #5): Add member at the top,
// search among members, and bulk remove or role assignment of the ticked
// members in one transaction (audited per member); a member of another
// organization in the batch refuses it whole; Tenant Auditors may not.
func TestMembersBulkActionsAndSearch(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		owner, tn, _ := app.Owner("acme", "owner@example.com")
		o := app.Organization(tn, "initech", "Initech")
		other := app.Organization(tn, "globex", "Globex")
		role := app.OrgRole(tn, "billing", "Pays the bills")
		var users []models.User
		for _, n := range []string{"ann", "ben", "cat", "dan"} {
			u := app.OrgUser(tn, n+"@example.com", strings.ToUpper(n[:1])+n[1:], "Member")
			users = append(users, u)
			if _, err := app.Store.AddOrganizationMember(webtest.Ctx(), tn.ID, o.ID, u.Email, models.Actor{}); err != nil {
				t.Fatal(err)
			}
		}
		outsider := app.OrgUser(tn, "out@example.com", "Out", "Sider")
		if _, err := app.Store.AddOrganizationMember(webtest.Ctx(), tn.ID, other.ID, outsider.Email, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		const members = "/t/acme/organizations/initech/members"
		doc := page(t, owner.Get(members))
		add, list := doc.Find("#add-members"), doc.Find("#members")
		if add.Length() != 1 || list.Length() != 1 || len(add.PrevAll().Nodes) > len(list.PrevAll().Nodes) {
			t.Error("Add member is not above the members")
		}
		if doc.Find(`input[type="checkbox"][name="member"][form="bulk"]`).Length() != 4 {
			t.Fatal("no checkboxes")
		}
		// Search among members.
		if r := page(t, owner.Get(members+"?q=BEN")); r.Find(`input[name="member"]`).Length() != 1 || !strings.Contains(r.Find("#members").Text(), "ben@example.com") {
			t.Error("search among members")
		}
		memberCount := func() int64 {
			return modelstest.Count(t, db.DB.Model(&models.OrganizationMember{}).Where("organization_id = ?", o.ID))
		}
		id := func(u models.User) string { return fmt.Sprint(u.ID) }
		// Nothing ticked: the message, nothing changed.
		if r := owner.Submit(members, members+"/bulk", url.Values{"op": {"remove"}}); r.Status != http.StatusUnprocessableEntity || page(t, r).Find("#e-bulk").Length() != 1 {
			t.Errorf("nothing ticked: %d", r.Status)
		}
		// A member of another organization in the batch: refused whole.
		if r := owner.Submit(members, members+"/bulk", url.Values{"op": {"remove"}, "member": {id(users[0]), id(outsider)}}); r.Status != http.StatusNotFound || memberCount() != 4 {
			t.Errorf("outsider in the batch: %d, %d members", r.Status, memberCount())
		}
		// A Tenant Auditor may not.
		aud, _ := app.SignedInAs(tn, "aud@example.com", "tenant_auditor")
		if r := aud.Submit(members, members+"/bulk", url.Values{"op": {"remove"}, "member": {id(users[0])}}); r.Status != http.StatusForbidden || memberCount() != 4 {
			t.Errorf("auditor: %d", r.Status)
		}
		// Give a role to three, then remove two.
		before := modelstest.Count(t, db.DB.Model(&models.AuditEvent{}))
		r := owner.Submit(members, members+"/bulk", url.Values{"op": {"assign_role"}, "role": {fmt.Sprint(role.ID)}, "member": {id(users[0]), id(users[1]), id(users[2])}})
		if r.Status != http.StatusSeeOther || r.Location != members {
			t.Fatalf("assign: %d %s", r.Status, r.Location)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.OrganizationMemberRole{}).Where("role_id = ?", role.ID)); n != 3 {
			t.Errorf("%d members hold the role, want 3", n)
		}
		r = owner.Submit(members, members+"/bulk", url.Values{"op": {"remove"}, "member": {id(users[0]), id(users[3])}})
		if r.Status != http.StatusSeeOther || memberCount() != 2 {
			t.Fatalf("remove: %d, %d members", r.Status, memberCount())
		}
		if n := modelstest.Count(t, db.DB.Model(&models.AuditEvent{})) - before; n != 5 {
			t.Errorf("%d audit events, want one per member changed (5)", n)
		}
	})
}
