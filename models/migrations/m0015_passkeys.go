package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// passkeys stores administrators' passkeys (WebAuthn credentials) and the
// challenges of ceremonies in progress:
//   - passkeys: one row per credential, found by the SHA-256 of its id
//     (credential_hash, unique everywhere); data is the library's credential
//     record as JSON (public key, flags, authenticator); sign_count and
//     clone_warning_at are the signature counter and when it went backwards;
//     user_handle is the WebAuthn user handle it was made for (the same for
//     all of an administrator's passkeys).
//   - webauthn_challenges: a ceremony begun and not yet finished, keyed by
//     the SHA-256 of its challenge, so any replica can finish it and it is
//     deleted when used (single use) or swept once expired.
func passkeys() *gormigrate.Migration {
	type Passkey struct {
		ID              int64  `gorm:"primaryKey"`
		TenantID        int64  `gorm:"not null;index:ix_passkeys_tenant_admin,priority:1"`
		AdministratorID int64  `gorm:"not null;index:ix_passkeys_tenant_admin,priority:2"`
		CredentialHash  string `gorm:"size:64;not null;uniqueIndex"`
		UserHandle      string `gorm:"size:100;not null"`
		Name            string `gorm:"size:100;not null"`
		Data            string `gorm:"not null"`
		SignCount       int64  `gorm:"not null;default:0"`
		CloneWarningAt  *time.Time
		CreatedAt       time.Time
		LastUsedAt      *time.Time
	}
	type WebauthnChallenge struct {
		ID              string `gorm:"primaryKey;size:64"`
		TenantID        int64  `gorm:"not null"`
		AdministratorID *int64
		Kind            string    `gorm:"size:20;not null"`
		Data            string    `gorm:"not null"`
		ExpiresAt       time.Time `gorm:"not null;index"`
		CreatedAt       time.Time
	}
	return &gormigrate.Migration{
		ID: "0015_passkeys",
		Migrate: func(tx *gorm.DB) error {
			return tx.AutoMigrate(&Passkey{}, &WebauthnChallenge{})
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropTable(&WebauthnChallenge{}, &Passkey{})
		},
	}
}
