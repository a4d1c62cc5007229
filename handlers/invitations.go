package handlers

import (
	"errors"
	"maps"
	"net/http"
	"net/url"

	"gatehouse/models"
	"gatehouse/models/passwords"
	"gatehouse/views/layout"
	"gatehouse/views/pages"
	"gatehouse/web/render"
	"gatehouse/web/session"

	"github.com/labstack/echo/v4"
)

// InvitationShow is /invitations/{token}: the set-password form, or a
// clear page when the link cannot be used.
func (h *Handler) InvitationShow(c echo.Context) error {
	token := c.Param("token")
	p, err := h.Models.InvitationByToken(c.Request().Context(), token)
	if errors.Is(err, models.ErrInviterLostAuthority) {
		return h.invitationLost(c, p.Tenant.Name, p.InviterName)
	}
	if err != nil {
		return h.linkInvalid(c, err)
	}
	policy, err := h.Models.PasswordPolicy(c.Request().Context(), p.Tenant.ID)
	if err != nil {
		return err
	}
	return render.Render(c, http.StatusOK, pages.InvitationAccept(h.invitationPage(c, p.Tenant), pages.InvitationForm{
		Token: token, TenantName: p.Tenant.Name, Email: p.Administrator.Email,
		Name: p.Administrator.DisplayName(), Policy: policy.Describe(), AskName: p.Administrator.NeedsName(),
	}))
}

// InvitationAccept sets the password and activates the administrator.
func (h *Handler) InvitationAccept(c echo.Context) error {
	token := c.Param("token")
	ctx := c.Request().Context()
	// An invitee without a name was asked for one; a post without the
	// fields (a script's) sets the password alone, as before.
	var name []models.PersonName
	if form, ferr := c.FormParams(); ferr == nil && (form.Has("given_name") || form.Has("family_name")) {
		name = append(name, models.PersonName{Given: form.Get("given_name"), Family: form.Get("family_name")})
	}
	admin, err := h.Models.AcceptInvitation(ctx, token, c.FormValue("password"), c.FormValue("password_confirm"), actor(c), name...)
	var perr *models.PasswordError
	var verr *models.ValidationError
	switch {
	case err == nil:
	case errors.As(err, &perr), errors.As(err, &verr):
		p, lerr := h.Models.InvitationByToken(ctx, token)
		if errors.Is(lerr, models.ErrInviterLostAuthority) {
			return h.invitationLost(c, p.Tenant.Name, p.InviterName)
		}
		if lerr != nil {
			return h.linkInvalid(c, lerr)
		}
		policy, perr2 := h.Models.PasswordPolicy(ctx, p.Tenant.ID)
		if perr2 != nil {
			return perr2
		}
		f := pages.InvitationForm{Token: token, TenantName: p.Tenant.Name, Email: p.Administrator.Email,
			Name: p.Administrator.DisplayName(), Policy: policy.Describe(), Errors: map[string]string{},
			AskName: p.Administrator.NeedsName(), GivenName: c.FormValue("given_name"), FamilyName: c.FormValue("family_name")}
		if perr != nil {
			maps.Copy(f.Errors, perr.Also)
			f.Errors["password"] = violationsText(perr.Violations)
		} else {
			for k, v := range verr.Fields {
				f.Errors[k] = v
			}
		}
		return render.Render(c, http.StatusUnprocessableEntity, pages.InvitationAccept(h.invitationPage(c, p.Tenant), f))
	case errors.Is(err, models.ErrInviterLostAuthority):
		p, lerr := h.Models.InvitationByToken(ctx, token)
		if lerr != nil && !errors.Is(lerr, models.ErrInviterLostAuthority) {
			return h.linkInvalid(c, lerr)
		}
		return h.invitationLost(c, p.Tenant.Name, p.InviterName)
	default:
		return h.linkInvalid(c, err)
	}
	t, err := h.Models.TenantByID(ctx, admin.TenantID)
	if err != nil {
		return err
	}
	sec, err := h.Models.Security(ctx, t.ID)
	if err != nil {
		return err
	}
	if sec.RequireTOTP {
		// The tenant requires TOTP: enrolment comes right away, as the
		// next step of signing in.
		sess, err := h.Sessions.Load(c)
		if err != nil {
			return err
		}
		if err := sess.LoginPendingVia(t.ID, admin.ID, session.StageEnroll, "invitation", ""); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, "/t/"+t.Slug+"/login/enroll")
	}
	h.Flashes.Set(c, "success", "Your password is set. Sign in to continue.")
	return c.Redirect(http.StatusSeeOther, "/t/"+t.Slug+"/login?email="+url.QueryEscape(admin.Email))
}

func (h *Handler) invitationPage(c echo.Context, t models.Tenant) layout.Page {
	p := h.R.Page(c, "Accept invitation")
	p.TenantName = t.Name
	c.Response().Header().Set("Cache-Control", "no-store")
	return p
}

// linkInvalid renders the page for a link that cannot be used (410 for
// used, withdrawn or expired links, 404 for unknown ones).
func (h *Handler) linkInvalid(c echo.Context, err error) error {
	status, title, msg := http.StatusNotFound, "This link is not valid", "The link you followed is not valid. Check that you copied all of it."
	switch {
	case errors.Is(err, models.ErrTokenUsed):
		status, title, msg = http.StatusGone, "This link has already been used", "This invitation has already been accepted. If it was you, sign in with your password."
	case errors.Is(err, models.ErrTokenExpired):
		status, title, msg = http.StatusGone, "This link has expired", "Invitation links are valid for a limited time, and this one has expired."
	case errors.Is(err, models.ErrTokenRevoked):
		status, title, msg = http.StatusGone, "This link has been withdrawn", "This invitation was withdrawn or replaced by a newer one."
	case errors.Is(err, models.ErrInvalidToken):
	default:
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return render.Render(c, status, pages.LinkInvalid(h.R.Page(c, title), title, msg))
}

// invitationLost is the page of an invitation whose inviter was
// deactivated or no longer holds the authority to grant what it carries:
// 410, like every other link that can no longer be used.
func (h *Handler) invitationLost(c echo.Context, tenantName, inviter string) error {
	title := "This invitation is no longer valid"
	c.Response().Header().Set("Cache-Control", "no-store")
	return render.Render(c, http.StatusGone, pages.LinkInvalid(h.R.Page(c, title), title, lostAuthorityMessage(tenantName, inviter, "grant the roles it carries")))
}

// lostAuthorityMessage explains an invitation that died with its inviter's
// authority, and what to do.
func lostAuthorityMessage(tenantName, inviter, what string) string {
	who := "the person who sent it"
	if inviter != "" {
		who += " (" + inviter + ")"
	}
	ask := "Ask an administrator"
	if tenantName != "" {
		ask += " of " + tenantName
	}
	return "This invitation is no longer valid: " + who + " no longer has the authority to " + what +
		", so it grants nothing. " + ask + " for a new one."
}

// violationsText joins the failed rules into one message.
func violationsText(vs []passwords.Violation) string {
	s := ""
	for i, v := range vs {
		if i > 0 {
			s += " "
		}
		s += v.Message
	}
	return s
}
