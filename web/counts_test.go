package web_test

import (
	"strings"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/webtest"
)

// TestDashboardAndOverviewCountInvitationsAlike: the dashboard and the
// System overview read the administrators and their invitations from one
// source (models.AdminSummary) and say the same thing, also once a link expired.
func TestDashboardAndOverviewCountInvitationsAlike(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, tn, owner := app.Owner("acme", "owner@example.com")
		ov, err := app.Store.LoadViewer(webtest.Ctx(), tn, owner.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range []string{"a@example.com", "b@example.com"} {
			if _, err := app.Store.CreateAdministrator(webtest.Ctx(), ov, models.CreateAdminInput{Email: e, GivenName: "I", FamilyName: "V", Role: "tenant_member"}, models.Actor{}); err != nil {
				t.Fatal(err)
			}
		}
		check := func(want string) {
			t.Helper()
			for _, path := range []string{"/t/acme/", "/t/acme/overview"} {
				r := c.Get(path)
				if r.Status != 200 {
					t.Fatalf("GET %s = %d", path, r.Status)
				}
				doc := page(t, r)
				if body := doc.Find("main").Text(); !strings.Contains(body, want) {
					t.Errorf("%s does not say %q", path, want)
				}
			}
		}
		check("1 active · 2 invited (2 with a valid link) · 0 inactive")
		app.Clock.Add(app.Store.InvitationTTL + time.Hour) // both links expire (and the session)
		c = app.Client()
		c.SignIn("acme", "owner@example.com", webtest.Password)
		check("1 active · 2 invited (0 with a valid link) · 0 inactive")
		if body := page(t, c.Get("/t/acme/overview")).Find("main").Text(); !strings.Contains(body, "2 of the invited administrators have none") {
			t.Error("the overview does not say the invited administrators' links expired")
		}
	})
}
