package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// adminListFilters indexes the Administrators list's filters and orders,
// each leading with tenant_id: status (then e-mail, the list's default
// order), the last sign-in, and the role bindings by role (the role filter).
func adminListFilters() *gormigrate.Migration {
	indexes := []struct{ name, def string }{
		{"ix_administrators_tenant_status", "administrators (tenant_id, status, email)"},
		{"ix_administrators_tenant_last_sign_in", "administrators (tenant_id, last_sign_in_at, email)"},
		{"ix_role_bindings_tenant_role", "role_bindings (tenant_id, role_key, administrator_id)"},
	}
	return &gormigrate.Migration{
		ID: "0017_admin_list_filters",
		Migrate: func(tx *gorm.DB) error {
			for _, ix := range indexes {
				if err := tx.Exec("CREATE INDEX IF NOT EXISTS " + ix.name + " ON " + ix.def).Error; err != nil {
					return err
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			for _, ix := range indexes {
				if err := tx.Exec("DROP INDEX IF EXISTS " + ix.name).Error; err != nil {
					return err
				}
			}
			return nil
		},
	}
}
