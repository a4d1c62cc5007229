package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/views/pages"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// Tenant Settings > Tenant: Tenant Admins and Auditors read it (Get
// Tenant), Tenant Admins change it (Update Tenant). Feature flags are shown
// here and changed only from the command line.

var flagHelp = map[models.FeatureFlag]string{
	models.FlagAdminManagement:         "Administrators are managed under Tenant Settings > Administrators.",
	models.FlagAdvancedAdminManagement: "Administrators are managed as users of the Administrators identity pool, from the Admin workspace.",
}

// TenantSettings shows Tenant Settings > Tenant.
func (h *Handler) TenantSettings(c echo.Context) error {
	v := render.Viewer(c)
	t, err := h.Models.TenantByID(c.Request().Context(), v.Tenant.ID)
	if err != nil {
		return err
	}
	return h.renderTenantSettings(c, http.StatusOK, t, tenantForm(t))
}

// tenantForm is the form filled with the stored settings.
func tenantForm(t models.Tenant) pages.TenantSettingsData {
	return pages.TenantSettingsData{Version: t.Version, Name: t.Name, IdleMinutes: strconv.Itoa(int(t.SessionIdle().Minutes())),
		AbsoluteHours: strconv.Itoa(int(t.SessionAbsolute().Hours())), DeactivateAfterDays: strconv.Itoa(t.DeactivateAfterDays), RequireApproval: t.RequireApproval}
}

// renderTenantSettings shows the page for tenant t (as stored) with the
// form d (as typed).
func (h *Handler) renderTenantSettings(c echo.Context, status int, t models.Tenant, d pages.TenantSettingsData) error {
	d.Slug, d.Plan, d.Legacy = t.Slug, string(t.Plan), t.Legacy
	d.CanManage = render.Viewer(c).Can(authz.UpdateTenant)
	for _, f := range t.Flags() {
		d.Flags = append(d.Flags, pages.FlagRow{Name: string(f.Flag), On: f.On, Help: flagHelp[f.Flag]})
	}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	if d.BreakGlass == nil {
		bg, err := h.breakGlassSection(c, nil, "")
		if err != nil {
			return err
		}
		d.BreakGlass = bg
	}
	p := h.R.Page(c, "Tenant", settingsCrumbs("Tenant")...)
	return render.Render(c, status, pages.TenantSettings(p, d))
}

// TenantSettingsSave saves Tenant Settings > Tenant. A field the post
// leaves out keeps its current value; a form opened on an older version is
// refused with 409, what was typed kept.
func (h *Handler) TenantSettingsSave(c echo.Context) error {
	v := render.Viewer(c)
	ctx := c.Request().Context()
	cur, err := h.Models.TenantByID(ctx, v.Tenant.ID)
	if err != nil {
		return err
	}
	stored := tenantForm(cur)
	typed := pages.TenantSettingsData{
		Name:                strings.TrimSpace(formValueOr(c, "name", stored.Name)),
		IdleMinutes:         strings.TrimSpace(formValueOr(c, "idle_minutes", stored.IdleMinutes)),
		AbsoluteHours:       strings.TrimSpace(formValueOr(c, "absolute_hours", stored.AbsoluteHours)),
		DeactivateAfterDays: strings.TrimSpace(formValueOr(c, "deactivate_after_days", stored.DeactivateAfterDays)),
	}
	typed.Version, _ = strconv.ParseInt(c.FormValue("version"), 10, 64)
	typed.RequireApproval = stored.RequireApproval
	var requireApproval *bool
	if f, err := c.FormParams(); err == nil && len(f["require_approval"]) > 0 {
		// The form posts "off" (hidden) then "on" when the box is ticked;
		// a post without the field leaves the setting as it is.
		on := f["require_approval"][len(f["require_approval"])-1] == "on"
		requireApproval, typed.RequireApproval = &on, on
	}
	errs := map[string]string{}
	in := models.TenantSettingsInput{Version: typed.Version, Name: typed.Name,
		IdleMinutes:         wholeNumberOf(typed.IdleMinutes, "idle_minutes", "idle timeout", models.MinIdleMinutes, models.MaxIdleMinutes, errs),
		AbsoluteHours:       wholeNumberOf(typed.AbsoluteHours, "absolute_hours", "maximum session length", models.MinAbsoluteHours, models.MaxAbsoluteHours, errs),
		DeactivateAfterDays: wholeNumberOf(typed.DeactivateAfterDays, "deactivate_after_days", "number of days", 0, models.MaxDeactivateAfterDays, errs),
		RequireApproval:     requireApproval,
	}
	// Bounds of every field at once, beside the fields; nothing saved.
	if verr := models.ValidateTenantSettings(in); verr != nil {
		fe, _ := fieldErrorsOf(verr, "name", "idle_minutes", "absolute_hours", "deactivate_after_days")
		for k, m := range fe {
			if _, ok := errs[k]; !ok {
				errs[k] = m
			}
		}
	}
	if len(errs) > 0 {
		typed.Errors = errs
		return h.renderTenantSettings(c, http.StatusUnprocessableEntity, cur, typed)
	}
	_, err = h.Models.UpdateTenantSettings(ctx, *v, in, actor(c))
	var conflict *models.TenantConflictError
	var pending *models.PendingError
	switch {
	case errors.As(err, &pending):
		h.wakeMail()
		h.Flashes.Set(c, "info", "The tenant's settings were saved; turning off four eyes waits for another Tenant Admin's approval on Approvals.")
		return render.Redirect(c, settingsPath(c, "/approvals"))
	case errors.As(err, &conflict):
		now := conflict.Current
		typed.Version = now.Version // saving again, after review, applies to the current version
		typed.Conflict = fmt.Sprintf("The tenant's settings were changed since you opened them (saved at %s). Review the current values and save again.",
			fmtTime(&now.UpdatedAt, "an unknown time"))
		typed.ConflictRows = tenantConflictRows(typed, tenantForm(now))
		return h.renderTenantSettings(c, http.StatusConflict, now, typed)
	case err != nil:
		if fe, ok := fieldErrorsOf(err, "name", "idle_minutes", "absolute_hours", "deactivate_after_days"); ok {
			typed.Errors = fe
			return h.renderTenantSettings(c, http.StatusUnprocessableEntity, cur, typed)
		}
		return err
	}
	h.Flashes.Set(c, "success", "The tenant's settings were saved.")
	return render.Redirect(c, settingsPath(c, "/tenant"))
}

// wholeNumberOf parses a typed whole number; a message for the field when it
// is not one (the bounds are the model's to check).
func wholeNumberOf(s, field, label string, lo, hi int, errs map[string]string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		if s == "" {
			errs[field] = fmt.Sprintf("Enter the %s, a whole number from %d to %d.", label, lo, hi)
		} else {
			errs[field] = fmt.Sprintf("Enter a whole number from %d to %d.", lo, hi)
		}
	}
	return n
}

func tenantConflictRows(typed, cur pages.TenantSettingsData) []pages.ConflictRow {
	var rows []pages.ConflictRow
	for _, f := range []struct{ label, yours, current string }{
		{"Name", typed.Name, cur.Name},
		{"Idle timeout (minutes)", typed.IdleMinutes, cur.IdleMinutes},
		{"Maximum session length (hours)", typed.AbsoluteHours, cur.AbsoluteHours},
		{"Deactivate after (days)", typed.DeactivateAfterDays, cur.DeactivateAfterDays},
	} {
		if f.yours != f.current {
			rows = append(rows, pages.ConflictRow{Field: f.label, Yours: f.yours, Current: f.current})
		}
	}
	return rows
}

// adminManagementNotice is Tenant Settings > Administrators for a tenant
// whose administrators are not managed there (feature flags).
func (h *Handler) adminManagementNotice(c echo.Context, mode models.AdminManagementMode) error {
	v := render.Viewer(c)
	d := pages.AdminManagementData{Off: mode == models.AdminManagementOff, Legacy: v.Tenant.Legacy,
		FlagCommand: "gatehouse tenant flags --slug " + v.Tenant.Slug + " --set admin_management=on"}
	if !d.Off {
		if w, err := h.Models.AdminWorkspace(c.Request().Context(), v.Tenant.ID); err == nil && v.CanSeeWorkspace(w.ID) {
			d.WorkspaceHref = "/t/" + v.Tenant.Slug + "/workspaces/" + w.Slug + "/idps"
		} else if err != nil && !errors.Is(err, models.ErrNotFound) {
			return err
		}
	}
	p := h.R.Page(c, "Administrators", adminCrumbs(c)...)
	return render.Render(c, http.StatusOK, pages.AdminManagementNotice(p, d))
}
