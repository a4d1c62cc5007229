package web_test

import (
	"context"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/browsertest"
	"gatehouse/web/mail"
	"gatehouse/web/mail/mailtest"
	"gatehouse/web/webtest"

	"github.com/chromedp/chromedp"
)

var linkRE = regexp.MustCompile(`https?://\S+/invitations/[A-Za-z0-9_-]+`)

// startMail runs the outbox worker against an in-process SMTP server.
func startMail(t *testing.T, db modelstest.DB) (*mailtest.Server, *mail.Worker) {
	t.Helper()
	smtp := mailtest.Start(t)
	sender, err := mail.NewSender(smtp.URL(), "gatehouse@example.com", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	w := &mail.Worker{DB: db.DB, Sender: sender, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: time.Now, Interval: 100 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return smtp, w
}

// acceptAndSignIn follows an invitation link in the browser, sets the
// password and signs in, ending on the dashboard.
func acceptAndSignIn(t *testing.T, ctx context.Context, link, email string) {
	t.Helper()
	browsertest.Do(t, ctx, "open the invitation", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#f-password")))
	browsertest.Do(t, ctx, "type a password",
		chromedp.SendKeys(chromedp.CSS("#f-password"), webtest.Password),
		chromedp.SendKeys(chromedp.CSS("#f-password_confirm"), webtest.Password))
	browsertest.Submit(t, ctx, "set the password", "button[type=submit]")
	if v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#f-email"))); err != nil || v != email {
		t.Fatalf("sign-in page e-mail %q %v", v, err)
	}
	browsertest.Do(t, ctx, "type the password", chromedp.SendKeys(chromedp.CSS("#f-password"), webtest.Password))
	browsertest.Submit(t, ctx, "sign in", "button[type=submit]")
	browsertest.Do(t, ctx, "dashboard", chromedp.WaitVisible(chromedp.CSS(".sidebar")))
}

// inviteLink waits for the invitation e-mail to an address and returns its link.
func inviteLink(t *testing.T, smtp *mailtest.Server, to string) string {
	t.Helper()
	msg := smtp.WaitFor(t, to, 15*time.Second)
	link := linkRE.FindString(msg.Text)
	if link == "" {
		t.Fatalf("no invitation link in the e-mail to %s:\n%s", to, msg.Text)
	}
	return link
}

// TestBrowserOwnerFollowsInvitationAndSignsIn: a tenant is created, the
// invitation e-mail is captured over SMTP, and in Chromium the owner
// follows its link, sets a password, signs in and sees the dashboard.
func TestBrowserOwnerFollowsInvitationAndSignsIn(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		ctx := browsertest.New(t, 90*time.Second)
		smtp, worker := startMail(t, db)
		app := webtest.Start(t, db, webtest.Options{RealClock: true, WakeMail: worker.Wake})
		if _, _, _, err := app.Store.CreateTenant(context.Background(), models.CreateTenantInput{
			Slug: "acme", Name: "Acme Corporation", Plan: models.PlanEnterprise,
			AdminEmail: "olivia@acme.example", AdminGivenName: "Olivia", AdminFamilyName: "Owner",
		}, models.Actor{Email: "test"}); err != nil {
			t.Fatal(err)
		}
		worker.Wake()
		msg := smtp.WaitFor(t, "olivia@acme.example", 15*time.Second)
		link := linkRE.FindString(msg.Text)
		if link == "" || !strings.HasPrefix(link, app.Server.URL) {
			t.Fatalf("no invitation link in the e-mail:\n%s", msg.Text)
		}
		if !strings.Contains(msg.HTML, link) {
			t.Error("the HTML part lacks the link")
		}

		browsertest.Do(t, ctx, "open the invitation", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#f-password")))
		if h := browsertest.Text(t, ctx, "h1"); h != "Accept your invitation" {
			t.Fatalf("invitation page heading %q", h)
		}
		// A weak password is refused beside the field.
		browsertest.Do(t, ctx, "type a short password",
			chromedp.SendKeys(chromedp.CSS("#f-password"), "short"),
			chromedp.SendKeys(chromedp.CSS("#f-password_confirm"), "short"))
		browsertest.Submit(t, ctx, "submit the short password", "button[type=submit]")
		if e := browsertest.Text(t, ctx, "#e-password"); !strings.Contains(e, "12 characters") {
			t.Fatalf("password error %q", e)
		}
		browsertest.Screenshot(t, ctx, "invitation-error-"+db.Name)
		browsertest.Do(t, ctx, "type a good password",
			chromedp.SendKeys(chromedp.CSS("#f-password"), webtest.Password),
			chromedp.SendKeys(chromedp.CSS("#f-password_confirm"), webtest.Password))
		browsertest.Submit(t, ctx, "set the password", "button[type=submit]")

		if loc := browsertest.Location(t, ctx); !strings.Contains(loc, "/t/acme/login") {
			t.Fatalf("after accepting: %s", loc)
		}
		if f := browsertest.Text(t, ctx, ".flash"); !strings.Contains(f, "Your password is set") {
			t.Errorf("flash %q", f)
		}
		email, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#f-email")))
		if err != nil || email != "olivia@acme.example" {
			t.Fatalf("e-mail not prefilled: %q %v", email, err)
		}
		browsertest.Do(t, ctx, "type the password", chromedp.SendKeys(chromedp.CSS("#f-password"), webtest.Password))
		browsertest.Submit(t, ctx, "sign in", "button[type=submit]")

		browsertest.Do(t, ctx, "dashboard", chromedp.WaitVisible(chromedp.CSS(".sidebar")))
		if h := browsertest.Text(t, ctx, "h1"); h != "Welcome, Olivia" {
			t.Fatalf("dashboard heading %q", h)
		}
		if tn := browsertest.Text(t, ctx, ".tenant-name strong"); tn != "Acme Corporation" {
			t.Errorf("tenant name %q", tn)
		}
		browsertest.Screenshot(t, ctx, "dashboard-"+db.Name)

		browsertest.Submit(t, ctx, "sign out", ".whoami button[type=submit]")
		if loc := browsertest.Location(t, ctx); !strings.HasSuffix(loc, "/t/acme/login") {
			t.Fatalf("after sign-out: %s", loc)
		}
		// The session is gone on the server too.
		browsertest.Do(t, ctx, "dashboard after sign-out", chromedp.Navigate(app.URL("/t/acme/")), chromedp.WaitVisible(chromedp.CSS("#f-email")))
	})
}
