package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// analyticsPermissionSystems creates the Analytics tables and the
// Permission Systems.
//
// auth_events are the authentication events of a workspace (posted to the
// management API or seeded), one row each; auth_event_daily is their rollup
// per UTC day, identity provider and client, kept up to date by the insert
// itself (an upsert in the same transaction), so the Analytics page reads
// at most days × providers × clients rows whatever the number of events.
//
// permission_systems hold a model in the OpenFGA modeling language;
// permission_tuples its relationship tuples (unique per system).
func analyticsPermissionSystems() *gormigrate.Migration {
	type AuthEvent struct {
		ID               int64     `gorm:"primaryKey"`
		TenantID         int64     `gorm:"not null;index:ix_auth_events_ws_time,priority:1"`
		WorkspaceID      int64     `gorm:"not null;index:ix_auth_events_ws_time,priority:2"`
		OccurredAt       time.Time `gorm:"not null;index:ix_auth_events_ws_time,priority:3"`
		Outcome          string    `gorm:"size:10;not null"`
		IdentityProvider string    `gorm:"size:100;not null"`
		Client           string    `gorm:"size:100;not null"`
		CreatedAt        time.Time
	}
	type AuthEventDaily struct {
		ID               int64  `gorm:"primaryKey"`
		TenantID         int64  `gorm:"not null;uniqueIndex:ux_auth_event_daily_key,priority:1"`
		WorkspaceID      int64  `gorm:"not null;uniqueIndex:ux_auth_event_daily_key,priority:2"`
		Day              string `gorm:"size:10;not null;uniqueIndex:ux_auth_event_daily_key,priority:3"`
		IdentityProvider string `gorm:"size:100;not null;uniqueIndex:ux_auth_event_daily_key,priority:4"`
		Client           string `gorm:"size:100;not null;uniqueIndex:ux_auth_event_daily_key,priority:5"`
		Successes        int64  `gorm:"not null;default:0"`
		Failures         int64  `gorm:"not null;default:0"`
	}
	type PermissionSystem struct {
		ID          int64  `gorm:"primaryKey"`
		TenantID    int64  `gorm:"not null;uniqueIndex:ux_permission_systems_name,priority:1"`
		Name        string `gorm:"size:100;not null;uniqueIndex:ux_permission_systems_name,priority:2"`
		Description string `gorm:"size:500;not null;default:''"`
		Model       string `gorm:"not null"`
		Version     int64  `gorm:"not null;default:1"`
		CreatedAt   time.Time
		UpdatedAt   time.Time
	}
	type PermissionTuple struct {
		ID        int64  `gorm:"primaryKey"`
		TenantID  int64  `gorm:"not null;index"`
		SystemID  int64  `gorm:"not null;uniqueIndex:ux_permission_tuples_key,priority:1"`
		Object    string `gorm:"size:300;not null;uniqueIndex:ux_permission_tuples_key,priority:2"`
		Relation  string `gorm:"size:100;not null;uniqueIndex:ux_permission_tuples_key,priority:3"`
		Subject   string `gorm:"size:400;not null;uniqueIndex:ux_permission_tuples_key,priority:4"`
		CreatedAt time.Time
	}
	tables := []struct {
		name  string
		model any
	}{
		{"auth_events", &AuthEvent{}}, {"auth_event_daily", &AuthEventDaily{}},
		{"permission_systems", &PermissionSystem{}}, {"permission_tuples", &PermissionTuple{}},
	}
	return &gormigrate.Migration{
		ID: "0028_analytics_permission_systems",
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
