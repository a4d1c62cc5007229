package handlers

import (
	"encoding/csv"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/views/layout"
	"gatehouse/views/pages"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// The access explainer: Check access on the User Profile and Tenant
// Settings > Who can (with its CSV export). Both ask models, which ask
// authz.Can, the decision function of the route guards.

func permissionOptions() []pages.PermissionOption {
	cat := authz.Catalog()
	out := make([]pages.PermissionOption, 0, len(cat))
	for _, a := range cat {
		out = append(out, pages.PermissionOption{Value: string(a.Permission), Label: a.Name, Workspace: a.Workspace, Organization: a.Organization})
	}
	return out
}

// accessQuery reads ?permission=&workspace= (nil when no permission is asked).
func accessQuery(c echo.Context) *models.AccessQuery {
	p := strings.TrimSpace(c.QueryParam("permission"))
	if p == "" {
		return nil
	}
	ws := strings.TrimSpace(c.QueryParam("workspace"))
	if len(ws) > 63 {
		ws = ws[:63]
	}
	if len(p) > 100 {
		p = p[:100]
	}
	org := strings.TrimSpace(c.QueryParam("organization"))
	if len(org) > 64 {
		org = org[:64]
	}
	return &models.AccessQuery{Permission: authz.Permission(p), Workspace: ws, Organization: org}
}

func whereText(s models.AccessScope) string {
	if s.Organization != nil {
		return "in organization " + s.Organization.Name
	}
	if s.Workspace == nil {
		return "in the tenant"
	}
	return "in workspace " + s.Workspace.Name
}

func (h *Handler) reasonRow(c echo.Context, r models.AccessReason, a *models.Administrator) pages.AccessReasonRow {
	row := pages.AccessReasonRow{Role: r.Role.Name, RoleHref: adminRolesPath(c, "/"+string(r.Role.Key)), Scope: "Tenant",
		GrantedBy: r.GrantedBy, Since: fmtTime(&r.Binding.CreatedAt, ""), Expires: fmtTime(r.Binding.ExpiresAt, "Never")}
	if row.GrantedBy == "" {
		row.GrantedBy = "—"
	}
	if r.Binding.WorkspaceID != nil {
		row.Scope = "Workspace " + r.Workspace
	}
	if r.Binding.OrganizationID != nil {
		row.Scope = "Organization " + r.Organization
	}
	if a != nil {
		row.Name, row.Email = a.DisplayName(), a.Email
		row.Href = adminsPath(c, "/"+strconv.FormatInt(a.ID, 10))
	}
	return row
}

func whoCanHref(c echo.Context, q models.AccessQuery, rest string) string {
	vals := url.Values{"permission": {string(q.Permission)}}
	if q.Workspace != "" {
		vals.Set("workspace", q.Workspace)
	}
	if q.Organization != "" {
		vals.Set("organization", q.Organization)
	}
	return tenantPath(c, "/settings/access"+rest+"?"+vals.Encode())
}

// accessCheck builds Check access for the User Profile of admin.
func (h *Handler) accessCheck(c echo.Context, admin models.Administrator, base string) (*pages.AccessCheckData, error) {
	v := render.Viewer(c)
	d := &pages.AccessCheckData{Subject: admin.DisplayName(),
		Form: pages.AccessForm{Action: base, Options: permissionOptions(), Errors: map[string]string{}}}
	q := accessQuery(c)
	if q == nil {
		return d, nil
	}
	d.Form.Permission, d.Form.Workspace, d.Form.Organization = string(q.Permission), q.Workspace, q.Organization
	scope, err := h.Models.ResolveAccessQuery(c.Request().Context(), v.Tenant.ID, *q)
	var verr *models.ValidationError
	if errors.As(err, &verr) {
		d.Form.Errors = verr.Fields
		return d, nil
	}
	if err != nil {
		return nil, err
	}
	ans, err := h.Models.CheckAccess(c.Request().Context(), v.Tenant, admin.ID, scope)
	if err != nil {
		return nil, err
	}
	d.Asked, d.Allowed, d.Inactive = true, ans.Allowed, ans.Inactive
	d.Permission, d.Where = scope.Action.Name, whereText(scope)
	for _, r := range ans.Reasons {
		d.Reasons = append(d.Reasons, h.reasonRow(c, r, nil))
	}
	for _, r := range ans.Would {
		d.Would = append(d.Would, r.Name)
	}
	d.WhoCanHref = whoCanHref(c, *q, "")
	return d, nil
}

// WhoCan is Tenant Settings > Who can.
func (h *Handler) WhoCan(c echo.Context) error {
	v := render.Viewer(c)
	d := pages.WhoCanData{Form: pages.AccessForm{Action: tenantPath(c, "/settings/access"), Options: permissionOptions(), Errors: map[string]string{}}}
	status := http.StatusOK
	p := h.R.Page(c, "Who can", layout.Crumb{Label: "Tenant Settings"}, layout.Crumb{Label: "Who can"})
	q := accessQuery(c)
	if q == nil {
		return render.Render(c, status, pages.WhoCan(p, d))
	}
	d.Form.Permission, d.Form.Workspace, d.Form.Organization = string(q.Permission), q.Workspace, q.Organization
	scope, err := h.Models.ResolveAccessQuery(c.Request().Context(), v.Tenant.ID, *q)
	var verr *models.ValidationError
	if errors.As(err, &verr) {
		d.Form.Errors = verr.Fields
		return render.Render(c, http.StatusUnprocessableEntity, pages.WhoCan(p, d))
	}
	if err != nil {
		return err
	}
	after, _ := strconv.ParseInt(c.QueryParam("after"), 10, 64)
	if after < 0 {
		after = 0
	}
	page, err := h.Models.WhoCan(c.Request().Context(), v.Tenant, scope, after, 50)
	if err != nil {
		return err
	}
	d.Asked, d.Permission, d.Where = true, scope.Action.Name, whereText(scope)
	for _, r := range page.Rows {
		a := r.Administrator
		d.Rows = append(d.Rows, h.reasonRow(c, r.AccessReason, &a))
	}
	if after == 0 { // the tokens, all on the first page
		toks, err := h.Models.WhoCanTokens(c.Request().Context(), v.Tenant, scope)
		if err != nil {
			return err
		}
		for _, t := range toks {
			d.Tokens = append(d.Tokens, tokenRow(t, scope))
		}
	}
	if page.Next > 0 {
		d.NextHref = whoCanHref(c, *q, "") + "&after=" + strconv.FormatInt(page.Next, 10)
	}
	if after > 0 {
		d.FirstHref = whoCanHref(c, *q, "")
	}
	d.ExportHref = whoCanHref(c, *q, "/export.csv")
	return render.Render(c, status, pages.WhoCan(p, d))
}

// WhoCanExport is Who can as CSV: every row, a page at a time.
func (h *Handler) WhoCanExport(c echo.Context) error {
	v := render.Viewer(c)
	q := accessQuery(c)
	if q == nil {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Choose a permission.")
	}
	scope, err := h.Models.ResolveAccessQuery(c.Request().Context(), v.Tenant.ID, *q)
	var verr *models.ValidationError
	if errors.As(err, &verr) {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Choose a permission from the catalog and a workspace of this tenant.")
	}
	if err != nil {
		return err
	}
	name := "who-can-" + string(scope.Action.Permission)
	if scope.Workspace != nil {
		name += "-" + scope.Workspace.Slug
	}
	if scope.Organization != nil {
		name += "-" + scope.Organization.Name
	}
	toks, err := h.Models.WhoCanTokens(c.Request().Context(), v.Tenant, scope)
	if err != nil {
		return err
	}
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	res.Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`.csv"`)
	res.WriteHeader(http.StatusOK)
	w := csv.NewWriter(res)
	if err := w.Write([]string{"email", "name", "permission", "workspace", "role", "role_key", "scope", "granted_by", "since", "expires", "holder_type", "organization"}); err != nil {
		return err
	}
	wsSlug, orgName := "", ""
	if scope.Workspace != nil {
		wsSlug = scope.Workspace.Slug
	}
	if scope.Organization != nil {
		orgName = scope.Organization.Name
	}
	for after := int64(0); ; {
		page, err := h.Models.WhoCan(c.Request().Context(), v.Tenant, scope, after, 500)
		if err != nil {
			return err
		}
		for _, r := range page.Rows {
			sc := "tenant"
			if r.Binding.WorkspaceID != nil {
				sc = "workspace " + r.Workspace
			}
			if r.Binding.OrganizationID != nil {
				sc = "organization " + r.Organization
			}
			if err := w.Write([]string{csvSafe(r.Administrator.Email), csvSafe(r.Administrator.DisplayName()), string(scope.Action.Permission), wsSlug,
				csvSafe(r.Role.Name), string(r.Role.Key), csvSafe(sc), csvSafe(r.GrantedBy), fmtTime(&r.Binding.CreatedAt, ""), fmtTime(r.Binding.ExpiresAt, ""),
				"administrator", csvSafe(orgName)}); err != nil {
				return err
			}
		}
		if page.Next == 0 {
			break
		}
		after = page.Next
	}
	for _, t := range toks {
		row := tokenRow(t, scope)
		if err := w.Write([]string{csvSafe(t.Token.ActorLabel()), csvSafe(t.Token.Name), string(scope.Action.Permission), wsSlug,
			csvSafe(row.Role), row.RoleKeys, csvSafe(strings.ToLower(row.Scope)), csvSafe(row.GrantedBy), row.Since, row.Expires, "api_token", csvSafe(orgName)}); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

// tokenRow is an API token of Who can: its roles that grant the
// permission, where, and its creator (whose authority backs it).
func tokenRow(t models.WhoCanToken, scope models.AccessScope) pages.AccessTokenRow {
	var names, keys []string
	for _, r := range t.Roles {
		names, keys = append(names, r.Name), append(keys, string(r.Key))
	}
	sc := "Tenant"
	for _, r := range t.Roles {
		if r.Scope == authz.ScopeWorkspace && scope.Workspace != nil {
			sc = "Workspace " + scope.Workspace.Name
		}
	}
	return pages.AccessTokenRow{Label: t.Token.ActorLabel(), Name: t.Token.Name, Role: strings.Join(names, ", "), RoleKeys: strings.Join(keys, ";"),
		Scope: sc, GrantedBy: t.CreatedBy.DisplayName(), Since: fmtTime(&t.Token.CreatedAt, ""), Expires: fmtTime(&t.Token.ExpiresAt, "")}
}
