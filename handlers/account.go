package handlers

import (
	"errors"
	"net/http"
	"strings"

	"gatehouse/models"
	"gatehouse/views/layout"
	"gatehouse/views/pages"
	"gatehouse/web/render"
	"gatehouse/web/session"

	"github.com/labstack/echo/v4"
)

// Account: the signed-in administrator's own page, open to every signed-in
// administrator and always about themselves (the id comes from the
// session, never from the URL): details, change password, TOTP enrolment
// and removal, and their sessions.

func accountPath(c echo.Context, rest string) string {
	t, _ := render.Tenant(c)
	return "/t/" + t.Slug + "/account" + rest
}

func accountCrumbs(c echo.Context, more ...layout.Crumb) []layout.Crumb {
	if len(more) == 0 {
		return []layout.Crumb{{Label: "Account"}}
	}
	return append([]layout.Crumb{{Label: "Account", Href: accountPath(c, "")}}, more...)
}

// currentSessionID is the stored (hashed) id of the request's session.
func (h *Handler) currentSessionID(c echo.Context) (string, error) {
	sess, err := h.Sessions.Load(c)
	if err != nil {
		return "", err
	}
	if sess.RawID() == "" {
		return "", nil
	}
	return models.HashToken(sess.RawID()), nil
}

// Account shows the signed-in administrator's page.
func (h *Handler) Account(c echo.Context) error {
	return h.renderAccount(c, http.StatusOK, nil)
}

func (h *Handler) renderAccount(c echo.Context, status int, errs map[string]string) error {
	return h.renderAccountTyped(c, status, errs, nil)
}

// renderAccountTyped renders the Account page; typedName, when not nil, is
// the given and family name typed into a refused "Your name" form.
func (h *Handler) renderAccountTyped(c echo.Context, status int, errs map[string]string, typedName *[2]string) error {
	v := render.Viewer(c)
	ctx := c.Request().Context()
	prof, err := h.Models.AdministratorProfile(ctx, v.Tenant.ID, v.Administrator.ID)
	if err != nil {
		return err
	}
	sec, err := h.Models.Security(ctx, v.Tenant.ID)
	if err != nil {
		return err
	}
	workspaces, err := h.workspacesOf(c, v.Tenant.ID, prof.Bindings)
	if err != nil {
		return err
	}
	dir, err := h.roleDirectory(c)
	if err != nil {
		return err
	}
	a := prof.Administrator
	d := pages.AccountData{
		Name: a.DisplayName(), Email: a.Email, GivenName: a.GivenName, FamilyName: a.FamilyName,
		Roles:      roleBadges(prof.Bindings, h.Models.Now(), workspaces, dir),
		LastSignIn: fmtTime(a.LastSignInAt, "Never"), Created: fmtTime(&a.CreatedAt, ""),
		Policy: sec.Policy().Describe(), TOTPOn: a.TOTPEnabledAt != nil, TOTPSince: fmtTime(a.TOTPEnabledAt, ""),
		TOTPRequired: sec.RequireTOTP, Errors: errs,
	}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	if typedName != nil {
		d.GivenName, d.FamilyName = typedName[0], typedName[1]
	}
	if d.TOTPOn {
		if d.RecoveryLeft, err = h.Models.RecoveryCodesLeft(ctx, a.ID); err != nil {
			return err
		}
	}
	if d.Passkeys, err = h.accountPasskeys(c, a); err != nil {
		return err
	}
	current, err := h.currentSessionID(c)
	if err != nil {
		return err
	}
	for _, s := range prof.Sessions {
		d.Sessions = append(d.Sessions, pages.SessionRow{
			Device: deviceName(s.UserAgent), IP: s.IP, Started: fmtTime(&s.CreatedAt, ""), LastSeen: fmtTime(&s.LastSeenAt, ""),
			EndURL: accountPath(c, "/sessions/"+s.ID+"/delete"), Current: s.ID == current,
		})
	}
	p := h.R.Page(c, "Account", accountCrumbs(c)...)
	return render.Render(c, status, pages.Account(p, d))
}

// AccountPassword changes the signed-in administrator's password: the
// current one is required, the policy applies, and every other session of
// theirs ends (this one stays).
func (h *Handler) AccountPassword(c echo.Context) error {
	v := render.Viewer(c)
	keep, err := h.currentSessionID(c)
	if err != nil {
		return err
	}
	err = h.Models.ChangePassword(c.Request().Context(), v.Tenant.ID, v.Administrator.ID,
		c.FormValue("current_password"), c.FormValue("new_password"), c.FormValue("new_password_confirm"), keep, actor(c))
	var perr *models.PasswordError
	var verr *models.ValidationError
	switch {
	case err == nil:
		h.wakeMail()
		h.Flashes.Set(c, "success", "Your password was changed. Your other sessions were signed out.")
		return render.Redirect(c, accountPath(c, ""))
	case errors.As(err, &perr):
		errs := map[string]string{"new_password": violationsText(perr.Violations)}
		for k, m := range perr.Also {
			if k == "password_confirm" {
				k = "new_password_confirm"
			}
			errs[k] = m
		}
		return h.renderAccount(c, http.StatusUnprocessableEntity, errs)
	case errors.As(err, &verr):
		errs := map[string]string{}
		for k, m := range verr.Fields {
			switch k {
			case "current_password", "new_password", "new_password_confirm":
			case "password":
				k = "new_password"
			case "password_confirm":
				k = "new_password_confirm"
			default:
				k = "_form"
			}
			errs[k] = m
		}
		return h.renderAccount(c, http.StatusUnprocessableEntity, errs)
	}
	return err
}

// AccountName saves the signed-in administrator's own name.
func (h *Handler) AccountName(c echo.Context) error {
	v := render.Viewer(c)
	a, err := h.Models.RenameSelf(c.Request().Context(), v.Tenant.ID, v.Administrator.ID, c.FormValue("given_name"), c.FormValue("family_name"), actor(c))
	if errs, ok := fieldErrorsOf(err, "given_name", "family_name"); ok {
		return h.renderAccountTyped(c, http.StatusUnprocessableEntity, errs, &[2]string{strings.TrimSpace(c.FormValue("given_name")), strings.TrimSpace(c.FormValue("family_name"))})
	}
	if err != nil {
		return err
	}
	h.Flashes.Set(c, "success", "Your name is now "+a.DisplayName()+".")
	return render.Redirect(c, accountPath(c, ""))
}

// AccountTOTPForm shows TOTP enrolment (QR code and secret) from the account.
func (h *Handler) AccountTOTPForm(c echo.Context) error {
	return h.accountTOTP(c, http.StatusOK, "")
}

func (h *Handler) accountTOTP(c echo.Context, status int, msg string) error {
	v := render.Viewer(c)
	d, err := h.totpSetup(c, v.Tenant, v.Administrator.ID, accountPath(c, "/totp"), msg != "")
	if errors.Is(err, models.ErrTOTPEnabled) {
		h.Flashes.Set(c, "info", "Two-step verification is already on.")
		return render.Redirect(c, accountPath(c, ""))
	}
	if err != nil {
		return err
	}
	d.CancelURL, d.Error = accountPath(c, "#totp"), msg
	p := h.R.Page(c, "Set up two-step verification", accountCrumbs(c, layout.Crumb{Label: "Two-step verification"})...)
	return render.Render(c, status, pages.TOTPSetup(p, d))
}

// AccountTOTPConfirm turns TOTP on with a code from the app and shows the
// recovery codes, once.
func (h *Handler) AccountTOTPConfirm(c echo.Context) error {
	v := render.Viewer(c)
	codes, err := h.Models.ConfirmTOTPEnrollment(c.Request().Context(), v.Tenant, v.Administrator.ID, c.FormValue("code"), actor(c))
	switch {
	case errors.Is(err, models.ErrBadCode):
		return h.accountTOTP(c, http.StatusUnprocessableEntity, "That code is not right. Check the time on your device and try the newest code.")
	case errors.Is(err, models.ErrTOTPEnabled):
		h.Flashes.Set(c, "info", "Two-step verification is already on.")
		return render.Redirect(c, accountPath(c, ""))
	case err != nil:
		return err
	}
	h.wakeMail()
	p := h.R.Page(c, "Recovery codes", accountCrumbs(c, layout.Crumb{Label: "Two-step verification"})...)
	return render.Render(c, http.StatusOK, pages.RecoveryCodes(p, pages.RecoveryCodesData{Codes: codes, ContinueURL: accountPath(c, "#totp")}))
}

// AccountRecoveryCodes makes new recovery codes (the password is
// required) and shows them, once; the old ones stop working.
func (h *Handler) AccountRecoveryCodes(c echo.Context) error {
	v := render.Viewer(c)
	codes, err := h.Models.RegenerateRecoveryCodes(c.Request().Context(), v.Tenant, v.Administrator.ID, c.FormValue("password"), actor(c))
	if errs, ok := fieldErrorsOf(err, "password"); ok {
		if m, ok := errs["password"]; ok {
			delete(errs, "password")
			errs["recovery-password"] = m
		}
		return h.renderAccount(c, http.StatusUnprocessableEntity, errs)
	}
	if errors.Is(err, models.ErrTOTPNotEnabled) {
		h.Flashes.Set(c, "info", "Two-step verification is off: set it up to get recovery codes.")
		return render.Redirect(c, accountPath(c, "#totp"))
	}
	if err != nil {
		return err
	}
	h.wakeMail()
	p := h.R.Page(c, "Recovery codes", accountCrumbs(c, layout.Crumb{Label: "Two-step verification"})...)
	return render.Render(c, http.StatusOK, pages.RecoveryCodes(p, pages.RecoveryCodesData{Codes: codes, ContinueURL: accountPath(c, "#totp")}))
}

// AccountTOTPRemove turns TOTP off; the password is required.
func (h *Handler) AccountTOTPRemove(c echo.Context) error {
	v := render.Viewer(c)
	ctx := c.Request().Context()
	err := h.Models.RemoveTOTP(ctx, v.Tenant, v.Administrator.ID, c.FormValue("password"), actor(c))
	if errs, ok := fieldErrorsOf(err, "password"); ok {
		return h.renderAccount(c, http.StatusUnprocessableEntity, errs)
	}
	if err != nil {
		return err
	}
	h.wakeMail()
	sec, err := h.Models.Security(ctx, v.Tenant.ID)
	if err != nil {
		return err
	}
	hasPasskey, err := h.Models.HasPasskey(ctx, v.Tenant.ID, v.Administrator.ID)
	if err != nil {
		return err
	}
	if sec.RequireTOTP && !hasPasskey { // a passkey meets the requirement too
		// The tenant requires it: this session goes back to enrolment and
		// reaches nothing else until TOTP is set up again (the way to new
		// recovery codes, or to a new device).
		sess, err := h.Sessions.Load(c)
		if err != nil {
			return err
		}
		if err := sess.LoginPending(v.Tenant.ID, v.Administrator.ID, session.StageEnroll, "", ""); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, "/t/"+v.Tenant.Slug+"/login/enroll")
	}
	h.Flashes.Set(c, "success", "Two-step verification is off.")
	return render.Redirect(c, accountPath(c, ""))
}

// AccountEndSession ends one of the signed-in administrator's own sessions;
// anyone else's session id is 404.
func (h *Handler) AccountEndSession(c echo.Context) error {
	v := render.Viewer(c)
	err := h.Models.EndSession(c.Request().Context(), *v, v.Administrator.ID, render.SessionID(c), actor(c))
	if errors.Is(err, models.ErrNotFound) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	h.Flashes.Set(c, "success", "The session was ended.")
	return render.Redirect(c, accountPath(c, ""))
}
