package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// foundation creates tenants, the administrators identity pool, built-in
// roles and bindings, invitations, sessions, audit events and the outbox.
func foundation() *gormigrate.Migration {
	type Tenant struct {
		ID                             int64  `gorm:"primaryKey"`
		Slug                           string `gorm:"size:63;not null;uniqueIndex"`
		Name                           string `gorm:"size:200;not null"`
		Plan                           string `gorm:"size:20;not null"`
		FeatureAdminManagement         bool   `gorm:"not null;default:true"`
		FeatureAdvancedAdminManagement bool   `gorm:"not null;default:false"`
		CreatedAt                      time.Time
		UpdatedAt                      time.Time
	}
	type IdentityPool struct {
		ID        int64  `gorm:"primaryKey"`
		TenantID  int64  `gorm:"not null;index"`
		Name      string `gorm:"size:200;not null"`
		Kind      string `gorm:"size:30;not null"`
		CreatedAt time.Time
	}
	type Administrator struct {
		ID           int64  `gorm:"primaryKey"`
		TenantID     int64  `gorm:"not null;uniqueIndex:ux_administrators_tenant_email,priority:1;index:ix_administrators_tenant_id,priority:1"`
		PoolID       int64  `gorm:"not null"`
		Email        string `gorm:"size:320;not null;uniqueIndex:ux_administrators_tenant_email,priority:2"`
		GivenName    string `gorm:"size:100;not null"`
		FamilyName   string `gorm:"size:100;not null"`
		Status       string `gorm:"size:20;not null"`
		PasswordHash string `gorm:"size:255;not null;default:''"`
		TOTPSecret   []byte
		TOTPLastStep int64 `gorm:"not null;default:0"`
		LastSignInAt *time.Time
		CreatedAt    time.Time
		UpdatedAt    time.Time
	}
	type Role struct {
		Key         string `gorm:"primaryKey;size:50"`
		Name        string `gorm:"size:100;not null"`
		Scope       string `gorm:"size:20;not null"`
		Description string `gorm:"size:500;not null;default:''"`
	}
	type RoleBinding struct {
		ID              int64  `gorm:"primaryKey"`
		TenantID        int64  `gorm:"not null;index:ix_role_bindings_tenant_admin,priority:1"`
		AdministratorID int64  `gorm:"not null;index:ix_role_bindings_tenant_admin,priority:2"`
		RoleKey         string `gorm:"size:50;not null"`
		WorkspaceID     *int64
		ExpiresAt       *time.Time
		GrantedByID     *int64
		CreatedAt       time.Time
	}
	type Invitation struct {
		ID              int64  `gorm:"primaryKey"`
		TenantID        int64  `gorm:"not null"`
		AdministratorID int64  `gorm:"not null;index"`
		TokenHash       string `gorm:"size:64;not null;uniqueIndex"`
		ExpiresAt       time.Time
		AcceptedAt      *time.Time
		RevokedAt       *time.Time
		InvitedByID     *int64
		CreatedAt       time.Time
	}
	type Session struct {
		ID              string `gorm:"primaryKey;size:64"`
		TenantID        *int64
		AdministratorID *int64 `gorm:"index"`
		Data            []byte
		IP              string `gorm:"size:64;not null;default:''"`
		UserAgent       string `gorm:"size:500;not null;default:''"`
		CreatedAt       time.Time
		LastSeenAt      time.Time
		ExpiresAt       time.Time `gorm:"index"`
	}
	type AuditEvent struct {
		ID          int64  `gorm:"primaryKey"`
		TenantID    int64  `gorm:"not null;index:ix_audit_events_tenant_id,priority:1"`
		ActorID     *int64 `gorm:"index"`
		ActorEmail  string `gorm:"size:320;not null;default:''"`
		Action      string `gorm:"size:100;not null"`
		TargetType  string `gorm:"size:50;not null;default:''"`
		TargetID    string `gorm:"size:100;not null;default:''"`
		TargetLabel string `gorm:"size:400;not null;default:''"`
		Changes     string `gorm:"not null;default:''"`
		IP          string `gorm:"size:64;not null;default:''"`
		UserAgent   string `gorm:"size:500;not null;default:''"`
		WorkspaceID *int64
		CreatedAt   time.Time
	}
	type OutboxEmail struct {
		ID            int64     `gorm:"primaryKey"`
		TenantID      *int64    `gorm:"index"`
		ToAddr        string    `gorm:"size:320;not null"`
		Subject       string    `gorm:"size:500;not null"`
		TextBody      string    `gorm:"not null"`
		HTMLBody      string    `gorm:"not null"`
		Attempts      int       `gorm:"not null;default:0"`
		NextAttemptAt time.Time `gorm:"index"`
		LockedUntil   *time.Time
		LastError     string `gorm:"size:2000;not null;default:''"`
		SentAt        *time.Time
		CreatedAt     time.Time
	}
	tables := []any{&Tenant{}, &IdentityPool{}, &Administrator{}, &Role{}, &RoleBinding{},
		&Invitation{}, &Session{}, &AuditEvent{}, &OutboxEmail{}}
	return &gormigrate.Migration{
		ID: "0001_foundation",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.AutoMigrate(tables...); err != nil {
				return err
			}
			// The administrators list pages by (tenant_id, id); audit by (tenant_id, id) too.
			if err := tx.Exec("CREATE INDEX IF NOT EXISTS ix_administrators_tenant_id_id ON administrators (tenant_id, id)").Error; err != nil {
				return err
			}
			if err := tx.Exec("CREATE INDEX IF NOT EXISTS ix_audit_events_tenant_id_id ON audit_events (tenant_id, id)").Error; err != nil {
				return err
			}
			roles := []Role{
				{"tenant_admin", "Tenant Admin", "tenant", "Full control of the tenant, its settings, administrators and workspaces."},
				{"tenant_auditor", "Tenant Auditor", "tenant", "Reads everything in the tenant; changes nothing."},
				{"tenant_member", "Tenant Member", "tenant", "Reads the tenant's system overview, templates and notifications."},
				{"workspace_admin", "Workspace Admin", "workspace", "Manages one workspace: its services, apps, policies and access."},
				{"workspace_auditor", "Workspace Auditor", "workspace", "Reads one workspace; changes nothing."},
				{"editor_organizations", "Editor - Organizations", "tenant", "Creates, reads, updates and deletes Organizations; reads Users, Roles and Connections."},
				{"editor_users", "Editor - Users", "tenant", "Reads and manages users; reads the logs."},
				{"editor_connections", "Editor - Connections", "tenant", "Reads, creates and updates connections."},
			}
			return tx.Create(&roles).Error
		},
		Rollback: func(tx *gorm.DB) error {
			for i := len(tables) - 1; i >= 0; i-- {
				if err := tx.Migrator().DropTable(tables[i]); err != nil {
					return err
				}
			}
			return nil
		},
	}
}
