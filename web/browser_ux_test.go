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

// TestBrowserWorkspaceAdminInvitesAndRemovesThemself (issue 10, #1, #2,
// #6): a Workspace Admin invites a newcomer from Manage Access, and
// removing their own role takes them to a page that says they are removing
// themselves.
func TestBrowserWorkspaceAdminInvitesAndRemovesThemself(t *testing.T) {
	t.Parallel()
	db := modelstest.SQLite(t)
	ctx := browsertest.New(t, 180*time.Second)
	app := webtest.Start(t, db, webtest.Options{RealClock: true})
	tn, _, _ := app.Tenant("acme", models.PlanEnterprise, "first@example.com")
	alpha := app.Workspace(tn, "alpha", "Alpha")
	wa := app.AdminWithRoles(tn, "wanda@example.com")
	app.BindInWorkspace(wa, alpha, "workspace_admin")
	other := app.AdminWithRoles(tn, "otto@example.com")
	app.BindInWorkspace(other, alpha, "workspace_admin")
	browserSignIn(t, ctx, app, "acme", wa.Email)
	const access = "/t/acme/workspaces/alpha/access"
	browsertest.Do(t, ctx, "open Manage Access", chromedp.Navigate(app.URL(access)), chromedp.WaitVisible(chromedp.CSS("#invite")))
	browsertest.Do(t, ctx, "type two characters into the picker", chromedp.SendKeys(chromedp.CSS("#f-user"), "ot"), chromedp.Sleep(400*time.Millisecond))
	if hint := browsertest.Text(t, ctx, ".picker-list"); !strings.Contains(hint, "at least 3 characters") {
		t.Errorf("the picker says %q after two characters", hint)
	}
	browsertest.Screenshot(t, ctx, "ux-picker-narrow")
	browsertest.Do(t, ctx, "fill Invite",
		chromedp.SendKeys(chromedp.CSS("#f-invite-email"), "newbie@example.com"),
		chromedp.SetValue(chromedp.CSS("#f-invite-role"), "workspace_auditor"))
	browsertest.Submit(t, ctx, "send the invitation", `[data-testid="invite-form"] button[type=submit]`)
	if flash := browsertest.Text(t, ctx, ".flash"); !strings.Contains(flash, "An invitation was sent to newbie@example.com") {
		t.Errorf("flash %q", flash)
	}
	browsertest.Screenshot(t, ctx, "ux-invited")
	browsertest.Submit(t, ctx, "remove yourself", `[data-testid="remove-own"]`)
	if h := browsertest.Text(t, ctx, "h1"); h != "Remove your own role" || !strings.Contains(browsertest.Text(t, ctx, "main"), "You are removing yourself") {
		t.Errorf("the page says %q", h)
	}
	browsertest.Screenshot(t, ctx, "ux-remove-yourself")
	browsertest.Submit(t, ctx, "confirm", `[data-testid="delete-confirm"] button[type=submit]`)
	if loc := browsertest.Location(t, ctx); !strings.HasSuffix(loc, "/t/acme/") {
		t.Errorf("after removing their own role: %s", loc)
	}
}

// TestBrowserMembersBulkAndAudit (issue 10, #5, #11): the owner gives a
// role to ticked members and finds the members page usable on a 390 px
// phone; the audit log reads as words.
func TestBrowserMembersBulkAndAudit(t *testing.T) {
	t.Parallel()
	db := modelstest.SQLite(t)
	ctx := browsertest.New(t, 180*time.Second)
	app := webtest.Start(t, db, webtest.Options{RealClock: true})
	tn, _, _ := app.Tenant("acme", models.PlanEnterprise, "first@example.com")
	owner := app.AdminWithRoles(tn, "owner@example.com", "tenant_admin")
	o := app.Organization(tn, "initech", "Initech")
	app.OrgRole(tn, "billing", "Pays the bills")
	var ids []int64
	for i := range 4 {
		u := app.OrgUser(tn, fmt.Sprintf("member.with.a.long.address.%d@initech-corporation.example", i), fmt.Sprintf("Member%d", i), "Initech")
		ids = append(ids, u.ID)
		if _, err := app.Store.AddOrganizationMember(webtest.Ctx(), tn.ID, o.ID, u.Email, models.Actor{}); err != nil {
			t.Fatal(err)
		}
	}
	browserSignIn(t, ctx, app, "acme", owner.Email)
	const members = "/t/acme/organizations/initech/members"
	browsertest.Do(t, ctx, "open Members", chromedp.Navigate(app.URL(members)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="bulk-form"]`)))
	browsertest.Do(t, ctx, "tick two members and choose a role",
		chromedp.Click(chromedp.CSS(fmt.Sprintf("#m-%d", ids[0]))), chromedp.Click(chromedp.CSS(fmt.Sprintf("#m-%d", ids[1]))),
		chromedp.SetValue(chromedp.CSS("#f-bulk-role"), "1"))
	browsertest.Screenshot(t, ctx, "ux-members-ticked")
	browsertest.Submit(t, ctx, "give the role", `button[name="op"][value="assign_role"]`)
	if flash := browsertest.Text(t, ctx, ".flash"); !strings.Contains(flash, "The role was given to 2 members") {
		t.Errorf("flash %q", flash)
	}
	browsertest.Screenshot(t, ctx, "ux-members-role-given")
	browsertest.Do(t, ctx, "open the audit log", chromedp.Navigate(app.URL("/t/acme/audit")), chromedp.WaitVisible(chromedp.CSS("td.audit-action")))
	if a := browsertest.Text(t, ctx, `td.audit-action a[data-action="organization.member_role_assigned"]`); a != "Organization member role assigned" {
		t.Errorf("action reads %q", a)
	}
	browsertest.Screenshot(t, ctx, "ux-audit-words")
	// A phone.
	if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile)); err != nil {
		t.Fatal(err)
	}
	browsertest.Do(t, ctx, "open Members on a phone", chromedp.Navigate(app.URL(members)), chromedp.WaitVisible(chromedp.CSS("#add-members")))
	wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
	if err != nil {
		t.Fatal(err)
	}
	if wide {
		t.Error("the Members page scrolls sideways on a 390 px phone")
	}
	browsertest.Screenshot(t, ctx, "ux-phone-members")
}
