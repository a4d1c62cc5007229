package models_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"gatehouse/models"
	"gatehouse/models/modelstest"
)

// TestServiceAPIEdit: an API's method, path, required scopes and policy
// are changed with the checks of Add API (messages beside the fields,
// nothing saved), on the version the form was opened on (else
// ErrChangedSince), with one audit event naming what changed; an auditor
// and another workspace's admin cannot; an import that changes an API
// moves its version on.
func TestServiceAPIEdit(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		w := newWSResWorld(t, db)
		ctx := context.Background()
		sv, err := w.s.CreateService(ctx, w.wsAdmin, w.ws.ID, models.ServiceInput{Name: "Accounts", Audience: "https://api.example.com/accounts"}, w.actor)
		if err != nil {
			t.Fatal(err)
		}
		for _, sc := range []string{"read:accounts", "write:accounts"} {
			if _, err := w.s.AddServiceScope(ctx, w.wsAdmin, w.ws.ID, sv.ID, models.ScopeInput{Scope: sc}, w.actor); err != nil {
				t.Fatal(err)
			}
		}
		pol, err := w.s.CreatePolicy(ctx, w.wsAdmin, w.ws.ID, models.PolicyInput{Name: "Admins", Definition: "'admin' in user.roles"}, w.actor)
		if err != nil {
			t.Fatal(err)
		}
		foreignPol, err := w.s.CreatePolicy(ctx, w.oth, w.other.ID, models.PolicyInput{Name: "Theirs", Definition: "true"}, w.actor)
		if err != nil {
			t.Fatal(err)
		}
		list, err := w.s.AddServiceAPI(ctx, w.wsAdmin, w.ws.ID, sv.ID, models.APIInput{Method: "GET", Path: "/accounts", Scopes: []string{"read:accounts"}}, w.actor)
		if err != nil || list.Version != 1 {
			t.Fatalf("add: %+v %v", list, err)
		}
		if _, err := w.s.AddServiceAPI(ctx, w.wsAdmin, w.ws.ID, sv.ID, models.APIInput{Method: "POST", Path: "/accounts"}, w.actor); err != nil {
			t.Fatal(err)
		}
		events := func() int64 {
			return modelstest.Count(t, db.DB.Model(&models.AuditEvent{}).Where("action = ?", "service.api_updated"))
		}

		for _, tc := range []struct {
			in    models.APIInput
			field string
		}{
			{models.APIInput{Method: "FETCH", Path: "/accounts", Version: 1}, "method"},
			{models.APIInput{Method: "GET", Path: "accounts", Version: 1}, "path"},
			{models.APIInput{Method: "POST", Path: "/accounts", Version: 1}, "path"}, // taken by the other API
			{models.APIInput{Method: "GET", Path: "/accounts", Scopes: []string{"admin"}, Version: 1}, "scopes"},
			{models.APIInput{Method: "GET", Path: "/accounts", PolicyID: foreignPol.ID, Version: 1}, "policy"},
			{models.APIInput{Method: "GET", Path: "/accounts", PolicyID: -1, Version: 1}, "policy"},
			{models.APIInput{Method: "GET", Path: "/accounts", Summary: strings.Repeat("x", models.APISummaryMax+1), Version: 1}, "summary"},
		} {
			if _, err := w.s.UpdateServiceAPI(ctx, w.wsAdmin, w.ws.ID, sv.ID, list.ID, tc.in, w.actor); wsFields(err)[tc.field] == "" {
				t.Errorf("%+v: %v, want a message for %s", tc.in, err, tc.field)
			}
		}
		if events() != 0 {
			t.Fatal("a refused edit was audited")
		}
		in := models.APIInput{Method: "patch", Path: " /accounts/{id} ", Scopes: []string{"write:accounts", "read:accounts"}, PolicyID: pol.ID, Summary: "Change an account", Version: 1}
		if _, err := w.s.UpdateServiceAPI(ctx, w.wsAud, w.ws.ID, sv.ID, list.ID, in, w.actor); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("auditor: %v", err)
		}
		if _, err := w.s.UpdateServiceAPI(ctx, w.oth, w.ws.ID, sv.ID, list.ID, in, w.actor); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("other workspace: %v", err)
		}
		up, err := w.s.UpdateServiceAPI(ctx, w.wsAdmin, w.ws.ID, sv.ID, list.ID, in, w.actor)
		if err != nil {
			t.Fatal(err)
		}
		got, err := w.s.ServiceAPIByID(ctx, w.tn.ID, w.ws.ID, sv.ID, list.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Method != "PATCH" || got.Path != "/accounts/{id}" || got.Scopes != "write:accounts read:accounts" || got.PolicyID == nil || *got.PolicyID != pol.ID ||
			got.Summary != "Change an account" || got.Version != 2 || up.Version != 2 {
			t.Fatalf("saved %+v", got)
		}
		var ev models.AuditEvent
		modelstest.Must(t, db.DB.Where("action = ?", "service.api_updated").Take(&ev))
		if ev.WorkspaceID == nil || *ev.WorkspaceID != w.ws.ID || ev.TargetID != fmt.Sprint(sv.ID) ||
			!strings.Contains(ev.Changes, "GET /accounts") || !strings.Contains(ev.Changes, "PATCH /accounts/{id}") || !strings.Contains(ev.Changes, "policy_id") {
			t.Fatalf("audit %+v %s", ev, ev.Changes)
		}
		// The same form again (version 1): refused, nothing written.
		in.Summary = "Another"
		if _, err := w.s.UpdateServiceAPI(ctx, w.wsAdmin, w.ws.ID, sv.ID, list.ID, in, w.actor); !errors.Is(err, models.ErrChangedSince) {
			t.Fatalf("stale: %v", err)
		}
		// Nothing changed: no event, no new version.
		in.Summary, in.Version, in.Method = "Change an account", 2, "PATCH"
		if _, err := w.s.UpdateServiceAPI(ctx, w.wsAdmin, w.ws.ID, sv.ID, list.ID, in, w.actor); err != nil || events() != 1 {
			t.Fatalf("no-op save: %v, %d events", err, events())
		}
		// Another service's id: not found.
		other, err := w.s.CreateService(ctx, w.wsAdmin, w.ws.ID, models.ServiceInput{Name: "Billing", Audience: "urn:billing"}, w.actor)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.s.ServiceAPIByID(ctx, w.tn.ID, w.ws.ID, other.ID, list.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("through another service: %v", err)
		}
		if _, err := w.s.UpdateServiceAPI(ctx, w.wsAdmin, w.ws.ID, other.ID, list.ID, in, w.actor); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("update through another service: %v", err)
		}
		// Policy cleared.
		in.PolicyID = 0
		if up, err := w.s.UpdateServiceAPI(ctx, w.wsAdmin, w.ws.ID, sv.ID, list.ID, in, w.actor); err != nil || up.PolicyID != nil || up.Version != 3 {
			t.Fatalf("clear policy: %+v %v", up, err)
		}
	})
}

// TestAuthorizerAndCustomAppRotation: Rotate secret returns a new secret
// once, stores only its hash, ends the previous one at once, keeps the
// settings' version and is audited; an auditor and another workspace's
// admin cannot rotate.
func TestAuthorizerAndCustomAppRotation(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		w := newWSResWorld(t, db)
		ctx := context.Background()
		az, azOld, err := w.s.CreateAuthorizer(ctx, w.wsAdmin, w.ws.ID, models.AuthorizerInput{Name: "Edge", Type: "kong"}, w.actor)
		if err != nil {
			t.Fatal(err)
		}
		app, appOld, err := w.s.CreateCustomApp(ctx, w.wsAdmin, w.ws.ID, models.CustomAppInput{Name: "Login", Type: "login", URL: "https://login.example.com"}, w.actor)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := w.s.RotateAuthorizerSecret(ctx, w.wsAud, w.ws.ID, az.ID, w.actor); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("auditor rotates an authorizer: %v", err)
		}
		if _, _, err := w.s.RotateAuthorizerSecret(ctx, w.oth, w.ws.ID, az.ID, w.actor); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("another workspace's admin rotates an authorizer: %v", err)
		}
		if _, _, err := w.s.RotateAuthorizerSecret(ctx, w.oth, w.other.ID, az.ID, w.actor); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("rotated through another workspace: %v", err)
		}
		if _, _, err := w.s.RotateCustomAppSecret(ctx, w.wsAud, w.ws.ID, app.ID, w.actor); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("auditor rotates a custom app: %v", err)
		}
		if _, _, err := w.s.RotateCustomAppSecret(ctx, w.oth, w.other.ID, app.ID, w.actor); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("rotated through another workspace: %v", err)
		}

		az2, azNew, err := w.s.RotateAuthorizerSecret(ctx, w.wsAdmin, w.ws.ID, az.ID, w.actor)
		if err != nil || len(azNew) < 43 || azNew == azOld || az2.Version != az.Version || az2.SecretCreatedAt == nil {
			t.Fatalf("rotate authorizer: %+v %v", az2, err)
		}
		if _, ok, err := w.s.VerifyAuthorizerSecret(ctx, az.CredentialID, azNew); err != nil || !ok {
			t.Fatalf("the new secret does not work: %v", err)
		}
		if _, ok, _ := w.s.VerifyAuthorizerSecret(ctx, az.CredentialID, azOld); ok {
			t.Fatal("the old authorizer secret still works")
		}
		if n := modelstest.Count(t, db.DB.Model(&models.Authorizer{}).Where("id = ? AND secret_hash = ? AND version = 1", az.ID, models.HashToken(azNew))); n != 1 {
			t.Fatal("the stored hash is not the new secret's, or the version moved")
		}
		app2, appNew, err := w.s.RotateCustomAppSecret(ctx, w.wsAdmin, w.ws.ID, app.ID, w.actor)
		if err != nil || len(appNew) < 43 || appNew == appOld || app2.Version != app.Version {
			t.Fatalf("rotate app: %+v %v", app2, err)
		}
		if _, ok, _ := w.s.VerifyCustomAppSecret(ctx, app.AppID, appOld); ok {
			t.Fatal("the old app secret still works")
		}
		if _, ok, _ := w.s.VerifyCustomAppSecret(ctx, app.AppID, appNew); !ok {
			t.Fatal("the new app secret does not work")
		}
		for action, target := range map[string]int64{"authorizer.secret_rotated": az.ID, "custom_app.secret_rotated": app.ID} {
			var ev models.AuditEvent
			modelstest.Must(t, db.DB.Where("action = ?", action).Take(&ev))
			if ev.TargetID != fmt.Sprint(target) || ev.WorkspaceID == nil || *ev.WorkspaceID != w.ws.ID || strings.Contains(ev.Changes, azNew) || strings.Contains(ev.Changes, appNew) {
				t.Fatalf("%s: %+v", action, ev)
			}
		}
		// A settings form opened before the rotation still saves.
		if _, err := w.s.UpdateAuthorizer(ctx, w.wsAdmin, w.ws.ID, az.ID, models.AuthorizerInput{Name: "Edge", Type: "istio", Version: az.Version}, w.actor); err != nil {
			t.Fatalf("save after rotation: %v", err)
		}
	})
}

// TestClaimsPreviewOnlyTheWorkspacesPools: a Workspace Auditor or Admin
// previews the claims of users of the identity pools the workspace signs
// in with (its enabled identity_pool IDPs) and of no other: another pool's
// user gets the message of an unknown one. A Tenant Auditor, who reads
// every identity-pool user, previews any end user.
func TestClaimsPreviewOnlyTheWorkspacesPools(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		w := newWSResWorld(t, db)
		ctx := context.Background()
		if _, err := w.s.CreateClaim(ctx, w.wsAdmin, w.ws.ID, models.ClaimInput{Name: "email", SourceType: "user_attribute", Source: "email", Token: "id"}, w.actor); err != nil {
			t.Fatal(err)
		}
		partners, err := w.s.CreateIdentityPool(ctx, w.tn.ID, models.PoolInput{Name: "Partners", Slug: "partners"}, w.actor)
		if err != nil {
			t.Fatal(err)
		}
		ann, err := w.s.CreateUser(ctx, w.tn.ID, models.CreateUserInput{Email: "ann@example.com"}, w.actor)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.s.CreateUser(ctx, w.tn.ID, models.CreateUserInput{Email: "bob@partner.example", PoolID: partners.ID}, w.actor); err != nil {
			t.Fatal(err)
		}
		tenantAud := w.admin(t, "taud@example.com", "tenant_auditor")
		preview := func(v models.Viewer, email string) (string, string) {
			t.Helper()
			got, err := w.s.PreviewClaims(ctx, v, w.ws.ID, email, nil)
			if msg := wsFields(err)["user"]; msg != "" {
				return "", msg
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 {
				t.Fatalf("%s: %+v", email, got)
			}
			return fmt.Sprint(got[0].Value), ""
		}
		// No identity_pool IDP yet: the workspace's viewers preview no one.
		for _, v := range []models.Viewer{w.wsAud, w.wsAdmin} {
			if _, msg := preview(v, "ann@example.com"); !strings.Contains(msg, "identity pools this workspace signs in with") {
				t.Fatalf("before any pool: %q", msg)
			}
		}
		if all, pools, err := w.s.PreviewPools(ctx, w.wsAud, w.ws.ID); err != nil || all || len(pools) != 0 {
			t.Fatalf("pools before: %v %v %v", all, pools, err)
		}
		// The Users pool through an enabled IDP; Partners only through a
		// disabled one here and an enabled one of another workspace.
		modelstest.LinkPoolToWorkspace(t, db.DB, w.tn.ID, w.ws.ID, ann.PoolID, true)
		modelstest.LinkPoolToWorkspace(t, db.DB, w.tn.ID, w.ws.ID, partners.ID, false)
		modelstest.LinkPoolToWorkspace(t, db.DB, w.tn.ID, w.other.ID, partners.ID, true)
		for _, v := range []models.Viewer{w.wsAud, w.wsAdmin} {
			if val, msg := preview(v, "ANN@example.com"); val != "ann@example.com" {
				t.Fatalf("ann: %q %q", val, msg)
			}
			_, outside := preview(v, "bob@partner.example")
			_, unknown := preview(v, "nobody@example.com")
			if outside == "" || strings.ReplaceAll(outside, "bob@partner.example", "X") != strings.ReplaceAll(unknown, "nobody@example.com", "X") {
				t.Fatalf("another pool's user %q, unknown %q: must read alike", outside, unknown)
			}
		}
		// The other workspace's admin previews Partners there, not ann.
		if _, err := w.s.PreviewClaims(ctx, w.oth, w.other.ID, "bob@partner.example", nil); err != nil {
			t.Fatalf("bob in the other workspace: %v", err)
		}
		if _, err := w.s.PreviewClaims(ctx, w.oth, w.other.ID, "ann@example.com", nil); wsFields(err)["user"] == "" {
			t.Fatalf("ann in the other workspace: %v", err)
		}
		if _, err := w.s.PreviewClaims(ctx, w.oth, w.ws.ID, "ann@example.com", nil); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("the other workspace's admin previews here: %v", err)
		}
		// A Tenant Auditor reads every end user.
		if val, msg := preview(tenantAud, "bob@partner.example"); val != "bob@partner.example" {
			t.Fatalf("tenant auditor: %q %q", val, msg)
		}
	})
}

// TestSeedWorkspaceResourcesCompanions: seeding services also makes the
// policies (which compile), an authorizer protecting the seeded services,
// claims and a custom login page, with the DELETE APIs guarded by a
// policy; seeding again adds services and clients but no duplicates.
func TestSeedWorkspaceResourcesCompanions(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		w := newWSResWorld(t, db)
		ctx := context.Background()
		for _, in := range models.SeedPolicyDefinitions() {
			if _, err := w.s.CreatePolicy(ctx, w.oth, w.other.ID, in, w.actor); err != nil {
				t.Fatalf("seeded policy %q does not compile: %v", in.Name, err)
			}
		}
		ns, nc, err := w.s.SeedWorkspaceResources(ctx, w.tn, w.ws, 2, 4, w.actor)
		if err != nil || ns != 2 || nc != 4 {
			t.Fatalf("seed: %d %d %v", ns, nc, err)
		}
		in := func(m any) int64 {
			return modelstest.Count(t, db.DB.Model(m).Where("workspace_id = ?", w.ws.ID))
		}
		if p, a, c, ca := in(&models.Policy{}), in(&models.Authorizer{}), in(&models.Claim{}), in(&models.CustomApp{}); p != 3 || a != 1 || c != 6 || ca != 1 {
			t.Fatalf("policies %d, authorizers %d, claims %d, custom apps %d", p, a, c, ca)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.ServiceAPI{}).Where("workspace_id = ? AND method = 'DELETE' AND policy_id IS NOT NULL AND version = 1", w.ws.ID)); n != 2 {
			t.Fatalf("guarded DELETE APIs %d", n)
		}
		var az models.Authorizer
		modelstest.Must(t, db.DB.Where("workspace_id = ?", w.ws.ID).Take(&az))
		if len(az.ServiceIDList()) != 2 || az.SecretHash == "" {
			t.Fatalf("authorizer %+v", az)
		}
		// What the pages show works on seeded data: an API saves.
		var api models.ServiceAPI
		modelstest.Must(t, db.DB.Where("workspace_id = ? AND method = 'GET'", w.ws.ID).Order("id").Take(&api))
		if _, err := w.s.UpdateServiceAPI(ctx, w.wsAdmin, w.ws.ID, api.ServiceID, api.ID, models.APIInput{Method: "GET", Path: api.Path, Scopes: api.ScopeList(), Summary: "Edited", Version: api.Version}, w.actor); err != nil {
			t.Fatalf("edit a seeded API: %v", err)
		}
		if _, _, err := w.s.SeedWorkspaceResources(ctx, w.tn, w.ws, 1, 1, w.actor); err != nil {
			t.Fatal(err)
		}
		if p, a, c, ca, s := in(&models.Policy{}), in(&models.Authorizer{}), in(&models.Claim{}), in(&models.CustomApp{}), in(&models.Service{}); p != 3 || a != 1 || c != 6 || ca != 1 || s != 3 {
			t.Fatalf("again: policies %d, authorizers %d, claims %d, custom apps %d, services %d", p, a, c, ca, s)
		}
	})
}
