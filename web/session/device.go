package session

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// The device cookie names a browser: a random id, kept for 400 days (the
// longest browsers allow), HttpOnly. Administrators' known devices are
// stored as its SHA-256 (models.AdministratorDevice), so a sign-in from a
// browser without it can be announced.
const (
	DeviceCookieName       = "gatehouse_device"
	SecureDeviceCookieName = "__Host-" + DeviceCookieName
	deviceMaxAge           = 400 * 24 * time.Hour
)

func (s *Store) deviceCookieName() string {
	if s.Secure {
		return SecureDeviceCookieName
	}
	return DeviceCookieName
}

// Device returns the browser's device id from its cookie, or a new random
// one when it has none (or one that is not ours).
func (s *Store) Device(c echo.Context) (string, error) {
	if ck, err := c.Cookie(s.deviceCookieName()); err == nil && len(ck.Value) == 43 {
		return ck.Value, nil
	}
	return newID()
}

// DeviceHash is how a device id is stored.
func DeviceHash(id string) string { return hashOf(id) }

// SetDevice (re)sets the device cookie.
func (s *Store) SetDevice(c echo.Context, id string) {
	c.SetCookie(&http.Cookie{Name: s.deviceCookieName(), Value: id, Path: "/", MaxAge: int(deviceMaxAge.Seconds()),
		HttpOnly: true, Secure: s.Secure, SameSite: http.SameSiteLaxMode})
}
