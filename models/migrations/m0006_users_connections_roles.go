package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// usersConnectionsRoles creates what Auth0's editor roles act on: the
// end users of each tenant's "Users" identity pool, the connections end
// users sign in with, and the end-user roles Organization members can hold.
// Every tenant that exists already gets its "Users" pool.
func usersConnectionsRoles() *gormigrate.Migration {
	type User struct {
		ID            int64  `gorm:"primaryKey"`
		TenantID      int64  `gorm:"not null"`
		PoolID        int64  `gorm:"not null"`
		Email         string `gorm:"size:320;not null;default:''"`
		EmailVerified bool   `gorm:"not null;default:false"`
		Username      string `gorm:"size:128;not null;default:''"`
		Phone         string `gorm:"size:20;not null;default:''"`
		PhoneVerified bool   `gorm:"not null;default:false"`
		GivenName     string `gorm:"size:100;not null;default:''"`
		FamilyName    string `gorm:"size:100;not null;default:''"`
		Status        string `gorm:"size:20;not null"`
		Blocked       bool   `gorm:"not null;default:false"`
		Attributes    string `gorm:"not null;default:'{}'"`
		Metadata      string `gorm:"not null;default:'{}'"`
		PasswordHash  string `gorm:"size:255;not null;default:''"`
		LastLoginAt   *time.Time
		CreatedAt     time.Time
		UpdatedAt     time.Time
	}
	type Connection struct {
		ID          int64  `gorm:"primaryKey"`
		TenantID    int64  `gorm:"not null"`
		Name        string `gorm:"size:128;not null"`
		Strategy    string `gorm:"size:30;not null"`
		DisplayName string `gorm:"size:128;not null;default:''"`
		Enabled     bool   `gorm:"not null;default:true"`
		CreatedAt   time.Time
		UpdatedAt   time.Time
	}
	type EndUserRole struct {
		ID          int64  `gorm:"primaryKey"`
		TenantID    int64  `gorm:"not null"`
		Name        string `gorm:"size:100;not null"`
		Description string `gorm:"size:500;not null;default:''"`
		CreatedAt   time.Time
		UpdatedAt   time.Time
	}
	type IdentityPool struct {
		ID        int64  `gorm:"primaryKey"`
		TenantID  int64  `gorm:"not null;index"`
		Name      string `gorm:"size:200;not null"`
		Kind      string `gorm:"size:30;not null"`
		CreatedAt time.Time
	}
	tables := []any{&User{}, &Connection{}, &EndUserRole{}}
	indexes := []string{
		// E-mail and username identify a user within the tenant, when set.
		"CREATE UNIQUE INDEX IF NOT EXISTS ux_users_tenant_email ON users (tenant_id, email) WHERE email <> ''",
		"CREATE UNIQUE INDEX IF NOT EXISTS ux_users_tenant_username ON users (tenant_id, username) WHERE username <> ''",
		// The Users list pages newest first by (tenant_id, id) and searches
		// the identifiers and names without reading the table.
		"CREATE INDEX IF NOT EXISTS ix_users_search ON users (tenant_id, id, email, username, phone, given_name, family_name)",
		// Names are unique per tenant whatever their case; lists order by them.
		"CREATE UNIQUE INDEX IF NOT EXISTS ux_connections_tenant_name ON connections (tenant_id, LOWER(name))",
		"CREATE UNIQUE INDEX IF NOT EXISTS ux_end_user_roles_tenant_name ON end_user_roles (tenant_id, LOWER(name))",
	}
	return &gormigrate.Migration{
		ID: "0006_users_connections_roles",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.AutoMigrate(tables...); err != nil {
				return err
			}
			for _, ix := range indexes {
				if err := tx.Exec(ix).Error; err != nil {
					return err
				}
			}
			// Every existing tenant gets its end users' pool.
			var tenantIDs []int64
			if err := tx.Table("tenants").
				Where("NOT EXISTS (SELECT 1 FROM identity_pools p WHERE p.tenant_id = tenants.id AND p.kind = ?)", "users").
				Order("id").Pluck("id", &tenantIDs).Error; err != nil {
				return err
			}
			now := time.Now().UTC().Truncate(time.Microsecond)
			for _, id := range tenantIDs {
				if err := tx.Create(&IdentityPool{TenantID: id, Name: "Users", Kind: "users", CreatedAt: now}).Error; err != nil {
					return err
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			for i := len(tables) - 1; i >= 0; i-- {
				if err := tx.Migrator().DropTable(tables[i]); err != nil {
					return err
				}
			}
			return tx.Exec("DELETE FROM identity_pools WHERE kind = 'users'").Error
		},
	}
}
