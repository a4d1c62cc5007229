package models_test

import (
	"context"
	"os"
	"testing"

	"gatehouse/models"
	"gatehouse/models/modelstest"
)

// BenchmarkAdministratorsList measures the Administrators list over a
// tenant of 100,000 administrators (next to a small tenant): the first
// page, a deep page and a search. SQLite always; PostgreSQL too when
// TEST_DATABASE_URL is set.
//
//	go test ./models -run '^$' -bench AdministratorsList -benchtime 200x
func BenchmarkAdministratorsList(b *testing.B) {
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
			if _, err := s.SeedAdministrators(ctx, big, 100_000, "", models.Actor{}); err != nil {
				b.Fatal(err)
			}
			if _, err := s.SeedAdministrators(ctx, small, 50, "", models.Actor{}); err != nil {
				b.Fatal(err)
			}
			if models.IsPostgres(db.DB) {
				modelstest.Must(b, db.DB.Exec("VACUUM ANALYZE administrators"))
			}
			for _, bc := range []struct {
				name   string
				tenant models.Tenant
				q      models.AdminListQuery
			}{
				{"first-page", big, models.AdminListQuery{}},
				{"deep-page", big, models.AdminListQuery{After: "sofia"}},
				{"search", big, models.AdminListQuery{Search: "tanaka"}},
				{"search-rare", big, models.AdminListQuery{Search: "zzz-nobody"}},
				{"small-tenant", small, models.AdminListQuery{}},
			} {
				b.Run(bc.name, func(b *testing.B) {
					for b.Loop() {
						if _, err := s.ListAdministrators(ctx, bc.tenant.ID, bc.q); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}
