package telemetry

import (
	"errors"
	"net/http"
	"sync"

	"github.com/labstack/echo/v4"
)

// Unmatched is the route of requests that matched no route (404s of unknown
// paths, trailing-slash redirects): raw paths never become labels.
const Unmatched = "unmatched"

// routeSet knows the app's route patterns, read from echo on first use
// (every route is registered before the first request).
type routeSet struct {
	once     sync.Once
	patterns map[string]bool
}

// label is the request's route pattern (c.Path()) when it is one the app
// registered for a method, else Unmatched.
func (r *routeSet) label(c echo.Context) string {
	r.once.Do(func() {
		r.patterns = map[string]bool{}
		for _, rt := range c.Echo().Routes() {
			if rt.Method != echo.RouteNotFound { // a group's catch-all "/*" 404
				r.patterns[rt.Path] = true
			}
		}
	})
	if p := c.Path(); r.patterns[p] {
		return p
	}
	return Unmatched
}

// Method is m if it is a standard HTTP method, else OTHER (clients choose
// methods freely; labels must not let them).
func Method(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}

// Status is the status code a request was answered with: the response's,
// or, when an error came back and nothing was written yet, the error's.
func Status(c echo.Context, err error) int {
	res := c.Response()
	if err == nil || res.Committed {
		return res.Status
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return he.Code
	}
	return http.StatusInternalServerError
}
