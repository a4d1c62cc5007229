package models

import (
	"context"

	"gatehouse/models/authz"
)

// PermissionTuplesPage returns a page of a system's tuples in the order
// written (keyset on the id: after is the last id of the previous page, 0
// for the first), and the id to continue after (0 on the last page). The
// management API's tuples list; the console shows them all (at most
// PermissionTuplesMax).
func (s *Store) PermissionTuplesPage(ctx context.Context, v Viewer, systemID, after int64, limit int) ([]PermissionTuple, int64, error) {
	if err := allowedTenant(v, authz.ReadPermissionSystems); err != nil {
		return nil, 0, err
	}
	if limit <= 0 || limit > MaxPageSize {
		limit = 50
	}
	var out []PermissionTuple
	err := s.DB.WithContext(ctx).Where("tenant_id = ? AND system_id = ? AND id > ?", v.Tenant.ID, systemID, after).
		Order("id").Limit(limit + 1).Find(&out).Error
	if err != nil {
		return nil, 0, err
	}
	var next int64
	if len(out) > limit {
		out = out[:limit]
		next = out[len(out)-1].ID
	}
	return out, next, nil
}
