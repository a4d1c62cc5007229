package models_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/auditchain"
	"gatehouse/models/authz"
	"gatehouse/models/modelstest"
	"gatehouse/views/emails"
)

// chainOf returns the tenant's audit events in chain order.
func chainOf(t *testing.T, db modelstest.DB, tenantID int64) []models.AuditEvent {
	t.Helper()
	var evs []models.AuditEvent
	if err := db.DB.Where("tenant_id = ?", tenantID).Order("seq").Find(&evs).Error; err != nil {
		t.Fatal(err)
	}
	return evs
}

func mustVerify(t *testing.T, s *models.Store, tenantID int64) models.ChainVerification {
	t.Helper()
	v, err := s.VerifyAuditChain(context.Background(), tenantID)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestAuditEventsFormOneChainPerTenant: every event carries its position
// and the hash of the one before it and itself; tenants have chains of
// their own; verification walks them whole.
func TestAuditEventsFormOneChainPerTenant(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, _ := newStore(db)
		ctx := context.Background()
		tn, owner := activeAdmin(t, s)
		other, _, _, err := s.CreateTenant(ctx, models.CreateTenantInput{Slug: "globex", Name: "Globex", AdminEmail: "g@example.com"}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			if _, err := s.RenameSelf(ctx, tn.ID, owner.ID, fmt.Sprintf("Ann%d", i), "Owner", models.Actor{}); err != nil {
				t.Fatal(err)
			}
		}
		evs := chainOf(t, db, tn.ID)
		if len(evs) != 5 { // created, invitation accepted, 3 renames
			t.Fatalf("%d events", len(evs))
		}
		prev := auditchain.Genesis
		for i, ev := range evs {
			if ev.Seq != int64(i+1) {
				t.Fatalf("event %d at position %d", i, ev.Seq)
			}
			want := auditchain.Hash(prev, auditchain.Event{TenantID: ev.TenantID, Seq: ev.Seq, CreatedAt: ev.CreatedAt, ActorID: ev.ActorID,
				ActorEmail: ev.ActorEmail, Action: ev.Action, TargetType: ev.TargetType, TargetID: ev.TargetID, TargetLabel: ev.TargetLabel,
				Changes: ev.Changes, IP: ev.IP, UserAgent: ev.UserAgent, WorkspaceID: ev.WorkspaceID})
			if ev.Hash != want {
				t.Fatalf("event %d: hash %s, want %s", ev.ID, ev.Hash, want)
			}
			prev = ev.Hash
		}
		if g := chainOf(t, db, other.ID); len(g) != 1 || g[0].Seq != 1 {
			t.Fatalf("the other tenant's chain: %+v", g)
		}
		if v := mustVerify(t, s, tn.ID); !v.OK() || v.Events != 5 {
			t.Fatalf("verify: %+v", v)
		}
		st, err := s.AuditChainStatus(ctx, tn.ID)
		if err != nil || st.Events != 5 || st.VerifiedSeq != 5 || st.Broken || st.FullCheckAt == nil {
			t.Fatalf("status after verify: %+v %v", st, err)
		}
	})
}

// TestAuditVerifyFindsTampering: whatever is done to the log behind
// Gatehouse's back (an event edited, edited with its hash recomputed,
// removed from the middle or the end, or added) is found, at the first
// event it breaks.
func TestAuditVerifyFindsTampering(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, _ := newStore(db)
		ctx := context.Background()
		tn, owner := activeAdmin(t, s)
		for i := range 6 {
			if _, err := s.RenameSelf(ctx, tn.ID, owner.ID, fmt.Sprintf("Ann%d", i), "Owner", models.Actor{}); err != nil {
				t.Fatal(err)
			}
		}
		evs := chainOf(t, db, tn.ID) // 8 events
		exec := func(q string, args ...any) {
			t.Helper()
			if err := db.DB.Exec(q, args...).Error; err != nil {
				t.Fatal(err)
			}
		}
		expectBreak := func(what string, id, seq int64) {
			t.Helper()
			v := mustVerify(t, s, tn.ID)
			if v.OK() || v.Break.EventID != id || v.Break.Seq != seq {
				t.Fatalf("%s: %+v %+v", what, v, v.Break)
			}
			st, err := s.AuditChainStatus(ctx, tn.ID)
			if err != nil || !st.Broken || st.BrokenEventID != id {
				t.Fatalf("%s: status %+v %v", what, st, err)
			}
		}
		if v := mustVerify(t, s, tn.ID); !v.OK() || v.Events != 8 {
			t.Fatalf("untouched: %+v", v)
		}

		// An edited event breaks at itself.
		exec("UPDATE audit_events SET changes = ? WHERE id = ?", `{"given_name":{"before":"x","after":"y"}}`, evs[3].ID)
		expectBreak("edited", evs[3].ID, 4)
		exec("UPDATE audit_events SET changes = ? WHERE id = ?", evs[3].Changes, evs[3].ID)
		if v := mustVerify(t, s, tn.ID); !v.OK() {
			t.Fatalf("restored: %+v", v.Break)
		}
		// Edited with its own hash recomputed: the next event breaks.
		forged := evs[3]
		forged.ActorEmail = "someone@else.example"
		prev := evs[2].Hash
		exec("UPDATE audit_events SET actor_email = ?, hash = ? WHERE id = ?", forged.ActorEmail,
			auditchain.Hash(prev, auditchain.Event{TenantID: forged.TenantID, Seq: forged.Seq, CreatedAt: forged.CreatedAt, ActorID: forged.ActorID,
				ActorEmail: forged.ActorEmail, Action: forged.Action, TargetType: forged.TargetType, TargetID: forged.TargetID,
				TargetLabel: forged.TargetLabel, Changes: forged.Changes, IP: forged.IP, UserAgent: forged.UserAgent, WorkspaceID: forged.WorkspaceID}),
			forged.ID)
		expectBreak("edited and rehashed", evs[4].ID, 5)
		exec("UPDATE audit_events SET actor_email = ?, hash = ? WHERE id = ?", evs[3].ActorEmail, evs[3].Hash, evs[3].ID)
		// A removed event: its position is missing.
		exec("DELETE FROM audit_events WHERE id = ?", evs[5].ID)
		expectBreak("removed", 0, 6)
		exec("DELETE FROM audit_events WHERE id > ? AND tenant_id = ?", evs[4].ID, tn.ID)
		// The last events removed: the head still knows how long the chain was.
		expectBreak("tail removed", 0, 6)
		var head models.AuditChainHead
		if err := db.DB.Where("tenant_id = ?", tn.ID).Take(&head).Error; err != nil || head.Seq != 8 {
			t.Fatalf("head %+v %v", head, err)
		}
		exec("UPDATE audit_chain_heads SET seq = 5, hash = ? WHERE tenant_id = ?", evs[4].Hash, tn.ID)
		if v := mustVerify(t, s, tn.ID); !v.OK() || v.Events != 5 {
			t.Fatalf("head moved back: %+v", v)
		}
		// An event written outside Gatehouse is not in the chain.
		stray := models.AuditEvent{TenantID: tn.ID, ActorEmail: "intruder@example.com", Action: "administrator.created", CreatedAt: time.Now()}
		if err := db.DB.Create(&stray).Error; err != nil {
			t.Fatal(err)
		}
		expectBreak("stray", stray.ID, 0)
		if v := mustVerify(t, s, tn.ID); !strings.Contains(v.Break.String(), "not in the chain") {
			t.Fatalf("stray message: %s", v.Break)
		}
	})
}

// TestAChangeThatFailsLeavesTheChainAlone: an audit event written by a
// transaction that then fails is not appended, and the head does not move.
func TestAChangeThatFailsLeavesTheChainAlone(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, clk := newStore(db)
		ctx := context.Background()
		tn, _ := activeAdmin(t, s)
		// A workspace of its own with the Admin workspace's slug (from before
		// the slug was reserved) makes turning advanced on fail after the
		// flag's audit event was written.
		if err := db.DB.Create(&models.Workspace{TenantID: tn.ID, Name: "Admin", Slug: "admin", CreatedAt: clk.Now(), UpdatedAt: clk.Now()}).Error; err != nil {
			t.Fatal(err)
		}
		before := chainOf(t, db, tn.ID)
		if _, _, err := s.SetTenantFlag(ctx, "acme", models.FlagAdvancedAdminManagement, true, models.Actor{Email: "gatehouse cli"}); err != models.ErrAdminWorkspaceSlugTaken {
			t.Fatalf("err %v", err)
		}
		if after := chainOf(t, db, tn.ID); len(after) != len(before) {
			t.Fatalf("%d events after a failed change, %d before", len(after), len(before))
		}
		if got, _ := s.TenantBySlug(ctx, "acme"); got.FeatureAdvancedAdminManagement {
			t.Fatal("the flag was turned on")
		}
		if v := mustVerify(t, s, tn.ID); !v.OK() || v.Events != int64(len(before)) {
			t.Fatalf("verify: %+v", v)
		}
		if _, err := s.RenameSelf(ctx, tn.ID, 0, "x", "y", models.Actor{}); err == nil {
			t.Fatal("renaming nobody worked")
		}
		if _, err := s.UpdateTenantSettings(ctx, models.Viewer{Tenant: tn}, models.TenantSettingsInput{Name: "Acme 2", IdleMinutes: 10, AbsoluteHours: 2}, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		if v := mustVerify(t, s, tn.ID); !v.OK() || v.Events != int64(len(before))+1 {
			t.Fatalf("after the next change: %+v", v)
		}
	})
}

// TestCheckAuditChainsAdvancesAndRechecks: the background check verifies
// the chain a budget at a time, records how far, walks it again a day
// later, and records the first event an edit broke.
func TestCheckAuditChainsAdvancesAndRechecks(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, clk := newStore(db)
		ctx := context.Background()
		tn, owner := activeAdmin(t, s)
		for i := range 10 {
			if _, err := s.RenameSelf(ctx, tn.ID, owner.ID, fmt.Sprintf("Ann%d", i), "Owner", models.Actor{}); err != nil {
				t.Fatal(err)
			}
		}
		status := func() models.AuditChainStatus {
			t.Helper()
			st, err := s.AuditChainStatus(ctx, tn.ID)
			if err != nil {
				t.Fatal(err)
			}
			return st
		}
		if st := status(); st.Events != 12 || st.VerifiedSeq != 0 || st.VerifiedAt != nil {
			t.Fatalf("before any check: %+v", st)
		}
		if err := s.CheckAuditChains(ctx, 5); err != nil {
			t.Fatal(err)
		}
		if st := status(); st.VerifiedSeq != 5 || st.Broken {
			t.Fatalf("after a check of 5: %+v", st)
		}
		if err := s.CheckAuditChains(ctx, 100); err != nil {
			t.Fatal(err)
		}
		if st := status(); st.VerifiedSeq != 12 || st.Broken || st.FullCheckAt != nil {
			t.Fatalf("caught up: %+v", st)
		}
		// An event verified already is edited: the daily re-walk finds it.
		evs := chainOf(t, db, tn.ID)
		if err := db.DB.Exec("UPDATE audit_events SET ip = '10.9.9.9' WHERE id = ?", evs[2].ID).Error; err != nil {
			t.Fatal(err)
		}
		if err := s.CheckAuditChains(ctx, 100); err != nil { // first re-walk (no full check yet)
			t.Fatal(err)
		}
		if st := status(); !st.Broken || st.BrokenEventID != evs[2].ID || st.BrokenSeq != 3 {
			t.Fatalf("edit not found: %+v", st)
		}
		// Put it back; the CLI's whole verification clears the mark.
		if err := db.DB.Exec("UPDATE audit_events SET ip = ? WHERE id = ?", evs[2].IP, evs[2].ID).Error; err != nil {
			t.Fatal(err)
		}
		if v := mustVerify(t, s, tn.ID); !v.OK() {
			t.Fatal(v.Break)
		}
		if st := status(); st.Broken || st.VerifiedSeq != 12 || st.FullCheckAt == nil {
			t.Fatalf("after verify: %+v", st)
		}
		// Within the day nothing is re-read; a day later it is, and a
		// rewritten last event (the anchor) is found at once.
		clk.Add(25 * time.Hour)
		if err := db.DB.Exec("UPDATE audit_events SET hash = ? WHERE id = ?", strings.Repeat("0", 64), evs[11].ID).Error; err != nil {
			t.Fatal(err)
		}
		if err := s.CheckAuditChains(ctx, 100); err != nil {
			t.Fatal(err)
		}
		if st := status(); !st.Broken || st.BrokenEventID != evs[11].ID {
			t.Fatalf("rewritten anchor: %+v", st)
		}
	})
}

// parallelAuditedChanges makes n audited changes in tenant tn from workers
// goroutines spread over the stores: renames of administrators of their
// own, saves of the tenant's settings, and grants and removals of Tenant
// Admin (which take the tenant lock first). Every change must succeed.
func parallelAuditedChanges(t *testing.T, stores []*models.Store, tn models.Tenant, owner models.Administrator, workers, n int) {
	t.Helper()
	ctx := context.Background()
	s0 := stores[0]
	ov, err := s0.LoadViewer(ctx, tn, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	ov.SteppedUpAt = s0.Now() // the changes include granting Tenant Admin
	admins := make([]models.Administrator, workers)
	for i := range admins {
		a, err := s0.CreateAdministrator(ctx, ov, models.CreateAdminInput{Email: fmt.Sprintf("w%d@example.com", i), GivenName: "W", FamilyName: "W",
			Role: string(authz.TenantAuditor)}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s0.DB.Model(&models.Administrator{}).Where("id = ?", a.ID).Update("status", models.AdminActive).Error; err != nil {
			t.Fatal(err)
		}
		admins[i] = a
	}
	var left atomic.Int64
	left.Store(int64(n))
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := stores[w%len(stores)]
			a := admins[w]
			held := false
			for i := 0; left.Add(-1) >= 0; i++ {
				var err error
				switch w % 4 {
				case 0: // tenant settings (the tenants row)
					_, err = s.UpdateTenantSettings(ctx, ov, models.TenantSettingsInput{Name: fmt.Sprintf("Acme %d-%d", w, i), IdleMinutes: 30, AbsoluteHours: 12}, models.Actor{Email: "owner"})
				case 1: // grant or remove Tenant Admin (removal locks the tenant first)
					if held {
						var b models.RoleBinding
						if err = s.DB.Where("administrator_id = ? AND role_key = ?", a.ID, string(authz.TenantAdmin)).Take(&b).Error; err == nil {
							err = s.RemoveRole(ctx, ov, a.ID, b.ID, models.Actor{Email: "owner"})
						}
					} else {
						err = s.AssignRole(ctx, ov, a.ID, string(authz.TenantAdmin), nil, models.Actor{Email: "owner"})
					}
					held = !held
				default:
					_, err = s.RenameSelf(ctx, tn.ID, a.ID, fmt.Sprintf("W%d-%d", w, i), "Worker", models.Actor{})
				}
				if err != nil {
					errs <- fmt.Errorf("worker %d, change %d: %w", w, i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// TestParallelAuditedChangesOnTwoReplicasKeepOneChain: 1,000 audited
// changes from 16 goroutines over two Store instances (two replicas, each
// with its own connection pool) on one PostgreSQL leave a single, valid
// chain with every event in it.
func TestParallelAuditedChangesOnTwoReplicasKeepOneChain(t *testing.T) {
	db := modelstest.Postgres(t)
	second, err := models.Open(db.URL, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { models.Close(second) })
	s1, _ := newStore(db)
	s1.Now = time.Now
	s2, err := models.NewStore(second, "http://gatehouse.test", emails.Renderer{}, modelstest.Keys())
	if err != nil {
		t.Fatal(err)
	}
	tn, owner := activeAdmin(t, s1)
	before := int64(len(chainOf(t, db, tn.ID)))
	start := time.Now()
	parallelAuditedChanges(t, []*models.Store{s1, s2}, tn, owner, 16, 1000)
	t.Logf("1,000 audited changes from 16 goroutines over 2 replicas in %s", time.Since(start).Round(time.Millisecond))
	assertWholeChain(t, db, s1, tn.ID, before+16+1000) // each worker's administrator's creation, and the changes
}

// TestParallelAuditedChangesOnSQLite: the same on SQLite, smaller.
func TestParallelAuditedChangesOnSQLite(t *testing.T) {
	db := modelstest.SQLite(t)
	second, err := models.OpenSQLite(strings.TrimPrefix(db.URL, "sqlite:"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { models.Close(second) })
	s1, _ := newStore(db)
	s1.Now = time.Now
	s2, err := models.NewStore(second, "http://gatehouse.test", emails.Renderer{}, modelstest.Keys())
	if err != nil {
		t.Fatal(err)
	}
	tn, owner := activeAdmin(t, s1)
	before := int64(len(chainOf(t, db, tn.ID)))
	parallelAuditedChanges(t, []*models.Store{s1, s2}, tn, owner, 8, 200)
	assertWholeChain(t, db, s1, tn.ID, before+8+200)
}

// assertWholeChain checks that the tenant has want events, at positions 1
// to want, and that verification finds the chain whole.
func assertWholeChain(t *testing.T, db modelstest.DB, s *models.Store, tenantID, want int64) {
	t.Helper()
	evs := chainOf(t, db, tenantID)
	if int64(len(evs)) != want {
		t.Fatalf("%d events, want %d", len(evs), want)
	}
	for i, ev := range evs {
		if ev.Seq != int64(i+1) {
			t.Fatalf("position %d holds seq %d", i+1, ev.Seq)
		}
	}
	if v := mustVerify(t, s, tenantID); !v.OK() || v.Events != want {
		t.Fatalf("verify: %+v %v", v, v.Break)
	}
}
