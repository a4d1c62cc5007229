package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/browsertest"
	"gatehouse/web/webtest"

	"github.com/chromedp/chromedp"
)

// TestBrowserSupportSetsUpAnOrganization: a support person holding only
// Editor - Organizations (professional plan) signs in, creates an
// organization and brands it, adds a member with the picker, enables a
// connection with auto-membership and invites someone; the invitee
// follows the captured e-mail, creates their account and appears as a
// member. A screenshot of every tab.
func TestBrowserSupportSetsUpAnOrganization(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		support := browsertest.New(t, 150*time.Second)
		invitee := browsertest.New(t, 150*time.Second)
		smtp, worker := startMail(t, db)
		app := webtest.Start(t, db, webtest.Options{RealClock: true, WakeMail: worker.Wake})
		tn, _, _ := app.Tenant("acme", models.PlanProfessional, "owner@acme.example")
		app.AdminWithRoles(tn, "sam@acme.example", "editor_organizations")
		app.OrgUser(tn, "ann.andersen@globex.example", "Ann", "Andersen")
		app.OrgUser(tn, "bob.berg@globex.example", "Bob", "Berg")
		app.OrgRole(tn, "Admin", "Administers the customer's account")
		app.OrgRole(tn, "Billing", "Sees invoices")
		sso := fmt.Sprint(app.OrgConnection(tn, "globex-sso", "samlp", "Globex SSO").ID)
		app.OrgConnection(tn, "Username-Password-Authentication", "database", "Passwords")
		// Sign in as the support person.
		browsertest.Do(t, support, "open sign-in", chromedp.Navigate(app.URL("/t/acme/login")), chromedp.WaitVisible(chromedp.CSS("#f-email")))
		browsertest.Do(t, support, "type credentials",
			chromedp.SendKeys(chromedp.CSS("#f-email"), "sam@acme.example"),
			chromedp.SendKeys(chromedp.CSS("#f-password"), webtest.Password))
		browsertest.Submit(t, support, "sign in", "button[type=submit]")
		nav := browsertest.Text(t, support, ".sidebar")
		if !strings.Contains(nav, "Organizations") || strings.Contains(nav, "Administrators") || strings.Contains(nav, "Audit log") {
			t.Fatalf("Editor - Organizations navigation:\n%s", nav)
		}

		// Create the organization.
		browsertest.Submit(t, support, "open Organizations", `.sidebar a[href="/t/acme/organizations"]`)
		browsertest.Submit(t, support, "Create Organization", ".page-actions a")
		browsertest.Do(t, support, "fill Create Organization",
			chromedp.SendKeys(chromedp.CSS("#f-name"), "globex"),
			chromedp.SendKeys(chromedp.CSS("#f-display_name"), "Globex Corporation"))
		browsertest.Submit(t, support, "create", "form button[type=submit].button-primary")
		if h := browsertest.Text(t, support, "h1"); h != "Globex Corporation" {
			t.Fatalf("after create: heading %q", h)
		}
		// Brand it.
		browsertest.Do(t, support, "fill branding",
			chromedp.SendKeys(chromedp.CSS("#f-logo_url"), "https://cdn.globex.example/logo.svg"),
			chromedp.SendKeys(chromedp.CSS("#f-primary_color"), "#0e7c66"),
			chromedp.SendKeys(chromedp.CSS("#f-page_background_color"), "#f5f7fa"),
			chromedp.SendKeys(chromedp.CSS("#f-metadata_key-0"), "tier"),
			chromedp.SendKeys(chromedp.CSS("#f-metadata_value-0"), "gold"))
		browsertest.Submit(t, support, "save", "form button[type=submit].button-primary")
		if f := browsertest.Text(t, support, ".flash"); !strings.Contains(f, "was saved") {
			t.Fatalf("save flash %q", f)
		}
		browsertest.Screenshot(t, support, "org-overview-"+db.Name)

		// Members: the picker finds Ann as one types.
		browsertest.Submit(t, support, "Members tab", `.tabs a[href="/t/acme/organizations/globex/members"]`)
		browsertest.Do(t, support, "type in the picker", chromedp.Click(chromedp.CSS("#f-email")), chromedp.SendKeys(chromedp.CSS("#f-email"), "ann"),
			chromedp.WaitVisible(chromedp.CSS(`.picker-option[data-email="ann.andersen@globex.example"]`)),
			chromedp.WaitNotPresent(chromedp.CSS(`.picker-option[data-email="bob.berg@globex.example"]`)))
		browsertest.Screenshot(t, support, "org-members-picker-"+db.Name)
		browsertest.Do(t, support, "choose Ann", chromedp.Click(chromedp.CSS(`.picker-option[data-email="ann.andersen@globex.example"]`)))
		if v, err := chromedp.Run(support, chromedp.Value(chromedp.CSS("#f-email"))); err != nil || v != "ann.andersen@globex.example" {
			t.Fatalf("the picker filled %q (%v)", v, err)
		}
		browsertest.Submit(t, support, "add member", "#add-members form button[type=submit]")
		if body := browsertest.Text(t, support, "#members"); !strings.Contains(body, "Ann Andersen") {
			t.Fatalf("members after adding:\n%s", body)
		}
		browsertest.Screenshot(t, support, "org-members-"+db.Name)

		// Connections: enable Globex SSO with auto-membership.
		browsertest.Submit(t, support, "Connections tab", `.tabs a[href="/t/acme/organizations/globex/connections"]`)
		browsertest.Do(t, support, "choose the connection", chromedp.SetValue(chromedp.CSS("#f-connection"), sso), chromedp.Click(chromedp.CSS("#f-auto_membership")))
		browsertest.Submit(t, support, "enable", "#enable form button[type=submit]")
		if body := browsertest.Text(t, support, "#connections"); !strings.Contains(body, "Globex SSO") || !strings.Contains(body, "On") {
			t.Fatalf("connections after enabling:\n%s", body)
		}
		browsertest.Screenshot(t, support, "org-connections-"+db.Name)

		// Invitations: invite Carol as Admin.
		browsertest.Submit(t, support, "Invitations tab", `.tabs a[href="/t/acme/organizations/globex/invitations"]`)
		browsertest.Do(t, support, "fill the invitation",
			chromedp.SendKeys(chromedp.CSS("#f-email"), "carol@globex.example"),
			chromedp.Click(chromedp.CSS(`#f-roles input[type=checkbox]`)))
		browsertest.Submit(t, support, "invite", "#invite form button[type=submit]")
		if body := browsertest.Text(t, support, "#pending"); !strings.Contains(body, "carol@globex.example") || !strings.Contains(body, "Admin") {
			t.Fatalf("pending invitations:\n%s", body)
		}
		browsertest.Screenshot(t, support, "org-invitations-"+db.Name)

		// The invitee follows the e-mailed link and creates their account.
		worker.Wake()
		msg := smtp.WaitFor(t, "carol@globex.example", 15*time.Second)
		link := linkRE.FindString(msg.Text)
		if !strings.Contains(link, "/o/globex/invitations/") || !strings.Contains(msg.HTML, link) || !strings.Contains(msg.Subject, "Globex Corporation") {
			t.Fatalf("invitation e-mail %q:\n%s", msg.Subject, msg.Text)
		}
		browsertest.Do(t, invitee, "open the invitation", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#f-given_name")))
		if h := browsertest.Text(t, invitee, "h1"); h != "Join Globex Corporation" {
			t.Fatalf("invitation heading %q", h)
		}
		browsertest.Do(t, invitee, "fill the account",
			chromedp.SendKeys(chromedp.CSS("#f-given_name"), "Carol"),
			chromedp.SendKeys(chromedp.CSS("#f-family_name"), "Chen"),
			chromedp.SendKeys(chromedp.CSS("#f-password"), webtest.Password),
			chromedp.SendKeys(chromedp.CSS("#f-password_confirm"), webtest.Password))
		browsertest.Screenshot(t, invitee, "org-invitation-accept-"+db.Name)
		browsertest.Submit(t, invitee, "accept", "button[type=submit]")
		if body := browsertest.Text(t, invitee, "#joined"); !strings.Contains(body, "You have joined Globex Corporation") {
			t.Fatalf("after accepting:\n%s", body)
		}
		browsertest.Screenshot(t, invitee, "org-invitation-joined-"+db.Name)

		// Carol now appears among the members, with her role.
		browsertest.Submit(t, support, "Members tab again", `.tabs a[href="/t/acme/organizations/globex/members"]`)
		body := browsertest.Text(t, support, "#members")
		if !strings.Contains(body, "Carol Chen") || !strings.Contains(body, "carol@globex.example") || !strings.Contains(body, "Admin") {
			t.Fatalf("members after the acceptance:\n%s", body)
		}
		browsertest.Screenshot(t, support, "org-members-after-invitation-"+db.Name)
	})
}
