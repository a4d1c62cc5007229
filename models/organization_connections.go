package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// OrganizationConnection enables one of the tenant's connections for an
// organization. With AutoMembership, whoever signs in through it becomes a
// member (Auth0's "auto-membership").
type OrganizationConnection struct {
	ID             int64 `gorm:"primaryKey"`
	TenantID       int64
	OrganizationID int64
	ConnectionID   int64
	AutoMembership bool
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// OrgConnection is an enabled connection with its settings.
type OrgConnection struct {
	Connection     Connection
	AutoMembership bool
	EnabledAt      time.Time
}

// OrgConnectionsMax bounds the Connections tab: a tenant has a handful of
// connections, and the tab lists at most this many enabled ones and offers
// at most this many to enable.
const OrgConnectionsMax = 200

// OrganizationConnections lists the connections enabled for an
// organization (at most OrgConnectionsMax, by name) and the tenant's other
// connections that could be, in two queries.
func (s *Store) OrganizationConnections(ctx context.Context, tenantID, orgID int64) (enabled []OrgConnection, available []Connection, err error) {
	db := s.DB.WithContext(ctx)
	var rows []struct {
		AutoMembership bool
		EnabledAt      time.Time
		Connection     `gorm:"embedded"`
	}
	if err := db.Table("organization_connections AS oc").
		Select("oc.auto_membership AS auto_membership, oc.created_at AS enabled_at, c.*").
		Joins("JOIN connections c ON c.id = oc.connection_id").
		Where("oc.organization_id = ? AND c.tenant_id = ?", orgID, tenantID).
		Order("LOWER(c.name)").Limit(OrgConnectionsMax).Scan(&rows).Error; err != nil {
		return nil, nil, err
	}
	for _, r := range rows {
		enabled = append(enabled, OrgConnection{Connection: r.Connection, AutoMembership: r.AutoMembership, EnabledAt: r.EnabledAt})
	}
	if err := db.Where("tenant_id = ? AND NOT EXISTS (SELECT 1 FROM organization_connections oc WHERE oc.organization_id = ? AND oc.connection_id = connections.id)", tenantID, orgID).
		Order("LOWER(name)").Limit(OrgConnectionsMax).Find(&available).Error; err != nil {
		return nil, nil, err
	}
	return enabled, available, nil
}

// EnableOrganizationConnection enables one of the tenant's connections for
// the organization, with auto-membership on or off, in one transaction with
// its audit event.
func (s *Store) EnableOrganizationConnection(ctx context.Context, tenantID, orgID, connectionID int64, autoMembership bool, actor Actor) (Connection, error) {
	var c Connection
	err := s.tx(ctx, func(tx *gorm.DB) error {
		o, err := orgIn(tx, tenantID, orgID)
		if err != nil {
			return err
		}
		if c, err = connectionIn(tx, tenantID, connectionID); err != nil {
			if err == ErrNotFound {
				return &ValidationError{Fields: map[string]string{"connection": "Choose a connection."}}
			}
			return err
		}
		already := &ValidationError{Fields: map[string]string{"connection": c.Label() + " is already enabled for " + o.Label() + "."}}
		var n int64
		if err := tx.Model(&OrganizationConnection{}).Where("organization_id = ? AND connection_id = ?", o.ID, c.ID).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return already
		}
		now := s.now()
		if err := tx.Create(&OrganizationConnection{TenantID: tenantID, OrganizationID: o.ID, ConnectionID: c.ID,
			AutoMembership: autoMembership, CreatedAt: now, UpdatedAt: now}).Error; err != nil {
			if isUniqueViolation(err) {
				return already
			}
			return err
		}
		return writeAudit(tx, now, tenantID, actor, "organization.connection_enabled", orgTarget(o), Changes{
			"connection": {After: c.Name}, "auto_membership": {After: autoMembership}})
	})
	if err != nil {
		return Connection{}, err
	}
	return c, nil
}

func orgConnectionOf(tx *gorm.DB, tenantID, orgID, connectionID int64) (OrganizationConnection, Connection, error) {
	var oc OrganizationConnection
	if err := tx.Where("tenant_id = ? AND organization_id = ? AND connection_id = ?", tenantID, orgID, connectionID).Take(&oc).Error; err != nil {
		return oc, Connection{}, notFound(err)
	}
	c, err := connectionIn(tx, tenantID, connectionID)
	return oc, c, err
}

// SetOrganizationConnectionAutoMembership turns auto-membership on or off
// for a connection enabled for the organization.
func (s *Store) SetOrganizationConnectionAutoMembership(ctx context.Context, tenantID, orgID, connectionID int64, autoMembership bool, actor Actor) (Connection, error) {
	var c Connection
	err := s.tx(ctx, func(tx *gorm.DB) error {
		o, err := orgIn(tx, tenantID, orgID)
		if err != nil {
			return err
		}
		var oc OrganizationConnection
		if oc, c, err = orgConnectionOf(tx, tenantID, o.ID, connectionID); err != nil {
			return err
		}
		if oc.AutoMembership == autoMembership {
			return nil
		}
		now := s.now()
		if err := tx.Model(&OrganizationConnection{}).Where("id = ?", oc.ID).
			Updates(map[string]any{"auto_membership": autoMembership, "updated_at": now}).Error; err != nil {
			return err
		}
		return writeAudit(tx, now, tenantID, actor, "organization.connection_updated", orgTarget(o), Changes{
			"connection": {Before: c.Name, After: c.Name}, "auto_membership": {Before: oc.AutoMembership, After: autoMembership}})
	})
	if err != nil {
		return Connection{}, err
	}
	return c, nil
}

// DisableOrganizationConnection disables a connection for the
// organization, in one transaction with its audit event.
func (s *Store) DisableOrganizationConnection(ctx context.Context, tenantID, orgID, connectionID int64, actor Actor) (Connection, error) {
	var c Connection
	err := s.tx(ctx, func(tx *gorm.DB) error {
		o, err := orgIn(tx, tenantID, orgID)
		if err != nil {
			return err
		}
		var oc OrganizationConnection
		if oc, c, err = orgConnectionOf(tx, tenantID, o.ID, connectionID); err != nil {
			return err
		}
		res := tx.Where("id = ?", oc.ID).Delete(&OrganizationConnection{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrNotFound
		}
		return writeAudit(tx, s.now(), tenantID, actor, "organization.connection_disabled", orgTarget(o), Changes{
			"connection": {Before: c.Name}, "auto_membership": {Before: oc.AutoMembership}})
	})
	if err != nil {
		return Connection{}, err
	}
	return c, nil
}
