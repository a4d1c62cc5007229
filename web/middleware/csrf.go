package middleware

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"gatehouse/web/render"
	"gatehouse/web/session"

	"github.com/labstack/echo/v4"
)

// Errors of the CSRF defence, answered 403 by the server's error handler.
var (
	// ErrCrossOrigin: the request came from another origin (its Origin or
	// Referer names another one, or the browser marks it cross-site).
	ErrCrossOrigin = errors.New("cross-origin request refused")
	// ErrCSRFToken: the form's token is missing or not this session's.
	ErrCSRFToken = errors.New("the form's CSRF token is missing or not this session's")
)

// PreSessionCookieName is the cookie naming an anonymous pre-session (see
// CSRF); under https it carries the __Host- prefix.
const PreSessionCookieName = "gatehouse_presession"

// CSRF refuses unsafe requests (anything but GET, HEAD, OPTIONS) that come
// from another origin or carry no token of their session. Two independent
// checks:
//
//  1. Origin. When the request has an Origin header it must be the base
//     URL's origin; without one, a Referer must be of that origin; and
//     whatever they say, a browser's Sec-Fetch-Site of cross-site or
//     same-site (a sibling subdomain) is refused (net/http's
//     CrossOriginProtection, trusting the base URL's origin so a proxy
//     that rewrites Host does not matter).
//  2. Token. The form field _csrf (or the X-CSRF-Token header) must be the
//     HMAC, under a key from GATEHOUSE_SECRET_KEY, of the request's
//     server-side session id. A new session id (every sign-in step
//     renews it) means a new token, and no cookie value can stand in for
//     the token: a token is only good with the session it was made for.
//
// Anonymous pages with forms (sign-in, invitations, password reset) have no
// server-side session yet. Their token is bound to an anonymous
// pre-session instead: a random id in an HttpOnly cookie of its own, given
// out with the first page that shows a form, with nothing stored on the
// server (so crawlers and floods of page views write nothing). Its token is
// the HMAC of that id under a different label, so it never passes for a
// session's. Once sign-in starts the session exists and the pre-session's
// token stops working on it. Planting a pre-session cookie would need the
// attacker to write cookies for this origin (the __Host- prefix under
// https forbids it to sibling subdomains) and the Origin check would still
// stop the cross-site post.
//
// Skip exempts requests that carry no cookies by design: the coming
// /api/v1 authenticates with bearer tokens only, so a browser cannot be
// tricked into sending its credentials, and it will be registered with
// Skip returning true for its paths (or outside the group this guards).
type CSRF struct {
	Sessions *session.Store
	Key      []byte // HMAC key (32 bytes)
	BaseURL  string // GATEHOUSE_BASE_URL: the one origin forms may come from
	Secure   bool   // https: Secure cookies with the __Host- prefix
	Skip     func(echo.Context) bool

	origin string
	cop    *http.CrossOriginProtection
}

// NewCSRF returns the CSRF defence for a base URL.
func NewCSRF(sessions *session.Store, key []byte, baseURL string, secure bool) (*CSRF, error) {
	origin, err := originOf(baseURL)
	if err != nil {
		return nil, err
	}
	cop := http.NewCrossOriginProtection()
	if err := cop.AddTrustedOrigin(origin); err != nil {
		return nil, err
	}
	return &CSRF{Sessions: sessions, Key: key, BaseURL: baseURL, Secure: secure, origin: origin, cop: cop}, nil
}

// originOf is the serialized origin of a URL: lower-case scheme and host,
// the default port left out (how browsers write the Origin header).
func originOf(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", errors.New("not an absolute URL")
	}
	scheme, host, port := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname()), u.Port()
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host, nil
}

// Provide leaves the token for the pages (worked out when a page asks for
// it: after the handler ran, the session may have a new id, a sign-in
// step), without checking anything: it runs first, so that even a page
// answering a request refused before the checks (a rate limit) has it.
func (m *CSRF) Provide(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		render.SetCSRF(c, func() string { return m.token(c) })
		return next(c)
	}
}

// Middleware applies the checks (and provides the token, as Provide).
func (m *CSRF) Middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if m.Skip != nil && m.Skip(c) {
			return next(c)
		}
		r := c.Request()
		unsafe := r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodOptions
		if unsafe {
			if err := m.checkOrigin(r); err != nil {
				return err
			}
		}
		render.SetCSRF(c, func() string { return m.token(c) })
		if unsafe {
			sent := r.Header.Get("X-CSRF-Token")
			if sent == "" {
				sent = r.PostFormValue("_csrf") // the body was read by readForm, within the body limit
			}
			want, err := m.expected(c)
			if err != nil {
				return err
			}
			if want == "" || sent == "" || !hmac.Equal([]byte(sent), []byte(want)) {
				return ErrCSRFToken
			}
		}
		return next(c)
	}
}

func (m *CSRF) checkOrigin(r *http.Request) error {
	if o := r.Header.Get("Origin"); o != "" {
		if o != m.origin {
			return ErrCrossOrigin
		}
	} else if ref := r.Header.Get("Referer"); ref != "" {
		if o, err := originOf(ref); err != nil || o != m.origin {
			return ErrCrossOrigin
		}
	}
	if err := m.cop.Check(r); err != nil {
		return ErrCrossOrigin
	}
	return nil
}

// expected is the token the request must carry ("" when it has neither a
// session nor a pre-session: no token can be right).
func (m *CSRF) expected(c echo.Context) (string, error) {
	id, err := m.Sessions.BoundID(c)
	if err != nil {
		return "", err
	}
	if id != "" {
		return m.mac("session", id), nil
	}
	if ck, err := c.Cookie(m.preSessionCookie()); err == nil && len(ck.Value) == 43 {
		return m.mac("presession", ck.Value), nil
	}
	return "", nil
}

// token is the token of the request's session as it stands now, or of its
// pre-session, which is given out here when the browser has none.
func (m *CSRF) token(c echo.Context) string {
	want, err := m.expected(c)
	if err != nil {
		return ""
	}
	if want != "" {
		return want
	}
	if id, ok := c.Get(keyPreSession).(string); ok {
		return m.mac("presession", id)
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return ""
	}
	id := base64.RawURLEncoding.EncodeToString(b)
	c.Set(keyPreSession, id)
	c.SetCookie(&http.Cookie{Name: m.preSessionCookie(), Value: id, Path: "/", MaxAge: 12 * 3600,
		HttpOnly: true, Secure: m.Secure, SameSite: http.SameSiteLaxMode})
	return m.mac("presession", id)
}

const keyPreSession = "gatehouse.presession"

func (m *CSRF) preSessionCookie() string {
	if m.Secure {
		return "__Host-" + PreSessionCookieName
	}
	return PreSessionCookieName
}

func (m *CSRF) mac(label, id string) string {
	h := hmac.New(sha256.New, m.Key)
	h.Write([]byte("gatehouse csrf\x00" + label + "\x00" + id))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}
