package models_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
)

// BenchmarkWorkspaceAnalytics measures the Analytics page's query (the
// daily rollups: per day, per identity provider, per client) over a
// workspace of 1,000,000 authentication events (GATEHOUSE_BENCH_EVENTS
// overrides the size; 10000000 for the 10 million of the issue), next to
// the same numbers counted from the raw events, which the rollups spare
// the page. SQLite always; PostgreSQL too when TEST_DATABASE_URL is set.
//
//	GATEHOUSE_BENCH_EVENTS=10000000 go test ./models -run '^$' -bench WorkspaceAnalytics -benchtime 50x -timeout 60m
func BenchmarkWorkspaceAnalytics(b *testing.B) {
	size := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("GATEHOUSE_BENCH_EVENTS")); err == nil && v > 0 {
		size = v
	}
	dbs := []func(testing.TB) modelstest.DB{modelstest.SQLite}
	if os.Getenv("TEST_DATABASE_URL") != "" {
		dbs = append(dbs, modelstest.Postgres)
	}
	for _, open := range dbs {
		db := open(b)
		b.Run(db.Name, func(b *testing.B) {
			s, _ := newStore(db)
			ctx := context.Background()
			tn, admin, _, err := s.CreateTenant(ctx, models.CreateTenantInput{Slug: "big", Name: "Big", Plan: models.PlanEnterprise, AdminEmail: "a@big.example"}, models.Actor{})
			if err != nil {
				b.Fatal(err)
			}
			modelstest.Must(b, db.DB.Model(&models.Administrator{}).Where("id = ?", admin.ID).Update("status", models.AdminActive))
			v, err := s.LoadViewer(ctx, tn, admin.ID)
			if err != nil {
				b.Fatal(err)
			}
			ws, err := s.CreateWorkspace(ctx, v, models.WorkspaceInput{Name: "Shop", Slug: "shop"}, models.Actor{})
			if err != nil {
				b.Fatal(err)
			}
			if v, err = s.LoadViewer(ctx, tn, admin.ID); err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			if _, err := s.SeedAuthEvents(ctx, tn, ws, size, models.Actor{}); err != nil {
				b.Fatal(err)
			}
			rollups := modelstest.Count(b, db.DB.Table("auth_event_daily"))
			b.Logf("%s: seeded %d events (%d daily rollup rows) in %s", db.Name, size, rollups, time.Since(start).Round(time.Millisecond))
			if models.IsPostgres(db.DB) {
				modelstest.Must(b, db.DB.Exec("VACUUM ANALYZE auth_events"))
				modelstest.Must(b, db.DB.Exec("VACUUM ANALYZE auth_event_daily"))
			} else {
				modelstest.Must(b, db.DB.Exec("ANALYZE"))
			}
			for _, days := range models.AnalyticsPeriods {
				b.Run("rollups-"+strconv.Itoa(days)+"d", func(b *testing.B) {
					for b.Loop() {
						r, err := s.WorkspaceAnalytics(ctx, v, ws.ID, days)
						if err != nil || len(r.Daily) != days {
							b.Fatal(err)
						}
					}
				})
			}
			b.Run("raw-events-90d", func(b *testing.B) {
				from := s.Now().AddDate(0, 0, -90)
				for b.Loop() {
					var n []struct {
						IdentityProvider string
						N                int64
					}
					if err := db.DB.Table("auth_events").Select("identity_provider, COUNT(*) AS n").
						Where("tenant_id = ? AND workspace_id = ? AND occurred_at >= ?", tn.ID, ws.ID, from).Group("identity_provider").Scan(&n).Error; err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
