package models

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"gatehouse/models/idp"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Single sign-on for administrators with the tenant's OpenID Connect
// identity provider (Tenant Settings > Single Sign-On).
//
// A sign-in through the provider is the provider's authentication, whole:
// Gatehouse asks for no TOTP code after it, and the tenant's require_totp
// is met by it (the provider is where the company enforces its own
// second factor). The provider only vouches for addresses of the domains
// it serves, and only an existing, active administrator of the tenant
// whose address the ID token gives, verified (email_verified), signs in:
// no account is ever created.
//
// sso_only turns password and e-mailed code sign-in off for every
// administrator but the break-glass ones (IsBreakGlass); passkeys keep
// working (they are not something that can be phished or guessed, and they
// are the way back in when the provider is down).

// TenantSSO is a tenant's single sign-on configuration (no row: none).
type TenantSSO struct {
	TenantID  int64  `gorm:"primaryKey;autoIncrement:false"`
	IssuerURL string `gorm:"size:500;not null"`
	ClientID  string `gorm:"size:255;not null"`
	// ClientSecret is sealed (AES-256-GCM) with a key derived from
	// GATEHOUSE_SECRET_KEY; it is never shown again once saved.
	ClientSecret []byte
	// Domains are the e-mail domains the provider serves, lower case, one
	// per line.
	Domains     string `gorm:"size:2000;not null;default:''"`
	ButtonLabel string `gorm:"size:100;not null;default:''"`
	SSOOnly     bool   `gorm:"column:sso_only;not null"`
	// AuthorizeOrigin is the origin of the provider's authorization
	// endpoint, as discovery last said: the sign-in page's
	// Content-Security-Policy lets its forms lead there (form-action), since
	// starting single sign-on is a form whose answer redirects to it.
	AuthorizeOrigin string `gorm:"size:300;not null;default:''"`
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// TableName is the table of tenants' single sign-on settings.
func (TenantSSO) TableName() string { return "tenant_sso" }

// SSOCode is an authorization code already redeemed (its SHA-256).
type SSOCode struct {
	CodeHash  string `gorm:"primaryKey;size:64"`
	TenantID  int64  `gorm:"not null"`
	CreatedAt time.Time
}

// TableName is the table of redeemed codes.
func (SSOCode) TableName() string { return "sso_codes" }

// DefaultSSOButtonLabel is the sign-in button's label when none is set.
const DefaultSSOButtonLabel = "Sign in with SSO"

// Bounds of the settings.
const (
	MaxSSODomains     = 50
	MaxSSOButtonLabel = 60
	MaxSSOClientID    = 255
	MaxSSOSecret      = 2000
)

// DomainList is the configured domains.
func (t TenantSSO) DomainList() []string {
	var out []string
	for _, d := range strings.Split(t.Domains, "\n") {
		if d = strings.TrimSpace(d); d != "" {
			out = append(out, d)
		}
	}
	return out
}

// Label is the sign-in button's label.
func (t TenantSSO) Label() string {
	if t.ButtonLabel == "" {
		return DefaultSSOButtonLabel
	}
	return t.ButtonLabel
}

// Serves reports whether an e-mail address is of one of the domains.
func (t TenantSSO) Serves(email string) bool {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return false
	}
	domain := strings.ToLower(strings.TrimSpace(email[at+1:]))
	for _, d := range t.DomainList() {
		if domain == d {
			return true
		}
	}
	return false
}

// SSO returns the tenant's single sign-on configuration; ok is false when
// it has none.
func (s *Store) SSO(ctx context.Context, tenantID int64) (TenantSSO, bool, error) {
	return ssoOf(s.DB.WithContext(ctx), tenantID)
}

func ssoOf(db *gorm.DB, tenantID int64) (TenantSSO, bool, error) {
	var t TenantSSO
	err := db.Where("tenant_id = ?", tenantID).Take(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return TenantSSO{TenantID: tenantID}, false, nil
	}
	return t, err == nil, err
}

// IsBreakGlass reports whether an administrator is one of the tenant's
// break-glass administrators, who keep password (and e-mailed code)
// sign-in when sso_only is on. They are named on Tenant Settings > Tenant
// (field break_glass; see elevation.go). It takes the same statement for
// every administrator, known or not (ID 0), as its callers need.
func (s *Store) IsBreakGlass(ctx context.Context, tenantID, adminID int64) (bool, error) {
	var n int64
	err := s.DB.WithContext(ctx).Model(&BreakGlassAdmin{}).Where("tenant_id = ? AND administrator_id = ?", tenantID, adminID).Count(&n).Error
	return n > 0, err
}

// passwordSignInOn reports whether a (possibly unknown: ID 0)
// administrator may sign in with a password or an e-mailed code: always,
// unless the tenant's single sign-on is sso_only and they are not a
// break-glass administrator. The same statements run for everybody.
func (s *Store) passwordSignInOn(ctx context.Context, tenantID, adminID int64) (bool, error) {
	t, ok, err := s.SSO(ctx, tenantID)
	if err != nil {
		return false, err
	}
	glass, err := s.IsBreakGlass(ctx, tenantID, adminID)
	if err != nil {
		return false, err
	}
	return !ok || !t.SSOOnly || glass, nil
}

// SSOSettings is the Single Sign-On form.
type SSOSettings struct {
	IssuerURL    string
	ClientID     string
	ClientSecret string // "" keeps the saved one
	Domains      string // as typed: separated by commas, spaces or lines
	ButtonLabel  string
	SSOOnly      bool
}

var domainRE = regexp.MustCompile(`^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$`)

// ParseDomains reads typed e-mail domains (separated by commas, spaces or
// lines; an "@" before each is allowed), lower-cased and without
// repetitions, or a message.
func ParseDomains(typed string) ([]string, string) {
	var out []string
	seen := map[string]bool{}
	for _, d := range strings.FieldsFunc(typed, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		d = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "@"))
		if d == "" || seen[d] {
			continue
		}
		if len(d) > 253 || !domainRE.MatchString(d) {
			return nil, fmt.Sprintf("%q is not an e-mail domain such as example.com.", d)
		}
		seen[d] = true
		out = append(out, d)
	}
	switch {
	case len(out) == 0:
		return nil, "Enter the e-mail domains your identity provider serves, such as example.com."
	case len(out) > MaxSSODomains:
		return nil, fmt.Sprintf("At most %d domains.", MaxSSODomains)
	}
	return out, ""
}

// idpClient is the client that talks to identity providers.
func (s *Store) idpClient() *idp.Client {
	if s.IdP == nil {
		s.IdP = idp.NewClient(idp.Options{})
	}
	return s.IdP
}

// SSOCallbackURL is where the tenant's identity provider sends
// administrators back (the redirect URI to register with it).
func (s *Store) SSOCallbackURL(tenant Tenant) string {
	return s.BaseURL + "/t/" + tenant.Slug + "/login/sso/callback"
}

// SaveSSOSettings validates and saves the tenant's single sign-on: every
// field checked (a message each), the provider's OpenID configuration
// read from the issuer (a failure is a message on issuer_url), a recent
// step-up; then saved with its audit event (the secret never in it) in one
// transaction. The client secret is required the first time; later an
// empty one keeps the saved secret.
func (s *Store) SaveSSOSettings(ctx context.Context, v Viewer, in SSOSettings, actor Actor) error {
	cur, ok, err := s.SSO(ctx, v.Tenant.ID)
	if err != nil {
		return err
	}
	f := fieldErrors{}
	issuer, err := s.idpClient().CheckIssuer(in.IssuerURL)
	if err != nil {
		f.add("issuer_url", err.Error())
	}
	clientID := strings.TrimSpace(in.ClientID)
	switch {
	case clientID == "":
		f.add("client_id", "Enter the client ID your identity provider gave Gatehouse.")
	case len(clientID) > MaxSSOClientID || strings.ContainsAny(clientID, "\r\n\t"):
		f.add("client_id", fmt.Sprintf("The client ID can be at most %d characters, on one line.", MaxSSOClientID))
	}
	secret := in.ClientSecret
	switch {
	case secret == "" && (!ok || len(cur.ClientSecret) == 0):
		f.add("client_secret", "Enter the client secret your identity provider gave Gatehouse.")
	case len(secret) > MaxSSOSecret:
		f.add("client_secret", fmt.Sprintf("The client secret can be at most %d characters.", MaxSSOSecret))
	}
	domains, msg := ParseDomains(in.Domains)
	if msg != "" {
		f.add("domains", msg)
	}
	label := strings.TrimSpace(in.ButtonLabel)
	if utf8.RuneCountInString(label) > MaxSSOButtonLabel || strings.ContainsAny(label, "\r\n\t") {
		f.add("button_label", fmt.Sprintf("The button label can be at most %d characters, on one line.", MaxSSOButtonLabel))
	}
	s.needStepUp(v, f)
	if err := f.err(); err != nil {
		return err
	}
	// Read the provider's configuration now, so a wrong issuer is said here
	// and not at the next sign-in.
	provider, err := s.idpClient().Discover(ctx, issuer, true)
	if err != nil {
		return &ValidationError{Fields: map[string]string{"issuer_url": err.Error()}}
	}
	next := cur
	next.TenantID, next.IssuerURL, next.ClientID = v.Tenant.ID, issuer, clientID
	next.Domains, next.ButtonLabel, next.SSOOnly = strings.Join(domains, "\n"), label, in.SSOOnly
	next.AuthorizeOrigin = idp.OriginOf(provider.Endpoint().AuthURL)
	if secret != "" {
		if next.ClientSecret, err = s.sealWith(s.SSOKey, []byte(secret)); err != nil {
			return err
		}
	}
	now := s.now()
	next.UpdatedAt = now
	if !ok {
		next.CreatedAt = now
	}
	ch := Changes{}
	diff(ch, "issuer_url", cur.IssuerURL, next.IssuerURL)
	diff(ch, "client_id", cur.ClientID, next.ClientID)
	if secret != "" {
		ch["client_secret"] = Change{Before: map[bool]string{true: "set", false: ""}[ok], After: "changed"}
	}
	diff(ch, "domains", strings.Join(cur.DomainList(), ", "), strings.Join(domains, ", "))
	diff(ch, "button_label", cur.ButtonLabel, next.ButtonLabel)
	diff(ch, "sso_only", cur.SSOOnly, next.SSOOnly)
	return s.tx(ctx, func(tx *gorm.DB) error {
		if err := lockTenant(tx, v.Tenant.ID); err != nil {
			return err
		}
		if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&next).Error; err != nil {
			return err
		}
		if len(ch) == 0 {
			return nil
		}
		return writeAudit(tx, now, v.Tenant.ID, actor, "tenant.sso_updated",
			Target{Type: "tenant", ID: fmt.Sprint(v.Tenant.ID), Label: v.Tenant.Slug}, ch)
	})
}

// RemoveSSO turns single sign-on off (its settings deleted; password and
// code sign-in are back for everyone). It needs a recent step-up.
func (s *Store) RemoveSSO(ctx context.Context, v Viewer, actor Actor) error {
	cur, ok, err := s.SSO(ctx, v.Tenant.ID)
	if err != nil {
		return err
	}
	if !ok {
		return ErrNotFound
	}
	if err := s.stepUpError(v); err != nil {
		return err
	}
	now := s.now()
	return s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Where("tenant_id = ?", v.Tenant.ID).Delete(&TenantSSO{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrNotFound
		}
		return writeAudit(tx, now, v.Tenant.ID, actor, "tenant.sso_removed",
			Target{Type: "tenant", ID: fmt.Sprint(v.Tenant.ID), Label: v.Tenant.Slug},
			Changes{"issuer_url": {Before: cur.IssuerURL}, "sso_only": {Before: cur.SSOOnly}})
	})
}

// ErrSSOFailed is every refused single sign-on: SSOError carries why, for
// the audit log and the server's log, never for the page.
var ErrSSOFailed = errors.New("single sign-on failed")

// SSOError is ErrSSOFailed with its reason.
type SSOError struct{ Reason string }

func (e *SSOError) Error() string        { return "single sign-on refused: " + e.Reason }
func (e *SSOError) Is(target error) bool { return target == ErrSSOFailed }

// ErrSSONotConfigured: the tenant has no single sign-on.
var ErrSSONotConfigured = errors.New("single sign-on is not set up for this tenant")

// StartSSO makes a new authorization request to the tenant's provider:
// its secrets (to keep server-side with the browser's pending sign-in) and
// the URL to send the browser to.
func (s *Store) StartSSO(ctx context.Context, tenant Tenant, loginHint string) (idp.Request, string, error) {
	t, ok, err := s.SSO(ctx, tenant.ID)
	if err != nil {
		return idp.Request{}, "", err
	}
	if !ok {
		return idp.Request{}, "", ErrSSONotConfigured
	}
	var r idp.Request
	for _, dst := range []*string{&r.State, &r.Nonce, &r.Verifier} {
		b := make([]byte, 32)
		if _, err := io.ReadFull(s.Random, b); err != nil {
			return idp.Request{}, "", err
		}
		*dst = base64.RawURLEncoding.EncodeToString(b)
	}
	if _, msg := CheckEmail(loginHint); msg != "" {
		loginHint = ""
	}
	cfg, err := s.idpConfig(tenant, t)
	if err != nil {
		return idp.Request{}, "", err
	}
	u, err := s.idpClient().AuthURL(ctx, cfg, r, loginHint)
	if err != nil {
		return idp.Request{}, "", err
	}
	if o := idp.OriginOf(u); o != t.AuthorizeOrigin { // the provider moved its endpoint: the next page allows it
		if err := s.DB.WithContext(ctx).Model(&TenantSSO{}).Where("tenant_id = ?", tenant.ID).UpdateColumn("authorize_origin", o).Error; err != nil {
			return idp.Request{}, "", err
		}
	}
	return r, u, nil
}

func (s *Store) idpConfig(tenant Tenant, t TenantSSO) (idp.Config, error) {
	secret, err := s.openWith(s.SSOKey, t.ClientSecret)
	if err != nil {
		s.logger().Error("SSO client secret cannot be decrypted: is GATEHOUSE_SECRET_KEY the same on every replica?", "tenant_id", tenant.ID, "err", err)
		return idp.Config{}, err
	}
	return idp.Config{Issuer: t.IssuerURL, ClientID: t.ClientID, ClientSecret: string(secret), RedirectURL: s.SSOCallbackURL(tenant)}, nil
}

// SSOCallback is what the provider sent the browser back with.
type SSOCallback struct {
	State            string
	Code             string
	Error            string // the provider's error code (access_denied, ...)
	ErrorDescription string
}

// FinishSSO completes a single sign-on: the callback's state must be the
// pending request's; the code is redeemed once only (a replayed code is
// refused whatever the provider says); the code is exchanged with the PKCE
// verifier and the ID token verified (signature, issuer, audience, expiry,
// nonce); the token's email must be verified, of one of the provider's
// domains, and belong to an active administrator of the tenant. Every
// refusal is ErrSSOFailed, audited as a failed sign-in with its reason.
// Completing the sign-in is RecordSignIn's (method "sso").
func (s *Store) FinishSSO(ctx context.Context, tenant Tenant, pending idp.Request, cb SSOCallback, meta Actor) (Administrator, error) {
	a, err := s.finishSSO(ctx, tenant, pending, cb)
	var serr *SSOError
	if errors.As(err, &serr) {
		meta.AdminID, meta.Email = 0, ""
		target := Target{Type: "administrator"}
		if a.ID != 0 {
			target = adminTarget(a)
		} else if a.Email != "" {
			target.Label = a.Email
		}
		if aerr := writeAudit(s.DB.WithContext(ctx), s.now(), tenant.ID, meta, "administrator.sign_in_failed", target,
			Changes{"method": {After: "sso"}, "reason": {After: truncate(serr.Reason, 300)}}); aerr != nil {
			return Administrator{}, aerr
		}
		s.observer().SignIn(SignInFailed)
		return Administrator{}, err
	}
	return a, err
}

func ssoFailed(format string, args ...any) error {
	return &SSOError{Reason: fmt.Sprintf(format, args...)}
}

func (s *Store) finishSSO(ctx context.Context, tenant Tenant, pending idp.Request, cb SSOCallback) (Administrator, error) {
	if pending.State == "" || subtle.ConstantTimeCompare([]byte(pending.State), []byte(cb.State)) != 1 {
		return Administrator{}, ssoFailed("the state is not this browser's pending sign-in")
	}
	if cb.Error != "" {
		return Administrator{}, ssoFailed("the identity provider answered %s: %s", truncate(cb.Error, 100), truncate(cb.ErrorDescription, 200))
	}
	if cb.Code == "" {
		return Administrator{}, ssoFailed("no authorization code")
	}
	t, ok, err := s.SSO(ctx, tenant.ID)
	if err != nil {
		return Administrator{}, err
	}
	if !ok {
		return Administrator{}, ssoFailed("single sign-on is not set up")
	}
	// Redeem the code once only, before anything is sent with it.
	err = s.DB.WithContext(ctx).Create(&SSOCode{CodeHash: HashToken(fmt.Sprintf("%d:%s", tenant.ID, cb.Code)), TenantID: tenant.ID, CreatedAt: s.now()}).Error
	if err != nil {
		if isUniqueViolation(err) {
			return Administrator{}, ssoFailed("the authorization code was already used")
		}
		return Administrator{}, err
	}
	cfg, err := s.idpConfig(tenant, t)
	if err != nil {
		return Administrator{}, err
	}
	id, err := s.idpClient().Exchange(ctx, cfg, pending, cb.Code, s.Now)
	if err != nil {
		var ie *idp.Error
		if errors.As(err, &ie) {
			return Administrator{}, ssoFailed("%s", ie.Message)
		}
		return Administrator{}, err
	}
	email, msg := CheckEmail(id.Email)
	if msg != "" {
		return Administrator{}, ssoFailed("the ID token has no usable email claim (%q)", truncate(id.Email, 100))
	}
	who := ghostAdmin(tenant.ID, email)
	if !id.EmailVerified {
		return who, ssoFailed("the identity provider has not verified %s (email_verified is not true)", email)
	}
	if !t.Serves(email) {
		return who, ssoFailed("%s is not of a domain this identity provider serves", email)
	}
	a, err := s.AdministratorByEmail(ctx, tenant.ID, email)
	if errors.Is(err, ErrNotFound) {
		return who, ssoFailed("%s is not an administrator of this tenant", email)
	}
	if err != nil {
		return Administrator{}, err
	}
	if a.Status != AdminActive {
		return a, ssoFailed("%s is not an active administrator", email)
	}
	return a, nil
}
