package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// workspaces creates workspaces (slug unique per tenant) and the indexes the
// workspace screens use: a workspace's Manage Access bindings and its audit
// events, both led by tenant_id.
func workspaces() *gormigrate.Migration {
	type Workspace struct {
		ID          int64  `gorm:"primaryKey"`
		TenantID    int64  `gorm:"not null;uniqueIndex:ux_workspaces_tenant_slug,priority:1"`
		Name        string `gorm:"size:100;not null"`
		Slug        string `gorm:"size:63;not null;uniqueIndex:ux_workspaces_tenant_slug,priority:2"`
		Description string `gorm:"size:500;not null;default:''"`
		CreatedAt   time.Time
		UpdatedAt   time.Time
	}
	indexes := [][2]string{
		{"ix_role_bindings_tenant_workspace", "role_bindings (tenant_id, workspace_id)"},
		{"ix_audit_events_tenant_workspace_id", "audit_events (tenant_id, workspace_id, id)"},
	}
	return &gormigrate.Migration{
		ID: "0005_workspaces",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.AutoMigrate(&Workspace{}); err != nil {
				return err
			}
			for _, ix := range indexes {
				if err := tx.Exec("CREATE INDEX IF NOT EXISTS " + ix[0] + " ON " + ix[1]).Error; err != nil {
					return err
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			for _, ix := range indexes {
				if err := tx.Exec("DROP INDEX IF EXISTS " + ix[0]).Error; err != nil {
					return err
				}
			}
			return tx.Migrator().DropTable(&Workspace{})
		},
	}
}
