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

// BenchmarkUsersList measures the Users list over a tenant of 1,000,000
// users (GATEHOUSE_BENCH_USERS overrides the size) next to a small tenant:
// the first page, a deep page, searches and the dashboard's capped count.
// SQLite always; PostgreSQL too when TEST_DATABASE_URL is set. Seeding is
// timed and logged. Benchmarks do not run with plain `go test`:
//
//	go test ./models -run '^$' -bench UsersList -benchtime 200x -timeout 60m
func BenchmarkUsersList(b *testing.B) {
	size := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("GATEHOUSE_BENCH_USERS")); err == nil && v > 0 {
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
			small, _, _, err := s.CreateTenant(ctx, models.CreateTenantInput{Slug: "small", Name: "Small", AdminEmail: "a@small.example"}, models.Actor{})
			if err != nil {
				b.Fatal(err)
			}
			big, _, _, err := s.CreateTenant(ctx, models.CreateTenantInput{Slug: "big", Name: "Big", AdminEmail: "a@big.example"}, models.Actor{})
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			if _, err := s.SeedUsers(ctx, big, size, models.Actor{}); err != nil {
				b.Fatal(err)
			}
			b.Logf("%s: seeded %d users in %s", db.Name, size, time.Since(start).Round(time.Millisecond))
			if _, err := s.SeedUsers(ctx, small, 50, models.Actor{}); err != nil {
				b.Fatal(err)
			}
			if models.IsPostgres(db.DB) {
				modelstest.Must(b, db.DB.Exec("VACUUM ANALYZE users"))
			} else {
				modelstest.Must(b, db.DB.Exec("ANALYZE"))
			}
			first, err := s.ListUsers(ctx, big.ID, models.UserListQuery{})
			if err != nil || len(first.Items) != 25 {
				b.Fatalf("first page: %v", err)
			}
			middle := first.Items[0].ID - int64(size/2)
			for _, bc := range []struct {
				name   string
				tenant models.Tenant
				q      models.UserListQuery
			}{
				{"first-page", big, models.UserListQuery{}},
				{"deep-page", big, models.UserListQuery{After: middle}},
				{"search-common", big, models.UserListQuery{Search: "tanaka"}},
				{"search-email", big, models.UserListQuery{Search: "ada.abe.1234"}},
				{"search-phone", big, models.UserListQuery{Search: "+1555123"}},
				{"search-rare", big, models.UserListQuery{Search: "zzz-nobody"}},
				{"small-tenant", small, models.UserListQuery{}},
			} {
				b.Run(bc.name, func(b *testing.B) {
					for b.Loop() {
						if _, err := s.ListUsers(ctx, bc.tenant.ID, bc.q); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
			b.Run("dashboard-count", func(b *testing.B) {
				for b.Loop() {
					if _, _, err := s.CountUsers(ctx, big.ID, 100_000); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("user-by-email", func(b *testing.B) {
				for b.Loop() {
					if _, err := s.UserByEmail(ctx, big.ID, "nobody@example.com"); err != models.ErrNotFound {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
