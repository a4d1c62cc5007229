package migrations

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"gatehouse/models"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// TestUsersPoolForExistingTenants: tenants created before 0006 get their
// "Users" identity pool from the migration, once.
func TestUsersPoolForExistingTenants(t *testing.T) {
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
			opts := *gormigrate.DefaultOptions
			opts.TableName = "schema_migrations"
			opts.UseTransaction = true
			if err := gormigrate.New(db, &opts, all()).MigrateTo("0005_workspaces"); err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC()
			for _, slug := range []string{"old1", "old2"} {
				if err := db.Exec("INSERT INTO tenants (slug, name, plan, created_at, updated_at) VALUES (?, ?, 'free', ?, ?)", slug, slug, now, now).Error; err != nil {
					t.Fatal(err)
				}
			}
			if err := migrate(db); err != nil {
				t.Fatal(err)
			}
			if err := migrate(db); err != nil {
				t.Fatal(err)
			}
			var n int64
			if err := db.Table("identity_pools").Where("kind = 'users' AND name = 'Users'").Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			if n != 2 {
				t.Fatalf("%d Users pools for 2 tenants", n)
			}
		})
	}
}

// freshPostgresSchema opens the database at base in a new schema of its
// own, dropped when the test ends.
func freshPostgresSchema(t *testing.T, base string) *gorm.DB {
	t.Helper()
	admin, err := models.Open(base, "")
	if err != nil {
		t.Fatal(err)
	}
	schema := fmt.Sprintf("t_m0006_%d", time.Now().UnixNano())
	if err := admin.Exec("CREATE SCHEMA " + schema).Error; err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := models.Open(u.String(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		models.Close(db)
		if err := admin.Exec("DROP SCHEMA " + schema + " CASCADE").Error; err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		models.Close(admin)
	})
	return db
}
