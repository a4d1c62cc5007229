package session

import (
	"net/http"
	"strings"
	"time"

	"gatehouse/models"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"
)

// Keys of the values kept in a session.
const (
	keyTenant  = "tenant_id"
	keyAdmin   = "admin_id"
	keyStage   = "stage"
	keyEmail   = "email"
	keyNext    = "next"
	keyStepUp  = "step_up_at"
	keyMethod  = "method"
	keySSO     = "sso" // state, nonce and PKCE verifier of a pending single sign-on
	keyCreated = "_created"
)

// Stages of sign-in a session has reached.
const (
	StageNone   = ""
	StageCode   = "code"        // waiting for the e-mailed code
	StageTOTP   = "totp"        // first factor passed, waiting for TOTP
	StageEnroll = "enroll_totp" // first factor passed, must set up TOTP
	// StagePasskey: first factor passed; the tenant requires a second one
	// and the administrator has a passkey (and no TOTP): waiting for it.
	StagePasskey = "passkey"
	// StageSSO: sent to the tenant's identity provider, waiting for the
	// browser to come back to the callback (no administrator known yet).
	StageSSO      = "sso"
	StageComplete = "complete"
)

// Session is a typed view of the request's session.
type Session struct {
	raw   *sessions.Session
	store *Store
	c     echo.Context
}

// Load returns the request's session (a fresh one when there is none).
func (s *Store) Load(c echo.Context) (*Session, error) {
	raw, err := s.Get(c.Request(), s.cookieName())
	if err != nil {
		return nil, err
	}
	return &Session{raw: raw, store: s, c: c}, nil
}

// TenantID is the tenant the session is signed in to (0 = none).
func (s *Session) TenantID() int64 { v, _ := int64Value(s.raw.Values[keyTenant]); return v }

// AdminID is the signed-in administrator (0 = none).
func (s *Session) AdminID() int64 { v, _ := int64Value(s.raw.Values[keyAdmin]); return v }

// Stage is how far sign-in has got.
func (s *Session) Stage() string { v, _ := s.raw.Values[keyStage].(string); return v }

// Email is the address typed at the first step of a passwordless sign-in.
func (s *Session) Email() string { v, _ := s.raw.Values[keyEmail].(string); return v }

// Next is where to go once signed in.
func (s *Session) Next() string { v, _ := s.raw.Values[keyNext].(string); return v }

// Method is how the pending sign-in's first step was passed ("password",
// "email_code"; "" when not recorded).
func (s *Session) Method() string { v, _ := s.raw.Values[keyMethod].(string); return v }

// SSORequest is a pending single sign-on's state, nonce and PKCE verifier
// (empty unless the session is at StageSSO).
func (s *Session) SSORequest() (state, nonce, verifier string) {
	v, _ := s.raw.Values[keySSO].([]any)
	if len(v) != 3 {
		return "", "", ""
	}
	state, _ = v[0].(string)
	nonce, _ = v[1].(string)
	verifier, _ = v[2].(string)
	return state, nonce, verifier
}

// PendingIn returns the stage of an unfinished sign-in to tenantID ("" if none).
func (s *Session) PendingIn(tenantID int64) string {
	if tenantID == 0 || s.TenantID() != tenantID || s.Stage() == StageComplete {
		return ""
	}
	return s.Stage()
}

// RawID is the session's cookie id (empty for a session not yet saved).
func (s *Session) RawID() string { return s.raw.ID }

// Ended reports whether the browser presented a session that no longer
// exists on the server (signed out elsewhere, deactivated, timed out).
func (s *Session) Ended() bool {
	if !s.raw.IsNew {
		return false
	}
	ck, err := s.c.Cookie(s.store.cookieName())
	return err == nil && ck.Value != ""
}

// SignedInTo reports whether the session is fully signed in to tenantID.
func (s *Session) SignedInTo(tenantID int64) bool {
	return tenantID != 0 && s.TenantID() == tenantID && s.AdminID() != 0 && s.Stage() == StageComplete
}

// LoginPending starts a fresh session (new id; the old one is deleted) at
// a sign-in stage, remembering the typed e-mail (passwordless) and where
// to go afterwards. adminID is 0 while the administrator is not known yet
// (the e-mailed code stage).
func (s *Session) LoginPending(tenantID, adminID int64, stage, email, next string) error {
	return s.loginPending(tenantID, adminID, stage, email, next, nil)
}

// LoginPendingVia is LoginPending remembering how the first step was
// passed (method, audited when the sign-in completes).
func (s *Session) LoginPendingVia(tenantID, adminID int64, stage, method, next string) error {
	return s.loginPending(tenantID, adminID, stage, "", next, map[string]any{keyMethod: method})
}

// LoginPendingSSO starts a fresh session waiting for the tenant's identity
// provider to send the browser back, keeping the request's state, nonce
// and PKCE verifier on the server.
func (s *Session) LoginPendingSSO(tenantID int64, state, nonce, verifier, next string) error {
	return s.loginPending(tenantID, 0, StageSSO, "", next, map[string]any{keySSO: []any{state, nonce, verifier}})
}

func (s *Session) loginPending(tenantID, adminID int64, stage, email, next string, extra map[string]any) error {
	if s.raw.ID != "" {
		if err := s.store.Models.DeleteSession(s.c.Request().Context(), hashOf(s.raw.ID)); err != nil {
			return err
		}
	}
	fresh := s.fresh(tenantID, adminID, stage)
	if email != "" {
		fresh.Values[keyEmail] = email
	}
	if next != "" {
		fresh.Values[keyNext] = next
	}
	for k, v := range extra {
		fresh.Values[k] = v
	}
	s.raw = fresh
	if err := s.store.Save(s.c.Request(), s.c.Response(), fresh); err != nil {
		return err
	}
	s.c.Set(keyBound, fresh.ID)
	return nil
}

func (s *Session) fresh(tenantID, adminID int64, stage string) *sessions.Session {
	fresh := sessions.NewSession(s.store, s.store.cookieName())
	fresh.Options = s.store.options()
	fresh.IsNew = true
	fresh.Values[keyTenant] = tenantID
	fresh.Values[keyAdmin] = adminID
	fresh.Values[keyStage] = stage
	return fresh
}

// SignedIn is a signed-in session prepared by PrepareSignIn. The caller
// stores Row, deleting the session Replaces names, in the transaction that
// records the sign-in (models.RecordSignIn), so that either both happen or
// neither; then Done makes it the request's session and sets its cookie.
type SignedIn struct {
	Row      models.Session
	Replaces string // hashed id of the session it replaces ("" = none)
	sess     *Session
	fresh    *sessions.Session
}

// PrepareSignIn builds the fully signed-in session (a new id) that will
// replace this one, without storing anything.
func (s *Session) PrepareSignIn(tenantID, adminID int64) (*SignedIn, error) {
	fresh := s.fresh(tenantID, adminID, StageComplete)
	row, err := s.store.row(s.c.Request(), fresh)
	if err != nil {
		return nil, err
	}
	p := &SignedIn{Row: row, sess: s, fresh: fresh}
	if s.raw.ID != "" {
		p.Replaces = hashOf(s.raw.ID)
	}
	return p, nil
}

// Done makes the stored signed-in session the request's and sets its cookie.
func (p *SignedIn) Done() {
	p.sess.raw = p.fresh
	p.sess.store.setCookie(p.sess.c.Response(), p.fresh, p.Row.ExpiresAt)
	p.sess.c.Set(keyBound, p.fresh.ID)
}

// Logout deletes the session on the server and clears the cookie.
func (s *Session) Logout() error {
	s.raw.Options.MaxAge = -1
	err := s.store.Save(s.c.Request(), s.c.Response(), s.raw)
	s.raw.Values = map[any]any{}
	s.raw.ID = ""
	s.c.Set(keyBound, "")
	return err
}

// keyBound is the echo context key of the id the request's session has
// now, once this request has changed it (a sign-in step, a sign-out).
const keyBound = "gatehouse.session_id"

// BoundID is the raw id of the request's server-side session as it stands
// now (after any sign-in step or sign-out of this request), or "" when
// there is none: what the CSRF token is bound to.
func (s *Store) BoundID(c echo.Context) (string, error) {
	if id, ok := c.Get(keyBound).(string); ok {
		return id, nil
	}
	raw, err := s.Get(c.Request(), s.cookieName())
	if err != nil {
		return "", err
	}
	if raw.IsNew {
		return "", nil
	}
	return raw.ID, nil
}

// SafeNext returns next when it is a path of this app, else def.
func SafeNext(next, def string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\\\r\n\t") {
		return def
	}
	return next
}

// ClearCookie expires the session cookie in the browser.
func (s *Store) ClearCookie(w http.ResponseWriter) {
	o := s.options()
	o.MaxAge = -1
	http.SetCookie(w, sessions.NewCookie(s.cookieName(), "", o))
}

// SteppedUpAt is when the signed-in administrator last confirmed who they
// are for a sensitive action in this session (zero: never). A new session
// (every sign-in makes one) starts without: signing in does not count.
func (s *Session) SteppedUpAt() time.Time {
	if n, ok := int64Value(s.raw.Values[keyStepUp]); ok {
		return time.UnixMilli(n).UTC()
	}
	return time.Time{}
}

// SetSteppedUp records (or, with the zero time, forgets) a step-up and
// saves the session.
func (s *Session) SetSteppedUp(at time.Time) error {
	if at.IsZero() {
		delete(s.raw.Values, keyStepUp)
	} else {
		s.raw.Values[keyStepUp] = at.UnixMilli()
	}
	return s.store.Save(s.c.Request(), s.c.Response(), s.raw)
}
