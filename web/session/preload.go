package session

import (
	"context"
	"errors"
	"net/http"

	"gatehouse/models"

	"github.com/labstack/echo/v4"
)

// CookieHash is the hashed id of the request's session cookie, as stored
// ("" when the request has none), for loading the session together with
// other things (models.Store.TenantRequest).
func (s *Store) CookieHash(r *http.Request) string {
	c, err := r.Cookie(s.cookieName())
	if err != nil || c.Value == "" || len(c.Value) > 100 {
		return ""
	}
	return models.HashToken(c.Value)
}

type preloadKey struct{}

// Preload hands the session layer the request's stored session as
// st loaded it with the tenant (nil Session: there is none), so that the
// session is not looked up again. A state that cannot stand for the
// session (of another tenant, whose lengths it lacks) is ignored. Call it
// before anything loads the session.
func (s *Store) Preload(c echo.Context, st *models.RequestState) {
	if st == nil || st.SessionHash == "" || !st.SessionOfTenant {
		return
	}
	r := c.Request()
	c.SetRequest(r.WithContext(context.WithValue(r.Context(), preloadKey{}, st)))
}

var errNotPreloaded = errors.New("session not preloaded")

// preloaded is the session by hash and its tenant's lengths as Preload left
// them: models.ErrNotFound when it found none, errNotPreloaded when it
// was not given this session.
func (s *Store) preloaded(r *http.Request, hash string) (models.Session, models.SessionLimits, error) {
	st, _ := r.Context().Value(preloadKey{}).(*models.RequestState)
	if st == nil || st.SessionHash != hash {
		return models.Session{}, models.SessionLimits{}, errNotPreloaded
	}
	if st.Session == nil {
		return models.Session{}, models.SessionLimits{}, models.ErrNotFound
	}
	return *st.Session, st.SessionLimits, nil
}
