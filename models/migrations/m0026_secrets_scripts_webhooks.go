package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// secretsScriptsWebhooks creates a workspace's secrets (values sealed with
// AES-256-GCM, never stored in the clear), extension scripts (JavaScript
// run in the sandbox), webhooks (URL, events, signing secret sealed) and
// the delivery log of each webhook. Names (secrets, scripts) and URLs
// (webhooks) are unique in a workspace and page the lists by keyset.
func secretsScriptsWebhooks() *gormigrate.Migration {
	type Secret struct {
		ID          int64  `gorm:"primaryKey"`
		TenantID    int64  `gorm:"not null;uniqueIndex:ux_secrets_ws_name,priority:1"`
		WorkspaceID int64  `gorm:"not null;uniqueIndex:ux_secrets_ws_name,priority:2"`
		Name        string `gorm:"size:100;not null;uniqueIndex:ux_secrets_ws_name,priority:3"`
		ValueSealed []byte `gorm:"not null"`
		Version     int64  `gorm:"not null;default:1"`
		LastUsedAt  *time.Time
		CreatedAt   time.Time
		UpdatedAt   time.Time
	}
	type ExtensionScript struct {
		ID          int64  `gorm:"primaryKey"`
		TenantID    int64  `gorm:"not null;uniqueIndex:ux_extension_scripts_ws_name,priority:1"`
		WorkspaceID int64  `gorm:"not null;uniqueIndex:ux_extension_scripts_ws_name,priority:2"`
		Name        string `gorm:"size:100;not null;uniqueIndex:ux_extension_scripts_ws_name,priority:3"`
		Event       string `gorm:"size:40;not null"`
		Code        string `gorm:"not null"`
		Version     int64  `gorm:"not null;default:1"`
		CreatedAt   time.Time
		UpdatedAt   time.Time
	}
	type Webhook struct {
		ID           int64  `gorm:"primaryKey"`
		TenantID     int64  `gorm:"not null;uniqueIndex:ux_webhooks_ws_url,priority:1"`
		WorkspaceID  int64  `gorm:"not null;uniqueIndex:ux_webhooks_ws_url,priority:2;index:ix_webhooks_ws_enabled,priority:1"`
		URL          string `gorm:"column:url;size:2048;not null;uniqueIndex:ux_webhooks_ws_url,priority:3"`
		Events       string `gorm:"size:8000;not null;default:''"`
		Enabled      bool   `gorm:"not null;default:true;index:ix_webhooks_ws_enabled,priority:2"`
		SecretSealed []byte `gorm:"not null"`
		Version      int64  `gorm:"not null;default:1"`
		CreatedAt    time.Time
		UpdatedAt    time.Time
	}
	type WebhookDelivery struct {
		ID             int64  `gorm:"primaryKey"`
		TenantID       int64  `gorm:"not null"`
		WorkspaceID    int64  `gorm:"not null"`
		WebhookID      int64  `gorm:"not null;index:ix_webhook_deliveries_hook,priority:1"`
		AuditEventID   *int64 `gorm:"index"`
		Event          string `gorm:"size:100;not null"`
		Status         string `gorm:"size:20;not null"`
		Attempts       int    `gorm:"not null;default:0"`
		ResponseStatus int    `gorm:"not null;default:0"`
		LastError      string `gorm:"size:2000;not null;default:''"`
		LastAttemptAt  *time.Time
		DeliveredAt    *time.Time
		CreatedAt      time.Time `gorm:"index:ix_webhook_deliveries_hook,priority:2"`
	}
	tables := []struct {
		name  string
		model any
	}{
		{"secrets", &Secret{}}, {"extension_scripts", &ExtensionScript{}}, {"webhooks", &Webhook{}}, {"webhook_deliveries", &WebhookDelivery{}},
	}
	return &gormigrate.Migration{
		ID: "0026_secrets_scripts_webhooks",
		Migrate: func(tx *gorm.DB) error {
			for _, t := range tables {
				if err := tx.Table(t.name).AutoMigrate(t.model); err != nil {
					return err
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			for i := len(tables) - 1; i >= 0; i-- {
				if err := tx.Migrator().DropTable(tables[i].name); err != nil {
					return err
				}
			}
			return nil
		},
	}
}
