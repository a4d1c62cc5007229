// Package modelstest gives tests a fresh, migrated database of their own:
// a SQLite file always, and a PostgreSQL schema when TEST_DATABASE_URL is set.
package modelstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"gatehouse/models"
	"gatehouse/models/migrations"

	"gorm.io/gorm"
)

// DB is one test database.
type DB struct {
	Name string // "sqlite" or "postgres"
	DB   *gorm.DB
	URL  string // a DATABASE_URL that reaches the same database (and schema)
}

// Each runs fn once per available database (SQLite always; PostgreSQL when
// TEST_DATABASE_URL is set), each in a subtest with its own fresh database.
func Each(t *testing.T, fn func(t *testing.T, db DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	if os.Getenv("TEST_DATABASE_URL") != "" {
		t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
	} else if os.Getenv("CI") == "true" {
		t.Fatal("CI=true but TEST_DATABASE_URL is not set: PostgreSQL tests must run in CI")
	}
}

// SQLite returns a migrated SQLite database in a temporary directory.
func SQLite(t testing.TB) DB {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "gatehouse.db")
	db, err := models.OpenSQLite(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { models.Close(db) })
	if err := migrations.Run(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	return DB{Name: "sqlite", DB: db, URL: "sqlite:" + path}
}

// Postgres returns a migrated PostgreSQL database in a fresh schema of the
// database at TEST_DATABASE_URL; the schema is dropped when the test ends.
// It skips when TEST_DATABASE_URL is unset (and fails under CI=true).
func Postgres(t testing.TB) DB {
	t.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but TEST_DATABASE_URL is not set")
		}
		t.Skip("TEST_DATABASE_URL not set: skipping the PostgreSQL run")
	}
	admin, err := models.Open(base, "")
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
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
	if err := migrations.Run(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	return DB{Name: "postgres", DB: db, URL: u.String()}
}
