package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/webtest"
)

// TestRefusalSaysWhy: a request a business rule refuses answers 403 in the
// app's layout with the rule's reason, not a generic page; a refusal by
// the route's permission keeps the generic one. Nothing changes.
func TestRefusalSaysWhy(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		_, tn, _ := app.Owner("acme", "owner@example.com")
		c, temp := app.SignedInAs(tn, "temp@example.com", "tenant_admin")
		// temp holds Tenant Admin for ten more days only.
		until := app.Clock.Now().Add(10 * 24 * time.Hour)
		modelstest.Must(t, db.DB.Model(&models.RoleBinding{}).Where("administrator_id = ?", temp.ID).Update("expires_at", until))
		target := app.AdminWithRoles(tn, "target@example.com", "tenant_member")
		before := counts(t, db.DB)
		const why = "You can only grant roles whose permissions you hold, for no longer than you hold them."
		profile := adminsURL + "/" + fmt.Sprint(target.ID)
		for name, r := range map[string]*webtest.Response{
			"assign without expiry": c.Submit(profile, profile+"/roles", url.Values{"role": {"tenant_auditor"}}),
			"create without expiry": c.Submit(adminsURL+"/new", adminsURL+"/new",
				url.Values{"email": {"new@example.com"}, "given_name": {"N"}, "family_name": {"W"}, "role": {"tenant_auditor"}}),
		} {
			doc := page(t, r)
			if r.Status != http.StatusForbidden || doc.Find(".sidebar").Length() != 1 {
				t.Errorf("%s: %d, want a 403 page in the layout", name, r.Status)
			}
			if got := doc.Find(".error-page p").Eq(1).Text(); got != why {
				t.Errorf("%s: the page says %q, want %q", name, got, why)
			}
		}
		if after := counts(t, db.DB); after != before {
			t.Fatalf("refused requests changed something: %s → %s", before, after)
		}
		// Refused by the route's permission: the generic reason.
		auditor, _ := app.SignedInAs(tn, "auditor@example.com", "tenant_auditor")
		r := auditor.Submit(adminsURL, profile+"/roles", url.Values{"role": {"tenant_auditor"}})
		if doc := page(t, r); r.Status != http.StatusForbidden || doc.Find("h1").Text() != "Access denied" {
			t.Errorf("auditor: %d %q", r.Status, doc.Find("h1").Text())
		}
	})
}
