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

// benchSize reads a size from the environment (to try the benchmark
// quickly), else def.
func benchSize(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkOrganizations measures the Organizations screens over one tenant
// of 100,000 organizations and 1,000,000 users, one organization of which
// has 10,000 members (a third of them with a role): the list's first and a
// deep page, searches, the Members tab (its counts and a page of members
// with their roles, first and deep) and the Members picker. SQLite always;
// PostgreSQL too when TEST_DATABASE_URL is set. Seeding takes minutes.
//
//	go test ./models -run '^$' -bench Organizations -benchtime 200x -timeout 60m
//
// GATEHOUSE_BENCH_ORGS, GATEHOUSE_BENCH_USERS and GATEHOUSE_BENCH_MEMBERS
// shrink it for a quick try.
func BenchmarkOrganizations(b *testing.B) {
	orgs := benchSize("GATEHOUSE_BENCH_ORGS", 100_000)
	users := benchSize("GATEHOUSE_BENCH_USERS", 1_000_000)
	members := benchSize("GATEHOUSE_BENCH_MEMBERS", 10_000)
	dbs := []func(testing.TB) modelstest.DB{modelstest.SQLite}
	if os.Getenv("TEST_DATABASE_URL") != "" {
		dbs = append(dbs, modelstest.Postgres)
	}
	for _, open := range dbs {
		db := open(b)
		b.Run(db.Name, func(b *testing.B) {
			s, _ := newStore(db)
			ctx := context.Background()
			tn, _, _, err := s.CreateTenant(ctx, models.CreateTenantInput{Slug: "big", Name: "Big", Plan: models.PlanEnterprise, AdminEmail: "a@big.example"}, models.Actor{})
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			for _, name := range []string{"Admin", "Billing", "Member"} {
				if _, err := s.CreateEndUserRole(ctx, tn.ID, models.EndUserRoleInput{Name: name}, models.Actor{}); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := s.SeedUsers(ctx, tn, users, models.Actor{}); err != nil {
				b.Fatal(err)
			}
			b.Logf("%s: seeded %d users in %s", db.Name, users, time.Since(start).Round(time.Second))
			start = time.Now()
			if _, err := s.SeedOrganizations(ctx, tn, orgs, models.Actor{}); err != nil {
				b.Fatal(err)
			}
			b.Logf("%s: seeded %d organizations in %s", db.Name, orgs, time.Since(start).Round(time.Second))
			start = time.Now()
			big, added, err := s.SeedOrganizationMembers(ctx, tn, "", members, models.Actor{})
			if err != nil || added != members {
				b.Fatalf("members: %d %v", added, err)
			}
			b.Logf("%s: seeded %d members of %s in %s", db.Name, members, big.Name, time.Since(start).Round(time.Second))
			if models.IsPostgres(db.DB) {
				modelstest.Must(b, db.DB.Exec("VACUUM ANALYZE"))
			} else {
				modelstest.Must(b, db.DB.Exec("ANALYZE"))
			}
			var midMember int64
			modelstest.Must(b, db.DB.Model(&models.OrganizationMember{}).Select("MIN(id) + (MAX(id) - MIN(id)) / 2").Where("organization_id = ?", big.ID).Scan(&midMember))
			for _, bc := range []struct {
				name string
				fn   func() error
			}{
				{"list-first-page", func() error {
					_, err := s.ListOrganizations(ctx, tn.ID, models.OrgListQuery{})
					return err
				}},
				{"list-deep-page", func() error {
					_, err := s.ListOrganizations(ctx, tn.ID, models.OrgListQuery{After: "sable"})
					return err
				}},
				{"search", func() error {
					_, err := s.ListOrganizations(ctx, tn.ID, models.OrgListQuery{Search: "logistics"})
					return err
				}},
				{"search-rare", func() error {
					_, err := s.ListOrganizations(ctx, tn.ID, models.OrgListQuery{Search: "zzz-nobody"})
					return err
				}},
				{"members-tab-first-page", func() error {
					if _, err := s.OrganizationCounts(ctx, big.ID); err != nil {
						return err
					}
					_, err := s.ListOrganizationMembers(ctx, big.ID, 0, 50)
					return err
				}},
				{"members-tab-deep-page", func() error {
					if _, err := s.OrganizationCounts(ctx, big.ID); err != nil {
						return err
					}
					_, err := s.ListOrganizationMembers(ctx, big.ID, midMember, 50)
					return err
				}},
				{"member-picker", func() error {
					_, err := s.OrganizationCandidates(ctx, tn.ID, big.ID, "sofia")
					return err
				}},
				{"member-picker-rare", func() error {
					_, err := s.OrganizationCandidates(ctx, tn.ID, big.ID, "zzz-nobody")
					return err
				}},
			} {
				b.Run(bc.name, func(b *testing.B) {
					for b.Loop() {
						if err := bc.fn(); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}
