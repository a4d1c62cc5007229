package handlers

import (
	"gatehouse/models"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// User Profile actions of issue 4: lift a lockout, reset TOTP. Both are
// audited by the models; the route needs Manage Tenant Roles.

// AdminUnlock lifts the administrator's lockout (and clears their failures).
func (h *Handler) AdminUnlock(c echo.Context) error {
	v := render.Viewer(c)
	id := render.Admin(c).ID
	err := h.Models.UnlockAdministrator(c.Request().Context(), *v, id, actor(c))
	return h.profileOutcome(c, err, "The administrator was unlocked and can sign in again.")
}

// AdminResetTOTP clears the administrator's TOTP: they must enrol again,
// and their sessions end.
func (h *Handler) AdminResetTOTP(c echo.Context) error {
	v := render.Viewer(c)
	id := render.Admin(c).ID
	stepErrs, err := h.stepUpCheck(c)
	if err != nil {
		return err
	}
	if stepErrs != nil {
		return h.profileOutcomeOf(c, &models.ValidationError{Fields: stepErrs}, "", "totp")
	}
	err = h.Models.ResetTOTP(c.Request().Context(), *v, id, actor(c))
	if err == nil {
		h.wakeMail()
	}
	return h.profileOutcomeOf(c, err, "Two-step verification was reset: they were signed out and must set it up again.", "totp")
}
