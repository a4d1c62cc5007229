package middleware

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"gatehouse/models"
	"gatehouse/web/limit"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// ErrNoBearer is a management API request without an Authorization:
// Bearer header (a token anywhere else, in the query string or a cookie,
// is never looked at).
var ErrNoBearer = echo.NewHTTPError(http.StatusUnauthorized, "Send an API token in the Authorization header: Authorization: Bearer gh_…")

// APIToken authenticates a management API request by its bearer token
// (looked up in the database on every request, so a revoked or expired
// token is refused at once on every replica), loads the tenant and the
// token's Viewer for the route guards (Need, NeedIn, Workspace) and the
// handlers, then applies the token's rate limit (nil: none).
func (g *Guards) APIToken(rate *limit.Limiter) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.Response().Header().Set("Cache-Control", "no-store")
			auth := c.Request().Header.Get(echo.HeaderAuthorization)
			scheme, raw, ok := strings.Cut(auth, " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(raw) == "" {
				return ErrNoBearer
			}
			v, err := g.Models.APITokenViewer(c.Request().Context(), strings.TrimSpace(raw))
			if err != nil {
				return err
			}
			if rate != nil {
				if err := rate.AllowKey("api-token:" + strconv.FormatInt(v.Token.ID, 10)); err != nil {
					return err
				}
			}
			render.SetTenant(c, v.Tenant)
			render.SetViewer(c, &v)
			return next(c)
		}
	}
}

// Idempotency makes a POST with an Idempotency-Key header safe to retry:
// the first request's response (status and body) is kept for 24 hours per
// token and key, and a replay gets it again without running anything. The
// same key with another method, path or body is refused (422); a replay
// while the first request still runs gets 409. A response with a server
// error is not kept, so its retry runs again. An error's response is
// written here (by the server's error handler), so that it is kept too.
func (g *Guards) Idempotency(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		key := c.Request().Header.Get("Idempotency-Key")
		v := render.Viewer(c)
		if c.Request().Method != http.MethodPost || key == "" || v == nil || v.Token == nil {
			return next(c)
		}
		if len(key) > 200 {
			return echo.NewHTTPError(http.StatusBadRequest, "Idempotency-Key must be at most 200 characters.")
		}
		body, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return err // over the body limit: 413
		}
		c.Request().Body = io.NopCloser(bytes.NewReader(body))
		sum := sha256.New()
		sum.Write([]byte(c.Request().Method + " " + c.Request().URL.RequestURI() + "\n"))
		sum.Write(body)
		hash := hex.EncodeToString(sum.Sum(nil))
		ctx := c.Request().Context()
		row, claimed, err := g.Models.ClaimIdempotencyKey(ctx, v.Token.ID, key, hash)
		if errors.Is(err, models.ErrNotFound) { // released in between: try once more
			row, claimed, err = g.Models.ClaimIdempotencyKey(ctx, v.Token.ID, key, hash)
		}
		if err != nil {
			return err
		}
		if !claimed {
			switch {
			case row.RequestHash != hash:
				return echo.NewHTTPError(http.StatusUnprocessableEntity, "This Idempotency-Key was used for another request in the last 24 hours.")
			case row.Status == 0:
				return echo.NewHTTPError(http.StatusConflict, "A request with this Idempotency-Key is still running: retry in a moment.")
			}
			c.Response().Header().Set("Idempotent-Replayed", "true")
			return c.JSONBlob(row.Status, []byte(row.Body))
		}
		rec := &recorder{ResponseWriter: c.Response().Writer}
		c.Response().Writer = rec
		if err := next(c); err != nil {
			c.Error(err)
		}
		status := c.Response().Status
		if status >= 500 || !c.Response().Committed {
			return g.Models.ReleaseIdempotencyKey(ctx, row.ID)
		}
		kept := rec.buf.String()
		if b := render.ReplayBody(c); b != nil { // a secret shown once is not kept
			kept = string(b)
		}
		return g.Models.FinishIdempotencyKey(ctx, row.ID, status, kept)
	}
}

// recorder keeps a copy of what a response wrote.
type recorder struct {
	http.ResponseWriter
	buf bytes.Buffer
}

func (r *recorder) Write(b []byte) (int, error) {
	r.buf.Write(b)
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
