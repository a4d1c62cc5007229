package web_test

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/mail"
	"gatehouse/web/webhook"
	"gatehouse/web/webtest"

	"gorm.io/gorm"
)

// fakeDNS answers host lookups from a table (or a func), so no test asks
// real DNS.
type fakeDNS struct {
	mu    sync.Mutex
	hosts map[string]string
}

func (r *fakeDNS) set(host, addr string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hosts[host] = addr
}

func (r *fakeDNS) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	a, ok := r.hosts[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return []netip.Addr{netip.MustParseAddr(a)}, nil
}

// publicDNS resolves the hosts of the tests: hooks.example.com and the
// like to a public address, the others as the SSRF tests need.
func publicDNS() *fakeDNS {
	return &fakeDNS{hosts: map[string]string{
		"hooks.example.com":    "93.184.216.34",
		"hooks2.example.com":   "93.184.216.35",
		"other.example.com":    "93.184.216.36",
		"internal.example.com": "10.1.2.3",
		"rebind.example.com":   "93.184.216.37",
	}}
}

// ws14aRoute reports whether a route is a secret's, script's or
// webhook's (covered by TestSecretsScriptsWebhooksRoutesByRole).
func ws14aRoute(key string) bool {
	if !strings.Contains(key, " /t/:tenant/") { // the API's twins: in the API's walk tests
		return false
	}
	for _, p := range []string{"/secrets", "/scripts", "/webhooks"} {
		if strings.Contains(key, "/workspaces/:workspace"+p) {
			return true
		}
	}
	return false
}

// ws14aCounts snapshots what a secrets/scripts/webhooks request could touch.
func ws14aCounts(t *testing.T, db *gorm.DB) string {
	t.Helper()
	var parts []string
	for _, table := range []string{"secrets", "extension_scripts", "webhooks", "webhook_deliveries", "outbox_emails", "audit_events"} {
		var n int64
		if err := db.Table(table).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		parts = append(parts, fmt.Sprintf("%s=%d", table, n))
	}
	for _, table := range []string{"secrets", "extension_scripts", "webhooks"} {
		var versions []int64
		modelstest.Must(t, db.Table(table).Order("id").Pluck("version", &versions))
		parts = append(parts, fmt.Sprint(versions))
	}
	return strings.Join(parts, " ")
}

type ws14aFixture struct {
	secret, script, webhook string
}

const fixtureScript = "function main(context) {\n  context.key = secrets.API_KEY.length;\n  return context;\n}\n"

func newWS14aFixture(t *testing.T, app *webtest.App, tn models.Tenant, ws models.Workspace) ws14aFixture {
	t.Helper()
	ctx := context.Background()
	owner := app.AdminWithRoles(tn, "fixture14.owner@example.com", "tenant_admin")
	v, err := app.Store.LoadViewer(ctx, tn, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	act := models.Actor{AdminID: owner.ID, Email: owner.Email}
	sec, err := app.Store.CreateSecret(ctx, v, ws.ID, models.SecretInput{Name: "API_KEY", Value: "sk_live_fixture_value"}, act)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := app.Store.CreateScript(ctx, v, ws.ID, models.ScriptInput{Name: "Tier", Event: "post_authentication", Code: fixtureScript}, act)
	if err != nil {
		t.Fatal(err)
	}
	wh, _, err := app.Store.CreateWebhook(ctx, v, ws.ID, models.WebhookInput{URL: "https://hooks.example.com/gatehouse", Events: []string{"all"}, Enabled: true}, act)
	if err != nil {
		t.Fatal(err)
	}
	id := func(n int64) string { return fmt.Sprint(n) }
	return ws14aFixture{secret: id(sec.ID), script: id(sc.ID), webhook: id(wh.ID)}
}

// TestSecretsScriptsWebhooksRoutesByRole is the role × route table of
// secrets, extension scripts and webhooks: Tenant Admin and the Workspace
// Admin of the workspace change them; Tenant Auditor and Workspace Auditor
// read them (and may Test a script); the Workspace Admin of another
// workspace and a Tenant Member get 404; refused requests change nothing.
func TestSecretsScriptsWebhooksRoutesByRole(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		app.Store.Webhooks = webhook.NewClient(webhook.Options{Resolver: publicDNS()})
		covered := map[string]bool{}
		for i, vw := range wsViewers {
			slug := fmt.Sprintf("s%d", i)
			f := newWSFixture(t, app, slug)
			x := newWS14aFixture(t, app, f.tn, f.alpha)
			email := strings.ReplaceAll(vw.name, "_", ".") + "@example.com"
			var viewer *webtest.Client
			if vw.wsRole == "" {
				viewer, _ = app.SignedInAs(f.tn, email, vw.tenantRoles...)
			} else {
				ws := f.alpha
				if vw.inBeta {
					ws = f.beta
				}
				viewer, _ = app.SignedInWithWorkspaceRole(f.tn, email, ws, vw.wsRole, vw.tenantRoles...)
			}
			base := "/t/" + slug
			one := base + "/workspaces/alpha"
			see := vw.name == "tenant_admin" || vw.name == "tenant_auditor" || vw.name == "workspace_admin" || vw.name == "workspace_auditor"
			manage := vw.name == "tenant_admin" || vw.name == "workspace_admin"
			sec, sc, wh := one+"/secrets/"+x.secret, one+"/scripts/"+x.script, one+"/webhooks/"+x.webhook
			for _, rt := range []struct {
				method, route, path string
				vals                url.Values
				allowed             bool
				okStatus            int
			}{
				{"GET", "/secrets", one + "/secrets", nil, see, 200},
				{"GET", "/secrets/new", one + "/secrets/new", nil, manage, 200},
				{"GET", "/secrets/:secret", sec, nil, see, 200},
				{"GET", "/secrets/:secret/delete", sec + "/delete", nil, manage, 200},
				{"GET", "/scripts", one + "/scripts", nil, see, 200},
				{"GET", "/scripts/new", one + "/scripts/new", nil, manage, 200},
				{"GET", "/scripts/:script", sc, nil, see, 200},
				{"GET", "/scripts/:script/delete", sc + "/delete", nil, manage, 200},
				{"POST", "/scripts/:script/test", sc + "/test", url.Values{"input": {`{"user": {"id": "1"}}`}}, see, 200},
				{"GET", "/webhooks", one + "/webhooks", nil, see, 200},
				{"GET", "/webhooks/new", one + "/webhooks/new", nil, manage, 200},
				{"GET", "/webhooks/:webhook", wh, nil, see, 200},
				{"GET", "/webhooks/:webhook/delete", wh + "/delete", nil, manage, 200},
				{"POST", "/secrets/new", one + "/secrets/new", url.Values{"name": {"SMTP_PASSWORD"}, "value": {"hunter2hunter2"}}, manage, 303},
				{"POST", "/secrets", one + "/secrets", url.Values{"name": {"CRM_TOKEN"}, "value": {"tok_123456"}}, manage, 303},
				{"POST", "/secrets/:secret", sec, url.Values{"value": {"sk_live_rotated"}, "version": {"1"}}, manage, 303},
				{"POST", "/scripts/new", one + "/scripts/new", url.Values{"name": {"Audit"}, "event": {"token_minting"}, "code": {"function main(c) { return c; }"}}, manage, 303},
				{"POST", "/scripts", one + "/scripts", url.Values{"name": {"Geo"}, "event": {"post_authentication"}, "code": {"const main = (c) => c;"}}, manage, 303},
				{"POST", "/scripts/:script", sc, url.Values{"name": {"Tier"}, "event": {"token_minting"}, "code": {fixtureScript}, "version": {"1"}}, manage, 303},
				{"POST", "/webhooks/new", one + "/webhooks/new", url.Values{"url": {"https://hooks2.example.com/in"}, "events": {"client.created"}, "enabled": {"true"}}, manage, 201},
				{"POST", "/webhooks", one + "/webhooks", url.Values{"url": {"https://other.example.com/in"}, "events": {"all"}}, manage, 201},
				{"POST", "/webhooks/:webhook", wh, url.Values{"url": {"https://hooks.example.com/gatehouse"}, "events": {"secret.created", "secret.deleted"}, "enabled": {"true"}, "version": {"1"}}, manage, 303},
				{"POST", "/webhooks/:webhook/test", wh + "/test", nil, manage, 303},
				{"POST", "/webhooks/:webhook/delete", wh + "/delete", nil, manage, 303},
				{"POST", "/scripts/:script/delete", sc + "/delete", nil, manage, 303},
				{"POST", "/secrets/:secret/delete", sec + "/delete", nil, manage, 303},
			} {
				covered[rt.method+" /t/:tenant/workspaces/:workspace"+rt.route] = true
				before := ws14aCounts(t, db.DB)
				var r *webtest.Response
				if rt.method == "GET" {
					r = viewer.Get(rt.path)
				} else {
					r = viewer.Submit(base+"/", rt.path, rt.vals)
				}
				want := rt.okStatus
				switch {
				case rt.allowed:
				case !see:
					want = http.StatusNotFound
				default:
					want = http.StatusForbidden
				}
				if r.Status != want {
					t.Errorf("%s: %s %s = %d, want %d", vw.name, rt.method, rt.path, r.Status, want)
				}
				if !rt.allowed {
					if after := ws14aCounts(t, db.DB); after != before {
						t.Errorf("%s: refused %s %s changed something: %s → %s", vw.name, rt.method, rt.path, before, after)
					}
					page := map[int]string{http.StatusForbidden: "Access denied", http.StatusNotFound: "Page not found"}[want]
					if !strings.Contains(r.Body, page) || !strings.Contains(r.Body, `class="sidebar"`) {
						t.Errorf("%s: the %d page for %s is not in the layout", vw.name, want, rt.path)
					}
				}
			}
			// The tabs show what the viewer may read.
			if see {
				tabs := wsresDoc(t, viewer.Get(one)).Find(".tabs").Text()
				for _, tab := range []string{"Secrets", "Extension Scripts", "Webhooks"} {
					if !strings.Contains(tabs, tab) {
						t.Errorf("%s: tabs lack %s: %q", vw.name, tab, tabs)
					}
				}
			}
		}
		for key := range app.Web.Routes.Perms {
			if ws14aRoute(key) && !covered[key] {
				t.Errorf("route %s is not in the role × route table", key)
			}
		}
	})
}

// TestSecretsAreSealedAndNeverShown: a secret's value is stored encrypted
// (not in the clear, not in the audit log), never sent back (not even
// after a refused form), and a name must be an upper-case identifier,
// unique in the workspace; a stale replace is refused.
func TestSecretsAreSealedAndNeverShown(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		f := newWSFixture(t, app, "acme")
		admin, _ := app.SignedInWithWorkspaceRole(f.tn, "wsadmin@example.com", f.alpha, "workspace_admin")
		one := "/t/acme/workspaces/alpha"
		const value = "sk_live_51HxVerySecretValue"

		r := admin.Submit(one+"/secrets/new", one+"/secrets/new", url.Values{"name": {"stripe-key"}, "value": {value}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad name: %d", r.Status)
		}
		d := wsresDoc(t, r)
		if e := d.Find("#e-name").Text(); !strings.Contains(e, "upper-case identifier") {
			t.Errorf("name message %q", e)
		}
		if v, _ := d.Find("#f-name").Attr("value"); v != "stripe-key" {
			t.Errorf("typed name lost: %q", v)
		}
		if strings.Contains(r.Body, value) {
			t.Error("a refused form sent the value back")
		}
		if n := modelstest.Count(t, db.DB.Table("secrets")); n != 0 {
			t.Fatalf("a refused secret was saved (%d)", n)
		}
		r = admin.Submit(one+"/secrets/new", one+"/secrets/new", url.Values{"name": {"STRIPE_KEY"}, "value": {value}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		loc := r.Header.Get("Location")
		page := admin.Get(loc)
		if page.Status != 200 || strings.Contains(page.Body, value) || !strings.Contains(page.Body, "secrets.STRIPE_KEY") {
			t.Fatalf("secret page %d (value shown: %v)", page.Status, strings.Contains(page.Body, value))
		}
		var row models.Secret
		modelstest.Must(t, db.DB.Where("name = ?", "STRIPE_KEY").Take(&row))
		if strings.Contains(string(row.ValueSealed), value) || len(row.ValueSealed) < len(value)+12 {
			t.Fatalf("value not sealed: %q", row.ValueSealed)
		}
		var changes []string
		modelstest.Must(t, db.DB.Model(&models.AuditEvent{}).Where("action LIKE ?", "secret.%").Pluck("changes", &changes))
		if len(changes) != 1 || strings.Contains(changes[0], value) {
			t.Fatalf("audit %q", changes)
		}
		if list := admin.Get(one + "/secrets"); !strings.Contains(list.Body, "STRIPE_KEY") || strings.Contains(list.Body, value) || !strings.Contains(list.Body, "Never") {
			t.Fatalf("list:\n%s", list.Body)
		}
		// Unique in the workspace.
		r = admin.Submit(one+"/secrets/new", one+"/secrets/new", url.Values{"name": {"STRIPE_KEY"}, "value": {"other"}})
		if e := wsresDoc(t, r).Find("#e-name").Text(); r.Status != 422 || !strings.Contains(e, "already exists") {
			t.Errorf("duplicate: %d %q", r.Status, e)
		}
		// Replace, then a stale replace.
		if r := admin.Submit(loc, loc, url.Values{"value": {"sk_live_new_value"}, "version": {"1"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("replace: %d", r.Status)
		}
		r = admin.Submit(loc, loc, url.Values{"value": {"sk_live_newer_value"}, "version": {"1"}})
		if r.Status != http.StatusConflict || !strings.Contains(r.Body, "Someone else changed this") {
			t.Fatalf("stale replace: %d", r.Status)
		}
		if strings.Contains(r.Body, "sk_live_newer_value") {
			t.Error("the conflict page shows the typed value")
		}
		// Another workspace's secret is 404 here.
		betaAdmin, _ := app.SignedInWithWorkspaceRole(f.tn, "beta.admin@example.com", f.beta, "workspace_admin")
		if r := betaAdmin.Get(strings.Replace(loc, "/alpha/", "/beta/", 1)); r.Status != http.StatusNotFound {
			t.Errorf("alpha's secret under beta: %d", r.Status)
		}
	})
}

// TestScriptsRunInTheSandbox: a script is checked when saved (its syntax
// error names the line); Test shows the output as JSON (secrets readable,
// their values masked, last used recorded), the error with its line, or
// "timed out" for an endless loop, after which the server still answers;
// an unbounded allocation is stopped; require, fetch and the like are not
// there.
func TestScriptsRunInTheSandbox(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		f := newWSFixture(t, app, "acme")
		admin, _ := app.SignedInWithWorkspaceRole(f.tn, "wsadmin@example.com", f.alpha, "workspace_admin")
		one := "/t/acme/workspaces/alpha"
		if r := admin.Submit(one+"/secrets/new", one+"/secrets/new", url.Values{"name": {"GREETING"}, "value": {"hello-from-vault"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("secret: %d", r.Status)
		}

		r := admin.Submit(one+"/scripts/new", one+"/scripts/new", url.Values{"name": {"Broken"}, "event": {"post_authentication"}, "code": {"function main(context) {\n  return context\n  }}\n"}})
		if e := wsresDoc(t, r).Find("#e-code").Text(); r.Status != 422 || !strings.Contains(e, "Line 3") {
			t.Fatalf("syntax error: %d %q", r.Status, e)
		}
		r = admin.Submit(one+"/scripts/new", one+"/scripts/new", url.Values{"name": {"NoMain"}, "event": {"post_authentication"}, "code": {"function handler(c) { return c; }"}})
		if e := wsresDoc(t, r).Find("#e-code").Text(); r.Status != 422 || !strings.Contains(e, "main") {
			t.Fatalf("no main: %d %q", r.Status, e)
		}

		save := func(name, code string) string {
			t.Helper()
			r := admin.Submit(one+"/scripts/new", one+"/scripts/new", url.Values{"name": {name}, "event": {"post_authentication"}, "code": {code}})
			if r.Status != http.StatusSeeOther {
				t.Fatalf("save %s: %d %s", name, r.Status, wsresDoc(t, r).Find(".error").Text())
			}
			return r.Header.Get("Location")
		}
		test := func(loc, input string) (int, string) {
			t.Helper()
			r := admin.Submit(loc, loc+"/test", url.Values{"input": {input}})
			return r.Status, strings.TrimSpace(wsresDoc(t, r).Find("#result").Text())
		}

		greet := save("Greet", "function main(context) {\n  context.greeting = secrets.GREETING.toUpperCase();\n  context.raw = secrets.GREETING;\n  return context;\n}\n")
		status, res := test(greet, `{"user": {"id": "7"}}`)
		if status != 200 || !strings.Contains(res, `"greeting": "HELLO-FROM-VAULT"`) || !strings.Contains(res, `"id": "7"`) {
			t.Fatalf("output %d %q", status, res)
		}
		if strings.Contains(res, "hello-from-vault") || !strings.Contains(res, `"raw": "***"`) {
			t.Errorf("a secret's value is shown: %q", res)
		}
		var used []models.Secret
		modelstest.Must(t, db.DB.Where("name = ?", "GREETING").Find(&used))
		if len(used) != 1 || used[0].LastUsedAt == nil {
			t.Fatalf("last used not recorded: %+v", used)
		}
		if list := admin.Get(one + "/secrets"); strings.Contains(wsresDoc(t, list).Find("tbody tr td:last-child").Text(), "Never") {
			t.Error("the list still says Never")
		}
		// Bad input beside the field.
		if r := admin.Submit(greet, greet+"/test", url.Values{"input": {"{oops"}}); r.Status != 422 || !strings.Contains(wsresDoc(t, r).Find("#e-input").Text(), "not valid JSON") {
			t.Errorf("bad input: %d", r.Status)
		}

		thrower := save("Thrower", "function main(context) {\n  const x = 1;\n  throw new Error('no tier for ' + context.user.id);\n}\n")
		if _, res := test(thrower, `{"user": {"id": "9"}}`); !strings.Contains(res, "Line 3") || !strings.Contains(res, "no tier for 9") {
			t.Errorf("exception %q", res)
		}

		loop := save("Loop", "function main(context) {\n  while (true) {}\n}\n")
		start := time.Now()
		if status, res := test(loop, `{}`); status != 200 || !strings.Contains(res, "timed out") {
			t.Fatalf("endless loop: %d %q", status, res)
		}
		if d := time.Since(start); d > 20*time.Second {
			t.Errorf("the endless loop held the request %v", d)
		}
		if r := admin.Get(one + "/scripts"); r.Status != 200 || !strings.Contains(r.Body, "Loop") {
			t.Fatalf("the server does not answer after the loop: %d", r.Status)
		}

		hog := save("Hog", "function main(context) {\n  const a = [];\n  for (;;) { a.push('x'.repeat(1 << 20) + a.length); }\n}\n")
		if _, res := test(hog, `{}`); !strings.Contains(res, "memory") && !strings.Contains(res, "timed out") {
			t.Errorf("unbounded allocation not stopped: %q", res)
		}
		huge := save("Huge", "function main(context) {\n  return {s: 'x'.repeat(2 ** 31)};\n}\n")
		if _, res := test(huge, `{}`); !strings.Contains(res, "Error") && !strings.Contains(res, "memory") && !strings.Contains(res, "timed out") {
			t.Errorf("huge allocation: %q", res)
		}

		caps := save("Caps", "function main(context) {\n  return {require: typeof require, fetch: typeof fetch, xhr: typeof XMLHttpRequest, process: typeof process, setTimeout: typeof setTimeout};\n}\n")
		if _, res := test(caps, `{}`); strings.Count(res, `"undefined"`) != 5 {
			t.Errorf("ambient capabilities: %q", res)
		}
		if r := admin.Get(one + "/scripts"); r.Status != 200 {
			t.Fatalf("the server does not answer: %d", r.Status)
		}
	})
}

// hookWorker is an outbox worker that delivers webhooks through the app's
// store (mail goes to a discarded log), retrying at once.
func hookWorker(t *testing.T, db modelstest.DB, app *webtest.App) *mail.Worker {
	t.Helper()
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	sender, err := mail.NewSender("", "gatehouse@example.com", discard)
	if err != nil {
		t.Fatal(err)
	}
	return &mail.Worker{DB: db.DB, Sender: sender, Webhooks: app.Store, Logger: discard, Now: time.Now, BaseBackoff: time.Millisecond, MaxBackoff: time.Millisecond}
}

// tlsReceiver is an in-process https webhook receiver that checks each
// delivery's signature.
type tlsReceiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	secret string
	status int
	got    []receivedHook
}

type receivedHook struct {
	body, signature string
	at              time.Time
	verified        error // against the receiver's secret when read
}

func newTLSReceiver(t *testing.T) *tlsReceiver {
	rc := &tlsReceiver{status: http.StatusOK}
	rc.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.got = append(rc.got, receivedHook{body: string(body), signature: r.Header.Get(webhook.SignatureHeader), at: time.Now()})
		if rc.status == http.StatusFound {
			w.Header().Set("Location", "https://example.com/elsewhere")
		}
		w.WriteHeader(rc.status)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *tlsReceiver) setSecret(s string) { rc.mu.Lock(); rc.secret = s; rc.mu.Unlock() }
func (rc *tlsReceiver) setStatus(s int)    { rc.mu.Lock(); rc.status = s; rc.mu.Unlock() }

// received is what the receiver got, each checked with its secret (set
// once the page showed it).
func (rc *tlsReceiver) received() []receivedHook {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := append([]receivedHook(nil), rc.got...)
	for i := range out {
		out[i].verified = webhook.Verify(out[i].signature, rc.secret, []byte(out[i].body), out[i].at, webhook.DefaultTolerance)
	}
	return out
}

func (rc *tlsReceiver) roots() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(rc.srv.Certificate())
	return p
}

// TestWebhookURLsAreSSRFSafe: http, loopback, private, link-local and
// metadata addresses, and names resolving to them, are refused beside the
// url field, nothing saved; at delivery a name that now resolves to a
// loopback address (DNS rebinding) is refused before connecting, and the
// attempt is logged as failed.
func TestWebhookURLsAreSSRFSafe(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		dns := publicDNS()
		app.Store.Webhooks = webhook.NewClient(webhook.Options{Resolver: dns, Timeout: 2 * time.Second})
		f := newWSFixture(t, app, "acme")
		admin, _ := app.SignedInWithWorkspaceRole(f.tn, "wsadmin@example.com", f.alpha, "workspace_admin")
		one := "/t/acme/workspaces/alpha"
		for _, c := range []struct{ url, want string }{
			{"http://hooks.example.com/in", "https://"},
			{"https://127.0.0.1/in", "loopback"},
			{"https://[::1]:8443/in", "loopback"},
			{"https://10.0.0.7/in", "private"},
			{"https://192.168.1.20/in", "private"},
			{"https://169.254.169.254/latest/meta-data", "metadata"},
			{"https://[fe80::1]/in", "link-local"},
			{"https://internal.example.com/in", "10.1.2.3"},
			{"https://[::ffff:127.0.0.1]/in", "IPv4-mapped"},
			{"https://nowhere.example.com/in", "could not be resolved"},
			{"https://user:pw@hooks.example.com/in", "user name"},
		} {
			before := ws14aCounts(t, db.DB)
			r := admin.Submit(one+"/webhooks/new", one+"/webhooks/new", url.Values{"url": {c.url}, "events": {"all"}, "enabled": {"true"}})
			d := wsresDoc(t, r)
			if e := d.Find("#e-url").Text(); r.Status != 422 || !strings.Contains(e, c.want) {
				t.Errorf("%s: %d %q, want %q", c.url, r.Status, e, c.want)
			}
			if v, _ := d.Find("#f-url").Attr("value"); v != c.url {
				t.Errorf("typed URL lost: %q", v)
			}
			if after := ws14aCounts(t, db.DB); after != before {
				t.Errorf("%s was saved: %s → %s", c.url, before, after)
			}
		}
		// Saved while public; at delivery it resolves to loopback.
		r := admin.Submit(one+"/webhooks/new", one+"/webhooks/new", url.Values{"url": {"https://rebind.example.com/in"}, "events": {"all"}, "enabled": {"true"}})
		if r.Status != http.StatusCreated {
			t.Fatalf("public webhook: %d %s", r.Status, wsresDoc(t, r).Find("#e-url").Text())
		}
		dns.set("rebind.example.com", "127.0.0.1")
		var wh models.Webhook
		modelstest.Must(t, db.DB.Where("url = ?", "https://rebind.example.com/in").Take(&wh))
		page := one + "/webhooks/" + fmt.Sprint(wh.ID)
		if r := admin.Submit(page, page+"/test", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("send test: %d", r.Status)
		}
		worker := hookWorker(t, db, app)
		if _, failed, err := worker.RunOnce(context.Background()); err != nil || failed == 0 {
			t.Fatalf("run: failed %d, %v", failed, err)
		}
		var dl models.WebhookDelivery
		modelstest.Must(t, db.DB.Where("webhook_id = ? AND event = ?", wh.ID, models.WebhookTestEvent).Take(&dl))
		if dl.Attempts != 1 || dl.Status != models.DeliveryPending || !strings.Contains(dl.LastError, "loopback") {
			t.Fatalf("rebound delivery: %+v", dl)
		}
		if log := wsresDoc(t, admin.Get(page)).Find("#deliveries").Text(); !strings.Contains(log, "Failed (no answer), will retry") || !strings.Contains(log, "loopback") {
			t.Errorf("delivery log:\n%s", log)
		}
	})
}

// TestWebhookDeliveries: a webhook to an in-process https receiver gets the
// workspace's matching audit events (and only those, and not another
// workspace's) as JSON POSTs whose signature the receiver verifies with the
// secret shown once; a non-2xx answer (a redirect included, not followed)
// is a failed attempt with its status, retried by the outbox; Send test
// event is delivered too; a disabled webhook sends nothing.
func TestWebhookDeliveries(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		rc := newTLSReceiver(t)
		app := webtest.Start(t, db, webtest.Options{Env: map[string]string{"GATEHOUSE_WEBHOOK_ALLOW_PRIVATE": "true"}})
		app.Store.Webhooks = webhook.NewClient(webhook.Options{AllowPrivate: true, RootCAs: rc.roots(), Timeout: 5 * time.Second})
		f := newWSFixture(t, app, "acme")
		admin, _ := app.SignedInWithWorkspaceRole(f.tn, "wsadmin@example.com", f.alpha, "workspace_admin")
		betaAdmin, _ := app.SignedInWithWorkspaceRole(f.tn, "betaadmin@example.com", f.beta, "workspace_admin")
		one := "/t/acme/workspaces/alpha"
		worker := hookWorker(t, db, app)
		run := func() (int, int) {
			t.Helper()
			sent, failed, err := worker.RunOnce(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			return sent, failed
		}

		run() // the invitations of the fixture
		r := admin.Submit(one+"/webhooks/new", one+"/webhooks/new", url.Values{"url": {rc.srv.URL + "/hook"}, "events": {"secret.created", "client.created"}, "enabled": {"true"}})
		if r.Status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.Status, wsresDoc(t, r).Find(".error").Text())
		}
		secret, _ := wsresDoc(t, r).Find("#secret-value").Attr("value")
		if !strings.HasPrefix(secret, webhook.SecretPrefix) {
			t.Fatalf("secret %q", secret)
		}
		rc.setSecret(secret)
		var wh models.Webhook
		modelstest.Must(t, db.DB.Where("url = ?", rc.srv.URL+"/hook").Take(&wh))
		if strings.Contains(string(wh.SecretSealed), secret) {
			t.Fatal("the signing secret is stored in the clear")
		}
		page := one + "/webhooks/" + fmt.Sprint(wh.ID)
		if strings.Contains(admin.Get(page).Body, secret) {
			t.Fatal("the signing secret is shown again")
		}

		// A matching event, one that does not match, and another workspace's.
		if r := admin.Submit(one+"/secrets/new", one+"/secrets/new", url.Values{"name": {"API_KEY"}, "value": {"value-1"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("secret: %d", r.Status)
		}
		if r := admin.Submit(one+"/scripts/new", one+"/scripts/new", url.Values{"name": {"S"}, "event": {"token_minting"}, "code": {"function main(c) { return c; }"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("script: %d", r.Status)
		}
		beta := "/t/acme/workspaces/beta"
		if r := betaAdmin.Submit(beta+"/secrets/new", beta+"/secrets/new", url.Values{"name": {"API_KEY"}, "value": {"value-2"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("beta secret: %d", r.Status)
		}
		if sent, failed := run(); sent != 1 || failed != 0 {
			t.Fatalf("sent %d failed %d", sent, failed)
		}
		got := rc.received()
		if len(got) != 1 || got[0].verified != nil {
			t.Fatalf("received %+v", got)
		}
		for _, want := range []string{`"type":"secret.created"`, `"slug":"alpha"`, `"label":"API_KEY"`, `"email":"wsadmin@example.com"`} {
			if !strings.Contains(got[0].body, want) {
				t.Errorf("body lacks %s: %s", want, got[0].body)
			}
		}
		if strings.Contains(got[0].body, "value-1") {
			t.Error("the secret's value was sent")
		}
		log := wsresDoc(t, admin.Get(page)).Find("#deliveries")
		if txt := log.Text(); !strings.Contains(txt, "secret.created") || !strings.Contains(txt, "Delivered (200)") {
			t.Fatalf("delivery log:\n%s", txt)
		}

		// Failures: 500, then a redirect (not followed), then success.
		rc.setStatus(http.StatusInternalServerError)
		if r := admin.Submit(page, page+"/test", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("send test: %d", r.Status)
		}
		if sent, failed := run(); sent != 0 || failed != 1 {
			t.Fatalf("500: sent %d failed %d", sent, failed)
		}
		if txt := wsresDoc(t, admin.Get(page)).Find("#deliveries").Text(); !strings.Contains(txt, "Failed (500), will retry") || !strings.Contains(txt, "webhook.test") {
			t.Fatalf("log after 500:\n%s", txt)
		}
		rc.setStatus(http.StatusFound)
		time.Sleep(5 * time.Millisecond)
		if sent, failed := run(); sent != 0 || failed != 1 {
			t.Fatalf("302: sent %d failed %d", sent, failed)
		}
		if txt := wsresDoc(t, admin.Get(page)).Find("#deliveries").Text(); !strings.Contains(txt, "Failed (302)") || !strings.Contains(txt, "not followed") {
			t.Fatalf("log after 302:\n%s", txt)
		}
		rc.setStatus(http.StatusNoContent)
		time.Sleep(5 * time.Millisecond)
		if sent, failed := run(); sent != 1 || failed != 0 {
			t.Fatalf("retry: sent %d failed %d", sent, failed)
		}
		var dl models.WebhookDelivery
		modelstest.Must(t, db.DB.Where("webhook_id = ? AND event = ?", wh.ID, models.WebhookTestEvent).Take(&dl))
		if dl.Status != models.DeliveryDelivered || dl.Attempts != 3 || dl.ResponseStatus != 204 {
			t.Fatalf("test delivery %+v", dl)
		}
		got = rc.received()
		if len(got) != 4 || got[3].verified != nil || !strings.Contains(got[3].body, `"type":"webhook.test"`) || got[1].body != got[3].body {
			t.Fatalf("received %d; last %+v", len(got), got[len(got)-1])
		}

		// Disabled: nothing more is sent.
		if r := admin.Submit(page, page, url.Values{"url": {rc.srv.URL + "/hook"}, "events": {"all"}, "enabled": {"false"}, "version": {"1"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("disable: %d %s", r.Status, wsresDoc(t, r).Find(".error").Text())
		}
		if modelstest.Count(t, db.DB.Model(&models.Webhook{}).Where("id = ? AND enabled = ?", wh.ID, false)) != 1 {
			t.Fatal("the webhook is still enabled")
		}
		if r := admin.Submit(one+"/secrets/new", one+"/secrets/new", url.Values{"name": {"OTHER"}, "value": {"value-3"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("secret: %d", r.Status)
		}
		run()
		if n := len(rc.received()); n != 4 {
			t.Fatalf("a disabled webhook sent %d", n)
		}
	})
}
