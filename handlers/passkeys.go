package handlers

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"gatehouse/models"
	"gatehouse/views/layout"
	"gatehouse/views/pages"
	"gatehouse/web/render"
	"gatehouse/web/session"

	"github.com/labstack/echo/v4"
)

// Passkeys: the WebAuthn ceremonies (JSON in and out, the CSRF token in
// the X-CSRF-Token header; static/js/app.js drives them from controls
// carrying data-begin-url and data-finish-url) and the account page's
// list and removal. The rules are models'.

// ceremonyBody reads a ceremony's JSON body (within the server's body limit).
func ceremonyBody(c echo.Context) ([]byte, error) {
	return io.ReadAll(c.Request().Body)
}

// jsonError answers a ceremony's failure: {"error": message} (and the
// field messages, when a field is at fault).
func jsonError(c echo.Context, status int, msg string, fields map[string]string) error {
	body := map[string]any{"error": msg}
	if len(fields) > 0 {
		body["fields"] = fields
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(status, body)
}

// ceremonyOptions answers a begin: the options as they are (the standard
// WebAuthn JSON form), never cached.
func ceremonyOptions(c echo.Context, options []byte) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSONBlob(http.StatusOK, options)
}

const (
	msgPasskeyFailed = "That passkey could not be used. Try again, or sign in another way."
	msgPasskeyCloned = "This passkey was refused: its signature counter went backwards, a sign that it may have been copied. Sign in another way, then check your passkeys on your account page."
)

// passkeyFailure maps a ceremony's error to its answer, logging the reason.
func (h *Handler) passkeyFailure(c echo.Context, err error) error {
	var perr *models.PasskeyError
	var verr *models.ValidationError
	switch {
	case errors.As(err, &verr):
		msg := verr.Fields["name"]
		if msg == "" {
			msg = verr.Error()
		}
		return jsonError(c, http.StatusUnprocessableEntity, msg, verr.Fields)
	case errors.Is(err, models.ErrPasskeysUnavailable):
		return jsonError(c, http.StatusNotFound, h.Models.PasskeysUnavailable(), nil)
	case errors.Is(err, models.ErrPasskeyCloned):
		return jsonError(c, http.StatusUnprocessableEntity, msgPasskeyCloned, nil)
	case errors.As(err, &perr):
		h.Logger.Info("passkey refused", "reason", perr.Reason, "request_id", c.Response().Header().Get(echo.HeaderXRequestID))
		return jsonError(c, http.StatusUnprocessableEntity, msgPasskeyFailed, nil)
	}
	return err
}

// AccountPasskeyBegin starts adding a passkey: the creation options.
func (h *Handler) AccountPasskeyBegin(c echo.Context) error {
	v := render.Viewer(c)
	opts, err := h.Models.BeginPasskeyRegistration(c.Request().Context(), v.Tenant, v.Administrator.ID)
	if err != nil {
		return h.passkeyFailure(c, err)
	}
	return ceremonyOptions(c, opts)
}

// AccountPasskeyFinish stores the passkey the browser created, named by
// the query's name, and answers where to go: {"redirect": the account page}.
func (h *Handler) AccountPasskeyFinish(c echo.Context) error {
	v := render.Viewer(c)
	body, err := ceremonyBody(c)
	if err != nil {
		return err
	}
	p, err := h.Models.FinishPasskeyRegistration(c.Request().Context(), v.Tenant, v.Administrator.ID, c.QueryParam("name"), body, actor(c))
	if err != nil {
		return h.passkeyFailure(c, err)
	}
	h.wakeMail()
	h.Flashes.Set(c, "success", "The passkey \u201c"+p.Name+"\u201d was added. You can now sign in with it.")
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, map[string]string{"redirect": accountPath(c, "#passkeys")})
}

// AccountPasskeyRemoveForm asks to confirm a passkey's removal (with the
// step-up it needs).
func (h *Handler) AccountPasskeyRemoveForm(c echo.Context) error {
	return h.renderPasskeyRemove(c, http.StatusOK, render.Passkey(c), nil)
}

func (h *Handler) renderPasskeyRemove(c echo.Context, status int, p models.Passkey, errs map[string]string) error {
	d := pages.PasskeyRemoveData{Name: p.Name, Created: fmtTime(&p.CreatedAt, ""), LastUsed: fmtTime(p.LastUsedAt, "Never"),
		Action: accountPath(c, "/passkeys/"+strconv.FormatInt(p.ID, 10)+"/delete"), CancelURL: accountPath(c, "#passkeys"),
		StepUp: h.stepUpView(c, errs, "", ""), FormError: errs["_form"]}
	pg := h.R.Page(c, "Remove passkey", accountCrumbs(c, layout.Crumb{Label: "Remove passkey"})...)
	return render.Render(c, status, pages.PasskeyRemove(pg, d))
}

// AccountPasskeyRemove removes one of the viewer's passkeys (step-up).
func (h *Handler) AccountPasskeyRemove(c echo.Context) error {
	v := render.Viewer(c)
	ctx := c.Request().Context()
	p := render.Passkey(c)
	stepErrs, err := h.stepUpCheck(c)
	if err != nil {
		return err
	}
	if stepErrs != nil {
		return h.renderPasskeyRemove(c, http.StatusUnprocessableEntity, p, stepErrs)
	}
	_, err = h.Models.RemovePasskey(ctx, *v, p.ID, actor(c))
	if errs, ok := fieldErrorsOf(err, "password", "code"); ok {
		return h.renderPasskeyRemove(c, http.StatusUnprocessableEntity, p, errs)
	}
	if errors.Is(err, models.ErrNotFound) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	h.wakeMail()
	// Without TOTP and without another passkey, a tenant that requires a
	// second factor sends this session back to TOTP enrolment (as removing
	// TOTP does).
	sec, err := h.Models.Security(ctx, v.Tenant.ID)
	if err != nil {
		return err
	}
	left, err := h.Models.HasPasskey(ctx, v.Tenant.ID, v.Administrator.ID)
	if err != nil {
		return err
	}
	if sec.RequireTOTP && v.Administrator.TOTPEnabledAt == nil && !left {
		sess, err := h.Sessions.Load(c)
		if err != nil {
			return err
		}
		if err := sess.LoginPending(v.Tenant.ID, v.Administrator.ID, session.StageEnroll, "", ""); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, "/t/"+v.Tenant.Slug+"/login/enroll")
	}
	h.Flashes.Set(c, "success", "The passkey \u201c"+p.Name+"\u201d was removed.")
	return render.Redirect(c, accountPath(c, "#passkeys"))
}

// pendingPasskeyAdmin is the administrator a sign-in in progress waits
// for a passkey from (the second step: StagePasskey, or instead of TOTP),
// or 0: the sign-in page's discoverable "Sign in with a passkey".
func pendingPasskeyAdmin(sess *session.Session, tenantID int64) int64 {
	switch sess.PendingIn(tenantID) {
	case session.StagePasskey, session.StageTOTP:
		return sess.AdminID()
	}
	return 0
}

// LoginPasskeyBegin starts a sign-in with a passkey: the request options.
func (h *Handler) LoginPasskeyBegin(c echo.Context) error {
	t, _ := render.Tenant(c)
	sess, err := h.Sessions.Load(c)
	if err != nil {
		return err
	}
	opts, err := h.Models.BeginPasskeySignIn(c.Request().Context(), t, pendingPasskeyAdmin(sess, t.ID))
	if err != nil {
		return h.passkeyFailure(c, err)
	}
	return ceremonyOptions(c, opts)
}

// LoginPasskeyFinish checks the assertion and completes the sign-in as
// every sign-in completes (RecordSignIn: new session id, audit with the
// method, new-device e-mail), answering {"redirect": where to go}.
func (h *Handler) LoginPasskeyFinish(c echo.Context) error {
	t, _ := render.Tenant(c)
	sess, err := h.Sessions.Load(c)
	if err != nil {
		return err
	}
	body, err := ceremonyBody(c)
	if err != nil {
		return err
	}
	adminID := pendingPasskeyAdmin(sess, t.ID)
	admin, err := h.Models.FinishPasskeySignIn(c.Request().Context(), t, adminID, body, actor(c))
	if err != nil {
		return h.passkeyFailure(c, err)
	}
	method, next := "passkey", session.SafeNext(c.QueryParam("next"), "")
	if adminID != 0 {
		method, next = sess.Method()+"+passkey", sess.Next()
	}
	if err := h.signIn(c, t, sess, admin, method); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, map[string]string{"redirect": session.SafeNext(next, "/t/"+t.Slug+"/")})
}

// passkeyControl is the sign-in page's passkey button's URLs (nil when
// passkeys are unavailable on this server).
func (h *Handler) passkeyControl(t models.Tenant, next string) *pages.PasskeyControl {
	if h.Models.PasskeysUnavailable() != "" {
		return nil
	}
	finish := "/t/" + t.Slug + "/login/passkey/finish"
	if next != "" {
		finish += "?next=" + url.QueryEscape(next)
	}
	return &pages.PasskeyControl{BeginURL: "/t/" + t.Slug + "/login/passkey/begin", FinishURL: finish}
}

// accountPasskeys is the account page's Passkeys section for a.
func (h *Handler) accountPasskeys(c echo.Context, a models.Administrator) (pages.PasskeysData, error) {
	d := pages.PasskeysData{Unavailable: h.Models.PasskeysUnavailable(),
		Add: pages.PasskeyControl{BeginURL: accountPath(c, "/passkeys/begin"), FinishURL: accountPath(c, "/passkeys/finish")}}
	ps, err := h.Models.PasskeysOf(c.Request().Context(), a.TenantID, a.ID)
	if err != nil {
		return d, err
	}
	for _, p := range ps {
		row := pages.PasskeyRow{Name: p.Name, Created: fmtTime(&p.CreatedAt, ""), LastUsed: fmtTime(p.LastUsedAt, "Never"),
			RemoveURL: accountPath(c, "/passkeys/"+strconv.FormatInt(p.ID, 10)+"/delete")}
		if p.CloneWarningAt != nil {
			row.CloneWarning = fmtTime(p.CloneWarningAt, "")
		}
		d.List = append(d.List, row)
	}
	return d, nil
}
