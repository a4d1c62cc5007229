package handlers

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"strconv"
	"strings"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/models/passwords"
	"gatehouse/views/layout"
	"gatehouse/views/pages"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// Tenant Settings > Sign In / Sign Up, Password Policy and Brute Force
// Protection. Each page shows the settings to those who may read them (read
// only, with disabled inputs and no Save, to those who may not change them);
// a save goes through the models, which check bounds and write the audit
// event, then redirects back with a flash (303), or shows the form again
// with the messages beside the fields and what was typed (422).

func settingsPath(c echo.Context, rest string) string {
	t, _ := render.Tenant(c)
	return "/t/" + t.Slug + "/settings" + rest
}

func settingsCrumbs(label string) []layout.Crumb {
	return []layout.Crumb{{Label: "Tenant Settings"}, {Label: label}}
}

// checkboxOn reads a checkbox: HTML posts nothing for an unchecked box.
func checkboxOn(c echo.Context, name string) bool {
	switch strings.ToLower(strings.TrimSpace(c.FormValue(name))) {
	case "", "0", "off", "false":
		return false
	}
	return true
}

// wholeNumber parses a whole-number field; a message for the field when it is
// not one (the bounds themselves are the models' to check).
func wholeNumber(c echo.Context, name, label string, lo, hi int, errs map[string]string) int {
	s := strings.TrimSpace(c.FormValue(name))
	n, err := strconv.Atoi(s)
	if err != nil {
		if s == "" {
			errs[name] = fmt.Sprintf("Enter the %s, a whole number from %d to %d.", label, lo, hi)
		} else {
			errs[name] = fmt.Sprintf("Enter a whole number from %d to %d.", lo, hi)
		}
	}
	return n
}

// fieldErrorsOf returns the field errors of a models.ValidationError,
// those of unknown fields under "_form".
func fieldErrorsOf(err error, fields ...string) (map[string]string, bool) {
	var verr *models.ValidationError
	if !errors.As(err, &verr) {
		return nil, false
	}
	out := map[string]string{}
	for k, m := range verr.Fields {
		known := false
		for _, f := range fields {
			known = known || k == f
		}
		if !known {
			k = "_form"
		}
		out[k] = m
	}
	return out, true
}

// SignInSettings shows Sign In / Sign Up.
func (h *Handler) SignInSettings(c echo.Context) error {
	v := render.Viewer(c)
	sec, err := h.Models.Security(c.Request().Context(), v.Tenant.ID)
	if err != nil {
		return err
	}
	return h.renderSignInSettings(c, http.StatusOK, pages.SignInSettingsData{Method: sec.SignInMethod, RequireTOTP: sec.RequireTOTP})
}

func (h *Handler) renderSignInSettings(c echo.Context, status int, d pages.SignInSettingsData) error {
	d.CanManage = render.Viewer(c).Can(authz.ManageMFAMethods)
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	d.StepUp = h.stepUpView(c, d.Errors, "", "")
	p := h.R.Page(c, "Sign In / Sign Up", settingsCrumbs("Sign In / Sign Up")...)
	return render.Render(c, status, pages.SignInSettings(p, d))
}

// SignInSettingsSave saves the sign-in method and the TOTP requirement.
func (h *Handler) SignInSettingsSave(c echo.Context) error {
	v := render.Viewer(c)
	sec, err := h.Models.Security(c.Request().Context(), v.Tenant.ID)
	if err != nil {
		return err
	}
	keepUnposted(c, map[string]string{"method": sec.SignInMethod})
	in := models.SignInSettings{Method: strings.TrimSpace(c.FormValue("method")), RequireTOTP: checkboxOn(c, "require_totp")}
	stepErrs, err := h.stepUpCheck(c)
	if err != nil {
		return err
	}
	if stepErrs != nil {
		return h.renderSignInSettings(c, http.StatusUnprocessableEntity, pages.SignInSettingsData{Method: in.Method, RequireTOTP: in.RequireTOTP, Errors: stepErrs})
	}
	err = h.Models.UpdateSignInSettings(c.Request().Context(), *v, in, actor(c))
	if ok, rerr := h.pendingOutcome(c, err); ok {
		return rerr
	}
	if errs, ok := fieldErrorsOf(err, "method", "password", "code"); ok {
		return h.renderSignInSettings(c, http.StatusUnprocessableEntity, pages.SignInSettingsData{Method: in.Method, RequireTOTP: in.RequireTOTP, Errors: errs})
	}
	if err != nil {
		return err
	}
	h.Flashes.Set(c, "success", "Sign In / Sign Up settings were saved.")
	return render.Redirect(c, settingsPath(c, "/sign-in"))
}

// PasswordPolicySettings shows Password Policy.
func (h *Handler) PasswordPolicySettings(c echo.Context) error {
	v := render.Viewer(c)
	sec, err := h.Models.Security(c.Request().Context(), v.Tenant.ID)
	if err != nil {
		return err
	}
	return h.renderPasswordPolicy(c, http.StatusOK, pages.PasswordPolicyData{
		MinLength: strconv.Itoa(sec.MinLength), History: strconv.Itoa(sec.History),
		RequireLowercase: sec.RequireLowercase, RequireUppercase: sec.RequireUppercase,
		RequireDigit: sec.RequireDigit, RequireSymbol: sec.RequireSymbol, RejectCommon: sec.RejectCommon,
	})
}

func (h *Handler) renderPasswordPolicy(c echo.Context, status int, d pages.PasswordPolicyData) error {
	d.CanManage = render.Viewer(c).Can(authz.ManageMFAMethods)
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	d.StepUp = h.stepUpView(c, d.Errors, "", "")
	p := h.R.Page(c, "Password Policy", settingsCrumbs("Password Policy")...)
	return render.Render(c, status, pages.PasswordPolicy(p, d))
}

// PasswordPolicySave saves the password policy; it applies from the next
// password set.
func (h *Handler) PasswordPolicySave(c echo.Context) error {
	v := render.Viewer(c)
	sec, err := h.Models.Security(c.Request().Context(), v.Tenant.ID)
	if err != nil {
		return err
	}
	keepUnposted(c, map[string]string{"min_length": strconv.Itoa(sec.MinLength), "history": strconv.Itoa(sec.History)})
	typed := pages.PasswordPolicyData{
		MinLength: strings.TrimSpace(c.FormValue("min_length")), History: strings.TrimSpace(c.FormValue("history")),
		RequireLowercase: checkboxOn(c, "require_lowercase"), RequireUppercase: checkboxOn(c, "require_uppercase"),
		RequireDigit: checkboxOn(c, "require_digit"), RequireSymbol: checkboxOn(c, "require_symbol"), RejectCommon: checkboxOn(c, "reject_common"),
		Errors: map[string]string{},
	}
	pol := passwords.Policy{
		MinLength:        wholeNumber(c, "min_length", "minimum length", passwords.MinLengthLowerBound, passwords.MinLengthUpperBound, typed.Errors),
		History:          wholeNumber(c, "history", "password history", 0, models.MaxHistory, typed.Errors),
		RequireLowercase: typed.RequireLowercase, RequireUppercase: typed.RequireUppercase,
		RequireDigit: typed.RequireDigit, RequireSymbol: typed.RequireSymbol, RejectCommon: typed.RejectCommon,
	}
	stepErrs, err := h.stepUpCheck(c)
	if err != nil {
		return err
	}
	maps.Copy(typed.Errors, stepErrs)
	if len(typed.Errors) > 0 {
		return h.renderPasswordPolicy(c, http.StatusUnprocessableEntity, typed)
	}
	err = h.Models.UpdatePasswordPolicy(c.Request().Context(), *v, pol, actor(c))
	if ok, rerr := h.pendingOutcome(c, err); ok {
		return rerr
	}
	if errs, ok := fieldErrorsOf(err, "min_length", "history", "password", "code"); ok {
		typed.Errors = errs
		return h.renderPasswordPolicy(c, http.StatusUnprocessableEntity, typed)
	}
	if err != nil {
		return err
	}
	h.Flashes.Set(c, "success", "The password policy was saved. It applies the next time a password is set.")
	return render.Redirect(c, settingsPath(c, "/password-policy"))
}

// BruteForceSettings shows Brute Force Protection.
func (h *Handler) BruteForceSettings(c echo.Context) error {
	v := render.Viewer(c)
	sec, err := h.Models.Security(c.Request().Context(), v.Tenant.ID)
	if err != nil {
		return err
	}
	return h.renderBruteForce(c, http.StatusOK, pages.BruteForceData{
		MaxAttempts: strconv.Itoa(sec.MaxAttempts), LockoutMinutes: strconv.Itoa(sec.LockoutMinutes)})
}

func (h *Handler) renderBruteForce(c echo.Context, status int, d pages.BruteForceData) error {
	d.CanManage = render.Viewer(c).Can(authz.ManageBruteForceProtectionSettings)
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	d.StepUp = h.stepUpView(c, d.Errors, "", "")
	p := h.R.Page(c, "Brute Force Protection", settingsCrumbs("Brute Force Protection")...)
	return render.Render(c, status, pages.BruteForce(p, d))
}

// BruteForceSave saves the lockout settings.
func (h *Handler) BruteForceSave(c echo.Context) error {
	v := render.Viewer(c)
	sec, err := h.Models.Security(c.Request().Context(), v.Tenant.ID)
	if err != nil {
		return err
	}
	keepUnposted(c, map[string]string{"max_attempts": strconv.Itoa(sec.MaxAttempts), "lockout_minutes": strconv.Itoa(sec.LockoutMinutes)})
	typed := pages.BruteForceData{
		MaxAttempts: strings.TrimSpace(c.FormValue("max_attempts")), LockoutMinutes: strings.TrimSpace(c.FormValue("lockout_minutes")),
		Errors: map[string]string{},
	}
	maxAttempts := wholeNumber(c, "max_attempts", "maximum attempts", models.MinMaxAttempts, models.MaxMaxAttempts, typed.Errors)
	minutes := wholeNumber(c, "lockout_minutes", "lockout in minutes", models.MinLockoutMinutes, models.MaxLockoutMinutes, typed.Errors)
	stepErrs, err := h.stepUpCheck(c)
	if err != nil {
		return err
	}
	maps.Copy(typed.Errors, stepErrs)
	if len(typed.Errors) > 0 {
		return h.renderBruteForce(c, http.StatusUnprocessableEntity, typed)
	}
	err = h.Models.UpdateBruteForce(c.Request().Context(), *v, maxAttempts, minutes, actor(c))
	if ok, rerr := h.pendingOutcome(c, err); ok {
		return rerr
	}
	if errs, ok := fieldErrorsOf(err, "max_attempts", "lockout_minutes", "password", "code"); ok {
		typed.Errors = errs
		return h.renderBruteForce(c, http.StatusUnprocessableEntity, typed)
	}
	if err != nil {
		return err
	}
	h.Flashes.Set(c, "success", "Brute Force Protection settings were saved.")
	return render.Redirect(c, settingsPath(c, "/brute-force"))
}

// keepUnposted gives the settings' text and choice fields a post leaves out
// their current values, so a post that changes one setting (a script, say)
// keeps the others. Checkboxes cannot be told apart from unticked ones: an
// absent checkbox is off, as browsers send it.
func keepUnposted(c echo.Context, current map[string]string) {
	form, err := c.FormParams()
	if err != nil {
		return
	}
	for name, value := range current {
		form.Set(name, formValueOr(c, name, value))
	}
}
