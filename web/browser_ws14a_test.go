package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/browsertest"
	"gatehouse/web/webhook"
	"gatehouse/web/webtest"

	"github.com/chromedp/chromedp"
)

// TestBrowserSecretsScriptsWebhooks: a Workspace Admin stores a secret,
// writes a script that uses it and tests it (sees its output), turns it
// into an endless loop and sees "timed out" with the server unharmed; adds
// a webhook to an in-process https receiver, sends a test event and sees
// its delivery, whose signature the receiver checks with the secret shown
// once.
func TestBrowserSecretsScriptsWebhooks(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		ctx := browsertest.New(t, 150*time.Second)
		rc := newTLSReceiver(t)
		app := webtest.Start(t, db, webtest.Options{RealClock: true, Env: map[string]string{"GATEHOUSE_WEBHOOK_ALLOW_PRIVATE": "true"}})
		app.Store.Webhooks = webhook.NewClient(webhook.Options{AllowPrivate: true, RootCAs: rc.roots(), Timeout: 5 * time.Second})
		worker := hookWorker(t, db, app)
		worker.Interval = 100 * time.Millisecond
		wctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); worker.Run(wctx) }()
		t.Cleanup(func() { cancel(); <-done })

		tn, _, _ := app.Tenant("acme", models.PlanEnterprise, "olivia@acme.example")
		shop := app.Workspace(tn, "shop", "Shop")
		wendy := app.AdminWithRoles(tn, "wendy@acme.example", "tenant_member")
		app.BindInWorkspace(wendy, shop, "workspace_admin")
		name := func(s string) string { return s + "-" + db.Name }
		one := "/t/acme/workspaces/shop"

		wsresSignIn(t, ctx, app, "wendy@acme.example")
		browsertest.Do(t, ctx, "open Shop", chromedp.Navigate(app.URL(one)), chromedp.WaitVisible(chromedp.CSS(".tabs")))
		tabs := browsertest.Text(t, ctx, ".tabs")
		for _, want := range []string{"Secrets", "Extension Scripts", "Webhooks"} {
			if !strings.Contains(tabs, want) {
				t.Fatalf("tabs lack %s: %q", want, tabs)
			}
		}

		// A secret.
		browsertest.Submit(t, ctx, "Secrets tab", `.tabs a[href="`+one+`/secrets"]`)
		browsertest.Submit(t, ctx, "Create Secret", `a[href="`+one+`/secrets/new"]`)
		browsertest.Do(t, ctx, "fill the secret",
			chromedp.SendKeys(chromedp.CSS("#f-name"), "GREETING"),
			chromedp.SendKeys(chromedp.CSS("#f-value"), "hello-from-vault"))
		browsertest.Submit(t, ctx, "save the secret", "main form button[type=submit]")
		if h := browsertest.Text(t, ctx, "#details h2"); h != "GREETING" {
			t.Fatalf("secret page %q", h)
		}
		if strings.Contains(browsertest.Text(t, ctx, "main"), "hello-from-vault") {
			t.Fatal("the secret's value is shown")
		}
		browsertest.Screenshot(t, ctx, name("ws14a-secret"))

		// A script that reads it, tested.
		browsertest.Do(t, ctx, "Create Script", chromedp.Navigate(app.URL(one+"/scripts/new")), chromedp.WaitVisible(chromedp.CSS("#f-code")))
		browsertest.Do(t, ctx, "write the script",
			chromedp.SendKeys(chromedp.CSS("#f-name"), "Greeter"),
			chromedp.SetValue(chromedp.CSS("#f-code"), "function main(context) {\n  context.greeting = secrets.GREETING.toUpperCase() + ', ' + context.user.name;\n  return context;\n}\n"))
		browsertest.Submit(t, ctx, "save the script", "main form button[type=submit]")
		if h := browsertest.Text(t, ctx, "#details h2"); h != "Greeter" {
			t.Fatalf("script page %q", h)
		}
		browsertest.Do(t, ctx, "type the input", chromedp.SetValue(chromedp.CSS("#test #f-input"), `{"user": {"name": "Ann"}}`))
		browsertest.Submit(t, ctx, "Test", "#test button[type=submit]")
		if out := browsertest.Text(t, ctx, "#result-code"); !strings.Contains(out, `"greeting": "HELLO-FROM-VAULT, Ann"`) {
			t.Fatalf("output %q", out)
		}
		browsertest.Screenshot(t, ctx, name("ws14a-script-output"))

		// An endless loop: timed out, and the server still answers.
		browsertest.Do(t, ctx, "write a loop", chromedp.SetValue(chromedp.CSS("#settings #f-code"), "function main(context) {\n  while (true) {}\n}\n"))
		browsertest.Submit(t, ctx, "save the loop", "#settings button[type=submit]")
		browsertest.Submit(t, ctx, "Test the loop", "#test button[type=submit]")
		if res := browsertest.Text(t, ctx, "#result"); !strings.Contains(res, "timed out") {
			t.Fatalf("loop result %q", res)
		}
		browsertest.Screenshot(t, ctx, name("ws14a-script-timed-out"))
		browsertest.Do(t, ctx, "the list still opens", chromedp.Navigate(app.URL(one+"/scripts")), chromedp.WaitVisible(chromedp.CSS("table")))
		if txt := browsertest.Text(t, ctx, "table"); !strings.Contains(txt, "Greeter") {
			t.Fatalf("scripts list %q", txt)
		}
		browsertest.Do(t, ctx, "secrets list", chromedp.Navigate(app.URL(one+"/secrets")), chromedp.WaitVisible(chromedp.CSS("table")))
		if txt := browsertest.Text(t, ctx, "table tbody"); strings.Contains(txt, "Never") {
			t.Errorf("the secret's last use is not shown: %q", txt)
		}

		// A webhook to the receiver, and a test event.
		browsertest.Do(t, ctx, "Create Webhook", chromedp.Navigate(app.URL(one+"/webhooks/new")), chromedp.WaitVisible(chromedp.CSS("#f-url")))
		browsertest.Do(t, ctx, "fill the webhook", chromedp.SendKeys(chromedp.CSS("#f-url"), rc.srv.URL+"/gatehouse"))
		browsertest.Submit(t, ctx, "create the webhook", "main form button[type=submit]")
		secret := wsresValue(t, ctx, "#secret-value")
		if !strings.HasPrefix(secret, webhook.SecretPrefix) {
			t.Fatalf("signing secret %q", secret)
		}
		rc.setSecret(secret)
		browsertest.Screenshot(t, ctx, name("ws14a-webhook-secret"))
		browsertest.Submit(t, ctx, "Send test event", "#send-test button[type=submit]")
		deadline := time.Now().Add(20 * time.Second)
		for {
			// Newest first: the test event's row is the first.
			log := browsertest.Text(t, ctx, "#deliveries tbody tr:first-child")
			if strings.Contains(log, "webhook.test") && strings.Contains(log, "Delivered (200)") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no delivery shown:\n%s", log)
			}
			time.Sleep(300 * time.Millisecond)
			browsertest.Do(t, ctx, "reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#deliveries")))
		}
		browsertest.Screenshot(t, ctx, name("ws14a-webhook-delivered"))
		var test int
		for _, h := range rc.received() {
			if h.verified != nil {
				t.Errorf("a delivery's signature does not verify: %v\n%s", h.verified, h.body)
			}
			if strings.Contains(h.body, `"type":"webhook.test"`) {
				test++
			}
		}
		if test != 1 {
			t.Fatalf("the receiver got %d test events", test)
		}
	})
}
