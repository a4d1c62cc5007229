package handlers

import (
	"context"
	"errors"
	"fmt"
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

// orgsPath is a path under the tenant's Organizations.
func orgsPath(c echo.Context, rest string) string { return tenantPath(c, "/organizations"+rest) }

// orgPath is a path under one organization's pages.
func orgPath(c echo.Context, o models.Organization, rest string) string {
	return orgsPath(c, "/"+o.Name+rest)
}

func orgCrumbs(c echo.Context, o *models.Organization, more ...layout.Crumb) []layout.Crumb {
	cr := []layout.Crumb{{Label: "User Management"}, {Label: "Organizations", Href: orgsPath(c, "")}}
	if o != nil {
		cr = append(cr, layout.Crumb{Label: o.Label(), Href: orgPath(c, *o, "")})
	}
	return append(cr, more...)
}

// orgHeader builds the top of an organization's pages with its tabs and
// their counts (one query).
func (h *Handler) orgHeader(c echo.Context, o models.Organization, active string) (pages.OrgHeader, models.OrgCounts, error) {
	counts, err := h.Models.OrganizationCounts(c.Request().Context(), o.ID)
	if err != nil {
		return pages.OrgHeader{}, counts, err
	}
	hd := pages.OrgHeader{Name: o.Name, DisplayName: o.Label(), Href: orgPath(c, o, "")}
	if render.Viewer(c).Can(authz.ManageRoles) {
		hd.RolesHref = "/t/" + render.Viewer(c).Tenant.Slug + "/roles"
	}
	for _, t := range []struct {
		label, path, count string
	}{
		{"Overview", "", ""},
		{"Members", "/members", thousands(counts.Members)},
		{"Invitations", "/invitations", thousands(counts.PendingInvitations)},
		{"Connections", "/connections", thousands(counts.Connections)},
	} {
		hd.Tabs = append(hd.Tabs, pages.OrgTab{Label: t.label, Href: hd.Href + t.path, Count: t.count, Active: t.label == active})
	}
	return hd, counts, nil
}

// OrgList is User Management > Organizations: list and search.
func (h *Handler) OrgList(c echo.Context) error {
	v := render.Viewer(c)
	lp := listParams(c)
	if len(lp.After) > models.OrgNameMax {
		lp = lp.First()
	}
	lq := models.OrgListQuery{Search: lp.Search, After: lp.After, Limit: lp.Limit}
	if !v.Can(authz.ReadOrganizations) { // an Organization Admin lists their own only
		lq.Only = v.Perms.Organizations()
	}
	page, err := h.Models.ListOrganizations(c.Request().Context(), v.Tenant.ID, lq)
	if err != nil {
		return err
	}
	d := pages.OrgListData{Search: lp.Search, CanCreate: v.Can(authz.ManageOrganizations)}
	for _, it := range page.Items {
		o := it.Organization
		members := thousands(it.Members)
		if it.MoreMembers {
			members += "+"
		}
		d.Rows = append(d.Rows, pages.OrgRow{Href: orgPath(c, o, ""), Name: o.Name, DisplayName: o.Label(),
			Members: members, Created: fmtTime(&o.CreatedAt, "")})
	}
	d.Pager = lp.Pager(orgsPath(c, ""), page.Next, len(page.Items))
	p := h.R.Page(c, "Organizations", orgCrumbs(c, nil)...)
	return render.Render(c, http.StatusOK, pages.OrgList(p, d))
}

// OrgNewForm is Create Organization.
func (h *Handler) OrgNewForm(c echo.Context) error {
	p := h.R.Page(c, "Create Organization", orgCrumbs(c, nil, layout.Crumb{Label: "Create Organization"})...)
	return render.Render(c, http.StatusOK, pages.OrgNew(p, pages.OrgNewData{Errors: map[string]string{}}))
}

// OrgCreate creates the organization and opens it.
func (h *Handler) OrgCreate(c echo.Context) error {
	v := render.Viewer(c)
	in := models.CreateOrgInput{Name: c.FormValue("name"), DisplayName: c.FormValue("display_name")}
	o, err := h.Models.CreateOrganization(c.Request().Context(), v.Tenant.ID, in, actor(c))
	var verr *models.ValidationError
	if errors.As(err, &verr) {
		d := pages.OrgNewData{Name: strings.TrimSpace(in.Name), DisplayName: strings.TrimSpace(in.DisplayName), Errors: verr.Fields}
		p := h.R.Page(c, "Create Organization", orgCrumbs(c, nil, layout.Crumb{Label: "Create Organization"})...)
		return render.Render(c, http.StatusUnprocessableEntity, pages.OrgNew(p, d))
	}
	if err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The organization "+o.Label()+" was created. Add its members and enable its connections.")
	return render.Redirect(c, orgPath(c, o, ""))
}

// OrgShow is an organization's Overview tab.
func (h *Handler) OrgShow(c echo.Context) error {
	o := render.Org(c)
	return h.renderOrgOverview(c, http.StatusOK, o, nil, "", nil)
}

// orgPairs reads the metadata rows of the Overview form.
func orgPairs(c echo.Context) []models.KeyValue {
	form, err := c.FormParams()
	if err != nil {
		return nil
	}
	keys, values := form["metadata_key"], form["metadata_value"]
	n := max(len(keys), len(values))
	if n > 200 { // far beyond the limit: the message says so, the page stays small
		n = 200
	}
	out := make([]models.KeyValue, 0, n)
	for i := 0; i < n; i++ {
		var kv models.KeyValue
		if i < len(keys) {
			kv.Key = keys[i]
		}
		if i < len(values) {
			kv.Value = values[i]
		}
		out = append(out, kv)
	}
	return out
}

// orgPairRows shows pairs with blank rows to fill in, up to the limit.
func orgPairRows(kvs []models.KeyValue) []pages.OrgPair {
	var rows []pages.OrgPair
	for _, kv := range kvs {
		if strings.TrimSpace(kv.Key) == "" && strings.TrimSpace(kv.Value) == "" {
			continue
		}
		rows = append(rows, pages.OrgPair{Key: kv.Key, Value: kv.Value})
	}
	blank := min(3, models.OrgMetadataLimits.MaxPairs-len(rows))
	if len(rows) == 0 {
		blank = 3
	}
	for i := 0; i < blank; i++ {
		rows = append(rows, pages.OrgPair{})
	}
	return rows
}

// renderOrgOverview shows the Overview tab: form is what was typed (nil:
// the stored values); conflict is the organization as it is now after a
// refused stale save.
func (h *Handler) renderOrgOverview(c echo.Context, status int, o models.Organization, form *pages.OrgSettingsForm, conflictMsg string, conflictRows []pages.OrgConflictRow) error {
	v := render.Viewer(c)
	hd, _, err := h.orgHeader(c, o, "Overview")
	if err != nil {
		return err
	}
	stored := models.ParsePairs(o.Metadata)
	d := pages.OrgOverviewData{
		Header: hd, DisplayName: o.Label(), LogoURL: o.LogoURL, PrimaryColor: o.PrimaryColor, PageBackgroundColor: o.PageBackgroundColor,
		Created: fmtTime(&o.CreatedAt, ""), Updated: fmtTime(&o.UpdatedAt, ""), UpdatedBy: firstNonEmpty(o.UpdatedBy, "Gatehouse"), Version: o.Version,
		MetadataMax: models.OrgMetadataLimits.MaxPairs, KeyMax: models.OrgMetadataLimits.MaxKey, ValueMax: models.OrgMetadataLimits.MaxValue,
		CanManage: v.Can(authz.ManageOrganizations), Conflict: conflictMsg, ConflictRows: conflictRows,
	}
	for _, kv := range stored {
		d.Metadata = append(d.Metadata, pages.OrgPair{Key: kv.Key, Value: kv.Value})
	}
	if form != nil {
		d.Form = *form
	} else {
		d.Form = pages.OrgSettingsForm{Version: o.Version, DisplayName: o.DisplayName, LogoURL: o.LogoURL, PrimaryColor: o.PrimaryColor,
			PageBackgroundColor: o.PageBackgroundColor, Metadata: orgPairRows(stored)}
	}
	if d.Form.Errors == nil {
		d.Form.Errors = map[string]string{}
	}
	p := h.R.Page(c, o.Label(), orgCrumbs(c, &o)...)
	return render.Render(c, status, pages.OrgOverview(p, d))
}

// OrgUpdate saves the Overview form. A form opened on an older version of
// the organization is refused with 409, its values kept, nothing saved.
func (h *Handler) OrgUpdate(c echo.Context) error {
	v := render.Viewer(c)
	o := render.Org(c)
	version, _ := strconv.ParseInt(c.FormValue("version"), 10, 64)
	// A field the post leaves out (a script changing only the display
	// name, say) keeps its current value.
	pairs := orgPairs(c)
	if !posted(c, "metadata_key") {
		pairs = models.ParsePairs(o.Metadata)
	}
	in := models.OrgSettingsInput{Version: version, DisplayName: formValueOr(c, "display_name", o.DisplayName), LogoURL: formValueOr(c, "logo_url", o.LogoURL),
		PrimaryColor: formValueOr(c, "primary_color", o.PrimaryColor), PageBackgroundColor: formValueOr(c, "page_background_color", o.PageBackgroundColor), Metadata: pairs}
	typed := pages.OrgSettingsForm{Version: version, DisplayName: strings.TrimSpace(in.DisplayName), LogoURL: strings.TrimSpace(in.LogoURL),
		PrimaryColor: strings.TrimSpace(in.PrimaryColor), PageBackgroundColor: strings.TrimSpace(in.PageBackgroundColor), Metadata: orgPairRows(pairs)}
	saved, err := h.Models.UpdateOrganization(c.Request().Context(), v.Tenant.ID, o.ID, in, actor(c))
	var verr *models.ValidationError
	var conflict *models.ConflictError
	switch {
	case errors.As(err, &conflict):
		cur := conflict.Current
		typed.Version = cur.Version // saving again, after review, applies to the current version
		msg := fmt.Sprintf("This organization was changed since you opened it (by %s at %s). Review the current values and save again.",
			firstNonEmpty(cur.UpdatedBy, "someone else"), fmtTime(&cur.UpdatedAt, "an unknown time"))
		return h.renderOrgOverview(c, http.StatusConflict, cur, &typed, msg, orgConflictRows(typed, cur))
	case errors.As(err, &verr):
		typed.Errors = verr.Fields
		return h.renderOrgOverview(c, http.StatusUnprocessableEntity, o, &typed, "", nil)
	case err != nil:
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The organization "+saved.Label()+" was saved.")
	return render.Redirect(c, orgPath(c, o, ""))
}

// orgConflictRows lists the fields whose current value differs from what
// was typed.
func orgConflictRows(typed pages.OrgSettingsForm, cur models.Organization) []pages.OrgConflictRow {
	var rows []pages.OrgConflictRow
	add := func(field, yours, current string) {
		if yours != current {
			rows = append(rows, pages.OrgConflictRow{Field: field, Yours: yours, Current: current})
		}
	}
	add("Display name", typed.DisplayName, cur.DisplayName)
	add("Logo URL", typed.LogoURL, cur.LogoURL)
	add("Primary color", strings.ToLower(typed.PrimaryColor), cur.PrimaryColor)
	add("Page background color", strings.ToLower(typed.PageBackgroundColor), cur.PageBackgroundColor)
	var yours []string
	for _, p := range typed.Metadata {
		if p.Key != "" || p.Value != "" {
			yours = append(yours, strings.TrimSpace(p.Key)+"="+strings.TrimSpace(p.Value))
		}
	}
	var current []string
	for _, p := range models.ParsePairs(cur.Metadata) {
		current = append(current, p.Key+"="+p.Value)
	}
	add("Metadata", strings.Join(yours, ", "), strings.Join(current, ", "))
	return rows
}

// OrgDeleteForm is the confirmation before an organization is deleted.
func (h *Handler) OrgDeleteForm(c echo.Context) error {
	o := render.Org(c)
	return h.renderOrgDelete(c, http.StatusOK, o, "", nil)
}

func (h *Handler) renderOrgDelete(c echo.Context, status int, o models.Organization, confirm string, errs map[string]string) error {
	hd, counts, err := h.orgHeader(c, o, "")
	if err != nil {
		return err
	}
	if errs == nil {
		errs = map[string]string{}
	}
	d := pages.OrgDeleteData{Header: hd, Members: counts.Members, Invitations: counts.PendingInvitations, Connections: counts.Connections,
		Confirm: confirm, Errors: errs, StepUp: h.stepUpView(c, errs, "", "")}
	p := h.R.Page(c, "Delete "+o.Label(), orgCrumbs(c, &o, layout.Crumb{Label: "Delete"})...)
	return render.Render(c, status, pages.OrgDelete(p, d))
}

// OrgDelete deletes the organization with everything that hangs on it.
func (h *Handler) OrgDelete(c echo.Context) error {
	v := render.Viewer(c)
	o := render.Org(c)
	confirm := c.FormValue("confirm")
	stepErrs, err := h.stepUpCheck(c)
	if err != nil {
		return err
	}
	if stepErrs != nil {
		return h.renderOrgDelete(c, http.StatusUnprocessableEntity, o, strings.TrimSpace(confirm), stepErrs)
	}
	counts, err := h.Models.DeleteOrganization(c.Request().Context(), *v, o.ID, confirm, actor(c))
	var verr *models.ValidationError
	if errors.As(err, &verr) {
		return h.renderOrgDelete(c, http.StatusUnprocessableEntity, o, strings.TrimSpace(confirm), verr.Fields)
	}
	if err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", fmt.Sprintf("The organization %s was deleted, with its %s, %s and %s.", o.Label(),
		pluralOf(counts.Members, "member", "members"), pluralOf(counts.PendingInvitations, "pending invitation", "pending invitations"),
		pluralOf(counts.Connections, "enabled connection", "enabled connections")))
	return render.Redirect(c, orgsPath(c, ""))
}

func pluralOf(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return thousands(n) + " " + many
}

// dashboardOrgCap is where the dashboard stops counting organizations.
const dashboardOrgCap = 100_000

// organizationCards is the dashboard's Organizations card, for those who
// may read organizations.
func (h *Handler) organizationCards(ctx context.Context, v *models.Viewer) ([]pages.DashboardCard, error) {
	if !v.Can(authz.ReadOrganizations) {
		return nil, nil
	}
	n, more, err := h.Models.CountOrganizations(ctx, v.Tenant.ID, dashboardOrgCap)
	if err != nil {
		return nil, err
	}
	value := thousands(n)
	if more {
		value += "+"
	}
	detail := "business customers, with their members"
	if v.Can(authz.ManageOrganizations) {
		detail = "create, brand and staff your business customers"
	}
	return []pages.DashboardCard{{Title: "Organizations", Href: "/t/" + v.Tenant.Slug + "/organizations", Value: value, Detail: detail}}, nil
}
