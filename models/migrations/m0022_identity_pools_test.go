package migrations

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/passwords"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// TestIdentityPoolsCarryExistingData: data written by the schema before
// 0022 (administrators who sign in, an invited one, end users with
// duplicate phones) comes through: pools get their slugs, every
// administrator's e-mail is an email identifier and address (verified
// once they accepted), end users' e-mail, username and phone become
// identifiers and addresses, and administrators still sign in with the
// same e-mail and password.
func TestIdentityPoolsCarryExistingData(t *testing.T) {
	passwords.UseTestParams()
	dbs := map[string]func(t *testing.T) *gorm.DB{"sqlite": func(t *testing.T) *gorm.DB {
		db, err := models.OpenSQLite(filepath.Join(t.TempDir(), "g.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { models.Close(db) })
		return db
	}}
	if base := os.Getenv("TEST_DATABASE_URL"); base != "" {
		dbs["postgres"] = func(t *testing.T) *gorm.DB { return freshPostgresSchema(t, base) }
	}
	for name, open := range dbs {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			ctx := context.Background()
			opts := *gormigrate.DefaultOptions
			opts.TableName = "schema_migrations"
			opts.UseTransaction = true
			if err := gormigrate.New(db, &opts, all()).MigrateTo("0016_sso"); err != nil {
				t.Fatal(err)
			}
			hash, err := passwords.Hash(ctx, "correct horse battery staple")
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC().Truncate(time.Second)
			exec := func(q string, args ...any) {
				t.Helper()
				if err := db.Exec(q, args...).Error; err != nil {
					t.Fatal(err)
				}
			}
			exec(`INSERT INTO tenants (slug, name, plan, feature_admin_management, feature_advanced_admin_management, legacy,
				idle_minutes, absolute_hours, deactivate_after_days, version, created_at, updated_at)
				VALUES ('old', 'Old', 'free', true, false, true, 30, 12, 0, 1, ?, ?)`, now, now)
			var tenantID int64
			if err := db.Raw("SELECT id FROM tenants WHERE slug = 'old'").Scan(&tenantID).Error; err != nil {
				t.Fatal(err)
			}
			exec("INSERT INTO identity_pools (tenant_id, name, kind, created_at) VALUES (?, 'Administrators', 'administrators', ?), (?, 'Users', 'users', ?)",
				tenantID, now, tenantID, now)
			var adminPool, usersPool int64
			if err := db.Raw("SELECT id FROM identity_pools WHERE tenant_id = ? AND kind = 'administrators'", tenantID).Scan(&adminPool).Error; err != nil {
				t.Fatal(err)
			}
			if err := db.Raw("SELECT id FROM identity_pools WHERE tenant_id = ? AND kind = 'users'", tenantID).Scan(&usersPool).Error; err != nil {
				t.Fatal(err)
			}
			exec(`INSERT INTO administrators (tenant_id, pool_id, email, given_name, family_name, status, password_hash, activated_at, created_at, updated_at)
				VALUES (?, ?, 'ann@old.example', 'Ann', 'Old', 'active', ?, ?, ?, ?), (?, ?, 'ivy@old.example', 'Ivy', 'New', 'invited', '', NULL, ?, ?)`,
				tenantID, adminPool, hash, now, now, now, tenantID, adminPool, now, now)
			exec(`INSERT INTO users (tenant_id, pool_id, email, email_verified, username, phone, phone_verified, given_name, family_name, status, created_at, updated_at)
				VALUES (?, ?, 'u1@x.example', true, 'u1', '+15550001111', true, 'U', 'One', 'active', ?, ?),
				       (?, ?, '', false, 'u2', '+15550001111', false, 'U', 'Two', 'new', ?, ?)`,
				tenantID, usersPool, now, now, tenantID, usersPool, now, now)

			if err := migrate(db); err != nil {
				t.Fatal(err)
			}
			if err := migrate(db); err != nil { // nothing left to do the second time
				t.Fatal(err)
			}

			var slugs []string
			if err := db.Table("identity_pools").Where("tenant_id = ?", tenantID).Order("id").Pluck("slug", &slugs).Error; err != nil {
				t.Fatal(err)
			}
			if len(slugs) != 2 || slugs[0] != "administrators" || slugs[1] != "users" {
				t.Fatalf("slugs %v", slugs)
			}
			type row struct {
				UserID   int64
				Type     string
				Value    string
				Verified bool
			}
			var ids []row
			if err := db.Raw("SELECT user_id, type, value FROM pool_identifiers WHERE pool_id = ? ORDER BY value", adminPool).Scan(&ids).Error; err != nil {
				t.Fatal(err)
			}
			if len(ids) != 2 || ids[0].Type != "email" || ids[0].Value != "ann@old.example" || ids[1].Value != "ivy@old.example" {
				t.Fatalf("administrators' identifiers %+v", ids)
			}
			var addrs []row
			if err := db.Raw("SELECT user_id, type, value, verified_at IS NOT NULL AS verified FROM pool_addresses WHERE pool_id = ? ORDER BY value", adminPool).Scan(&addrs).Error; err != nil {
				t.Fatal(err)
			}
			if len(addrs) != 2 || !addrs[0].Verified || addrs[1].Verified || addrs[0].Type != "email" {
				t.Fatalf("administrators' addresses %+v", addrs)
			}
			var uids []row
			if err := db.Raw("SELECT user_id, type, value FROM pool_identifiers WHERE pool_id = ? ORDER BY type, value", usersPool).Scan(&uids).Error; err != nil {
				t.Fatal(err)
			}
			// u1: email, username, phone; u2: username only (the phone is u1's).
			if len(uids) != 4 || uids[0].Type != "email" || uids[1].Type != "phone" || uids[2].Value != "u1" || uids[3].Value != "u2" {
				t.Fatalf("users' identifiers %+v", uids)
			}
			var uaddrs []row
			if err := db.Raw("SELECT user_id, type, value, verified_at IS NOT NULL AS verified FROM pool_addresses WHERE pool_id = ? ORDER BY user_id, type", usersPool).Scan(&uaddrs).Error; err != nil {
				t.Fatal(err)
			}
			if len(uaddrs) != 3 || !uaddrs[0].Verified || uaddrs[0].Type != "email" || !uaddrs[1].Verified || uaddrs[1].Type != "mobile" ||
				uaddrs[2].Verified || uaddrs[2].Value != "+15550001111" {
				t.Fatalf("users' addresses %+v", uaddrs)
			}

			// Ann still signs in with the same e-mail and password.
			s := &models.Store{DB: db, Now: time.Now}
			a, err := s.Authenticate(ctx, tenantID, "Ann@Old.example", "correct horse battery staple", models.Actor{})
			if err != nil || a.Email != "ann@old.example" {
				t.Fatalf("sign-in after the migration: %+v %v", a, err)
			}
			if _, err := s.Authenticate(ctx, tenantID, "ann@old.example", "wrong password entirely", models.Actor{}); err == nil {
				t.Fatal("a wrong password signed in")
			}
		})
	}
}
