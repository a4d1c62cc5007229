package models

import (
	"context"
	"time"

	"gatehouse/models/authz"
	"gatehouse/models/passwords"

	"gorm.io/gorm"
)

// Authenticate checks an administrator's e-mail and password. Every failure
// (unknown e-mail, wrong password, locked out, not active) is
// ErrBadCredentials and costs the same password hashing, so answers reveal
// nothing. Wrong passwords count towards the lockout.
func (s *Store) Authenticate(ctx context.Context, tenantID int64, email, password string, meta Actor) (Administrator, error) {
	if len(password) > passwords.MaxPasswordLength {
		passwords.VerifyDummy(password)
		return Administrator{}, ErrBadCredentials
	}
	a, err := s.AdministratorByEmail(ctx, tenantID, email)
	if err == ErrNotFound || (err == nil && a.PasswordHash == "") {
		passwords.VerifyDummy(password)
		s.observer().SignIn(SignInFailed)
		return Administrator{}, ErrBadCredentials
	}
	if err != nil {
		return Administrator{}, err
	}
	sec, err := s.Security(ctx, tenantID)
	if err != nil {
		return Administrator{}, err
	}
	ok, err := s.reserveAttempt(ctx, a, sec)
	if err != nil {
		return Administrator{}, err
	}
	if !ok { // locked out: the same work and the same answer as a wrong password
		passwords.VerifyDummy(password)
		s.observer().SignIn(SignInLockedOut)
		return Administrator{}, ErrBadCredentials
	}
	good, err := passwords.Verify(a.PasswordHash, password)
	if err != nil || !good || a.Status != AdminActive {
		if ferr := s.attemptFailed(ctx, a, sec, meta); ferr != nil {
			return Administrator{}, ferr
		}
		return Administrator{}, ErrBadCredentials
	}
	// The failure count is cleared only once sign-in is complete
	// (RecordSignIn): a right password must not reset the count that wrong
	// TOTP codes after it build up, or whoever knows the password could
	// guess codes forever. Only this attempt's reservation is given back.
	if err := s.attemptPassed(ctx, a); err != nil {
		return Administrator{}, err
	}
	return a, nil
}

// FindForCode looks up the active administrator an e-mailed code would go
// to; ErrNotFound otherwise (the caller answers the same either way).
func (s *Store) FindForCode(ctx context.Context, tenantID int64, email string) (Administrator, error) {
	a, err := s.AdministratorByEmail(ctx, tenantID, email)
	if err != nil {
		return a, err
	}
	if a.Status != AdminActive {
		return Administrator{}, ErrNotFound
	}
	return a, nil
}

// RecordSignIn stamps the administrator's last sign-in, clears their count
// of failed attempts (every step is passed) and audits it.
func (s *Store) RecordSignIn(ctx context.Context, a Administrator, meta Actor) error {
	now := s.now()
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&Administrator{}).Where("id = ?", a.ID).UpdateColumns(map[string]any{"last_sign_in_at": now, "failed_attempts": 0}).Error; err != nil {
			return err
		}
		meta.AdminID, meta.Email = a.ID, a.Email
		return writeAudit(tx, now, a.TenantID, meta, "administrator.signed_in", adminTarget(a), nil)
	})
	if err == nil {
		s.observer().SignIn(SignInSucceeded)
	}
	return err
}

// RecordSignOut audits a sign-out.
func (s *Store) RecordSignOut(ctx context.Context, a Administrator, meta Actor) error {
	meta.AdminID, meta.Email = a.ID, a.Email
	return writeAudit(s.DB.WithContext(ctx), s.now(), a.TenantID, meta, "administrator.signed_out", adminTarget(a), nil)
}

// Viewer is the signed-in administrator of a request with their tenant and
// effective permissions, loaded once per request.
type Viewer struct {
	Tenant        Tenant
	Administrator Administrator
	Grants        []authz.Grant
	Perms         authz.Set
	// Workspaces are the workspaces the navigation and the workspace
	// switcher offer (id, name and slug; at most NavWorkspaces, by slug):
	// those the viewer's workspace roles are bound to, or, for a viewer
	// holding Get Workspace tenant-wide, the tenant's first ones, loaded on
	// workspace pages only (LoadNavWorkspaces). MoreWorkspaces says the list
	// was cut short.
	Workspaces     []Workspace
	MoreWorkspaces bool
	// SteppedUpAt is when the viewer last confirmed who they are for a
	// sensitive action (zero: not in this session); see StepUp.
	SteppedUpAt time.Time
	// until holds, for each grant, when it expires (nil: never); set by
	// LoadViewer. A viewer built without it holds every grant for good.
	until []*time.Time
}

// PermsLasting is what the viewer holds for the whole of a grant that
// lasts until until (nil: for good): only their grants that last at least
// as long count. Whoever holds a role until tomorrow cannot hand out a
// permanent one, not even to themselves.
func (v Viewer) PermsLasting(until *time.Time) authz.Set {
	if len(v.until) != len(v.Grants) {
		return v.Perms
	}
	temporary := false
	for _, u := range v.until {
		temporary = temporary || u != nil
	}
	if !temporary {
		return v.Perms
	}
	var lasting []authz.Grant
	for i, g := range v.Grants {
		if u := v.until[i]; u == nil || (until != nil && !u.Before(*until)) {
			lasting = append(lasting, g)
		}
	}
	return authz.NewSet(lasting)
}

// RoleNames lists the names of the viewer's roles, tenant-wide first.
func (v Viewer) RoleNames() []string {
	var names []string
	seen := map[authz.RoleKey]bool{}
	for _, g := range v.Grants {
		if seen[g.Role] {
			continue
		}
		seen[g.Role] = true
		if r, ok := authz.RoleByKey(g.Role); ok {
			names = append(names, r.Name)
		}
	}
	return names
}

// Can reports whether the viewer holds p tenant-wide.
func (v Viewer) Can(p authz.Permission) bool { return v.Perms.Can(p) }

// LoadViewer loads an active administrator of the tenant and their
// unexpired grants; ErrNotFound when the administrator is gone or not active.
func (s *Store) LoadViewer(ctx context.Context, tenant Tenant, adminID int64) (Viewer, error) {
	a, err := s.AdministratorByID(ctx, tenant.ID, adminID)
	if err != nil {
		return Viewer{}, err
	}
	if a.Status != AdminActive {
		return Viewer{}, ErrNotFound
	}
	bs, err := s.bindingsOf(ctx, tenant.ID, adminID)
	if err != nil {
		return Viewer{}, err
	}
	v := viewerOf(tenant, a, bs)
	if !v.Perms.Can(authz.GetWorkspace) { // those who see only some workspaces find them named in the navigation
		if err := s.LoadNavWorkspaces(ctx, &v); err != nil {
			return Viewer{}, err
		}
	}
	return v, nil
}

// viewerOf is the viewer an administrator is with these unexpired
// bindings: a role the tenant's plan does not allow grants nothing, however
// the binding came to be (a plan downgrade, a seed, an edit).
func viewerOf(tenant Tenant, a Administrator, bs []RoleBinding) Viewer {
	v := Viewer{Tenant: tenant, Administrator: a}
	for _, b := range bs {
		if r, ok := authz.RoleByKey(authz.RoleKey(b.RoleKey)); !ok || !r.AvailableOn(string(tenant.Plan)) {
			continue
		}
		v.Grants = append(v.Grants, b.grant())
		v.until = append(v.until, b.ExpiresAt)
	}
	v.Perms = authz.NewSet(v.Grants)
	return v
}

// bindingsOf returns the administrator's unexpired role bindings in one query.
func (s *Store) bindingsOf(ctx context.Context, tenantID, adminID int64) ([]RoleBinding, error) {
	var bs []RoleBinding
	err := s.DB.WithContext(ctx).
		Where("tenant_id = ? AND administrator_id = ? AND (expires_at IS NULL OR expires_at > ?)", tenantID, adminID, s.now()).
		Find(&bs).Error
	return bs, err
}

func (b RoleBinding) grant() authz.Grant {
	g := authz.Grant{Role: authz.RoleKey(b.RoleKey)}
	if b.WorkspaceID != nil {
		g.WorkspaceID = *b.WorkspaceID
	}
	return g
}

// GrantsOf returns the administrator's unexpired grants in one query.
func (s *Store) GrantsOf(ctx context.Context, tenantID, adminID int64) ([]authz.Grant, error) {
	bs, err := s.bindingsOf(ctx, tenantID, adminID)
	if err != nil {
		return nil, err
	}
	out := make([]authz.Grant, 0, len(bs))
	for _, b := range bs {
		out = append(out, b.grant())
	}
	return out, nil
}
