package modelstest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"gatehouse/models"
	"gatehouse/models/migrations"

	"gorm.io/gorm"
)

// A pgPool hands migrated PostgreSQL schemas to the tests of one process.
// Migrating a schema costs ~60 DDL statements (0.5–2 s on a busy machine);
// emptying one back to its just-migrated state costs one round trip.
type pgPool struct {
	base  string
	admin *gorm.DB // creates, resets and drops the schemas

	mu       sync.Mutex
	free     []*pgSchema
	all      []*pgSchema
	disabled error // set when a reset failed for a reason the next one would share
}

// pgSchema is one pooled schema and what puts it back as it was just
// after migrating.
type pgSchema struct {
	name, seed  string // the schema, and a sibling holding copies of its seeded rows
	url         string
	reset       string // SQL: delete every row, put the seeded rows back, reset the sequences
	fingerprint string // the schema's structure just after migrating
}

// pgPoolFor returns the process's pool for base, or nil when Main is not
// running the tests (or the pool was turned off).
func pgPoolFor(base string) *pgPool {
	proc.mu.Lock()
	defer proc.mu.Unlock()
	if !proc.active {
		return nil
	}
	if proc.pg == nil {
		proc.pg = &pgPool{base: base}
	}
	if proc.pg.base != base {
		return nil
	}
	p := proc.pg
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.disabled != nil {
		return nil
	}
	return p
}

// take gives t a migrated, empty schema of its own until t ends.
func (p *pgPool) take(t testing.TB) DB {
	t.Helper()
	p.mu.Lock()
	if p.admin == nil {
		admin, err := models.Open(p.base, "")
		if err != nil {
			p.mu.Unlock()
			t.Fatal(err)
		}
		p.admin = admin
	}
	var s *pgSchema
	if n := len(p.free); n > 0 {
		s, p.free = p.free[n-1], p.free[:n-1]
	}
	p.mu.Unlock()

	var db *gorm.DB
	var err error
	if s == nil {
		s, db, err = p.create()
	} else {
		db, err = models.Open(s.url, "")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		models.Close(db)
		if err := p.give(s); err != nil {
			t.Errorf("PostgreSQL schema %s: %v", s.name, err)
		}
	})
	return DB{Name: "postgres", DB: db, URL: s.url}
}

// create makes, migrates and records a new schema, returning it open.
func (p *pgPool) create() (*pgSchema, *gorm.DB, error) {
	s := &pgSchema{name: newSchemaName()}
	s.seed = s.name + "_seed"
	p.mu.Lock()
	p.all = append(p.all, s) // dropped by close whatever happens next
	p.mu.Unlock()
	if err := p.admin.Exec("CREATE SCHEMA " + s.name + "; CREATE SCHEMA " + s.seed).Error; err != nil {
		return nil, nil, err
	}
	var err error
	if s.url, err = schemaURL(p.base, s.name); err != nil {
		return nil, nil, err
	}
	db, err := models.Open(s.url, "")
	if err != nil {
		return nil, nil, err
	}
	if err := migrations.Run(context.Background(), db); err != nil {
		models.Close(db)
		return nil, nil, err
	}
	if err := p.record(s); err != nil {
		models.Close(db)
		return nil, nil, fmt.Errorf("record the migrated schema: %w", err)
	}
	return s, db, nil
}

// record copies the rows the migrations seeded (and their bookkeeping)
// into s.seed, and writes s.reset and s.fingerprint.
func (p *pgPool) record(s *pgSchema) error {
	var tables []string
	if err := p.admin.Raw("SELECT tablename FROM pg_tables WHERE schemaname = ? ORDER BY tablename", s.name).
		Scan(&tables).Error; err != nil {
		return err
	}
	var seqs []struct {
		Name string
		Last *int64
	}
	if err := p.admin.Raw("SELECT sequencename AS name, last_value AS last FROM pg_sequences WHERE schemaname = ? ORDER BY sequencename", s.name).
		Scan(&seqs).Error; err != nil {
		return err
	}
	q := func(schema, name string) string { return quoteIdent(schema) + "." + quoteIdent(name) }
	// Foreign keys (and any trigger) are not checked while emptying.
	stmts := []string{"SET session_replication_role = replica"}
	var refill []string
	for _, tb := range tables {
		stmts = append(stmts, "DELETE FROM "+q(s.name, tb))
		var any bool
		if err := p.admin.Raw("SELECT EXISTS (SELECT 1 FROM " + q(s.name, tb) + ")").Scan(&any).Error; err != nil {
			return err
		}
		if any {
			if err := p.admin.Exec("CREATE TABLE " + q(s.seed, tb) + " AS TABLE " + q(s.name, tb)).Error; err != nil {
				return err
			}
			refill = append(refill, "INSERT INTO "+q(s.name, tb)+" OVERRIDING SYSTEM VALUE SELECT * FROM "+q(s.seed, tb))
		}
	}
	stmts = append(stmts, refill...)
	for _, sq := range seqs {
		name := strings.ReplaceAll(q(s.name, sq.Name), "'", "''")
		if sq.Last == nil {
			stmts = append(stmts, fmt.Sprintf("SELECT setval('%s', 1, false)", name))
		} else {
			stmts = append(stmts, fmt.Sprintf("SELECT setval('%s', %d, true)", name, *sq.Last))
		}
	}
	stmts = append(stmts, "SET session_replication_role = DEFAULT")
	// Sent as one simple query: one implicit transaction, all or nothing
	// (the SETs included).
	s.reset = strings.Join(stmts, "; ")
	var err error
	s.fingerprint, err = p.structure(s.name)
	return err
}

// structure is a digest of a schema's relations, columns, constraints and
// triggers: it changes when a test alters the schema itself.
func (p *pgPool) structure(schema string) (string, error) {
	var digest string
	err := p.admin.Raw(`SELECT md5(COALESCE(string_agg(x, ',' ORDER BY x), '')) FROM (
		SELECT c.relname || ':' || c.relkind::text FROM pg_class c WHERE c.relnamespace = ?::regnamespace
		UNION ALL
		SELECT c.relname || '.' || a.attname || ':' || format_type(a.atttypid, a.atttypmod) || ':' || a.attnotnull::text
		  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
		 WHERE c.relnamespace = ?::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
		UNION ALL
		SELECT conname || ':' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = ?::regnamespace
		UNION ALL
		SELECT tg.tgname FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid WHERE c.relnamespace = ?::regnamespace
	) AS parts(x)`, schema, schema, schema, schema).Scan(&digest).Error
	return digest, err
}

// give empties s back to its just-migrated state and returns it to the
// pool; a schema whose structure a test changed is dropped instead.
func (p *pgPool) give(s *pgSchema) error {
	if s.reset == "" {
		return nil // never recorded: close drops it
	}
	if got, err := p.structure(s.name); err != nil {
		return err
	} else if got != s.fingerprint {
		return p.drop(s)
	}
	if err := p.admin.Exec(s.reset).Error; err != nil {
		// Most likely the role may not set session_replication_role (it
		// needs superuser): go back to a fresh schema per test.
		p.mu.Lock()
		p.disabled = err
		p.mu.Unlock()
		return errors.Join(fmt.Errorf("empty it for the next test (pooling turned off): %w", err), p.drop(s))
	}
	p.mu.Lock()
	p.free = append(p.free, s)
	p.mu.Unlock()
	return nil
}

// drop drops s (and its seed copies) and forgets it.
func (p *pgPool) drop(s *pgSchema) error {
	p.mu.Lock()
	for i, x := range p.all {
		if x == s {
			p.all = append(p.all[:i], p.all[i+1:]...)
			break
		}
	}
	p.mu.Unlock()
	return p.admin.Exec("DROP SCHEMA IF EXISTS " + s.name + ", " + s.seed + " CASCADE").Error
}

// close drops every schema of the pool.
func (p *pgPool) close() error {
	p.mu.Lock()
	all := append([]*pgSchema(nil), p.all...)
	admin := p.admin
	p.mu.Unlock()
	if admin == nil {
		return nil
	}
	var errs []error
	for _, s := range all {
		errs = append(errs, p.drop(s))
	}
	models.Close(admin)
	return errors.Join(errs...)
}

// quoteIdent quotes a PostgreSQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
