package handlers

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"

	"gatehouse/models"
	"gatehouse/models/passwords"
	"gatehouse/views/pages"
	"gatehouse/web/render"
	"gatehouse/web/session"

	"github.com/labstack/echo/v4"
)

// msgBadCredentials is the one message every failed sign-in gets.
const (
	msgBadCredentials = "Incorrect e-mail or password."
	msgBadCode        = "That code is not valid or has expired."
)

// loginPage renders one step of the sign-in page; the first step with the
// tenant's other ways in (a passkey, single sign-on).
func (h *Handler) loginPage(c echo.Context, status int, f pages.LoginForm) error {
	if f.Step == "password" || f.Step == "email" {
		t, _ := render.Tenant(c)
		f.Passkey = h.passkeyControl(t, f.Next)
		sso, err := h.ssoControl(c, t)
		if err != nil {
			return err
		}
		f.SSO = sso
	}
	return render.Render(c, status, pages.Login(h.R.Page(c, "Sign in"), f))
}

// secondStep is the form of a second step (totp or passkey) for the
// administrator signing in: with their passkey's button when they have one.
func (h *Handler) secondStep(c echo.Context, t models.Tenant, step string, adminID int64) (pages.LoginForm, error) {
	f := pages.LoginForm{Step: step}
	has, err := h.Models.HasPasskey(c.Request().Context(), t.ID, adminID)
	if err != nil {
		return f, err
	}
	if has {
		f.Passkey = h.passkeyControl(t, "")
	}
	return f, nil
}

// firstStep is the first step's form for the tenant's sign-in method.
func (h *Handler) firstStep(ctx context.Context, t models.Tenant) (string, error) {
	sec, err := h.Models.Security(ctx, t.ID)
	if err != nil {
		return "", err
	}
	if sec.SignInMethod == models.MethodOTP {
		return "email", nil
	}
	return "password", nil
}

// LoginForm shows the current step of signing in.
func (h *Handler) LoginForm(c echo.Context) error {
	t, _ := render.Tenant(c)
	sess, err := h.Sessions.Load(c)
	if err != nil {
		return err
	}
	next := session.SafeNext(c.QueryParam("next"), "")
	if sess.SignedInTo(t.ID) {
		return c.Redirect(http.StatusSeeOther, session.SafeNext(next, "/t/"+t.Slug+"/"))
	}
	switch sess.PendingIn(t.ID) {
	case session.StageCode:
		return h.loginPage(c, http.StatusOK, pages.LoginForm{Step: "code", Email: sess.Email()})
	case session.StageTOTP, session.StagePasskey:
		step := "totp"
		if sess.PendingIn(t.ID) == session.StagePasskey {
			step = "passkey"
		}
		f, err := h.secondStep(c, t, step, sess.AdminID())
		if err != nil {
			return err
		}
		return h.loginPage(c, http.StatusOK, f)
	case session.StageEnroll:
		return c.Redirect(http.StatusSeeOther, "/t/"+t.Slug+"/login/enroll")
	}
	step, err := h.firstStep(c.Request().Context(), t)
	if err != nil {
		return err
	}
	return h.loginPage(c, http.StatusOK, pages.LoginForm{Step: step, Email: strings.TrimSpace(c.QueryParam("email")), Next: next})
}

// Login handles every step: e-mail and password (or e-mail, then the
// e-mailed code), then TOTP. The session id is renewed after each step, and
// a session that has passed only some steps reaches nothing else.
func (h *Handler) Login(c echo.Context) error {
	t, _ := render.Tenant(c)
	ctx := c.Request().Context()
	sess, err := h.Sessions.Load(c)
	if err != nil {
		return err
	}
	switch sess.PendingIn(t.ID) {
	case session.StageCode:
		return h.loginCode(c, t, sess)
	case session.StageTOTP:
		return h.loginTOTP(c, t, sess)
	case session.StagePasskey: // nothing to post: the passkey's ceremony is JSON
		return c.Redirect(http.StatusSeeOther, "/t/"+t.Slug+"/login")
	case session.StageEnroll:
		return c.Redirect(http.StatusSeeOther, "/t/"+t.Slug+"/login/enroll")
	}
	step, err := h.firstStep(ctx, t)
	if err != nil {
		return err
	}
	f := pages.LoginForm{Step: step, Email: strings.TrimSpace(c.FormValue("email")), Next: session.SafeNext(c.FormValue("next"), "")}
	if f.Email != "" {
		// Not an address at all: said beside the field (this reveals
		// nothing about who has an account).
		if _, msg := models.CheckEmail(f.Email); msg != "" {
			f.EmailError = msg
			return h.loginPage(c, http.StatusUnprocessableEntity, f)
		}
	}
	password := c.FormValue("password")
	if f.Email != "" && password == "" && (step == "password" || c.FormValue("sso") != "") {
		// An address of the domains the tenant's identity provider serves,
		// and no password: single sign-on (what the page's script offers
		// as the address is typed).
		cfg, ok, err := h.Models.SSO(ctx, t.ID)
		if err != nil {
			return err
		}
		if ok && cfg.Serves(f.Email) {
			return h.startSSO(c, t, f.Email, f.Next)
		}
	}
	if step == "email" {
		return h.loginEmail(c, t, sess, f)
	}
	if f.Email == "" || password == "" {
		f.Error = "Enter your e-mail and password."
		return h.loginPage(c, http.StatusUnprocessableEntity, f)
	}
	admin, err := h.Models.Authenticate(ctx, t.ID, f.Email, password, actor(c))
	switch {
	case errors.Is(err, models.ErrBadCredentials):
		f.Error = msgBadCredentials
		return h.loginPage(c, http.StatusUnprocessableEntity, f)
	case errors.Is(err, passwords.ErrBusy):
		return h.loginBusy(c, f)
	case err != nil:
		return err
	}
	return h.afterFirstFactor(c, t, sess, admin, methodPassword, f.Next)
}

// loginBusy answers a sign-in step that could not be checked because the
// password hashing queue is full: 429 at once, with Retry-After, the form
// kept as typed.
func (h *Handler) loginBusy(c echo.Context, f pages.LoginForm) error {
	c.Response().Header().Set("Retry-After", "1")
	f.Error = "Gatehouse is checking many sign-ins right now. Wait a moment and try again."
	return h.loginPage(c, http.StatusTooManyRequests, f)
}

// loginEmail is the first step of passwordless sign-in. Known or not, the
// address takes the same path (RequestSignInCode) and gets the same answer:
// the page must not tell which addresses belong to active administrators.
// The session remembers the address only; the administrator is found again
// when the code is checked.
func (h *Handler) loginEmail(c echo.Context, t models.Tenant, sess *session.Session, f pages.LoginForm) error {
	email, msg := models.CheckEmail(f.Email)
	if msg != "" {
		f.EmailError = msg
		return h.loginPage(c, http.StatusUnprocessableEntity, f)
	}
	if err := h.sendCode(c, t, email); err != nil {
		return err
	}
	if err := sess.LoginPending(t.ID, 0, session.StageCode, email, f.Next); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/t/"+t.Slug+"/login")
}

// sendCode asks for a sign-in code for an address, within the per-address
// limit of code requests; a throttled request is answered like any other.
func (h *Handler) sendCode(c echo.Context, t models.Tenant, email string) error {
	if h.CodeLimit != nil {
		if err := h.CodeLimit.Allow(c); err != nil {
			return err
		}
	}
	err := h.Models.RequestSignInCode(c.Request().Context(), t, email, actor(c))
	if err != nil && !errors.Is(err, models.ErrThrottled) {
		return err
	}
	h.wakeMail()
	return nil
}

// loginCode checks the e-mailed code (or sends a new one).
func (h *Handler) loginCode(c echo.Context, t models.Tenant, sess *session.Session) error {
	f := pages.LoginForm{Step: "code", Email: sess.Email()}
	if c.FormValue("resend") != "" {
		// The same answer whether a code went out, was held back by the
		// throttle, or the address is nobody's.
		if err := h.sendCode(c, t, sess.Email()); err != nil {
			return err
		}
		f.Info = "A new code is on its way, unless one was sent less than half a minute ago: codes go out at most twice a minute."
		return h.loginPage(c, http.StatusOK, f)
	}
	code := strings.TrimSpace(c.FormValue("code"))
	if code == "" {
		f.Error = "Enter the code from the e-mail."
		return h.loginPage(c, http.StatusUnprocessableEntity, f)
	}
	admin, err := h.Models.VerifySignInCode(c.Request().Context(), t, sess.Email(), code, actor(c))
	if errors.Is(err, models.ErrBadCode) {
		f.Error = msgBadCode
		return h.loginPage(c, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	return h.afterFirstFactor(c, t, sess, admin, methodEmailCode, sess.Next())
}

// How a sign-in's first step was passed (audited with the sign-in).
const (
	methodPassword  = "password"
	methodEmailCode = "email_code"
)

// afterFirstFactor moves on to TOTP (enrolled), to the administrator's
// passkey (the tenant requires a second factor, they have a passkey and no
// TOTP: a passkey meets require_totp), to enrolment (required but neither
// set up) or completes the sign-in.
func (h *Handler) afterFirstFactor(c echo.Context, t models.Tenant, sess *session.Session, admin models.Administrator, method, next string) error {
	ctx := c.Request().Context()
	if admin.TOTPEnabledAt != nil {
		if err := sess.LoginPendingVia(t.ID, admin.ID, session.StageTOTP, method, next); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, "/t/"+t.Slug+"/login")
	}
	sec, err := h.Models.Security(ctx, t.ID)
	if err != nil {
		return err
	}
	if sec.RequireTOTP {
		hasPasskey, err := h.Models.HasPasskey(ctx, t.ID, admin.ID)
		if err != nil {
			return err
		}
		if hasPasskey && h.Models.PasskeysUnavailable() == "" {
			if err := sess.LoginPendingVia(t.ID, admin.ID, session.StagePasskey, method, next); err != nil {
				return err
			}
			return c.Redirect(http.StatusSeeOther, "/t/"+t.Slug+"/login")
		}
		if err := sess.LoginPendingVia(t.ID, admin.ID, session.StageEnroll, method, next); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, "/t/"+t.Slug+"/login/enroll")
	}
	if err := h.signIn(c, t, sess, admin, method); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, session.SafeNext(next, "/t/"+t.Slug+"/"))
}

// signIn completes a sign-in as one unit: the signed-in session (a new id)
// is stored in the transaction that records the sign-in (and the device,
// with its e-mail when new), so a failure leaves no signed-in session.
// Only then is the session's cookie set, with the device cookie.
func (h *Handler) signIn(c echo.Context, t models.Tenant, sess *session.Session, admin models.Administrator, method string) error {
	prepared, err := sess.PrepareSignIn(t.ID, admin.ID)
	if err != nil {
		return err
	}
	device, err := h.Sessions.Device(c)
	if err != nil {
		return err
	}
	newDevice, err := h.Models.RecordSignIn(c.Request().Context(), admin,
		models.SignIn{Session: prepared.Row, Replaces: prepared.Replaces, DeviceHash: session.DeviceHash(device), Method: method}, actor(c))
	if err != nil {
		return err
	}
	prepared.Done()
	h.Sessions.SetDevice(c, device)
	if newDevice {
		h.wakeMail()
	}
	return nil
}

// loginTOTP checks the TOTP (or recovery) code.
func (h *Handler) loginTOTP(c echo.Context, t models.Tenant, sess *session.Session) error {
	ctx := c.Request().Context()
	admin, err := h.Models.AdministratorByID(ctx, t.ID, sess.AdminID())
	if err != nil {
		if errors.Is(err, models.ErrNotFound) {
			_ = sess.Logout()
			return c.Redirect(http.StatusSeeOther, "/t/"+t.Slug+"/login")
		}
		return err
	}
	f, err := h.secondStep(c, t, "totp", admin.ID)
	if err != nil {
		return err
	}
	if admin.Status != models.AdminActive {
		f.Error = msgBadCode
		return h.loginPage(c, http.StatusUnprocessableEntity, f)
	}
	err = h.Models.VerifyTOTP(ctx, admin, c.FormValue("code"), actor(c))
	switch {
	case errors.Is(err, models.ErrLockedOut):
		// The lockout ended this sign-in: start again (with the password)
		// once it is over.
		if err := sess.Logout(); err != nil {
			return err
		}
		step, err := h.firstStep(ctx, t)
		if err != nil {
			return err
		}
		return h.loginPage(c, http.StatusUnprocessableEntity, pages.LoginForm{Step: step,
			Error: "Too many wrong codes: your account is locked for a while. Sign in again later."})
	case errors.Is(err, models.ErrBadCode) || errors.Is(err, models.ErrTOTPNotEnabled):
		f.Error = msgBadCode
		return h.loginPage(c, http.StatusUnprocessableEntity, f)
	case err != nil:
		return err
	}
	if err := h.signIn(c, t, sess, admin, sess.Method()+"+totp"); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, session.SafeNext(sess.Next(), "/t/"+t.Slug+"/"))
}

// LoginRestart abandons an unfinished sign-in.
func (h *Handler) LoginRestart(c echo.Context) error {
	t, _ := render.Tenant(c)
	sess, err := h.Sessions.Load(c)
	if err != nil {
		return err
	}
	if sess.PendingIn(t.ID) != "" {
		if err := sess.Logout(); err != nil {
			return err
		}
	}
	return c.Redirect(http.StatusSeeOther, "/t/"+t.Slug+"/login")
}

// EnrollForm is TOTP enrolment during sign-in, for a tenant that requires
// TOTP: nothing else is reachable until it is done.
func (h *Handler) EnrollForm(c echo.Context) error {
	return h.enroll(c, http.StatusOK, "")
}

func (h *Handler) enroll(c echo.Context, status int, msg string) error {
	t, _ := render.Tenant(c)
	sess, err := h.Sessions.Load(c)
	if err != nil {
		return err
	}
	if sess.PendingIn(t.ID) != session.StageEnroll {
		return c.Redirect(http.StatusSeeOther, "/t/"+t.Slug+"/login")
	}
	d, err := h.totpSetup(c, t, sess.AdminID(), "/t/"+t.Slug+"/login/enroll", msg != "")
	if err != nil {
		return err
	}
	d.Required, d.Error = true, msg
	return render.Render(c, status, pages.TOTPSetup(h.R.Page(c, "Set up two-step verification"), d))
}

// totpSetup prepares the enrolment form of an administrator: a new secret
// each time the form is opened, the same one again when it is shown back
// after a wrong code (again).
func (h *Handler) totpSetup(c echo.Context, t models.Tenant, adminID int64, action string, again bool) (pages.TOTPSetupData, error) {
	ctx := c.Request().Context()
	a, err := h.Models.AdministratorByID(ctx, t.ID, adminID)
	if err != nil {
		return pages.TOTPSetupData{}, err
	}
	start := h.Models.StartTOTPEnrollment
	if again {
		start = h.Models.PendingTOTPEnrollment
	}
	setup, err := start(ctx, t, adminID)
	if err != nil {
		return pages.TOTPSetupData{}, err
	}
	return pages.TOTPSetupData{
		Action: action, Secret: setup.Secret, Issuer: "Gatehouse " + t.Name, Account: a.Email,
		QRDataURI: "data:image/png;base64," + base64.StdEncoding.EncodeToString(setup.QRPNG),
	}, nil
}

// Enroll confirms enrolment with a code, completes the sign-in and shows
// the recovery codes once.
func (h *Handler) Enroll(c echo.Context) error {
	t, _ := render.Tenant(c)
	ctx := c.Request().Context()
	sess, err := h.Sessions.Load(c)
	if err != nil {
		return err
	}
	if sess.PendingIn(t.ID) != session.StageEnroll {
		return c.Redirect(http.StatusSeeOther, "/t/"+t.Slug+"/login")
	}
	codes, err := h.Models.ConfirmTOTPEnrollment(ctx, t, sess.AdminID(), c.FormValue("code"), actor(c))
	if errors.Is(err, models.ErrBadCode) {
		return h.enroll(c, http.StatusUnprocessableEntity, "That code is not right. Check the time on your device and try the newest code.")
	}
	if err != nil {
		return err
	}
	admin, err := h.Models.AdministratorByID(ctx, t.ID, sess.AdminID())
	if err != nil {
		return err
	}
	next := sess.Next()
	method := "totp_enrolment"
	if m := sess.Method(); m != "" {
		method = m + "+totp"
	}
	if err := h.signIn(c, t, sess, admin, method); err != nil {
		return err
	}
	v, err := h.Models.LoadViewer(ctx, t, admin.ID)
	if err != nil {
		return err
	}
	render.SetViewer(c, &v)
	p := h.R.Page(c, "Recovery codes")
	return render.Render(c, http.StatusOK, pages.RecoveryCodes(p, pages.RecoveryCodesData{Codes: codes, ContinueURL: session.SafeNext(next, "/t/"+t.Slug+"/")}))
}

// Logout ends the session on the server and in the browser.
func (h *Handler) Logout(c echo.Context) error {
	t, _ := render.Tenant(c)
	sess, err := h.Sessions.Load(c)
	if err != nil {
		return err
	}
	if sess.SignedInTo(t.ID) {
		if a, err := h.Models.AdministratorByID(c.Request().Context(), t.ID, sess.AdminID()); err == nil {
			if err := h.Models.RecordSignOut(c.Request().Context(), a, actor(c)); err != nil {
				return err
			}
		}
	}
	if err := sess.Logout(); err != nil {
		return err
	}
	h.Flashes.Set(c, "success", "You have signed out.")
	return c.Redirect(http.StatusSeeOther, "/t/"+t.Slug+"/login")
}
