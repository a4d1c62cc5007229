package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// workspaceResources creates the application side of a workspace:
// services (resource servers) with their scopes and APIs, clients,
// policies (CEL), authorizers, claims and custom apps. Every table is led
// by (tenant_id, workspace_id) and names are unique in a workspace, so each
// list pages by keyset on (tenant_id, workspace_id, name). Secrets are
// stored only as SHA-256 hashes; version grows by one at every update
// (optimistic locking).
func workspaceResources() *gormigrate.Migration {
	type Service struct {
		ID          int64  `gorm:"primaryKey"`
		TenantID    int64  `gorm:"not null;uniqueIndex:ux_services_ws_name,priority:1;uniqueIndex:ux_services_ws_audience,priority:1"`
		WorkspaceID int64  `gorm:"not null;uniqueIndex:ux_services_ws_name,priority:2;uniqueIndex:ux_services_ws_audience,priority:2"`
		Name        string `gorm:"size:100;not null;uniqueIndex:ux_services_ws_name,priority:3"`
		Audience    string `gorm:"size:400;not null;uniqueIndex:ux_services_ws_audience,priority:3"`
		Description string `gorm:"size:500;not null;default:''"`
		Version     int64  `gorm:"not null;default:1"`
		CreatedAt   time.Time
		UpdatedAt   time.Time
	}
	type ServiceScope struct {
		ID          int64  `gorm:"primaryKey"`
		TenantID    int64  `gorm:"not null;index:ix_service_scopes_ws,priority:1"`
		WorkspaceID int64  `gorm:"not null;index:ix_service_scopes_ws,priority:2"`
		ServiceID   int64  `gorm:"not null;uniqueIndex:ux_service_scopes_scope,priority:1"`
		Scope       string `gorm:"size:100;not null;uniqueIndex:ux_service_scopes_scope,priority:2;index:ix_service_scopes_ws,priority:3"`
		Description string `gorm:"size:300;not null;default:''"`
		CreatedAt   time.Time
	}
	type ServiceAPI struct {
		ID          int64  `gorm:"primaryKey"`
		TenantID    int64  `gorm:"not null"`
		WorkspaceID int64  `gorm:"not null;index"`
		ServiceID   int64  `gorm:"not null;uniqueIndex:ux_service_apis_route,priority:1"`
		Method      string `gorm:"size:10;not null;uniqueIndex:ux_service_apis_route,priority:3"`
		Path        string `gorm:"size:400;not null;uniqueIndex:ux_service_apis_route,priority:2"`
		Scopes      string `gorm:"size:2000;not null;default:''"`
		PolicyID    *int64 `gorm:"index"`
		Summary     string `gorm:"size:300;not null;default:''"`
		CreatedAt   time.Time
		UpdatedAt   time.Time
	}
	type Client struct {
		ID                      int64  `gorm:"primaryKey"`
		TenantID                int64  `gorm:"not null;uniqueIndex:ux_clients_ws_name,priority:1"`
		WorkspaceID             int64  `gorm:"not null;uniqueIndex:ux_clients_ws_name,priority:2"`
		Name                    string `gorm:"size:100;not null;uniqueIndex:ux_clients_ws_name,priority:3"`
		Type                    string `gorm:"size:20;not null"`
		ClientID                string `gorm:"column:client_id;size:64;not null;uniqueIndex"`
		RedirectURIs            string `gorm:"column:redirect_uris;size:8000;not null;default:''"`
		GrantTypes              string `gorm:"size:200;not null;default:''"`
		TokenEndpointAuthMethod string `gorm:"size:40;not null"`
		Scopes                  string `gorm:"size:4000;not null;default:''"`
		SecretHash              string `gorm:"size:64;not null;default:''"`
		SecretCreatedAt         *time.Time
		PrevSecretHash          string `gorm:"size:64;not null;default:''"`
		PrevSecretExpiresAt     *time.Time
		Version                 int64 `gorm:"not null;default:1"`
		CreatedAt               time.Time
		UpdatedAt               time.Time
	}
	type Policy struct {
		ID          int64  `gorm:"primaryKey"`
		TenantID    int64  `gorm:"not null;uniqueIndex:ux_policies_ws_name,priority:1"`
		WorkspaceID int64  `gorm:"not null;uniqueIndex:ux_policies_ws_name,priority:2"`
		Name        string `gorm:"size:100;not null;uniqueIndex:ux_policies_ws_name,priority:3"`
		Description string `gorm:"size:500;not null;default:''"`
		Definition  string `gorm:"not null"`
		Version     int64  `gorm:"not null;default:1"`
		CreatedAt   time.Time
		UpdatedAt   time.Time
	}
	type Authorizer struct {
		ID           int64  `gorm:"primaryKey"`
		TenantID     int64  `gorm:"not null;uniqueIndex:ux_authorizers_ws_name,priority:1"`
		WorkspaceID  int64  `gorm:"not null;uniqueIndex:ux_authorizers_ws_name,priority:2"`
		Name         string `gorm:"size:100;not null;uniqueIndex:ux_authorizers_ws_name,priority:3"`
		Type         string `gorm:"size:30;not null"`
		ServiceIDs   string `gorm:"column:service_ids;size:2000;not null;default:''"`
		CredentialID string `gorm:"size:64;not null;uniqueIndex"`
		SecretHash   string `gorm:"size:64;not null"`
		Version      int64  `gorm:"not null;default:1"`
		CreatedAt    time.Time
		UpdatedAt    time.Time
	}
	type Claim struct {
		ID          int64  `gorm:"primaryKey"`
		TenantID    int64  `gorm:"not null;uniqueIndex:ux_claims_ws_name,priority:1"`
		WorkspaceID int64  `gorm:"not null;uniqueIndex:ux_claims_ws_name,priority:2"`
		Name        string `gorm:"size:100;not null;uniqueIndex:ux_claims_ws_name,priority:3"`
		SourceType  string `gorm:"size:30;not null"`
		Source      string `gorm:"size:500;not null;default:''"`
		Token       string `gorm:"size:10;not null"`
		Scopes      string `gorm:"size:4000;not null;default:''"`
		Version     int64  `gorm:"not null;default:1"`
		CreatedAt   time.Time
		UpdatedAt   time.Time
	}
	type CustomApp struct {
		ID          int64  `gorm:"primaryKey"`
		TenantID    int64  `gorm:"not null;uniqueIndex:ux_custom_apps_ws_name,priority:1"`
		WorkspaceID int64  `gorm:"not null;uniqueIndex:ux_custom_apps_ws_name,priority:2"`
		Name        string `gorm:"size:100;not null;uniqueIndex:ux_custom_apps_ws_name,priority:3"`
		Type        string `gorm:"size:30;not null"`
		URL         string `gorm:"column:url;size:2000;not null"`
		AppID       string `gorm:"size:64;not null;uniqueIndex"`
		SecretHash  string `gorm:"size:64;not null"`
		Version     int64  `gorm:"not null;default:1"`
		CreatedAt   time.Time
		UpdatedAt   time.Time
	}
	tables := []struct {
		name  string
		model any
	}{
		{"services", &Service{}}, {"service_scopes", &ServiceScope{}}, {"service_apis", &ServiceAPI{}},
		{"clients", &Client{}}, {"policies", &Policy{}}, {"authorizers", &Authorizer{}},
		{"claims", &Claim{}}, {"custom_apps", &CustomApp{}},
	}
	return &gormigrate.Migration{
		ID: "0025_workspace_resources",
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
