package migrations

import (
	"context"
	"fmt"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// lockKey is the PostgreSQL advisory lock taken while migrating.
const lockKey int64 = 0x6761746568 // "gateh"

// all is every migration in order. Append only; never edit a released one.
func all() []*gormigrate.Migration {
	return []*gormigrate.Migration{
		foundation(),
		passwordResets(),
		adminSearch(),
		signinSecurity(),
		workspaces(),
		usersConnectionsRoles(),
		auditIndexes(),
		organizations(),
		outboxPendingIndex(),
		invitationAuthority(),
		signinHardening(),
		tenantSettings(),
		auditChain(),
		dormantAdmins(),
		passkeys(),
		sso(),
		apiTokens(),
		customRoles(),
		identityPools(),
		outboxSMS(),
		workspaceResources(),
		adminListFilters(),
		searchTrigrams(),
		organizationAdmin(),
		governance(),
		administratorCounts(),
		accessIndex(),
		analyticsPermissionSystems(),
		secretsScriptsWebhooks(),
		idpsThemes(),
		fourEyes(),
		workspaceResourcesEdit(),
	}
}

// Run brings the schema up to date. On PostgreSQL it holds an advisory lock
// on one connection for the whole run, so concurrent starts wait their turn
// and then find nothing left to do.
func Run(ctx context.Context, db *gorm.DB) error {
	db = db.WithContext(ctx)
	if db.Dialector.Name() != "postgres" {
		return migrate(db)
	}
	return db.Connection(func(conn *gorm.DB) error {
		if err := conn.Exec("SELECT pg_advisory_lock(?)", lockKey).Error; err != nil {
			return fmt.Errorf("take migration lock: %w", err)
		}
		defer conn.Exec("SELECT pg_advisory_unlock(?)", lockKey)
		return migrate(conn)
	})
}

func migrate(db *gorm.DB) error {
	opts := *gormigrate.DefaultOptions
	opts.TableName = "schema_migrations"
	opts.UseTransaction = true
	m := gormigrate.New(db, &opts, all())
	if err := m.Migrate(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}
