package session

import (
	"net/http"
	"strings"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"
)

// Keys of the values kept in a session.
const (
	keyTenant  = "tenant_id"
	keyAdmin   = "admin_id"
	keyStage   = "stage"
	keyCreated = "_created"
)

// Stages of sign-in a session has reached.
const (
	StageNone     = ""
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
	raw, err := s.Get(c.Request(), CookieName)
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

// RawID is the session's cookie id (empty for a session not yet saved).
func (s *Session) RawID() string { return s.raw.ID }

// Ended reports whether the browser presented a session that no longer
// exists on the server (signed out elsewhere, deactivated, timed out).
func (s *Session) Ended() bool {
	if !s.raw.IsNew {
		return false
	}
	ck, err := s.c.Cookie(CookieName)
	return err == nil && ck.Value != ""
}

// SignedInTo reports whether the session is fully signed in to tenantID.
func (s *Session) SignedInTo(tenantID int64) bool {
	return tenantID != 0 && s.TenantID() == tenantID && s.AdminID() != 0 && s.Stage() == StageComplete
}

// Login starts a fresh session (new id; the old one is deleted) for an
// administrator of a tenant at the given stage.
func (s *Session) Login(tenantID, adminID int64, stage string) error {
	if s.raw.ID != "" {
		if err := s.store.Models.DeleteSession(s.c.Request().Context(), hashOf(s.raw.ID)); err != nil {
			return err
		}
	}
	fresh := sessions.NewSession(s.store, CookieName)
	fresh.Options = s.store.options()
	fresh.IsNew = true
	fresh.Values[keyTenant] = tenantID
	fresh.Values[keyAdmin] = adminID
	fresh.Values[keyStage] = stage
	s.raw = fresh
	return s.store.Save(s.c.Request(), s.c.Response(), fresh)
}

// Logout deletes the session on the server and clears the cookie.
func (s *Session) Logout() error {
	s.raw.Options.MaxAge = -1
	err := s.store.Save(s.c.Request(), s.c.Response(), s.raw)
	s.raw.Values = map[any]any{}
	s.raw.ID = ""
	return err
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
	http.SetCookie(w, sessions.NewCookie(CookieName, "", o))
}
