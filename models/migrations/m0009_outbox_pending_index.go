package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// outboxPendingIndex indexes only the messages not delivered yet, so the
// metrics' outbox depth and oldest age (and the worker's claim) read the
// backlog, not the whole history of sent mail.
func outboxPendingIndex() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0009_outbox_pending_index",
		Migrate: func(tx *gorm.DB) error {
			return tx.Exec("CREATE INDEX IF NOT EXISTS ix_outbox_emails_pending ON outbox_emails (id) WHERE sent_at IS NULL").Error
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Exec("DROP INDEX IF EXISTS ix_outbox_emails_pending").Error
		},
	}
}
