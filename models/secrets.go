package models

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"gatehouse/models/authz"

	"gorm.io/gorm"
)

// Secret is a named value of a workspace that its extension scripts read as
// secrets.NAME. The value is sealed at rest with AES-256-GCM under a key
// derived from the store's secret key (GATEHOUSE_SECRET_KEY) and is never
// shown again once saved; an update replaces it. LastUsedAt is the last run
// of a script that names the secret.
type Secret struct {
	ID          int64 `gorm:"primaryKey"`
	TenantID    int64
	WorkspaceID int64
	Name        string
	ValueSealed []byte
	Version     int64
	LastUsedAt  *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Secret limits.
const (
	SecretNameMax  = 64
	SecretValueMax = 4096
	// SecretsPerWorkspaceMax bounds what a script is given (the sandbox
	// takes at most 256 KiB of secrets).
	SecretsPerWorkspaceMax = 50
)

var secretNameRE = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)

func secretTarget(x Secret) Target {
	return Target{Type: "secret", ID: fmt.Sprint(x.ID), Label: x.Name}
}

// purposeKey derives a 32-byte key for one purpose from the store's secret
// key, as NewStore derives the single sign-on key.
func (s *Store) purposeKey(purpose string) ([]byte, error) {
	return hkdf.Key(sha256.New, s.TOTPKey, nil, "gatehouse/"+purpose, 32)
}

func (s *Store) sealPurpose(purpose, plain string) ([]byte, error) {
	key, err := s.purposeKey(purpose)
	if err != nil {
		return nil, err
	}
	return s.sealWith(key, []byte(plain))
}

func (s *Store) openPurpose(purpose string, sealed []byte) (string, error) {
	key, err := s.purposeKey(purpose)
	if err != nil {
		return "", err
	}
	b, err := s.openWith(key, sealed)
	return string(b), err
}

const (
	purposeWorkspaceSecrets = "workspace-secrets"
	purposeWebhookSecrets   = "webhook-secrets"
	purposeIDPClientSecrets = "workspace-idp-client-secrets"
)

// SecretInput is the secret form. Name is fixed once created (scripts name
// it); Value replaces the stored one.
type SecretInput struct {
	Name    string
	Value   string
	Version int64
}

func checkSecretName(f fieldErrors, name string) {
	switch {
	case name == "":
		f.add("name", "Name is required, like STRIPE_API_KEY.")
	case len(name) > SecretNameMax:
		f.add("name", fmt.Sprintf("Name must be at most %d characters.", SecretNameMax))
	case !secretNameRE.MatchString(name):
		f.add("name", "Name must be an upper-case identifier: A–Z, digits and _, starting with a letter (like STRIPE_API_KEY).")
	}
}

func checkSecretValue(f fieldErrors, value string) {
	switch {
	case value == "":
		f.add("value", "Value is required.")
	case !utf8.ValidString(value) || strings.ContainsRune(value, 0):
		f.add("value", "Value must be text.")
	case len(value) > SecretValueMax:
		f.add("value", fmt.Sprintf("Value must be at most %d bytes.", SecretValueMax))
	}
}

func secretIn(tx *gorm.DB, tenantID, wsID, id int64) (Secret, error) {
	var x Secret
	err := tx.Where("tenant_id = ? AND workspace_id = ? AND id = ?", tenantID, wsID, id).Take(&x).Error
	return x, notFound(err)
}

// SecretByID loads a secret of a workspace for the route loader.
func (s *Store) SecretByID(ctx context.Context, tenantID, wsID, id int64) (Secret, error) {
	return secretIn(s.DB.WithContext(ctx), tenantID, wsID, id)
}

// SecretByName loads a secret of a workspace by its name (the management
// API's paths name secrets: names start with a letter, ids are digits).
func (s *Store) SecretByName(ctx context.Context, tenantID, wsID int64, name string) (Secret, error) {
	var x Secret
	err := s.DB.WithContext(ctx).Where("tenant_id = ? AND workspace_id = ? AND name = ?", tenantID, wsID, name).Take(&x).Error
	return x, notFound(err)
}

// ListSecrets returns a page of the workspace's secrets by name (values
// are not read).
func (s *Store) ListSecrets(ctx context.Context, v Viewer, wsID int64, lq ResourceList) ([]Secret, string, error) {
	if err := allowedIn(v, authz.ReadSecrets, wsID); err != nil {
		return nil, "", err
	}
	q := s.DB.WithContext(ctx).Omit("value_sealed").Where("tenant_id = ? AND workspace_id = ?", v.Tenant.ID, wsID)
	return keysetByName(q, lq, func(x Secret) string { return x.Name })
}

// CreateSecret stores a secret, sealed.
func (s *Store) CreateSecret(ctx context.Context, v Viewer, wsID int64, in SecretInput, actor Actor) (Secret, error) {
	if err := allowedIn(v, authz.ManageSecrets, wsID); err != nil {
		return Secret{}, err
	}
	in.Name = strings.TrimSpace(in.Name)
	f := fieldErrors{}
	checkSecretName(f, in.Name)
	checkSecretValue(f, in.Value)
	if err := f.err(); err != nil {
		return Secret{}, err
	}
	sealed, err := s.sealPurpose(purposeWorkspaceSecrets, in.Value)
	if err != nil {
		return Secret{}, err
	}
	now := s.now()
	x := Secret{TenantID: v.Tenant.ID, WorkspaceID: wsID, Name: in.Name, ValueSealed: sealed, Version: 1, CreatedAt: now, UpdatedAt: now}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		x.ID = 0
		if taken, err := nameTaken(tx, &Secret{}, v.Tenant.ID, wsID, 0, in.Name); err != nil {
			return err
		} else if taken {
			return &ValidationError{Fields: map[string]string{"name": "A secret named " + in.Name + " already exists in this workspace: open it to replace its value."}}
		}
		var n int64
		if err := tx.Model(&Secret{}).Where("tenant_id = ? AND workspace_id = ?", v.Tenant.ID, wsID).Count(&n).Error; err != nil {
			return err
		}
		if n >= SecretsPerWorkspaceMax {
			return &ValidationError{Fields: map[string]string{"name": fmt.Sprintf("A workspace has at most %d secrets.", SecretsPerWorkspaceMax)}}
		}
		if err := tx.Create(&x).Error; err != nil {
			return err
		}
		// The value never goes into the audit log.
		return writeAuditIn(tx, now, v.Tenant.ID, wsID, actor, "secret.created", secretTarget(x), Changes{"name": {After: x.Name}, "value": {After: "set"}})
	})
	if err != nil {
		return Secret{}, err
	}
	return x, nil
}

// UpdateSecret replaces a secret's value (optimistic locking on version).
func (s *Store) UpdateSecret(ctx context.Context, v Viewer, wsID, id int64, in SecretInput, actor Actor) (Secret, error) {
	if err := allowedIn(v, authz.ManageSecrets, wsID); err != nil {
		return Secret{}, err
	}
	f := fieldErrors{}
	checkSecretValue(f, in.Value)
	if err := f.err(); err != nil {
		return Secret{}, err
	}
	sealed, err := s.sealPurpose(purposeWorkspaceSecrets, in.Value)
	if err != nil {
		return Secret{}, err
	}
	var out Secret
	err = s.tx(ctx, func(tx *gorm.DB) error {
		cur, err := secretIn(tx, v.Tenant.ID, wsID, id)
		if err != nil {
			return err
		}
		if cur.Version != in.Version {
			return ErrChangedSince
		}
		now := s.now()
		if err := bumpVersion(tx, &Secret{}, cur.ID, cur.Version, map[string]any{"value_sealed": sealed, "updated_at": now}); err != nil {
			return err
		}
		out = cur
		out.ValueSealed, out.Version, out.UpdatedAt = sealed, cur.Version+1, now
		return writeAuditIn(tx, now, v.Tenant.ID, wsID, actor, "secret.updated", secretTarget(out), Changes{"value": {Before: "set", After: "replaced"}})
	})
	if err != nil {
		return Secret{}, err
	}
	return out, nil
}

// DeleteSecret deletes a secret.
func (s *Store) DeleteSecret(ctx context.Context, v Viewer, wsID, id int64, actor Actor) error {
	if err := allowedIn(v, authz.ManageSecrets, wsID); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		x, err := secretIn(tx, v.Tenant.ID, wsID, id)
		if err != nil {
			return err
		}
		if err := tx.Delete(&Secret{}, x.ID).Error; err != nil {
			return err
		}
		return writeAuditIn(tx, s.now(), v.Tenant.ID, wsID, actor, "secret.deleted", secretTarget(x), Changes{"name": {Before: x.Name}})
	})
}

// workspaceSecrets decrypts the workspace's secrets for a script run.
func (s *Store) workspaceSecrets(ctx context.Context, tenantID, wsID int64) (map[string]string, error) {
	var rows []Secret
	if err := s.DB.WithContext(ctx).Where("tenant_id = ? AND workspace_id = ?", tenantID, wsID).Order("name").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[string]string, len(rows))
	for _, x := range rows {
		v, err := s.openPurpose(purposeWorkspaceSecrets, x.ValueSealed)
		if err != nil {
			return nil, fmt.Errorf("secret %s cannot be decrypted (was GATEHOUSE_SECRET_KEY changed?): %w", x.Name, err)
		}
		out[x.Name] = v
	}
	return out, nil
}

// secretRefRE finds the secrets a script names: secrets.NAME or
// secrets["NAME"].
var secretRefRE = regexp.MustCompile(`secrets\s*(?:\?\.|\.)\s*([A-Z][A-Z0-9_]*)|secrets\s*\[\s*["'` + "`" + `]([A-Z][A-Z0-9_]*)["'` + "`" + `]\s*\]`)

// SecretsNamedIn lists the secret names a script's code names.
func SecretsNamedIn(code string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range secretRefRE.FindAllStringSubmatch(code, -1) {
		n := m[1]
		if n == "" {
			n = m[2]
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// markSecretsUsed records that a script naming these secrets ran at now.
func (s *Store) markSecretsUsed(ctx context.Context, tenantID, wsID int64, names []string, now time.Time) error {
	if len(names) == 0 {
		return nil
	}
	return s.DB.WithContext(ctx).Model(&Secret{}).Where("tenant_id = ? AND workspace_id = ? AND name IN ?", tenantID, wsID, names).
		UpdateColumn("last_used_at", now).Error
}
