package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// outboxSMS lets the outbox carry text messages to mobile numbers beside
// e-mails: a channel column, "email" for every existing row.
func outboxSMS() *gormigrate.Migration {
	type OutboxEmail struct {
		Channel string `gorm:"size:10;not null;default:'email'"`
	}
	return &gormigrate.Migration{
		ID: "0023_outbox_sms",
		Migrate: func(tx *gorm.DB) error {
			return tx.Table("outbox_emails").Migrator().AddColumn(&OutboxEmail{}, "Channel")
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Table("outbox_emails").Migrator().DropColumn(&OutboxEmail{}, "Channel")
		},
	}
}
