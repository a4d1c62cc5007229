package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web"
	"gatehouse/web/limit"
	"gatehouse/web/webhook"
	"gatehouse/web/webtest"
)

// The fixture secret's value: no API answer may carry it.
const apiFixtureSecretValue = "sk_live_fixture_value"

// newAPIWS14aFixture gives a workspace a secret (API_KEY), a script that
// reads it and a webhook to a public IP address (checked without DNS),
// disabled (no audit event is ever queued to it), made by the tenant's
// fixture administrator (newWSResFixture's).
func newAPIWS14aFixture(t *testing.T, app *webtest.App, tn models.Tenant, ws models.Workspace) ws14aFixture {
	t.Helper()
	ctx := webtest.Ctx()
	var ownerID int64
	modelstest.Must(t, app.DB.DB.Model(&models.Administrator{}).Where("tenant_id = ? AND email LIKE ?", tn.ID, "fixture.owner%@example.com").
		Order("id").Limit(1).Select("id").Scan(&ownerID))
	if ownerID == 0 {
		t.Fatal("no fixture administrator in the tenant")
	}
	v, err := app.Store.LoadViewer(ctx, tn, ownerID)
	if err != nil {
		t.Fatal(err)
	}
	act := models.Actor{AdminID: ownerID, Email: v.Administrator.Email}
	sec, err := app.Store.CreateSecret(ctx, v, ws.ID, models.SecretInput{Name: "API_KEY", Value: apiFixtureSecretValue}, act)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := app.Store.CreateScript(ctx, v, ws.ID, models.ScriptInput{Name: "Tier", Event: "post_authentication", Code: fixtureScript}, act)
	if err != nil {
		t.Fatal(err)
	}
	wh, _, err := app.Store.CreateWebhook(ctx, v, ws.ID, models.WebhookInput{URL: "https://93.184.216.34/gatehouse", Events: []string{"all"}, Enabled: false}, act)
	if err != nil {
		t.Fatal(err)
	}
	id := func(n int64) string { return fmt.Sprint(n) }
	return ws14aFixture{secret: id(sec.ID), script: id(sc.ID), webhook: id(wh.ID)}
}

// lastTokenLabel is the audit actor of the tenant's newest API token.
func lastTokenLabel(t *testing.T, app *webtest.App, tn models.Tenant) string {
	t.Helper()
	var tok models.APIToken
	modelstest.Must(t, app.DB.DB.Where("tenant_id = ?", tn.ID).Order("id DESC").Take(&tok))
	return tok.ActorLabel()
}

func apiTestLimits() *web.Limits {
	return &web.Limits{SignIn: limit.Rate{PerMinute: 6000, Burst: 1000},
		Codes: limit.Rate{PerMinute: 60, Burst: 60}, Invitations: limit.Rate{PerMinute: 60, Burst: 60},
		PasswordReset: limit.Rate{PerMinute: 60, Burst: 60}, SignInInFlight: 8, API: limit.Rate{PerMinute: 60000, Burst: 10000}}
}

// TestAPISecretsScriptsWebhooks: a workspace token creates, reads, updates
// (a stale version answers 409) and deletes a secret, a script and a
// webhook through the API; a secret's value is in no answer (nor in the
// script test's output, masked); a script test runs the saved code, or the
// code sent for who may change it (403 for a reader), with its output, its
// error or its time-out; a webhook's signing secret is in the create
// answer only (not in a replay); a test event is queued, delivered to an
// in-process https receiver that verifies its signature, and listed in
// the delivery log page by page; the Workspace Auditor reads and tests a
// script but is refused (403) every change; another tenant's or another
// workspace's objects are 404 under this workspace, and nothing changes;
// every audit event names the token.
func TestAPISecretsScriptsWebhooks(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		rc := newTLSReceiver(t)
		app := webtest.Start(t, db, webtest.Options{Limits: apiTestLimits(), Env: map[string]string{"GATEHOUSE_WEBHOOK_ALLOW_PRIVATE": "true"}})
		app.Store.Webhooks = webhook.NewClient(webhook.Options{AllowPrivate: true, RootCAs: rc.roots(), Timeout: 5 * time.Second})
		a := newAPIFixture(t, app, "alpha")
		b := newAPIFixture(t, app, "beta")
		hr := app.Workspace(a.tenant, "hr", "HR")
		hrObjs := newAPIWS14aFixture(t, app, a.tenant, hr)
		tenantAdmin := apiToken(t, app, a.tenant, "", "tenant_admin")
		auditor := apiToken(t, app, a.tenant, "sales", "workspace_auditor")
		admin := apiToken(t, app, a.tenant, "sales", "workspace_admin")
		actorLabel := lastTokenLabel(t, app, a.tenant)
		const one = "/api/v1/workspaces/sales"
		const value1, value2 = "sk_live_first_value_123", "sk_live_second_value_456"

		var bodies []string
		do := func(token, method, path string, body any) apiResponse {
			t.Helper()
			r := apiDo(t, app, token, method, path, "", body)
			bodies = append(bodies, r.Body)
			return r
		}
		wantErr := func(r apiResponse, status int, code, field, contains string) {
			t.Helper()
			if r.Status != status {
				t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
			}
			c, fields := r.apiError(t)
			if c != code || (field != "" && !strings.Contains(fields[field], contains)) {
				t.Fatalf("error %s %v, want %s with %s ~ %q", c, fields, code, field, contains)
			}
		}

		// ---- Secrets ----
		r := do(admin, http.MethodPost, one+"/secrets", map[string]any{"name": "STRIPE_KEY", "value": value1})
		var sec struct {
			ID         int64   `json:"id"`
			Name       string  `json:"name"`
			Version    int64   `json:"version"`
			LastUsedAt *string `json:"last_used_at"`
		}
		if r.Status != http.StatusCreated {
			t.Fatalf("create secret: %d %s", r.Status, r.Body)
		}
		r.JSON(t, &sec)
		if sec.Name != "STRIPE_KEY" || sec.Version != 1 || sec.LastUsedAt != nil || strings.Contains(r.Body, `"value"`) {
			t.Fatalf("created secret: %s", r.Body)
		}
		secPath := one + "/secrets/" + fmt.Sprint(sec.ID)
		wantErr(do(admin, http.MethodPost, one+"/secrets", map[string]any{"name": "STRIPE_KEY", "value": "x"}), 422, "invalid", "name", "already exists")
		wantErr(do(admin, http.MethodPost, one+"/secrets", map[string]any{"name": "lower", "value": "x"}), 422, "invalid", "name", "upper-case")
		var list struct {
			Data []map[string]any `json:"data"`
		}
		do(admin, http.MethodGet, one+"/secrets", nil).JSON(t, &list)
		if len(list.Data) != 2 || list.Data[0]["name"] != "API_KEY" || list.Data[1]["name"] != "STRIPE_KEY" {
			t.Fatalf("secrets list: %v", list.Data)
		}
		if r := do(auditor, http.MethodGet, secPath, nil); r.Status != 200 || !strings.Contains(r.Body, `"name":"STRIPE_KEY"`) {
			t.Fatalf("auditor reads the secret: %d %s", r.Status, r.Body)
		}
		// SPEC's /secrets/{name}: the same secret by its name; an unknown name is 404.
		if r := do(auditor, http.MethodGet, one+"/secrets/STRIPE_KEY", nil); r.Status != 200 || !strings.Contains(r.Body, fmt.Sprintf(`"id":%d`, sec.ID)) {
			t.Fatalf("the secret by name: %d %s", r.Status, r.Body)
		}
		wantErr(do(auditor, http.MethodGet, one+"/secrets/NO_SUCH_KEY", nil), 404, "not_found", "", "")
		wantErr(do(auditor, http.MethodPatch, secPath, map[string]any{"version": 1, "value": "nope"}), 403, "forbidden", "", "")
		wantErr(do(auditor, http.MethodPost, one+"/secrets", map[string]any{"name": "NOPE", "value": "nope"}), 403, "forbidden", "", "")
		r = do(admin, http.MethodPatch, secPath, map[string]any{"version": 1, "value": value2})
		r.JSON(t, &sec)
		if r.Status != 200 || sec.Version != 2 {
			t.Fatalf("replace value: %d %s", r.Status, r.Body)
		}
		wantErr(do(admin, http.MethodPatch, secPath, map[string]any{"version": 1, "value": "stale"}), 409, "conflict", "version", "")
		wantErr(do(admin, http.MethodPatch, secPath, map[string]any{"version": 2, "name": "RENAMED", "value": "v"}), 400, "bad_request", "", "")

		// ---- Extension scripts ----
		code := "function main(context) {\n  context.greeting = 'hi ' + context.user.name;\n  context.key = secrets.STRIPE_KEY;\n  return context;\n}\n"
		r = do(admin, http.MethodPost, one+"/scripts", map[string]any{"name": "Greet", "event": "post_authentication", "code": code})
		var sc struct {
			ID      int64    `json:"id"`
			Code    string   `json:"code"`
			Secrets []string `json:"secrets"`
			Version int64    `json:"version"`
		}
		if r.Status != http.StatusCreated {
			t.Fatalf("create script: %d %s", r.Status, r.Body)
		}
		r.JSON(t, &sc)
		if sc.Code != code || len(sc.Secrets) != 1 || sc.Secrets[0] != "STRIPE_KEY" || sc.Version != 1 {
			t.Fatalf("created script: %s", r.Body)
		}
		scPath := one + "/scripts/" + fmt.Sprint(sc.ID)
		wantErr(do(admin, http.MethodPost, one+"/scripts", map[string]any{"name": "Broken", "event": "post_authentication", "code": "function main(c) {\n  return c\n}}\n"}), 422, "invalid", "code", "Line 3")
		wantErr(do(admin, http.MethodPost, one+"/scripts", map[string]any{"name": "X", "event": "nope", "code": code}), 422, "invalid", "event", "post_authentication")
		list.Data = nil
		do(auditor, http.MethodGet, one+"/scripts?q=gre", nil).JSON(t, &list)
		if len(list.Data) != 1 || list.Data[0]["name"] != "Greet" || list.Data[0]["code"] != nil {
			t.Fatalf("scripts list: %v", list.Data)
		}
		type testResult struct {
			Output   string   `json:"output"`
			Error    string   `json:"error"`
			TimedOut bool     `json:"timed_out"`
			Logs     []string `json:"logs"`
		}
		var run testResult
		r = do(auditor, http.MethodPost, scPath+"/test", map[string]any{"input": map[string]any{"user": map[string]any{"name": "Ann"}}})
		r.JSON(t, &run)
		if r.Status != 200 || !strings.Contains(run.Output, `"greeting": "hi Ann"`) || !strings.Contains(run.Output, `"key": "***"`) || run.Error != "" || run.TimedOut {
			t.Fatalf("auditor tests the saved script: %d %s", r.Status, r.Body)
		}
		var lastUsed models.Secret
		modelstest.Must(t, db.DB.Where("id = ?", sec.ID).Take(&lastUsed))
		if lastUsed.LastUsedAt == nil {
			t.Error("the test did not record the secret's last use")
		}
		// Code sent in place of the saved one: for who may change the script.
		draft := "function main(context) {\n  context.draft = true;\n  return context;\n}\n"
		wantErr(do(auditor, http.MethodPost, scPath+"/test", map[string]any{"input": map[string]any{}, "code": draft}), 403, "forbidden", "", "")
		run = testResult{}
		r = do(admin, http.MethodPost, scPath+"/test", map[string]any{"input": map[string]any{"user": map[string]any{"name": "Bo"}}, "code": draft})
		r.JSON(t, &run)
		if r.Status != 200 || !strings.Contains(run.Output, `"draft": true`) || strings.Contains(run.Output, "greeting") {
			t.Fatalf("draft test: %d %s", r.Status, r.Body)
		}
		wantErr(do(admin, http.MethodPost, scPath+"/test", map[string]any{"code": "function main(c) {\n  return c\n}}\n"}), 422, "invalid", "code", "Line 3")
		wantErr(do(admin, http.MethodPost, scPath+"/test", map[string]any{"input": []int{1}}), 422, "invalid", "input", "JSON object")
		run = testResult{}
		r = do(admin, http.MethodPost, scPath+"/test", map[string]any{"code": "function main(context) {\n  throw new Error('no tier for ' + context.id);\n}\n", "input": map[string]any{"id": "9"}})
		r.JSON(t, &run)
		if r.Status != 200 || !strings.Contains(run.Error, "no tier for 9") || run.Output != "" {
			t.Fatalf("a throwing draft: %d %s", r.Status, r.Body)
		}
		run = testResult{}
		r = do(admin, http.MethodPost, scPath+"/test", map[string]any{"code": "function main(context) {\n  while (true) {}\n}\n"})
		r.JSON(t, &run)
		if r.Status != 200 || !run.TimedOut || !strings.Contains(run.Error, "timed out") {
			t.Fatalf("an endless draft: %d %s", r.Status, r.Body)
		}
		var saved models.ExtensionScript
		modelstest.Must(t, db.DB.Where("id = ?", sc.ID).Take(&saved))
		if saved.Code != code || saved.Version != 1 {
			t.Fatalf("a test changed the script: %+v", saved)
		}
		wantErr(do(auditor, http.MethodPatch, scPath, map[string]any{"version": 1, "name": "Nope"}), 403, "forbidden", "", "")
		r = do(admin, http.MethodPatch, scPath, map[string]any{"version": 1, "event": "token_minting"})
		var scUp struct {
			Name, Event, Code string
			Version           int64
		}
		r.JSON(t, &scUp)
		if r.Status != 200 || scUp.Event != "token_minting" || scUp.Name != "Greet" || scUp.Code != code || scUp.Version != 2 {
			t.Fatalf("update script: %d %s", r.Status, r.Body)
		}
		wantErr(do(admin, http.MethodPatch, scPath, map[string]any{"version": 1, "name": "Stale"}), 409, "conflict", "version", "")

		// ---- Webhooks ----
		hookURL := rc.srv.URL + "/hook"
		r = apiDo(t, app, admin, http.MethodPost, one+"/webhooks", "hook-1", map[string]any{"url": hookURL, "events": []string{"secret.created"}})
		var wh struct {
			ID            int64    `json:"id"`
			URL           string   `json:"url"`
			Events        []string `json:"events"`
			Enabled       bool     `json:"enabled"`
			SigningSecret string   `json:"signing_secret"`
			Version       int64    `json:"version"`
		}
		r.JSON(t, &wh)
		if r.Status != http.StatusCreated || !strings.HasPrefix(wh.SigningSecret, webhook.SecretPrefix) || !wh.Enabled || wh.URL != hookURL ||
			len(wh.Events) != 1 || wh.Events[0] != "secret.created" || r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("create webhook: %d %v %s", r.Status, r.Header, r.Body)
		}
		signing := wh.SigningSecret
		rc.setSecret(signing)
		whPath := one + "/webhooks/" + fmt.Sprint(wh.ID)
		if again := apiDo(t, app, admin, http.MethodPost, one+"/webhooks", "hook-1", map[string]any{"url": hookURL, "events": []string{"secret.created"}}); again.Status != http.StatusCreated ||
			again.Header.Get("Idempotent-Replayed") != "true" || strings.Contains(again.Body, signing) || strings.Contains(again.Body, "signing_secret") {
			t.Fatalf("replayed create: %d %s", again.Status, again.Body)
		}
		for _, p := range []string{whPath, one + "/webhooks"} {
			if r := do(auditor, http.MethodGet, p, nil); r.Status != 200 || strings.Contains(r.Body, signing) || strings.Contains(r.Body, "signing_secret") || !strings.Contains(r.Body, hookURL) {
				t.Fatalf("GET %s: %d %s", p, r.Status, r.Body)
			}
		}
		wantErr(do(admin, http.MethodPost, one+"/webhooks", map[string]any{"url": hookURL, "events": []string{"all"}}), 422, "invalid", "url", "already sends")
		wantErr(do(admin, http.MethodPost, one+"/webhooks", map[string]any{"url": "https://x.example.com/in", "events": []string{"not.an.event"}}), 422, "invalid", "events", "not an event")
		wantErr(do(auditor, http.MethodPost, whPath+"/test", nil), 403, "forbidden", "", "")

		// A test event: queued (202), in the log, delivered and signed.
		r = do(admin, http.MethodPost, whPath+"/test", nil)
		var dl struct {
			ID             int64  `json:"id"`
			Event          string `json:"event"`
			Status         string `json:"status"`
			Attempts       int    `json:"attempts"`
			ResponseStatus *int   `json:"response_status"`
		}
		r.JSON(t, &dl)
		if r.Status != http.StatusAccepted || dl.Event != models.WebhookTestEvent || dl.Status != models.DeliveryPending || dl.ID == 0 {
			t.Fatalf("send test: %d %s", r.Status, r.Body)
		}
		var log struct {
			Data []struct {
				ID             int64  `json:"id"`
				Event          string `json:"event"`
				Status         string `json:"status"`
				Attempts       int    `json:"attempts"`
				ResponseStatus *int   `json:"response_status"`
			} `json:"data"`
			NextCursor *string `json:"next_cursor"`
		}
		do(auditor, http.MethodGet, whPath+"/deliveries", nil).JSON(t, &log)
		if len(log.Data) != 1 || log.Data[0].ID != dl.ID || log.Data[0].Status != models.DeliveryPending || log.NextCursor != nil {
			t.Fatalf("deliveries before the worker: %+v", log)
		}
		worker := hookWorker(t, db, app)
		if _, _, err := worker.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		got := rc.received()
		if len(got) != 1 || got[0].verified != nil || !strings.Contains(got[0].body, `"type":"webhook.test"`) {
			t.Fatalf("received %+v", got)
		}
		log.Data = nil
		do(admin, http.MethodGet, whPath+"/deliveries", nil).JSON(t, &log)
		if len(log.Data) != 1 || log.Data[0].Status != models.DeliveryDelivered || log.Data[0].ResponseStatus == nil || *log.Data[0].ResponseStatus != 200 || log.Data[0].Attempts != 1 {
			t.Fatalf("deliveries after the worker: %+v", log)
		}
		// A matching audit event is delivered too; the log pages newest first.
		if r := do(admin, http.MethodPost, one+"/secrets", map[string]any{"name": "OTHER_KEY", "value": value1}); r.Status != http.StatusCreated {
			t.Fatalf("second secret: %d %s", r.Status, r.Body)
		}
		log.Data, log.NextCursor = nil, nil
		do(admin, http.MethodGet, whPath+"/deliveries?limit=1", nil).JSON(t, &log)
		if len(log.Data) != 1 || log.Data[0].Event != "secret.created" || log.NextCursor == nil {
			t.Fatalf("first page: %+v", log)
		}
		cursor := *log.NextCursor
		log.Data, log.NextCursor = nil, nil
		do(admin, http.MethodGet, whPath+"/deliveries?limit=1&cursor="+url.QueryEscape(cursor), nil).JSON(t, &log)
		if len(log.Data) != 1 || log.Data[0].ID != dl.ID || log.NextCursor != nil {
			t.Fatalf("second page: %+v", log)
		}
		wantErr(do(admin, http.MethodGet, whPath+"/deliveries?cursor=bm9wZQ", nil), 400, "bad_request", "cursor", "")
		if _, _, err := worker.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := rc.received(); len(got) != 2 || got[1].verified != nil || !strings.Contains(got[1].body, `"label":"OTHER_KEY"`) || strings.Contains(got[1].body, value1) {
			t.Fatalf("received %+v", got)
		}
		// Update: the fields sent; a stale version is 409.
		r = do(admin, http.MethodPatch, whPath, map[string]any{"version": 1, "enabled": false})
		wh = struct {
			ID            int64    `json:"id"`
			URL           string   `json:"url"`
			Events        []string `json:"events"`
			Enabled       bool     `json:"enabled"`
			SigningSecret string   `json:"signing_secret"`
			Version       int64    `json:"version"`
		}{}
		r.JSON(t, &wh)
		if r.Status != 200 || wh.Enabled || wh.Version != 2 || wh.URL != hookURL || len(wh.Events) != 1 || wh.Events[0] != "secret.created" || wh.SigningSecret != "" {
			t.Fatalf("disable: %d %s", r.Status, r.Body)
		}
		wantErr(do(admin, http.MethodPatch, whPath, map[string]any{"version": 1, "enabled": true}), 409, "conflict", "version", "")
		wantErr(do(auditor, http.MethodPatch, whPath, map[string]any{"version": 2, "enabled": true}), 403, "forbidden", "", "")

		// Another tenant's and another workspace's objects: 404 here, for
		// every route, and nothing changes.
		before := tableCountsAPI(t, db.DB)
		for _, other := range []ws14aFixture{b.ws14a, hrObjs} {
			for _, c := range []struct {
				method, path string
				body         any
			}{
				{http.MethodGet, "/secrets/" + other.secret, nil},
				{http.MethodPatch, "/secrets/" + other.secret, map[string]any{"version": 1, "value": "x"}},
				{http.MethodDelete, "/secrets/" + other.secret, nil},
				{http.MethodGet, "/scripts/" + other.script, nil},
				{http.MethodPatch, "/scripts/" + other.script, map[string]any{"version": 1, "name": "X"}},
				{http.MethodDelete, "/scripts/" + other.script, nil},
				{http.MethodPost, "/scripts/" + other.script + "/test", map[string]any{}},
				{http.MethodGet, "/webhooks/" + other.webhook, nil},
				{http.MethodPatch, "/webhooks/" + other.webhook, map[string]any{"version": 1, "enabled": false}},
				{http.MethodDelete, "/webhooks/" + other.webhook, nil},
				{http.MethodGet, "/webhooks/" + other.webhook + "/deliveries", nil},
				{http.MethodPost, "/webhooks/" + other.webhook + "/test", nil},
			} {
				for _, tok := range []string{tenantAdmin, admin} {
					if r := do(tok, c.method, one+c.path, c.body); r.Status != http.StatusNotFound {
						t.Errorf("%s %s: %d %s", c.method, c.path, r.Status, r.Body)
					}
				}
			}
		}
		for _, p := range []string{"/secrets", "/secrets/" + hrObjs.secret, "/scripts/" + hrObjs.script, "/webhooks/" + hrObjs.webhook + "/deliveries"} {
			if r := do(admin, http.MethodGet, "/api/v1/workspaces/hr"+p, nil); r.Status != http.StatusNotFound {
				t.Errorf("the sales token GET hr%s: %d", p, r.Status)
			}
		}
		if r := do(tenantAdmin, http.MethodGet, "/api/v1/workspaces/hr/secrets/"+hrObjs.secret, nil); r.Status != 200 {
			t.Errorf("the tenant token reads hr's secret: %d", r.Status)
		}
		if after := tableCountsAPI(t, db.DB); after != before {
			t.Fatalf("refused requests changed something: %s → %s", before, after)
		}

		// Delete, each: 204, then 404.
		for _, p := range []string{secPath, scPath, whPath} {
			wantErr(do(auditor, http.MethodDelete, p, nil), 403, "forbidden", "", "")
			if r := do(admin, http.MethodDelete, p, nil); r.Status != http.StatusNoContent {
				t.Fatalf("DELETE %s: %d %s", p, r.Status, r.Body)
			}
			if r := do(admin, http.MethodGet, p, nil); r.Status != http.StatusNotFound {
				t.Fatalf("GET %s after delete: %d", p, r.Status)
			}
		}
		if n := modelstest.Count(t, db.DB.Model(&models.WebhookDelivery{}).Where("webhook_id = ?", wh.ID)); n != 0 {
			t.Errorf("%d deliveries left after the webhook's deletion", n)
		}

		// The secrets' values: in no answer, no audit event.
		for _, b := range bodies {
			for _, v := range []string{value1, value2, apiFixtureSecretValue} {
				if strings.Contains(b, v) {
					t.Fatalf("an answer holds a secret's value: %s", b)
				}
			}
		}
		if n := modelstest.Count(t, db.DB.Model(&models.AuditEvent{}).Where("changes LIKE ? OR changes LIKE ?", "%"+value1+"%", "%"+value2+"%")); n != 0 {
			t.Errorf("%d audit events hold a secret's value", n)
		}
		// Every change names the token.
		for action, want := range map[string]int64{"secret.created": 2, "secret.updated": 1, "secret.deleted": 1,
			"extension_script.created": 1, "extension_script.updated": 1, "extension_script.deleted": 1,
			"webhook.created": 1, "webhook.updated": 1, "webhook.deleted": 1} {
			if n := modelstest.Count(t, db.DB.Model(&models.AuditEvent{}).Where("tenant_id = ? AND action = ? AND actor_email = ? AND actor_id IS NULL", a.tenant.ID, action, actorLabel)); n != want {
				t.Errorf("%s by %s: %d events, want %d", action, actorLabel, n, want)
			}
		}
	})
}

// TestAPIWebhookURLsAreSSRFSafe: the API refuses what the console refuses
// (the same model check): http, loopback, private and metadata addresses,
// and names resolving to them, answer 422 with the url field's message,
// on create and on update, and nothing is saved; a public name is taken.
func TestAPIWebhookURLsAreSSRFSafe(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{Limits: apiTestLimits()})
		app.Store.Webhooks = webhook.NewClient(webhook.Options{Resolver: publicDNS(), Timeout: 2 * time.Second})
		f := newAPIFixture(t, app, "acme")
		admin := apiToken(t, app, f.tenant, "sales", "workspace_admin")
		const one = "/api/v1/workspaces/sales"
		before := ws14aCounts(t, db.DB)
		for _, c := range []struct{ url, want string }{
			{"http://hooks.example.com/in", "https://"},
			{"https://127.0.0.1/in", "loopback"},
			{"https://10.0.0.7/in", "private"},
			{"https://169.254.169.254/latest/meta-data", "metadata"},
			{"https://internal.example.com/in", "10.1.2.3"},
			{"https://nowhere.example.com/in", "could not be resolved"},
		} {
			for _, req := range []struct {
				method, path string
				body         map[string]any
			}{
				{http.MethodPost, one + "/webhooks", map[string]any{"url": c.url, "events": []string{"all"}}},
				{http.MethodPatch, one + "/webhooks/" + f.ws14a.webhook, map[string]any{"version": 1, "url": c.url}},
			} {
				r := apiDo(t, app, admin, req.method, req.path, "", req.body)
				code, fields := r.apiError(t)
				if r.Status != http.StatusUnprocessableEntity || code != "invalid" || !strings.Contains(fields["url"], c.want) {
					t.Errorf("%s %s: %d %s, want %q", req.method, c.url, r.Status, r.Body, c.want)
				}
			}
		}
		if after := ws14aCounts(t, db.DB); after != before {
			t.Fatalf("a refused URL was saved: %s → %s", before, after)
		}
		if r := apiDo(t, app, admin, http.MethodPost, one+"/webhooks", "", map[string]any{"url": "https://hooks.example.com/in", "events": []string{"all"}, "enabled": false}); r.Status != http.StatusCreated ||
			!strings.Contains(r.Body, `"enabled":false`) {
			t.Fatalf("a public URL: %d %s", r.Status, r.Body)
		}
	})
}

// TestScriptTestRunsTheTypedCode: on a script's page, Test sends the code
// of Settings as typed (the hidden code field app.js fills in) and runs
// it, saved or not, keeping the edits in Settings; without code it runs
// the saved script; a draft's syntax error shows on the Test form; a
// Workspace Auditor's Test form sends no code, runs the saved script, and
// a forged code is refused (403). Nothing is saved.
func TestScriptTestRunsTheTypedCode(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		f := newWSFixture(t, app, "acme")
		admin, _ := app.SignedInWithWorkspaceRole(f.tn, "wsadmin@example.com", f.alpha, "workspace_admin")
		aud, _ := app.SignedInWithWorkspaceRole(f.tn, "wsaud@example.com", f.alpha, "workspace_auditor")
		one := "/t/acme/workspaces/alpha"
		savedCode := "function main(context) {\n  context.saved = true;\n  return context;\n}\n"
		r := admin.Submit(one+"/scripts/new", one+"/scripts/new", url.Values{"name": {"Greet"}, "event": {"post_authentication"}, "code": {savedCode}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("save: %d", r.Status)
		}
		page := r.Header.Get("Location")
		d := wsresDoc(t, admin.Get(page))
		hidden := d.Find(`#test form input[type=hidden][name=code]`)
		if v, _ := hidden.Attr("value"); hidden.Length() != 1 || v != savedCode {
			t.Fatalf("the Test form's code field: %d %q", hidden.Length(), v)
		}
		if from, _ := hidden.Attr("data-copy-from"); from != "#settings #f-code" || d.Find(from).Length() != 1 {
			t.Fatalf("data-copy-from %q does not name the Settings code", from)
		}

		edited := "function main(context) {\n  context.edited = context.user.id;\n  return context;\n}\n"
		r = admin.Submit(page, page+"/test", url.Values{"input": {`{"user": {"id": "7"}}`}, "code": {edited}})
		d = wsresDoc(t, r)
		if res := d.Find("#result-code").Text(); r.Status != 200 || !strings.Contains(res, `"edited": "7"`) || strings.Contains(res, "saved") {
			t.Fatalf("typed code: %d %q", r.Status, res)
		}
		if got := d.Find("#settings #f-code").Text(); got != edited {
			t.Errorf("the edits are not kept in Settings: %q", got)
		}
		if v, _ := d.Find(`#test form input[name=code]`).Attr("value"); v != edited {
			t.Errorf("the Test form's code after the test: %q", v)
		}
		var x models.ExtensionScript
		modelstest.Must(t, db.DB.Where("name = ?", "Greet").Take(&x))
		if x.Code != savedCode || x.Version != 1 {
			t.Fatalf("Test saved the script: %+v", x)
		}
		// Without code: the saved script.
		r = admin.Submit(page, page+"/test", url.Values{"input": {`{}`}})
		if res := wsresDoc(t, r).Find("#result-code").Text(); r.Status != 200 || !strings.Contains(res, `"saved": true`) {
			t.Fatalf("saved code: %d %q", r.Status, res)
		}
		// A draft that does not parse: beside the Test form.
		r = admin.Submit(page, page+"/test", url.Values{"input": {`{}`}, "code": {"function main(c) {\n  return c\n}}\n"}})
		if e := wsresDoc(t, r).Find("#test .form-error").Text(); r.Status != 422 || !strings.Contains(e, "Line 3") {
			t.Fatalf("draft syntax error: %d %q", r.Status, e)
		}

		// The auditor: no code field; the saved script; forged code refused.
		if n := wsresDoc(t, aud.Get(page)).Find(`#test input[name=code]`).Length(); n != 0 {
			t.Errorf("the auditor's Test form sends code (%d)", n)
		}
		r = aud.Submit(page, page+"/test", url.Values{"input": {`{}`}})
		if res := wsresDoc(t, r).Find("#result-code").Text(); r.Status != 200 || !strings.Contains(res, `"saved": true`) {
			t.Fatalf("auditor test: %d %q", r.Status, res)
		}
		if r := aud.Submit(page, page+"/test", url.Values{"input": {`{}`}, "code": {edited}}); r.Status != http.StatusForbidden || strings.Contains(r.Body, `"edited"`) {
			t.Fatalf("auditor's forged code: %d", r.Status)
		}
		if r := aud.Submit(page, page+"/test", url.Values{"input": {`{}`}, "code": {savedCode}}); r.Status != 200 {
			t.Fatalf("auditor sending the saved code: %d", r.Status)
		}
	})
}
