package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// tenantSettings adds what Tenant Settings > Tenant edits (session lengths,
// the dormant-administrator threshold and a version for optimistic
// locking), the legacy-tenant marker, and the kind of a workspace (the
// built-in Admin workspace of legacy and advanced tenants is "admin").
// Existing tenants get the defaults: 30 idle minutes, 12 hours at most,
// no deactivation of dormant administrators.
func tenantSettings() *gormigrate.Migration {
	type Tenant struct {
		IdleMinutes         int   `gorm:"not null;default:30"`
		AbsoluteHours       int   `gorm:"not null;default:12"`
		DeactivateAfterDays int   `gorm:"not null;default:0"`
		Legacy              bool  `gorm:"not null;default:false"`
		Version             int64 `gorm:"not null;default:1"`
	}
	type Workspace struct {
		Kind string `gorm:"size:20;not null;default:''"`
	}
	tenantCols := []string{"IdleMinutes", "AbsoluteHours", "DeactivateAfterDays", "Legacy", "Version"}
	return &gormigrate.Migration{
		ID: "0012_tenant_settings",
		Migrate: func(tx *gorm.DB) error {
			for _, col := range tenantCols {
				if err := tx.Table("tenants").Migrator().AddColumn(&Tenant{}, col); err != nil {
					return err
				}
			}
			return tx.Table("workspaces").Migrator().AddColumn(&Workspace{}, "Kind")
		},
		Rollback: func(tx *gorm.DB) error {
			if err := tx.Table("workspaces").Migrator().DropColumn(&Workspace{}, "Kind"); err != nil {
				return err
			}
			for _, col := range tenantCols {
				if err := tx.Table("tenants").Migrator().DropColumn(&Tenant{}, col); err != nil {
					return err
				}
			}
			return nil
		},
	}
}
