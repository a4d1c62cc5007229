package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/webtest"
)

// TestAuditPageSaysHowFarTheChainIsVerified: before any check, after the
// background check, and once an edit behind Gatehouse's back was found.
func TestAuditPageSaysHowFarTheChainIsVerified(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, tn, _ := app.Owner("acme", "owner@example.com")
		auditor, _ := app.SignedInAs(tn, "aud@example.com", "tenant_auditor")
		chain := func(cl *webtest.Client) (string, string) {
			t.Helper()
			r := cl.Get("/t/acme/audit")
			if r.Status != http.StatusOK {
				t.Fatalf("audit page: %d", r.Status)
			}
			s := doc(t, r.Body).Find("#audit-chain")
			if s.Length() != 1 {
				t.Fatal("no chain status on the audit page")
			}
			return s.AttrOr("data-chain", ""), strings.Join(strings.Fields(s.Text()), " ")
		}
		if state, text := chain(c); state != "unverified" || !strings.Contains(text, "have not been verified yet") {
			t.Fatalf("before any check: %s %q", state, text)
		}
		if err := app.Store.CheckAuditChains(webtest.Ctx(), 1000); err != nil {
			t.Fatal(err)
		}
		var n int64
		if err := db.DB.Model(&models.AuditEvent{}).Where("tenant_id = ?", tn.ID).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("Hash chain verified through event %d of %d", n, n)
		for _, cl := range []*webtest.Client{c, auditor} {
			if state, text := chain(cl); state != "verified" || !strings.Contains(text, want) {
				t.Fatalf("after the check: %s %q, want %q", state, text, want)
			}
		}
		var last models.AuditEvent
		if err := db.DB.Where("tenant_id = ?", tn.ID).Order("seq DESC").Take(&last).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.DB.Exec("UPDATE audit_events SET actor_email = 'nobody@example.com' WHERE id = ?", last.ID).Error; err != nil {
			t.Fatal(err)
		}
		c.Get("/t/acme/account") // no new event: reading writes nothing
		if _, err := app.Store.VerifyAuditChain(webtest.Ctx(), tn.ID); err != nil {
			t.Fatal(err)
		}
		state, text := chain(c)
		if state != "broken" || !strings.Contains(text, fmt.Sprintf("at event %d (position %d)", last.ID, last.Seq)) || !strings.Contains(text, "gatehouse audit verify") {
			t.Fatalf("after an edit: %s %q", state, text)
		}
		// A workspace's audit screen has no chain of its own.
		setFlag(t, app, "acme", models.FlagAdvancedAdminManagement, true)
		r := c.Get("/t/acme/workspaces/admin/audit")
		if r.Status != http.StatusOK || doc(t, r.Body).Find("#audit-chain").Length() != 0 {
			t.Fatalf("workspace audit: %d", r.Status)
		}
	})
}
