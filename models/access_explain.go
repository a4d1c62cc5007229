package models

import (
	"context"
	"errors"

	"gatehouse/models/authz"

	"gorm.io/gorm"
)

// The access explainer answers "can this administrator do that, and why"
// (Check access on the User Profile) and "who can do that" (Who can). Both
// ask the decision function that guards every route, authz.Can, over the
// Set built exactly as for a request (viewerOf: unexpired bindings, roles
// the plan allows); "why" is each binding that, on its own, makes Can true
// (authz.Directory.Explain).

// AccessQuery is a permission, at the tenant level, in one workspace or in
// one Organization.
type AccessQuery struct {
	Permission   authz.Permission
	Workspace    string // a workspace slug; "" asks at the tenant level
	Organization string // an Organization's name (organization permissions)
}

// AccessScope is a checked AccessQuery.
type AccessScope struct {
	Action       authz.Action
	Workspace    *Workspace    // nil: the tenant level
	Organization *Organization // nil: not inside an Organization
}

// OrgID is the Organization's id, 0 when the question is not about one.
func (a AccessScope) OrgID() int64 {
	if a.Organization == nil {
		return 0
	}
	return a.Organization.ID
}

// can is the decision function of the route guards for this scope.
func (a AccessScope) can(s authz.Set) bool {
	return authz.CanAt(s, a.Action.Permission, a.ID(), a.OrgID())
}

// ID is the workspace's id, 0 for the tenant level.
func (a AccessScope) ID() int64 {
	if a.Workspace == nil {
		return 0
	}
	return a.Workspace.ID
}

// ResolveAccessQuery checks a query: the permission must be in the catalog
// and the workspace one of the tenant's; a workspace is only meaningful
// for a workspace permission (it is ignored for the others).
func (s *Store) ResolveAccessQuery(ctx context.Context, tenantID int64, q AccessQuery) (AccessScope, error) {
	f := fieldErrors{}
	a, ok := authz.Lookup(q.Permission)
	if !ok || q.Permission == authz.SignedIn {
		f.add("permission", "Choose a permission from the catalog.")
		return AccessScope{}, f.err()
	}
	out := AccessScope{Action: a}
	if q.Organization != "" && a.Organization {
		o, err := s.OrganizationByName(ctx, tenantID, q.Organization)
		if errors.Is(err, ErrNotFound) {
			f.add("organization", "No organization of this tenant has the name "+q.Organization+".")
			return AccessScope{}, f.err()
		}
		if err != nil {
			return AccessScope{}, err
		}
		out.Organization = &o
		return out, nil
	}
	if q.Workspace == "" || !a.Workspace {
		return out, nil
	}
	w, err := s.WorkspaceBySlug(ctx, tenantID, q.Workspace)
	if errors.Is(err, ErrNotFound) {
		f.add("workspace", "No workspace of this tenant has the slug "+q.Workspace+".")
		return AccessScope{}, f.err()
	}
	if err != nil {
		return AccessScope{}, err
	}
	out.Workspace = &w
	return out, nil
}

// AccessReason is one binding that grants the permission: the "why".
type AccessReason struct {
	Binding      RoleBinding
	Role         authz.Role
	Workspace    string // the bound workspace's name, "" for a tenant-wide binding
	Organization string // the bound Organization's name (an organization role)
	GrantedBy    string // display name, "" when unknown
}

// AccessAnswer is Check access's answer.
type AccessAnswer struct {
	Allowed  bool
	Inactive bool           // the administrator is not active: they hold nothing
	Reasons  []AccessReason // with Allowed: every binding that grants it
	Would    []authz.Role   // without: the roles that would grant it
}

// CheckAccess answers whether the administrator may exercise the
// permission in scope now, and why (or which roles would let them).
func (s *Store) CheckAccess(ctx context.Context, tenant Tenant, adminID int64, scope AccessScope) (AccessAnswer, error) {
	db := s.DB.WithContext(ctx)
	a, err := adminIn(db, tenant.ID, adminID)
	if err != nil {
		return AccessAnswer{}, err
	}
	full, err := s.RoleDirectory(ctx, tenant.ID)
	if err != nil {
		return AccessAnswer{}, err
	}
	var ans AccessAnswer
	if a.Status != AdminActive {
		ans.Inactive = true
	} else {
		bs, err := s.bindingsOf(ctx, tenant.ID, a.ID)
		if err != nil {
			return AccessAnswer{}, err
		}
		v := viewerOf(tenant, a, bs, full)
		ans.Allowed = scope.can(v.Perms)
		for _, i := range full.ExplainAt(v.Grants, scope.Action.Permission, scope.ID(), scope.OrgID()) {
			b := v.bindings[i]
			r, _ := full.Role(authz.RoleKey(b.RoleKey))
			ans.Reasons = append(ans.Reasons, AccessReason{Binding: b, Role: r})
		}
		if err := s.nameReasons(db, tenant.ID, ans.Reasons); err != nil {
			return AccessAnswer{}, err
		}
	}
	if !ans.Allowed {
		for _, r := range full.GrantingAt(scope.Action.Permission, scope.ID(), scope.OrgID()) {
			if r.AvailableOn(string(tenant.Plan)) {
				ans.Would = append(ans.Would, r)
			}
		}
	}
	return ans, nil
}

// nameReasons fills in the granters' and workspaces' names (two queries).
func (s *Store) nameReasons(db *gorm.DB, tenantID int64, rs []AccessReason) error {
	var admins, wss, orgs []int64
	for _, r := range rs {
		if r.Binding.GrantedByID != nil {
			admins = append(admins, *r.Binding.GrantedByID)
		}
		if r.Binding.OrganizationID != nil {
			orgs = append(orgs, *r.Binding.OrganizationID)
		}
		if r.Binding.WorkspaceID != nil {
			wss = append(wss, *r.Binding.WorkspaceID)
		}
	}
	names := map[int64]string{}
	if len(admins) > 0 {
		var as []Administrator
		if err := db.Select("id", "email", "given_name", "family_name").Where("tenant_id = ? AND id IN ?", tenantID, admins).Find(&as).Error; err != nil {
			return err
		}
		for _, a := range as {
			names[a.ID] = a.DisplayName()
		}
	}
	ws := map[int64]string{}
	if len(wss) > 0 {
		var w []Workspace
		if err := db.Select("id", "name").Where("tenant_id = ? AND id IN ?", tenantID, wss).Find(&w).Error; err != nil {
			return err
		}
		for _, x := range w {
			ws[x.ID] = x.Name
		}
	}
	orgNames := map[int64]string{}
	if len(orgs) > 0 {
		var o []Organization
		if err := db.Select("id", "name").Where("tenant_id = ? AND id IN ?", tenantID, orgs).Find(&o).Error; err != nil {
			return err
		}
		for _, x := range o {
			orgNames[x.ID] = x.Name
		}
	}
	for i := range rs {
		if b := rs[i].Binding; b.OrganizationID != nil {
			rs[i].Organization = orgNames[*b.OrganizationID]
		}
		if b := rs[i].Binding; b.GrantedByID != nil {
			rs[i].GrantedBy = names[*b.GrantedByID]
		}
		if b := rs[i].Binding; b.WorkspaceID != nil {
			rs[i].Workspace = ws[*b.WorkspaceID]
		}
	}
	return nil
}

// WhoCanRow is one row of Who can: an administrator and the binding that
// grants them the permission.
type WhoCanRow struct {
	Administrator Administrator
	AccessReason
}

// WhoCanPage is one page of Who can, by binding id.
type WhoCanPage struct {
	Rows []WhoCanRow
	Next int64 // the cursor of the next page (a binding id), 0 on the last
}

// WhoCan lists, a keyset page at a time, every unexpired binding of an
// active administrator that grants the permission in scope, by binding id.
// The bindings are found by the roles that grant it and each one is
// checked with the decision function itself.
func (s *Store) WhoCan(ctx context.Context, tenant Tenant, scope AccessScope, after int64, limit int) (WhoCanPage, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	db := s.DB.WithContext(ctx)
	full, err := s.RoleDirectory(ctx, tenant.ID)
	if err != nil {
		return WhoCanPage{}, err
	}
	var tenantKeys, wsKeys, orgKeys []string
	for _, r := range full.GrantingAt(scope.Action.Permission, scope.ID(), scope.OrgID()) {
		if !r.AvailableOn(string(tenant.Plan)) {
			continue
		}
		switch r.Scope {
		case authz.ScopeWorkspace:
			wsKeys = append(wsKeys, string(r.Key))
		case authz.ScopeOrganization:
			orgKeys = append(orgKeys, string(r.Key))
		default:
			tenantKeys = append(tenantKeys, string(r.Key))
		}
	}
	var page WhoCanPage
	if len(tenantKeys)+len(wsKeys)+len(orgKeys) == 0 {
		return page, nil
	}
	q := db.Model(&RoleBinding{}).Select("role_bindings.*").
		Joins("JOIN administrators ON administrators.id = role_bindings.administrator_id AND administrators.status = ?", AdminActive).
		Where("role_bindings.tenant_id = ? AND role_bindings.id > ? AND (role_bindings.expires_at IS NULL OR role_bindings.expires_at > ?)", tenant.ID, after, s.now())
	switch {
	case len(orgKeys) > 0 && len(tenantKeys) > 0:
		q = q.Where("((role_bindings.role_key IN ? AND role_bindings.workspace_id IS NULL AND role_bindings.organization_id IS NULL) OR (role_bindings.role_key IN ? AND role_bindings.organization_id = ?))",
			tenantKeys, orgKeys, scope.OrgID())
	case len(orgKeys) > 0:
		q = q.Where("role_bindings.role_key IN ? AND role_bindings.organization_id = ?", orgKeys, scope.OrgID())
	case len(wsKeys) == 0:
		q = q.Where("role_bindings.role_key IN ? AND role_bindings.workspace_id IS NULL", tenantKeys)
	case len(tenantKeys) == 0:
		q = q.Where("role_bindings.role_key IN ? AND role_bindings.workspace_id = ?", wsKeys, scope.ID())
	default:
		q = q.Where("((role_bindings.role_key IN ? AND role_bindings.workspace_id IS NULL) OR (role_bindings.role_key IN ? AND role_bindings.workspace_id = ?))",
			tenantKeys, wsKeys, scope.ID())
	}
	var bs []RoleBinding
	if err := q.Order("role_bindings.id").Limit(limit + 1).Find(&bs).Error; err != nil {
		return WhoCanPage{}, err
	}
	if len(bs) > limit {
		bs = bs[:limit]
		page.Next = bs[len(bs)-1].ID
	}
	var reasons []AccessReason
	for _, b := range bs {
		if !scope.can(full.NewSet([]authz.Grant{b.grant()})) {
			continue // cannot happen: the query found it by a role that grants
		}
		r, _ := full.Role(authz.RoleKey(b.RoleKey))
		reasons = append(reasons, AccessReason{Binding: b, Role: r})
	}
	if err := s.nameReasons(db, tenant.ID, reasons); err != nil {
		return WhoCanPage{}, err
	}
	ids := make([]int64, 0, len(reasons))
	for _, r := range reasons {
		ids = append(ids, r.Binding.AdministratorID)
	}
	byID := map[int64]Administrator{}
	if len(ids) > 0 {
		var as []Administrator
		if err := db.Where("tenant_id = ? AND id IN ?", tenant.ID, ids).Find(&as).Error; err != nil {
			return WhoCanPage{}, err
		}
		for _, a := range as {
			byID[a.ID] = a
		}
	}
	for _, r := range reasons {
		page.Rows = append(page.Rows, WhoCanRow{Administrator: byID[r.Binding.AdministratorID], AccessReason: r})
	}
	return page, nil
}

// WhoCanToken is one API token of Who can: the token, the roles that grant
// it the permission there, and its creator (whose authority backs it).
type WhoCanToken struct {
	Token     APIToken
	Roles     []authz.Role
	CreatedBy Administrator
}

// MaxWhoCanTokens bounds how many of a tenant's live tokens Who can reads.
const MaxWhoCanTokens = 1000

// WhoCanTokens lists the tenant's live API tokens that may exercise the
// permission in scope now, by id: each token's Viewer is built exactly as
// for an API request (tokenViewerWith: its roles its creator still backs) and
// asked with the route guards' decision function; its reasons are the roles
// that, each on its own, grant it.
func (s *Store) WhoCanTokens(ctx context.Context, tenant Tenant, scope AccessScope) ([]WhoCanToken, error) {
	db := s.DB.WithContext(ctx)
	now := s.now()
	var toks []APIToken
	if err := db.Where("tenant_id = ? AND revoked_at IS NULL AND expires_at > ?", tenant.ID, now).Order("id").Limit(MaxWhoCanTokens).Find(&toks).Error; err != nil {
		return nil, err
	}
	// Their creators, the creators' live bindings and every custom role
	// named, in three queries whatever the number of tokens; then each
	// token's Viewer as an API request builds it.
	ids := make([]int64, 0, len(toks))
	seen := map[int64]bool{}
	keys := []RoleBinding{}
	for _, tok := range toks {
		if !seen[tok.CreatedByID] {
			seen[tok.CreatedByID] = true
			ids = append(ids, tok.CreatedByID)
		}
		for _, k := range tok.RoleKeys() {
			keys = append(keys, RoleBinding{RoleKey: k})
		}
	}
	creators := map[int64]Administrator{}
	bindings := map[int64][]RoleBinding{}
	if len(ids) > 0 {
		var admins []Administrator
		if err := db.Select("id", "tenant_id", "pool_id", "email", "given_name", "family_name", "status", "created_at", "updated_at").
			Where("tenant_id = ? AND id IN ?", tenant.ID, ids).Find(&admins).Error; err != nil {
			return nil, err
		}
		for _, a := range admins {
			creators[a.ID] = a
		}
		var bs []RoleBinding
		if err := db.Where("tenant_id = ? AND administrator_id IN ? AND (expires_at IS NULL OR expires_at > ?)", tenant.ID, ids, now).
			Order("id").Find(&bs).Error; err != nil {
			return nil, err
		}
		for _, b := range bs {
			bindings[b.AdministratorID] = append(bindings[b.AdministratorID], b)
			keys = append(keys, b)
		}
	}
	dir, err := directoryForBindings(db, tenant.ID, keys)
	if err != nil {
		return nil, err
	}
	var out []WhoCanToken
	for _, tok := range toks {
		a, ok := creators[tok.CreatedByID]
		if !ok || a.Status != AdminActive {
			continue // its creator is gone or not active: it grants nothing
		}
		v := tokenViewerWith(tenant, tok, viewerOf(tenant, a, bindings[a.ID], dir), dir)
		if !scope.can(v.Perms) {
			continue
		}
		row := WhoCanToken{Token: tok, CreatedBy: v.Administrator}
		for _, i := range dir.ExplainAt(v.Grants, scope.Action.Permission, scope.ID(), scope.OrgID()) {
			if r, ok := dir.Role(v.Grants[i].Role); ok {
				row.Roles = append(row.Roles, r)
			}
		}
		out = append(out, row)
	}
	return out, nil
}
