package modelstest

import (
	"fmt"
	"os"
	"sync"
	"testing"

	"gatehouse/models/passwords"
)

// proc is what the tests of one process share once Main runs them: a
// migrated SQLite file copied for each test, and migrated PostgreSQL
// schemas emptied and handed to the next test instead of being dropped.
var proc struct {
	mu     sync.Mutex
	active bool   // Main is running the tests: the shared resources get cleaned up
	dir    string // temporary directory for the SQLite template

	sqliteOnce sync.Once
	sqliteTmpl string // path of the migrated SQLite template ("" = migrate per test)

	pg *pgPool
}

// Main runs a test package's tests (call it from TestMain) with what
// makes the suite fast, and cleans up after them:
//
//   - passwords hash with cheap argon2id parameters (passwords.UseTestParams);
//   - SQLite gives each test a copy of one database migrated once;
//   - PostgreSQL schemas are migrated once per concurrent test and reused:
//     when a test ends its schema is emptied back to its just-migrated
//     state (rows deleted, seeded rows put back, sequences reset) and the
//     next test gets it; a test that changed the schema's structure gets
//     a fresh one after it.
//
// Without Main, SQLite and Postgres migrate a fresh database per test.
//
//	func TestMain(m *testing.M) { os.Exit(modelstest.Main(m)) }
func Main(m *testing.M) int {
	passwords.UseTestParams()
	dir, err := os.MkdirTemp("", "gatehouse-modelstest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "modelstest:", err)
		return 1
	}
	proc.mu.Lock()
	proc.active, proc.dir = true, dir
	proc.mu.Unlock()

	code := m.Run()

	proc.mu.Lock()
	proc.active = false
	pg := proc.pg
	proc.mu.Unlock()
	if pg != nil {
		if err := pg.close(); err != nil {
			fmt.Fprintln(os.Stderr, "modelstest: dropping the pooled PostgreSQL schemas:", err)
			if code == 0 {
				code = 1
			}
		}
	}
	os.RemoveAll(dir)
	return code
}

// active reports whether Main is running the tests.
func active() bool {
	proc.mu.Lock()
	defer proc.mu.Unlock()
	return proc.active
}
