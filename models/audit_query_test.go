package models_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/views/emails"

	"gorm.io/gorm"
)

var auditT0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func auditStore(db modelstest.DB) *models.Store {
	return modelstest.Store(db, "http://gatehouse.test", emails.Renderer{})
}

// seedAudit inserts events directly and returns them with their ids.
func seedAudit(t testing.TB, db modelstest.DB, evs []models.AuditEvent) []models.AuditEvent {
	t.Helper()
	if err := db.DB.CreateInBatches(&evs, 200).Error; err != nil {
		t.Fatal(err)
	}
	return evs
}

// seedAuditN inserts n plain events for tenant, one minute apart.
func seedAuditN(t testing.TB, db modelstest.DB, tenantID int64, n int) []models.AuditEvent {
	t.Helper()
	evs := make([]models.AuditEvent, n)
	for i := range evs {
		evs[i] = models.AuditEvent{TenantID: tenantID, ActorEmail: fmt.Sprintf("admin%d@example.com", i%7),
			Action: "administrator.signed_in", TargetType: "administrator", TargetID: fmt.Sprint(i % 7),
			TargetLabel: fmt.Sprintf("admin%d@example.com", i%7), CreatedAt: auditT0.Add(time.Duration(i) * time.Minute)}
	}
	return seedAudit(t, db, evs)
}

// countQueries counts the SELECTs db runs while fn runs.
func countQueries(t testing.TB, db *gorm.DB, fn func()) int64 {
	t.Helper()
	var n atomic.Int64
	name := fmt.Sprintf("test:count:%d", time.Now().UnixNano())
	if err := db.Callback().Query().After("gorm:query").Register(name, func(*gorm.DB) { n.Add(1) }); err != nil {
		t.Fatal(err)
	}
	defer db.Callback().Query().Remove(name)
	fn()
	return n.Load()
}

func ids(evs []models.AuditEvent) []int64 {
	out := make([]int64, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

func TestListAuditIsScopedToTheTenant(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, ctx := auditStore(db), context.Background()
		seedAuditN(t, db, 1, 5)
		seedAudit(t, db, []models.AuditEvent{
			{TenantID: 2, ActorEmail: "admin0@example.com", Action: "administrator.signed_in", TargetID: "0", TargetLabel: "admin0@example.com", CreatedAt: auditT0},
			{TenantID: 2, ActorEmail: "spy@globex.example", Action: "tenant.updated", CreatedAt: auditT0},
		})
		for _, tc := range []struct {
			tenant int64
			f      models.AuditFilter
			want   int
		}{
			{1, models.AuditFilter{}, 5},
			{2, models.AuditFilter{}, 2},
			{3, models.AuditFilter{}, 0},
			// The same actor and target exist in both tenants: only the tenant's own match.
			{1, models.AuditFilter{Actor: "admin0@example.com"}, 1},
			{2, models.AuditFilter{Target: "admin0@example.com"}, 1},
			{1, models.AuditFilter{Actor: "spy@globex.example"}, 0},
			{1, models.AuditFilter{Action: "tenant.*"}, 0},
		} {
			evs, next, err := s.ListAudit(ctx, tc.tenant, tc.f, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != tc.want || next != 0 {
				t.Errorf("tenant %d %+v: %d events (next %d), want %d", tc.tenant, tc.f, len(evs), next, tc.want)
			}
			for _, e := range evs {
				if e.TenantID != tc.tenant {
					t.Errorf("tenant %d got an event of tenant %d", tc.tenant, e.TenantID)
				}
			}
		}
		if acts, err := s.AuditActions(ctx, 1, nil); err != nil {
			t.Fatal(err)
		} else if strings.Join(acts, ",") != "administrator.signed_in" {
			t.Errorf("tenant 1 actions: %v", acts)
		}
		n := 0
		if err := s.ExportAudit(ctx, 2, models.AuditFilter{}, 0, func(e models.AuditEvent) error {
			if e.TenantID != 2 {
				t.Errorf("export of tenant 2 got tenant %d", e.TenantID)
			}
			n++
			return nil
		}); err != nil || n != 2 {
			t.Fatalf("export tenant 2: %d, %v", n, err)
		}
	})
}

func TestListAuditFilters(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, ctx := auditStore(db), context.Background()
		ws := int64(42)
		at := func(min int) time.Time { return auditT0.Add(time.Duration(min) * time.Minute) }
		evs := seedAudit(t, db, []models.AuditEvent{
			/*0*/ {TenantID: 1, ActorEmail: "olivia@acme.example", Action: "administrator.signed_in", TargetType: "administrator", TargetID: "1", TargetLabel: "olivia@acme.example", CreatedAt: at(0)},
			/*1*/ {TenantID: 1, ActorEmail: "olivia@acme.example", Action: "administrator.created", TargetType: "administrator", TargetID: "2", TargetLabel: "bob@acme.example", Changes: `{"email":{"before":null,"after":"bob@acme.example"}}`, CreatedAt: at(10)},
			/*2*/ {TenantID: 1, ActorEmail: "bob@acme.example", Action: "administrator.signed_in", TargetType: "administrator", TargetID: "2", TargetLabel: "bob@acme.example", CreatedAt: at(20)},
			/*3*/ {TenantID: 1, ActorEmail: "bob@acme.example", Action: "organization.created", TargetType: "organization", TargetID: "7", TargetLabel: "Northwind Traders", WorkspaceID: &ws, CreatedAt: at(30)},
			/*4*/ {TenantID: 1, ActorEmail: "", Action: "tenant.created", TargetType: "tenant", TargetID: "1", TargetLabel: "Acme", CreatedAt: at(40)},
			/*5*/ {TenantID: 1, ActorEmail: "olivia@acme.example", Action: "administrators.exported", TargetType: "tenant", TargetID: "1", TargetLabel: "Acme", CreatedAt: at(50)},
			/*6*/ {TenantID: 1, ActorEmail: "olivia@acme.example", Action: "administrator_x", TargetType: "tenant", TargetID: "100%", TargetLabel: "100%", CreatedAt: at(60)},
		})
		tp := func(min int) *time.Time { v := at(min); return &v }
		for _, tc := range []struct {
			name string
			f    models.AuditFilter
			want []int // indexes into evs, newest first
		}{
			{"all", models.AuditFilter{}, []int{6, 5, 4, 3, 2, 1, 0}},
			{"actor exact", models.AuditFilter{Actor: "bob@acme.example"}, []int{3, 2}},
			{"actor case-insensitive", models.AuditFilter{Actor: "  Bob@ACME.example "}, []int{3, 2}},
			{"actor not a substring", models.AuditFilter{Actor: "bob"}, nil},
			{"action exact", models.AuditFilter{Action: "administrator.signed_in"}, []int{2, 0}},
			{"action not a prefix without the dot", models.AuditFilter{Action: "administrator"}, nil},
			{"action prefix .*", models.AuditFilter{Action: "administrator.*"}, []int{2, 1, 0}},
			{"action prefix trailing dot", models.AuditFilter{Action: "administrator."}, []int{2, 1, 0}},
			{"action prefix is not a LIKE pattern", models.AuditFilter{Action: "administrator_.*"}, nil},
			{"target by label, case-insensitive", models.AuditFilter{Target: "BOB@acme.example"}, []int{2, 1}},
			{"target by label with spaces", models.AuditFilter{Target: "northwind traders"}, []int{3}},
			{"target by id", models.AuditFilter{Target: "2"}, []int{2, 1}},
			{"target is exact, not LIKE", models.AuditFilter{Target: "100_"}, nil},
			{"target with %", models.AuditFilter{Target: "100%"}, []int{6}},
			{"from inclusive", models.AuditFilter{From: tp(40)}, []int{6, 5, 4}},
			{"to exclusive", models.AuditFilter{To: tp(20)}, []int{1, 0}},
			{"from and to", models.AuditFilter{From: tp(10), To: tp(30)}, []int{2, 1}},
			{"from in another zone", models.AuditFilter{From: func() *time.Time { v := at(50).In(time.FixedZone("X", -5*3600)); return &v }()}, []int{6, 5}},
			{"workspace", models.AuditFilter{WorkspaceID: &ws}, []int{3}},
			{"combined", models.AuditFilter{Actor: "olivia@acme.example", Action: "administrator.*", Target: "bob@acme.example"}, []int{1}},
		} {
			got, _, err := s.ListAudit(ctx, 1, tc.f, 0, 0)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			want := make([]int64, len(tc.want))
			for i, k := range tc.want {
				want[i] = evs[k].ID
			}
			if fmt.Sprint(ids(got)) != fmt.Sprint(want) {
				t.Errorf("%s: got %v, want %v", tc.name, ids(got), want)
			}
			// The export applies the same filter.
			var exported []int64
			if err := s.ExportAudit(ctx, 1, tc.f, 0, func(e models.AuditEvent) error { exported = append(exported, e.ID); return nil }); err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(exported) != fmt.Sprint(want) && !(len(exported) == 0 && len(want) == 0) {
				t.Errorf("%s export: got %v, want %v", tc.name, exported, want)
			}
		}
		acts, err := s.AuditActions(ctx, 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(acts, ",") != "administrator.created,administrator.signed_in,administrator_x,administrators.exported,organization.created,tenant.created" {
			t.Errorf("actions: %v", acts)
		}
		// Changes and times come back as stored.
		got, _, err := s.ListAudit(ctx, 1, models.AuditFilter{Action: "administrator.created"}, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Changes != evs[1].Changes || !got[0].CreatedAt.Equal(at(10)) {
			t.Errorf("event read back: %+v", got)
		}
	})
}

func TestListAuditPagesNewestFirstByKeyset(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, ctx := auditStore(db), context.Background()
		all := seedAuditN(t, db, 1, 237)
		seedAuditN(t, db, 2, 60) // interleaved ids of another tenant
		more := seedAuditN(t, db, 1, 13)
		all = append(all, more...)

		for _, tc := range []struct {
			f     models.AuditFilter
			limit int
		}{
			{models.AuditFilter{}, 50},
			{models.AuditFilter{}, 100},
			{models.AuditFilter{}, 1},
			{models.AuditFilter{Actor: "admin3@example.com"}, 7},
		} {
			var want []int64
			for _, e := range all {
				if tc.f.Actor == "" || e.ActorEmail == tc.f.Actor {
					want = append(want, e.ID)
				}
			}
			sort.Slice(want, func(i, j int) bool { return want[i] > want[j] })

			var got []int64
			seen := map[int64]bool{}
			before, pages := int64(0), 0
			for {
				var evs []models.AuditEvent
				var next int64
				var err error
				if q := countQueries(t, db.DB, func() { evs, next, err = s.ListAudit(ctx, 1, tc.f, before, tc.limit) }); q != 1 {
					t.Fatalf("page %d took %d queries", pages, q)
				}
				if err != nil {
					t.Fatal(err)
				}
				pages++
				if len(evs) > tc.limit {
					t.Fatalf("page of %d events for limit %d", len(evs), tc.limit)
				}
				for _, e := range evs {
					if seen[e.ID] {
						t.Fatalf("event %d on two pages", e.ID)
					}
					seen[e.ID] = true
					got = append(got, e.ID)
				}
				if next == 0 {
					break
				}
				if next != evs[len(evs)-1].ID {
					t.Fatalf("next cursor %d is not the last id on the page %d", next, evs[len(evs)-1].ID)
				}
				before = next
				if pages > len(want)+1 {
					t.Fatal("pagination does not end")
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("limit %d %+v: walked %d events, want %d (gaps, duplicates or wrong order)", tc.limit, tc.f, len(got), len(want))
			}
			if wantPages := (len(want) + tc.limit - 1) / tc.limit; pages != wantPages {
				t.Errorf("limit %d: %d pages, want %d", tc.limit, pages, wantPages)
			}
		}
	})
}

func TestListAuditLimitIsBounded(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, ctx := auditStore(db), context.Background()
		seedAuditN(t, db, 1, 250)
		for _, tc := range []struct{ limit, want int }{
			{0, models.AuditPageDefault}, {-5, models.AuditPageDefault}, {1, 1}, {73, 73},
			{100, 100}, {201, models.AuditPageMax}, {1 << 30, models.AuditPageMax},
		} {
			evs, next, err := s.ListAudit(ctx, 1, models.AuditFilter{}, 0, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != tc.want || next == 0 {
				t.Errorf("limit %d: %d events (next %d), want %d", tc.limit, len(evs), next, tc.want)
			}
		}
		// The last page has no next cursor, even when it is exactly full.
		evs, next, err := s.ListAudit(ctx, 1, models.AuditFilter{}, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		evs2, next2, err := s.ListAudit(ctx, 1, models.AuditFilter{}, next, 150)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 100 || len(evs2) != 150 || next2 != 0 {
			t.Errorf("exactly full last page: %d, %d, next %d", len(evs), len(evs2), next2)
		}
	})
}

func TestExportAuditStreamsInBatchesUpToTheCap(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, ctx := auditStore(db), context.Background()
		all := seedAuditN(t, db, 1, 1234)
		seedAuditN(t, db, 2, 10)

		var got []int64
		q := countQueries(t, db.DB, func() {
			if err := s.ExportAudit(ctx, 1, models.AuditFilter{}, 0, func(e models.AuditEvent) error {
				got = append(got, e.ID)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		})
		if len(got) != len(all) {
			t.Fatalf("exported %d, want %d", len(got), len(all))
		}
		for i := range got {
			if got[i] != all[len(all)-1-i].ID {
				t.Fatalf("row %d: id %d, want %d (newest first, no gaps)", i, got[i], all[len(all)-1-i].ID)
			}
		}
		if q != 3 { // 500 + 500 + 234
			t.Errorf("export of 1234 rows took %d queries, want 3 batches", q)
		}

		// The cap: exactly max rows, and no query more than needed.
		for _, max := range []int{1, 499, 500, 501, 1000, 1233} {
			n := 0
			q := countQueries(t, db.DB, func() {
				if err := s.ExportAudit(ctx, 1, models.AuditFilter{}, max, func(models.AuditEvent) error { n++; return nil }); err != nil {
					t.Fatal(err)
				}
			})
			if n != max {
				t.Errorf("max %d: exported %d", max, n)
			}
			if want := int64((max + 499) / 500); q != want {
				t.Errorf("max %d: %d queries, want %d", max, q, want)
			}
		}
		// An error from the callback stops the export and is returned.
		stop := errors.New("client went away")
		n := 0
		err := s.ExportAudit(ctx, 1, models.AuditFilter{}, 0, func(models.AuditEvent) error {
			n++
			if n == 10 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || n != 10 {
			t.Errorf("callback error: %v after %d rows", err, n)
		}
		// A cancelled context stops it too.
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := s.ExportAudit(cctx, 1, models.AuditFilter{}, 0, func(models.AuditEvent) error { return nil }); err == nil {
			t.Error("export ran with a cancelled context")
		}
	})
}

// BenchmarkListAudit measures the newest page and a deep page (after
// walking ~19,000 events) of a 20,000-event log, beside a second tenant's.
func BenchmarkListAudit(b *testing.B) {
	run := func(b *testing.B, db modelstest.DB) {
		s, ctx := auditStore(db), context.Background()
		const n = 20_000
		evs := make([]models.AuditEvent, 0, n)
		for i := 0; i < n; i++ {
			tenant := int64(1)
			if i%5 == 0 {
				tenant = 2
			}
			evs = append(evs, models.AuditEvent{TenantID: tenant, ActorEmail: fmt.Sprintf("admin%d@example.com", i%50),
				Action:     []string{"administrator.signed_in", "administrator.created", "organization.updated"}[i%3],
				TargetType: "administrator", TargetID: fmt.Sprint(i % 50), TargetLabel: fmt.Sprintf("admin%d@example.com", i%50),
				Changes: `{"status":{"before":"invited","after":"active"}}`, IP: "192.0.2.1", UserAgent: "bench",
				CreatedAt: auditT0.Add(time.Duration(i) * time.Second)})
		}
		if err := db.DB.CreateInBatches(&evs, 1000).Error; err != nil {
			b.Fatal(err)
		}
		if err := db.DB.Exec("ANALYZE audit_events").Error; err != nil { // as autovacuum would
			b.Fatal(err)
		}
		// The cursor of a deep page: the id of tenant 1's ~15,000th newest event.
		var deep int64
		modelstest.Must(b, db.DB.Model(&models.AuditEvent{}).Where("tenant_id = 1").Order("id DESC").Offset(15_000).Limit(1).Pluck("id", &deep))
		if deep == 0 {
			b.Fatal("no deep cursor")
		}
		for _, bc := range []struct {
			name   string
			before int64
			f      models.AuditFilter
		}{
			{"first", 0, models.AuditFilter{}},
			{"deep", deep, models.AuditFilter{}},
			{"first-actor", 0, models.AuditFilter{Actor: "admin7@example.com"}},
			{"deep-action-prefix", deep, models.AuditFilter{Action: "administrator.*"}},
		} {
			b.Run(bc.name, func(b *testing.B) {
				for b.Loop() {
					evs, _, err := s.ListAudit(ctx, 1, bc.f, bc.before, 50)
					if err != nil || len(evs) == 0 {
						b.Fatalf("%d events, %v", len(evs), err)
					}
				}
			})
		}
	}
	b.Run("sqlite", func(b *testing.B) { run(b, modelstest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { run(b, modelstest.Postgres(b)) })
}
