package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/views/pages"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// Tenant Settings > API Tokens (read with Read Tenant Roles, made and
// revoked with Manage Tenant Roles; making one needs a step-up) and
// Tenant Settings > API, the page that says how to use the management API.

// APITokenList shows the tenant's API tokens and the form that makes one.
func (h *Handler) APITokenList(c echo.Context) error {
	return h.renderAPITokens(c, http.StatusOK, pages.APITokensData{ExpiresInDays: "90"})
}

func (h *Handler) renderAPITokens(c echo.Context, status int, d pages.APITokensData) error {
	v := render.Viewer(c)
	before, _ := strconv.ParseInt(c.QueryParam("before"), 10, 64)
	page, err := h.Models.ListAPITokens(c.Request().Context(), v.Tenant.ID, before, 50)
	if err != nil {
		return err
	}
	dir, err := h.Models.RoleDirectory(c.Request().Context(), v.Tenant.ID)
	if err != nil {
		return err
	}
	now := h.Models.Now()
	base := settingsPath(c, "/api-tokens")
	for _, it := range page.Items {
		t := it.Token
		r := pages.APITokenRow{ID: strconv.FormatInt(t.ID, 10), Name: t.Name, Prefix: t.Prefix, Workspace: it.Workspace,
			CreatedBy: it.CreatedBy, Created: fmtTime(&t.CreatedAt, ""), Expires: fmtTime(&t.ExpiresAt, ""),
			LastUsed: fmtTime(t.LastUsedAt, "never"), Status: "active", RevokeURL: base + "/" + strconv.FormatInt(t.ID, 10) + "/revoke"}
		switch {
		case t.RevokedAt != nil:
			r.Status = "revoked"
		case !t.Live(now):
			r.Status = "expired"
		}
		r.Roles = models.APITokenRoleNames(t, dir)
		d.Rows = append(d.Rows, r)
	}
	if page.Next != 0 {
		d.NextHref = base + "?before=" + strconv.FormatInt(page.Next, 10)
	}
	if before != 0 {
		d.FirstHref = base
	}
	d.CanManage = v.Can(authz.ManageTenantRoles)
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	if d.Roles == nil {
		d.Roles = map[string]bool{}
	}
	// The roles administrators can be given, built-in and custom, under the
	// same rules (the model refuses what the viewer could not grant).
	for _, rc := range models.TenantRoleChoices(*v, dir) {
		if rc.Role.Scope != authz.ScopeTenant {
			continue // organization roles need an organization: not for tokens
		}
		d.RoleChoices = append(d.RoleChoices, pages.TokenRoleChoice{Key: string(rc.Role.Key), Name: rc.Role.Name, Disabled: rc.Disabled, Reason: rc.Reason})
	}
	for _, r := range dir.In(authz.ScopeWorkspace) {
		d.RoleChoices = append(d.RoleChoices, pages.TokenRoleChoice{Key: string(r.Key), Name: r.Name, Workspace: true})
	}
	d.StepUp = h.stepUpView(c, d.Errors, "", "")
	p := h.R.Page(c, "API Tokens", settingsCrumbs("API Tokens")...)
	return render.Render(c, status, pages.APITokens(p, d))
}

// APITokenCreate makes a token and shows it, once.
func (h *Handler) APITokenCreate(c echo.Context) error {
	v := render.Viewer(c)
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	in := models.APITokenInput{Name: c.FormValue("name"), Roles: form["role"], Workspace: strings.TrimSpace(c.FormValue("workspace"))}
	days := strings.TrimSpace(c.FormValue("expires_in_days"))
	in.ExpiresInDays, _ = strconv.Atoi(days)
	typed := pages.APITokensData{Name: in.Name, Workspace: in.Workspace, ExpiresInDays: days, Roles: map[string]bool{}}
	for _, r := range in.Roles {
		typed.Roles[r] = true
	}
	stepErrs, err := h.stepUpCheck(c)
	if err != nil {
		return err
	}
	if stepErrs != nil {
		typed.Errors = stepErrs
		return h.renderAPITokens(c, http.StatusUnprocessableEntity, typed)
	}
	tok, raw, err := h.Models.CreateAPIToken(c.Request().Context(), *v, in, actor(c))
	if errs, isForm := fieldErrorsOf(err, "name", "role", "workspace", "expires_in_days", "password", "code"); isForm {
		typed.Errors = errs
		return h.renderAPITokens(c, http.StatusUnprocessableEntity, typed)
	}
	if errors.Is(err, models.ErrForbidden) {
		return echo.ErrForbidden
	}
	if err != nil {
		return err
	}
	// The secret is shown in this answer only: never in a redirect's URL
	// nor in the session.
	c.Response().Header().Set("Cache-Control", "no-store")
	return h.renderAPITokens(c, http.StatusCreated, pages.APITokensData{Created: raw, CreatedName: tok.Name, ExpiresInDays: "90"})
}

// APITokenRevoke revokes a token at once.
func (h *Handler) APITokenRevoke(c echo.Context) error {
	v := render.Viewer(c)
	tok, err := h.Models.RevokeAPIToken(c.Request().Context(), *v, render.APITokenID(c), actor(c))
	switch {
	case errors.Is(err, models.ErrNotFound):
		return echo.ErrNotFound
	case errors.Is(err, models.ErrForbidden):
		return echo.ErrForbidden
	case err != nil:
		return err
	}
	h.Flashes.Set(c, "success", "The token “"+tok.Name+"” was revoked: it no longer works.")
	return render.Redirect(c, settingsPath(c, "/api-tokens"))
}

// APIDocs is Tenant Settings > API: the OpenAPI document, how to make a
// token, and curl examples.
func (h *Handler) APIDocs(c echo.Context) error {
	v := render.Viewer(c)
	p := h.R.Page(c, "API", settingsCrumbs("API")...)
	return render.Render(c, http.StatusOK, pages.APIDocs(p, pages.APIDocsData{BaseURL: h.Models.BaseURL, TenantSlug: v.Tenant.Slug,
		CanManage: v.Can(authz.ManageTenantRoles)}))
}
