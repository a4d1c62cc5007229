package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// apiTokens stores the management API's bearer tokens (api_tokens: only
// the SHA-256 of each token, looked up by its unique index on every
// request, so a revoked or expired token is refused at once on every
// replica) and the responses kept for Idempotency-Key replays
// (api_idempotency_keys: one per token and key, for 24 hours).
func apiTokens() *gormigrate.Migration {
	type APIToken struct {
		ID          int64     `gorm:"primaryKey;index:idx_api_tokens_tenant_id,priority:2"`
		TenantID    int64     `gorm:"not null;index:idx_api_tokens_tenant_id,priority:1"`
		Name        string    `gorm:"size:100;not null"`
		Prefix      string    `gorm:"size:16;not null"`
		TokenHash   string    `gorm:"size:64;not null;uniqueIndex"`
		Roles       string    `gorm:"size:500;not null"`
		WorkspaceID *int64    `gorm:"index"`
		CreatedByID int64     `gorm:"not null"`
		ExpiresAt   time.Time `gorm:"not null"`
		LastUsedAt  *time.Time
		RevokedAt   *time.Time
		CreatedAt   time.Time
	}
	type APIIdempotencyKey struct {
		ID          int64     `gorm:"primaryKey"`
		TokenID     int64     `gorm:"not null;uniqueIndex:idx_api_idempotency_token_key,priority:1"`
		Key         string    `gorm:"size:200;not null;uniqueIndex:idx_api_idempotency_token_key,priority:2"`
		RequestHash string    `gorm:"size:64;not null"`
		Status      int       `gorm:"not null;default:0"`
		Body        string    `gorm:"not null;default:''"`
		CreatedAt   time.Time `gorm:"not null;index"`
	}
	return &gormigrate.Migration{
		ID: "0018_api_tokens",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.Table("api_tokens").AutoMigrate(&APIToken{}); err != nil {
				return err
			}
			return tx.Table("api_idempotency_keys").AutoMigrate(&APIIdempotencyKey{})
		},
		Rollback: func(tx *gorm.DB) error {
			if err := tx.Migrator().DropTable("api_idempotency_keys"); err != nil {
				return err
			}
			return tx.Migrator().DropTable("api_tokens")
		},
	}
}
