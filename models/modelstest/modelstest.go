// Package modelstest gives tests a fresh, migrated database of their own:
// a SQLite file always, and a PostgreSQL schema when TEST_DATABASE_URL is set.
package modelstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"gatehouse/models"
	"gatehouse/models/migrations"
	"gatehouse/models/passwords"

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

// SQLite returns a migrated SQLite database in a temporary directory: a
// copy of a template migrated once per process when Main runs the tests,
// otherwise a database migrated for this test.
func SQLite(t testing.TB) DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	tmpl, err := sqliteTemplate()
	if err != nil {
		t.Fatal(err)
	}
	if tmpl != "" {
		if err := copyFile(tmpl, path); err != nil {
			t.Fatal(err)
		}
	}
	db, err := models.OpenSQLite(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { models.Close(db) })
	if tmpl == "" {
		if err := migrations.Run(context.Background(), db); err != nil {
			t.Fatal(err)
		}
	}
	return DB{Name: "sqlite", DB: db, URL: "sqlite:" + path}
}

// sqliteTemplate returns the path of a migrated SQLite database made once
// per process, or "" when Main is not running the tests.
func sqliteTemplate() (string, error) {
	if !active() {
		return "", nil
	}
	var err error
	proc.sqliteOnce.Do(func() {
		path := filepath.Join(proc.dir, "template.db")
		var db *gorm.DB
		if db, err = models.OpenSQLite(path, nil); err != nil {
			return
		}
		err = migrations.Run(context.Background(), db)
		// The last connection to close checkpoints the WAL into the file.
		models.Close(db)
		if err == nil {
			proc.sqliteTmpl = path
		}
	})
	if err != nil {
		return "", fmt.Errorf("migrate the SQLite template: %w", err)
	}
	if proc.sqliteTmpl == "" {
		return "", errors.New("the SQLite template failed earlier")
	}
	return proc.sqliteTmpl, nil
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o600)
}

// Postgres returns a migrated PostgreSQL database in a schema of its own
// of the database at TEST_DATABASE_URL: a fresh schema, dropped when the
// test ends, or, when Main runs the tests, a pooled one emptied for the
// next test. It skips when TEST_DATABASE_URL is unset (and fails under CI=true).
func Postgres(t testing.TB) DB {
	t.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but TEST_DATABASE_URL is not set")
		}
		t.Skip("TEST_DATABASE_URL not set: skipping the PostgreSQL run")
	}
	if pool := pgPoolFor(base); pool != nil {
		return pool.take(t)
	}
	admin, err := models.Open(base, "")
	if err != nil {
		t.Fatal(err)
	}
	schema := newSchemaName()
	if err := admin.Exec("CREATE SCHEMA " + schema).Error; err != nil {
		t.Fatal(err)
	}
	u, err := schemaURL(base, schema)
	if err != nil {
		t.Fatal(err)
	}
	db, err := models.Open(u, "")
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
	return DB{Name: "postgres", DB: db, URL: u}
}

// newSchemaName returns a random schema name.
func newSchemaName() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "t_" + hex.EncodeToString(b)
}

// schemaURL is base with its search_path set to schema.
func schemaURL(base, schema string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// Keys are fixed store keys for tests (models.NewStore needs keys).
func Keys() models.Keys {
	return models.Keys{TOTP: []byte("modelstest totp key 32 bytes ..."), Code: []byte("modelstest code key 32 bytes ..."), SSO: []byte("modelstest sso key 32 bytes ....")}
}

// Store returns a store over db with the test keys.
func Store(db DB, baseURL string, emails models.EmailRenderer) *models.Store {
	s, err := models.NewStore(db.DB, baseURL, emails, Keys())
	if err != nil {
		panic(err) // the test keys are always given
	}
	return s
}

// RoomyHashing gives the test a password hashing queue where every request
// waits its turn (no ErrBusy), for tests of what many parallel requests
// do to the data rather than of the queue; the usual queue is put back
// when the test ends.
func RoomyHashing(t testing.TB) {
	old := passwords.SetQueue(passwords.NewQueue(passwords.DefaultSlots, 1024, 0))
	t.Cleanup(func() { passwords.SetQueue(old) })
}
