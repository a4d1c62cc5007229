package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// idpsThemes creates the identity providers of workspaces (idps), the
// tenant's themes and the workspaces' theme bindings, and gives every
// existing Admin workspace its Built in Admin IDP (method identity_pool, the
// Administrators pool). An IDP's client secret is sealed (AES-256-GCM);
// SAML metadata is kept with what was read from it on save.
func idpsThemes() *gormigrate.Migration {
	type IDP struct {
		ID            int64  `gorm:"primaryKey"`
		TenantID      int64  `gorm:"not null;uniqueIndex:ux_idps_ws_name,priority:1"`
		WorkspaceID   int64  `gorm:"not null;uniqueIndex:ux_idps_ws_name,priority:2"`
		Name          string `gorm:"size:100;not null;uniqueIndex:ux_idps_ws_name,priority:3"`
		Method        string `gorm:"size:30;not null"`
		PoolID        *int64 `gorm:"index"`
		IssuerURL     string `gorm:"size:500;not null;default:''"`
		ClientID      string `gorm:"size:255;not null;default:''"`
		ClientSecret  []byte
		MetadataXML   string `gorm:"column:metadata_xml;not null;default:''"`
		EntityID      string `gorm:"size:1000;not null;default:''"`
		SSOURL        string `gorm:"column:sso_url;size:2000;not null;default:''"`
		CertExpiresAt *time.Time
		Enabled       bool  `gorm:"not null;default:true"`
		BuiltIn       bool  `gorm:"not null;default:false"`
		Version       int64 `gorm:"not null;default:1"`
		CreatedAt     time.Time
		UpdatedAt     time.Time
	}
	type Theme struct {
		ID              int64  `gorm:"primaryKey"`
		TenantID        int64  `gorm:"not null;uniqueIndex:ux_themes_tenant_name,priority:1"`
		Name            string `gorm:"size:100;not null;uniqueIndex:ux_themes_tenant_name,priority:2"`
		LogoURL         string `gorm:"column:logo_url;size:2000;not null;default:''"`
		PrimaryColor    string `gorm:"size:7;not null"`
		BackgroundColor string `gorm:"size:7;not null"`
		Font            string `gorm:"size:40;not null"`
		Version         int64  `gorm:"not null;default:1"`
		CreatedAt       time.Time
		UpdatedAt       time.Time
	}
	type WorkspaceThemeBinding struct {
		WorkspaceID int64 `gorm:"primaryKey;autoIncrement:false"`
		TenantID    int64 `gorm:"not null;index:ix_workspace_theme_bindings_theme,priority:1"`
		ThemeID     int64 `gorm:"not null;index:ix_workspace_theme_bindings_theme,priority:2"`
		UpdatedAt   time.Time
	}
	return &gormigrate.Migration{
		ID: "0027_idps_themes",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.Table("idps").AutoMigrate(&IDP{}); err != nil {
				return err
			}
			if err := tx.Table("themes").AutoMigrate(&Theme{}); err != nil {
				return err
			}
			if err := tx.Table("workspace_theme_bindings").AutoMigrate(&WorkspaceThemeBinding{}); err != nil {
				return err
			}
			// The Built in Admin IDP of every Admin workspace there is.
			return tx.Exec(`INSERT INTO idps (tenant_id, workspace_id, name, method, pool_id, issuer_url, client_id, metadata_xml, entity_id, sso_url, enabled, built_in, version, created_at, updated_at)
				SELECT w.tenant_id, w.id, 'Built in Admin IDP', 'identity_pool',
					(SELECT p.id FROM identity_pools p WHERE p.tenant_id = w.tenant_id AND p.kind = 'administrators' ORDER BY p.id LIMIT 1),
					'', '', '', '', '', ?, ?, 1, ?, ?
				FROM workspaces w WHERE w.kind = 'admin'`, true, true, time.Now().UTC(), time.Now().UTC()).Error
		},
		Rollback: func(tx *gorm.DB) error {
			for _, t := range []string{"workspace_theme_bindings", "themes", "idps"} {
				if err := tx.Migrator().DropTable(t); err != nil {
					return err
				}
			}
			return nil
		},
	}
}
