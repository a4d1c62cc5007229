package web_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/webtest"

	"github.com/PuerkitoBio/goquery"
)

func TestAccessReviewScreens(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		owner, tn, _ := app.Owner("acme", "owner@example.com")
		bob, _ := app.SignedInAs(tn, "bob@example.com", "tenant_admin")
		_, ann := app.SignedInAs(tn, "ann@example.com", "tenant_auditor")
		auditor, _ := app.SignedInAs(tn, "aud@example.com", "tenant_auditor")
		base := "/t/acme/settings/access-reviews"
		// Bad input: beside the fields, typed values kept, nothing saved.
		r := owner.Submit(base, base, url.Values{"name": {"Q4"}, "due": {"yesterday"}, "scope": {"tenant"}})
		doc := page(t, r)
		if r.Status != http.StatusUnprocessableEntity || doc.Find("#e-due").Length() != 1 || doc.Find(`input[name="name"]`).AttrOr("value", "") != "Q4" {
			t.Fatalf("bad input: %d", r.Status)
		}
		// Auditors read but cannot start.
		if r := auditor.Get(base); r.Status != http.StatusOK || strings.Contains(r.Body, "Start review") {
			t.Fatalf("auditor list: %d", r.Status)
		}
		if r := auditor.Submit(base, base, url.Values{"name": {"X"}, "due": {"2026-12-31"}, "scope": {"tenant"}}); r.Status != http.StatusForbidden {
			t.Fatalf("auditor starts: %d", r.Status)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.AccessReview{})); n != 0 {
			t.Fatal("refused or bad starts saved a review")
		}
		r = owner.Submit(base, base, url.Values{"name": {"Q4 tenant"}, "due": {"2026-12-31"}, "scope": {"tenant"}})
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, base+"/") {
			t.Fatalf("start: %d", r.Status)
		}
		reviewURL := r.Location
		doc = page(t, owner.Get(reviewURL))
		rows := doc.Find(`[data-testid="review-items"] tbody tr`)
		if rows.Length() != 4 {
			t.Fatalf("%d items", rows.Length())
		}
		// The owner's own item offers no decision; Ann's does.
		var annItem, ownItem string
		rows.Each(func(_ int, s *goquery.Selection) {
			switch {
			case strings.Contains(s.Text(), "ann@example.com"):
				annItem = s.AttrOr("data-item", "")
			case strings.Contains(s.Text(), "owner@example.com"):
				ownItem = s.AttrOr("data-item", "")
				if s.Find("form").Length() != 0 {
					t.Error("the owner may decide their own item")
				}
			}
		})
		if r := owner.Submit(reviewURL, reviewURL+"/items/"+ownItem, url.Values{"decision": {"keep"}}); r.Status != http.StatusForbidden {
			t.Fatalf("deciding one's own item: %d", r.Status)
		}
		if r := auditor.Submit(reviewURL, reviewURL+"/items/"+annItem, url.Values{"decision": {"revoke"}}); r.Status != http.StatusForbidden {
			t.Fatalf("auditor decides: %d", r.Status)
		}
		// Revoke through the review: Ann loses Tenant Auditor at once.
		annClient := app.Client()
		annClient.SignIn("acme", "ann@example.com", webtest.Password)
		if r := annClient.Get(adminsURL); r.Status != http.StatusOK {
			t.Fatalf("before revocation: %d", r.Status)
		}
		r = owner.Submit(reviewURL, reviewURL+"/items/"+annItem, url.Values{"decision": {"revoke"}, "note": {"moved teams"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("revoke: %d", r.Status)
		}
		if r := annClient.Get(adminsURL); r.Status != http.StatusForbidden {
			t.Fatalf("after revocation: %d", r.Status)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.RoleBinding{}).Where("administrator_id = ?", ann.ID)); n != 0 {
			t.Fatalf("ann keeps %d bindings", n)
		}
		// Decide the rest (bob decides the owner's); the review closes.
		doc = page(t, owner.Get(reviewURL))
		doc.Find(`[data-testid="review-items"] form`).Each(func(_ int, s *goquery.Selection) {
			if r := owner.Submit(reviewURL, s.AttrOr("action", ""), url.Values{"decision": {"keep"}}); r.Status != http.StatusSeeOther {
				t.Fatalf("keep: %d", r.Status)
			}
		})
		if r := bob.Submit(reviewURL, reviewURL+"/items/"+ownItem, url.Values{"decision": {"keep"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("bob keeps the owner: %d", r.Status)
		}
		r = auditor.Get(reviewURL)
		doc = page(t, r)
		if !strings.Contains(r.Body, "closed") || doc.Find(`[data-testid="review-items"] form`).Length() != 0 {
			t.Fatal("review not closed")
		}
		csv := auditor.Get(reviewURL + "/export.csv")
		sum := sha256.Sum256([]byte(csv.Body))
		if csv.Status != http.StatusOK || strings.TrimSpace(doc.Find(`[data-testid="review-sha256"]`).Text()) != hex.EncodeToString(sum[:]) ||
			!strings.Contains(csv.Body, "ann@example.com,Tenant Auditor,Tenant,owner@example.com,revoke,") {
			t.Fatalf("attestation: %d\n%s", csv.Status, csv.Body)
		}
		if r := owner.Get(base + "/999999"); r.Status != http.StatusNotFound {
			t.Fatalf("unknown review: %d", r.Status)
		}
	})
}
