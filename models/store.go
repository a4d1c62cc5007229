package models

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"time"

	"gatehouse/models/idp"
	"gatehouse/web/webhook"

	"gorm.io/gorm"
)

// Store holds what the business operations need: the database, the clock,
// the source of randomness, and how to build links and e-mails.
type Store struct {
	DB            *gorm.DB
	Now           func() time.Time
	Random        io.Reader
	BaseURL       string
	InvitationTTL time.Duration
	ResetTTL      time.Duration
	Emails        EmailRenderer
	// TOTPKey encrypts TOTP secrets at rest (AES-256-GCM); CodeKey keys the
	// hashes of e-mailed sign-in codes and of the addresses they are asked
	// for. Both come from GATEHOUSE_SECRET_KEY and must be the same on every
	// replica.
	TOTPKey []byte
	CodeKey []byte
	// SSOKey encrypts the client secrets of tenants' single sign-on at rest.
	SSOKey []byte
	// IdP talks to tenants' identity providers (single sign-on).
	IdP *idp.Client
	// Webhooks checks webhook URLs and delivers (SSRF-safe); nil: the
	// production client (no private addresses).
	Webhooks *webhook.Client
	// Observer hears of sign-ins and lockouts (metrics); nil: nobody.
	Observer Observer
	// Logger receives what an operator must see (a TOTP secret this
	// replica cannot decrypt); slog.Default() unless set.
	Logger *slog.Logger
	// SearchWindow is how many rows a list's search on PostgreSQL walks
	// before it turns to the trigram indexes (search.go); 0: SearchWindow.
	SearchWindow int
	// hooks hear of the statements rawQuery runs (OnStatement).
	hooks *statementHooks
}

// Keys are the store's secret keys (32 bytes each), derived from
// GATEHOUSE_SECRET_KEY by the caller.
type Keys struct {
	TOTP []byte
	Code []byte
	SSO  []byte
}

// ErrMissingKeys is NewStore's refusal to run without its secret keys:
// keys made up on the spot would differ between replicas and restarts,
// and every TOTP secret and e-mailed code would silently stop working.
var ErrMissingKeys = errors.New("models: the TOTP and sign-in code keys must be given (32 bytes each)")

// NewStore returns a Store with the real clock, crypto/rand and the default
// token lifetimes. It refuses (ErrMissingKeys) unless both keys are given:
// a one-off command derives them from GATEHOUSE_SECRET_KEY as serve does.
// Without a single sign-on key (Keys.SSO), one is derived from the TOTP key.
func NewStore(db *gorm.DB, baseURL string, emails EmailRenderer, keys Keys) (*Store, error) {
	if len(keys.TOTP) != 32 || len(keys.Code) != 32 || (len(keys.SSO) != 0 && len(keys.SSO) != 32) {
		return nil, ErrMissingKeys
	}
	if len(keys.SSO) == 0 {
		k, err := hkdf.Key(sha256.New, keys.TOTP, nil, "gatehouse/sso-secrets", 32)
		if err != nil {
			return nil, err
		}
		keys.SSO = k
	}
	return &Store{
		hooks:         &statementHooks{},
		DB:            db,
		Now:           func() time.Time { return time.Now() },
		Random:        rand.Reader,
		BaseURL:       strings.TrimRight(baseURL, "/"),
		InvitationTTL: 7 * 24 * time.Hour,
		ResetTTL:      time.Hour,
		Emails:        emails,
		TOTPKey:       keys.TOTP,
		CodeKey:       keys.Code,
		SSOKey:        keys.SSO,
		IdP:           idp.NewClient(idp.Options{}),
		Logger:        slog.Default(),
	}, nil
}

func (s *Store) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// now is the store's clock in UTC at the database's precision.
func (s *Store) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// newToken returns a fresh random token (256 bits, URL-safe) and its hash.
func (s *Store) newToken() (raw, hash string, err error) {
	b := make([]byte, 32)
	if _, err := io.ReadFull(s.Random, b); err != nil {
		return "", "", fmt.Errorf("read random: %w", err)
	}
	raw = base64.RawURLEncoding.EncodeToString(b)
	return raw, HashToken(raw), nil
}

// HashToken is how tokens are stored: the hex SHA-256 of the raw token.
func HashToken(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

// ValidationError carries one message per invalid form field.
type ValidationError struct {
	Fields map[string]string
}

func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+e.Fields[k])
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// fieldErrors accumulates field messages; Err returns nil when there are none.
type fieldErrors map[string]string

func (f fieldErrors) add(field, msg string) {
	if _, ok := f[field]; !ok {
		f[field] = msg
	}
}

func (f fieldErrors) err() error {
	if len(f) == 0 {
		return nil
	}
	return &ValidationError{Fields: f}
}
