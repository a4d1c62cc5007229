package models

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"

	"gatehouse/models/authz"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Workspace is a part of a tenant with administrators and auditors of its
// own (Manage Access): a workspace role grants its permissions only inside
// the workspace it is bound to. Its slug names it in URLs; it is unique in
// the tenant and does not change after creation.
type Workspace struct {
	ID          int64  `gorm:"primaryKey"`
	TenantID    int64  `gorm:"not null"`
	Name        string `gorm:"size:100;not null"`
	Slug        string `gorm:"size:63;not null"`
	Description string `gorm:"size:500;not null;default:''"`
	// Kind is "" for a workspace an administrator created, WorkspaceAdmin
	// for the built-in Admin workspace (tenant_flags.go).
	Kind      string `gorm:"size:20;not null;default:''"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Workspace field limits.
const (
	WorkspaceNameMax        = 100
	WorkspaceDescriptionMax = 500
	// NavWorkspaces is how many workspaces the navigation and the
	// workspace switcher list at most; the Workspaces list has the rest.
	NavWorkspaces = 25
)

// reservedWorkspaceSlugs would collide with the workspace URLs themselves.
// "admin" is the built-in Admin workspace's.
var reservedWorkspaceSlugs = map[string]bool{"new": true, AdminWorkspaceSlug: true}

func workspaceTarget(w Workspace) Target {
	return Target{Type: "workspace", ID: fmt.Sprint(w.ID), Label: w.Slug}
}

// WorkspaceBySlug loads a workspace of the tenant by its slug.
func (s *Store) WorkspaceBySlug(ctx context.Context, tenantID int64, slug string) (Workspace, error) {
	slug = strings.ToLower(strings.TrimSpace(slug))
	if !ValidSlug(slug) {
		return Workspace{}, ErrNotFound
	}
	var w Workspace
	err := s.DB.WithContext(ctx).Where("tenant_id = ? AND slug = ?", tenantID, slug).Take(&w).Error
	return w, notFound(err)
}

// workspaceIn loads a workspace of the tenant inside a transaction. lock
// is "" (no lock), "SHARE" or "UPDATE": on PostgreSQL the row is locked so
// that a grant and a deletion of the same workspace never interleave (a
// grant cannot leave a binding to a deleted workspace behind). SQLite
// transactions are serialised already.
func workspaceIn(tx *gorm.DB, tenantID, id int64, lock string) (Workspace, error) {
	q := tx
	if lock != "" && IsPostgres(tx) {
		q = q.Clauses(clause.Locking{Strength: lock})
	}
	var w Workspace
	err := q.Where("tenant_id = ? AND id = ?", tenantID, id).Take(&w).Error
	return w, notFound(err)
}

// CanSeeWorkspace reports whether the viewer may see the workspace at all:
// Get Workspace tenant-wide or through a workspace role bound to it.
func (v Viewer) CanSeeWorkspace(id int64) bool { return v.Perms.CanIn(authz.GetWorkspace, id) }

// visibleWorkspaceIDs returns the ids of the workspaces a viewer without
// Get Workspace tenant-wide may see (those a workspace role lets them get).
func visibleWorkspaceIDs(perms authz.Set) []int64 {
	var ids []int64
	for _, id := range perms.Workspaces() {
		if perms.CanIn(authz.GetWorkspace, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// LoadNavWorkspaces fills v.Workspaces, for the navigation and the
// workspace switcher, in at most one query: the first NavWorkspaces
// workspaces by slug for a viewer holding Get Workspace tenant-wide, else
// those their workspace roles are bound to; nothing (and no query) for a
// viewer who can see none. LoadViewer calls it for viewers who see
// workspaces only through workspace roles (their navigation names them on
// every page); for the others the workspace pages call it, where the
// switcher is offered, so that other pages cost no query for it.
func (s *Store) LoadNavWorkspaces(ctx context.Context, v *Viewer) error {
	q := s.DB.WithContext(ctx).Model(&Workspace{}).Select("id", "tenant_id", "name", "slug").Where("tenant_id = ?", v.Tenant.ID)
	if !v.Perms.Can(authz.GetWorkspace) {
		ids := visibleWorkspaceIDs(v.Perms)
		if len(ids) == 0 {
			return nil
		}
		q = q.Where("id IN ?", ids)
	}
	var ws []Workspace
	if err := q.Order("slug").Limit(NavWorkspaces + 1).Find(&ws).Error; err != nil {
		return err
	}
	v.MoreWorkspaces = len(ws) > NavWorkspaces
	if v.MoreWorkspaces {
		ws = ws[:NavWorkspaces]
	}
	v.Workspaces = ws
	return nil
}

// WorkspaceListQuery selects a page of the Workspaces list.
type WorkspaceListQuery struct {
	Search string // matched against name and slug, case-insensitively
	After  string // keyset cursor: the last slug of the previous page
	Limit  int    // page size, 1..100 (default 25)
}

// WorkspaceListItem is one row of the list: a workspace and how many
// administrators and auditors its Manage Access grants (unexpired).
type WorkspaceListItem struct {
	Workspace Workspace
	Admins    int64
	Auditors  int64
}

// WorkspacePage is one page of workspaces, ordered by slug.
type WorkspacePage struct {
	Items []WorkspaceListItem
	Next  string // cursor of the next page, "" on the last
}

// ListWorkspaces returns a page of the workspaces the viewer may see (all of
// the tenant's for Get Workspace tenant-wide, else those their workspace
// roles are bound to) in two queries whatever the tenant's size: the page
// (keyset on the (tenant_id, slug) index) and its access counts.
func (s *Store) ListWorkspaces(ctx context.Context, v Viewer, q WorkspaceListQuery) (WorkspacePage, error) {
	if q.Limit <= 0 || q.Limit > MaxPageSize {
		q.Limit = 25
	}
	db := s.DB.WithContext(ctx)
	sel := db.Where("tenant_id = ?", v.Tenant.ID)
	if !v.Perms.Can(authz.GetWorkspace) {
		ids := visibleWorkspaceIDs(v.Perms)
		if len(ids) == 0 {
			return WorkspacePage{}, nil
		}
		sel = sel.Where("id IN ?", ids)
	}
	if search := strings.ToLower(strings.TrimSpace(q.Search)); search != "" {
		like := "%" + escapeLike(search) + "%"
		sel = sel.Where("(slug LIKE ? ESCAPE '\\' OR LOWER(name) LIKE ? ESCAPE '\\')", like, like)
	}
	if q.After != "" {
		sel = sel.Where("slug > ?", q.After)
	}
	var ws []Workspace
	if err := sel.Order("slug").Limit(q.Limit + 1).Find(&ws).Error; err != nil {
		return WorkspacePage{}, err
	}
	var page WorkspacePage
	if len(ws) > q.Limit {
		ws = ws[:q.Limit]
		page.Next = ws[len(ws)-1].Slug
	}
	if len(ws) == 0 {
		return page, nil
	}
	ids := make([]int64, len(ws))
	for i, w := range ws {
		ids[i] = w.ID
	}
	var rows []struct {
		WorkspaceID int64
		RoleKey     string
		N           int64
	}
	if err := db.Model(&RoleBinding{}).Select("workspace_id, role_key, COUNT(*) AS n").
		Where("tenant_id = ? AND workspace_id IN ? AND (expires_at IS NULL OR expires_at > ?)", v.Tenant.ID, ids, s.now()).
		Group("workspace_id, role_key").Scan(&rows).Error; err != nil {
		return WorkspacePage{}, err
	}
	type pair struct{ admins, auditors int64 }
	byWS := map[int64]*pair{}
	for _, r := range rows {
		p := byWS[r.WorkspaceID]
		if p == nil {
			p = &pair{}
			byWS[r.WorkspaceID] = p
		}
		switch authz.RoleKey(r.RoleKey) {
		case authz.WorkspaceAdmin:
			p.admins += r.N
		case authz.WorkspaceAuditor:
			p.auditors += r.N
		}
	}
	for _, w := range ws {
		it := WorkspaceListItem{Workspace: w}
		if p := byWS[w.ID]; p != nil {
			it.Admins, it.Auditors = p.admins, p.auditors
		}
		page.Items = append(page.Items, it)
	}
	return page, nil
}

// CountWorkspaces returns how many workspaces the tenant has.
func (s *Store) CountWorkspaces(ctx context.Context, tenantID int64) (int64, error) {
	var n int64
	err := s.DB.WithContext(ctx).Model(&Workspace{}).Where("tenant_id = ?", tenantID).Count(&n).Error
	return n, err
}

// WorkspaceInput is the Create Workspace form and the workspace's settings
// (whose slug is not used: it does not change).
type WorkspaceInput struct {
	Name        string
	Slug        string
	Description string
}

func (in *WorkspaceInput) normalize() {
	in.Name = strings.TrimSpace(in.Name)
	in.Slug = strings.ToLower(strings.TrimSpace(in.Slug))
	in.Description = strings.TrimSpace(strings.ReplaceAll(in.Description, "\r\n", "\n"))
}

func checkWorkspaceFields(f fieldErrors, in WorkspaceInput) {
	switch {
	case in.Name == "":
		f.add("name", "Name is required.")
	case len([]rune(in.Name)) > WorkspaceNameMax:
		f.add("name", fmt.Sprintf("Name must be at most %d characters.", WorkspaceNameMax))
	case strings.IndexFunc(in.Name, unicode.IsControl) >= 0:
		f.add("name", "Name must be on one line, without control characters.")
	}
	if len([]rune(in.Description)) > WorkspaceDescriptionMax {
		f.add("description", fmt.Sprintf("Description must be at most %d characters (it has %d).", WorkspaceDescriptionMax, len([]rune(in.Description))))
	}
}

// SlugFromName suggests a workspace slug for a name: lowercase ASCII
// letters and digits, other runs of characters as one hyphen.
func SlugFromName(name string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			hyphen = false
		case b.Len() > 0 && !hyphen:
			b.WriteByte('-')
			hyphen = true
		}
	}
	s := strings.TrimRight(b.String(), "-")
	if len(s) > 63 {
		s = strings.TrimRight(s[:63], "-")
	}
	return s
}

// CreateWorkspace creates a workspace, in one transaction with its audit
// event. Only holders of Create Workspace (Tenant Admins) may; an empty
// slug is derived from the name.
func (s *Store) CreateWorkspace(ctx context.Context, v Viewer, in WorkspaceInput, actor Actor) (Workspace, error) {
	if !v.Perms.Can(authz.CreateWorkspace) {
		return Workspace{}, ErrForbidden
	}
	in.normalize()
	f := fieldErrors{}
	checkWorkspaceFields(f, in)
	if in.Slug == "" && in.Name != "" {
		in.Slug = SlugFromName(in.Name)
	}
	switch {
	case in.Slug == "" && in.Name == "":
		// the slug would come from the name: the name's error says it all
	case in.Slug == "":
		f.add("slug", "Slug is required: lowercase letters, digits and hyphens, like “marketing-eu”.")
	case !ValidSlug(in.Slug):
		f.add("slug", "Use only lowercase letters, digits and hyphens (not first or last), at most 63 characters, like “marketing-eu”.")
	case reservedWorkspaceSlugs[in.Slug]:
		f.add("slug", "“"+in.Slug+"” is reserved: choose another slug.")
	}
	if err := f.err(); err != nil {
		return Workspace{}, err
	}
	now := s.now()
	w := Workspace{TenantID: v.Tenant.ID, Name: in.Name, Slug: in.Slug, Description: in.Description, CreatedAt: now, UpdatedAt: now}
	taken := &ValidationError{Fields: map[string]string{"slug": "A workspace with the slug “" + in.Slug + "” already exists in this tenant."}}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&Workspace{}).Where("tenant_id = ? AND slug = ?", v.Tenant.ID, in.Slug).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return taken
		}
		if err := tx.Create(&w).Error; err != nil {
			if isUniqueViolation(err) {
				return taken
			}
			return err
		}
		return writeAuditIn(tx, now, v.Tenant.ID, w.ID, actor, "workspace.created", workspaceTarget(w), Changes{
			"name": {After: w.Name}, "slug": {After: w.Slug}, "description": {After: w.Description},
		})
	})
	if err != nil {
		return Workspace{}, err
	}
	return w, nil
}

// UpdateWorkspace changes a workspace's name and description (the slug
// stays). Tenant Admins and that workspace's Workspace Admins may (Update
// Workspace in it). Nothing changed writes nothing.
func (s *Store) UpdateWorkspace(ctx context.Context, v Viewer, id int64, in WorkspaceInput, actor Actor) (Workspace, error) {
	if !v.Perms.CanIn(authz.UpdateWorkspace, id) {
		if v.CanSeeWorkspace(id) {
			return Workspace{}, ErrForbidden
		}
		return Workspace{}, ErrNotFound
	}
	in.normalize()
	f := fieldErrors{}
	checkWorkspaceFields(f, in)
	if err := f.err(); err != nil {
		return Workspace{}, err
	}
	now := s.now()
	var w Workspace
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if w, err = workspaceIn(tx, v.Tenant.ID, id, "UPDATE"); err != nil {
			return err
		}
		ch := Changes{}
		if w.Name != in.Name {
			ch["name"] = Change{Before: w.Name, After: in.Name}
		}
		if w.Description != in.Description {
			ch["description"] = Change{Before: w.Description, After: in.Description}
		}
		if len(ch) == 0 {
			return nil
		}
		if err := tx.Model(&Workspace{}).Where("tenant_id = ? AND id = ?", v.Tenant.ID, w.ID).
			Updates(map[string]any{"name": in.Name, "description": in.Description, "updated_at": now}).Error; err != nil {
			return err
		}
		w.Name, w.Description, w.UpdatedAt = in.Name, in.Description, now
		return writeAuditIn(tx, now, v.Tenant.ID, w.ID, actor, "workspace.updated", workspaceTarget(w), ch)
	})
	if err != nil {
		return Workspace{}, err
	}
	return w, nil
}

// DeleteWorkspace deletes a workspace and every Manage Access binding to it
// in one transaction with its audit event, and returns how many bindings
// went with it. Only holders of Delete Workspace (Tenant Admins) may, and
// confirm must repeat the workspace's slug.
func (s *Store) DeleteWorkspace(ctx context.Context, v Viewer, id int64, confirm string, actor Actor) (int64, error) {
	if !v.Perms.CanIn(authz.DeleteWorkspace, id) {
		if v.CanSeeWorkspace(id) {
			return 0, ErrForbidden
		}
		return 0, ErrNotFound
	}
	now := s.now()
	var removed int64
	err := s.tx(ctx, func(tx *gorm.DB) error {
		w, err := workspaceIn(tx, v.Tenant.ID, id, "UPDATE")
		if err != nil {
			return err
		}
		f := fieldErrors{}
		if w.Kind == WorkspaceKindAdmin {
			return ErrBuiltInWorkspace
		}
		if strings.TrimSpace(confirm) != w.Slug {
			f.add("confirm", "Type the workspace's slug, "+w.Slug+", to confirm.")
		}
		s.needStepUp(v, f)
		if err := f.err(); err != nil {
			return err
		}
		res := tx.Where("tenant_id = ? AND workspace_id = ?", v.Tenant.ID, w.ID).Delete(&RoleBinding{})
		if res.Error != nil {
			return res.Error
		}
		removed = res.RowsAffected
		if err := deleteWorkspaceResources(tx, v.Tenant.ID, w.ID); err != nil {
			return err
		}
		if err := tx.Where("tenant_id = ? AND id = ?", v.Tenant.ID, w.ID).Delete(&Workspace{}).Error; err != nil {
			return err
		}
		return writeAuditIn(tx, now, v.Tenant.ID, w.ID, actor, "workspace.deleted", workspaceTarget(w), Changes{
			"name": {Before: w.Name}, "slug": {Before: w.Slug}, "access_bindings_removed": {After: removed},
		})
	})
	if err != nil {
		return 0, err
	}
	return removed, nil
}

// WorkspaceAuditActions lists the distinct actions of the audit events
// inside one workspace, in byte order, for its audit screen's filter.
func (s *Store) WorkspaceAuditActions(ctx context.Context, tenantID, workspaceID int64) ([]string, error) {
	var actions []string
	if err := s.DB.WithContext(ctx).Model(&AuditEvent{}).Where("tenant_id = ? AND workspace_id = ?", tenantID, workspaceID).
		Distinct("action").Pluck("action", &actions).Error; err != nil {
		return nil, err
	}
	sort.Strings(actions)
	return actions, nil
}
