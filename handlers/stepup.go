package handlers

import (
	"strings"
	"time"

	"gatehouse/models"
	"gatehouse/views/components"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// Step-up on the sensitive forms (see models.StepUp). Each such form posts
// the administrator's password in field password (or a TOTP code in code).
// Within 5 minutes of a step-up the form shows a note instead of the field,
// and a post without it goes through; a password posted anyway is checked
// all the same (scripts and the acceptance suite always send it), and a
// wrong one is refused (422, nothing changed, what was typed kept) and
// ends the earlier step-up. The models refuse the action, with a message
// on field password, when there was no step-up in the last 5 minutes.

// stepUpCheck checks the password or code a sensitive form posted. It
// returns the messages to show beside those fields when it is wrong (nil
// when nothing was posted, or it was right). A right one is recorded in the
// server-side session and on the request's viewer.
func (h *Handler) stepUpCheck(c echo.Context) (map[string]string, error) {
	v := render.Viewer(c)
	password, code := c.FormValue("password"), strings.TrimSpace(c.FormValue("code"))
	if password == "" && code == "" {
		return nil, nil
	}
	sess, err := h.Sessions.Load(c)
	if err != nil {
		return nil, err
	}
	err = h.Models.StepUp(c.Request().Context(), v.Tenant, v.Administrator.ID, password, code, actor(c))
	if errs, ok := fieldErrorsOf(err, "password", "code"); ok {
		v.SteppedUpAt = time.Time{}
		return errs, sess.SetSteppedUp(time.Time{})
	}
	if err != nil {
		return nil, err
	}
	now := h.Models.Now().UTC()
	v.SteppedUpAt = now
	return nil, sess.SetSteppedUp(now)
}

// stepUpView is the step-up part of a sensitive form, with the messages of
// errs (fields password and code); when says when the form needs it ("" for
// always), id makes its fields' ids unique on the page.
func (h *Handler) stepUpView(c echo.Context, errs map[string]string, when, id string) components.StepUp {
	v := render.Viewer(c)
	s := components.StepUp{TOTP: v.Administrator.TOTPEnabledAt != nil, When: when, ID: id,
		PasswordError: errs["password"], CodeError: errs["code"]}
	if v.SteppedUp(h.Models.Now().UTC()) {
		s.Fresh, s.Until = true, v.SteppedUpAt.Add(models.StepUpWindow).UTC().Format("15:04 MST")
	}
	return s
}
