package web_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/webtest"
)

type apiIDPBody struct {
	ID              int64  `json:"id"`
	Name            string `json:"name"`
	Method          string `json:"method"`
	ClientSecretSet bool   `json:"client_secret_set"`
	EntityID        string `json:"entity_id"`
	SSOURL          string `json:"sso_url"`
	BuiltIn         bool   `json:"built_in"`
	Enabled         bool   `json:"enabled"`
	Version         int64  `json:"version"`
}

// TestAPIIdentityProvidersScript: a Tenant Admin token makes an OIDC
// identity provider (its client secret write-only: in no answer, kept when
// an update does not send it, replaced when it does), a SAML one from
// metadata (bad metadata: 422 beside metadata_xml), meets a version
// conflict, is refused the Built in Admin IDP's deletion (409, nothing
// deleted), gets 404 for another tenant's or another workspace's IDP, and
// deletes one; the audit events name the token.
func TestAPIIdentityProvidersScript(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		// A legacy tenant: its Admin workspace has the Built in Admin IDP.
		tn, _, _, err := app.Store.CreateTenant(webtest.Ctx(), models.CreateTenantInput{Slug: "acme", Name: "Acme", Plan: models.PlanEnterprise,
			AdminEmail: "first@acme.example", Legacy: true}, models.Actor{Email: "test"})
		if err != nil {
			t.Fatal(err)
		}
		app.AdminWithRoles(tn, "admin@acme.example", "tenant_admin")
		sales := app.Workspace(tn, "sales", "Sales")
		hr := app.Workspace(tn, "hr", "HR")
		_, other, _ := app.Owner("beta", "owner@beta.example.com")
		otherIDP, _, _, _ := newIDPThemePermFixture(t, app, other, app.Workspace(other, "sales", "Sales"))
		hrIDP, _, _, _ := newIDPThemePermFixture(t, app, tn, hr)
		tok := apiToken(t, app, tn, "", "tenant_admin")
		label := lastTokenLabel(t, app, tn)
		base := "/api/v1/workspaces/sales/idps"
		var bodies []string
		do := func(method, path string, body any) apiResponse {
			r := apiDo(t, app, tok, method, path, "", body)
			bodies = append(bodies, r.Body)
			return r
		}

		const secret1, secret2 = "first-client-secret-4711", "second-client-secret-0815"
		r := do(http.MethodPost, base, map[string]any{"name": "Corp", "method": "oidc", "issuer_url": "https://login.corp.example.com",
			"client_id": "gatehouse", "client_secret": secret1})
		var p apiIDPBody
		r.JSON(t, &p)
		if r.Status != http.StatusCreated || p.ID == 0 || !p.ClientSecretSet || !p.Enabled || p.Version != 1 || p.Method != "oidc" {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		item := fmt.Sprintf("%s/%d", base, p.ID)
		if r := do(http.MethodGet, item, nil); r.Status != http.StatusOK || strings.Contains(r.Body, `"client_secret"`) {
			t.Fatalf("get: %d %s", r.Status, r.Body)
		}
		// A secret the method needs is required (beside its field).
		r = do(http.MethodPost, base, map[string]any{"name": "No secret", "method": "github", "client_id": "x"})
		if _, fields := r.apiError(t); r.Status != http.StatusUnprocessableEntity || fields["client_secret"] == "" {
			t.Fatalf("no secret: %d %s", r.Status, r.Body)
		}
		// An update without the secret keeps it.
		r = do(http.MethodPatch, item, map[string]any{"version": p.Version, "name": "Corp SSO"})
		var up apiIDPBody
		r.JSON(t, &up)
		if r.Status != http.StatusOK || up.Name != "Corp SSO" || !up.ClientSecretSet || up.Version != p.Version+1 {
			t.Fatalf("rename: %d %s", r.Status, r.Body)
		}
		stored := func() string {
			t.Helper()
			got, err := app.Store.IDPByID(webtest.Ctx(), tn.ID, sales.ID, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			s, err := app.Store.OpenIDPSecret(got)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		if s := stored(); s != secret1 {
			t.Fatalf("the secret was not kept: %q", s)
		}
		// The version read before is stale: 409, nothing saved.
		r = do(http.MethodPatch, item, map[string]any{"version": p.Version, "client_secret": secret2})
		if code, fields := r.apiError(t); r.Status != http.StatusConflict || code != "conflict" || fields["version"] == "" {
			t.Fatalf("stale: %d %s", r.Status, r.Body)
		}
		if s := stored(); s != secret1 {
			t.Fatal("a stale update changed the secret")
		}
		r = do(http.MethodPatch, item, map[string]any{"version": up.Version, "client_secret": secret2})
		r.JSON(t, &up)
		if r.Status != http.StatusOK || up.Version != p.Version+2 || stored() != secret2 {
			t.Fatalf("new secret: %d %s", r.Status, r.Body)
		}

		// SAML: the metadata as XML text, read as the console reads it.
		r = do(http.MethodPost, base, map[string]any{"name": "Partner", "method": "saml", "metadata_xml": "<md:EntityDescriptor/>"})
		if _, fields := r.apiError(t); r.Status != http.StatusUnprocessableEntity || fields["metadata_xml"] == "" {
			t.Fatalf("bad metadata: %d %s", r.Status, r.Body)
		}
		r = do(http.MethodPost, base, map[string]any{"name": "Partner", "method": "saml", "metadata_xml": `<!DOCTYPE x [<!ENTITY e "x">]><x/>`})
		if _, fields := r.apiError(t); r.Status != http.StatusUnprocessableEntity || fields["metadata_xml"] == "" {
			t.Fatalf("DOCTYPE: %d %s", r.Status, r.Body)
		}
		r = do(http.MethodPost, base, map[string]any{"name": "Partner", "method": "saml",
			"metadata_xml": samlMetadata(t, "https://idp.partner.example.com", time.Now().Add(200*24*time.Hour))})
		var saml apiIDPBody
		r.JSON(t, &saml)
		if r.Status != http.StatusCreated || saml.EntityID != "https://idp.partner.example.com" || saml.SSOURL != "https://idp.example.com/sso" || saml.ClientSecretSet {
			t.Fatalf("saml: %d %s", r.Status, r.Body)
		}

		// The list pages by name.
		r = do(http.MethodGet, base+"?limit=1", nil)
		var pg struct {
			Data []apiIDPBody `json:"data"`
			Next *string      `json:"next_cursor"`
		}
		r.JSON(t, &pg)
		if r.Status != http.StatusOK || len(pg.Data) != 1 || pg.Data[0].Name != "Corp SSO" || pg.Next == nil {
			t.Fatalf("page 1: %d %s", r.Status, r.Body)
		}
		r = do(http.MethodGet, base+"?limit=1&cursor="+*pg.Next, nil)
		r.JSON(t, &pg)
		if r.Status != http.StatusOK || len(pg.Data) != 1 || pg.Data[0].Name != "Partner" || pg.Next != nil {
			t.Fatalf("page 2: %d %s", r.Status, r.Body)
		}

		// The Built in Admin IDP: never deleted.
		r = do(http.MethodGet, "/api/v1/workspaces/admin/idps", nil)
		r.JSON(t, &pg)
		var builtIn apiIDPBody
		for _, x := range pg.Data {
			if x.BuiltIn {
				builtIn = x
			}
		}
		if r.Status != http.StatusOK || builtIn.ID == 0 || builtIn.Name != models.BuiltInAdminIDPName {
			t.Fatalf("admin IDPs: %d %s", r.Status, r.Body)
		}
		before := ws14bCounts(t, db.DB)
		r = do(http.MethodDelete, fmt.Sprintf("/api/v1/workspaces/admin/idps/%d", builtIn.ID), nil)
		if code, _ := r.apiError(t); r.Status != http.StatusConflict || code != "conflict" || !strings.Contains(r.Body, "Built in Admin IDP") {
			t.Fatalf("delete built-in: %d %s", r.Status, r.Body)
		}
		// Turning it off is refused beside the field, as on its page.
		r = do(http.MethodPatch, fmt.Sprintf("/api/v1/workspaces/admin/idps/%d", builtIn.ID), map[string]any{"version": builtIn.Version, "enabled": false})
		if _, fields := r.apiError(t); r.Status != http.StatusUnprocessableEntity || fields["enabled"] == "" {
			t.Fatalf("disable built-in: %d %s", r.Status, r.Body)
		}

		// Another tenant's IDP, and another workspace's through sales's path: 404.
		for _, id := range []int64{otherIDP, hrIDP} {
			path := fmt.Sprintf("%s/%d", base, id)
			for _, c := range []struct {
				method string
				body   any
			}{{http.MethodGet, nil}, {http.MethodPatch, map[string]any{"version": 1, "name": "X"}}, {http.MethodDelete, nil}} {
				if r := do(c.method, path, c.body); r.Status != http.StatusNotFound {
					t.Errorf("%s %s: %d %s", c.method, path, r.Status, r.Body)
				}
			}
		}
		if after := ws14bCounts(t, db.DB); after != before {
			t.Fatalf("refused requests changed something: %s → %s", before, after)
		}
		// A sales token does not see hr at all.
		salesTok := apiToken(t, app, tn, "sales", "workspace_admin")
		if r := apiDo(t, app, salesTok, http.MethodGet, fmt.Sprintf("/api/v1/workspaces/hr/idps/%d", hrIDP), "", nil); r.Status != http.StatusNotFound {
			t.Fatalf("sales token, hr IDP: %d", r.Status)
		}

		if r := do(http.MethodDelete, item, nil); r.Status != http.StatusNoContent {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		if r := do(http.MethodGet, item, nil); r.Status != http.StatusNotFound {
			t.Fatalf("deleted: %d", r.Status)
		}

		// No answer held a secret, nor does the audit log.
		for _, b := range bodies {
			if strings.Contains(b, secret1) || strings.Contains(b, secret2) || strings.Contains(b, "fixture-secret") {
				t.Fatalf("a secret in an answer: %s", b)
			}
		}
		if n := modelstest.Count(t, db.DB.Model(&models.AuditEvent{}).Where("changes LIKE ? OR changes LIKE ?", "%"+secret1+"%", "%"+secret2+"%")); n != 0 {
			t.Fatal("a secret is in the audit log")
		}
		got := apiAuditActions(t, app, apiToken(t, app, tn, "", "tenant_auditor"), label)
		for _, want := range []string{"idp.created", "idp.updated", "idp.deleted"} {
			if !slices.Contains(got, want) {
				t.Errorf("no %s event by %s in %v", want, label, got)
			}
		}
		if strings.Count(strings.Join(got, " "), "idp.created") != 2 || strings.Count(strings.Join(got, " "), "idp.updated") != 2 {
			t.Errorf("events %v", got)
		}
	})
}

// TestAPIThemesAndBindingScript: themes made, changed (version conflict
// 409, invalid fields 422 beside each), bound to a workspace by id or name
// and read back, another tenant's theme refused as a binding and 404 by
// path, a deleted theme unbinding its workspaces; a workspace token reads
// the binding of its workspace only; the audit events name the token.
func TestAPIThemesAndBindingScript(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		_, tn, _ := app.Owner("acme", "owner@example.com")
		app.Workspace(tn, "sales", "Sales")
		_, other, _ := app.Owner("beta", "owner@beta.example.com")
		_, otherTheme, _, _ := newIDPThemePermFixture(t, app, other, app.Workspace(other, "sales", "Sales"))
		tok := apiToken(t, app, tn, "", "tenant_admin")
		label := lastTokenLabel(t, app, tn)

		r := apiDo(t, app, tok, http.MethodPost, "/api/v1/themes", "", map[string]any{"name": "Night", "primary_color": "blue",
			"background_color": "#12345", "font": "Comic", "logo_url": "http://cdn.example.com/x.png"})
		if _, fields := r.apiError(t); r.Status != http.StatusUnprocessableEntity || fields["primary_color"] == "" || fields["background_color"] == "" ||
			fields["font"] == "" || fields["logo_url"] == "" {
			t.Fatalf("invalid theme: %d %s", r.Status, r.Body)
		}
		r = apiDo(t, app, tok, http.MethodPost, "/api/v1/themes", "", map[string]any{"name": "Night", "primary_color": "#112233",
			"background_color": "#000000", "font": "Georgia", "logo_url": "https://cdn.example.com/night.png"})
		var th struct {
			ID           int64  `json:"id"`
			Name         string `json:"name"`
			PrimaryColor string `json:"primary_color"`
			Font         string `json:"font"`
			Version      int64  `json:"version"`
		}
		r.JSON(t, &th)
		if r.Status != http.StatusCreated || th.ID == 0 || th.Font != "Georgia" || th.Version != 1 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		item := fmt.Sprintf("/api/v1/themes/%d", th.ID)
		r = apiDo(t, app, tok, http.MethodPatch, item, "", map[string]any{"version": th.Version, "primary_color": "#AABBCC"})
		v1 := th.Version
		r.JSON(t, &th)
		if r.Status != http.StatusOK || th.PrimaryColor != "#aabbcc" || th.Font != "Georgia" || th.Version != v1+1 {
			t.Fatalf("update: %d %s", r.Status, r.Body)
		}
		r = apiDo(t, app, tok, http.MethodPatch, item, "", map[string]any{"version": v1, "name": "Stale"})
		if code, _ := r.apiError(t); r.Status != http.StatusConflict || code != "conflict" {
			t.Fatalf("stale: %d %s", r.Status, r.Body)
		}
		if r := apiDo(t, app, tok, http.MethodGet, fmt.Sprintf("/api/v1/themes/%d", otherTheme), "", nil); r.Status != http.StatusNotFound {
			t.Fatalf("other tenant's theme: %d", r.Status)
		}

		// The binding: default, set by id, read back, by name, refused for
		// what is not one of the tenant's themes.
		binding := "/api/v1/workspaces/sales/theme"
		type bound struct {
			Theme *struct {
				ID   int64  `json:"id"`
				Name string `json:"name"`
			} `json:"theme"`
		}
		var b bound
		r = apiDo(t, app, tok, http.MethodGet, binding, "", nil)
		r.JSON(t, &b)
		if r.Status != http.StatusOK || b.Theme != nil {
			t.Fatalf("default: %d %s", r.Status, r.Body)
		}
		r = apiDo(t, app, tok, http.MethodPut, binding, "", map[string]any{"theme": fmt.Sprint(th.ID)})
		r.JSON(t, &b)
		if r.Status != http.StatusOK || b.Theme == nil || b.Theme.ID != th.ID {
			t.Fatalf("bind: %d %s", r.Status, r.Body)
		}
		reader := apiToken(t, app, tn, "", "tenant_auditor")
		r = apiDo(t, app, reader, http.MethodGet, binding, "", nil)
		r.JSON(t, &b)
		if r.Status != http.StatusOK || b.Theme == nil || b.Theme.Name != "Night" {
			t.Fatalf("read back: %d %s", r.Status, r.Body)
		}
		if r := apiDo(t, app, reader, http.MethodPut, binding, "", map[string]any{"theme": nil}); r.Status != http.StatusForbidden {
			t.Fatalf("auditor binds: %d %s", r.Status, r.Body)
		}
		// A Workspace Admin of sales: the binding is not among its
		// permissions (403); another workspace is not there at all (404).
		app.Workspace(tn, "hr", "HR")
		salesAdmin := apiToken(t, app, tn, "sales", "workspace_admin")
		if r := apiDo(t, app, salesAdmin, http.MethodGet, binding, "", nil); r.Status != http.StatusForbidden {
			t.Fatalf("sales Workspace Admin, sales binding: %d", r.Status)
		}
		if r := apiDo(t, app, salesAdmin, http.MethodGet, "/api/v1/workspaces/hr/theme", "", nil); r.Status != http.StatusNotFound {
			t.Fatalf("sales Workspace Admin, hr binding: %d", r.Status)
		}
		before := ws14bCounts(t, db.DB)
		for _, choice := range []string{"nope", fmt.Sprint(otherTheme)} {
			r = apiDo(t, app, tok, http.MethodPut, binding, "", map[string]any{"theme": choice})
			if _, fields := r.apiError(t); r.Status != http.StatusUnprocessableEntity || fields["theme"] == "" {
				t.Fatalf("bind %s: %d %s", choice, r.Status, r.Body)
			}
		}
		if after := ws14bCounts(t, db.DB); after != before {
			t.Fatalf("refused bindings changed something: %s → %s", before, after)
		}
		r = apiDo(t, app, tok, http.MethodPut, binding, "", map[string]any{"theme": nil})
		r.JSON(t, &b)
		if r.Status != http.StatusOK || b.Theme != nil {
			t.Fatalf("unbind: %d %s", r.Status, r.Body)
		}
		r = apiDo(t, app, tok, http.MethodPut, binding, "", map[string]any{"theme": "night"})
		r.JSON(t, &b)
		if r.Status != http.StatusOK || b.Theme == nil || b.Theme.ID != th.ID {
			t.Fatalf("bind by name: %d %s", r.Status, r.Body)
		}
		// Deleting the theme gives the workspace the default look.
		if r := apiDo(t, app, tok, http.MethodDelete, item, "", nil); r.Status != http.StatusNoContent {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		r = apiDo(t, app, tok, http.MethodGet, binding, "", nil)
		r.JSON(t, &b)
		if r.Status != http.StatusOK || b.Theme != nil {
			t.Fatalf("after delete: %d %s", r.Status, r.Body)
		}
		got := apiAuditActions(t, app, apiToken(t, app, tn, "", "tenant_auditor"), label)
		for _, want := range []string{"theme.created", "theme.updated", "theme.deleted", "workspace.theme_changed"} {
			if !slices.Contains(got, want) {
				t.Errorf("no %s event by %s in %v", want, label, got)
			}
		}
		// bind, unbind, bind by name, unbound by the deletion
		if n := strings.Count(strings.Join(got, " "), "workspace.theme_changed"); n != 4 {
			t.Errorf("%d theme_changed events: %v", n, got)
		}
	})
}

// TestAPIPermissionSystemsScript: a permission system made (a bad model:
// 422 with the line), changed (version conflict 409), tuples added (one
// not fitting the model: 422), paged and removed, Check allowed with its
// path and denied without, changing nothing and open to a reader who is
// refused every change; another tenant's system and another system's
// tuple are 404; the audit events name the token.
func TestAPIPermissionSystemsScript(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		_, tn, _ := app.Owner("acme", "owner@example.com")
		_, other, _ := app.Owner("beta", "owner@beta.example.com")
		_, _, otherSystem, otherTuple := newIDPThemePermFixture(t, app, other, app.Workspace(other, "sales", "Sales"))
		tok := apiToken(t, app, tn, "", "tenant_admin")
		label := lastTokenLabel(t, app, tn)

		bad := "model\n  schema 1.1\n\ntype user\n\ntype document\n  relations\n    define viewer [user]\n"
		r := apiDo(t, app, tok, http.MethodPost, "/api/v1/permission-systems", "", map[string]any{"name": "Docs", "model": bad})
		if code, fields := r.apiError(t); r.Status != http.StatusUnprocessableEntity || code != "invalid" ||
			!strings.Contains(fields["model"], "The model is not valid") || !strings.Contains(fields["model"], "line 8") {
			t.Fatalf("bad model: %d %s", r.Status, r.Body)
		}
		r = apiDo(t, app, tok, http.MethodPost, "/api/v1/permission-systems", "", map[string]any{"name": "Docs", "model": models.PermissionSystemModelExample})
		var ps struct {
			ID          int64  `json:"id"`
			Description string `json:"description"`
			Tuples      int64  `json:"tuples"`
			Version     int64  `json:"version"`
		}
		r.JSON(t, &ps)
		if r.Status != http.StatusCreated || ps.ID == 0 || ps.Tuples != 0 || ps.Version != 1 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		sys := fmt.Sprintf("/api/v1/permission-systems/%d", ps.ID)
		r = apiDo(t, app, tok, http.MethodPatch, sys, "", map[string]any{"version": ps.Version, "description": "Documents"})
		r.JSON(t, &ps)
		if r.Status != http.StatusOK || ps.Description != "Documents" || ps.Version != 2 {
			t.Fatalf("update: %d %s", r.Status, r.Body)
		}
		r = apiDo(t, app, tok, http.MethodPatch, sys, "", map[string]any{"version": 1, "model": bad})
		if _, fields := r.apiError(t); r.Status != http.StatusUnprocessableEntity || fields["model"] == "" {
			t.Fatalf("bad model on update: %d %s", r.Status, r.Body)
		}
		r = apiDo(t, app, tok, http.MethodPatch, sys, "", map[string]any{"version": 1, "name": "Stale"})
		if code, _ := r.apiError(t); r.Status != http.StatusConflict || code != "conflict" {
			t.Fatalf("stale: %d %s", r.Status, r.Body)
		}

		// Tuples: ann is in eng, eng's members view folder q1, plan is in q1.
		var tupleIDs []int64
		for _, tp := range [][3]string{{"group:eng", "member", "user:ann"}, {"folder:q1", "viewer", "group:eng#member"}, {"document:plan", "parent", "folder:q1"}} {
			r := apiDo(t, app, tok, http.MethodPost, sys+"/tuples", "", map[string]string{"object": tp[0], "relation": tp[1], "subject": tp[2]})
			var made struct {
				ID        int64 `json:"id"`
				FitsModel bool  `json:"fits_model"`
			}
			r.JSON(t, &made)
			if r.Status != http.StatusCreated || made.ID == 0 || !made.FitsModel {
				t.Fatalf("tuple %v: %d %s", tp, r.Status, r.Body)
			}
			tupleIDs = append(tupleIDs, made.ID)
		}
		r = apiDo(t, app, tok, http.MethodPost, sys+"/tuples", "", map[string]string{"object": "document:plan", "relation": "nope", "subject": "user:ann"})
		if _, fields := r.apiError(t); r.Status != http.StatusUnprocessableEntity || fields["relation"] == "" {
			t.Fatalf("tuple not fitting: %d %s", r.Status, r.Body)
		}
		var tp struct {
			Data []struct {
				ID     int64  `json:"id"`
				Object string `json:"object"`
			} `json:"data"`
			Next *string `json:"next_cursor"`
		}
		r = apiDo(t, app, tok, http.MethodGet, sys+"/tuples?limit=2", "", nil)
		r.JSON(t, &tp)
		if r.Status != http.StatusOK || len(tp.Data) != 2 || tp.Data[0].ID != tupleIDs[0] || tp.Next == nil {
			t.Fatalf("tuples page 1: %d %s", r.Status, r.Body)
		}
		r = apiDo(t, app, tok, http.MethodGet, sys+"/tuples?limit=2&cursor="+*tp.Next, "", nil)
		r.JSON(t, &tp)
		if r.Status != http.StatusOK || len(tp.Data) != 1 || tp.Data[0].Object != "document:plan" || tp.Next != nil {
			t.Fatalf("tuples page 2: %d %s", r.Status, r.Body)
		}

		// Check, by a reader: allowed with the path, denied without; nothing changes.
		reader := apiToken(t, app, tn, "", "tenant_auditor")
		before := permCounts(t, db)
		type result struct {
			Allowed bool `json:"allowed"`
			Path    []struct {
				Kind  string `json:"kind"`
				Depth int    `json:"depth"`
				Tuple string `json:"tuple"`
				Text  string `json:"text"`
			} `json:"path"`
		}
		var res result
		r = apiDo(t, app, reader, http.MethodPost, sys+"/check", "", map[string]string{"object": "document:plan", "relation": "viewer", "subject": "user:ann"})
		r.JSON(t, &res)
		kinds := []string{}
		for _, s := range res.Path {
			kinds = append(kinds, s.Kind)
		}
		if r.Status != http.StatusOK || !res.Allowed || !slices.Contains(kinds, "tuple_to_userset") || !slices.Contains(kinds, "userset") ||
			!strings.Contains(r.Body, "group:eng#member@user:ann") {
			t.Fatalf("check ann: %d %s", r.Status, r.Body)
		}
		r = apiDo(t, app, reader, http.MethodPost, sys+"/check", "", map[string]string{"object": "document:plan", "relation": "viewer", "subject": "user:bob"})
		res = result{}
		r.JSON(t, &res)
		if r.Status != http.StatusOK || res.Allowed || len(res.Path) != 0 || !strings.Contains(r.Body, `"path":[]`) {
			t.Fatalf("check bob: %d %s", r.Status, r.Body)
		}
		r = apiDo(t, app, reader, http.MethodPost, sys+"/check", "", map[string]string{"object": "document:plan", "relation": "owns", "subject": "user:bob"})
		if _, fields := r.apiError(t); r.Status != http.StatusUnprocessableEntity || fields["relation"] == "" {
			t.Fatalf("check unknown relation: %d %s", r.Status, r.Body)
		}
		for _, c := range []struct {
			method, path string
			body         any
		}{
			{http.MethodPost, sys + "/tuples", map[string]string{"object": "group:eng", "relation": "member", "subject": "user:bob"}},
			{http.MethodDelete, fmt.Sprintf("%s/tuples/%d", sys, tupleIDs[0]), nil},
			{http.MethodPatch, sys, map[string]any{"version": ps.Version, "name": "X"}},
			{http.MethodDelete, sys, nil},
		} {
			if r := apiDo(t, app, reader, c.method, c.path, "", c.body); r.Status != http.StatusForbidden {
				t.Fatalf("reader %s %s: %d %s", c.method, c.path, r.Status, r.Body)
			}
		}
		// Another tenant's system, another system's tuple: 404.
		for _, c := range []struct{ method, path string }{
			{http.MethodGet, fmt.Sprintf("/api/v1/permission-systems/%d", otherSystem)},
			{http.MethodGet, fmt.Sprintf("/api/v1/permission-systems/%d/tuples", otherSystem)},
			{http.MethodDelete, fmt.Sprintf("/api/v1/permission-systems/%d", otherSystem)},
			{http.MethodDelete, fmt.Sprintf("%s/tuples/%d", sys, otherTuple)},
		} {
			if r := apiDo(t, app, tok, c.method, c.path, "", nil); r.Status != http.StatusNotFound {
				t.Fatalf("%s %s: %d %s", c.method, c.path, r.Status, r.Body)
			}
		}
		if after := permCounts(t, db); after != before {
			t.Fatalf("checks or refused requests changed something: %s → %s", before, after)
		}

		// Removing ann from eng denies her.
		if r := apiDo(t, app, tok, http.MethodDelete, fmt.Sprintf("%s/tuples/%d", sys, tupleIDs[0]), "", nil); r.Status != http.StatusNoContent {
			t.Fatalf("remove tuple: %d %s", r.Status, r.Body)
		}
		r = apiDo(t, app, tok, http.MethodPost, sys+"/check", "", map[string]string{"object": "document:plan", "relation": "viewer", "subject": "user:ann"})
		res = result{}
		r.JSON(t, &res)
		if r.Status != http.StatusOK || res.Allowed {
			t.Fatalf("check after removal: %d %s", r.Status, r.Body)
		}
		if r := apiDo(t, app, tok, http.MethodDelete, sys, "", nil); r.Status != http.StatusNoContent {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.PermissionTuple{}).Where("system_id = ?", ps.ID)); n != 0 {
			t.Fatalf("%d tuples left", n)
		}
		got := apiAuditActions(t, app, reader, label)
		for _, want := range []string{"permission_system.created", "permission_system.updated", "permission_system.tuple_added",
			"permission_system.tuple_removed", "permission_system.deleted"} {
			if !slices.Contains(got, want) {
				t.Errorf("no %s event by %s in %v", want, label, got)
			}
		}
		if n := strings.Count(strings.Join(got, " "), "permission_system.tuple_added"); n != 3 {
			t.Errorf("%d tuple_added events: %v", n, got)
		}
	})
}

func permCounts(t *testing.T, db modelstest.DB) string {
	t.Helper()
	var versions []int64
	modelstest.Must(t, db.DB.Model(&models.PermissionSystem{}).Order("id").Pluck("version", &versions))
	return fmt.Sprint(modelstest.Count(t, db.DB.Model(&models.PermissionSystem{})), modelstest.Count(t, db.DB.Model(&models.PermissionTuple{})),
		modelstest.Count(t, db.DB.Model(&models.AuditEvent{})), versions)
}
