package models

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gatehouse/models/authz"

	"gorm.io/gorm"
)

// Authorizer is an enforcement point (a standalone authorizer, or a plugin
// of Istio, Kong or AWS API Gateway) that protects services; it signs in
// with its credential id and a secret shown once at creation.
type Authorizer struct {
	ID           int64 `gorm:"primaryKey"`
	TenantID     int64
	WorkspaceID  int64
	Name         string
	Type         string
	ServiceIDs   string `gorm:"column:service_ids"` // space-separated ids
	CredentialID string
	SecretHash   string
	// SecretCreatedAt is when Rotate secret last set it (nil: at creation).
	SecretCreatedAt *time.Time
	Version         int64
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// AuthorizerTypes are the kinds of authorizer.
var AuthorizerTypes = []string{"standalone", "istio", "kong", "aws_api_gateway"}

// ServiceIDList reads the protected services' ids.
func (a Authorizer) ServiceIDList() []int64 {
	var out []int64
	for _, w := range splitWords(a.ServiceIDs) {
		if id, err := strconv.ParseInt(w, 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out
}

func authorizerTarget(a Authorizer) Target {
	return Target{Type: "authorizer", ID: fmt.Sprint(a.ID), Label: a.Name}
}

// AuthorizerInput is the authorizer form.
type AuthorizerInput struct {
	Name       string
	Type       string
	ServiceIDs []int64
	Version    int64
}

// checkAuthorizer validates the form; the services must be the workspace's.
func checkAuthorizer(f fieldErrors, tx *gorm.DB, tenantID, wsID int64, in *AuthorizerInput) error {
	in.Name, in.Type = strings.TrimSpace(in.Name), strings.TrimSpace(in.Type)
	checkResourceName(f, in.Name)
	if !oneOf(in.Type, AuthorizerTypes...) {
		f.add("type", "Choose a type: standalone, istio, kong or aws_api_gateway.")
	}
	slices.Sort(in.ServiceIDs)
	in.ServiceIDs = slices.Compact(in.ServiceIDs)
	if len(in.ServiceIDs) > 0 {
		var n int64
		if err := tx.Model(&Service{}).Where("tenant_id = ? AND workspace_id = ? AND id IN ?", tenantID, wsID, in.ServiceIDs).Count(&n).Error; err != nil {
			return err
		}
		if n != int64(len(in.ServiceIDs)) {
			f.add("services", "Choose among this workspace's services.")
		}
	}
	return nil
}

func idsString(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, " ")
}

func authorizerIn(tx *gorm.DB, tenantID, wsID, id int64) (Authorizer, error) {
	var a Authorizer
	err := tx.Where("tenant_id = ? AND workspace_id = ? AND id = ?", tenantID, wsID, id).Take(&a).Error
	return a, notFound(err)
}

// ListAuthorizers returns a page of the workspace's authorizers by name.
func (s *Store) ListAuthorizers(ctx context.Context, v Viewer, wsID int64, lq ResourceList) ([]Authorizer, string, error) {
	if err := allowedIn(v, authz.ReadWorkspaceAuthorizers, wsID); err != nil {
		return nil, "", err
	}
	q := s.DB.WithContext(ctx).Where("tenant_id = ? AND workspace_id = ?", v.Tenant.ID, wsID)
	return keysetByName(q, lq, func(a Authorizer) string { return a.Name }, "type")
}

// GetAuthorizer loads one authorizer of the workspace.
func (s *Store) GetAuthorizer(ctx context.Context, v Viewer, wsID, id int64) (Authorizer, error) {
	if err := allowedIn(v, authz.ReadWorkspaceAuthorizers, wsID); err != nil {
		return Authorizer{}, err
	}
	return authorizerIn(s.DB.WithContext(ctx), v.Tenant.ID, wsID, id)
}

// AllServices lists up to 500 of the workspace's services by name (the
// choices of forms).
func (s *Store) AllServices(ctx context.Context, tenantID, wsID int64) ([]Service, error) {
	var out []Service
	err := s.DB.WithContext(ctx).Where("tenant_id = ? AND workspace_id = ?", tenantID, wsID).Order("name").Limit(500).Find(&out).Error
	return out, err
}

// CreateAuthorizer creates an authorizer with generated credentials; the
// secret is returned here only.
func (s *Store) CreateAuthorizer(ctx context.Context, v Viewer, wsID int64, in AuthorizerInput, actor Actor) (Authorizer, string, error) {
	if err := allowedIn(v, authz.ManageWorkspaceAuthorizers, wsID); err != nil {
		return Authorizer{}, "", err
	}
	credID, err := s.newPublicID("az_")
	if err != nil {
		return Authorizer{}, "", err
	}
	raw, hash, err := s.newToken()
	if err != nil {
		return Authorizer{}, "", err
	}
	now := s.now()
	var a Authorizer
	err = s.tx(ctx, func(tx *gorm.DB) error {
		f := fieldErrors{}
		if err := checkAuthorizer(f, tx, v.Tenant.ID, wsID, &in); err != nil {
			return err
		}
		if taken, err := nameTaken(tx, &Authorizer{}, v.Tenant.ID, wsID, 0, in.Name); err != nil {
			return err
		} else if taken {
			f.add("name", "An authorizer named “"+in.Name+"” already exists in this workspace.")
		}
		if err := f.err(); err != nil {
			return err
		}
		a = Authorizer{TenantID: v.Tenant.ID, WorkspaceID: wsID, Name: in.Name, Type: in.Type, ServiceIDs: idsString(in.ServiceIDs),
			CredentialID: credID, SecretHash: hash, SecretCreatedAt: &now, Version: 1, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&a).Error; err != nil {
			return err
		}
		return writeAuditIn(tx, now, v.Tenant.ID, wsID, actor, "authorizer.created", authorizerTarget(a), Changes{
			"name": {After: a.Name}, "type": {After: a.Type}, "services": {After: in.ServiceIDs}, "credential_id": {After: credID},
		})
	})
	if err != nil {
		return Authorizer{}, "", err
	}
	return a, raw, nil
}

// UpdateAuthorizer saves the form (optimistic locking on version).
func (s *Store) UpdateAuthorizer(ctx context.Context, v Viewer, wsID, id int64, in AuthorizerInput, actor Actor) (Authorizer, error) {
	if err := allowedIn(v, authz.ManageWorkspaceAuthorizers, wsID); err != nil {
		return Authorizer{}, err
	}
	var out Authorizer
	err := s.tx(ctx, func(tx *gorm.DB) error {
		cur, err := authorizerIn(tx, v.Tenant.ID, wsID, id)
		if err != nil {
			return err
		}
		f := fieldErrors{}
		if err := checkAuthorizer(f, tx, v.Tenant.ID, wsID, &in); err != nil {
			return err
		}
		if taken, err := nameTaken(tx, &Authorizer{}, v.Tenant.ID, wsID, id, in.Name); err != nil {
			return err
		} else if taken {
			f.add("name", "An authorizer named “"+in.Name+"” already exists in this workspace.")
		}
		if err := f.err(); err != nil {
			return err
		}
		if cur.Version != in.Version {
			return ErrChangedSince
		}
		ch := Changes{}
		diff(ch, "name", cur.Name, in.Name)
		diff(ch, "type", cur.Type, in.Type)
		diff(ch, "services", cur.ServiceIDs, idsString(in.ServiceIDs))
		out = cur
		if len(ch) == 0 {
			return nil
		}
		now := s.now()
		if err := bumpVersion(tx, &Authorizer{}, cur.ID, cur.Version, map[string]any{"name": in.Name, "type": in.Type, "service_ids": idsString(in.ServiceIDs), "updated_at": now}); err != nil {
			return err
		}
		out.Name, out.Type, out.ServiceIDs, out.Version, out.UpdatedAt = in.Name, in.Type, idsString(in.ServiceIDs), cur.Version+1, now
		return writeAuditIn(tx, now, v.Tenant.ID, wsID, actor, "authorizer.updated", authorizerTarget(out), ch)
	})
	if err != nil {
		return Authorizer{}, err
	}
	return out, nil
}

// DeleteAuthorizer deletes an authorizer.
func (s *Store) DeleteAuthorizer(ctx context.Context, v Viewer, wsID, id int64, actor Actor) error {
	if err := allowedIn(v, authz.ManageWorkspaceAuthorizers, wsID); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		a, err := authorizerIn(tx, v.Tenant.ID, wsID, id)
		if err != nil {
			return err
		}
		if err := tx.Delete(&Authorizer{}, a.ID).Error; err != nil {
			return err
		}
		return writeAuditIn(tx, s.now(), v.Tenant.ID, wsID, actor, "authorizer.deleted", authorizerTarget(a), Changes{"name": {Before: a.Name}, "credential_id": {Before: a.CredentialID}})
	})
}

// RotateAuthorizerSecret gives an authorizer a new secret, returned once
// and stored as a hash; the previous one stops working at once (an
// authorizer is one deployment that takes its new secret in one step).
// Audited as authorizer.secret_rotated; the settings' version is kept, so
// a settings form opened before stays valid.
func (s *Store) RotateAuthorizerSecret(ctx context.Context, v Viewer, wsID, id int64, actor Actor) (Authorizer, string, error) {
	if err := allowedIn(v, authz.ManageWorkspaceAuthorizers, wsID); err != nil {
		return Authorizer{}, "", err
	}
	raw, hash, err := s.newToken()
	if err != nil {
		return Authorizer{}, "", err
	}
	var out Authorizer
	err = s.tx(ctx, func(tx *gorm.DB) error {
		a, err := authorizerIn(tx, v.Tenant.ID, wsID, id)
		if err != nil {
			return err
		}
		now := s.now()
		if err := tx.Model(&Authorizer{}).Where("id = ?", a.ID).Updates(map[string]any{"secret_hash": hash, "secret_created_at": now, "updated_at": now}).Error; err != nil {
			return err
		}
		a.SecretHash, a.SecretCreatedAt, a.UpdatedAt = hash, &now, now
		out = a
		return writeAuditIn(tx, now, v.Tenant.ID, wsID, actor, "authorizer.secret_rotated", authorizerTarget(a), Changes{"credential_id": {After: a.CredentialID}})
	})
	if err != nil {
		return Authorizer{}, "", err
	}
	return out, raw, nil
}

// VerifyAuthorizerSecret reports whether secret is the current secret of
// the authorizer with this credential id.
func (s *Store) VerifyAuthorizerSecret(ctx context.Context, credentialID, secret string) (Authorizer, bool, error) {
	var a Authorizer
	if err := s.DB.WithContext(ctx).Where("credential_id = ?", credentialID).Take(&a).Error; err != nil {
		return Authorizer{}, false, notFound(err)
	}
	return a, secretMatches(secret, a.SecretHash), nil
}
