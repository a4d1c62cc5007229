package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// customRoles stores the roles tenants build from the permission catalog
// (Tenant Settings > Roles): key "custom:<slug>" unique per tenant, scope,
// and the permission keys separated by spaces. Role bindings name them by
// key as they name the built-in roles.
func customRoles() *gormigrate.Migration {
	type CustomRole struct {
		ID          int64  `gorm:"primaryKey"`
		TenantID    int64  `gorm:"not null;uniqueIndex:idx_custom_roles_tenant_key,priority:1"`
		Key         string `gorm:"size:80;not null;uniqueIndex:idx_custom_roles_tenant_key,priority:2"`
		Name        string `gorm:"size:100;not null"`
		Description string `gorm:"size:500;not null;default:''"`
		Scope       string `gorm:"size:20;not null"`
		Permissions string `gorm:"size:4000;not null;default:''"`
		CreatedByID *int64
		CreatedAt   time.Time
		UpdatedAt   time.Time
	}
	return &gormigrate.Migration{
		ID: "0019_custom_roles",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.AutoMigrate(&CustomRole{}); err != nil {
				return err
			}
			// Who holds a role: the bindings of one role key in a tenant.
			return tx.Exec("CREATE INDEX IF NOT EXISTS idx_role_bindings_tenant_role ON role_bindings (tenant_id, role_key, id)").Error
		},
		Rollback: func(tx *gorm.DB) error {
			if err := tx.Exec("DROP INDEX IF EXISTS idx_role_bindings_tenant_role").Error; err != nil {
				return err
			}
			return tx.Migrator().DropTable(&CustomRole{})
		},
	}
}
