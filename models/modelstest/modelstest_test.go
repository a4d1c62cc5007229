package modelstest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"testing"

	"gatehouse/models"
	"gatehouse/models/migrations"
	"gatehouse/views/emails"

	"gorm.io/gorm"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// contents is every table's rows (as JSON, in primary-key order) and every
// sequence's next value: what a test could observe of a database.
func contents(t *testing.T, db *gorm.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	var tables []string
	Must(t, db.Raw("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename").Scan(&tables))
	if len(tables) < 10 {
		t.Fatalf("only %d tables: %v", len(tables), tables)
	}
	for _, tb := range tables {
		var rows string
		Must(t, db.Raw(`SELECT COALESCE(json_agg(r ORDER BY r::text), '[]')::text FROM `+quoteIdent(tb)+` r`).Scan(&rows))
		out["table "+tb] = rows
	}
	var seqs []string
	Must(t, db.Raw("SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema() ORDER BY sequencename").Scan(&seqs))
	for _, sq := range seqs {
		var next int64
		Must(t, db.Raw("SELECT nextval(?::regclass)", quoteIdent(sq)).Scan(&next))
		out["sequence "+sq] = fmt.Sprint(next)
	}
	return out
}

// A pooled PostgreSQL schema is handed to the next test exactly as a
// freshly migrated one: no rows left, seeded rows back as they were,
// sequences restarted. One whose structure a test changed is not reused.
func TestPooledSchemaIsAsFresh(t *testing.T) {
	if os.Getenv("TEST_DATABASE_URL") == "" {
		Postgres(t) // skips, or fails under CI=true
	}
	// A fresh schema, migrated here, outside the pool.
	base := os.Getenv("TEST_DATABASE_URL")
	admin, err := models.Open(base, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { models.Close(admin) })
	schema := newSchemaName()
	Must(t, admin.Exec("CREATE SCHEMA "+schema))
	t.Cleanup(func() { Must(t, admin.Exec("DROP SCHEMA "+schema+" CASCADE")) })
	u, err := schemaURL(base, schema)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := models.Open(u, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { models.Close(fresh) })
	if err := migrations.Run(context.Background(), fresh); err != nil {
		t.Fatal(err)
	}

	// A test fills a pooled schema, changes a seeded row and uses sequences.
	var used string
	t.Run("dirty", func(t *testing.T) {
		db := Postgres(t)
		used = db.URL
		s, err := models.NewStore(db.DB, "http://example.test", emails.Renderer{}, Keys())
		if err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := s.CreateTenant(context.Background(), models.CreateTenantInput{Slug: "acme", Name: "Acme", Plan: models.PlanEnterprise,
			AdminEmail: "a@example.com", AdminGivenName: "A", AdminFamilyName: "B"}, models.Actor{Email: "test"}); err != nil {
			t.Fatal(err)
		}
		Must(t, db.DB.Exec("UPDATE roles SET name = 'changed'"))
		var nexts []int64
		Must(t, db.DB.Raw("SELECT nextval(format('%I', sequencename)::regclass) FROM pg_sequences WHERE schemaname = current_schema()").Scan(&nexts))
		if len(nexts) == 0 {
			t.Fatal("no sequences")
		}
		Must(t, db.DB.Exec("DELETE FROM schema_migrations WHERE id = (SELECT MIN(id) FROM schema_migrations)"))
	})
	// The next test gets the same schema, as fresh.
	t.Run("next", func(t *testing.T) {
		db := Postgres(t)
		if db.URL != used {
			t.Fatalf("the pool did not hand the schema on: %s, then %s", used, db.URL)
		}
		got, want := contents(t, db.DB), contents(t, fresh)
		if len(got) != len(want) {
			t.Fatalf("%d tables and sequences, want %d", len(got), len(want))
		}
		for k, w := range want {
			if got[k] != w {
				t.Errorf("%s: %.300s\nwant %.300s", k, got[k], w)
			}
		}
		// A test that changes the structure...
		Must(t, db.DB.Exec("ALTER TABLE tenants ADD COLUMN extra int"))
	})
	// ...leaves a schema that is dropped, not reused.
	t.Run("after a change", func(t *testing.T) {
		if db := Postgres(t); db.URL == used {
			t.Fatal("a schema whose structure changed was handed on")
		}
		var n int64
		Must(t, admin.Raw("SELECT count(*) FROM pg_namespace WHERE nspname = ?", schemaOf(t, used)).Scan(&n))
		if n != 0 {
			t.Fatal("the changed schema was not dropped")
		}
	})
}

// schemaOf is the schema a test database URL points at.
func schemaOf(t *testing.T, dbURL string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("search_path")
}
