package handlers

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"gatehouse/models"
	"gatehouse/models/passwords"
	"gatehouse/web/limit"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// The management API (/api/v1): JSON in and out, bearer tokens only. Its
// handlers parse, call the same models operations as the console's with
// the token's Viewer, and answer JSON; errors go back up to the server's
// error handler, which answers them with APIError.

// APIErrorBody is every error the API answers:
// {"error": {"code": "...", "message": "...", "fields": {...}}}.
type APIErrorBody struct {
	Error APIErrorDetail `json:"error"`
}

// APIErrorDetail is the error itself; Fields has one message per invalid
// field (named as in the request), for 422.
type APIErrorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// apiErr is an error the API handlers raise with its status and code.
type apiErr struct {
	status        int
	code, message string
	fields        map[string]string
}

func (e *apiErr) Error() string { return e.message }

func badRequest(msg string) error {
	return &apiErr{status: http.StatusBadRequest, code: "bad_request", message: msg}
}

func invalidField(field, msg string) error {
	return &apiErr{status: http.StatusUnprocessableEntity, code: "invalid", message: "Some fields are not valid.", fields: map[string]string{field: msg}}
}

// apiStatus maps an error to the API's status, code, message and fields.
func apiStatus(err error) (int, APIErrorDetail) {
	var (
		ae       *apiErr
		verr     *models.ValidationError
		conflict *models.ConflictError
		he       *echo.HTTPError
		tooMany  *limit.TooMany
	)
	switch {
	case errors.As(err, &ae):
		return ae.status, APIErrorDetail{Code: ae.code, Message: ae.message, Fields: ae.fields}
	case errors.As(err, &verr):
		return http.StatusUnprocessableEntity, APIErrorDetail{Code: "invalid", Message: "Some fields are not valid.", Fields: verr.Fields}
	case errors.As(err, &conflict):
		return http.StatusConflict, APIErrorDetail{Code: "conflict", Message: "It was changed since the version you sent: fetch it again and retry.",
			Fields: map[string]string{"version": "The current version is " + strconv.FormatInt(conflict.Current.Version, 10) + "."}}
	case errors.Is(err, models.ErrChangedSince):
		return http.StatusConflict, APIErrorDetail{Code: "conflict", Message: "It was changed since the version you sent: fetch it again and retry.",
			Fields: map[string]string{"version": "Not the current version: fetch it again."}}
	case errors.As(err, &tooMany):
		return http.StatusTooManyRequests, APIErrorDetail{Code: "rate_limited", Message: "Too many requests: retry after the time in Retry-After."}
	case errors.Is(err, passwords.ErrBusy):
		return http.StatusTooManyRequests, APIErrorDetail{Code: "rate_limited", Message: "Busy: retry after the time in Retry-After."}
	case errors.Is(err, limit.ErrBusy):
		// SPEC's API errors end at 429: a server too busy to take the
		// request in time says so as a rate limit does.
		return http.StatusTooManyRequests, APIErrorDetail{Code: "rate_limited", Message: "The server is busy: retry after the time in Retry-After."}
	case errors.Is(err, models.ErrNotFound):
		return http.StatusNotFound, APIErrorDetail{Code: "not_found", Message: "There is nothing here, or the token has no access to it."}
	case errors.Is(err, models.ErrEscalation), errors.Is(err, models.ErrBuiltInWorkspace):
		return http.StatusForbidden, APIErrorDetail{Code: "forbidden", Message: err.Error()}
	case errors.Is(err, models.ErrForbidden):
		return http.StatusForbidden, APIErrorDetail{Code: "forbidden", Message: "The token's roles do not allow this."}
	case errors.Is(err, models.ErrLastTenantAdmin), errors.Is(err, models.ErrSelfDeactivation):
		return http.StatusConflict, APIErrorDetail{Code: "conflict", Message: err.Error()}
	case errors.Is(err, models.ErrInvalidAPIToken):
		return http.StatusUnauthorized, APIErrorDetail{Code: "unauthorized", Message: err.Error()}
	case errors.As(err, &he):
		d := APIErrorDetail{Message: http.StatusText(he.Code)}
		if m, ok := he.Message.(string); ok && m != "" && he.Code < 500 {
			d.Message = m
		}
		switch he.Code {
		case http.StatusUnauthorized:
			d.Code = "unauthorized"
		case http.StatusForbidden:
			d.Code, d.Message = "forbidden", "The token's roles do not allow this."
		case http.StatusNotFound:
			d.Code, d.Message = "not_found", "There is nothing here, or the token has no access to it."
		case http.StatusRequestEntityTooLarge:
			d.Code, d.Message = "too_large", "The request body is larger than 1 MB."
		case http.StatusMethodNotAllowed:
			d.Code = "method_not_allowed"
		case http.StatusTooManyRequests:
			d.Code = "rate_limited"
		default:
			d.Code = "bad_request"
			if he.Code >= 500 {
				d.Code = "internal"
			}
		}
		return he.Code, d
	}
	return http.StatusInternalServerError, APIErrorDetail{Code: "internal", Message: "Something went wrong; it has been logged."}
}

// APIError answers err as the API's JSON error and returns the status
// (500 for an unexpected error, which the caller logs).
func APIError(c echo.Context, err error) int {
	status, d := apiStatus(err)
	var tooMany *limit.TooMany
	switch {
	case errors.As(err, &tooMany):
		c.Response().Header().Set("Retry-After", strconv.Itoa(tooMany.RetryAfterSeconds()))
	case errors.Is(err, passwords.ErrBusy), errors.Is(err, limit.ErrBusy):
		c.Response().Header().Set("Retry-After", "1")
	case status == http.StatusUnauthorized:
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="gatehouse"`)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
	} else {
		_ = c.JSON(status, APIErrorBody{Error: d})
	}
	return status
}

// bindJSON reads the request's JSON body into dst: only the fields dst
// declares (an unknown one is a 400, so a typo is not silently ignored).
func bindJSON(c echo.Context, dst any) error {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	if !strings.HasPrefix(ct, echo.MIMEApplicationJSON) {
		return &apiErr{status: http.StatusUnsupportedMediaType, code: "unsupported_media_type", message: "Send a JSON body with Content-Type: application/json."}
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var he *echo.HTTPError
		if errors.As(err, &he) {
			return he
		}
		return badRequest("The body could not be read.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return badRequest("The body is not valid JSON for this request: " + err.Error())
	}
	if dec.More() {
		return badRequest("The body holds more than one JSON value.")
	}
	return nil
}

// APIPage is a page of a list: data, and the cursor of the next page
// (null on the last).
type APIPage[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

func page[T any](data []T, next string) APIPage[T] {
	if data == nil {
		data = []T{}
	}
	p := APIPage[T]{Data: data}
	if next != "" {
		c := base64.RawURLEncoding.EncodeToString([]byte(next))
		p.NextCursor = &c
	}
	return p
}

func pageID[T any](data []T, next int64) APIPage[T] {
	if next == 0 {
		return page(data, "")
	}
	return page(data, strconv.FormatInt(next, 10))
}

// apiListParams reads ?limit= (1..200, default 50) and ?cursor= (opaque: a
// list's keyset position, as its next_cursor gave it).
func apiListParams(c echo.Context) (limit int, cursor string, err error) {
	limit = 50
	if l := c.QueryParam("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > models.MaxPageSize {
			return 0, "", &apiErr{status: http.StatusBadRequest, code: "bad_request", message: "limit must be a number from 1 to 200.",
				fields: map[string]string{"limit": "From 1 to 200."}}
		}
		limit = n
	}
	if cur := c.QueryParam("cursor"); cur != "" {
		b, err := base64.RawURLEncoding.DecodeString(cur)
		if err != nil || len(b) == 0 {
			return 0, "", &apiErr{status: http.StatusBadRequest, code: "bad_request", message: "cursor is not one this API gave.",
				fields: map[string]string{"cursor": "Pass next_cursor as it was given."}}
		}
		cursor = string(b)
	}
	return limit, cursor, nil
}

// cursorID is a numeric cursor (0 for none).
func cursorID(cursor string) (int64, error) {
	if cursor == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(cursor, 10, 64)
	if err != nil || n <= 0 {
		return 0, &apiErr{status: http.StatusBadRequest, code: "bad_request", message: "cursor is not one this API gave.",
			fields: map[string]string{"cursor": "Pass next_cursor as it was given."}}
	}
	return n, nil
}

// pathID is the numeric path parameter name as the route's loader
// (gm.ID) checked it: 404 when no loader did.
func pathID(c echo.Context, name string) (int64, error) {
	n := render.ParamID(c, name)
	if n <= 0 {
		return 0, echo.ErrNotFound
	}
	return n, nil
}

// ts formats a time for the API (RFC 3339, UTC); nil stays nil.
func ts(t *time.Time) *string {
	if t == nil || t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

func tsv(t time.Time) string { return t.UTC().Format(time.RFC3339) }
