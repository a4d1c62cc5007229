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

func orgMemberPath(c echo.Context, o models.Organization, userID int64, rest string) string {
	return orgPath(c, o, "/members/"+strconv.FormatInt(userID, 10)+rest)
}

// OrgMembers is an organization's Members tab.
func (h *Handler) OrgMembers(c echo.Context) error {
	o := render.Org(c)
	return h.renderOrgMembers(c, http.StatusOK, o, "", nil)
}

// renderOrgMembers shows the Members tab with what Add Members holds.
func (h *Handler) renderOrgMembers(c echo.Context, status int, o models.Organization, email string, errs map[string]string) error {
	v := render.Viewer(c)
	ctx := c.Request().Context()
	hd, counts, err := h.orgHeader(c, o, "Members")
	if err != nil {
		return err
	}
	lp := listParams(c).Keep("q", "")
	if status != http.StatusOK {
		lp = lp.First()
	}
	page, err := h.Models.SearchOrganizationMembers(ctx, o.ID, lp.Search, lp.AfterID(), lp.Limit)
	if err != nil {
		return err
	}
	if errs == nil {
		errs = map[string]string{}
	}
	base := orgPath(c, o, "/members")
	d := pages.OrgMembersData{
		Header: hd, CanManage: v.Perms.CanInOrganization(authz.ManageOrganizationMembers, o.ID), CanPick: v.Can(authz.ReadUsers),
		CandidatesURL: base + "/candidates", Email: email, Errors: errs,
		Total: pluralOf(counts.Members, "member", "members"),
	}
	d.Search, d.ListHref = lp.Search, base
	if d.CanManage && len(page.Items) > 0 { // the bulk role choice
		roles, err := h.Models.ListEndUserRoles(ctx, v.Tenant.ID, models.EndUserRoleListQuery{Limit: 100})
		if err != nil {
			return err
		}
		for _, r := range roles.Items {
			d.BulkRoles = append(d.BulkRoles, pages.Option{Value: strconv.FormatInt(r.ID, 10), Label: r.Name})
		}
	}
	for _, m := range page.Items {
		row := pages.OrgMemberRow{ID: m.User.ID, Href: orgMemberPath(c, o, m.User.ID, ""), Name: m.User.DisplayName(), Email: orgMemberAddress(m.User),
			Status: string(m.User.Status), Added: fmtTime(&m.AddedAt, ""), RemoveURL: orgMemberPath(c, o, m.User.ID, "/delete")}
		for _, r := range m.Roles {
			row.Roles = append(row.Roles, r.Name)
		}
		d.Rows = append(d.Rows, row)
	}
	d.Pager = lp.Pager(base, cursor(page.Next), len(page.Items))
	// The no-script picker: ?find= lists matching users with an Add button.
	if find := strings.TrimSpace(c.QueryParam("find")); find != "" && d.CanManage && d.CanPick && status == http.StatusOK {
		find = searchText(find)
		found, err := h.Models.OrganizationCandidates(ctx, v.Tenant.ID, o.ID, find)
		if err != nil {
			return err
		}
		d.Find, d.Searched = find, true
		for _, f := range found {
			d.Found = append(d.Found, pages.OrgCandidateRow{Email: f.Email, Name: f.Name, Member: f.Member})
		}
	}
	p := h.R.Page(c, "Members · "+o.Label(), orgCrumbs(c, &o, layout.Crumb{Label: "Members"})...)
	return render.Render(c, status, pages.OrgMembers(p, d))
}

// OrgAddMember is Add Members: make an existing user of the tenant a member.
func (h *Handler) OrgAddMember(c echo.Context) error {
	v := render.Viewer(c)
	o := render.Org(c)
	email := strings.TrimSpace(c.FormValue("email"))
	u, err := h.Models.AddOrganizationMember(c.Request().Context(), v.Tenant.ID, o.ID, email, actor(c))
	var verr *models.ValidationError
	if errors.As(err, &verr) {
		return h.renderOrgMembers(c, http.StatusUnprocessableEntity, o, email, verr.Fields)
	}
	if err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", u.DisplayName()+" is now a member of "+o.Label()+".")
	return render.Redirect(c, orgPath(c, o, "/members"))
}

// OrgBulkMembers removes the ticked members, or gives each of them a role,
// in one transaction (Members tab, issue 10 #5).
func (h *Handler) OrgBulkMembers(c echo.Context) error {
	v := render.Viewer(c)
	o := render.Org(c)
	form, err := c.FormParams()
	if err != nil {
		return echo.ErrBadRequest
	}
	var ids []int64
	for _, s := range form["member"] {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return echo.ErrNotFound
		}
		ids = append(ids, id)
	}
	roleID, _ := strconv.ParseInt(c.FormValue("role"), 10, 64)
	op := c.FormValue("op")
	n, err := h.Models.BulkMembers(c.Request().Context(), *v, o.ID, op, ids, roleID, actor(c))
	var verr *models.ValidationError
	if errors.As(err, &verr) {
		errs := map[string]string{}
		for _, m := range verr.Fields {
			errs["bulk"] = m
		}
		return h.renderOrgMembers(c, http.StatusUnprocessableEntity, o, "", errs)
	}
	if err != nil {
		return outcome(err)
	}
	msg := pluralOf(int64(n), "member was", "members were") + " removed from " + o.Label() + "."
	if op == models.BulkAssignRole {
		msg = "The role was given to " + pluralOf(int64(n), "member", "members") + " (those who held it keep it)."
	}
	h.Flashes.Set(c, "success", msg)
	return render.Redirect(c, orgPath(c, o, "/members"))
}

// OrgMemberCandidates answers the Add Members picker: at most
// models.OrgCandidatesMax users of the tenant (with an e-mail) whose e-mail,
// username or name contains q, as JSON ({"candidates": [{"email", "name",
// "member"}]}). Listing users needs Read Users besides Read Organizations.
func (h *Handler) OrgMemberCandidates(c echo.Context) error {
	v := render.Viewer(c)
	if !v.Can(authz.ReadUsers) {
		return echo.ErrForbidden
	}
	o := render.Org(c)
	list, err := h.Models.OrganizationCandidates(c.Request().Context(), v.Tenant.ID, o.ID, c.QueryParam("q"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, map[string]any{"candidates": list})
}

// OrgMember is one member's page: their roles in the organization.
func (h *Handler) OrgMember(c echo.Context) error {
	o := render.Org(c)
	return h.renderOrgMember(c, http.StatusOK, o, "", nil)
}

func (h *Handler) renderOrgMember(c echo.Context, status int, o models.Organization, role string, errs map[string]string) error {
	v := render.Viewer(c)
	ctx := c.Request().Context()
	uid := render.User(c).ID
	m, err := h.Models.OrganizationMemberOf(ctx, v.Tenant.ID, o.ID, uid)
	if err != nil {
		return outcome(err)
	}
	hd, _, err := h.orgHeader(c, o, "Members")
	if err != nil {
		return err
	}
	if errs == nil {
		errs = map[string]string{}
	}
	base := orgMemberPath(c, o, uid, "")
	d := pages.OrgMemberData{Header: hd, BaseURL: base, Name: m.User.DisplayName(), Email: orgMemberAddress(m.User), Status: userStatusLabel(m.User),
		Added: fmtTime(&m.AddedAt, ""), Role: role, Errors: errs, CanManage: v.Perms.CanInOrganization(authz.ManageOrganizationMembers, o.ID)}
	if v.Can(authz.ReadUsers) {
		d.UserHref = tenantPath(c, "/users/"+strconv.FormatInt(uid, 10))
	}
	held := map[int64]bool{}
	for _, r := range m.Roles {
		held[r.ID] = true
		d.Roles = append(d.Roles, pages.OrgRoleRow{Name: r.Name, Description: r.Description,
			RemoveURL: base + "/roles/" + strconv.FormatInt(r.ID, 10) + "/delete"})
	}
	if d.CanManage {
		roles, err := h.Models.ListEndUserRoles(ctx, v.Tenant.ID, models.EndUserRoleListQuery{Limit: 100})
		if err != nil {
			return err
		}
		for _, r := range roles.Items {
			if !held[r.ID] {
				d.RoleOptions = append(d.RoleOptions, pages.Option{Value: strconv.FormatInt(r.ID, 10), Label: r.Name})
			}
		}
		// Too many roles for a select: the form takes a name instead.
		if d.MoreRoles = roles.Next != 0; d.MoreRoles {
			if _, err := strconv.ParseInt(role, 10, 64); err != nil {
				d.RoleName = strings.TrimSpace(role)
			}
		}
	}
	p := h.R.Page(c, m.User.DisplayName()+" · "+o.Label(), orgCrumbs(c, &o, layout.Crumb{Label: "Members", Href: orgPath(c, o, "/members")},
		layout.Crumb{Label: m.User.DisplayName()})...)
	return render.Render(c, status, pages.OrgMember(p, d))
}

// orgMemberAddress is the member's e-mail, or their username when they
// have none.
func orgMemberAddress(u models.User) string {
	if u.Email == "" && u.Username != "" {
		return u.Username + " (username)"
	}
	return u.Email
}

func userStatusLabel(u models.User) string {
	s := titleCase(string(u.Status))
	if u.Blocked {
		s += " (blocked)"
	}
	return s
}

// OrgRemoveMember takes a member out of the organization.
func (h *Handler) OrgRemoveMember(c echo.Context) error {
	v := render.Viewer(c)
	o, uid := render.Org(c), render.User(c).ID
	u, err := h.Models.RemoveOrganizationMember(c.Request().Context(), v.Tenant.ID, o.ID, uid, actor(c))
	if err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", u.DisplayName()+" is no longer a member of "+o.Label()+".")
	return render.Redirect(c, orgPath(c, o, "/members"))
}

// OrgAssignMemberRole gives a member an end-user role in the organization.
func (h *Handler) OrgAssignMemberRole(c echo.Context) error {
	v := render.Viewer(c)
	o, uid := render.Org(c), render.User(c).ID
	ids, err := h.endUserRoleIDs(c, v.Tenant.ID, []string{c.FormValue("role")})
	if err != nil {
		return err
	}
	roleID, perr := strconv.ParseInt(ids[0], 10, 64)
	r, err := h.Models.AssignMemberRole(c.Request().Context(), v.Tenant.ID, o.ID, uid, roleID, actor(c))
	var verr *models.ValidationError
	if errors.As(err, &verr) {
		if typed := strings.TrimSpace(ids[0]); perr != nil && typed != "" && verr.Fields["role"] != "" {
			verr.Fields["role"] = "No role is named “" + typed + "”."
		}
		return h.renderOrgMember(c, http.StatusUnprocessableEntity, o, c.FormValue("role"), verr.Fields)
	}
	if err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The role "+r.Name+" was assigned.")
	return render.Redirect(c, orgMemberPath(c, o, uid, ""))
}

// OrgRemoveMemberRole takes an end-user role in the organization away from a member.
func (h *Handler) OrgRemoveMemberRole(c echo.Context) error {
	v := render.Viewer(c)
	o, uid := render.Org(c), render.User(c).ID
	roleID := render.Role(c).ID
	r, err := h.Models.RemoveMemberRole(c.Request().Context(), v.Tenant.ID, o.ID, uid, roleID, actor(c))
	if err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The role "+r.Name+" was removed.")
	return render.Redirect(c, orgMemberPath(c, o, uid, ""))
}

// endUserRoleIDs reads role fields: our forms post role ids; a role's name
// (as a script might send it) stands for that role. A value that is
// neither stays as it is and fails validation.
func (h *Handler) endUserRoleIDs(c echo.Context, tenantID int64, values []string) ([]string, error) {
	var names []string
	for _, v := range values {
		if _, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err != nil && strings.TrimSpace(v) != "" {
			names = append(names, v)
		}
	}
	if len(names) == 0 {
		return values, nil
	}
	byName, err := h.Models.EndUserRoleIDsByName(c.Request().Context(), tenantID, names)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = v
		if id, ok := byName[strings.ToLower(strings.TrimSpace(v))]; ok {
			out[i] = strconv.FormatInt(id, 10)
		}
	}
	return out, nil
}
