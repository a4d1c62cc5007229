package handlers

import (
	"errors"
	"net/http"
	"strings"

	"gatehouse/models"

	"github.com/labstack/echo/v4"
)

// The one mapping from model errors to HTTP outcomes. Handlers render
// validation errors (*models.ValidationError) beside their fields
// themselves, with the typed values; everything else goes through outcome:
//   - models.ErrNotFound: 404;
//   - a refusal by a business rule (ErrForbidden and the errors wrapping it,
//     ErrEscalation, ErrLastTenantAdmin, ErrSelfDeactivation,
//     ErrPlanRequired): 403 that says why, shown in the app's layout;
//   - anything else unchanged (a 500, logged).

// refusals are the model errors that refuse a request for a reason the
// viewer should read.
var refusals = []error{models.ErrEscalation, models.ErrLastTenantAdmin, models.ErrSelfDeactivation, models.ErrPlanRequired, models.ErrForbidden, models.ErrLastWorkspaceAdmin}

// outcome turns a model error into the request's answer (nil stays nil).
func outcome(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, models.ErrNotFound) {
		return echo.ErrNotFound
	}
	if reason, ok := refusalReason(err); ok {
		return Refused(reason)
	}
	return err
}

// refusalReason is the sentence a refusal shows ("" when the model gave
// none beyond "forbidden").
func refusalReason(err error) (string, bool) {
	for _, r := range refusals {
		if errors.Is(err, r) {
			if err.Error() == models.ErrForbidden.Error() {
				return "", true
			}
			return sentence(err.Error()), true
		}
	}
	return "", false
}

// Refused is a 403 whose page tells the viewer why (reason, a sentence);
// with no reason, the generic one.
func Refused(reason string) error {
	if reason == "" {
		return echo.ErrForbidden
	}
	return echo.NewHTTPError(http.StatusForbidden, reason)
}

// RefusalReason is the reason a 403 carries for its page, "" for none.
func RefusalReason(err error) string {
	var he *echo.HTTPError
	if !errors.As(err, &he) || he.Code != http.StatusForbidden {
		return ""
	}
	if s, ok := he.Message.(string); ok && s != http.StatusText(http.StatusForbidden) {
		return s
	}
	return ""
}

// sentence capitalises s and ends it with a full stop (once).
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}
