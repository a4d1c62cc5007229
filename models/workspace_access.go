package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gatehouse/models/authz"

	"gorm.io/gorm"
)

// AccessEntry is one row of a workspace's Manage Access: a workspace role
// binding with its administrator and who granted it.
type AccessEntry struct {
	Binding       RoleBinding
	Administrator Administrator
	GrantedBy     string // the granter's display name, "" when unknown
}

// AccessPage is one page of a workspace's Manage Access, oldest grant first.
type AccessPage struct {
	Items []AccessEntry
	Next  int64 // cursor of the next page (the last binding id), 0 on the last
}

// ListWorkspaceAccess returns a page of the workspace's role bindings
// (expired ones included, so they can be seen and removed) in two queries
// whatever the workspace's size: the bindings (keyset on id) and the
// administrators they name or were granted by.
func (s *Store) ListWorkspaceAccess(ctx context.Context, tenantID, workspaceID, after int64, limit int) (AccessPage, error) {
	if limit <= 0 || limit > MaxPageSize {
		limit = 50
	}
	db := s.DB.WithContext(ctx)
	q := db.Where("tenant_id = ? AND workspace_id = ?", tenantID, workspaceID)
	if after > 0 {
		q = q.Where("id > ?", after)
	}
	var bs []RoleBinding
	if err := q.Order("id").Limit(limit + 1).Find(&bs).Error; err != nil {
		return AccessPage{}, err
	}
	var page AccessPage
	if len(bs) > limit {
		bs = bs[:limit]
		page.Next = bs[len(bs)-1].ID
	}
	if len(bs) == 0 {
		return page, nil
	}
	ids := make([]int64, 0, 2*len(bs))
	for _, b := range bs {
		ids = append(ids, b.AdministratorID)
		if b.GrantedByID != nil {
			ids = append(ids, *b.GrantedByID)
		}
	}
	var admins []Administrator
	if err := db.Select("id", "tenant_id", "email", "given_name", "family_name", "status").
		Where("tenant_id = ? AND id IN ?", tenantID, ids).Find(&admins).Error; err != nil {
		return AccessPage{}, err
	}
	byID := make(map[int64]Administrator, len(admins))
	for _, a := range admins {
		byID[a.ID] = a
	}
	for _, b := range bs {
		e := AccessEntry{Binding: b, Administrator: byID[b.AdministratorID]}
		if b.GrantedByID != nil {
			if g, ok := byID[*b.GrantedByID]; ok {
				e.GrantedBy = g.DisplayName()
			}
		}
		page.Items = append(page.Items, e)
	}
	return page, nil
}

// CountWorkspaceAccess returns how many role bindings (expired included)
// the workspace has: what deleting it removes.
func (s *Store) CountWorkspaceAccess(ctx context.Context, tenantID, workspaceID int64) (int64, error) {
	var n int64
	err := s.DB.WithContext(ctx).Model(&RoleBinding{}).Where("tenant_id = ? AND workspace_id = ?", tenantID, workspaceID).Count(&n).Error
	return n, err
}

// WorkspaceAccessCounts returns how many unexpired Workspace Admin and
// Workspace Auditor bindings the workspace has, in one query.
func (s *Store) WorkspaceAccessCounts(ctx context.Context, tenantID, workspaceID int64) (admins, auditors int64, err error) {
	var rows []struct {
		RoleKey string
		N       int64
	}
	err = s.DB.WithContext(ctx).Model(&RoleBinding{}).Select("role_key, COUNT(*) AS n").
		Where("tenant_id = ? AND workspace_id = ? AND (expires_at IS NULL OR expires_at > ?)", tenantID, workspaceID, s.now()).
		Group("role_key").Scan(&rows).Error
	for _, r := range rows {
		switch authz.RoleKey(r.RoleKey) {
		case authz.WorkspaceAdmin:
			admins = r.N
		case authz.WorkspaceAuditor:
			auditors = r.N
		}
	}
	return admins, auditors, err
}

// WorkspaceRoleChoice is a workspace role as the viewer may (or may not)
// grant it in one workspace.
type WorkspaceRoleChoice struct {
	Role     authz.Role
	Disabled bool
	Reason   string
}

// WorkspaceRoleChoices lists the workspace roles of dir (the built-in
// ones, then the tenant's custom ones) with, for each, whether the viewer
// may grant it in the workspace and why not.
func WorkspaceRoleChoices(v Viewer, dir authz.Directory, workspaceID int64) []WorkspaceRoleChoice {
	var out []WorkspaceRoleChoice
	for _, r := range dir.In(authz.ScopeWorkspace) {
		c := WorkspaceRoleChoice{Role: r}
		if !v.Perms.CoversIn(r, workspaceID) {
			c.Disabled, c.Reason = true, "you can only grant roles whose permissions you hold"
		}
		out = append(out, c)
	}
	return out
}

// GrantInput is Manage Access > Add User.
type GrantInput struct {
	User      string     // the e-mail of an administrator of the tenant
	Role      string     // workspace_admin or workspace_auditor
	ExpiresAt *time.Time // nil: never
}

// GrantWorkspaceRole binds a workspace role to an administrator of the
// tenant in one workspace, in one transaction with its audit event (inside
// the workspace). Tenant Admins and the workspace's Workspace Admins may
// (Manage Workspace Roles in it); nobody grants a tenant role here, nor a
// role whose permissions they do not hold in that workspace.
func (s *Store) GrantWorkspaceRole(ctx context.Context, v Viewer, workspaceID int64, in GrantInput, actor Actor) (Administrator, error) {
	if !v.Perms.CanIn(authz.ManageWorkspaceRoles, workspaceID) {
		if v.CanSeeWorkspace(workspaceID) {
			return Administrator{}, ErrForbidden
		}
		return Administrator{}, ErrNotFound
	}
	now := s.now()
	email, msg := CheckEmail(in.User)
	f := fieldErrors{}
	if msg != "" {
		f.add("user", msg+" Enter the e-mail of an administrator of this tenant.")
	}
	role, ok, err := roleTx(s.DB.WithContext(ctx), v.Tenant.ID, in.Role)
	if err != nil {
		return Administrator{}, err
	}
	if !ok || role.Scope != authz.ScopeWorkspace {
		f.add("role", "Choose a workspace role (Workspace Admin, Workspace Auditor or a custom one). Tenant roles are assigned on the User Profile.")
	}
	if in.ExpiresAt != nil && !in.ExpiresAt.After(now) {
		f.add("expires_at", "The expiry must be in the future.")
	}
	if err := f.err(); err != nil {
		return Administrator{}, err
	}
	if !v.PermsLasting(in.ExpiresAt).CoversIn(role, workspaceID) {
		return Administrator{}, ErrEscalation
	}
	var a Administrator
	err = s.tx(ctx, func(tx *gorm.DB) error {
		w, err := workspaceIn(tx, v.Tenant.ID, workspaceID, "SHARE")
		if err != nil {
			return err
		}
		if w.Kind == WorkspaceKindAdmin {
			return &ValidationError{Fields: map[string]string{"role": adminWorkspaceAccess}}
		}
		if err := tx.Where("tenant_id = ? AND email = ?", v.Tenant.ID, email).Take(&a).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return &ValidationError{Fields: map[string]string{"user": "No administrator of this tenant has the e-mail " + email +
					". Invite them first under Tenant Settings > Administrators."}}
			}
			return err
		}
		var n int64
		if err := tx.Model(&RoleBinding{}).Where("tenant_id = ? AND administrator_id = ? AND role_key = ? AND workspace_id = ? AND (expires_at IS NULL OR expires_at > ?)",
			v.Tenant.ID, a.ID, string(role.Key), w.ID, now).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return &ValidationError{Fields: map[string]string{"user": a.DisplayName() + " already holds " + role.Name + " in this workspace."}}
		}
		by, wid := v.Administrator.ID, w.ID
		b := RoleBinding{TenantID: v.Tenant.ID, AdministratorID: a.ID, RoleKey: string(role.Key), WorkspaceID: &wid,
			ExpiresAt: in.ExpiresAt, GrantedByID: &by, CreatedAt: now}
		if err := tx.Create(&b).Error; err != nil {
			return err
		}
		ch := Changes{"role": {After: role.Key}, "workspace": {After: w.Slug}}
		if in.ExpiresAt != nil {
			ch["expires_at"] = Change{After: in.ExpiresAt.UTC().Format(time.RFC3339)}
		}
		return writeAuditIn(tx, now, v.Tenant.ID, w.ID, actor, "workspace.access_granted", adminTarget(a), ch)
	})
	if err != nil {
		return Administrator{}, err
	}
	return a, nil
}

// RemoveWorkspaceRole deletes one role binding of the workspace, in one
// transaction with its audit event (inside the workspace), and returns the
// administrator who held it. The same people as for granting may.
func (s *Store) RemoveWorkspaceRole(ctx context.Context, v Viewer, workspaceID, bindingID int64, actor Actor) (Administrator, error) {
	if !v.Perms.CanIn(authz.ManageWorkspaceRoles, workspaceID) {
		if v.CanSeeWorkspace(workspaceID) {
			return Administrator{}, ErrForbidden
		}
		return Administrator{}, ErrNotFound
	}
	now := s.now()
	var a Administrator
	err := s.tx(ctx, func(tx *gorm.DB) error {
		w, err := workspaceIn(tx, v.Tenant.ID, workspaceID, "SHARE")
		if err != nil {
			return err
		}
		var b RoleBinding
		if err := tx.Where("tenant_id = ? AND workspace_id = ? AND id = ?", v.Tenant.ID, w.ID, bindingID).Take(&b).Error; err != nil {
			return notFound(err)
		}
		r, ok, err := roleTx(tx, v.Tenant.ID, b.RoleKey)
		if err != nil {
			return err
		}
		if ok && !v.Perms.CoversIn(r, w.ID) {
			return ErrEscalation
		}
		if a, err = adminIn(tx, v.Tenant.ID, b.AdministratorID); err != nil {
			return err
		}
		if err := keepsAWorkspaceAdmin(tx, v, b, now); err != nil {
			return err
		}
		if err := tx.Delete(&b).Error; err != nil {
			return err
		}
		if err := writeAuditIn(tx, now, v.Tenant.ID, w.ID, actor, "workspace.access_removed", adminTarget(a),
			Changes{"role": {Before: b.RoleKey}, "workspace": {Before: w.Slug}}); err != nil {
			return err
		}
		// The invitations they sent that they can no longer back go too.
		_, err = revokeUnbackedInvitationsTx(tx, v.Tenant, a.ID, now, actor)
		return err
	})
	if err != nil {
		return Administrator{}, err
	}
	return a, nil
}

// ErrLastWorkspaceAdmin refuses removing a workspace's last Workspace
// Admin to anyone but a Tenant Admin (who stays able to manage it).
var ErrLastWorkspaceAdmin = errors.New("only a Tenant Admin can remove the last Workspace Admin of a workspace")

// keepsAWorkspaceAdmin returns ErrLastWorkspaceAdmin when removing b would
// leave its workspace without an unexpired Workspace Admin binding of an
// administrator who is not inactive, unless the viewer manages workspace
// roles tenant-wide (a Tenant Admin).
func keepsAWorkspaceAdmin(tx *gorm.DB, v Viewer, b RoleBinding, now time.Time) error {
	if b.RoleKey != string(authz.WorkspaceAdmin) || b.WorkspaceID == nil || !b.Active(now) || v.Can(authz.ManageWorkspaceRoles) {
		return nil
	}
	n, err := otherWorkspaceAdmins(tx, v.Tenant.ID, *b.WorkspaceID, b.ID, now)
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrLastWorkspaceAdmin
	}
	return nil
}

// otherWorkspaceAdmins counts the unexpired Workspace Admin bindings of
// workspace workspaceID, other than binding except, held by administrators
// who are not inactive.
func otherWorkspaceAdmins(tx *gorm.DB, tenantID, workspaceID, except int64, now time.Time) (int64, error) {
	var n int64
	err := tx.Model(&RoleBinding{}).Joins("JOIN administrators ON administrators.id = role_bindings.administrator_id").
		Where("role_bindings.tenant_id = ? AND role_bindings.workspace_id = ? AND role_bindings.role_key = ? AND role_bindings.id <> ?",
			tenantID, workspaceID, string(authz.WorkspaceAdmin), except).
		Where("(role_bindings.expires_at IS NULL OR role_bindings.expires_at > ?) AND administrators.status <> ?", now, AdminInactive).
		Count(&n).Error
	return n, err
}

// RemovalOfOwnRole says what removing the viewer's own binding b means
// before they confirm it: Last is true when it would be refused (the last
// Workspace Admin of its workspace removed by someone not a Tenant Admin,
// or the last permanent Tenant Admin of the tenant).
type RemovalOfOwnRole struct {
	Binding RoleBinding
	Last    bool
}

// OwnRoleRemoval looks at the viewer's own binding id (ErrNotFound when it
// is not theirs) and tells whether its removal would be refused as the last.
func (s *Store) OwnRoleRemoval(ctx context.Context, v Viewer, id int64) (RemovalOfOwnRole, error) {
	var out RemovalOfOwnRole
	db := s.DB.WithContext(ctx)
	if err := db.Where("tenant_id = ? AND administrator_id = ? AND id = ?", v.Tenant.ID, v.Administrator.ID, id).Take(&out.Binding).Error; err != nil {
		return out, notFound(err)
	}
	b, now := out.Binding, s.now()
	switch {
	case b.WorkspaceID != nil:
		out.Last = errors.Is(keepsAWorkspaceAdmin(db, v, b, now), ErrLastWorkspaceAdmin)
	case b.RoleKey == string(authz.TenantAdmin) && b.ExpiresAt == nil && b.OrganizationID == nil:
		n, err := permanentTenantAdmins(db, v.Tenant.ID, 0, b.ID)
		if err != nil {
			return out, err
		}
		out.Last = n == 0
	}
	return out, nil
}

// Candidate is an administrator the Add User picker offers.
type Candidate struct {
	Email  string `json:"email"`
	Name   string `json:"name"`
	Status string `json:"status"`
}

// CandidatesMax is the most administrators one picker search returns;
// viewers who may not read the Administrators list (Read Tenant Roles) get
// at most CandidatesMaxNarrow, and only once they typed CandidatesMinChars
// characters: they find whom they look for without browsing everyone.
const (
	CandidatesMax       = 20
	CandidatesMaxNarrow = 10
	CandidatesMinChars  = 3
)

// WorkspaceCandidates returns the administrators of the tenant (any role,
// any status) whose e-mail or name contains q, by e-mail, in one query over
// the (tenant_id, email, given_name, family_name) index: at most
// CandidatesMax for a viewer who may read the Administrators list, else at
// most CandidatesMaxNarrow and none before CandidatesMinChars characters.
func (s *Store) WorkspaceCandidates(ctx context.Context, v Viewer, q string) ([]Candidate, error) {
	q = strings.ToLower(strings.TrimSpace(q))
	if r := []rune(q); len(r) > 200 {
		q = string(r[:200])
	}
	limit := CandidatesMax
	if !v.Can(authz.ReadTenantRoles) {
		if len([]rune(q)) < CandidatesMinChars {
			return []Candidate{}, nil
		}
		limit = CandidatesMaxNarrow
	}
	db := s.DB.WithContext(ctx).Model(&Administrator{}).Select("email", "given_name", "family_name", "status").Where("tenant_id = ?", v.Tenant.ID)
	if q != "" {
		like := "%" + escapeLike(q) + "%"
		db = db.Where("(email LIKE ? ESCAPE '\\' OR LOWER(given_name || ' ' || family_name) LIKE ? ESCAPE '\\')", like, like)
	}
	var admins []Administrator
	if err := db.Order("email").Limit(limit).Find(&admins).Error; err != nil {
		return nil, err
	}
	out := make([]Candidate, 0, len(admins))
	for _, a := range admins {
		name := strings.TrimSpace(a.GivenName + " " + a.FamilyName)
		out = append(out, Candidate{Email: a.Email, Name: name, Status: string(a.Status)})
	}
	return out, nil
}

// WorkspaceNames returns the tenant's workspaces with the given ids (id,
// name and slug only), by id, in one query: e.g. to name the workspaces of
// a User Profile's bindings.
func (s *Store) WorkspaceNames(ctx context.Context, tenantID int64, ids []int64) (map[int64]Workspace, error) {
	out := map[int64]Workspace{}
	if len(ids) == 0 {
		return out, nil
	}
	var ws []Workspace
	if err := s.DB.WithContext(ctx).Select("id", "tenant_id", "name", "slug").Where("tenant_id = ? AND id IN ?", tenantID, ids).Find(&ws).Error; err != nil {
		return nil, fmt.Errorf("workspace names: %w", err)
	}
	for _, w := range ws {
		out[w.ID] = w
	}
	return out, nil
}
