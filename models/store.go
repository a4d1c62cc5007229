package models

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

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
	// hashes of e-mailed sign-in codes. Both come from GATEHOUSE_SECRET_KEY
	// and must be the same on every replica.
	TOTPKey []byte
	CodeKey []byte
	// Observer hears of sign-ins and lockouts (metrics); nil: nobody.
	Observer Observer
}

// NewStore returns a Store with the real clock, crypto/rand and the default
// token lifetimes.
func NewStore(db *gorm.DB, baseURL string, emails EmailRenderer) *Store {
	return &Store{
		DB:            db,
		Now:           func() time.Time { return time.Now() },
		Random:        rand.Reader,
		BaseURL:       strings.TrimRight(baseURL, "/"),
		InvitationTTL: 7 * 24 * time.Hour,
		ResetTTL:      time.Hour,
		Emails:        emails,
		TOTPKey:       randomKey(),
		CodeKey:       randomKey(),
	}
}

// randomKey is a placeholder key for stores whose secrets need not outlive
// the process (tests, one-off commands); serve sets keys from the config.
func randomKey() []byte {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		panic(err)
	}
	return k
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
