package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// auditIndexes lets the audit log's actor and action filters walk an index
// newest first instead of the tenant's whole log.
func auditIndexes() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0007_audit_indexes",
		Migrate: func(tx *gorm.DB) error {
			for _, q := range []string{
				"CREATE INDEX IF NOT EXISTS ix_audit_events_tenant_actor ON audit_events (tenant_id, actor_email, id)",
				"CREATE INDEX IF NOT EXISTS ix_audit_events_tenant_action ON audit_events (tenant_id, action, id)",
			} {
				if err := tx.Exec(q).Error; err != nil {
					return err
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			for _, q := range []string{"DROP INDEX IF EXISTS ix_audit_events_tenant_actor", "DROP INDEX IF EXISTS ix_audit_events_tenant_action"} {
				if err := tx.Exec(q).Error; err != nil {
					return err
				}
			}
			return nil
		},
	}
}
