package models

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"gorm.io/gorm"
)

// Passkeys (WebAuthn) for administrators. A passkey is a discoverable
// credential with user verification: it counts as both factors of a
// sign-in. The relying party is Gatehouse itself, its id the host name of
// GATEHOUSE_BASE_URL (Store.BaseURL), which must be a name, not an IP
// address, and be served over https (or be localhost): browsers refuse
// WebAuthn anywhere else.
//
// Every ceremony has two halves (begin, finish). Begin stores its
// challenge, with the library's session data, in webauthn_challenges, keyed
// by the challenge's SHA-256; finish takes the challenge back out of the
// client data it was sent (deleting the row: a challenge is used once, even
// by a failed attempt), so any replica finishes a ceremony another began.
// Challenges expire after ChallengeTTL.

// ChallengeTTL is how long a WebAuthn ceremony may take.
const ChallengeTTL = 5 * time.Minute

// Errors of passkeys.
var (
	// ErrPasskeysUnavailable: the base URL is an IP address (or plain http
	// on a name other than localhost); PasskeysUnavailable says why.
	ErrPasskeysUnavailable = errors.New("passkeys are unavailable on this server")
	// ErrPasskeyFailed: a ceremony's answer was refused (unreadable, its
	// challenge unknown, used or expired, a bad signature, an unknown
	// passkey, an administrator who may not sign in, ...). Callers show one
	// message for all of them; PasskeyError carries the reason for the log.
	ErrPasskeyFailed = errors.New("the passkey could not be verified")
	// ErrPasskeyCloned: the passkey's signature counter went backwards, a
	// sign that it was copied; the sign-in is refused and the passkey
	// flagged (see Passkey.CloneWarningAt).
	ErrPasskeyCloned = errors.New("the passkey's signature counter went backwards: it may have been copied")
)

// PasskeyError is ErrPasskeyFailed with its reason (for the log, never the page).
type PasskeyError struct{ Reason string }

func (e *PasskeyError) Error() string        { return "passkey refused: " + e.Reason }
func (e *PasskeyError) Is(target error) bool { return target == ErrPasskeyFailed }

func passkeyFailed(format string, args ...any) error {
	return &PasskeyError{Reason: fmt.Sprintf(format, args...)}
}

// Passkey is one of an administrator's WebAuthn credentials.
type Passkey struct {
	ID              int64  `gorm:"primaryKey"`
	TenantID        int64  `gorm:"not null"`
	AdministratorID int64  `gorm:"not null"`
	CredentialHash  string `gorm:"size:64;not null"`  // SHA-256 (hex) of the credential id
	UserHandle      string `gorm:"size:100;not null"` // base64url WebAuthn user handle
	Name            string `gorm:"size:100;not null"`
	Data            string `gorm:"not null"` // webauthn.Credential as JSON
	SignCount       int64  `gorm:"not null;default:0"`
	// CloneWarningAt is when a sign-in with it showed a signature counter
	// that had gone backwards (nil: never).
	CloneWarningAt *time.Time
	CreatedAt      time.Time
	LastUsedAt     *time.Time
}

// WebauthnChallenge is a ceremony begun and not finished yet.
type WebauthnChallenge struct {
	ID              string `gorm:"primaryKey;size:64"` // SHA-256 (hex) of the challenge
	TenantID        int64  `gorm:"not null"`
	AdministratorID *int64 // nil: a sign-in with a discoverable credential
	Kind            string `gorm:"size:20;not null"`
	Data            string `gorm:"not null"` // webauthn.SessionData as JSON
	ExpiresAt       time.Time
	CreatedAt       time.Time
}

// Kinds of ceremony.
const (
	ceremonyRegister = "register"
	ceremonyLogin    = "login"
)

// MaxPasskeyName is the longest name a passkey may have.
const MaxPasskeyName = 100

// PasskeysUnavailable says why passkeys cannot be used with this server's
// base URL, or "" when they can.
func (s *Store) PasskeysUnavailable() string {
	_, reason := relyingPartyOf(s.BaseURL)
	return reason
}

// relyingPartyOf is the WebAuthn relying party for a base URL, or why
// there is none.
func relyingPartyOf(baseURL string) (*webauthn.WebAuthn, string) {
	u, err := url.Parse(baseURL)
	if err != nil || u.Hostname() == "" {
		return nil, "GATEHOUSE_BASE_URL is not a URL with a host name."
	}
	host := strings.ToLower(u.Hostname())
	if net.ParseIP(host) != nil {
		return nil, fmt.Sprintf("Passkeys need Gatehouse to be reached by a host name, but GATEHOUSE_BASE_URL (%s) names an IP address. An operator can set it to a name, such as http://localhost:%s for a local installation.", baseURL, portOr(u, "8080"))
	}
	if u.Scheme != "https" && host != "localhost" && !strings.HasSuffix(host, ".localhost") {
		return nil, fmt.Sprintf("Passkeys need Gatehouse to be served over https, but GATEHOUSE_BASE_URL is %s. An operator can serve it over https (browsers allow http only for localhost).", baseURL)
	}
	origin := u.Scheme + "://" + strings.ToLower(u.Host)
	wa, err := webauthn.New(&webauthn.Config{
		RPID:          host,
		RPDisplayName: "Gatehouse",
		RPOrigins:     []string{origin},
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey:      protocol.ResidentKeyRequirementPreferred,
			UserVerification: protocol.VerificationRequired,
		},
		AttestationPreference: protocol.PreferNoAttestation,
	})
	if err != nil {
		return nil, "Passkeys are unavailable: " + err.Error()
	}
	return wa, ""
}

func portOr(u *url.URL, dflt string) string {
	if p := u.Port(); p != "" {
		return p
	}
	return dflt
}

func (s *Store) relyingParty() (*webauthn.WebAuthn, error) {
	wa, reason := relyingPartyOf(s.BaseURL)
	if wa == nil {
		return nil, fmt.Errorf("%w: %s", ErrPasskeysUnavailable, reason)
	}
	return wa, nil
}

// passkeyUser is an administrator as the WebAuthn library sees them.
type passkeyUser struct {
	a      Administrator
	handle []byte
	creds  []webauthn.Credential
	// tenant names the tenant in the display name: one host serves every
	// tenant, so a person who administers two has a passkey for each, and
	// the browser's list of passkeys must tell them apart.
	tenant string
}

func (u passkeyUser) WebAuthnID() []byte   { return u.handle }
func (u passkeyUser) WebAuthnName() string { return u.a.Email }
func (u passkeyUser) WebAuthnDisplayName() string {
	if u.tenant == "" {
		return u.a.DisplayName()
	}
	return u.a.DisplayName() + " (" + u.tenant + ")"
}

func (u passkeyUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

// credentialHash is how a credential id is looked up.
func credentialHash(id []byte) string {
	sum := sha256.Sum256(id)
	return hex.EncodeToString(sum[:])
}

// PasskeysOf lists an administrator's passkeys, oldest first.
func (s *Store) PasskeysOf(ctx context.Context, tenantID, adminID int64) ([]Passkey, error) {
	var ps []Passkey
	err := s.DB.WithContext(ctx).Where("tenant_id = ? AND administrator_id = ?", tenantID, adminID).Order("id").Find(&ps).Error
	return ps, err
}

// PasskeyOf loads one passkey of an administrator; anyone else's is ErrNotFound.
func (s *Store) PasskeyOf(ctx context.Context, tenantID, adminID, id int64) (Passkey, error) {
	var p Passkey
	err := s.DB.WithContext(ctx).Where("tenant_id = ? AND administrator_id = ? AND id = ?", tenantID, adminID, id).Take(&p).Error
	return p, notFound(err)
}

// HasPasskey reports whether an administrator has at least one passkey.
func (s *Store) HasPasskey(ctx context.Context, tenantID, adminID int64) (bool, error) {
	return hasPasskey(s.DB.WithContext(ctx), tenantID, adminID)
}

func hasPasskey(db *gorm.DB, tenantID, adminID int64) (bool, error) {
	var n int64
	err := db.Model(&Passkey{}).Where("tenant_id = ? AND administrator_id = ?", tenantID, adminID).Limit(1).Count(&n).Error
	return n > 0, err
}

// userOf is the WebAuthn user of an administrator with their passkeys: the
// user handle of their first passkey, or a new random one.
func (s *Store) userOf(ctx context.Context, a Administrator) (passkeyUser, error) {
	ps, err := s.PasskeysOf(ctx, a.TenantID, a.ID)
	if err != nil {
		return passkeyUser{}, err
	}
	u := passkeyUser{a: a}
	for _, p := range ps {
		var c webauthn.Credential
		if err := json.Unmarshal([]byte(p.Data), &c); err != nil {
			return passkeyUser{}, fmt.Errorf("passkey %d: %w", p.ID, err)
		}
		u.creds = append(u.creds, c)
		if u.handle == nil {
			if u.handle, err = base64.RawURLEncoding.DecodeString(p.UserHandle); err != nil {
				return passkeyUser{}, fmt.Errorf("passkey %d user handle: %w", p.ID, err)
			}
		}
	}
	if u.handle == nil {
		u.handle = make([]byte, 32)
		if _, err := io.ReadFull(s.Random, u.handle); err != nil {
			return passkeyUser{}, err
		}
	}
	return u, nil
}

// challenge returns 32 random bytes from the store's source.
func (s *Store) challenge() ([]byte, error) {
	b := make([]byte, 32)
	_, err := io.ReadFull(s.Random, b)
	return b, err
}

// saveChallenge stores a ceremony's session data until it is finished.
func (s *Store) saveChallenge(ctx context.Context, tenantID int64, adminID *int64, kind string, sd *webauthn.SessionData) error {
	data, err := json.Marshal(sd)
	if err != nil {
		return err
	}
	now := s.now()
	return s.DB.WithContext(ctx).Create(&WebauthnChallenge{
		ID: HashToken(sd.Challenge), TenantID: tenantID, AdministratorID: adminID, Kind: kind,
		Data: string(data), ExpiresAt: now.Add(ChallengeTTL), CreatedAt: now,
	}).Error
}

// takeChallenge finds and deletes (uses up) the ceremony whose challenge
// the client data names, of this kind, tenant and administrator (0: none,
// a discoverable sign-in). Anything else — unknown, used, expired, begun
// for someone else — is ErrPasskeyFailed.
func (s *Store) takeChallenge(ctx context.Context, tenantID, adminID int64, kind, challenge string) (webauthn.SessionData, error) {
	var sd webauthn.SessionData
	if challenge == "" {
		return sd, passkeyFailed("no challenge in the client data")
	}
	id := HashToken(challenge)
	db := s.DB.WithContext(ctx)
	var row WebauthnChallenge
	if err := db.Where("id = ? AND kind = ? AND tenant_id = ?", id, kind, tenantID).Take(&row).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return sd, passkeyFailed("unknown or used challenge")
		}
		return sd, err
	}
	// Deleting decides: of two requests with the same challenge, one wins.
	res := db.Where("id = ?", id).Delete(&WebauthnChallenge{})
	if res.Error != nil {
		return sd, res.Error
	}
	if res.RowsAffected != 1 {
		return sd, passkeyFailed("challenge already used")
	}
	if !s.now().Before(row.ExpiresAt) {
		return sd, passkeyFailed("challenge expired")
	}
	owner := int64(0)
	if row.AdministratorID != nil {
		owner = *row.AdministratorID
	}
	if owner != adminID {
		return sd, passkeyFailed("challenge begun for another administrator")
	}
	if err := json.Unmarshal([]byte(row.Data), &sd); err != nil {
		return sd, err
	}
	return sd, nil
}

// DeleteExpiredChallenges removes ceremonies never finished (and redeemed
// single sign-on codes older than a day, which no provider still honours).
func (s *Store) DeleteExpiredChallenges(ctx context.Context) (int64, error) {
	now := s.now()
	res := s.DB.WithContext(ctx).Where("expires_at < ?", now).Delete(&WebauthnChallenge{})
	if res.Error != nil {
		return 0, res.Error
	}
	codes := s.DB.WithContext(ctx).Where("created_at < ?", now.Add(-24*time.Hour)).Delete(&SSOCode{})
	return res.RowsAffected + codes.RowsAffected, codes.Error
}

// BeginPasskeyRegistration starts adding a passkey for the signed-in
// administrator: the creation options (PublicKeyCredentialCreationOptions
// as JSON) for navigator.credentials.create. A resident key is preferred,
// user verification required, and the administrator's passkeys are
// excluded (an authenticator holds one of theirs at most).
func (s *Store) BeginPasskeyRegistration(ctx context.Context, tenant Tenant, adminID int64) ([]byte, error) {
	wa, err := s.relyingParty()
	if err != nil {
		return nil, err
	}
	a, err := adminIn(s.DB.WithContext(ctx), tenant.ID, adminID)
	if err != nil {
		return nil, err
	}
	if a.Status != AdminActive {
		return nil, ErrNotFound
	}
	u, err := s.userOf(ctx, a)
	if err != nil {
		return nil, err
	}
	u.tenant = tenant.Name
	ch, err := s.challenge()
	if err != nil {
		return nil, err
	}
	exclude := webauthn.Credentials(u.creds).CredentialDescriptors()
	creation, sd, err := wa.BeginRegistration(u,
		webauthn.WithExclusions(exclude),
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementPreferred),
		webauthn.WithConveyancePreference(protocol.PreferNoAttestation),
		func(o *protocol.PublicKeyCredentialCreationOptions) error { o.Challenge = ch; return nil },
	)
	if err != nil {
		return nil, err
	}
	if err := s.saveChallenge(ctx, tenant.ID, &a.ID, ceremonyRegister, sd); err != nil {
		return nil, err
	}
	return json.Marshal(creation.Response)
}

// CheckPasskeyName checks a passkey's name: 1 to 100 characters, no
// control characters. It returns the trimmed name or a message.
func CheckPasskeyName(name string) (string, string) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return name, "Give the passkey a name, such as the device it is on."
	case !utf8.ValidString(name) || strings.IndexFunc(name, unicode.IsControl) >= 0:
		return name, "The name cannot contain control characters."
	case utf8.RuneCountInString(name) > MaxPasskeyName:
		return name, fmt.Sprintf("The name can be at most %d characters.", MaxPasskeyName)
	}
	return name, ""
}

// FinishPasskeyRegistration checks the credential the browser created
// (RegistrationResponseJSON) against the ceremony begun for this
// administrator and stores it as a passkey named name, with its audit
// event and the e-mail telling the administrator, in one transaction. A
// bad name is a ValidationError on field name (the ceremony is left
// unused, so the same credential can be sent again with a better name).
func (s *Store) FinishPasskeyRegistration(ctx context.Context, tenant Tenant, adminID int64, name string, body []byte, meta Actor) (Passkey, error) {
	wa, err := s.relyingParty()
	if err != nil {
		return Passkey{}, err
	}
	name, msg := CheckPasskeyName(name)
	if msg != "" {
		return Passkey{}, &ValidationError{Fields: map[string]string{"name": msg}}
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(body)
	if err != nil {
		return Passkey{}, passkeyFailed("unreadable credential: %v", err)
	}
	a, err := adminIn(s.DB.WithContext(ctx), tenant.ID, adminID)
	if err != nil {
		return Passkey{}, err
	}
	sd, err := s.takeChallenge(ctx, tenant.ID, a.ID, ceremonyRegister, parsed.Response.CollectedClientData.Challenge)
	if err != nil {
		return Passkey{}, err
	}
	if a.Status != AdminActive {
		return Passkey{}, passkeyFailed("administrator not active")
	}
	u, err := s.userOf(ctx, a)
	if err != nil {
		return Passkey{}, err
	}
	u.handle = sd.UserID // the handle the options carried
	cred, err := wa.CreateCredential(u, sd, parsed)
	if err != nil {
		return Passkey{}, passkeyFailed("credential refused: %v", err)
	}
	data, err := json.Marshal(cred)
	if err != nil {
		return Passkey{}, err
	}
	now := s.now()
	p := Passkey{
		TenantID: tenant.ID, AdministratorID: a.ID, CredentialHash: credentialHash(cred.ID),
		UserHandle: base64.RawURLEncoding.EncodeToString(sd.UserID), Name: name, Data: string(data),
		SignCount: int64(cred.Authenticator.SignCount), CreatedAt: now,
	}
	meta.AdminID, meta.Email = a.ID, a.Email
	err = s.tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&Passkey{}).Where("credential_hash = ?", p.CredentialHash).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return passkeyFailed("credential already registered")
		}
		if err := tx.Create(&p).Error; err != nil {
			return err
		}
		if err := writeAudit(tx, now, a.TenantID, meta, "administrator.passkey_added", adminTarget(a),
			Changes{"passkey": {After: name}}); err != nil {
			return err
		}
		return s.notifyTx(tx, now, a, noticePasskeyAdded(name), meta)
	})
	if err != nil {
		return Passkey{}, err
	}
	return p, nil
}

// BeginPasskeySignIn starts a sign-in with a passkey: the request options
// (PublicKeyCredentialRequestOptions as JSON) for navigator.credentials.get,
// with user verification required. adminID 0 is the sign-in page's
// "Sign in with a passkey": any discoverable credential of the tenant.
// Otherwise it is the second step of a sign-in already past its password
// (or e-mailed code): only that administrator's passkeys are allowed.
func (s *Store) BeginPasskeySignIn(ctx context.Context, tenant Tenant, adminID int64) ([]byte, error) {
	wa, err := s.relyingParty()
	if err != nil {
		return nil, err
	}
	ch, err := s.challenge()
	if err != nil {
		return nil, err
	}
	opts := []webauthn.LoginOption{webauthn.WithUserVerification(protocol.VerificationRequired), webauthn.WithChallenge(ch)}
	var (
		assertion *protocol.CredentialAssertion
		sd        *webauthn.SessionData
		owner     *int64
	)
	if adminID == 0 {
		assertion, sd, err = wa.BeginDiscoverableLogin(opts...)
	} else {
		a, aerr := adminIn(s.DB.WithContext(ctx), tenant.ID, adminID)
		if aerr != nil {
			return nil, aerr
		}
		u, uerr := s.userOf(ctx, a)
		if uerr != nil {
			return nil, uerr
		}
		if len(u.creds) == 0 {
			return nil, passkeyFailed("the administrator has no passkey")
		}
		owner = &a.ID
		assertion, sd, err = wa.BeginLogin(u, opts...)
	}
	if err != nil {
		return nil, err
	}
	if err := s.saveChallenge(ctx, tenant.ID, owner, ceremonyLogin, sd); err != nil {
		return nil, err
	}
	return json.Marshal(assertion.Response)
}

// FinishPasskeySignIn checks an assertion (AuthenticationResponseJSON)
// against the sign-in ceremony begun on this tenant (for adminID, or
// discoverable when 0) and returns the administrator it proves, after
// recording the passkey's use (its signature counter and last use). The
// administrator must be active; the passkey must be theirs, of this tenant.
// Refusals are ErrPasskeyFailed (audited as a failed sign-in; they do not
// count towards the lockout: nothing can be guessed), and ErrPasskeyCloned
// when the signature counter went backwards (the passkey is flagged, the
// administrator told by e-mail). Completing the sign-in is RecordSignIn's.
func (s *Store) FinishPasskeySignIn(ctx context.Context, tenant Tenant, adminID int64, body []byte, meta Actor) (Administrator, error) {
	wa, err := s.relyingParty()
	if err != nil {
		return Administrator{}, err
	}
	a, _, err := s.verifyAssertion(ctx, wa, tenant, adminID, body)
	if err != nil {
		if errors.Is(err, ErrPasskeyFailed) {
			if ferr := s.passkeySignInFailed(ctx, tenant, a, meta); ferr != nil {
				return Administrator{}, ferr
			}
		}
		return Administrator{}, err
	}
	return a, nil
}

// verifyAssertion is FinishPasskeySignIn's check and bookkeeping. The
// administrator is returned, when known, with a failure too (for its audit).
func (s *Store) verifyAssertion(ctx context.Context, wa *webauthn.WebAuthn, tenant Tenant, adminID int64, body []byte) (Administrator, Passkey, error) {
	parsed, err := protocol.ParseCredentialRequestResponseBytes(body)
	if err != nil {
		return Administrator{}, Passkey{}, passkeyFailed("unreadable assertion: %v", err)
	}
	sd, err := s.takeChallenge(ctx, tenant.ID, adminID, ceremonyLogin, parsed.Response.CollectedClientData.Challenge)
	if err != nil {
		return Administrator{}, Passkey{}, err
	}
	db := s.DB.WithContext(ctx)
	var p Passkey
	if err := db.Where("credential_hash = ? AND tenant_id = ?", credentialHash(parsed.RawID), tenant.ID).Take(&p).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return Administrator{}, Passkey{}, passkeyFailed("unknown passkey")
		}
		return Administrator{}, Passkey{}, err
	}
	a, err := adminIn(db, tenant.ID, p.AdministratorID)
	if err != nil {
		return Administrator{}, Passkey{}, err
	}
	if adminID != 0 && a.ID != adminID {
		return a, p, passkeyFailed("passkey of another administrator")
	}
	if a.Status != AdminActive {
		return a, p, passkeyFailed("administrator not active")
	}
	u, err := s.userOf(ctx, a)
	if err != nil {
		return a, p, err
	}
	handle, err := base64.RawURLEncoding.DecodeString(p.UserHandle)
	if err != nil {
		return a, p, err
	}
	u.handle = handle
	var cred *webauthn.Credential
	if adminID == 0 {
		_, cred, err = wa.ValidatePasskeyLogin(func(rawID, userHandle []byte) (webauthn.User, error) {
			if !bytes.Equal(userHandle, handle) {
				return nil, errors.New("user handle does not match the passkey")
			}
			return u, nil
		}, sd, parsed)
	} else {
		u.handle = sd.UserID
		cred, err = wa.ValidateLogin(u, sd, parsed)
	}
	if err != nil {
		return a, p, passkeyFailed("assertion refused: %v", err)
	}
	now := s.now()
	if cred.Authenticator.CloneWarning {
		return a, p, s.passkeyCloned(ctx, a, p, now)
	}
	data, err := json.Marshal(cred)
	if err != nil {
		return a, p, err
	}
	// Only from the counter this check started from: of two assertions
	// verified at once with the same counter, one is recorded.
	res := db.Model(&Passkey{}).Where("id = ? AND sign_count = ?", p.ID, p.SignCount).
		UpdateColumns(map[string]any{"data": string(data), "sign_count": int64(cred.Authenticator.SignCount), "last_used_at": now})
	if res.Error != nil {
		return a, p, res.Error
	}
	if res.RowsAffected != 1 {
		return a, p, passkeyFailed("passkey used by another sign-in at the same moment")
	}
	return a, p, nil
}

// passkeyCloned flags a passkey whose counter went backwards, audits it
// and tells its administrator, all at once; the sign-in is refused.
func (s *Store) passkeyCloned(ctx context.Context, a Administrator, p Passkey, now time.Time) error {
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&Passkey{}).Where("id = ?", p.ID).UpdateColumn("clone_warning_at", now).Error; err != nil {
			return err
		}
		meta := Actor{AdminID: a.ID, Email: a.Email}
		if err := writeAudit(tx, now, a.TenantID, Actor{}, "administrator.passkey_clone_warning", adminTarget(a),
			Changes{"passkey": {After: p.Name}, "method": {After: "passkey"}}); err != nil {
			return err
		}
		return s.notifyTx(tx, now, a, noticePasskeyCloned(p.Name), meta)
	})
	if err != nil {
		return err
	}
	s.observer().SignIn(SignInFailed)
	return ErrPasskeyCloned
}

// passkeySignInFailed audits a refused passkey sign-in, against the
// administrator when the passkey was found, else against nobody.
func (s *Store) passkeySignInFailed(ctx context.Context, tenant Tenant, a Administrator, meta Actor) error {
	meta.AdminID, meta.Email = 0, ""
	target := Target{Type: "administrator"}
	if a.ID != 0 {
		target = adminTarget(a)
	}
	err := writeAudit(s.DB.WithContext(ctx), s.now(), tenant.ID, meta, "administrator.sign_in_failed", target,
		Changes{"method": {After: "passkey"}})
	if err == nil {
		s.observer().SignIn(SignInFailed)
	}
	return err
}

// RemovePasskey deletes one of the viewer's own passkeys (another's id, or
// one of another tenant, is ErrNotFound). It needs a recent step-up; with
// its audit event and the e-mail telling the administrator.
func (s *Store) RemovePasskey(ctx context.Context, v Viewer, id int64, meta Actor) (Passkey, error) {
	var p Passkey
	err := s.DB.WithContext(ctx).Where("id = ? AND tenant_id = ? AND administrator_id = ?", id, v.Tenant.ID, v.Administrator.ID).Take(&p).Error
	if err != nil {
		return Passkey{}, notFound(err)
	}
	if err := s.stepUpError(v); err != nil {
		return Passkey{}, err
	}
	a := v.Administrator
	meta.AdminID, meta.Email = a.ID, a.Email
	now := s.now()
	err = s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Where("id = ?", p.ID).Delete(&Passkey{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrNotFound
		}
		if err := writeAudit(tx, now, a.TenantID, meta, "administrator.passkey_removed", adminTarget(a),
			Changes{"passkey": {Before: p.Name}}); err != nil {
			return err
		}
		return s.notifyTx(tx, now, a, noticePasskeyRemoved(p.Name), meta)
	})
	return p, err
}
