package models_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
)

const wsresOpenAPI = `openapi: 3.0.3
info: {title: Accounts, version: "1.2"}
components:
  securitySchemes:
    oauth:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: https://auth.example.com/token
          scopes:
            read:accounts: Read accounts
            write:accounts: Change accounts
security:
  - oauth: [read:accounts]
paths:
  /accounts:
    get:
      summary: List accounts
      responses: {"200": {description: ok}}
    post:
      security:
        - oauth: [write:accounts]
      responses: {"201": {description: created}}
  /accounts/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: ok}}
`

// wsresWorld is a workspace with a Workspace Admin and Auditor, and an
// admin of another workspace.
type wsresWorld struct {
	*wsWorld
	ws, other           models.Workspace
	wsAdmin, wsAud, oth models.Viewer
	actor               models.Actor
}

func newWSResWorld(t *testing.T, db modelstest.DB) *wsresWorld {
	w := &wsresWorld{wsWorld: newWSWorld(t, db)}
	w.ws = w.create(t, "shop", "Shop")
	w.other = w.create(t, "blog", "Blog")
	w.wsAdmin = w.admin(t, "wsadmin@example.com", fmt.Sprintf("workspace_admin@%d", w.ws.ID))
	w.wsAud = w.admin(t, "wsaud@example.com", fmt.Sprintf("workspace_auditor@%d", w.ws.ID))
	w.oth = w.admin(t, "other@example.com", fmt.Sprintf("workspace_admin@%d", w.other.ID))
	w.actor = models.Actor{AdminID: w.wsAdmin.Administrator.ID, Email: "wsadmin@example.com"}
	return w
}

func (w *wsresWorld) count(t *testing.T, m any) int64 {
	t.Helper()
	return modelstest.Count(t, w.db.DB.Model(m))
}

func TestServicesScopesAPIsAndImport(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		w := newWSResWorld(t, db)
		ctx := context.Background()
		sv, err := w.s.CreateService(ctx, w.wsAdmin, w.ws.ID, models.ServiceInput{Name: " Accounts ", Audience: "https://api.example.com/accounts"}, w.actor)
		if err != nil {
			t.Fatal(err)
		}
		if sv.Name != "Accounts" || sv.Version != 1 {
			t.Fatalf("created %+v", sv)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.AuditEvent{}).Where("action = ? AND workspace_id = ? AND target_id = ?", "service.created", w.ws.ID, fmt.Sprint(sv.ID))); n != 1 {
			t.Fatalf("audit events %d", n)
		}
		// Bad input: messages beside the fields, nothing saved.
		for _, tc := range []struct {
			in    models.ServiceInput
			field string
		}{
			{models.ServiceInput{Name: "", Audience: "https://x.example.com"}, "name"},
			{models.ServiceInput{Name: "X", Audience: "not a uri"}, "audience"},
			{models.ServiceInput{Name: "X", Audience: "/relative"}, "audience"},
			{models.ServiceInput{Name: "Accounts", Audience: "https://other.example.com"}, "name"},
			{models.ServiceInput{Name: "Y", Audience: "https://api.example.com/accounts"}, "audience"},
		} {
			_, err := w.s.CreateService(ctx, w.wsAdmin, w.ws.ID, tc.in, w.actor)
			if wsFields(err)[tc.field] == "" {
				t.Errorf("%+v: %v, want a message for %s", tc.in, err, tc.field)
			}
		}
		if n := w.count(t, &models.Service{}); n != 1 {
			t.Fatalf("%d services after refusals", n)
		}
		// The same name in another workspace is fine.
		if _, err := w.s.CreateService(ctx, w.oth, w.other.ID, models.ServiceInput{Name: "Accounts", Audience: "https://api.example.com/accounts"}, w.actor); err != nil {
			t.Fatal(err)
		}
		// Read-only and other workspaces.
		if _, err := w.s.CreateService(ctx, w.wsAud, w.ws.ID, models.ServiceInput{Name: "Z", Audience: "urn:z"}, w.actor); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("auditor create: %v", err)
		}
		if _, err := w.s.GetService(ctx, w.wsAud, w.ws.ID, sv.ID); err != nil {
			t.Fatalf("auditor read: %v", err)
		}
		if _, err := w.s.GetService(ctx, w.oth, w.ws.ID, sv.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("other workspace's admin: %v", err)
		}
		if _, err := w.s.GetService(ctx, w.oth, w.other.ID, sv.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("service through another workspace: %v", err)
		}

		// Optimistic locking.
		up, err := w.s.UpdateService(ctx, w.wsAdmin, w.ws.ID, sv.ID, models.ServiceInput{Name: "Accounts API", Audience: sv.Audience, Version: 1}, w.actor)
		if err != nil || up.Version != 2 {
			t.Fatalf("update: %+v %v", up, err)
		}
		if _, err := w.s.UpdateService(ctx, w.wsAdmin, w.ws.ID, sv.ID, models.ServiceInput{Name: "Stale", Audience: sv.Audience, Version: 1}, w.actor); !errors.Is(err, models.ErrChangedSince) {
			t.Fatalf("stale update: %v", err)
		}
		if got := modelstest.Pluck[string](t, db.DB.Model(&models.Service{}).Where("id = ?", sv.ID), "name"); got[0] != "Accounts API" {
			t.Fatalf("name after stale update %q", got)
		}

		// A bad document: the parser's message, nothing imported.
		before := w.count(t, &models.ServiceAPI{}) + w.count(t, &models.ServiceScope{})
		for _, doc := range []string{"", "openapi: 3.0.3\ninfo: [", "swagger: '2.0'\ninfo: {title: x, version: '1'}\npaths: {}\n",
			strings.Replace(wsresOpenAPI, "$ref", "", 1) + "\n  /x:\n    get:\n      responses:\n        '200': {$ref: 'https://evil.example.com/r.yaml'}\n"} {
			_, err := w.s.ImportServiceAPIs(ctx, w.wsAdmin, w.ws.ID, sv.ID, doc, w.actor)
			if wsFields(err)["openapi"] == "" {
				t.Fatalf("import %q: %v", doc, err)
			}
		}
		if after := w.count(t, &models.ServiceAPI{}) + w.count(t, &models.ServiceScope{}); after != before {
			t.Fatalf("bad documents imported something: %d → %d", before, after)
		}
		res, err := w.s.ImportServiceAPIs(ctx, w.wsAdmin, w.ws.ID, sv.ID, wsresOpenAPI, w.actor)
		if err != nil {
			t.Fatal(err)
		}
		if res.Created != 3 || res.ScopesCreated != 2 {
			t.Fatalf("import %+v", res)
		}
		apis, err := w.s.ServiceAPIs(ctx, w.tn.ID, sv.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range apis {
			got = append(got, a.Method+" "+a.Path+" "+a.Scopes)
		}
		if want := "GET /accounts read:accounts|POST /accounts write:accounts|GET /accounts/{id} read:accounts"; strings.Join(got, "|") != want {
			t.Fatalf("apis %q, want %q", strings.Join(got, "|"), want)
		}
		// Again: nothing new.
		if res, err := w.s.ImportServiceAPIs(ctx, w.wsAdmin, w.ws.ID, sv.ID, wsresOpenAPI, w.actor); err != nil || res.Created != 0 || res.Unchanged != 3 {
			t.Fatalf("re-import %+v %v", res, err)
		}
		if _, err := w.s.ImportServiceAPIs(ctx, w.wsAud, w.ws.ID, sv.ID, wsresOpenAPI, w.actor); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("auditor import: %v", err)
		}

		// Scopes: a scope an API requires stays.
		scopes, err := w.s.ServiceScopes(ctx, w.tn.ID, sv.ID)
		if err != nil || len(scopes) != 2 {
			t.Fatalf("scopes %v %v", scopes, err)
		}
		if err := w.s.RemoveServiceScope(ctx, w.wsAdmin, w.ws.ID, sv.ID, scopes[0].ID, w.actor); wsFields(err)["scope"] == "" {
			t.Fatalf("removing a required scope: %v", err)
		}
		if _, err := w.s.AddServiceScope(ctx, w.wsAdmin, w.ws.ID, sv.ID, models.ScopeInput{Scope: "bad scope"}, w.actor); wsFields(err)["scope"] == "" {
			t.Fatalf("bad scope: %v", err)
		}
		extra, err := w.s.AddServiceScope(ctx, w.wsAdmin, w.ws.ID, sv.ID, models.ScopeInput{Scope: "admin:accounts", Description: "Everything"}, w.actor)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.s.RemoveServiceScope(ctx, w.wsAdmin, w.ws.ID, sv.ID, extra.ID, w.actor); err != nil {
			t.Fatal(err)
		}

		// An API by hand, naming a policy.
		pol, err := w.s.CreatePolicy(ctx, w.wsAdmin, w.ws.ID, models.PolicyInput{Name: "Owner only", Definition: `request.owner == user.id`}, w.actor)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.s.AddServiceAPI(ctx, w.wsAdmin, w.ws.ID, sv.ID, models.APIInput{Method: "delete", Path: "/accounts/{id", Scopes: []string{"nope"}}, w.actor); len(wsFields(err)) != 2 {
			t.Fatalf("bad api: %v", err)
		}
		api, err := w.s.AddServiceAPI(ctx, w.wsAdmin, w.ws.ID, sv.ID, models.APIInput{Method: "delete", Path: "/accounts/{id}", Scopes: []string{"write:accounts"}, PolicyID: pol.ID}, w.actor)
		if err != nil || api.Method != "DELETE" || api.PolicyID == nil {
			t.Fatalf("api %+v %v", api, err)
		}
		if err := w.s.DeletePolicy(ctx, w.wsAdmin, w.ws.ID, pol.ID, w.actor); wsFields(err)["policy"] == "" {
			t.Fatalf("deleting a policy in use: %v", err)
		}
		if err := w.s.RemoveServiceAPI(ctx, w.wsAdmin, w.ws.ID, sv.ID, api.ID, w.actor); err != nil {
			t.Fatal(err)
		}
		if err := w.s.DeletePolicy(ctx, w.wsAdmin, w.ws.ID, pol.ID, w.actor); err != nil {
			t.Fatal(err)
		}

		// Delete takes scopes and APIs with it.
		if err := w.s.DeleteService(ctx, w.wsAdmin, w.ws.ID, sv.ID, w.actor); err != nil {
			t.Fatal(err)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.ServiceAPI{}).Where("service_id = ?", sv.ID)); n != 0 {
			t.Fatalf("%d APIs left", n)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.ServiceScope{}).Where("service_id = ?", sv.ID)); n != 0 {
			t.Fatalf("%d scopes left", n)
		}
	})
}

func TestServiceListKeysetAndSearch(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		w := newWSResWorld(t, db)
		ctx := context.Background()
		for i := range 7 {
			if _, err := w.s.CreateService(ctx, w.wsAdmin, w.ws.ID, models.ServiceInput{Name: fmt.Sprintf("svc-%02d", i), Audience: fmt.Sprintf("urn:svc:%d", i)}, w.actor); err != nil {
				t.Fatal(err)
			}
		}
		var names []string
		after := ""
		for pages := 0; ; pages++ {
			rows, next, err := w.s.ListServices(ctx, w.wsAud, w.ws.ID, models.ResourceList{After: after, Limit: 3})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				names = append(names, r.Name)
			}
			if next == "" {
				if pages != 2 {
					t.Fatalf("%d pages", pages+1)
				}
				break
			}
			after = next
		}
		if len(names) != 7 || names[0] != "svc-00" || names[6] != "svc-06" {
			t.Fatalf("names %v", names)
		}
		rows, _, err := w.s.ListServices(ctx, w.wsAud, w.ws.ID, models.ResourceList{Search: "URN:SVC:3"})
		if err != nil || len(rows) != 1 || rows[0].Name != "svc-03" {
			t.Fatalf("search %v %v", rows, err)
		}
		if _, _, err := w.s.ListServices(ctx, w.oth, w.ws.ID, models.ResourceList{}); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("other workspace: %v", err)
		}
	})
}

func TestClientsRulesSecretAndRotation(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		w := newWSResWorld(t, db)
		ctx := context.Background()
		sv, err := w.s.CreateService(ctx, w.wsAdmin, w.ws.ID, models.ServiceInput{Name: "API", Audience: "https://api.example.com"}, w.actor)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.s.AddServiceScope(ctx, w.wsAdmin, w.ws.ID, sv.ID, models.ScopeInput{Scope: "read:all"}, w.actor); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			in    models.ClientInput
			field string
		}{
			{models.ClientInput{Name: "S", Type: "spa", TokenEndpointAuthMethod: "client_secret_basic", GrantTypes: []string{"authorization_code"}, RedirectURIs: "https://a.example.com/cb"}, "token_endpoint_auth_method"},
			{models.ClientInput{Name: "W", Type: "web", TokenEndpointAuthMethod: "none", GrantTypes: []string{"authorization_code"}, RedirectURIs: "https://a.example.com/cb"}, "token_endpoint_auth_method"},
			{models.ClientInput{Name: "W", Type: "web", TokenEndpointAuthMethod: "client_secret_basic", GrantTypes: []string{"authorization_code"}, RedirectURIs: "http://a.example.com/cb"}, "redirect_uris"},
			{models.ClientInput{Name: "W", Type: "web", TokenEndpointAuthMethod: "client_secret_basic", GrantTypes: []string{"authorization_code"}, RedirectURIs: "https://*.example.com/cb"}, "redirect_uris"},
			{models.ClientInput{Name: "W", Type: "web", TokenEndpointAuthMethod: "client_secret_basic", GrantTypes: []string{"authorization_code"}, RedirectURIs: "https://a.example.com/cb#x"}, "redirect_uris"},
			{models.ClientInput{Name: "W", Type: "web", TokenEndpointAuthMethod: "client_secret_basic", GrantTypes: []string{"authorization_code"}, RedirectURIs: "http://localhost:8080/cb"}, "redirect_uris"},
			{models.ClientInput{Name: "W", Type: "web", TokenEndpointAuthMethod: "client_secret_basic", GrantTypes: []string{"authorization_code"}}, "redirect_uris"},
			{models.ClientInput{Name: "M", Type: "service", TokenEndpointAuthMethod: "client_secret_basic", GrantTypes: []string{"authorization_code"}}, "grant_types"},
			{models.ClientInput{Name: "N", Type: "native", TokenEndpointAuthMethod: "none", GrantTypes: []string{"client_credentials"}}, "grant_types"},
			{models.ClientInput{Name: "M", Type: "service", TokenEndpointAuthMethod: "client_secret_basic", GrantTypes: []string{"client_credentials"}, Scopes: []string{"write:nothing"}}, "scopes"},
			{models.ClientInput{Name: "M", Type: "robot", TokenEndpointAuthMethod: "none"}, "type"},
		} {
			_, _, err := w.s.CreateClient(ctx, w.wsAdmin, w.ws.ID, tc.in, w.actor)
			if wsFields(err)[tc.field] == "" {
				t.Errorf("%+v: %v, want a message for %s", tc.in, err, tc.field)
			}
		}
		if n := w.count(t, &models.Client{}); n != 0 {
			t.Fatalf("%d clients after refusals", n)
		}
		native, secret, err := w.s.CreateClient(ctx, w.wsAdmin, w.ws.ID, models.ClientInput{Name: "CLI", Type: "native", TokenEndpointAuthMethod: "none",
			GrantTypes: []string{"authorization_code", "refresh_token"}, RedirectURIs: "http://127.0.0.1:5000/cb\nhttp://[::1]/cb\nhttp://localhost:9/cb"}, w.actor)
		if err != nil || secret != "" || native.SecretHash != "" || len(native.ClientID) != 32 {
			t.Fatalf("native %+v %q %v", native, secret, err)
		}
		m2m, secret, err := w.s.CreateClient(ctx, w.wsAdmin, w.ws.ID, models.ClientInput{Name: "Batch", Type: "service", TokenEndpointAuthMethod: "client_secret_post",
			GrantTypes: []string{"client_credentials"}, Scopes: []string{"read:all"}}, w.actor)
		if err != nil || len(secret) < 43 {
			t.Fatalf("m2m %+v %q %v", m2m, secret, err)
		}
		if stored := modelstest.Pluck[string](t, db.DB.Model(&models.Client{}).Where("id = ?", m2m.ID), "secret_hash"); stored[0] != models.HashToken(secret) {
			t.Fatalf("stored %q", stored)
		}
		var ev models.AuditEvent
		modelstest.Must(t, db.DB.Where("action = ? AND target_id = ?", "client.created", fmt.Sprint(m2m.ID)).Take(&ev))
		if strings.Contains(ev.Changes, secret) {
			t.Fatal("the secret is in the audit log")
		}
		if _, ok, err := w.s.VerifyClientSecret(ctx, m2m.ClientID, secret); err != nil || !ok {
			t.Fatalf("verify %v %v", ok, err)
		}
		// Rotation with a 2-hour grace period.
		if _, _, err := w.s.RotateClientSecret(ctx, w.wsAdmin, w.ws.ID, m2m.ID, 169, w.actor); wsFields(err)["grace_hours"] == "" {
			t.Fatalf("grace 169: %v", err)
		}
		if _, _, err := w.s.RotateClientSecret(ctx, w.wsAud, w.ws.ID, m2m.ID, 2, w.actor); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("auditor rotates: %v", err)
		}
		_, fresh, err := w.s.RotateClientSecret(ctx, w.wsAdmin, w.ws.ID, m2m.ID, 2, w.actor)
		if err != nil || fresh == secret {
			t.Fatal(err)
		}
		for _, c := range []struct {
			secret string
			ok     bool
		}{{secret, true}, {fresh, true}, {"wrong", false}} {
			if _, ok, _ := w.s.VerifyClientSecret(ctx, m2m.ClientID, c.secret); ok != c.ok {
				t.Fatalf("secret %q: %v", c.secret, ok)
			}
		}
		w.clk.Add(2*time.Hour + time.Second)
		if _, ok, _ := w.s.VerifyClientSecret(ctx, m2m.ClientID, secret); ok {
			t.Fatal("the old secret outlived its grace period")
		}
		if _, ok, _ := w.s.VerifyClientSecret(ctx, m2m.ClientID, fresh); !ok {
			t.Fatal("the new secret fails")
		}
		if _, _, err := w.s.RotateClientSecret(ctx, w.wsAdmin, w.ws.ID, native.ID, 0, w.actor); wsFields(err)["grace_hours"] == "" {
			t.Fatalf("rotating a public client: %v", err)
		}
		// Update with a stale version.
		cur, err := w.s.GetClient(ctx, w.wsAdmin, w.ws.ID, m2m.ID)
		if err != nil {
			t.Fatal(err)
		}
		in := models.ClientInput{Name: "Batch jobs", TokenEndpointAuthMethod: "client_secret_post", GrantTypes: []string{"client_credentials"}, Version: cur.Version - 1}
		if _, _, err := w.s.UpdateClient(ctx, w.wsAdmin, w.ws.ID, m2m.ID, in, w.actor); !errors.Is(err, models.ErrChangedSince) {
			t.Fatalf("stale: %v", err)
		}
		in.Version = cur.Version
		up, _, err := w.s.UpdateClient(ctx, w.wsAdmin, w.ws.ID, m2m.ID, in, w.actor)
		if err != nil || up.Name != "Batch jobs" || up.Type != "service" || up.Version != cur.Version+1 {
			t.Fatalf("update %+v %v", up, err)
		}
		if _, err := w.s.GetClient(ctx, w.oth, w.ws.ID, m2m.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("other workspace: %v", err)
		}
		if err := w.s.DeleteClient(ctx, w.wsAdmin, w.ws.ID, m2m.ID, w.actor); err != nil {
			t.Fatal(err)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.AuditEvent{}).Where("action LIKE ? AND workspace_id = ?", "client.%", w.ws.ID)); n != 5 {
			t.Fatalf("%d client audit events, want 5", n)
		}
	})
}

func TestPoliciesCompileAndTest(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		w := newWSResWorld(t, db)
		ctx := context.Background()
		_, err := w.s.CreatePolicy(ctx, w.wsAdmin, w.ws.ID, models.PolicyInput{Name: "Admins", Definition: "'admin' in user.roles &&\n  scopes.exists(s, s == 'read') &&\n  usr.active"}, w.actor)
		msg := wsFields(err)["definition"]
		if !strings.Contains(msg, "Line 3, column 3") || !strings.Contains(msg, "usr") {
			t.Fatalf("compile error %q", msg)
		}
		if _, err := w.s.CreatePolicy(ctx, w.wsAdmin, w.ws.ID, models.PolicyInput{Name: "Num", Definition: "1 + 2"}, w.actor); wsFields(err)["definition"] == "" {
			t.Fatalf("non-boolean: %v", err)
		}
		if n := w.count(t, &models.Policy{}); n != 0 {
			t.Fatalf("%d policies", n)
		}
		p, err := w.s.CreatePolicy(ctx, w.wsAdmin, w.ws.ID, models.PolicyInput{Name: "Admins", Definition: "'admin' in user.roles &&\n  scopes.exists(s, s == 'read')"}, w.actor)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			input string
			want  models.PolicyTestResult
		}{
			{`{"user": {"roles": ["admin"]}, "scopes": ["read"]}`, models.PolicyTestResult{Allowed: true}},
			{`{"user": {"roles": ["guest"]}, "scopes": ["read"]}`, models.PolicyTestResult{Allowed: false}},
		} {
			got, err := w.s.TestPolicy(ctx, w.wsAud, w.ws.ID, p.Definition, tc.input)
			if err != nil || got != tc.want {
				t.Fatalf("%s: %+v %v", tc.input, got, err)
			}
		}
		if got, err := w.s.TestPolicy(ctx, w.wsAud, w.ws.ID, p.Definition, `{"scopes": ["read"]}`); err != nil || !strings.Contains(got.Error, "roles") {
			t.Fatalf("missing key: %+v %v", got, err)
		}
		if _, err := w.s.TestPolicy(ctx, w.wsAud, w.ws.ID, p.Definition, `{"user": `); wsFields(err)["input"] == "" {
			t.Fatalf("bad json: %v", err)
		}
		if _, err := w.s.TestPolicy(ctx, w.oth, w.ws.ID, p.Definition, `{}`); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("other workspace: %v", err)
		}
		if _, err := w.s.UpdatePolicy(ctx, w.wsAdmin, w.ws.ID, p.ID, models.PolicyInput{Name: "Admins", Definition: "true", Version: 0}, w.actor); !errors.Is(err, models.ErrChangedSince) {
			t.Fatalf("stale: %v", err)
		}
		if up, err := w.s.UpdatePolicy(ctx, w.wsAdmin, w.ws.ID, p.ID, models.PolicyInput{Name: "Admins", Definition: "true", Version: 1}, w.actor); err != nil || up.Version != 2 {
			t.Fatalf("update %+v %v", up, err)
		}
		if _, err := w.s.UpdatePolicy(ctx, w.wsAud, w.ws.ID, p.ID, models.PolicyInput{Name: "Admins", Definition: "true", Version: 2}, w.actor); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("auditor update: %v", err)
		}
	})
}

func TestAuthorizersCustomAppsClaims(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		w := newWSResWorld(t, db)
		ctx := context.Background()
		sv, err := w.s.CreateService(ctx, w.wsAdmin, w.ws.ID, models.ServiceInput{Name: "API", Audience: "https://api.example.com"}, w.actor)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.s.AddServiceScope(ctx, w.wsAdmin, w.ws.ID, sv.ID, models.ScopeInput{Scope: "profile"}, w.actor); err != nil {
			t.Fatal(err)
		}
		foreign, err := w.s.CreateService(ctx, w.oth, w.other.ID, models.ServiceInput{Name: "Blog", Audience: "https://blog.example.com"}, w.actor)
		if err != nil {
			t.Fatal(err)
		}

		// Authorizers: services of this workspace only; secret shown once, stored hashed.
		if _, _, err := w.s.CreateAuthorizer(ctx, w.wsAdmin, w.ws.ID, models.AuthorizerInput{Name: "Edge", Type: "kong", ServiceIDs: []int64{foreign.ID}}, w.actor); wsFields(err)["services"] == "" {
			t.Fatalf("foreign service: %v", err)
		}
		if _, _, err := w.s.CreateAuthorizer(ctx, w.wsAdmin, w.ws.ID, models.AuthorizerInput{Name: "Edge", Type: "nginx"}, w.actor); wsFields(err)["type"] == "" {
			t.Fatalf("bad type: %v", err)
		}
		az, secret, err := w.s.CreateAuthorizer(ctx, w.wsAdmin, w.ws.ID, models.AuthorizerInput{Name: "Edge", Type: "kong", ServiceIDs: []int64{sv.ID, sv.ID}}, w.actor)
		if err != nil || len(secret) < 43 || az.SecretHash != models.HashToken(secret) || !strings.HasPrefix(az.CredentialID, "az_") || az.ServiceIDs != fmt.Sprint(sv.ID) {
			t.Fatalf("authorizer %+v %v", az, err)
		}
		if _, err := w.s.UpdateAuthorizer(ctx, w.wsAdmin, w.ws.ID, az.ID, models.AuthorizerInput{Name: "Edge", Type: "istio", Version: 7}, w.actor); !errors.Is(err, models.ErrChangedSince) {
			t.Fatalf("stale: %v", err)
		}
		if _, err := w.s.UpdateAuthorizer(ctx, w.wsAud, w.ws.ID, az.ID, models.AuthorizerInput{Name: "Edge", Type: "istio", Version: 1}, w.actor); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("auditor: %v", err)
		}

		// Custom apps: https only.
		if _, _, err := w.s.CreateCustomApp(ctx, w.wsAdmin, w.ws.ID, models.CustomAppInput{Name: "Login", Type: "login", URL: "http://login.example.com"}, w.actor); wsFields(err)["url"] == "" {
			t.Fatalf("http url: %v", err)
		}
		app, secret, err := w.s.CreateCustomApp(ctx, w.wsAdmin, w.ws.ID, models.CustomAppInput{Name: "Login", Type: "login", URL: "https://login.example.com"}, w.actor)
		if err != nil || app.SecretHash != models.HashToken(secret) {
			t.Fatalf("app %+v %v", app, err)
		}
		if err := w.s.DeleteCustomApp(ctx, w.oth, w.ws.ID, app.ID, w.actor); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("other workspace deletes: %v", err)
		}

		// Claims and their preview.
		for _, in := range []models.ClaimInput{
			{Name: "sub", SourceType: "static", Source: "x", Token: "id"},
			{Name: "dept", SourceType: "user_attribute", Source: "password", Token: "id"},
			{Name: "dept", SourceType: "static", Source: "x", Token: "refresh"},
			{Name: "dept", SourceType: "static", Source: "x", Token: "id", Scopes: []string{"nope"}},
		} {
			if _, err := w.s.CreateClaim(ctx, w.wsAdmin, w.ws.ID, in, w.actor); len(wsFields(err)) == 0 {
				t.Fatalf("%+v accepted", in)
			}
		}
		for _, in := range []models.ClaimInput{
			{Name: "email", SourceType: "user_attribute", Source: "email", Token: "id", Scopes: []string{"profile"}},
			{Name: "dept", SourceType: "user_attribute", Source: "attributes.department", Token: "access"},
			{Name: "plan", SourceType: "metadata", Source: "plan", Token: "access", Scopes: []string{"profile"}},
			{Name: "tier", SourceType: "static", Source: "gold", Token: "id"},
		} {
			if _, err := w.s.CreateClaim(ctx, w.wsAdmin, w.ws.ID, in, w.actor); err != nil {
				t.Fatalf("%+v: %v", in, err)
			}
		}
		u, err := w.s.CreateUser(ctx, w.tn.ID, models.CreateUserInput{Email: "ann@example.com", GivenName: "Ann"}, w.actor)
		if err != nil {
			t.Fatal(err)
		}
		modelstest.Must(t, db.DB.Model(&models.User{}).Where("id = ?", u.ID).Updates(map[string]any{"attributes": `{"department":"Sales"}`, "metadata": `{"plan":"pro"}`}))
		modelstest.LinkPoolToWorkspace(t, db.DB, w.tn.ID, w.ws.ID, u.PoolID, true) // the workspace signs in the Users pool
		show := func(scopes ...string) string {
			t.Helper()
			got, err := w.s.PreviewClaims(ctx, w.wsAud, w.ws.ID, "ANN@example.com", scopes)
			if err != nil {
				t.Fatal(err)
			}
			var parts []string
			for _, c := range got {
				parts = append(parts, fmt.Sprintf("%s:%s=%v", c.Token, c.Name, c.Value))
			}
			return strings.Join(parts, " ")
		}
		if got, want := show(), "access:dept=Sales id:tier=gold"; got != want {
			t.Fatalf("no scopes: %q, want %q", got, want)
		}
		if got, want := show("profile"), "access:dept=Sales access:plan=pro id:email=ann@example.com id:tier=gold"; got != want {
			t.Fatalf("profile: %q, want %q", got, want)
		}
		if _, err := w.s.PreviewClaims(ctx, w.wsAud, w.ws.ID, "nobody@example.com", nil); wsFields(err)["user"] == "" {
			t.Fatalf("unknown user: %v", err)
		}
	})
}
