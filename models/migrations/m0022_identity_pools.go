package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// identityPools makes identity pools first-class: pools get a slug and a
// description (the built-in ones: administrators, users), two attribute
// schemas (user attributes and metadata), and every pool user (the
// administrators of the Administrators pool, the end users of the others)
// gets identifiers (how they sign in) and addresses (where codes and
// e-mails go) in tables of their own. Administrators gain attributes and
// metadata like end users. Existing data is carried over: each
// administrator's sign-in e-mail becomes an `email` identifier and an
// `email` address (verified once they accepted an invitation); each end
// user's e-mail, username and phone become identifiers and their e-mail and
// phone addresses, verified as they were.
func identityPools() *gormigrate.Migration {
	type IdentityPool struct {
		Slug        string `gorm:"size:63;not null;default:''"`
		Description string `gorm:"size:500;not null;default:''"`
	}
	type Administrator struct {
		Attributes string `gorm:"not null;default:'{}'"`
		Metadata   string `gorm:"not null;default:'{}'"`
	}
	type PoolAttribute struct {
		ID          int64  `gorm:"primaryKey"`
		TenantID    int64  `gorm:"not null"`
		PoolID      int64  `gorm:"not null;uniqueIndex:ux_pool_attributes_name,priority:1"`
		Schema      string `gorm:"size:20;not null;uniqueIndex:ux_pool_attributes_name,priority:2"`
		Name        string `gorm:"size:64;not null;uniqueIndex:ux_pool_attributes_name,priority:3"`
		Type        string `gorm:"size:20;not null"`
		Required    bool   `gorm:"not null;default:false"`
		Description string `gorm:"size:500;not null;default:''"`
		CreatedAt   time.Time
	}
	type PoolIdentifier struct {
		ID        int64  `gorm:"primaryKey"`
		TenantID  int64  `gorm:"not null"`
		PoolID    int64  `gorm:"not null;uniqueIndex:ux_pool_identifiers_value,priority:1;index:ix_pool_identifiers_user,priority:1"`
		UserID    int64  `gorm:"not null;index:ix_pool_identifiers_user,priority:2"`
		Type      string `gorm:"size:20;not null;uniqueIndex:ux_pool_identifiers_value,priority:2"`
		Value     string `gorm:"size:320;not null;uniqueIndex:ux_pool_identifiers_value,priority:3"`
		CreatedAt time.Time
	}
	type PoolAddress struct {
		ID         int64  `gorm:"primaryKey"`
		TenantID   int64  `gorm:"not null"`
		PoolID     int64  `gorm:"not null;uniqueIndex:ux_pool_addresses_value,priority:1"`
		UserID     int64  `gorm:"not null;uniqueIndex:ux_pool_addresses_value,priority:2"`
		Type       string `gorm:"size:20;not null;uniqueIndex:ux_pool_addresses_value,priority:3"`
		Value      string `gorm:"size:320;not null;uniqueIndex:ux_pool_addresses_value,priority:4"`
		VerifiedAt *time.Time
		CreatedAt  time.Time
	}
	type AddressVerification struct {
		ID        int64     `gorm:"primaryKey"`
		TenantID  int64     `gorm:"not null"`
		AddressID int64     `gorm:"not null;index"`
		TokenHash string    `gorm:"size:64;not null;uniqueIndex"`
		ExpiresAt time.Time `gorm:"not null"`
		UsedAt    *time.Time
		RevokedAt *time.Time
		CreatedAt time.Time
	}
	poolCols := []string{"Slug", "Description"}
	adminCols := []string{"Attributes", "Metadata"}
	backfill := []string{
		// The built-in pools' slugs.
		"UPDATE identity_pools SET slug = kind WHERE slug = ''",
		// Administrators: the sign-in e-mail is an email identifier and an
		// email address, verified when they accepted an invitation.
		`INSERT INTO pool_identifiers (tenant_id, pool_id, user_id, type, value, created_at)
		 SELECT tenant_id, pool_id, id, 'email', email, created_at FROM administrators`,
		`INSERT INTO pool_addresses (tenant_id, pool_id, user_id, type, value, verified_at, created_at)
		 SELECT tenant_id, pool_id, id, 'email', email,
		        CASE WHEN password_hash <> '' THEN COALESCE(activated_at, updated_at) END, created_at
		 FROM administrators`,
		// End users: e-mail, username and phone identify them; e-mail and
		// phone are their addresses.
		`INSERT INTO pool_identifiers (tenant_id, pool_id, user_id, type, value, created_at)
		 SELECT tenant_id, pool_id, id, 'email', email, created_at FROM users WHERE email <> ''`,
		`INSERT INTO pool_identifiers (tenant_id, pool_id, user_id, type, value, created_at)
		 SELECT tenant_id, pool_id, id, 'username', username, created_at FROM users WHERE username <> ''`,
		// Phones were never unique: the first user with one gets it as an
		// identifier, every user with one as an address.
		`INSERT INTO pool_identifiers (tenant_id, pool_id, user_id, type, value, created_at)
		 SELECT tenant_id, pool_id, MIN(id), 'phone', phone, MIN(created_at) FROM users WHERE phone <> ''
		 GROUP BY tenant_id, pool_id, phone`,
		`INSERT INTO pool_addresses (tenant_id, pool_id, user_id, type, value, verified_at, created_at)
		 SELECT tenant_id, pool_id, id, 'email', email, CASE WHEN email_verified THEN updated_at END, created_at
		 FROM users WHERE email <> ''`,
		`INSERT INTO pool_addresses (tenant_id, pool_id, user_id, type, value, verified_at, created_at)
		 SELECT tenant_id, pool_id, id, 'mobile', phone, CASE WHEN phone_verified THEN updated_at END, created_at
		 FROM users WHERE phone <> ''`,
		// A pool's slug names it in URLs, once per tenant; the pool users
		// lists page by (pool_id, id).
		"CREATE UNIQUE INDEX IF NOT EXISTS ux_identity_pools_tenant_slug ON identity_pools (tenant_id, slug)",
		"CREATE INDEX IF NOT EXISTS ix_users_pool ON users (pool_id, id)",
	}
	return &gormigrate.Migration{
		ID: "0022_identity_pools",
		Migrate: func(tx *gorm.DB) error {
			for _, col := range poolCols {
				if err := tx.Table("identity_pools").Migrator().AddColumn(&IdentityPool{}, col); err != nil {
					return err
				}
			}
			for _, col := range adminCols {
				if err := tx.Table("administrators").Migrator().AddColumn(&Administrator{}, col); err != nil {
					return err
				}
			}
			if err := tx.AutoMigrate(&PoolAttribute{}, &PoolIdentifier{}, &PoolAddress{}, &AddressVerification{}); err != nil {
				return err
			}
			for _, q := range backfill {
				if err := tx.Exec(q).Error; err != nil {
					return err
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			for _, q := range []string{"DROP INDEX IF EXISTS ux_identity_pools_tenant_slug", "DROP INDEX IF EXISTS ix_users_pool"} {
				if err := tx.Exec(q).Error; err != nil {
					return err
				}
			}
			if err := tx.Migrator().DropTable(&AddressVerification{}, &PoolAddress{}, &PoolIdentifier{}, &PoolAttribute{}); err != nil {
				return err
			}
			for _, col := range adminCols {
				if err := tx.Table("administrators").Migrator().DropColumn(&Administrator{}, col); err != nil {
					return err
				}
			}
			for _, col := range poolCols {
				if err := tx.Table("identity_pools").Migrator().DropColumn(&IdentityPool{}, col); err != nil {
					return err
				}
			}
			return nil
		},
	}
}
