package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// dormantAdmins adds what the deactivation of dormant administrators needs:
// when an administrator last became active (invitation accepted, or
// re-activated) and when they were warned, and the leases that let one
// replica at a time run a background job. Active administrators get the
// time they accepted their invitation as their activation time.
func dormantAdmins() *gormigrate.Migration {
	type Administrator struct {
		ActivatedAt      *time.Time
		DormancyWarnedAt *time.Time
	}
	type JobLease struct {
		Name        string `gorm:"primaryKey;size:100"`
		Holder      string `gorm:"size:100;not null;default:''"`
		LockedUntil *time.Time
		LastRunAt   *time.Time
		LastError   string `gorm:"size:2000;not null;default:''"`
	}
	cols := []string{"ActivatedAt", "DormancyWarnedAt"}
	return &gormigrate.Migration{
		ID: "0014_dormant_admins",
		Migrate: func(tx *gorm.DB) error {
			for _, col := range cols {
				if err := tx.Table("administrators").Migrator().AddColumn(&Administrator{}, col); err != nil {
					return err
				}
			}
			if err := tx.Exec(`UPDATE administrators SET activated_at = (SELECT MAX(invitations.accepted_at) FROM invitations
				WHERE invitations.administrator_id = administrators.id) WHERE status = 'active'`).Error; err != nil {
				return err
			}
			return tx.AutoMigrate(&JobLease{})
		},
		Rollback: func(tx *gorm.DB) error {
			if err := tx.Migrator().DropTable(&JobLease{}); err != nil {
				return err
			}
			for _, col := range cols {
				if err := tx.Table("administrators").Migrator().DropColumn(&Administrator{}, col); err != nil {
					return err
				}
			}
			return nil
		},
	}
}
