package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// organizationAdmin lets a role binding name the one Organization an
// organization role (Organization Admin) is bound to.
func organizationAdmin() *gormigrate.Migration {
	type RoleBinding struct {
		OrganizationID *int64
	}
	return &gormigrate.Migration{
		ID: "0020_organization_admin",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.Table("role_bindings").Migrator().AddColumn(&RoleBinding{}, "OrganizationID"); err != nil {
				return err
			}
			return tx.Exec("CREATE INDEX IF NOT EXISTS idx_role_bindings_organization ON role_bindings (organization_id)").Error
		},
		Rollback: func(tx *gorm.DB) error {
			if err := tx.Exec("DROP INDEX IF EXISTS idx_role_bindings_organization").Error; err != nil {
				return err
			}
			return tx.Table("role_bindings").Migrator().DropColumn(&RoleBinding{}, "OrganizationID")
		},
	}
}
