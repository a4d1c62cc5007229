package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"gatehouse/models/modelstest"
	"gatehouse/web/browsertest"

	"github.com/chromedp/chromedp"
)

// TestBrowserNewcomerFlow is what the README promises a newcomer: `serve`,
// then `tenant create`, then the printed link in a real browser gets the
// owner signed in, on SQLite and on PostgreSQL.
func TestBrowserNewcomerFlow(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			var dbURL string
			if kind == "postgres" {
				db := modelstest.Postgres(t)
				dbURL = db.URL
			}
			ctx := browsertest.New(t, 90*time.Second)
			addr := freeAddr(t)
			environ := append(os.Environ(), "DATABASE_URL="+dbURL, "GATEHOUSE_DATA_DIR="+t.TempDir(),
				"GATEHOUSE_ADDR="+addr, "GATEHOUSE_BASE_URL=", "GATEHOUSE_SECRET_KEY=", "GATEHOUSE_SMTP_URL=")
			startServe(t, bin, environ)
			waitHealthy(t, "http://"+addr)

			cmd := exec.Command(bin, "tenant", "create", "--slug", "acme", "--name", "Acme", "--plan", "enterprise", "--admin-email", "you@example.com")
			cmd.Env = environ
			var out bytes.Buffer
			cmd.Stdout = &out
			if err := cmd.Run(); err != nil {
				t.Fatalf("tenant create: %v", err)
			}
			var link string
			for sc := bufio.NewScanner(&out); sc.Scan(); {
				link = sc.Text()
			}
			if !strings.HasPrefix(link, "http://"+addr+"/invitations/") {
				t.Fatalf("last line %q is not the invitation link", link)
			}
			pw := "a newcomer's good passphrase"
			browsertest.Do(t, ctx, "open the link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#f-password")),
				chromedp.SendKeys(chromedp.CSS("#f-given_name"), "Nora"), chromedp.SendKeys(chromedp.CSS("#f-family_name"), "Newcomer"),
				chromedp.SendKeys(chromedp.CSS("#f-password"), pw), chromedp.SendKeys(chromedp.CSS("#f-password_confirm"), pw))
			browsertest.Screenshot(t, ctx, "newcomer-invitation-"+kind)
			browsertest.Submit(t, ctx, "set the password", "button[type=submit]")
			browsertest.Do(t, ctx, "sign in", chromedp.SendKeys(chromedp.CSS("#f-password"), pw))
			browsertest.Submit(t, ctx, "sign in", "button[type=submit]")
			browsertest.Do(t, ctx, "dashboard", chromedp.WaitVisible(chromedp.CSS(".sidebar")))
			if h := browsertest.Text(t, ctx, "h1"); h != "Welcome, Nora" {
				t.Fatalf("dashboard heading %q", h)
			}
			browsertest.Screenshot(t, ctx, "newcomer-dashboard-"+kind)
		})
	}
}
