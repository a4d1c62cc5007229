package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// administratorCounts keeps, per tenant and status, how many administrators
// there are, maintained by triggers in the same transaction as the change
// (so every path that adds, removes or changes the status of an
// administrator keeps it exact, the seeder and the API included). The
// Administrators list reads its total from here instead of counting up to
// 100,000 rows on every page.
//
// PostgreSQL uses statement-level triggers with transition tables: a bulk
// insert of 10,000 administrators updates each counter once, in a fixed
// order (tenant, status), so concurrent writers cannot deadlock on them.
func administratorCounts() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0033_administrator_counts",
		Migrate: func(tx *gorm.DB) error {
			stmts := []string{`CREATE TABLE administrator_counts (
				tenant_id BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
				status VARCHAR(16) NOT NULL,
				n BIGINT NOT NULL DEFAULT 0,
				PRIMARY KEY (tenant_id, status))`,
				`INSERT INTO administrator_counts (tenant_id, status, n)
				SELECT tenant_id, status, COUNT(*) FROM administrators GROUP BY tenant_id, status`,
			}
			if tx.Dialector.Name() == "postgres" {
				stmts = append(stmts, pgCountTriggers...)
			} else {
				stmts = append(stmts, sqliteCountTriggers...)
			}
			for _, s := range stmts {
				if err := tx.Exec(s).Error; err != nil {
					return err
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			var stmts []string
			if tx.Dialector.Name() == "postgres" {
				stmts = []string{
					"DROP TRIGGER IF EXISTS administrators_count_ins ON administrators",
					"DROP TRIGGER IF EXISTS administrators_count_del ON administrators",
					"DROP TRIGGER IF EXISTS administrators_count_upd ON administrators",
					"DROP FUNCTION IF EXISTS administrators_count_change()",
				}
			} else {
				stmts = []string{
					"DROP TRIGGER IF EXISTS administrators_count_ins",
					"DROP TRIGGER IF EXISTS administrators_count_del",
					"DROP TRIGGER IF EXISTS administrators_count_upd",
				}
			}
			stmts = append(stmts, "DROP TABLE IF EXISTS administrator_counts")
			for _, s := range stmts {
				if err := tx.Exec(s).Error; err != nil {
					return err
				}
			}
			return nil
		},
	}
}

var pgCountTriggers = []string{
	// Each branch names only the transition tables its event has (a
	// statement naming old_rows would not plan in an INSERT trigger).
	// Updates count only rows whose tenant or status changed, so the
	// frequent updates (last sign-in, versions) touch no counter.
	`CREATE OR REPLACE FUNCTION administrators_count_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		INSERT INTO administrator_counts AS c (tenant_id, status, n)
		SELECT tenant_id, status, COUNT(*) FROM new_rows GROUP BY tenant_id, status ORDER BY tenant_id, status
		ON CONFLICT (tenant_id, status) DO UPDATE SET n = c.n + EXCLUDED.n;
	ELSIF TG_OP = 'DELETE' THEN
		UPDATE administrator_counts c SET n = c.n - gone.n
		FROM (SELECT tenant_id, status, COUNT(*) AS n FROM old_rows GROUP BY tenant_id, status) gone
		WHERE c.tenant_id = gone.tenant_id AND c.status = gone.status;
	ELSE
		UPDATE administrator_counts c SET n = c.n - gone.n
		FROM (SELECT o.tenant_id, o.status, COUNT(*) AS n FROM old_rows o JOIN new_rows w ON w.id = o.id
			WHERE w.tenant_id <> o.tenant_id OR w.status <> o.status GROUP BY o.tenant_id, o.status) gone
		WHERE c.tenant_id = gone.tenant_id AND c.status = gone.status;
		INSERT INTO administrator_counts AS c (tenant_id, status, n)
		SELECT w.tenant_id, w.status, COUNT(*) FROM new_rows w JOIN old_rows o ON o.id = w.id
		WHERE w.tenant_id <> o.tenant_id OR w.status <> o.status
		GROUP BY w.tenant_id, w.status ORDER BY w.tenant_id, w.status
		ON CONFLICT (tenant_id, status) DO UPDATE SET n = c.n + EXCLUDED.n;
	END IF;
	RETURN NULL;
END $$`,
	`CREATE TRIGGER administrators_count_ins AFTER INSERT ON administrators
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION administrators_count_change()`,
	`CREATE TRIGGER administrators_count_del AFTER DELETE ON administrators
	REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION administrators_count_change()`,
	`CREATE TRIGGER administrators_count_upd AFTER UPDATE ON administrators
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION administrators_count_change()`,
}

var sqliteCountTriggers = []string{
	`CREATE TRIGGER administrators_count_ins AFTER INSERT ON administrators BEGIN
		INSERT INTO administrator_counts (tenant_id, status, n) VALUES (NEW.tenant_id, NEW.status, 1)
		ON CONFLICT (tenant_id, status) DO UPDATE SET n = n + 1;
	END`,
	`CREATE TRIGGER administrators_count_del AFTER DELETE ON administrators BEGIN
		UPDATE administrator_counts SET n = n - 1 WHERE tenant_id = OLD.tenant_id AND status = OLD.status;
	END`,
	`CREATE TRIGGER administrators_count_upd AFTER UPDATE OF tenant_id, status ON administrators
	WHEN OLD.tenant_id <> NEW.tenant_id OR OLD.status <> NEW.status BEGIN
		UPDATE administrator_counts SET n = n - 1 WHERE tenant_id = OLD.tenant_id AND status = OLD.status;
		INSERT INTO administrator_counts (tenant_id, status, n) VALUES (NEW.tenant_id, NEW.status, 1)
		ON CONFLICT (tenant_id, status) DO UPDATE SET n = n + 1;
	END`,
}
