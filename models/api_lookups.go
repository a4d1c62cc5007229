package models

import (
	"context"
	"strings"
)

// ConnectionByName loads a connection of the tenant by its name (names are
// unique whatever the case): the management API accepts names where the
// console's forms post ids.
func (s *Store) ConnectionByName(ctx context.Context, tenantID int64, name string) (Connection, error) {
	var c Connection
	err := s.DB.WithContext(ctx).Where("tenant_id = ? AND LOWER(name) = ?", tenantID, strings.ToLower(strings.TrimSpace(name))).Take(&c).Error
	return c, notFound(err)
}
