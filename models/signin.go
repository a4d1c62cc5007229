package models

import (
	"context"
	"errors"
	"time"

	"gatehouse/models/authz"
	"gatehouse/models/passwords"

	"gorm.io/gorm"
)

// Authenticate checks an administrator's e-mail and password. Every failure
// (unknown e-mail, wrong password, locked out, not active) is
// ErrBadCredentials and costs the same password hashing, so answers reveal
// nothing. An unknown address, an administrator without a password and a
// locked-out one all take the very path of a wrong password, statement for
// statement: the attempt is reserved and its failure recorded against
// nobody (the audit log shows the failed sign-in with the address typed
// and no administrator), and nothing is checked. Wrong passwords count
// towards the lockout. When the hashing queue is full the error is
// passwords.ErrBusy (nothing is counted).
func (s *Store) Authenticate(ctx context.Context, tenantID int64, email, password string, meta Actor) (Administrator, error) {
	if passwords.Busy() { // no room to check it: turn it away before any other work
		return Administrator{}, passwords.ErrBusy
	}
	if len(password) > passwords.MaxPasswordLength {
		if err := passwords.VerifyDummy(ctx, password); err != nil {
			return Administrator{}, err
		}
		return Administrator{}, ErrBadCredentials
	}
	email = cleanText(email)
	a, err := s.AdministratorByEmail(ctx, tenantID, email)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Administrator{}, err
	}
	found := err == nil
	// With sso_only, only break-glass administrators sign in with a
	// password: the others take the path of an unknown address.
	on, err := s.passwordSignInOn(ctx, tenantID, a.ID)
	if err != nil {
		return Administrator{}, err
	}
	lockedOut := found && on && a.PasswordHash != "" && a.Locked(s.now())
	real := found && on && a.PasswordHash != "" && !lockedOut
	ghost := ghostAdmin(tenantID, email)
	target := ghost
	if real {
		target = a
	}
	sec, err := s.Security(ctx, tenantID)
	if err != nil {
		return Administrator{}, err
	}
	reserved, err := s.reserveAttempt(ctx, target, sec)
	if err != nil {
		return Administrator{}, err
	}
	if real && !reserved { // out of attempts (parallel guesses locked it): as locked
		real, target = false, ghost
	}
	hash := passwords.DummyHash()
	if real {
		hash = a.PasswordHash
	}
	good, err := passwords.Verify(ctx, hash, password)
	if notChecked(err) {
		return Administrator{}, s.giveBack(ctx, target, err)
	}
	if !real || err != nil || !good || a.Status != AdminActive {
		if _, ferr := s.attemptFailed(ctx, target, sec, meta); ferr != nil {
			return Administrator{}, ferr
		}
		if lockedOut {
			s.observer().SignIn(SignInLockedOut)
		} else {
			s.observer().SignIn(SignInFailed)
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

// SignIn is what completing a sign-in stores, all in one transaction with
// its record: the signed-in session (a new id) replacing the pending one,
// and the browser's device.
type SignIn struct {
	Session  Session // the signed-in session's row
	Replaces string  // hashed id of the session it replaces ("" = none)
	// DeviceHash is the SHA-256 of the browser's device id (a long-lived
	// random cookie). A device the administrator has not signed in from
	// before is remembered and, unless it is their first, announced by
	// e-mail.
	DeviceHash string
	// Method is how the administrator proved who they are, audited with the
	// sign-in: "password", "email_code" (each with "+totp" when a TOTP or
	// recovery code followed, or "+passkey" when a passkey did), "passkey",
	// "sso", or "invitation+totp" (enrolment right after accepting).
	Method string
}

// RecordSignIn completes a sign-in as one unit: it stores the signed-in
// session (deleting the one it replaces), stamps the administrator's last
// sign-in, clears their count of failed attempts (every step is passed),
// audits it and, for a device they have not used before, remembers it and
// queues the new-device e-mail. If any of it fails nothing is stored: no
// signed-in session is left. newDevice reports an announced device.
func (s *Store) RecordSignIn(ctx context.Context, a Administrator, in SignIn, meta Actor) (newDevice bool, err error) {
	now := s.now()
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if in.Replaces != "" {
			if err := tx.Where("id = ?", in.Replaces).Delete(&Session{}).Error; err != nil {
				return err
			}
		}
		row := in.Session
		row.AdministratorID, row.TenantID, row.Pending = &a.ID, &a.TenantID, false
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		if err := tx.Model(&Administrator{}).Where("id = ?", a.ID).UpdateColumns(map[string]any{"last_sign_in_at": now, "failed_attempts": 0}).Error; err != nil {
			return err
		}
		meta.AdminID, meta.Email = a.ID, a.Email
		var ch Changes
		if in.Method != "" {
			ch = Changes{"method": {After: in.Method}}
		}
		if err := writeAudit(tx, now, a.TenantID, meta, "administrator.signed_in", adminTarget(a), ch); err != nil {
			return err
		}
		var nerr error
		newDevice, nerr = s.rememberDevice(tx, now, a, in.DeviceHash, meta)
		return nerr
	})
	if err == nil {
		s.observer().SignIn(SignInSucceeded)
	}
	return newDevice && err == nil, err
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
	// Roles resolves the role keys of Grants (built-in ones, and the custom
	// roles they name).
	Roles authz.Directory
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
	// Token is the API token the request authenticated with (nil: a
	// signed-in administrator); Administrator is then the token's creator
	// and Grants the token's roles (see api_tokens.go).
	Token *APIToken
	// until holds, for each grant, when it expires (nil: never); set by
	// LoadViewer. A viewer built without it holds every grant for good.
	until []*time.Time
	// bindings are the bindings behind Grants, position for position.
	bindings []RoleBinding
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
	return v.Roles.NewSet(lasting)
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
		if n, ok := v.Roles.Name(g.Role); ok {
			names = append(names, n)
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
	dir, err := directoryForBindings(s.DB.WithContext(ctx), tenant.ID, bs)
	if err != nil {
		return Viewer{}, err
	}
	return s.finishViewer(ctx, viewerOf(tenant, a, bs, dir))
}

// finishViewer names, for a viewer who sees only some workspaces, those
// workspaces for the navigation (a query only when there are some).
func (s *Store) finishViewer(ctx context.Context, v Viewer) (Viewer, error) {
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
func viewerOf(tenant Tenant, a Administrator, bs []RoleBinding, dir authz.Directory) Viewer {
	v := Viewer{Tenant: tenant, Administrator: a, Roles: dir}
	for _, b := range bs {
		if !grants(tenant, dir, b) {
			continue
		}
		v.Grants = append(v.Grants, b.grant())
		v.until = append(v.until, b.ExpiresAt)
		v.bindings = append(v.bindings, b)
	}
	v.Perms = dir.NewSet(v.Grants)
	return v
}

// grants reports whether an unexpired binding counts at all: its role
// exists in the tenant's directory and the tenant's plan allows it.
func grants(tenant Tenant, dir authz.Directory, b RoleBinding) bool {
	r, ok := dir.Role(authz.RoleKey(b.RoleKey))
	return ok && r.AvailableOn(string(tenant.Plan))
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
	if b.OrganizationID != nil {
		g.OrganizationID = *b.OrganizationID
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
