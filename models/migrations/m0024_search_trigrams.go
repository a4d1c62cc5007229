package migrations

import (
	"fmt"
	"log/slog"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// trigramIndexes are the PostgreSQL trigram (pg_trgm) GIN indexes behind
// the lists' searches: a search of three or more characters (LIKE
// '%term%' on exactly these expressions) finds its matches through them
// instead of walking the tenant's rows.
var trigramIndexes = []struct{ name, table, expr string }{
	{"ix_administrators_email_trgm", "administrators", "email"},
	{"ix_administrators_name_trgm", "administrators", "LOWER(given_name || ' ' || family_name)"},
	{"ix_organizations_name_trgm", "organizations", "name"},
	{"ix_organizations_display_name_trgm", "organizations", "LOWER(display_name)"},
	{"ix_users_email_trgm", "users", "email"},
	{"ix_users_username_trgm", "users", "username"},
	{"ix_users_name_trgm", "users", "LOWER(given_name || ' ' || family_name)"},
	{"ix_users_phone_trgm", "users", "phone"},
}

// searchTrigrams adds the trigram indexes on PostgreSQL (SQLite has no
// such index; its searches stay as they were). The pg_trgm extension is
// used where it is installed, else created in the public schema (where it
// outlives any one schema of the database), else in the current schema.
// A server that cannot have pg_trgm (not shipped, not allowed) migrates
// without the indexes, logging why: its searches stay correct, and slow.
func searchTrigrams() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0024_search_trigrams",
		Migrate: func(tx *gorm.DB) error {
			if tx.Dialector.Name() != "postgres" {
				return nil
			}
			schema, err := trigramSchema(tx)
			if err != nil {
				return err
			}
			if schema == "" {
				slog.Warn("migration 0024: the pg_trgm extension is not available; searches will not use trigram indexes")
				return nil
			}
			for _, ix := range trigramIndexes {
				q := fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s USING gin ((%s) %s.gin_trgm_ops)", ix.name, ix.table, ix.expr, quoteIdent(schema))
				if err := tx.Exec(q).Error; err != nil {
					return fmt.Errorf("%s: %w", ix.name, err)
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			if tx.Dialector.Name() != "postgres" {
				return nil
			}
			for _, ix := range trigramIndexes {
				if err := tx.Exec("DROP INDEX IF EXISTS " + ix.name).Error; err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// trigramSchema returns the schema pg_trgm is installed in, installing it
// when it is not: "" when it cannot be. Each attempt runs under a
// savepoint so that a refusal leaves the migration's transaction usable.
func trigramSchema(tx *gorm.DB) (string, error) {
	installed := func() (string, error) {
		var schema string
		err := tx.Raw("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'").Scan(&schema).Error
		return schema, err
	}
	if s, err := installed(); err != nil || s != "" {
		return s, err
	}
	for _, create := range []string{"CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public", "CREATE EXTENSION IF NOT EXISTS pg_trgm"} {
		if err := tx.SavePoint("trgm").Error; err != nil {
			return "", err
		}
		if err := tx.Exec(create).Error; err != nil {
			if err := tx.RollbackTo("trgm").Error; err != nil {
				return "", err
			}
			continue
		}
		return installed()
	}
	return "", nil
}

func quoteIdent(s string) string {
	out := []byte{'"'}
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			out = append(out, '"')
		}
		out = append(out, s[i])
	}
	return string(append(out, '"'))
}
