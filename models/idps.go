package models

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"gatehouse/models/authz"
	"gatehouse/models/samlmeta"

	"gorm.io/gorm"
)

// IDP is an identity provider of a workspace: how its end users sign in.
// identity_pool IDPs sign users of one of the tenant's identity pools in;
// oidc and the social ones (google, github, microsoft) send them to an
// OpenID Connect provider with a client id and a client secret (sealed at
// rest with AES-256-GCM, never shown again once saved); saml ones to a SAML
// identity provider described by its metadata, read on save (nothing it
// names is ever fetched).
//
// The Admin workspace's Built in Admin IDP (BuiltIn) signs the tenant's
// administrators in through the Administrators pool: it is made with the
// workspace, and it can be neither deleted nor changed.
type IDP struct {
	ID          int64 `gorm:"primaryKey"`
	TenantID    int64
	WorkspaceID int64
	Name        string
	Method      string
	PoolID      *int64
	IssuerURL   string
	ClientID    string
	// ClientSecret is sealed under its own purpose key (purposeIDPClientSecrets).
	ClientSecret []byte
	MetadataXML  string `gorm:"column:metadata_xml"`
	// EntityID, SSOURL and CertExpiresAt were read from MetadataXML on
	// save: the entity id, the sign-in URL and the latest expiry of the
	// signing certificates.
	EntityID      string
	SSOURL        string `gorm:"column:sso_url"`
	CertExpiresAt *time.Time
	Enabled       bool
	BuiltIn       bool
	Version       int64
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// TableName is the table of workspaces' identity providers.
func (IDP) TableName() string { return "idps" }

// IDP methods.
const (
	IDPIdentityPool = "identity_pool"
	IDPOIDC         = "oidc"
	IDPSAML         = "saml"
	IDPGoogle       = "google"
	IDPGitHub       = "github"
	IDPMicrosoft    = "microsoft"
)

// IDPMethods are the methods an IDP can have, in form order.
var IDPMethods = []string{IDPIdentityPool, IDPOIDC, IDPSAML, IDPGoogle, IDPGitHub, IDPMicrosoft}

// BuiltInAdminIDPName is the name of the Admin workspace's built-in IDP.
const BuiltInAdminIDPName = "Built in Admin IDP"

// DefaultIssuers are the issuers of the social methods, used when their
// issuer_url is left blank.
var DefaultIssuers = map[string]string{
	IDPGoogle:    "https://accounts.google.com",
	IDPGitHub:    "https://github.com",
	IDPMicrosoft: "https://login.microsoftonline.com/common/v2.0",
}

// IDP field limits.
const (
	IDPIssuerMax   = 500
	IDPClientIDMax = 255
	IDPSecretMax   = 2000
)

// UsesClient reports whether the method signs in through an OpenID Connect
// client (issuer, client id, client secret).
func (p IDP) UsesClient() bool { return idpUsesClient(p.Method) }

func idpUsesClient(method string) bool {
	return method == IDPOIDC || method == IDPGoogle || method == IDPGitHub || method == IDPMicrosoft
}

// HasSecret reports whether a client secret is stored.
func (p IDP) HasSecret() bool { return len(p.ClientSecret) > 0 }

// CertExpiringSoon reports whether the SAML signing certificates expire
// within samlmeta.ExpiryWarning (30 days) of now, or have expired.
func (p IDP) CertExpiringSoon(now time.Time) bool {
	return p.Method == IDPSAML && p.CertExpiresAt != nil && !p.CertExpiresAt.After(now.Add(samlmeta.ExpiryWarning))
}

func idpTarget(p IDP) Target {
	return Target{Type: "idp", ID: fmt.Sprint(p.ID), Label: p.Name}
}

// IDPInput is the IDP form. ClientSecret blank on an update keeps the
// stored one. Pool is the pool's slug (or id).
type IDPInput struct {
	Name         string
	Method       string
	Pool         string
	IssuerURL    string
	ClientID     string
	ClientSecret string
	MetadataXML  string
	Enabled      bool
	Version      int64
}

func (in *IDPInput) normalize() {
	in.Name = strings.TrimSpace(in.Name)
	in.Method = strings.TrimSpace(in.Method)
	in.Pool = strings.TrimSpace(in.Pool)
	in.IssuerURL = strings.TrimSpace(in.IssuerURL)
	in.ClientID = strings.TrimSpace(in.ClientID)
	in.ClientSecret = strings.TrimSpace(in.ClientSecret)
	in.MetadataXML = strings.TrimSpace(in.MetadataXML)
	if !idpUsesClient(in.Method) {
		in.IssuerURL, in.ClientID, in.ClientSecret = "", "", ""
	}
	if in.Method != IDPSAML {
		in.MetadataXML = ""
	}
	if in.Method != IDPIdentityPool {
		in.Pool = ""
	}
	if in.IssuerURL == "" && DefaultIssuers[in.Method] != "" {
		in.IssuerURL = DefaultIssuers[in.Method]
	}
}

// checkIssuerURL returns what is wrong with an issuer URL, or "".
func checkIssuerURL(raw string) string {
	if raw == "" {
		return "Issuer URL is required: the provider's address, like https://login.example.com."
	}
	if len(raw) > IDPIssuerMax {
		return fmt.Sprintf("Issuer URL must be at most %d characters.", IDPIssuerMax)
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || !u.IsAbs() || u.Host == "" || strings.ContainsAny(raw, " \t\r\n\"'<>"):
		return "Issuer URL must be an absolute URL, like https://login.example.com."
	case u.Scheme != "https":
		return "Issuer URL must use https."
	case u.User != nil:
		return "Issuer URL must not carry a user name or password."
	case u.RawQuery != "" || u.Fragment != "" || strings.Contains(raw, "#"):
		return "Issuer URL has no query (?…) or fragment (#…)."
	}
	return ""
}

// idpFields is what the form's checks found besides the field errors.
type idpFields struct {
	poolID   *int64
	metadata *samlmeta.Metadata
}

// checkIDPFields applies the rules of each method; cur is the stored IDP
// (nil at creation), for the secret that a blank field keeps.
func checkIDPFields(f fieldErrors, tx *gorm.DB, tenantID int64, in IDPInput, cur *IDP) (idpFields, error) {
	var out idpFields
	checkResourceName(f, in.Name)
	if !oneOf(in.Method, IDPMethods...) {
		f.add("method", "Choose a method: identity_pool, oidc, saml, google, github or microsoft.")
		return out, nil
	}
	switch {
	case in.Method == IDPIdentityPool:
		if in.Pool == "" {
			f.add("pool", "Choose the identity pool whose users sign in.")
			break
		}
		var p IdentityPool
		q := tx.Where("tenant_id = ?", tenantID)
		if id, err := strconv.ParseInt(in.Pool, 10, 64); err == nil {
			q = q.Where("(id = ? OR slug = ?)", id, in.Pool)
		} else {
			q = q.Where("slug = ?", strings.ToLower(in.Pool))
		}
		err := q.Take(&p).Error
		switch {
		case notFound(err) == ErrNotFound:
			f.add("pool", "“"+truncate(in.Pool, 60)+"” is not an identity pool of this tenant.")
		case err != nil:
			return out, err
		case p.Admins() && (cur == nil || !cur.BuiltIn):
			f.add("pool", "The Administrators pool signs in through the Admin workspace's Built in Admin IDP only: choose an end-user pool.")
		default:
			out.poolID = &p.ID
		}
	case idpUsesClient(in.Method):
		if msg := checkIssuerURL(in.IssuerURL); msg != "" {
			f.add("issuer_url", msg)
		}
		switch {
		case in.ClientID == "":
			f.add("client_id", "Client ID is required: the provider gives it when the application is registered.")
		case len(in.ClientID) > IDPClientIDMax || strings.IndexFunc(in.ClientID, unicode.IsSpace) >= 0:
			f.add("client_id", fmt.Sprintf("Client ID is at most %d characters, without spaces.", IDPClientIDMax))
		}
		switch {
		case in.ClientSecret == "" && (cur == nil || !cur.HasSecret() || !cur.UsesClient()):
			f.add("client_secret", "Client secret is required: the provider gives it with the client ID.")
		case len(in.ClientSecret) > IDPSecretMax:
			f.add("client_secret", fmt.Sprintf("Client secret must be at most %d characters.", IDPSecretMax))
		}
	case in.Method == IDPSAML:
		md, err := samlmeta.Parse([]byte(in.MetadataXML))
		if err != nil {
			f.add("metadata_xml", err.Error())
		} else {
			out.metadata = md
		}
	}
	return out, nil
}

// OpenIDPSecret decrypts an IDP's client secret (for signing in through it).
func (s *Store) OpenIDPSecret(p IDP) (string, error) {
	if !p.HasSecret() {
		return "", nil
	}
	return s.openPurpose(purposeIDPClientSecrets, p.ClientSecret)
}

func (s *Store) sealIDPSecret(secret string) ([]byte, error) {
	return s.sealPurpose(purposeIDPClientSecrets, secret)
}

func idpIn(tx *gorm.DB, tenantID, wsID, id int64) (IDP, error) {
	var p IDP
	err := tx.Where("tenant_id = ? AND workspace_id = ? AND id = ?", tenantID, wsID, id).Take(&p).Error
	return p, notFound(err)
}

// IDPByID loads an IDP of a workspace (for the route loaders).
func (s *Store) IDPByID(ctx context.Context, tenantID, wsID, id int64) (IDP, error) {
	return idpIn(s.DB.WithContext(ctx), tenantID, wsID, id)
}

// ListIDPs returns a page of the workspace's IDPs by name.
func (s *Store) ListIDPs(ctx context.Context, v Viewer, wsID int64, lq ResourceList) ([]IDP, string, error) {
	if err := allowedIn(v, authz.ReadWorkspaceIDPs, wsID); err != nil {
		return nil, "", err
	}
	q := s.DB.WithContext(ctx).Where("tenant_id = ? AND workspace_id = ?", v.Tenant.ID, wsID)
	return keysetByName(q, lq, func(p IDP) string { return p.Name }, "method", "entity_id", "issuer_url")
}

// GetIDP loads one IDP of the workspace.
func (s *Store) GetIDP(ctx context.Context, v Viewer, wsID, id int64) (IDP, error) {
	if err := allowedIn(v, authz.ReadWorkspaceIDPs, wsID); err != nil {
		return IDP{}, err
	}
	return idpIn(s.DB.WithContext(ctx), v.Tenant.ID, wsID, id)
}

// IDPPoolOptions lists the tenant's pools an identity_pool IDP may use
// (every pool but Administrators, whose users sign in through the Built in
// Admin IDP), by name.
func (s *Store) IDPPoolOptions(ctx context.Context, tenantID int64) ([]IdentityPool, error) {
	var out []IdentityPool
	err := s.DB.WithContext(ctx).Where("tenant_id = ? AND kind <> ?", tenantID, PoolAdministrators).Order("name").Limit(200).Find(&out).Error
	return out, err
}

// PoolByID loads a pool of the tenant by id (an IDP's).
func (s *Store) PoolByID(ctx context.Context, tenantID, id int64) (IdentityPool, error) {
	var p IdentityPool
	err := s.DB.WithContext(ctx).Where("tenant_id = ? AND id = ?", tenantID, id).Take(&p).Error
	return p, notFound(err)
}

// idpChanges are the audited fields of an IDP (never the secret itself).
func idpChanges(ch Changes, before, after IDP) {
	diff(ch, "name", before.Name, after.Name)
	diff(ch, "method", before.Method, after.Method)
	var bp, ap int64
	if before.PoolID != nil {
		bp = *before.PoolID
	}
	if after.PoolID != nil {
		ap = *after.PoolID
	}
	diff(ch, "pool_id", bp, ap)
	diff(ch, "issuer_url", before.IssuerURL, after.IssuerURL)
	diff(ch, "client_id", before.ClientID, after.ClientID)
	diff(ch, "entity_id", before.EntityID, after.EntityID)
	diff(ch, "sso_url", before.SSOURL, after.SSOURL)
	if before.MetadataXML != after.MetadataXML {
		ch["metadata_xml"] = Change{Before: map[bool]string{true: "set", false: ""}[before.MetadataXML != ""], After: map[bool]string{true: "changed", false: "removed"}[after.MetadataXML != ""]}
	}
	diff(ch, "enabled", before.Enabled, after.Enabled)
}

// CreateIDP creates an IDP in the workspace.
func (s *Store) CreateIDP(ctx context.Context, v Viewer, wsID int64, in IDPInput, actor Actor) (IDP, error) {
	if err := allowedIn(v, authz.ManageWorkspaceIDPs, wsID); err != nil {
		return IDP{}, err
	}
	in.normalize()
	var sealed []byte
	if in.ClientSecret != "" && len(in.ClientSecret) <= IDPSecretMax {
		var err error
		if sealed, err = s.sealIDPSecret(in.ClientSecret); err != nil {
			return IDP{}, err
		}
	}
	now := s.now()
	var out IDP
	err := s.tx(ctx, func(tx *gorm.DB) error {
		f := fieldErrors{}
		got, err := checkIDPFields(f, tx, v.Tenant.ID, in, nil)
		if err != nil {
			return err
		}
		if f["name"] == "" {
			if taken, err := nameTaken(tx, &IDP{}, v.Tenant.ID, wsID, 0, in.Name); err != nil {
				return err
			} else if taken {
				f.add("name", "An identity provider named “"+in.Name+"” already exists in this workspace.")
			}
		}
		if err := f.err(); err != nil {
			return err
		}
		p := IDP{TenantID: v.Tenant.ID, WorkspaceID: wsID, Name: in.Name, Method: in.Method, PoolID: got.poolID,
			IssuerURL: in.IssuerURL, ClientID: in.ClientID, ClientSecret: sealed, MetadataXML: in.MetadataXML,
			Enabled: in.Enabled, Version: 1, CreatedAt: now, UpdatedAt: now}
		if md := got.metadata; md != nil {
			exp := md.Expiry()
			p.EntityID, p.SSOURL, p.CertExpiresAt = md.EntityID, md.SSOURL, &exp
		}
		if err := tx.Create(&p).Error; err != nil {
			return err
		}
		ch := Changes{}
		idpChanges(ch, IDP{}, p)
		if p.HasSecret() {
			ch["client_secret"] = Change{After: "set"}
		}
		out = p
		return writeAuditIn(tx, now, v.Tenant.ID, wsID, actor, "idp.created", idpTarget(p), ch)
	})
	if err != nil {
		return IDP{}, err
	}
	return out, nil
}

// ErrBuiltInIDP refuses to delete the Built in Admin IDP.
var ErrBuiltInIDP = fmt.Errorf("the Built in Admin IDP cannot be deleted: %w", ErrForbidden)

// UpdateIDP saves an IDP's form. A blank client secret keeps the stored
// one; a method that needs none drops it. The Built in Admin IDP keeps its
// name, method, pool and stays enabled.
func (s *Store) UpdateIDP(ctx context.Context, v Viewer, wsID, id int64, in IDPInput, actor Actor) (IDP, error) {
	if err := allowedIn(v, authz.ManageWorkspaceIDPs, wsID); err != nil {
		return IDP{}, err
	}
	in.normalize()
	var sealed []byte
	if in.ClientSecret != "" && len(in.ClientSecret) <= IDPSecretMax {
		var err error
		if sealed, err = s.sealIDPSecret(in.ClientSecret); err != nil {
			return IDP{}, err
		}
	}
	var out IDP
	err := s.tx(ctx, func(tx *gorm.DB) error {
		cur, err := idpIn(tx, v.Tenant.ID, wsID, id)
		if err != nil {
			return err
		}
		f := fieldErrors{}
		if cur.BuiltIn {
			if in.Method != cur.Method {
				f.add("method", "The Built in Admin IDP's method cannot be changed: administrators sign in through the Administrators pool.")
			}
			if in.Name != cur.Name {
				f.add("name", "The Built in Admin IDP keeps its name.")
			}
			if !in.Enabled {
				f.add("enabled", "The Built in Admin IDP cannot be turned off: administrators sign in through it.")
			}
			if err := f.err(); err != nil {
				return err
			}
			in.Pool = ""
			if cur.PoolID != nil {
				in.Pool = strconv.FormatInt(*cur.PoolID, 10)
			}
		}
		got, err := checkIDPFields(f, tx, v.Tenant.ID, in, &cur)
		if err != nil {
			return err
		}
		if f["name"] == "" {
			if taken, err := nameTaken(tx, &IDP{}, v.Tenant.ID, wsID, id, in.Name); err != nil {
				return err
			} else if taken {
				f.add("name", "An identity provider named “"+in.Name+"” already exists in this workspace.")
			}
		}
		if err := f.err(); err != nil {
			return err
		}
		if cur.Version != in.Version {
			return ErrChangedSince
		}
		after := cur
		after.Name, after.Method, after.PoolID = in.Name, in.Method, got.poolID
		after.IssuerURL, after.ClientID, after.MetadataXML, after.Enabled = in.IssuerURL, in.ClientID, in.MetadataXML, in.Enabled
		after.EntityID, after.SSOURL, after.CertExpiresAt = "", "", nil
		if md := got.metadata; md != nil {
			exp := md.Expiry()
			after.EntityID, after.SSOURL, after.CertExpiresAt = md.EntityID, md.SSOURL, &exp
		}
		ch := Changes{}
		idpChanges(ch, cur, after)
		switch {
		case !after.UsesClient():
			after.ClientSecret = nil
			if cur.HasSecret() {
				ch["client_secret"] = Change{Before: "set", After: "removed"}
			}
		case sealed != nil:
			after.ClientSecret = sealed
			ch["client_secret"] = Change{Before: map[bool]string{true: "set", false: ""}[cur.HasSecret()], After: "changed"}
		}
		if (cur.CertExpiresAt == nil) != (after.CertExpiresAt == nil) || (cur.CertExpiresAt != nil && !cur.CertExpiresAt.Equal(*after.CertExpiresAt)) {
			ch["cert_expires_at"] = Change{Before: cur.CertExpiresAt, After: after.CertExpiresAt}
		}
		out = cur
		if len(ch) == 0 {
			return nil
		}
		now := s.now()
		set := map[string]any{"name": after.Name, "method": after.Method, "pool_id": after.PoolID, "issuer_url": after.IssuerURL,
			"client_id": after.ClientID, "client_secret": after.ClientSecret, "metadata_xml": after.MetadataXML, "entity_id": after.EntityID,
			"sso_url": after.SSOURL, "cert_expires_at": after.CertExpiresAt, "enabled": after.Enabled, "updated_at": now}
		if err := bumpVersion(tx, &IDP{}, cur.ID, cur.Version, set); err != nil {
			return err
		}
		after.Version, after.UpdatedAt = cur.Version+1, now
		out = after
		return writeAuditIn(tx, now, v.Tenant.ID, wsID, actor, "idp.updated", idpTarget(out), ch)
	})
	if err != nil {
		return IDP{}, err
	}
	return out, nil
}

// DeleteIDP deletes an IDP (never the Built in Admin IDP: ErrBuiltInIDP).
func (s *Store) DeleteIDP(ctx context.Context, v Viewer, wsID, id int64, actor Actor) error {
	if err := allowedIn(v, authz.ManageWorkspaceIDPs, wsID); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		p, err := idpIn(tx, v.Tenant.ID, wsID, id)
		if err != nil {
			return err
		}
		if p.BuiltIn {
			return ErrBuiltInIDP
		}
		if err := tx.Delete(&IDP{}, p.ID).Error; err != nil {
			return err
		}
		return writeAuditIn(tx, s.now(), v.Tenant.ID, wsID, actor, "idp.deleted", idpTarget(p), Changes{
			"name": {Before: p.Name}, "method": {Before: p.Method},
		})
	})
}

// ensureBuiltInAdminIDP gives an Admin workspace its Built in Admin IDP
// (in the transaction that makes the workspace).
func ensureBuiltInAdminIDP(tx *gorm.DB, now time.Time, tenantID, wsID int64) error {
	var n int64
	if err := tx.Model(&IDP{}).Where("tenant_id = ? AND workspace_id = ? AND built_in = ?", tenantID, wsID, true).Count(&n).Error; err != nil || n > 0 {
		return err
	}
	p := IDP{TenantID: tenantID, WorkspaceID: wsID, Name: BuiltInAdminIDPName, Method: IDPIdentityPool, Enabled: true, BuiltIn: true,
		Version: 1, CreatedAt: now, UpdatedAt: now}
	var pool IdentityPool
	err := tx.Where("tenant_id = ? AND kind = ?", tenantID, PoolAdministrators).Order("id").Take(&pool).Error
	switch {
	case err == nil:
		p.PoolID = &pool.ID
	case notFound(err) != ErrNotFound:
		return err
	}
	return tx.Create(&p).Error
}
