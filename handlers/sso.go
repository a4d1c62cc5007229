package handlers

import (
	"errors"
	"net/http"
	"strings"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/models/idp"
	"gatehouse/views/pages"
	"gatehouse/web/render"
	"gatehouse/web/session"

	"github.com/labstack/echo/v4"
)

// Single sign-on: Tenant Settings > Single Sign-On (read with Read MFA
// Methods, changed with Manage MFA Methods and a step-up, like the other
// sign-in settings), and the sign-in with the tenant's identity provider:
// the start (a POST from the sign-in page, which sends the browser to the
// provider) and the callback the provider sends it back to.

// SSOSettings shows Single Sign-On.
func (h *Handler) SSOSettings(c echo.Context) error {
	v := render.Viewer(c)
	t, ok, err := h.Models.SSO(c.Request().Context(), v.Tenant.ID)
	if err != nil {
		return err
	}
	return h.renderSSOSettings(c, http.StatusOK, pages.SSOSettingsData{
		Configured: ok, IssuerURL: t.IssuerURL, ClientID: t.ClientID, SecretSet: len(t.ClientSecret) > 0,
		Domains: strings.Join(t.DomainList(), "\n"), ButtonLabel: t.ButtonLabel, SSOOnly: t.SSOOnly,
	})
}

func (h *Handler) renderSSOSettings(c echo.Context, status int, d pages.SSOSettingsData) error {
	v := render.Viewer(c)
	d.CanManage = v.Can(authz.ManageMFAMethods)
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	d.CallbackURL = h.Models.SSOCallbackURL(v.Tenant)
	d.StepUp = h.stepUpView(c, d.Errors, "", "")
	d.RemoveStepUp = h.stepUpView(c, map[string]string{"password": d.Errors["remove-password"], "code": d.Errors["remove-code"]}, "", "remove")
	p := h.R.Page(c, "Single Sign-On", settingsCrumbs("Single Sign-On")...)
	return render.Render(c, status, pages.SSOSettings(p, d))
}

// SSOSettingsSave saves the single sign-on settings (the provider's
// configuration is read from the issuer on the way).
func (h *Handler) SSOSettingsSave(c echo.Context) error {
	v := render.Viewer(c)
	ctx := c.Request().Context()
	cur, ok, err := h.Models.SSO(ctx, v.Tenant.ID)
	if err != nil {
		return err
	}
	in := models.SSOSettings{
		IssuerURL: strings.TrimSpace(c.FormValue("issuer_url")), ClientID: strings.TrimSpace(c.FormValue("client_id")),
		ClientSecret: c.FormValue("client_secret"), Domains: c.FormValue("domains"),
		ButtonLabel: strings.TrimSpace(c.FormValue("button_label")), SSOOnly: checkboxOn(c, "sso_only"),
	}
	typed := pages.SSOSettingsData{Configured: ok, IssuerURL: in.IssuerURL, ClientID: in.ClientID,
		SecretSet: len(cur.ClientSecret) > 0, Domains: strings.TrimSpace(in.Domains), ButtonLabel: in.ButtonLabel, SSOOnly: in.SSOOnly}
	stepErrs, err := h.stepUpCheck(c)
	if err != nil {
		return err
	}
	if stepErrs != nil {
		typed.Errors = stepErrs
		return h.renderSSOSettings(c, http.StatusUnprocessableEntity, typed)
	}
	err = h.Models.SaveSSOSettings(ctx, *v, in, actor(c))
	if errs, isForm := fieldErrorsOf(err, "issuer_url", "client_id", "client_secret", "domains", "button_label", "password", "code"); isForm {
		typed.Errors = errs
		return h.renderSSOSettings(c, http.StatusUnprocessableEntity, typed)
	}
	if err != nil {
		return err
	}
	h.Flashes.Set(c, "success", "Single sign-on settings were saved.")
	return render.Redirect(c, settingsPath(c, "/sso"))
}

// SSORemove turns single sign-on off (step-up).
func (h *Handler) SSORemove(c echo.Context) error {
	v := render.Viewer(c)
	ctx := c.Request().Context()
	cur, ok, err := h.Models.SSO(ctx, v.Tenant.ID)
	if err != nil {
		return err
	}
	if !ok {
		return echo.ErrNotFound
	}
	current := pages.SSOSettingsData{Configured: true, IssuerURL: cur.IssuerURL, ClientID: cur.ClientID, SecretSet: len(cur.ClientSecret) > 0,
		Domains: strings.Join(cur.DomainList(), "\n"), ButtonLabel: cur.ButtonLabel, SSOOnly: cur.SSOOnly}
	stepErrs, err := h.stepUpCheck(c)
	if err != nil {
		return err
	}
	if stepErrs == nil {
		err = h.Models.RemoveSSO(ctx, *v, actor(c))
		if errors.Is(err, models.ErrNotFound) {
			return echo.ErrNotFound
		}
		stepErrs, _ = fieldErrorsOf(err, "password", "code")
		if stepErrs == nil && err != nil {
			return err
		}
	}
	if stepErrs != nil {
		current.Errors = map[string]string{"remove-password": stepErrs["password"], "remove-code": stepErrs["code"], "_remove": stepErrs["_form"]}
		return h.renderSSOSettings(c, http.StatusUnprocessableEntity, current)
	}
	h.Flashes.Set(c, "success", "Single sign-on was turned off: administrators sign in with their passwords (or e-mailed codes) again.")
	return render.Redirect(c, settingsPath(c, "/sso"))
}

// ssoControl is the sign-in page's single sign-on part (nil: none). The
// page's Content-Security-Policy then lets its forms lead to the provider's
// authorization endpoint (form-action): starting single sign-on is a post
// whose answer redirects there, and browsers check form-action on it.
func (h *Handler) ssoControl(c echo.Context, t models.Tenant) (*pages.SSOControl, error) {
	cfg, ok, err := h.Models.SSO(c.Request().Context(), t.ID)
	if err != nil || !ok {
		return nil, err
	}
	if o := cfg.AuthorizeOrigin; o != "" && !strings.ContainsAny(o, " ;'\"\r\n") {
		hd := c.Response().Header()
		hd.Set("Content-Security-Policy", strings.Replace(hd.Get("Content-Security-Policy"), "form-action 'self'", "form-action 'self' "+o, 1))
	}
	return &pages.SSOControl{Label: cfg.Label(), StartURL: "/t/" + t.Slug + "/login/sso", Domains: cfg.DomainList(), Only: cfg.SSOOnly}, nil
}

// msgSSOFailed is what every refused single sign-on says (the reason is in
// the audit log).
const msgSSOFailed = "Single sign-on did not sign you in: your identity provider did not confirm an address of an active administrator of this tenant, or the sign-in was interrupted. Try again, or ask a Tenant Admin."

// LoginSSO starts a single sign-on: the state, nonce and PKCE verifier are
// kept in a fresh server-side session bound to this browser, and the
// browser is sent to the identity provider (with the typed e-mail address
// as a hint).
func (h *Handler) LoginSSO(c echo.Context) error {
	t, _ := render.Tenant(c)
	return h.startSSO(c, t, strings.TrimSpace(c.FormValue("email")), session.SafeNext(c.FormValue("next"), ""))
}

func (h *Handler) startSSO(c echo.Context, t models.Tenant, email, next string) error {
	sess, err := h.Sessions.Load(c)
	if err != nil {
		return err
	}
	req, authURL, err := h.Models.StartSSO(c.Request().Context(), t, email)
	if errors.Is(err, models.ErrSSONotConfigured) {
		return echo.ErrNotFound
	}
	var ierr *idp.Error
	if errors.As(err, &ierr) {
		h.Logger.Warn("single sign-on could not start", "tenant", t.Slug, "err", err)
		return h.loginPage(c, http.StatusBadGateway, pages.LoginForm{Step: "password", Email: email, Next: next,
			Error: "Your identity provider cannot be reached right now. Try again in a moment."})
	}
	if err != nil {
		return err
	}
	if err := sess.LoginPendingSSO(t.ID, req.State, req.Nonce, req.Verifier, next); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Redirect(http.StatusSeeOther, authURL)
}

// LoginSSOCallback completes a single sign-on: the browser's pending
// request is used up whatever happens (a callback works once), then the
// provider's answer is checked (models.FinishSSO) and the sign-in
// completed as every sign-in is (RecordSignIn, method "sso"). The
// provider's authentication is taken whole: no TOTP step follows.
func (h *Handler) LoginSSOCallback(c echo.Context) error {
	t, _ := render.Tenant(c)
	sess, err := h.Sessions.Load(c)
	if err != nil {
		return err
	}
	var pending idp.Request
	next := ""
	if sess.PendingIn(t.ID) == session.StageSSO {
		pending.State, pending.Nonce, pending.Verifier = sess.SSORequest()
		next = sess.Next()
		if err := sess.Logout(); err != nil {
			return err
		}
	}
	cb := models.SSOCallback{State: c.QueryParam("state"), Code: c.QueryParam("code"),
		Error: c.QueryParam("error"), ErrorDescription: c.QueryParam("error_description")}
	admin, err := h.Models.FinishSSO(c.Request().Context(), t, pending, cb, actor(c))
	if errors.Is(err, models.ErrSSOFailed) {
		h.Logger.Info("single sign-on refused", "tenant", t.Slug, "err", err)
		step, serr := h.firstStep(c.Request().Context(), t)
		if serr != nil {
			return serr
		}
		return h.loginPage(c, http.StatusUnprocessableEntity, pages.LoginForm{Step: step, Next: next, Error: msgSSOFailed})
	}
	if err != nil {
		return err
	}
	if err := h.signIn(c, t, sess, admin, "sso"); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, session.SafeNext(next, "/t/"+t.Slug+"/"))
}
