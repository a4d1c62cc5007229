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
