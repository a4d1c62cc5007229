package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// workspaceResourcesEdit lets an API of a service be edited with optimistic
// locking (a version, 1 for every existing API) and records when the secret
// of an authorizer or a custom app was last set (Rotate secret; empty for
// the existing ones, whose secret was set at their creation).
func workspaceResourcesEdit() *gormigrate.Migration {
	type ServiceAPI struct {
		Version int64 `gorm:"not null;default:1"`
	}
	type Credentialed struct {
		SecretCreatedAt *time.Time
	}
	return &gormigrate.Migration{
		ID: "0032_res",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.Table("service_apis").Migrator().AddColumn(&ServiceAPI{}, "Version"); err != nil {
				return err
			}
			for _, t := range []string{"authorizers", "custom_apps"} {
				if err := tx.Table(t).Migrator().AddColumn(&Credentialed{}, "SecretCreatedAt"); err != nil {
					return err
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			for _, t := range []string{"authorizers", "custom_apps"} {
				if err := tx.Table(t).Migrator().DropColumn(&Credentialed{}, "SecretCreatedAt"); err != nil {
					return err
				}
			}
			return tx.Table("service_apis").Migrator().DropColumn(&ServiceAPI{}, "Version")
		},
	}
}
