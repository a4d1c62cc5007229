package migrations

import (
	"strings"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// organizations creates Auth0-style Organizations: the organizations of each
// tenant (name, display name, branding, metadata and a version for
// optimistic locking), their members (identity-pool users) with member
// roles (end-user roles), their invitations and their enabled connections.
//
// The tables are written out as DDL (not AutoMigrate) because they carry
// foreign keys with ON DELETE CASCADE: deleting an organization, a user, an
// end-user role or a connection removes the memberships, member roles,
// invitations and enabled connections that hang on it, on both databases
// (SQLite runs with foreign_keys on), whoever deletes it.
func organizations() *gormigrate.Migration {
	tables := []string{
		`CREATE TABLE organizations (
			id {id},
			tenant_id {int} NOT NULL,
			name text NOT NULL,
			display_name text NOT NULL DEFAULT '',
			logo_url text NOT NULL DEFAULT '',
			primary_color text NOT NULL DEFAULT '',
			page_background_color text NOT NULL DEFAULT '',
			metadata text NOT NULL DEFAULT '{}',
			version {int} NOT NULL DEFAULT 1,
			updated_by text NOT NULL DEFAULT '',
			created_at {time},
			updated_at {time}
		)`,
		`CREATE TABLE organization_members (
			id {id},
			tenant_id {int} NOT NULL,
			organization_id {int} NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
			user_id {int} NOT NULL REFERENCES users (id) ON DELETE CASCADE,
			created_at {time}
		)`,
		`CREATE TABLE organization_member_roles (
			id {id},
			tenant_id {int} NOT NULL,
			organization_id {int} NOT NULL,
			member_id {int} NOT NULL REFERENCES organization_members (id) ON DELETE CASCADE,
			role_id {int} NOT NULL REFERENCES end_user_roles (id) ON DELETE CASCADE,
			created_at {time}
		)`,
		`CREATE TABLE organization_invitations (
			id {id},
			tenant_id {int} NOT NULL,
			organization_id {int} NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
			email text NOT NULL,
			role_ids text NOT NULL DEFAULT '[]',
			token_hash text NOT NULL,
			inviter_id {int},
			inviter_name text NOT NULL DEFAULT '',
			expires_at {time} NOT NULL,
			accepted_at {time},
			accepted_user_id {int},
			revoked_at {time},
			failed_attempts {int} NOT NULL DEFAULT 0,
			created_at {time}
		)`,
		`CREATE TABLE organization_connections (
			id {id},
			tenant_id {int} NOT NULL,
			organization_id {int} NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
			connection_id {int} NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
			auto_membership {bool} NOT NULL DEFAULT false,
			created_at {time},
			updated_at {time}
		)`,
	}
	indexes := []string{
		// A user is a member once; the Members tab pages newest first; the
		// cascade from a deleted user finds its memberships.
		"CREATE UNIQUE INDEX ux_organization_members ON organization_members (organization_id, user_id)",
		"CREATE INDEX ix_organization_members_page ON organization_members (organization_id, id)",
		"CREATE INDEX ix_organization_members_user ON organization_members (user_id)",
		"CREATE UNIQUE INDEX ux_organization_member_roles ON organization_member_roles (member_id, role_id)",
		"CREATE INDEX ix_organization_member_roles_role ON organization_member_roles (role_id)",
		"CREATE UNIQUE INDEX ux_organization_invitations_token ON organization_invitations (token_hash)",
		"CREATE INDEX ix_organization_invitations_page ON organization_invitations (organization_id, id)",
		"CREATE UNIQUE INDEX ux_organization_connections ON organization_connections (organization_id, connection_id)",
		"CREATE INDEX ix_organization_connections_connection ON organization_connections (connection_id)",
		// The Members picker finds users by the start of their given or
		// family name (and of their e-mail, over ux_users_tenant_email).
		"CREATE INDEX IF NOT EXISTS ix_users_tenant_given_name ON users (tenant_id, LOWER(given_name))",
		"CREATE INDEX IF NOT EXISTS ix_users_tenant_family_name ON users (tenant_id, LOWER(family_name))",
	}
	names := []string{"organization_connections", "organization_invitations", "organization_member_roles", "organization_members", "organizations"}
	return &gormigrate.Migration{
		ID: "0008_organizations",
		Migrate: func(tx *gorm.DB) error {
			types := strings.NewReplacer("{id}", "integer PRIMARY KEY AUTOINCREMENT", "{int}", "integer", "{bool}", "numeric", "{time}", "datetime")
			if tx.Dialector.Name() == "postgres" {
				types = strings.NewReplacer("{id}", "bigserial PRIMARY KEY", "{int}", "bigint", "{bool}", "boolean", "{time}", "timestamptz")
			}
			for _, q := range tables {
				if err := tx.Exec(types.Replace(q)).Error; err != nil {
					return err
				}
			}
			// Names are unique in the tenant; the list pages by name and its
			// search reads names and display names (and, for the page, ids)
			// from one index alone. SQLite's indexes hold the rowid (id)
			// anyway but know no INCLUDE.
			byName := []string{
				"CREATE UNIQUE INDEX ux_organizations_tenant_name ON organizations (tenant_id, name)",
				"CREATE INDEX ix_organizations_search ON organizations (tenant_id, name, display_name)",
			}
			if tx.Dialector.Name() == "postgres" {
				byName = []string{"CREATE UNIQUE INDEX ux_organizations_tenant_name ON organizations (tenant_id, name) INCLUDE (display_name, id)"}
			}
			for _, q := range append(byName, indexes...) {
				if err := tx.Exec(q).Error; err != nil {
					return err
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			for _, ix := range []string{"ix_users_tenant_given_name", "ix_users_tenant_family_name"} {
				if err := tx.Exec("DROP INDEX IF EXISTS " + ix).Error; err != nil {
					return err
				}
			}
			for _, t := range names {
				if err := tx.Exec("DROP TABLE IF EXISTS " + t).Error; err != nil {
					return err
				}
			}
			return nil
		},
	}
}
