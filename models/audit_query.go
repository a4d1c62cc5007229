package models

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"gatehouse/models/authz"

	"gorm.io/gorm"
)

// Audit log page sizes and the export cap.
const (
	AuditPageDefault = 50      // ListAudit's page size when none is asked for
	AuditPageMax     = 200     // the largest page ListAudit returns
	AuditExportMax   = 100_000 // the most rows one export writes
	auditExportBatch = 500     // rows per query while exporting
)

// AuditFilter narrows the audit log. Empty fields match everything.
//
//   - Actor is the actor's e-mail, matched exactly but case-insensitively
//     (e-mails are stored lowercased).
//   - Action is matched exactly, or as a prefix when it ends with ".*" or
//     "." : "administrator.*" and "administrator." both match every
//     "administrator.…" action.
//   - Target matches the target's id exactly or its label exactly,
//     case-insensitively (so an administrator's e-mail or an
//     organization's name finds the events about it).
//   - From is inclusive, To exclusive, both on the event's time.
//   - WorkspaceID, when set, keeps only events inside that workspace.
type AuditFilter struct {
	Actor, Action, Target string
	From, To              *time.Time
	WorkspaceID           *int64
	// TargetTypes, when not nil, keeps only events about those kinds of
	// target (none when empty): see VisibleTo.
	TargetTypes []string
}

// auditTargetReads are, for each kind of target a reader of the audit log
// may be allowed to see without reading everything, the permission that
// lets them read such targets.
var auditTargetReads = map[string]authz.Permission{
	"user": authz.ReadUsers, "connection": authz.ReadConnections, "role": authz.ReadRoles,
	"organization": authz.ReadOrganizations, "identity_pool": authz.ReadIdentityPools,
}

// VisibleTo narrows f to the events v may see in the tenant's audit log:
// all of them for those who may read the administrators (Read Tenant
// Roles: Tenant Admins and Auditors); for the others (Editor - Users) only
// the events about the kinds of target they may read (user management),
// never administrators' sign-ins or the tenant's settings. A workspace's
// own audit log (WorkspaceID) is not narrowed: its route checks the
// permission in the workspace.
func (f AuditFilter) VisibleTo(v Viewer) AuditFilter {
	if f.WorkspaceID != nil || v.Can(authz.ReadTenantRoles) {
		return f
	}
	types := []string{}
	for t, p := range auditTargetReads {
		if v.Can(p) {
			types = append(types, t)
		}
	}
	sort.Strings(types)
	f.TargetTypes = types
	return f
}

// IsZero reports whether the filter matches every event.
func (f AuditFilter) IsZero() bool {
	return strings.TrimSpace(f.Actor) == "" && strings.TrimSpace(f.Action) == "" &&
		strings.TrimSpace(f.Target) == "" && f.From == nil && f.To == nil && f.WorkspaceID == nil
}

// auditPrefix returns the prefix an action filter stands for, if it is one.
func auditPrefix(action string) (string, bool) {
	switch {
	case strings.HasSuffix(action, ".*"):
		return strings.TrimSuffix(action, "*"), true
	case strings.HasSuffix(action, "."):
		return action, true
	}
	return "", false
}

// auditLikeEscaper escapes LIKE's wildcards (and its escape character).
var auditLikeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// auditScope is the tenant's events matching f. Every condition is a
// column comparison the (tenant_id, id) index can drive in id order.
func (s *Store) auditScope(ctx context.Context, tenantID int64, f AuditFilter) *gorm.DB {
	q := s.DB.WithContext(ctx).Model(&AuditEvent{}).Where("tenant_id = ?", tenantID)
	if actor := strings.ToLower(strings.TrimSpace(f.Actor)); actor != "" {
		q = q.Where("actor_email = ?", actor)
	}
	if action := strings.ToLower(strings.TrimSpace(f.Action)); action != "" {
		if prefix, ok := auditPrefix(action); ok {
			q = q.Where(`action LIKE ? ESCAPE '\'`, auditLikeEscaper.Replace(prefix)+"%")
		} else {
			q = q.Where("action = ?", action)
		}
	}
	if target := strings.TrimSpace(f.Target); target != "" {
		q = q.Where("(target_id = ? OR LOWER(target_label) = ?)", target, strings.ToLower(target))
	}
	if f.From != nil {
		q = q.Where("created_at >= ?", f.From.UTC())
	}
	if f.To != nil {
		q = q.Where("created_at < ?", f.To.UTC())
	}
	if f.WorkspaceID != nil {
		q = q.Where("workspace_id = ?", *f.WorkspaceID)
	}
	return scopeTargetTypes(q, f.TargetTypes)
}

// scopeTargetTypes keeps the events about those kinds of target (nil: all).
func scopeTargetTypes(q *gorm.DB, types []string) *gorm.DB {
	switch {
	case types == nil:
		return q
	case len(types) == 0:
		return q.Where("1 = 0")
	}
	return q.Where("target_type IN ?", types)
}

// ListAudit returns one page of the tenant's audit events matching f,
// newest first, in one query. before is the keyset cursor (0 for the
// newest page: only events with a smaller id are returned); limit is
// bounded to 1..AuditPageMax (AuditPageDefault when 0 or less).
// nextBefore is the cursor of the next (older) page, 0 on the last one.
func (s *Store) ListAudit(ctx context.Context, tenantID int64, f AuditFilter, before int64, limit int) (events []AuditEvent, nextBefore int64, err error) {
	switch {
	case limit <= 0:
		limit = AuditPageDefault
	case limit > AuditPageMax:
		limit = AuditPageMax
	}
	q := s.auditScope(ctx, tenantID, f)
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	if err := q.Order("id DESC").Limit(limit + 1).Find(&events).Error; err != nil {
		return nil, 0, err
	}
	if len(events) > limit {
		events = events[:limit]
		nextBefore = events[limit-1].ID
	}
	return events, nextBefore, nil
}

// ExportAudit calls fn for each of the tenant's audit events matching f,
// newest first, at most max of them (AuditExportMax when max is 0 or less,
// or larger). It reads in keyset batches, so memory stays bounded whatever
// the log's size, and holds no connection while fn runs. Events written
// during the export are not included. An error from fn stops the export
// and is returned.
func (s *Store) ExportAudit(ctx context.Context, tenantID int64, f AuditFilter, max int, fn func(AuditEvent) error) error {
	if max <= 0 || max > AuditExportMax {
		max = AuditExportMax
	}
	var before int64
	for sent := 0; sent < max; {
		n := min(auditExportBatch, max-sent)
		q := s.auditScope(ctx, tenantID, f)
		if before > 0 {
			q = q.Where("id < ?", before)
		}
		var batch []AuditEvent
		if err := q.Order("id DESC").Limit(n).Find(&batch).Error; err != nil {
			return err
		}
		for _, ev := range batch {
			if err := fn(ev); err != nil {
				return err
			}
		}
		sent += len(batch)
		if len(batch) < n {
			return nil
		}
		before = batch[len(batch)-1].ID
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// AuditActions lists the distinct actions of the tenant's audit events, in
// byte order (whatever the database's collation), for the filter's choice
// of actions.
// Only the events about types are looked at (nil: all; see VisibleTo).
func (s *Store) AuditActions(ctx context.Context, tenantID int64, types []string) ([]string, error) {
	if types != nil && len(types) == 0 {
		return nil, nil
	}
	cond, args := "tenant_id = ?", []any{tenantID}
	if types != nil {
		cond, args = cond+" AND target_type IN ?", append(args, types)
	}
	return s.distinctActions(ctx, cond, args)
}

// distinctActions lists the distinct actions of the audit events matching
// cond (on the tenant_id, action, id index's leading column) in byte order:
// by hopping from one action to the next through the index (a recursive
// query taking the smallest action after the last one found), so the cost
// follows the number of actions, not of events (SELECT DISTINCT read every
// event of a tenant of ten million).
func (s *Store) distinctActions(ctx context.Context, cond string, args []any) ([]string, error) {
	var actions []string
	q := "WITH RECURSIVE a(action) AS (SELECT MIN(action) FROM audit_events WHERE " + cond +
		" UNION ALL SELECT (SELECT MIN(action) FROM audit_events WHERE " + cond + " AND action > a.action) FROM a WHERE a.action IS NOT NULL)" +
		" SELECT action FROM a WHERE action IS NOT NULL"
	if err := s.DB.WithContext(ctx).Raw(q, append(append([]any{}, args...), args...)...).Scan(&actions).Error; err != nil {
		return nil, err
	}
	sort.Strings(actions)
	return actions, nil
}

// auditTargetTables are the kinds of audit target the log links to: the
// table that holds them and the column their page's URL names them by.
var auditTargetTables = map[string][2]string{
	"administrator": {"administrators", "id"}, "user": {"users", "id"}, "connection": {"connections", "id"},
	"role": {"end_user_roles", "id"}, "organization": {"organizations", "name"}, "workspace": {"workspaces", "slug"},
}

// AuditTargetKeys tells which of the targets named by ids (target ids by
// kind) still exist in the tenant, with the key their page's URL takes (an
// id, an organization's name, a workspace's slug): one query per kind.
func (s *Store) AuditTargetKeys(ctx context.Context, tenantID int64, ids map[string][]string) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	for kind, list := range ids {
		tbl, ok := auditTargetTables[kind]
		if !ok || len(list) == 0 {
			continue
		}
		var nums []int64
		for _, id := range list {
			if n, err := strconv.ParseInt(id, 10, 64); err == nil {
				nums = append(nums, n)
			}
		}
		if len(nums) == 0 {
			continue
		}
		var rows []struct {
			ID  int64
			Key string
		}
		if err := s.DB.WithContext(ctx).Table(tbl[0]).Select("id, "+tbl[1]+" AS key").
			Where("tenant_id = ? AND id IN ?", tenantID, nums).Scan(&rows).Error; err != nil {
			return nil, err
		}
		out[kind] = map[string]string{}
		for _, r := range rows {
			out[kind][strconv.FormatInt(r.ID, 10)] = r.Key
		}
	}
	return out, nil
}
