package models

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"gatehouse/models/authz"

	"gorm.io/gorm"
)

// Client is an application that asks the workspace for tokens. Public
// clients (spa, native) authenticate with "none" and have no secret; the
// others authenticate with a secret (stored only as its SHA-256; shown
// once, at creation and at Rotate secret) or a private key JWT. After a
// rotation the previous secret stays valid until PrevSecretExpiresAt.
type Client struct {
	ID                      int64 `gorm:"primaryKey"`
	TenantID                int64
	WorkspaceID             int64
	Name                    string
	Type                    string
	ClientID                string `gorm:"column:client_id"`
	RedirectURIs            string `gorm:"column:redirect_uris"` // one per line
	GrantTypes              string // space-separated
	TokenEndpointAuthMethod string
	Scopes                  string // space-separated
	SecretHash              string
	SecretCreatedAt         *time.Time
	PrevSecretHash          string
	PrevSecretExpiresAt     *time.Time
	Version                 int64
	CreatedAt               time.Time
	UpdatedAt               time.Time
}

// Client types, grant types and authentication methods.
var (
	ClientTypes       = []string{"web", "spa", "native", "service"}
	ClientGrantTypes  = []string{"authorization_code", "refresh_token", "client_credentials", "device_code"}
	ClientAuthMethods = []string{"client_secret_basic", "client_secret_post", "private_key_jwt", "none"}
)

// Client limits.
const (
	ClientRedirectURIsMax = 20
	ClientRedirectURIMax  = 2000
	ClientGraceHoursMax   = 168
)

// RedirectURIList, GrantTypeList and ScopeList read the stored lists.
func (c Client) RedirectURIList() []string { return normalizeLines(c.RedirectURIs) }

// GrantTypeList is the client's grant types.
func (c Client) GrantTypeList() []string { return splitWords(c.GrantTypes) }

// ScopeList is the client's scopes.
func (c Client) ScopeList() []string { return splitWords(c.Scopes) }

// Public reports whether the client is public (no secret).
func (c Client) Public() bool { return c.Type == "spa" || c.Type == "native" }

// UsesSecret reports whether the client authenticates with a secret.
func (c Client) UsesSecret() bool { return usesSecret(c.TokenEndpointAuthMethod) }

func usesSecret(method string) bool {
	return method == "client_secret_basic" || method == "client_secret_post"
}

func clientTarget(c Client) Target {
	return Target{Type: "client", ID: fmt.Sprint(c.ID), Label: c.Name}
}

// ClientInput is the client form. Type is fixed at creation (ignored by
// UpdateClient).
type ClientInput struct {
	Name                    string
	Type                    string
	RedirectURIs            string
	GrantTypes              []string
	TokenEndpointAuthMethod string
	Scopes                  []string
	Version                 int64
}

func (in *ClientInput) normalize() {
	in.Name = strings.TrimSpace(in.Name)
	in.Type = strings.TrimSpace(in.Type)
	in.TokenEndpointAuthMethod = strings.TrimSpace(in.TokenEndpointAuthMethod)
	in.GrantTypes = dedupe(in.GrantTypes)
	in.Scopes = dedupe(in.Scopes)
	in.RedirectURIs = strings.Join(dedupe(normalizeLines(in.RedirectURIs)), "\n")
}

// checkClientFields applies the rules of each type.
func checkClientFields(f fieldErrors, in ClientInput) {
	checkResourceName(f, in.Name)
	if !oneOf(in.Type, ClientTypes...) {
		f.add("type", "Choose a type: web, spa, native or service.")
		return
	}
	public := in.Type == "spa" || in.Type == "native"
	switch {
	case !oneOf(in.TokenEndpointAuthMethod, ClientAuthMethods...):
		f.add("token_endpoint_auth_method", "Choose how the client authenticates: client_secret_basic, client_secret_post, private_key_jwt or none.")
	case public && in.TokenEndpointAuthMethod != "none":
		f.add("token_endpoint_auth_method", "A "+in.Type+" client is public (it cannot keep a secret): it must use none.")
	case !public && in.TokenEndpointAuthMethod == "none":
		f.add("token_endpoint_auth_method", "A "+in.Type+" client must authenticate: none is only for spa and native clients.")
	}
	if len(in.GrantTypes) == 0 {
		f.add("grant_types", "Choose at least one grant type.")
	}
	for _, g := range in.GrantTypes {
		switch {
		case !oneOf(g, ClientGrantTypes...):
			f.add("grant_types", "“"+g+"” is not a grant type.")
		case g == "client_credentials" && public:
			f.add("grant_types", "client_credentials needs a client that can keep a secret: not for "+in.Type+" clients.")
		case in.Type == "service" && g != "client_credentials":
			f.add("grant_types", "A service client (machine to machine) uses client_credentials only.")
		case g == "device_code" && in.Type != "native":
			f.add("grant_types", "device_code is for native clients (devices without a browser).")
		case g == "refresh_token" && !oneOf("authorization_code", in.GrantTypes...) && !oneOf("device_code", in.GrantTypes...):
			f.add("grant_types", "refresh_token goes with authorization_code or device_code.")
		}
	}
	uris := normalizeLines(in.RedirectURIs)
	switch {
	case in.Type == "service" && len(uris) > 0:
		f.add("redirect_uris", "A service client signs no one in: leave Redirect URIs empty.")
	case oneOf("authorization_code", in.GrantTypes...) && len(uris) == 0:
		f.add("redirect_uris", "authorization_code needs at least one redirect URI.")
	case len(uris) > ClientRedirectURIsMax:
		f.add("redirect_uris", fmt.Sprintf("At most %d redirect URIs.", ClientRedirectURIsMax))
	}
	for i, u := range uris {
		if msg := checkRedirectURI(in.Type, u); msg != "" {
			f.add("redirect_uris", fmt.Sprintf("Line %d (%s): %s", i+1, truncate(u, 80), msg))
			break
		}
	}
}

// checkRedirectURI returns what is wrong with one redirect URI, or "".
func checkRedirectURI(typ, raw string) string {
	if len(raw) > ClientRedirectURIMax {
		return fmt.Sprintf("a redirect URI is at most %d characters.", ClientRedirectURIMax)
	}
	if strings.Contains(raw, "*") {
		return "wildcards are not allowed: list each URI."
	}
	if strings.Contains(raw, "#") {
		return "a redirect URI has no fragment (#…)."
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return "must be an absolute URL, like https://app.example.com/callback."
	}
	if u.User != nil {
		return "must not carry a user name or password."
	}
	switch u.Scheme {
	case "https":
		return ""
	case "http":
		if typ == "native" && isLoopbackHost(u.Hostname()) {
			return ""
		}
		if typ == "native" {
			return "http is allowed only for the loopback interface (http://127.0.0.1, http://[::1] or http://localhost, any port)."
		}
		return "must use https (http is allowed only on the loopback interface, for native clients)."
	}
	return "must use https."
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && (ip.Equal(net.IPv4(127, 0, 0, 1)) || ip.Equal(net.IPv6loopback))
}

func clientIn(tx *gorm.DB, tenantID, wsID, id int64) (Client, error) {
	var c Client
	err := tx.Where("tenant_id = ? AND workspace_id = ? AND id = ?", tenantID, wsID, id).Take(&c).Error
	return c, notFound(err)
}

// ListClients returns a page of the workspace's clients by name.
func (s *Store) ListClients(ctx context.Context, v Viewer, wsID int64, lq ResourceList) ([]Client, string, error) {
	if err := allowedIn(v, authz.ReadClients, wsID); err != nil {
		return nil, "", err
	}
	q := s.DB.WithContext(ctx).Where("tenant_id = ? AND workspace_id = ?", v.Tenant.ID, wsID)
	return keysetByName(q, lq, func(c Client) string { return c.Name }, "client_id")
}

// GetClient loads one client of the workspace.
func (s *Store) GetClient(ctx context.Context, v Viewer, wsID, id int64) (Client, error) {
	if err := allowedIn(v, authz.ReadClients, wsID); err != nil {
		return Client{}, err
	}
	return clientIn(s.DB.WithContext(ctx), v.Tenant.ID, wsID, id)
}

// CreateClient creates a client with a generated client id and, for a
// client authenticating with a secret, a secret returned here only.
func (s *Store) CreateClient(ctx context.Context, v Viewer, wsID int64, in ClientInput, actor Actor) (Client, string, error) {
	if err := allowedIn(v, authz.ManageClients, wsID); err != nil {
		return Client{}, "", err
	}
	in.normalize()
	f := fieldErrors{}
	checkClientFields(f, in)
	clientID, err := s.newPublicID("")
	if err != nil {
		return Client{}, "", err
	}
	now := s.now()
	c := Client{TenantID: v.Tenant.ID, WorkspaceID: wsID, Name: in.Name, Type: in.Type, ClientID: clientID,
		RedirectURIs: in.RedirectURIs, GrantTypes: strings.Join(in.GrantTypes, " "), TokenEndpointAuthMethod: in.TokenEndpointAuthMethod,
		Scopes: strings.Join(in.Scopes, " "), Version: 1, CreatedAt: now, UpdatedAt: now}
	var secret string
	if usesSecret(in.TokenEndpointAuthMethod) {
		raw, hash, err := s.newToken()
		if err != nil {
			return Client{}, "", err
		}
		secret, c.SecretHash, c.SecretCreatedAt = raw, hash, &now
	}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if err := checkScopesIn(f, tx, v.Tenant.ID, wsID, in.Scopes); err != nil {
			return err
		}
		if taken, err := nameTaken(tx, &Client{}, v.Tenant.ID, wsID, 0, in.Name); err != nil {
			return err
		} else if taken {
			f.add("name", "A client named “"+in.Name+"” already exists in this workspace.")
		}
		if err := f.err(); err != nil {
			return err
		}
		if err := tx.Create(&c).Error; err != nil {
			return err
		}
		return writeAuditIn(tx, now, v.Tenant.ID, wsID, actor, "client.created", clientTarget(c), Changes{
			"name": {After: c.Name}, "type": {After: c.Type}, "client_id": {After: c.ClientID},
			"redirect_uris": {After: c.RedirectURIList()}, "grant_types": {After: in.GrantTypes},
			"token_endpoint_auth_method": {After: c.TokenEndpointAuthMethod}, "scopes": {After: in.Scopes},
		})
	})
	if err != nil {
		return Client{}, "", err
	}
	return c, secret, nil
}

// UpdateClient saves the client's form (its type does not change). A
// client that starts authenticating with a secret gets one, returned here
// only; one that stops has its secrets removed.
func (s *Store) UpdateClient(ctx context.Context, v Viewer, wsID, id int64, in ClientInput, actor Actor) (Client, string, error) {
	if err := allowedIn(v, authz.ManageClients, wsID); err != nil {
		return Client{}, "", err
	}
	var out Client
	var secret string
	err := s.tx(ctx, func(tx *gorm.DB) error {
		cur, err := clientIn(tx, v.Tenant.ID, wsID, id)
		if err != nil {
			return err
		}
		in.Type = cur.Type
		in.normalize()
		f := fieldErrors{}
		checkClientFields(f, in)
		if err := checkScopesIn(f, tx, v.Tenant.ID, wsID, in.Scopes); err != nil {
			return err
		}
		if f["name"] == "" {
			if taken, err := nameTaken(tx, &Client{}, v.Tenant.ID, wsID, id, in.Name); err != nil {
				return err
			} else if taken {
				f.add("name", "A client named “"+in.Name+"” already exists in this workspace.")
			}
		}
		if err := f.err(); err != nil {
			return err
		}
		if cur.Version != in.Version {
			return ErrChangedSince
		}
		after := cur
		after.Name, after.RedirectURIs, after.GrantTypes = in.Name, in.RedirectURIs, strings.Join(in.GrantTypes, " ")
		after.TokenEndpointAuthMethod, after.Scopes = in.TokenEndpointAuthMethod, strings.Join(in.Scopes, " ")
		ch := Changes{}
		diff(ch, "name", cur.Name, after.Name)
		diff(ch, "redirect_uris", cur.RedirectURIs, after.RedirectURIs)
		diff(ch, "grant_types", cur.GrantTypes, after.GrantTypes)
		diff(ch, "token_endpoint_auth_method", cur.TokenEndpointAuthMethod, after.TokenEndpointAuthMethod)
		diff(ch, "scopes", cur.Scopes, after.Scopes)
		out = cur
		if len(ch) == 0 {
			return nil
		}
		now := s.now()
		set := map[string]any{"name": after.Name, "redirect_uris": after.RedirectURIs, "grant_types": after.GrantTypes,
			"token_endpoint_auth_method": after.TokenEndpointAuthMethod, "scopes": after.Scopes, "updated_at": now}
		switch {
		case after.UsesSecret() && cur.SecretHash == "":
			raw, hash, err := s.newToken()
			if err != nil {
				return err
			}
			secret, after.SecretHash, after.SecretCreatedAt = raw, hash, &now
			set["secret_hash"], set["secret_created_at"] = hash, now
			ch["secret"] = Change{After: "generated"}
		case !after.UsesSecret() && cur.SecretHash != "":
			after.SecretHash, after.SecretCreatedAt, after.PrevSecretHash, after.PrevSecretExpiresAt = "", nil, "", nil
			set["secret_hash"], set["secret_created_at"], set["prev_secret_hash"], set["prev_secret_expires_at"] = "", nil, "", nil
			ch["secret"] = Change{Before: "set", After: "removed"}
		}
		if err := bumpVersion(tx, &Client{}, cur.ID, cur.Version, set); err != nil {
			return err
		}
		after.Version, after.UpdatedAt = cur.Version+1, now
		out = after
		return writeAuditIn(tx, now, v.Tenant.ID, wsID, actor, "client.updated", clientTarget(out), ch)
	})
	if err != nil {
		return Client{}, "", err
	}
	return out, secret, nil
}

// RotateClientSecret gives the client a new secret, returned here only.
// The previous one stays valid for graceHours (0–168; 0: it stops at once).
func (s *Store) RotateClientSecret(ctx context.Context, v Viewer, wsID, id int64, graceHours int, actor Actor) (Client, string, error) {
	if err := allowedIn(v, authz.ManageClients, wsID); err != nil {
		return Client{}, "", err
	}
	if graceHours < 0 || graceHours > ClientGraceHoursMax {
		return Client{}, "", &ValidationError{Fields: map[string]string{"grace_hours": fmt.Sprintf("Grace period must be between 0 and %d hours.", ClientGraceHoursMax)}}
	}
	raw, hash, err := s.newToken()
	if err != nil {
		return Client{}, "", err
	}
	var out Client
	err = s.tx(ctx, func(tx *gorm.DB) error {
		c, err := clientIn(tx, v.Tenant.ID, wsID, id)
		if err != nil {
			return err
		}
		if !c.UsesSecret() {
			return &ValidationError{Fields: map[string]string{"grace_hours": "This client does not authenticate with a secret (" + c.TokenEndpointAuthMethod + ")."}}
		}
		now := s.now()
		var prevExp *time.Time
		prevHash := ""
		if graceHours > 0 && c.SecretHash != "" {
			t := now.Add(time.Duration(graceHours) * time.Hour)
			prevExp, prevHash = &t, c.SecretHash
		}
		set := map[string]any{"secret_hash": hash, "secret_created_at": now, "prev_secret_hash": prevHash,
			"prev_secret_expires_at": prevExp, "updated_at": now}
		if err := bumpVersion(tx, &Client{}, c.ID, c.Version, set); err != nil {
			return err
		}
		c.SecretHash, c.SecretCreatedAt, c.PrevSecretHash, c.PrevSecretExpiresAt = hash, &now, prevHash, prevExp
		c.Version, c.UpdatedAt = c.Version+1, now
		out = c
		return writeAuditIn(tx, now, v.Tenant.ID, wsID, actor, "client.secret_rotated", clientTarget(c), Changes{
			"grace_hours": {After: graceHours},
		})
	})
	if err != nil {
		return Client{}, "", err
	}
	return out, raw, nil
}

// VerifyClientSecret reports whether secret is the client's current
// secret, or its previous one within the grace period.
func (s *Store) VerifyClientSecret(ctx context.Context, clientID, secret string) (Client, bool, error) {
	var c Client
	if err := s.DB.WithContext(ctx).Where("client_id = ?", clientID).Take(&c).Error; err != nil {
		return Client{}, false, notFound(err)
	}
	if !c.UsesSecret() {
		return c, false, nil
	}
	if secretMatches(secret, c.SecretHash) {
		return c, true, nil
	}
	ok := c.PrevSecretExpiresAt != nil && s.now().Before(*c.PrevSecretExpiresAt) && secretMatches(secret, c.PrevSecretHash)
	return c, ok, nil
}

// DeleteClient deletes a client.
func (s *Store) DeleteClient(ctx context.Context, v Viewer, wsID, id int64, actor Actor) error {
	if err := allowedIn(v, authz.ManageClients, wsID); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		c, err := clientIn(tx, v.Tenant.ID, wsID, id)
		if err != nil {
			return err
		}
		if err := tx.Delete(&Client{}, c.ID).Error; err != nil {
			return err
		}
		return writeAuditIn(tx, s.now(), v.Tenant.ID, wsID, actor, "client.deleted", clientTarget(c), Changes{
			"name": {Before: c.Name}, "client_id": {Before: c.ClientID},
		})
	})
}
