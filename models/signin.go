package models

import (
	"context"

	"gatehouse/models/authz"
	"gatehouse/models/passwords"

	"gorm.io/gorm"
)

// Authenticate checks an administrator's e-mail and password. Every failure
// (unknown e-mail, wrong password, not active) is ErrBadCredentials and
// costs the same password hashing, so answers reveal nothing.
func (s *Store) Authenticate(ctx context.Context, tenantID int64, email, password string) (Administrator, error) {
	if len(password) > passwords.MaxPasswordLength {
		passwords.VerifyDummy(password)
		return Administrator{}, ErrBadCredentials
	}
	a, err := s.AdministratorByEmail(ctx, tenantID, email)
	if err == ErrNotFound || (err == nil && a.PasswordHash == "") {
		passwords.VerifyDummy(password)
		return Administrator{}, ErrBadCredentials
	}
	if err != nil {
		return Administrator{}, err
	}
	ok, err := passwords.Verify(a.PasswordHash, password)
	if err != nil || !ok || a.Status != AdminActive {
		return Administrator{}, ErrBadCredentials
	}
	return a, nil
}

// RecordSignIn stamps the administrator's last sign-in and audits it.
func (s *Store) RecordSignIn(ctx context.Context, a Administrator, meta Actor) error {
	now := s.now()
	return s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&Administrator{}).Where("id = ?", a.ID).Update("last_sign_in_at", now).Error; err != nil {
			return err
		}
		meta.AdminID, meta.Email = a.ID, a.Email
		return writeAudit(tx, now, a.TenantID, meta, "administrator.signed_in", adminTarget(a), nil)
	})
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
	grants, err := s.GrantsOf(ctx, tenant.ID, adminID)
	if err != nil {
		return Viewer{}, err
	}
	return Viewer{Tenant: tenant, Administrator: a, Grants: grants, Perms: authz.NewSet(grants)}, nil
}

// GrantsOf returns the administrator's unexpired grants in one query.
func (s *Store) GrantsOf(ctx context.Context, tenantID, adminID int64) ([]authz.Grant, error) {
	var bs []RoleBinding
	err := s.DB.WithContext(ctx).
		Where("tenant_id = ? AND administrator_id = ? AND (expires_at IS NULL OR expires_at > ?)", tenantID, adminID, s.now()).
		Find(&bs).Error
	if err != nil {
		return nil, err
	}
	out := make([]authz.Grant, 0, len(bs))
	for _, b := range bs {
		g := authz.Grant{Role: authz.RoleKey(b.RoleKey)}
		if b.WorkspaceID != nil {
			g.WorkspaceID = *b.WorkspaceID
		}
		out = append(out, g)
	}
	return out, nil
}
