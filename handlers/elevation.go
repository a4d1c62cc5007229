package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/views/layout"
	"gatehouse/views/pages"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// Elevation (Account > Elevation, Tenant Settings > Elevation Requests)
// and break-glass (Account, and its administrators on Tenant Settings > Tenant).

func (h *Handler) elevationRows(c echo.Context, rows []models.ElevationRow, decide bool) []pages.ElevationRow {
	v := render.Viewer(c)
	now := h.Models.Now()
	out := make([]pages.ElevationRow, 0, len(rows))
	for _, r := range rows {
		q := r.Request
		row := pages.ElevationRow{ID: q.ID, Requester: r.Requester.DisplayName(), Email: r.Requester.Email, Role: r.RoleName, Where: "tenant-wide",
			Hours: q.Hours, Reason: q.Reason, Status: q.Status, BreakGlass: q.BreakGlass, Requested: fmtTime(&q.CreatedAt, ""),
			DecidedBy: r.DecidedBy, Until: fmtTime(q.ExpiresAt, "—"), Expired: q.ExpiresAt != nil && !q.ExpiresAt.After(now)}
		if r.Workspace != "" {
			row.Where = "in workspace " + r.Workspace
		}
		if decide && q.Status == models.ElevationPending && q.RequesterID != v.Administrator.ID {
			base := tenantPath(c, "/settings/elevation-requests/"+strconv.FormatInt(q.ID, 10))
			row.ApproveURL, row.DenyURL = base+"/approve", base+"/deny"
			row.AskStepUp = q.RoleKey == string(authz.TenantAdmin) && !v.SteppedUp(now.UTC())
		}
		out = append(out, row)
	}
	return out
}

// Elevation is Account > Elevation.
func (h *Handler) Elevation(c echo.Context) error {
	return h.renderElevation(c, http.StatusOK, pages.ElevationData{Hours: "4"})
}

func (h *Handler) renderElevation(c echo.Context, status int, d pages.ElevationData) error {
	v := render.Viewer(c)
	ctx := c.Request().Context()
	dir, err := h.roleDirectory(c)
	if err != nil {
		return err
	}
	for _, r := range append(dir.In(authz.ScopeTenant), dir.In(authz.ScopeWorkspace)...) {
		o := pages.Option{Value: string(r.Key), Label: r.Name}
		if !r.AvailableOn(string(v.Tenant.Plan)) {
			o.Disabled, o.Reason = true, "requires the Professional or Enterprise plan"
		}
		if r.Scope == authz.ScopeWorkspace {
			o.Label += " (workspace)"
		}
		d.Roles = append(d.Roles, o)
	}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	if d.BreakGlass, err = h.Models.IsBreakGlass(ctx, v.Tenant.ID, v.Administrator.ID); err != nil {
		return err
	}
	rows, _, err := h.Models.ElevationRequests(ctx, v.Tenant.ID, v.Administrator.ID, false, 0, 50)
	if err != nil {
		return err
	}
	d.Rows = h.elevationRows(c, rows, false)
	p := h.R.Page(c, "Elevation", layout.Crumb{Label: "Account", Href: tenantPath(c, "/account")}, layout.Crumb{Label: "Elevation"})
	return render.Render(c, status, pages.Elevation(p, d))
}

// ElevationRequest records the viewer's request.
func (h *Handler) ElevationRequest(c echo.Context) error {
	v := render.Viewer(c)
	typed := pages.ElevationData{Role: c.FormValue("role"), Workspace: strings.TrimSpace(c.FormValue("workspace")), Hours: strings.TrimSpace(c.FormValue("hours")), Reason: c.FormValue("reason")}
	hours, perr := strconv.Atoi(typed.Hours)
	if perr != nil {
		hours = 0
	}
	_, err := h.Models.RequestElevation(c.Request().Context(), *v, models.ElevationInput{Role: typed.Role, Workspace: typed.Workspace, Hours: hours, Reason: typed.Reason}, actor(c))
	var verr *models.ValidationError
	switch {
	case errors.As(err, &verr):
		typed.Errors = verr.Fields
		return h.renderElevation(c, http.StatusUnprocessableEntity, typed)
	case err != nil:
		return err
	}
	h.wakeMail()
	h.Flashes.Set(c, "success", "Your request was sent to the Tenant Admins.")
	return render.Redirect(c, tenantPath(c, "/account/elevation"))
}

// BreakGlass takes Tenant Admin for an hour (break-glass administrators only).
func (h *Handler) BreakGlass(c echo.Context) error {
	v := render.Viewer(c)
	_, err := h.Models.BreakGlass(c.Request().Context(), *v, c.FormValue("reason"), actor(c))
	var verr *models.ValidationError
	switch {
	case errors.As(err, &verr):
		return h.renderElevation(c, http.StatusUnprocessableEntity, pages.ElevationData{Hours: "4", GlassError: verr.Fields["reason"]})
	case errors.Is(err, models.ErrNotBreakGlass):
		return echo.NewHTTPError(http.StatusForbidden, err.Error())
	case err != nil:
		return err
	}
	h.wakeMail()
	h.Flashes.Set(c, "success", "You hold Tenant Admin for one hour. Every Tenant Admin was alerted.")
	return render.Redirect(c, tenantPath(c, "/account/elevation"))
}

// ElevationRequests is Tenant Settings > Elevation Requests.
func (h *Handler) ElevationRequests(c echo.Context) error {
	return h.renderElevationRequests(c, http.StatusOK, nil)
}

func (h *Handler) renderElevationRequests(c echo.Context, status int, errs map[string]string) error {
	v := render.Viewer(c)
	ctx := c.Request().Context()
	decide := v.Can(authz.ManageTenantRoles)
	pending, _, err := h.Models.ElevationRequests(ctx, v.Tenant.ID, 0, true, 0, 100)
	if err != nil {
		return err
	}
	recent, _, err := h.Models.ElevationRequests(ctx, v.Tenant.ID, 0, false, 0, 50)
	if err != nil {
		return err
	}
	var done []models.ElevationRow
	for _, r := range recent {
		if r.Request.Status != models.ElevationPending {
			done = append(done, r)
		}
	}
	if errs == nil {
		errs = map[string]string{}
	}
	d := pages.ElevationRequestsData{Pending: h.elevationRows(c, pending, decide), Recent: h.elevationRows(c, done, false), CanDecide: decide, Errors: errs}
	p := h.R.Page(c, "Elevation Requests", settingsCrumbs("Elevation Requests")...)
	return render.Render(c, status, pages.ElevationRequests(p, d))
}

func (h *Handler) decideElevation(c echo.Context, approve bool) error {
	v := render.Viewer(c)
	id, perr := paramID(c, "request")
	if perr != nil {
		return perr
	}
	if approve {
		stepErrs, err := h.stepUpCheck(c)
		if err != nil {
			return err
		}
		if stepErrs != nil {
			return h.renderElevationRequests(c, http.StatusUnprocessableEntity, stepErrs)
		}
	}
	req, err := h.Models.DecideElevation(c.Request().Context(), *v, id, approve, c.FormValue("note"), actor(c))
	var verr *models.ValidationError
	switch {
	case errors.As(err, &verr):
		errs := map[string]string{}
		for k, m := range verr.Fields {
			if k != "password" && k != "code" {
				k = "_form"
			}
			errs[k] = m
		}
		return h.renderElevationRequests(c, http.StatusUnprocessableEntity, errs)
	case errors.Is(err, models.ErrOwnRequest), errors.Is(err, models.ErrEscalation):
		return echo.NewHTTPError(http.StatusForbidden, err.Error())
	case err != nil:
		return err
	}
	h.wakeMail()
	msg := "The request was denied."
	if approve {
		msg = "The request was approved until " + fmtTime(req.ExpiresAt, "") + "."
	}
	h.Flashes.Set(c, "success", msg)
	return render.Redirect(c, tenantPath(c, "/settings/elevation-requests"))
}

// ElevationApprove approves a pending request.
func (h *Handler) ElevationApprove(c echo.Context) error { return h.decideElevation(c, true) }

// ElevationDeny denies a pending request.
func (h *Handler) ElevationDeny(c echo.Context) error { return h.decideElevation(c, false) }

// breakGlassSection is the break-glass part of Tenant Settings > Tenant.
func (h *Handler) breakGlassSection(c echo.Context, typed *string, errMsg string) (*pages.BreakGlassData, error) {
	v := render.Viewer(c)
	d := &pages.BreakGlassData{Action: tenantPath(c, "/settings/tenant/break-glass"), CanManage: v.Can(authz.UpdateTenant), Error: errMsg}
	if typed != nil {
		d.Value = *typed
		return d, nil
	}
	admins, err := h.Models.BreakGlassAdmins(c.Request().Context(), v.Tenant.ID)
	if err != nil {
		return nil, err
	}
	var emails []string
	for _, a := range admins {
		emails = append(emails, a.Email)
	}
	d.Value = strings.Join(emails, ", ")
	return d, nil
}

// BreakGlassSave names the tenant's break-glass administrators.
func (h *Handler) BreakGlassSave(c echo.Context) error {
	v := render.Viewer(c)
	typed := c.FormValue("break_glass")
	err := h.Models.SetBreakGlass(c.Request().Context(), *v, strings.FieldsFunc(typed, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' }), actor(c))
	var verr *models.ValidationError
	switch {
	case errors.As(err, &verr):
		t, terr := h.Models.TenantByID(c.Request().Context(), v.Tenant.ID)
		if terr != nil {
			return terr
		}
		d := tenantForm(t)
		if d.BreakGlass, err = h.breakGlassSection(c, &typed, verr.Fields["break_glass"]); err != nil {
			return err
		}
		return h.renderTenantSettings(c, http.StatusUnprocessableEntity, t, d)
	case err != nil:
		return err
	}
	h.Flashes.Set(c, "success", "The break-glass administrators were saved.")
	return render.Redirect(c, tenantPath(c, "/settings/tenant"))
}
