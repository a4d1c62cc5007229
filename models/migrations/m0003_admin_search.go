package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// adminSearch adds a covering index for the Administrators list: a search
// walks (tenant_id, email) and tests the names without reading the table.
func adminSearch() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0003_admin_search",
		Migrate: func(tx *gorm.DB) error {
			return tx.Exec("CREATE INDEX IF NOT EXISTS ix_administrators_search ON administrators (tenant_id, email, given_name, family_name)").Error
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Exec("DROP INDEX IF EXISTS ix_administrators_search").Error
		},
	}
}
