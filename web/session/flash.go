package session

import (
	"net/http"

	"github.com/gorilla/securecookie"
	"github.com/labstack/echo/v4"
)

// Flash is a one-time message shown on the next page.
type Flash struct {
	Kind    string `json:"k"` // "success", "info", "error"
	Message string `json:"m"`
}

const flashCookie = "gatehouse_flash"

// Flashes signs and reads flash cookies.
type Flashes struct {
	codec  *securecookie.SecureCookie
	Secure bool
}

// NewFlashes returns a flash codec keyed by hashKey (32 bytes).
func NewFlashes(hashKey []byte, secure bool) *Flashes {
	sc := securecookie.New(hashKey, nil)
	sc.SetSerializer(securecookie.JSONEncoder{})
	sc.MaxAge(300)
	return &Flashes{codec: sc, Secure: secure}
}

// Set queues a flash for the next page.
func (f *Flashes) Set(c echo.Context, kind, msg string) {
	v, err := f.codec.Encode(flashCookie, Flash{Kind: kind, Message: msg})
	if err != nil {
		return
	}
	c.SetCookie(&http.Cookie{Name: flashCookie, Value: v, Path: "/", MaxAge: 300, HttpOnly: true, Secure: f.Secure, SameSite: http.SameSiteLaxMode})
}

// Take returns the pending flash, if any, and clears it.
func (f *Flashes) Take(c echo.Context) *Flash {
	ck, err := c.Cookie(flashCookie)
	if err != nil || ck.Value == "" {
		return nil
	}
	c.SetCookie(&http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: f.Secure, SameSite: http.SameSiteLaxMode})
	var fl Flash
	if err := f.codec.Decode(flashCookie, ck.Value, &fl); err != nil {
		return nil
	}
	return &fl
}
