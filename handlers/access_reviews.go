package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/views/layout"
	"gatehouse/views/pages"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// Tenant Settings > Access Reviews.

func reviewsPath(c echo.Context, rest string) string {
	return tenantPath(c, "/settings/access-reviews"+rest)
}

func reviewCrumbs(c echo.Context, more ...layout.Crumb) []layout.Crumb {
	return append([]layout.Crumb{{Label: "Tenant Settings"}, {Label: "Access Reviews", Href: reviewsPath(c, "")}}, more...)
}

func reviewScope(r models.AccessReview) string {
	if r.WorkspaceID == nil {
		return "the tenant"
	}
	return "workspace " + r.Scope
}

// AccessReviews lists the reviews; Tenant Admins start one here.
func (h *Handler) AccessReviews(c echo.Context) error {
	return h.renderAccessReviews(c, http.StatusOK, pages.AccessReviewsData{Scope: "tenant"})
}

func (h *Handler) renderAccessReviews(c echo.Context, status int, d pages.AccessReviewsData) error {
	v := render.Viewer(c)
	before, _ := strconv.ParseInt(c.QueryParam("before"), 10, 64)
	list, next, err := h.Models.AccessReviews(c.Request().Context(), v.Tenant.ID, before, 50)
	if err != nil {
		return err
	}
	for _, r := range list {
		d.Rows = append(d.Rows, pages.AccessReviewRow{Href: reviewsPath(c, "/"+strconv.FormatInt(r.ID, 10)), Name: r.Name, Scope: reviewScope(r),
			Due: r.Due.Format("2006-01-02"), Status: r.Status, Started: fmtTime(&r.CreatedAt, "")})
	}
	if next > 0 {
		d.NextHref = reviewsPath(c, "?before="+strconv.FormatInt(next, 10))
	}
	d.CanStart = v.Can(authz.ManageTenantRoles)
	d.MinDate = h.Models.Now().UTC().Format("2006-01-02")
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	return render.Render(c, status, pages.AccessReviews(h.R.Page(c, "Access Reviews", reviewCrumbs(c)...), d))
}

// AccessReviewStart starts a review and opens it.
func (h *Handler) AccessReviewStart(c echo.Context) error {
	v := render.Viewer(c)
	in := models.AccessReviewInput{Name: c.FormValue("name"), Due: c.FormValue("due"), Scope: c.FormValue("scope")}
	rv, err := h.Models.StartAccessReview(c.Request().Context(), *v, in, actor(c))
	var verr *models.ValidationError
	switch {
	case errors.As(err, &verr):
		return h.renderAccessReviews(c, http.StatusUnprocessableEntity, pages.AccessReviewsData{Name: in.Name, Due: in.Due, Scope: in.Scope, Errors: verr.Fields})
	case err != nil:
		return err
	}
	h.wakeMail()
	h.Flashes.Set(c, "success", "The review started; the reviewers were e-mailed.")
	return render.Redirect(c, reviewsPath(c, "/"+strconv.FormatInt(rv.ID, 10)))
}

func reviewID(c echo.Context) (int64, error) { return paramID(c, "review") }

// AccessReview is one review's page.
func (h *Handler) AccessReview(c echo.Context) error {
	return h.renderAccessReview(c, http.StatusOK, nil)
}

func (h *Handler) renderAccessReview(c echo.Context, status int, errs map[string]string) error {
	v := render.Viewer(c)
	ctx := c.Request().Context()
	id, err := reviewID(c)
	if err != nil {
		return err
	}
	rv, err := h.Models.AccessReviewByID(ctx, v.Tenant.ID, id)
	if err != nil {
		return err
	}
	after, _ := strconv.ParseInt(c.QueryParam("after"), 10, 64)
	items, next, err := h.Models.AccessReviewItems(ctx, rv.ID, after, 100)
	if err != nil {
		return err
	}
	decided, total, err := h.Models.AccessReviewProgress(ctx, rv.ID)
	if err != nil {
		return err
	}
	_, sum, err := h.Models.AccessReviewCSV(ctx, rv)
	if err != nil {
		return err
	}
	base := reviewsPath(c, "/"+strconv.FormatInt(rv.ID, 10))
	if errs == nil {
		errs = map[string]string{}
	}
	d := pages.AccessReviewData{Name: rv.Name, Scope: reviewScope(rv), Due: rv.Due.Format("2006-01-02"), Status: rv.Status,
		Started: fmtTime(&rv.CreatedAt, ""), Decided: int(decided), Total: int(total), CSVHref: base + "/export.csv", SHA256: sum, Errors: errs}
	canDecide := v.Can(authz.ManageTenantRoles) && rv.Status == models.ReviewOpen
	for _, it := range items {
		row := pages.ReviewItemRow{ID: it.ID, Holder: it.HolderEmail, Role: it.RoleName, Scope: it.ScopeLabel, Decision: it.Decision,
			Reviewer: it.ReviewerEmail, DecidedAt: fmtTime(it.DecidedAt, ""), Note: it.Note, Own: it.AdministratorID == v.Administrator.ID}
		if canDecide && it.Decision == "" && !row.Own {
			row.DecideURL = base + "/items/" + strconv.FormatInt(it.ID, 10)
		}
		d.Items = append(d.Items, row)
	}
	if next > 0 {
		d.NextHref = base + "?after=" + strconv.FormatInt(next, 10)
	}
	if after > 0 {
		d.FirstHref = base
	}
	return render.Render(c, status, pages.AccessReview(h.R.Page(c, rv.Name, reviewCrumbs(c, layout.Crumb{Label: rv.Name})...), d))
}

// AccessReviewDecide decides one item Keep or Revoke.
func (h *Handler) AccessReviewDecide(c echo.Context) error {
	v := render.Viewer(c)
	id, err := reviewID(c)
	if err != nil {
		return err
	}
	item, perr := paramID(c, "item")
	if perr != nil {
		return perr
	}
	rv, err := h.Models.DecideReviewItem(c.Request().Context(), *v, id, item, c.FormValue("decision"), c.FormValue("note"), actor(c))
	var verr *models.ValidationError
	switch {
	case errors.As(err, &verr):
		errs := map[string]string{}
		for _, m := range verr.Fields {
			errs["_form"] = m
		}
		return h.renderAccessReview(c, http.StatusUnprocessableEntity, errs)
	case errors.Is(err, models.ErrLastTenantAdmin):
		return h.renderAccessReview(c, http.StatusForbidden, map[string]string{"_form": capitalise(err.Error()) + "."})
	case errors.Is(err, models.ErrOwnItem), errors.Is(err, models.ErrEscalation):
		return echo.NewHTTPError(http.StatusForbidden, err.Error())
	case err != nil:
		return err
	}
	msg := "Decision recorded."
	if c.FormValue("decision") == models.DecisionRevoke {
		msg = "The role was revoked at once."
	}
	if rv.Status == models.ReviewClosed {
		msg += " Every item is decided: the review is closed."
	}
	h.Flashes.Set(c, "success", msg)
	return render.Redirect(c, reviewsPath(c, "/"+strconv.FormatInt(id, 10)))
}

// AccessReviewExport is the review's CSV attestation.
func (h *Handler) AccessReviewExport(c echo.Context) error {
	v := render.Viewer(c)
	id, err := reviewID(c)
	if err != nil {
		return err
	}
	rv, err := h.Models.AccessReviewByID(c.Request().Context(), v.Tenant.ID, id)
	if err != nil {
		return err
	}
	body, sum, err := h.Models.AccessReviewCSV(c.Request().Context(), rv)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="access-review-`+strconv.FormatInt(rv.ID, 10)+`.csv"`)
	c.Response().Header().Set("X-Content-SHA256", sum)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", body)
}
