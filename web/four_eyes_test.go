package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/webtest"
)

// turnFourEyesOn ticks Require approval on Tenant Settings > Tenant as c.
func turnFourEyesOn(t *testing.T, c *webtest.Client, slug string, on bool) *webtest.Response {
	t.Helper()
	settings := "/t/" + slug + "/settings/tenant"
	doc := page(t, c.Get(settings))
	vals := url.Values{"version": {doc.Find(`input[name="version"]`).AttrOr("value", "")}, "name": {doc.Find(`input[name="name"]`).AttrOr("value", "")},
		"idle_minutes": {"30"}, "absolute_hours": {"12"}, "deactivate_after_days": {"0"}, "require_approval": {"off"}}
	if on {
		vals["require_approval"] = []string{"off", "on"}
	}
	return c.Submit(settings, settings, vals)
}

// TestFourEyesApprovals: with Require approval ticked, granting Tenant
// Admin on the User Profile and saving Sign In / Sign Up make pending
// changes, seen by their requester (and by every reader of the tenant's
// roles) at /settings/approvals; another Tenant Admin approves (applied) or
// rejects (nothing changes); the requester, an auditor, a member and a
// custom role holding Manage Tenant Roles cannot decide; a change is decided
// once; unknown and other tenants' changes are 404.
func TestFourEyesApprovals(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		owner, tn, ownerA := app.Owner("acme", "owner@example.com")
		ov, err := app.Store.LoadViewer(webtest.Ctx(), tn, ownerA.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range []models.CustomRoleInput{
			{Name: "Keepers", Scope: "tenant", Permissions: []string{"read_tenant_roles", "manage_tenant_roles"}},
			{Name: "Sign-in keepers", Scope: "tenant", Permissions: []string{"read_mfa_methods", "manage_mfa_methods"}},
		} {
			if _, err := app.Store.CreateCustomRole(webtest.Ctx(), ov, in, models.Actor{}); err != nil {
				t.Fatal(err)
			}
		}
		bob, _ := app.SignedInAs(tn, "bob@example.com", "tenant_admin")
		auditor, _ := app.SignedInAs(tn, "aud@example.com", "tenant_auditor")
		member, carol := app.SignedInAs(tn, "carol@example.com", "tenant_member")
		keeper, _ := app.SignedInAs(tn, "keeper@example.com", "custom:keepers")
		signer, _ := app.SignedInAs(tn, "signer@example.com", "custom:sign-in-keepers")

		// Require approval is a checkbox of Tenant Settings > Tenant.
		if r := turnFourEyesOn(t, owner, "acme", true); r.Status != http.StatusSeeOther {
			t.Fatalf("turn on: %d %s", r.Status, r.Body)
		}
		if doc := page(t, owner.Get("/t/acme/settings/tenant")); doc.Find(`input[name="require_approval"][type="checkbox"][checked]`).Length() != 1 {
			t.Fatal("Require approval not shown ticked")
		}

		// Granting Tenant Admin on the User Profile waits.
		profile := "/t/acme/settings/administrators/" + strconv.FormatInt(carol.ID, 10)
		r := owner.Submit(profile, profile+"/roles", url.Values{"role": {"tenant_admin"}, "password": {webtest.Password}})
		if r.Status != http.StatusSeeOther || r.Location != "/t/acme/settings/approvals" {
			t.Fatalf("grant: %d %q", r.Status, r.Location)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.RoleBinding{}).Where("administrator_id = ? AND role_key = ?", carol.ID, "tenant_admin")); n != 0 {
			t.Fatal("Tenant Admin granted before approval")
		}
		var pc models.PendingChange
		modelstest.Must(t, db.DB.Where("kind = ?", models.ChangeGrantTenantAdmin).Take(&pc))
		base := "/t/acme/settings/approvals/" + strconv.FormatInt(pc.ID, 10)

		// The requester sees it pending, with what it would do, and no Approve.
		doc := page(t, owner.Get("/t/acme/settings/approvals"))
		row := doc.Find(`#pending tr[data-change="` + strconv.FormatInt(pc.ID, 10) + `"]`)
		if row.Length() != 1 || row.AttrOr("data-status", "") != "pending" || !strings.Contains(row.Find(`[data-testid="summary"]`).Text(), "carol@example.com") ||
			row.Find("button").Length() != 0 || !strings.Contains(row.Text(), "Waiting for another Tenant Admin") {
			t.Fatalf("requester's view: %q", row.Text())
		}
		// Refused: the requester (403), an auditor (reads it, cannot decide),
		// a member (no page), a custom role with Manage Tenant Roles (not a
		// Tenant Admin); nothing changes.
		if r := owner.Submit("/t/acme/settings/approvals", base+"/approve", url.Values{"password": {webtest.Password}}); r.Status != http.StatusForbidden {
			t.Fatalf("requester approves: %d", r.Status)
		}
		if r := auditor.Get("/t/acme/settings/approvals"); r.Status != http.StatusOK || page(t, r).Find(`tr[data-change] button`).Length() != 0 ||
			!strings.Contains(r.Body, "carol@example.com") {
			t.Fatalf("auditor's page: %d", r.Status)
		}
		for name, c := range map[string]*webtest.Client{"auditor": auditor, "member": member, "keeper": keeper} {
			for _, action := range []string{"/approve", "/reject"} {
				if r := c.Submit("/t/acme/", base+action, url.Values{"password": {webtest.Password}}); r.Status != http.StatusForbidden {
					t.Errorf("%s %s: %d", name, action, r.Status)
				}
			}
		}
		if r := member.Get("/t/acme/settings/approvals"); r.Status != http.StatusForbidden {
			t.Fatalf("member reads approvals: %d", r.Status)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.PendingChange{}).Where("status = ?", models.ChangePending)); n != 1 {
			t.Fatal("a refused decision changed the pending change")
		}

		// A sign-in change by a custom role holding Manage MFA Methods: it
		// sees its own pending change only.
		r = signer.Submit("/t/acme/settings/sign-in", "/t/acme/settings/sign-in", url.Values{"method": {"otp"}, "password": {webtest.Password}})
		if r.Status != http.StatusSeeOther || r.Location != "/t/acme/settings/approvals" {
			t.Fatalf("sign-in save: %d %q", r.Status, r.Location)
		}
		if sec, _ := app.Store.Security(webtest.Ctx(), tn.ID); sec.SignInMethod != models.MethodPassword {
			t.Fatal("sign-in method changed before approval")
		}
		doc = page(t, signer.Get("/t/acme/settings/approvals"))
		if doc.Find(`#pending tr[data-change]`).Length() != 1 || !strings.Contains(doc.Find(`#pending`).Text(), "method: password → otp") ||
			strings.Contains(doc.Text(), "carol@example.com") {
			t.Fatalf("the signer's approvals: %q", doc.Find("#pending").Text())
		}
		var signIn models.PendingChange
		modelstest.Must(t, db.DB.Where("kind = ?", models.ChangeSignIn).Take(&signIn))

		// Bob approves without the password: asked for it, nothing applied.
		approvals := page(t, bob.Get("/t/acme/settings/approvals"))
		if approvals.Find(`#pending tr[data-change] button`).Length() != 4 || approvals.Find(`#pending input[name="password"]`).Length() != 2 {
			t.Fatal("Approve / Reject (with the password) not offered to another Tenant Admin")
		}
		if r := bob.Submit("/t/acme/settings/approvals", base+"/approve", nil); r.Status != http.StatusUnprocessableEntity || page(t, r).Find("#e-password").Length() != 1 {
			t.Fatalf("approve without step-up: %d", r.Status)
		}
		r = bob.Submit("/t/acme/settings/approvals", base+"/approve", url.Values{"password": {webtest.Password}, "note": {"ok"}})
		if r.Status != http.StatusSeeOther || r.Location != "/t/acme/settings/approvals" {
			t.Fatalf("approve: %d %s", r.Status, r.Body)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.RoleBinding{}).Where("administrator_id = ? AND role_key = ?", carol.ID, "tenant_admin")); n != 1 {
			t.Fatalf("Tenant Admin bindings after approval: %d", n)
		}
		// Once.
		if r := bob.Submit("/t/acme/settings/approvals", base+"/approve", url.Values{"password": {webtest.Password}}); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("approved twice: %d", r.Status)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.RoleBinding{}).Where("administrator_id = ? AND role_key = ?", carol.ID, "tenant_admin")); n != 1 {
			t.Fatal("applied twice")
		}
		// Bob rejects the sign-in change: nothing changes.
		r = bob.Submit("/t/acme/settings/approvals", "/t/acme/settings/approvals/"+strconv.FormatInt(signIn.ID, 10)+"/reject", url.Values{"note": {"not now"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("reject: %d", r.Status)
		}
		if sec, _ := app.Store.Security(webtest.Ctx(), tn.ID); sec.SignInMethod != models.MethodPassword {
			t.Fatal("a rejected change was applied")
		}
		doc = page(t, signer.Get("/t/acme/settings/approvals"))
		if doc.Find(`#recent tr[data-status="rejected"]`).Length() != 1 || !strings.Contains(doc.Find("#recent").Text(), "not now") {
			t.Fatal("the requester does not see the rejection")
		}

		// Unknown ids and other tenants' changes: 404.
		other, otn, _ := app.Owner("other", "o@other.example")
		_ = otn
		if r := turnFourEyesOn(t, other, "other", true); r.Status != http.StatusSeeOther {
			t.Fatalf("other tenant: %d", r.Status)
		}
		r = other.Submit("/t/other/settings/brute-force", "/t/other/settings/brute-force", url.Values{"max_attempts": {"9"}, "lockout_minutes": {"30"}, "password": {webtest.Password}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("other tenant's change: %d", r.Status)
		}
		var theirs models.PendingChange
		modelstest.Must(t, db.DB.Where("kind = ?", models.ChangeBruteForce).Take(&theirs))
		for _, id := range []int64{theirs.ID, theirs.ID + 1000} {
			if r := bob.Submit("/t/acme/settings/approvals", "/t/acme/settings/approvals/"+strconv.FormatInt(id, 10)+"/approve", url.Values{"password": {webtest.Password}}); r.Status != http.StatusNotFound {
				t.Errorf("approve change %d of another tenant / unknown: %d", id, r.Status)
			}
		}
		if r := bob.Submit("/t/acme/settings/approvals", "/t/acme/settings/approvals/x/approve", nil); r.Status != http.StatusNotFound {
			t.Errorf("non-numeric id: %d", r.Status)
		}
	})
}

// TestFourEyesTurningOffIsApproved: unticking Require approval saves the
// rest of the form but leaves four eyes on until another Tenant Admin
// approves; a post without the field leaves it as it is.
func TestFourEyesTurningOffIsApproved(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		owner, tn, _ := app.Owner("acme", "owner@example.com")
		bob, _ := app.SignedInAs(tn, "bob@example.com", "tenant_admin")
		if r := turnFourEyesOn(t, owner, "acme", true); r.Status != http.StatusSeeOther {
			t.Fatalf("turn on: %d", r.Status)
		}
		// A post without the field keeps it on.
		doc := page(t, owner.Get("/t/acme/settings/tenant"))
		r := owner.Submit("/t/acme/settings/tenant", "/t/acme/settings/tenant", url.Values{"version": {doc.Find(`input[name="version"]`).AttrOr("value", "")}, "name": {"Acme Two"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("save without the field: %d", r.Status)
		}
		if cur, _ := app.Store.TenantByID(webtest.Ctx(), tn.ID); !cur.RequireApproval || cur.Name != "Acme Two" {
			t.Fatalf("after a save without the field: %+v", cur)
		}
		r = turnFourEyesOn(t, owner, "acme", false)
		if r.Status != http.StatusSeeOther || r.Location != "/t/acme/settings/approvals" {
			t.Fatalf("turn off: %d %q", r.Status, r.Location)
		}
		if cur, _ := app.Store.TenantByID(webtest.Ctx(), tn.ID); !cur.RequireApproval {
			t.Fatal("four eyes turned off without approval")
		}
		var pc models.PendingChange
		modelstest.Must(t, db.DB.Where("kind = ?", models.ChangeRequireApproval).Take(&pc))
		if r := bob.Submit("/t/acme/settings/approvals", "/t/acme/settings/approvals/"+strconv.FormatInt(pc.ID, 10)+"/approve", url.Values{"password": {webtest.Password}}); r.Status != http.StatusSeeOther {
			t.Fatalf("approve: %d", r.Status)
		}
		if cur, _ := app.Store.TenantByID(webtest.Ctx(), tn.ID); cur.RequireApproval {
			t.Fatal("four eyes still on after approval")
		}
	})
}

// TestApprovalsRoutesByRole is the role × route table of Approvals, with
// custom roles and an Organization Admin among the viewers: who reads the
// page (readers of the tenant's roles, and whoever may make one of the
// listed changes), who decides (Tenant Admins only, whatever else a role
// holds); a refused decision changes nothing.
func TestApprovalsRoutesByRole(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		for i, vw := range []struct {
			role         string
			read, decide bool
		}{
			{"tenant_admin", true, true},
			{"tenant_auditor", true, false},
			{"tenant_member", false, false},
			{"editor_users", false, false},
			{"custom:keepers", true, false},
			{"custom:sign-in-keepers", true, false},
			{"custom:theme-readers", false, false},
			{"organization_admin", false, false},
		} {
			slug := "ap" + strconv.Itoa(i)
			owner, tn, ownerA := app.Owner(slug, "owner@"+slug+".example")
			ov, err := app.Store.LoadViewer(webtest.Ctx(), tn, ownerA.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, in := range []models.CustomRoleInput{
				{Name: "Keepers", Scope: "tenant", Permissions: []string{"read_tenant_roles", "manage_tenant_roles"}},
				{Name: "Sign-in keepers", Scope: "tenant", Permissions: []string{"read_mfa_methods", "manage_mfa_methods"}},
				{Name: "Theme readers", Scope: "tenant", Permissions: []string{"read_themes"}},
			} {
				if _, err := app.Store.CreateCustomRole(webtest.Ctx(), ov, in, models.Actor{}); err != nil {
					t.Fatal(err)
				}
			}
			var viewer *webtest.Client
			if vw.role == "organization_admin" {
				app.Organization(tn, "customer", "Customer")
				var a models.Administrator
				viewer, a = app.SignedInAs(tn, "viewer@example.com")
				ov.SteppedUpAt = app.Store.Now()
				if err := app.Store.AssignOrganizationRole(webtest.Ctx(), ov, a.ID, "organization_admin", "customer", nil, models.Actor{}); err != nil {
					t.Fatal(err)
				}
			} else {
				viewer, _ = app.SignedInAs(tn, "viewer@example.com", vw.role)
			}
			if r := turnFourEyesOn(t, owner, slug, true); r.Status != http.StatusSeeOther {
				t.Fatalf("turn on: %d", r.Status)
			}
			r := owner.Submit("/t/"+slug+"/settings/brute-force", "/t/"+slug+"/settings/brute-force", url.Values{"max_attempts": {"9"}, "lockout_minutes": {"30"}, "password": {webtest.Password}})
			if r.Status != http.StatusSeeOther {
				t.Fatalf("request: %d", r.Status)
			}
			var pc models.PendingChange
			modelstest.Must(t, db.DB.Where("tenant_id = ?", tn.ID).Take(&pc))
			base := "/t/" + slug + "/settings/approvals"
			want := func(ok bool, okStatus int) int {
				if ok {
					return okStatus
				}
				return http.StatusForbidden
			}
			if r := viewer.Get(base); r.Status != want(vw.read, 200) {
				t.Errorf("%s: GET approvals = %d", vw.role, r.Status)
			}
			for _, action := range []string{"/reject", "/approve"} {
				r := viewer.Submit("/t/"+slug+"/", base+"/"+strconv.FormatInt(pc.ID, 10)+action, url.Values{"password": {webtest.Password}})
				if r.Status != want(vw.decide, 303) {
					t.Errorf("%s: POST %s = %d", vw.role, action, r.Status)
				}
				if !vw.decide {
					if n := modelstest.Count(t, db.DB.Model(&models.PendingChange{}).Where("id = ? AND status = ?", pc.ID, models.ChangePending)); n != 1 {
						t.Errorf("%s: a refused %s changed the pending change", vw.role, action)
					}
				}
				if vw.decide {
					break // rejected: decided once
				}
			}
		}
	})
}
