package web_test

import (
	"fmt"
	"net/http"
	"testing"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/webtest"
)

// TestAPIAdministratorsAndAccess: a Tenant Admin token invites an
// administrator (e-mailed, audited with the token as actor), assigns and
// removes roles, deactivates and reactivates; the rules of the console
// hold (granting Tenant Admin needs a step-up a token cannot give, the
// token's creator cannot be deactivated through it, the last Tenant Admin
// stays). A Workspace Admin token manages access in its workspace only.
func TestAPIAdministratorsAndAccess(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		_, tn, owner := app.Owner("acme", "owner@example.com")
		tok := apiToken(t, app, tn, "", "tenant_admin")

		r := apiDo(t, app, tok, http.MethodPost, "/api/v1/administrators", "", map[string]string{"email": "ann@example.com", "given_name": "Ann", "family_name": "Lee", "role": "tenant_auditor"})
		var a struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
			Roles  []struct {
				ID   int64  `json:"id"`
				Role string `json:"role"`
			} `json:"roles"`
		}
		r.JSON(t, &a)
		if r.Status != http.StatusCreated || a.Status != "invited" || len(a.Roles) != 1 || a.Roles[0].Role != "tenant_auditor" {
			t.Fatalf("invite: %d %s", r.Status, r.Body)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.OutboxEmail{}).Where("to_addr = ?", "ann@example.com")); n != 1 {
			t.Fatalf("%d invitation e-mails", n)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.AuditEvent{}).Where("action = ? AND actor_email LIKE ? AND actor_id IS NULL", "administrator.created", "api-token #%")); n != 1 {
			t.Fatalf("%d creation events by the token", n)
		}
		// Granting Tenant Admin needs a step-up: never through a token.
		r = apiDo(t, app, tok, http.MethodPost, fmt.Sprintf("/api/v1/administrators/%d/roles", a.ID), "", map[string]string{"role": "tenant_admin"})
		if _, fields := r.apiError(t); r.Status != http.StatusUnprocessableEntity || fields["password"] == "" {
			t.Fatalf("Tenant Admin: %d %s", r.Status, r.Body)
		}
		r = apiDo(t, app, tok, http.MethodPost, fmt.Sprintf("/api/v1/administrators/%d/roles", a.ID), "", map[string]string{"role": "editor_users", "expires_at": "2099-01-01"})
		if r.Status != http.StatusCreated {
			t.Fatalf("assign: %d %s", r.Status, r.Body)
		}
		r.JSON(t, &a)
		if len(a.Roles) != 2 {
			t.Fatalf("roles %+v", a.Roles)
		}
		if r := apiDo(t, app, tok, http.MethodPost, fmt.Sprintf("/api/v1/administrators/%d/roles", a.ID), "", map[string]string{"role": "nope"}); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("unknown role: %d", r.Status)
		}
		r = apiDo(t, app, tok, http.MethodDelete, fmt.Sprintf("/api/v1/administrators/%d/roles/%d", a.ID, a.Roles[0].ID), "", nil)
		if r.Status != http.StatusOK {
			t.Fatalf("remove: %d %s", r.Status, r.Body)
		}
		// The token's creator: not deactivated through their own token, and the last Tenant Admin anyway.
		r = apiDo(t, app, tok, http.MethodPost, fmt.Sprintf("/api/v1/administrators/%d/status", owner.ID), "", map[string]string{"status": "inactive"})
		if code, _ := r.apiError(t); r.Status != http.StatusConflict || code != "conflict" {
			t.Fatalf("deactivate the creator: %d %s", r.Status, r.Body)
		}
		if r := apiDo(t, app, tok, http.MethodGet, fmt.Sprintf("/api/v1/administrators/%d", a.ID), "", nil); r.Status != http.StatusOK {
			t.Fatalf("get: %d", r.Status)
		}
		if r := apiDo(t, app, tok, http.MethodGet, "/api/v1/administrators/999999", "", nil); r.Status != http.StatusNotFound {
			t.Fatalf("unknown: %d", r.Status)
		}

		// Workspace access with a Workspace Admin token of sales.
		sales := app.Workspace(tn, "sales", "Sales")
		app.Workspace(tn, "hr", "HR")
		aud := app.AdminWithRoles(tn, "aud@example.com", "tenant_member")
		wsTok := apiToken(t, app, tn, "sales", "workspace_admin")
		r = apiDo(t, app, wsTok, http.MethodPost, "/api/v1/workspaces/sales/access", "", map[string]string{"user": aud.Email, "role": "workspace_auditor"})
		var acc struct {
			ID int64 `json:"id"`
		}
		r.JSON(t, &acc)
		if r.Status != http.StatusCreated || acc.ID == 0 {
			t.Fatalf("grant: %d %s", r.Status, r.Body)
		}
		if r := apiDo(t, app, wsTok, http.MethodPost, "/api/v1/workspaces/hr/access", "", map[string]string{"user": aud.Email, "role": "workspace_auditor"}); r.Status != http.StatusNotFound {
			t.Fatalf("another workspace: %d", r.Status)
		}
		var list struct {
			Data []struct {
				Email string `json:"email"`
			} `json:"data"`
		}
		apiDo(t, app, wsTok, http.MethodGet, "/api/v1/workspaces", "", nil).JSON(t, &list)
		if len(list.Data) != 1 {
			t.Fatalf("the token sees %d workspaces, want its one", len(list.Data))
		}
		apiDo(t, app, wsTok, http.MethodGet, "/api/v1/workspaces/sales/access", "", nil).JSON(t, &list)
		if len(list.Data) != 1 || list.Data[0].Email != aud.Email {
			t.Fatalf("access %+v", list)
		}
		if r := apiDo(t, app, wsTok, http.MethodDelete, fmt.Sprintf("/api/v1/workspaces/sales/access/%d", acc.ID), "", nil); r.Status != http.StatusNoContent {
			t.Fatalf("revoke: %d %s", r.Status, r.Body)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.RoleBinding{}).Where("administrator_id = ? AND workspace_id = ?", aud.ID, sales.ID)); n != 0 {
			t.Fatal("binding still there")
		}
		r = apiDo(t, app, wsTok, http.MethodPatch, "/api/v1/workspaces/sales", "", map[string]string{"name": "Sales EU", "slug": "sales"})
		if r.Status != http.StatusOK {
			t.Fatalf("update: %d %s", r.Status, r.Body)
		}
	})
}

// TestAPIUsersConnectionsRoles: create, read, update and delete each,
// through a Tenant Admin token.
func TestAPIUsersConnectionsRoles(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		_, tn, _ := app.Owner("acme", "owner@example.com")
		tok := apiToken(t, app, tn, "", "tenant_admin")
		var obj struct {
			ID int64 `json:"id"`
		}
		for _, c := range []struct {
			base        string
			create, upd any
		}{
			{"/api/v1/users", map[string]string{"email": "u@example.com"}, map[string]string{"given_name": "Una"}},
			{"/api/v1/connections", map[string]string{"name": "corp", "strategy": "database"}, map[string]any{"display_name": "Corp", "enabled": false}},
			{"/api/v1/roles", map[string]string{"name": "viewer"}, map[string]string{"name": "viewer", "description": "Views"}},
		} {
			r := apiDo(t, app, tok, http.MethodPost, c.base, "", c.create)
			r.JSON(t, &obj)
			if r.Status != http.StatusCreated || obj.ID == 0 {
				t.Fatalf("create %s: %d %s", c.base, r.Status, r.Body)
			}
			one := fmt.Sprintf("%s/%d", c.base, obj.ID)
			if r := apiDo(t, app, tok, http.MethodPatch, one, "", c.upd); r.Status != http.StatusOK {
				t.Fatalf("update %s: %d %s", one, r.Status, r.Body)
			}
			if r := apiDo(t, app, tok, http.MethodGet, c.base, "", nil); r.Status != http.StatusOK {
				t.Fatalf("list %s: %d", c.base, r.Status)
			}
			if r := apiDo(t, app, tok, http.MethodDelete, one, "", nil); r.Status != http.StatusNoContent {
				t.Fatalf("delete %s: %d %s", one, r.Status, r.Body)
			}
			if r := apiDo(t, app, tok, http.MethodGet, one, "", nil); r.Status != http.StatusNotFound {
				t.Fatalf("deleted %s: %d", one, r.Status)
			}
		}
		var u struct {
			GivenName string `json:"given_name"`
			Email     string `json:"email"`
		}
		r := apiDo(t, app, tok, http.MethodPost, "/api/v1/users", "", map[string]string{"email": "v@example.com", "given_name": "Vee"})
		r.JSON(t, &obj)
		apiDo(t, app, tok, http.MethodPatch, fmt.Sprintf("/api/v1/users/%d", obj.ID), "", map[string]string{"family_name": "Dub"}).JSON(t, &u)
		if u.GivenName != "Vee" || u.Email != "v@example.com" {
			t.Fatalf("a partial update lost fields: %+v", u)
		}
	})
}

// TestAPIIdentityPools: pools listed with their user counts; users of the
// Users pool created, read and switched off by an Editor - Users token,
// which gets 403 in the Administrators pool; a Tenant Admin token invites
// an administrator through the Administrators pool.
func TestAPIIdentityPools(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		_, tn, _ := app.Owner("acme", "owner@example.com")
		admin := apiToken(t, app, tn, "", "tenant_admin")
		editor := apiToken(t, app, tn, "", "editor_users")
		var pools struct {
			Data []struct {
				Slug  string `json:"slug"`
				Users *int64 `json:"users"`
			} `json:"data"`
		}
		apiDo(t, app, admin, http.MethodGet, "/api/v1/identity-pools", "", nil).JSON(t, &pools)
		if len(pools.Data) < 2 || pools.Data[0].Slug != "administrators" || pools.Data[0].Users == nil || *pools.Data[0].Users != 1 {
			t.Fatalf("pools %+v", pools)
		}
		if r := apiDo(t, app, editor, http.MethodGet, "/api/v1/identity-pools", "", nil); r.Status != http.StatusForbidden {
			t.Fatalf("editor lists pools: %d", r.Status)
		}
		var u struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
		}
		r := apiDo(t, app, editor, http.MethodPost, "/api/v1/identity-pools/users/users", "", map[string]string{"email": "eve@example.com", "given_name": "Eve"})
		r.JSON(t, &u)
		if r.Status != http.StatusCreated || u.ID == 0 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		one := fmt.Sprintf("/api/v1/identity-pools/users/users/%d", u.ID)
		if r := apiDo(t, app, editor, http.MethodGet, one, "", nil); r.Status != http.StatusOK {
			t.Fatalf("get: %d", r.Status)
		}
		apiDo(t, app, editor, http.MethodPost, one+"/status", "", map[string]string{"status": "inactive"}).JSON(t, &u)
		if u.Status != "inactive" {
			t.Fatalf("status %q", u.Status)
		}
		if r := apiDo(t, app, editor, http.MethodGet, "/api/v1/identity-pools/administrators/users", "", nil); r.Status != http.StatusForbidden {
			t.Fatalf("editor in the Administrators pool: %d", r.Status)
		}
		if r := apiDo(t, app, admin, http.MethodGet, "/api/v1/identity-pools/nope/users", "", nil); r.Status != http.StatusNotFound {
			t.Fatalf("unknown pool: %d", r.Status)
		}
		r = apiDo(t, app, admin, http.MethodPost, "/api/v1/identity-pools/administrators/users", "", map[string]string{"email": "new-admin@example.com", "given_name": "New", "family_name": "Admin"})
		if r.Status != http.StatusCreated {
			t.Fatalf("invite through the pool: %d %s", r.Status, r.Body)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.Administrator{}).Where("email = ? AND status = ?", "new-admin@example.com", models.AdminInvited)); n != 1 {
			t.Fatal("no invited administrator")
		}
	})
}
