package handlers

import (
	"errors"
	"maps"
	"net/http"
	"net/url"

	"gatehouse/models"
	"gatehouse/views/layout"
	"gatehouse/views/pages"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// PasswordResetShow is /password-reset/{token}: the new-password form, or a
// clear page when the link cannot be used.
func (h *Handler) PasswordResetShow(c echo.Context) error {
	token := c.Param("token")
	p, err := h.Models.PasswordResetByToken(c.Request().Context(), token)
	if err != nil {
		return h.passwordResetLinkInvalid(c, err)
	}
	f, err := h.passwordResetForm(c, token, p)
	if err != nil {
		return err
	}
	return render.Render(c, http.StatusOK, pages.PasswordReset(h.passwordResetPage(c, p.Tenant), f))
}

// PasswordReset sets the new password; every session of the administrator
// ends and they are sent to sign in.
func (h *Handler) PasswordReset(c echo.Context) error {
	token := c.Param("token")
	ctx := c.Request().Context()
	admin, err := h.Models.ResetPassword(ctx, token, c.FormValue("password"), c.FormValue("password_confirm"), actor(c))
	var perr *models.PasswordError
	var verr *models.ValidationError
	switch {
	case err == nil:
		h.wakeMail() // the notice that the password changed
	case errors.As(err, &perr), errors.As(err, &verr):
		p, lerr := h.Models.PasswordResetByToken(ctx, token)
		if lerr != nil {
			return h.passwordResetLinkInvalid(c, lerr)
		}
		f, ferr := h.passwordResetForm(c, token, p)
		if ferr != nil {
			return ferr
		}
		if perr != nil {
			maps.Copy(f.Errors, perr.Also)
			f.Errors["password"] = violationsText(perr.Violations)
		} else {
			for k, v := range verr.Fields {
				f.Errors[k] = v
			}
		}
		return render.Render(c, http.StatusUnprocessableEntity, pages.PasswordReset(h.passwordResetPage(c, p.Tenant), f))
	default:
		return h.passwordResetLinkInvalid(c, err)
	}
	t, err := h.Models.TenantByID(ctx, admin.TenantID)
	if err != nil {
		return err
	}
	h.Flashes.Set(c, "success", "Your password has been changed. Sign in with your new password.")
	return c.Redirect(http.StatusSeeOther, "/t/"+t.Slug+"/login?email="+url.QueryEscape(admin.Email))
}

func (h *Handler) passwordResetForm(c echo.Context, token string, p models.PendingPasswordReset) (pages.PasswordResetForm, error) {
	policy, err := h.Models.PasswordPolicy(c.Request().Context(), p.Tenant.ID)
	if err != nil {
		return pages.PasswordResetForm{}, err
	}
	return pages.PasswordResetForm{
		Token: token, TenantName: p.Tenant.Name, Email: p.Administrator.Email,
		Name: p.Administrator.DisplayName(), Policy: policy.Describe(),
		ExpiresAt: p.Reset.ExpiresAt.UTC().Format("2 January 2006 at 15:04 MST"),
		Errors:    map[string]string{},
	}, nil
}

func (h *Handler) passwordResetPage(c echo.Context, t models.Tenant) layout.Page {
	p := h.R.Page(c, "Reset password")
	p.TenantName = t.Name
	c.Response().Header().Set("Cache-Control", "no-store")
	return p
}

// passwordResetLinkInvalid is linkInvalid for password reset links: the same
// statuses (410 for used, withdrawn or expired links, 404 for unknown ones),
// with messages about password resets rather than invitations.
func (h *Handler) passwordResetLinkInvalid(c echo.Context, err error) error {
	return h.renderLinkInvalid(c, err, pages.PasswordResetLinkInvalid, linkMessages{
		invalid: "The password reset link you followed is not valid. Check that you copied all of it.",
		used:    "This password reset link has already been used. If you changed your password, sign in with the new one.",
		expired: "Password reset links are valid for a short time only, and this one has expired.",
		revoked: "This password reset link was replaced by a newer one. Use the link in the most recent e-mail.",
	})
}
