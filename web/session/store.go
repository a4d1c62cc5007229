package session

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"gatehouse/models"

	"github.com/gorilla/sessions"
)

// CookieName is the session cookie's name under http; under https it
// carries the __Host- prefix (SecureCookieName), which browsers accept
// only from this very host, so a sibling subdomain cannot plant one.
const (
	CookieName       = "gatehouse_session"
	SecureCookieName = "__Host-" + CookieName
)

// cookieName is the name this store's cookie goes by.
func (s *Store) cookieName() string {
	if s.Secure {
		return SecureCookieName
	}
	return CookieName
}

// touchEvery bounds how often a session's last-seen time is written.
const touchEvery = time.Minute

// Store is a gorilla/sessions Store whose sessions live in the database. The
// cookie holds a random 256-bit id; the table holds only its SHA-256.
type Store struct {
	Models *models.Store
	// Idle and Absolute are the timeouts of sessions of no tenant; a
	// tenant's own (Tenant Settings > Tenant, at most these) apply to its
	// sessions. Absolute also sets the stored expiry, the ceiling.
	Idle     time.Duration
	Absolute time.Duration
	Secure   bool
	Now      func() time.Time
	// ClientIP is the request's client address (the server's IP
	// extractor); nil = the connection's address.
	ClientIP func(*http.Request) string
}

var _ sessions.Store = (*Store)(nil)

// Get returns the request's session, cached for the request.
func (s *Store) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New loads the session named by the request's cookie, or returns a fresh
// one when there is none, it is unknown, or it has timed out.
func (s *Store) New(r *http.Request, name string) (*sessions.Session, error) {
	sess := sessions.NewSession(s, name)
	sess.Options = s.options()
	sess.IsNew = true
	c, err := r.Cookie(name)
	if err != nil || c.Value == "" || len(c.Value) > 100 {
		return sess, nil
	}
	// The tenant's session lengths (Tenant Settings > Tenant) come with
	// the row, in the same query; the server's are the default. A tenant
	// page has loaded both already, with its tenant (Preload).
	hash := models.HashToken(c.Value)
	row, lim, err := s.preloaded(r, hash)
	if errors.Is(err, errNotPreloaded) {
		row, lim, err = s.Models.SessionWithLimits(r.Context(), hash)
	}
	if errors.Is(err, models.ErrNotFound) {
		return sess, nil
	}
	if err != nil {
		return sess, err
	}
	idle, expires := s.Idle, row.ExpiresAt
	if lim.Idle > 0 {
		idle = lim.Idle
	}
	if lim.Absolute > 0 && row.CreatedAt.Add(lim.Absolute).Before(expires) {
		expires = row.CreatedAt.Add(lim.Absolute)
	}
	now := s.Now().UTC()
	if !now.Before(expires) || now.Sub(row.LastSeenAt) > idle {
		_ = s.Models.DeleteSession(r.Context(), row.ID)
		return sess, nil
	}
	if err := decode(row.Data, sess.Values); err != nil {
		return sessions.NewSession(s, name), nil
	}
	sess.ID = c.Value
	sess.IsNew = false
	sess.Values[keyCreated] = row.CreatedAt
	if now.Sub(row.LastSeenAt) >= touchEvery {
		if err := s.Models.TouchSession(r.Context(), row.ID, now); err != nil {
			return sess, err
		}
	}
	return sess, nil
}

// Save writes the session to the database and sets its cookie; a session
// with MaxAge < 0 is deleted and its cookie cleared.
func (s *Store) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	if sess.Options.MaxAge < 0 {
		if sess.ID != "" {
			if err := s.Models.DeleteSession(r.Context(), models.HashToken(sess.ID)); err != nil {
				return err
			}
		}
		http.SetCookie(w, sessions.NewCookie(sess.Name(), "", sess.Options))
		return nil
	}
	row, err := s.row(r, sess)
	if err != nil {
		return err
	}
	if err := s.Models.SaveSession(r.Context(), &row); err != nil {
		return err
	}
	s.setCookie(w, sess, row.ExpiresAt)
	return nil
}

// row is the stored form of a session, giving it an id when it has none.
func (s *Store) row(r *http.Request, sess *sessions.Session) (models.Session, error) {
	now := s.Now().UTC().Truncate(time.Microsecond)
	created, _ := sess.Values[keyCreated].(time.Time)
	if sess.ID == "" {
		id, err := newID()
		if err != nil {
			return models.Session{}, err
		}
		sess.ID = id
		created = now
		sess.Values[keyCreated] = created
	}
	data, err := encode(sess.Values)
	if err != nil {
		return models.Session{}, err
	}
	row := models.Session{
		ID: models.HashToken(sess.ID), Data: data,
		IP: truncate(s.clientIP(r), 64), UserAgent: truncate(r.UserAgent(), 500),
		CreatedAt: created, LastSeenAt: now, ExpiresAt: created.Add(s.Absolute),
	}
	if v, ok := int64Value(sess.Values[keyTenant]); ok {
		row.TenantID = &v
	}
	if v, ok := int64Value(sess.Values[keyAdmin]); ok {
		row.AdministratorID = &v
		stage, _ := sess.Values[keyStage].(string)
		row.Pending = stage != StageComplete
	}
	return row, nil
}

func (s *Store) setCookie(w http.ResponseWriter, sess *sessions.Session, expires time.Time) {
	opts := *sess.Options
	opts.MaxAge = int(time.Until(expires.Add(time.Minute)).Seconds())
	http.SetCookie(w, sessions.NewCookie(sess.Name(), sess.ID, &opts))
}

func (s *Store) options() *sessions.Options {
	return &sessions.Options{Path: "/", HttpOnly: true, Secure: s.Secure, SameSite: http.SameSiteLaxMode}
}

// EndAllOf deletes every session of an administrator but keep (a raw id, may be empty).
func (s *Store) EndAllOf(ctx context.Context, adminID int64, keep string) error {
	keepHash := ""
	if keep != "" {
		keepHash = models.HashToken(keep)
	}
	return s.Models.DeleteSessionsOf(ctx, adminID, keepHash)
}

func newID() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// encode stores the values with string keys as JSON; the creation time is a
// column of its own and is not repeated.
func encode(values map[any]any) ([]byte, error) {
	m := make(map[string]any, len(values))
	for k, v := range values {
		ks, ok := k.(string)
		if !ok || ks == keyCreated {
			continue
		}
		m[ks] = v
	}
	return json.Marshal(m)
}

func decode(data []byte, values map[any]any) error {
	if len(data) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	m := map[string]any{}
	if err := dec.Decode(&m); err != nil {
		return err
	}
	for k, v := range m {
		values[k] = v
	}
	return nil
}

func int64Value(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, x != 0
	case int:
		return int64(x), x != 0
	case json.Number:
		n, err := x.Int64()
		return n, err == nil && n != 0
	case float64:
		return int64(x), x != 0
	}
	return 0, false
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// clientIP is the request's client address: the server's IP extractor
// (which believes X-Forwarded-For only from GATEHOUSE_TRUSTED_PROXIES) when
// set, else the address net/http saw.
func (s *Store) clientIP(r *http.Request) string {
	if s.ClientIP != nil {
		return s.ClientIP(r)
	}
	host := r.RemoteAddr
	for i := len(host) - 1; i >= 0; i-- {
		if host[i] == ':' {
			host = host[:i]
			break
		}
	}
	return host
}
