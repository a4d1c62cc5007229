package web_test

import (
	"strings"
	"testing"

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
