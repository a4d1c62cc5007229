package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/webtest"
)

func TestElevationRequestApproveExpire(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		owner, tn, _ := app.Owner("acme", "owner@example.com")
		ann, annA := app.SignedInAs(tn, "ann@example.com", "tenant_member")
		auditor, _ := app.SignedInAs(tn, "aud@example.com", "tenant_auditor")
		// Bad input: messages beside the fields, typed values kept, nothing saved.
		r := ann.Submit("/t/acme/account/elevation", "/t/acme/account/elevation", url.Values{"role": {"tenant_auditor"}, "hours": {"99"}, "reason": {""}})
		doc := page(t, r)
		if r.Status != http.StatusUnprocessableEntity || doc.Find("#e-hours").Length() != 1 || doc.Find("#e-reason").Length() != 1 ||
			doc.Find(`input[name="hours"]`).AttrOr("value", "") != "99" {
			t.Fatalf("bad input: %d", r.Status)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.ElevationRequest{})); n != 0 {
			t.Fatal("bad input saved a request")
		}
		r = ann.Submit("/t/acme/account/elevation", "/t/acme/account/elevation", url.Values{"role": {"tenant_auditor"}, "hours": {"2"}, "reason": {"Quarterly audit"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("request: %d", r.Status)
		}
		if body := ann.Get("/t/acme/account/elevation").Body; !strings.Contains(body, "Quarterly audit") || !strings.Contains(body, "pending") {
			t.Fatal("the requester does not see the pending request")
		}
		var req models.ElevationRequest
		modelstest.Must(t, db.DB.Take(&req))
		approve := "/t/acme/settings/elevation-requests/" + itoa64(req.ID) + "/approve"
		// The auditor reads the page but cannot decide; the requester cannot decide their own.
		if r := auditor.Get("/t/acme/settings/elevation-requests"); r.Status != http.StatusOK || strings.Contains(r.Body, "Approve") {
			t.Fatalf("auditor page: %d", r.Status)
		}
		if r := auditor.Submit("/t/acme/", approve, nil); r.Status != http.StatusForbidden {
			t.Fatalf("auditor approves: %d", r.Status)
		}
		if r := ann.Submit("/t/acme/", approve, nil); r.Status != http.StatusForbidden {
			t.Fatalf("member approves: %d", r.Status)
		}
		if r := ann.Get("/t/acme/settings/administrators"); r.Status != http.StatusForbidden {
			t.Fatalf("before approval: %d", r.Status)
		}
		// Another Tenant Admin approves: the binding lasts 2 hours from approval.
		r = owner.Get("/t/acme/settings/elevation-requests")
		if page(t, r).Find(`tr[data-status="pending"] button`).Length() != 2 {
			t.Fatal("no Approve/Deny for the Tenant Admin")
		}
		r = owner.Submit("/t/acme/settings/elevation-requests", approve, url.Values{"note": {"ok"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("approve: %d %s", r.Status, r.Body)
		}
		if r := ann.Get("/t/acme/settings/administrators"); r.Status != http.StatusOK {
			t.Fatalf("after approval: %d", r.Status)
		}
		mails, err := app.Store.OutboxTo(webtest.Ctx(), "ann@example.com")
		if err != nil || len(mails) == 0 || !strings.Contains(mails[len(mails)-1].Subject, "approved") {
			t.Fatalf("requester not e-mailed: %v", err)
		}
		app.Clock.Add(2*time.Hour + time.Minute)
		ann.SignIn("acme", "ann@example.com", webtest.Password)
		if r := ann.Get("/t/acme/settings/administrators"); r.Status != http.StatusForbidden {
			t.Fatalf("after expiry: %d", r.Status)
		}
		_ = annA
	})
}

func TestBreakGlassFromTheAccount(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		owner, tn, _ := app.Owner("acme", "owner@example.com")
		glass, _ := app.SignedInAs(tn, "glass@example.com", "tenant_member")
		other, _ := app.SignedInAs(tn, "other@example.com", "tenant_member")
		// Named on Tenant Settings > Tenant by those who may update the tenant.
		r := owner.Submit("/t/acme/settings/tenant", "/t/acme/settings/tenant/break-glass", url.Values{"break_glass": {"a@example.com, b@example.com, c@example.com"}})
		if r.Status != http.StatusUnprocessableEntity || page(t, r).Find("#e-break_glass").Length() != 1 {
			t.Fatalf("three: %d", r.Status)
		}
		if r := other.Submit("/t/acme/", "/t/acme/settings/tenant/break-glass", url.Values{"break_glass": {"other@example.com"}}); r.Status != http.StatusForbidden {
			t.Fatalf("member names itself: %d", r.Status)
		}
		if r := owner.Submit("/t/acme/settings/tenant", "/t/acme/settings/tenant/break-glass", url.Values{"break_glass": {"glass@example.com"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("save: %d", r.Status)
		}
		if v := page(t, owner.Get("/t/acme/settings/tenant")).Find(`input[name="break_glass"]`).AttrOr("value", ""); v != "glass@example.com" {
			t.Fatalf("tenant page shows %q", v)
		}
		// Others see no break-glass control and are refused.
		if strings.Contains(other.Get("/t/acme/account/elevation").Body, "Break glass") {
			t.Error("break-glass offered to someone else")
		}
		if r := other.Submit("/t/acme/account/elevation", "/t/acme/account/break-glass", url.Values{"reason": {"x"}}); r.Status != http.StatusForbidden {
			t.Fatalf("other breaks glass: %d", r.Status)
		}
		r = glass.Submit("/t/acme/account/elevation", "/t/acme/account/break-glass", url.Values{"reason": {"Outage, owner unreachable"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("break glass: %d", r.Status)
		}
		if r := glass.Get("/t/acme/settings/tenant"); r.Status != http.StatusOK || page(t, r).Find(`input[name="break_glass"]`).Length() != 1 {
			t.Fatalf("break-glass admin is not Tenant Admin: %d", r.Status)
		}
		mails, err := app.Store.OutboxTo(webtest.Ctx(), "owner@example.com")
		if err != nil || len(mails) == 0 || !strings.HasPrefix(mails[len(mails)-1].Subject, "ALARM") {
			t.Fatal("Tenant Admins not alarmed")
		}
		var ev models.AuditEvent
		modelstest.Must(t, db.DB.Where("action = ?", "elevation.break_glass").Take(&ev))
		if !strings.Contains(ev.Changes, `"alarm"`) {
			t.Errorf("audit not marked: %s", ev.Changes)
		}
		app.Clock.Add(time.Hour + time.Minute)
		glass.SignIn("acme", "glass@example.com", webtest.Password)
		if r := glass.Get("/t/acme/settings/tenant"); r.Status != http.StatusForbidden {
			t.Fatalf("after the hour: %d", r.Status)
		}
	})
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
