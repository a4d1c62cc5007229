package models

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"gatehouse/models/authz"

	"gorm.io/gorm"
)

// CustomApp is a page of the sign-in journey hosted by the customer (a
// login, consent or post-authentication step) with generated credentials;
// its secret is shown once at creation.
type CustomApp struct {
	ID          int64 `gorm:"primaryKey"`
	TenantID    int64
	WorkspaceID int64
	Name        string
	Type        string
	URL         string `gorm:"column:url"`
	AppID       string
	SecretHash  string
	// SecretCreatedAt is when Rotate secret last set it (nil: at creation).
	SecretCreatedAt *time.Time
	Version         int64
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// CustomAppTypes are the kinds of custom app.
var CustomAppTypes = []string{"login", "consent", "post_authentication"}

// CustomAppURLMax is the longest URL of a custom app.
const CustomAppURLMax = 2000

func customAppTarget(a CustomApp) Target {
	return Target{Type: "custom_app", ID: fmt.Sprint(a.ID), Label: a.Name}
}

// CustomAppInput is the custom app form.
type CustomAppInput struct {
	Name    string
	Type    string
	URL     string
	Version int64
}

func checkCustomApp(f fieldErrors, in *CustomAppInput) {
	in.Name, in.Type, in.URL = strings.TrimSpace(in.Name), strings.TrimSpace(in.Type), strings.TrimSpace(in.URL)
	checkResourceName(f, in.Name)
	if !oneOf(in.Type, CustomAppTypes...) {
		f.add("type", "Choose a type: login, consent or post_authentication.")
	}
	u, err := url.Parse(in.URL)
	switch {
	case in.URL == "":
		f.add("url", "URL is required, like https://login.example.com/.")
	case len(in.URL) > CustomAppURLMax:
		f.add("url", fmt.Sprintf("URL must be at most %d characters.", CustomAppURLMax))
	case err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || strings.ContainsAny(in.URL, " \t\n"):
		f.add("url", "URL must be an absolute https URL, like https://login.example.com/.")
	}
}

func customAppIn(tx *gorm.DB, tenantID, wsID, id int64) (CustomApp, error) {
	var a CustomApp
	err := tx.Where("tenant_id = ? AND workspace_id = ? AND id = ?", tenantID, wsID, id).Take(&a).Error
	return a, notFound(err)
}

// ListCustomApps returns a page of the workspace's custom apps by name.
func (s *Store) ListCustomApps(ctx context.Context, v Viewer, wsID int64, lq ResourceList) ([]CustomApp, string, error) {
	if err := allowedIn(v, authz.ReadCustomApps, wsID); err != nil {
		return nil, "", err
	}
	q := s.DB.WithContext(ctx).Where("tenant_id = ? AND workspace_id = ?", v.Tenant.ID, wsID)
	return keysetByName(q, lq, func(a CustomApp) string { return a.Name }, "url")
}

// GetCustomApp loads one custom app of the workspace.
func (s *Store) GetCustomApp(ctx context.Context, v Viewer, wsID, id int64) (CustomApp, error) {
	if err := allowedIn(v, authz.ReadCustomApps, wsID); err != nil {
		return CustomApp{}, err
	}
	return customAppIn(s.DB.WithContext(ctx), v.Tenant.ID, wsID, id)
}

// CreateCustomApp creates a custom app; the secret is returned here only.
func (s *Store) CreateCustomApp(ctx context.Context, v Viewer, wsID int64, in CustomAppInput, actor Actor) (CustomApp, string, error) {
	if err := allowedIn(v, authz.ManageCustomApps, wsID); err != nil {
		return CustomApp{}, "", err
	}
	f := fieldErrors{}
	checkCustomApp(f, &in)
	if err := f.err(); err != nil {
		return CustomApp{}, "", err
	}
	appID, err := s.newPublicID("app_")
	if err != nil {
		return CustomApp{}, "", err
	}
	raw, hash, err := s.newToken()
	if err != nil {
		return CustomApp{}, "", err
	}
	now := s.now()
	a := CustomApp{TenantID: v.Tenant.ID, WorkspaceID: wsID, Name: in.Name, Type: in.Type, URL: in.URL, AppID: appID, SecretHash: hash, SecretCreatedAt: &now, Version: 1, CreatedAt: now, UpdatedAt: now}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if taken, err := nameTaken(tx, &CustomApp{}, v.Tenant.ID, wsID, 0, in.Name); err != nil {
			return err
		} else if taken {
			return &ValidationError{Fields: map[string]string{"name": "A custom app named “" + in.Name + "” already exists in this workspace."}}
		}
		if err := tx.Create(&a).Error; err != nil {
			return err
		}
		return writeAuditIn(tx, now, v.Tenant.ID, wsID, actor, "custom_app.created", customAppTarget(a), Changes{
			"name": {After: a.Name}, "type": {After: a.Type}, "url": {After: a.URL}, "app_id": {After: appID},
		})
	})
	if err != nil {
		return CustomApp{}, "", err
	}
	return a, raw, nil
}

// UpdateCustomApp saves the form (optimistic locking on version).
func (s *Store) UpdateCustomApp(ctx context.Context, v Viewer, wsID, id int64, in CustomAppInput, actor Actor) (CustomApp, error) {
	if err := allowedIn(v, authz.ManageCustomApps, wsID); err != nil {
		return CustomApp{}, err
	}
	f := fieldErrors{}
	checkCustomApp(f, &in)
	if err := f.err(); err != nil {
		return CustomApp{}, err
	}
	var out CustomApp
	err := s.tx(ctx, func(tx *gorm.DB) error {
		cur, err := customAppIn(tx, v.Tenant.ID, wsID, id)
		if err != nil {
			return err
		}
		if taken, err := nameTaken(tx, &CustomApp{}, v.Tenant.ID, wsID, id, in.Name); err != nil {
			return err
		} else if taken {
			return &ValidationError{Fields: map[string]string{"name": "A custom app named “" + in.Name + "” already exists in this workspace."}}
		}
		if cur.Version != in.Version {
			return ErrChangedSince
		}
		ch := Changes{}
		diff(ch, "name", cur.Name, in.Name)
		diff(ch, "type", cur.Type, in.Type)
		diff(ch, "url", cur.URL, in.URL)
		out = cur
		if len(ch) == 0 {
			return nil
		}
		now := s.now()
		if err := bumpVersion(tx, &CustomApp{}, cur.ID, cur.Version, map[string]any{"name": in.Name, "type": in.Type, "url": in.URL, "updated_at": now}); err != nil {
			return err
		}
		out.Name, out.Type, out.URL, out.Version, out.UpdatedAt = in.Name, in.Type, in.URL, cur.Version+1, now
		return writeAuditIn(tx, now, v.Tenant.ID, wsID, actor, "custom_app.updated", customAppTarget(out), ch)
	})
	if err != nil {
		return CustomApp{}, err
	}
	return out, nil
}

// DeleteCustomApp deletes a custom app.
func (s *Store) DeleteCustomApp(ctx context.Context, v Viewer, wsID, id int64, actor Actor) error {
	if err := allowedIn(v, authz.ManageCustomApps, wsID); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		a, err := customAppIn(tx, v.Tenant.ID, wsID, id)
		if err != nil {
			return err
		}
		if err := tx.Delete(&CustomApp{}, a.ID).Error; err != nil {
			return err
		}
		return writeAuditIn(tx, s.now(), v.Tenant.ID, wsID, actor, "custom_app.deleted", customAppTarget(a), Changes{"name": {Before: a.Name}, "app_id": {Before: a.AppID}})
	})
}

// RotateCustomAppSecret gives a custom app a new secret, returned once and
// stored as a hash; the previous one stops working at once. Audited as
// custom_app.secret_rotated; the settings' version is kept.
func (s *Store) RotateCustomAppSecret(ctx context.Context, v Viewer, wsID, id int64, actor Actor) (CustomApp, string, error) {
	if err := allowedIn(v, authz.ManageCustomApps, wsID); err != nil {
		return CustomApp{}, "", err
	}
	raw, hash, err := s.newToken()
	if err != nil {
		return CustomApp{}, "", err
	}
	var out CustomApp
	err = s.tx(ctx, func(tx *gorm.DB) error {
		a, err := customAppIn(tx, v.Tenant.ID, wsID, id)
		if err != nil {
			return err
		}
		now := s.now()
		if err := tx.Model(&CustomApp{}).Where("id = ?", a.ID).Updates(map[string]any{"secret_hash": hash, "secret_created_at": now, "updated_at": now}).Error; err != nil {
			return err
		}
		a.SecretHash, a.SecretCreatedAt, a.UpdatedAt = hash, &now, now
		out = a
		return writeAuditIn(tx, now, v.Tenant.ID, wsID, actor, "custom_app.secret_rotated", customAppTarget(a), Changes{"app_id": {After: a.AppID}})
	})
	if err != nil {
		return CustomApp{}, "", err
	}
	return out, raw, nil
}

// VerifyCustomAppSecret reports whether secret is the current secret of
// the custom app with this app id.
func (s *Store) VerifyCustomAppSecret(ctx context.Context, appID, secret string) (CustomApp, bool, error) {
	var a CustomApp
	if err := s.DB.WithContext(ctx).Where("app_id = ?", appID).Take(&a).Error; err != nil {
		return CustomApp{}, false, notFound(err)
	}
	return a, secretMatches(secret, a.SecretHash), nil
}
