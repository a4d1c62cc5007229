package handlers

import (
	"net/http"
	"strconv"

	"gatehouse/models"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// Management API: organizations with their members, invitations and
// connections. The same operations as the console's organization pages.

// APIOrganization is an organization.
type APIOrganization struct {
	ID                  int64             `json:"id"`
	Name                string            `json:"name"`
	DisplayName         string            `json:"display_name"`
	LogoURL             string            `json:"logo_url"`
	PrimaryColor        string            `json:"primary_color"`
	PageBackgroundColor string            `json:"page_background_color"`
	Metadata            map[string]string `json:"metadata"`
	Version             int64             `json:"version" doc:"send it back with an update: a stale one answers 409"`
	CreatedAt           string            `json:"created_at"`
	UpdatedAt           string            `json:"updated_at"`
}

// APIOrgCreateInput creates an organization.
type APIOrgCreateInput struct {
	Name        string `json:"name" doc:"lowercase letters, digits, - and _; unique in the tenant"`
	DisplayName string `json:"display_name"`
}

// APIOrgUpdateInput saves an organization's settings (every field; version
// is the one it was read at, 0 to overwrite whatever is current).
type APIOrgUpdateInput struct {
	Version             int64             `json:"version"`
	DisplayName         string            `json:"display_name,omitempty"`
	LogoURL             string            `json:"logo_url,omitempty"`
	PrimaryColor        string            `json:"primary_color,omitempty"`
	PageBackgroundColor string            `json:"page_background_color,omitempty"`
	Metadata            map[string]string `json:"metadata,omitempty"`
}

// APIEmailInput names a user by e-mail.
type APIEmailInput struct {
	Email string `json:"email"`
}

// APIRoleIDInput names an end-user role by id or name.
type APIRoleIDInput struct {
	Role string `json:"role" doc:"the role's id or name"`
}

// APIOrgMember is a member of an organization.
type APIOrgMember struct {
	UserID  int64     `json:"user_id"`
	Email   string    `json:"email"`
	Name    string    `json:"name"`
	AddedAt string    `json:"added_at"`
	Roles   []APIRole `json:"roles"`
}

// APIOrgInviteInput invites someone to an organization.
type APIOrgInviteInput struct {
	Email         string   `json:"email"`
	Roles         []string `json:"roles,omitempty" doc:"end-user role ids or names"`
	ExpiresInDays int      `json:"expires_in_days,omitempty" doc:"1 to 30, default 7"`
}

// APIOrgInvitation is a pending invitation.
type APIOrgInvitation struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"`
	Roles     []APIRole `json:"roles"`
	Inviter   string    `json:"inviter"`
	ExpiresAt string    `json:"expires_at"`
	CreatedAt string    `json:"created_at"`
}

// APIOrgConnectionInput enables a connection (by id or name).
type APIOrgConnectionInput struct {
	Connection     string `json:"connection" doc:"the connection's id or name"`
	AutoMembership bool   `json:"auto_membership,omitempty"`
}

// APIAutoMembershipInput changes an enabled connection.
type APIAutoMembershipInput struct {
	AutoMembership bool `json:"auto_membership"`
}

// APIOrgConnection is a connection enabled for an organization.
type APIOrgConnection struct {
	Connection     APIConnection `json:"connection"`
	AutoMembership bool          `json:"auto_membership"`
	EnabledAt      string        `json:"enabled_at"`
}

func apiOrg(o models.Organization) APIOrganization {
	meta := map[string]string{}
	for _, kv := range models.ParsePairs(o.Metadata) {
		meta[kv.Key] = kv.Value
	}
	return APIOrganization{ID: o.ID, Name: o.Name, DisplayName: o.DisplayName, LogoURL: o.LogoURL, PrimaryColor: o.PrimaryColor,
		PageBackgroundColor: o.PageBackgroundColor, Metadata: meta, Version: o.Version, CreatedAt: tsv(o.CreatedAt), UpdatedAt: tsv(o.UpdatedAt)}
}

func apiRoles(rs []models.EndUserRole) []APIRole {
	out := make([]APIRole, 0, len(rs))
	for _, r := range rs {
		out = append(out, apiRole(r))
	}
	return out
}

func apiMember(m models.OrgMember) APIOrgMember {
	return APIOrgMember{UserID: m.User.ID, Email: m.User.Email, Name: m.User.DisplayName(), AddedAt: tsv(m.AddedAt), Roles: apiRoles(m.Roles)}
}

// APIOrgList lists the tenant's organizations by name.
func (h *Handler) APIOrgList(c echo.Context) error {
	limit, cursor, err := apiListParams(c)
	if err != nil {
		return err
	}
	v := render.Viewer(c)
	p, err := h.Models.ListOrganizations(c.Request().Context(), v.Tenant.ID, models.OrgListQuery{Search: c.QueryParam("q"), After: cursor, Limit: limit})
	if err != nil {
		return err
	}
	out := make([]APIOrganization, 0, len(p.Items))
	for _, it := range p.Items {
		out = append(out, apiOrg(it.Organization))
	}
	return c.JSON(http.StatusOK, page(out, p.Next))
}

// APIOrgCreate creates an organization.
func (h *Handler) APIOrgCreate(c echo.Context) error {
	var in APIOrgCreateInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	v := render.Viewer(c)
	o, err := h.Models.CreateOrganization(c.Request().Context(), v.Tenant.ID, models.CreateOrgInput{Name: in.Name, DisplayName: in.DisplayName}, actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, apiOrg(o))
}

// APIOrgGet is one organization.
func (h *Handler) APIOrgGet(c echo.Context) error {
	o, err := h.currentOrg(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiOrg(o))
}

// APIOrgUpdate saves an organization's settings (optimistic locking).
func (h *Handler) APIOrgUpdate(c echo.Context) error {
	o, err := h.currentOrg(c)
	if err != nil {
		return err
	}
	var in APIOrgUpdateInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	var meta []models.KeyValue
	for k, val := range in.Metadata {
		meta = append(meta, models.KeyValue{Key: k, Value: val})
	}
	v := render.Viewer(c)
	saved, err := h.Models.UpdateOrganization(c.Request().Context(), v.Tenant.ID, o.ID, models.OrgSettingsInput{Version: in.Version,
		DisplayName: in.DisplayName, LogoURL: in.LogoURL, PrimaryColor: in.PrimaryColor, PageBackgroundColor: in.PageBackgroundColor, Metadata: meta}, actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiOrg(saved))
}

// APIOrgMembers lists an organization's members, the most recent first.
func (h *Handler) APIOrgMembers(c echo.Context) error {
	o, err := h.currentOrg(c)
	if err != nil {
		return err
	}
	limit, cursor, err := apiListParams(c)
	if err != nil {
		return err
	}
	after, err := cursorID(cursor)
	if err != nil {
		return err
	}
	p, err := h.Models.ListOrganizationMembers(c.Request().Context(), o.ID, after, limit)
	if err != nil {
		return err
	}
	out := make([]APIOrgMember, 0, len(p.Items))
	for _, m := range p.Items {
		out = append(out, apiMember(m))
	}
	return c.JSON(http.StatusOK, pageID(out, p.Next))
}

func (h *Handler) apiMemberOf(c echo.Context, o models.Organization, userID int64) (APIOrgMember, error) {
	v := render.Viewer(c)
	m, err := h.Models.OrganizationMemberOf(c.Request().Context(), v.Tenant.ID, o.ID, userID)
	if err != nil {
		return APIOrgMember{}, err
	}
	return apiMember(m), nil
}

// APIOrgAddMember makes a user of the tenant (by e-mail) a member.
func (h *Handler) APIOrgAddMember(c echo.Context) error {
	o, err := h.currentOrg(c)
	if err != nil {
		return err
	}
	var in APIEmailInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	v := render.Viewer(c)
	u, err := h.Models.AddOrganizationMember(c.Request().Context(), v.Tenant.ID, o.ID, in.Email, actor(c))
	if err != nil {
		return err
	}
	m, err := h.apiMemberOf(c, o, u.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, m)
}

// APIOrgRemoveMember removes a member.
func (h *Handler) APIOrgRemoveMember(c echo.Context) error {
	o, uid, err := h.orgAndID(c, "user")
	if err != nil {
		return err
	}
	v := render.Viewer(c)
	if _, err := h.Models.RemoveOrganizationMember(c.Request().Context(), v.Tenant.ID, o.ID, uid, actor(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// APIOrgAssignMemberRole gives a member an end-user role (by id or name).
func (h *Handler) APIOrgAssignMemberRole(c echo.Context) error {
	o, uid, err := h.orgAndID(c, "user")
	if err != nil {
		return err
	}
	if _, err := h.apiMemberOf(c, o, uid); err != nil {
		return err // not a member (another tenant's user, or nobody): 404 whatever the body says
	}
	var in APIRoleIDInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	v := render.Viewer(c)
	ids, err := h.endUserRoleIDs(c, v.Tenant.ID, []string{in.Role})
	if err != nil {
		return err
	}
	roleID, perr := strconv.ParseInt(ids[0], 10, 64)
	if perr != nil {
		return invalidField("role", "No role has this id or name.")
	}
	if _, err := h.Models.AssignMemberRole(c.Request().Context(), v.Tenant.ID, o.ID, uid, roleID, actor(c)); err != nil {
		return err
	}
	m, err := h.apiMemberOf(c, o, uid)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, m)
}

// APIOrgRemoveMemberRole takes an end-user role from a member.
func (h *Handler) APIOrgRemoveMemberRole(c echo.Context) error {
	o, uid, err := h.orgAndID(c, "user")
	if err != nil {
		return err
	}
	roleID, err := pathID(c, "role")
	if err != nil {
		return err
	}
	v := render.Viewer(c)
	if _, err := h.Models.RemoveMemberRole(c.Request().Context(), v.Tenant.ID, o.ID, uid, roleID, actor(c)); err != nil {
		return err
	}
	m, err := h.apiMemberOf(c, o, uid)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m)
}

func apiInvitation(it models.OrgInvitationItem) APIOrgInvitation {
	inv := it.Invitation
	return APIOrgInvitation{ID: inv.ID, Email: inv.Email, Roles: apiRoles(it.Roles), Inviter: inv.InviterName,
		ExpiresAt: tsv(inv.ExpiresAt), CreatedAt: tsv(inv.CreatedAt)}
}

// APIOrgInvitations lists the pending invitations, newest first.
func (h *Handler) APIOrgInvitations(c echo.Context) error {
	o, err := h.currentOrg(c)
	if err != nil {
		return err
	}
	limit, cursor, err := apiListParams(c)
	if err != nil {
		return err
	}
	before, err := cursorID(cursor)
	if err != nil {
		return err
	}
	p, err := h.Models.ListOrganizationInvitations(c.Request().Context(), o.ID, before, limit)
	if err != nil {
		return err
	}
	out := make([]APIOrgInvitation, 0, len(p.Items))
	for _, it := range p.Items {
		out = append(out, apiInvitation(it))
	}
	return c.JSON(http.StatusOK, pageID(out, p.Next))
}

// APIOrgInvite invites an e-mail address (the invitation is e-mailed).
func (h *Handler) APIOrgInvite(c echo.Context) error {
	o, err := h.currentOrg(c)
	if err != nil {
		return err
	}
	var in APIOrgInviteInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	v := render.Viewer(c)
	roles, err := h.endUserRoleIDs(c, v.Tenant.ID, in.Roles)
	if err != nil {
		return err
	}
	days := ""
	if in.ExpiresInDays != 0 {
		days = strconv.Itoa(in.ExpiresInDays)
	}
	inv, _, err := h.Models.CreateOrganizationInvitation(c.Request().Context(), *v, o.ID, models.OrgInviteInput{Email: in.Email, Roles: roles, ExpiresInDays: days}, actor(c))
	if err != nil {
		return err
	}
	h.wakeMail()
	rs, err := h.Models.EndUserRolesByIDs(c.Request().Context(), v.Tenant.ID, inv.Roles())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, apiInvitation(models.OrgInvitationItem{Invitation: inv, Roles: rs}))
}

// APIOrgRevokeInvitation revokes a pending invitation.
func (h *Handler) APIOrgRevokeInvitation(c echo.Context) error {
	o, id, err := h.orgAndID(c, "invitation")
	if err != nil {
		return err
	}
	v := render.Viewer(c)
	if _, err := h.Models.RevokeOrganizationInvitation(c.Request().Context(), v.Tenant.ID, o.ID, id, actor(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// APIOrgConnections lists the connections enabled for an organization (at
// most models.OrgConnectionsMax: a single page).
func (h *Handler) APIOrgConnections(c echo.Context) error {
	o, err := h.currentOrg(c)
	if err != nil {
		return err
	}
	if _, _, err := apiListParams(c); err != nil {
		return err
	}
	v := render.Viewer(c)
	enabled, _, err := h.Models.OrganizationConnections(c.Request().Context(), v.Tenant.ID, o.ID)
	if err != nil {
		return err
	}
	out := make([]APIOrgConnection, 0, len(enabled))
	for _, e := range enabled {
		out = append(out, APIOrgConnection{Connection: apiConnection(e.Connection), AutoMembership: e.AutoMembership, EnabledAt: tsv(e.EnabledAt)})
	}
	return c.JSON(http.StatusOK, page(out, ""))
}

// connectionID resolves a connection named by id or by name.
func (h *Handler) connectionID(c echo.Context, ref string) (int64, error) {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return id, nil
	}
	v := render.Viewer(c)
	cn, err := h.Models.ConnectionByName(c.Request().Context(), v.Tenant.ID, ref)
	if err != nil {
		return 0, invalidField("connection", "No connection has this id or name.")
	}
	return cn.ID, nil
}

func (h *Handler) apiOrgConnection(c echo.Context, o models.Organization, id int64) (APIOrgConnection, error) {
	v := render.Viewer(c)
	enabled, _, err := h.Models.OrganizationConnections(c.Request().Context(), v.Tenant.ID, o.ID)
	if err != nil {
		return APIOrgConnection{}, err
	}
	for _, e := range enabled {
		if e.Connection.ID == id {
			return APIOrgConnection{Connection: apiConnection(e.Connection), AutoMembership: e.AutoMembership, EnabledAt: tsv(e.EnabledAt)}, nil
		}
	}
	return APIOrgConnection{}, models.ErrNotFound
}

// APIOrgEnableConnection enables a connection for an organization.
func (h *Handler) APIOrgEnableConnection(c echo.Context) error {
	o, err := h.currentOrg(c)
	if err != nil {
		return err
	}
	var in APIOrgConnectionInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	id, err := h.connectionID(c, in.Connection)
	if err != nil {
		return err
	}
	v := render.Viewer(c)
	if _, err := h.Models.EnableOrganizationConnection(c.Request().Context(), v.Tenant.ID, o.ID, id, in.AutoMembership, actor(c)); err != nil {
		return err
	}
	out, err := h.apiOrgConnection(c, o, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

// APIOrgUpdateConnection turns auto-membership on or off.
func (h *Handler) APIOrgUpdateConnection(c echo.Context) error {
	o, id, err := h.orgAndID(c, "connection")
	if err != nil {
		return err
	}
	var in APIAutoMembershipInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	v := render.Viewer(c)
	if _, err := h.Models.SetOrganizationConnectionAutoMembership(c.Request().Context(), v.Tenant.ID, o.ID, id, in.AutoMembership, actor(c)); err != nil {
		return err
	}
	out, err := h.apiOrgConnection(c, o, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// APIOrgDisableConnection disables a connection for an organization.
func (h *Handler) APIOrgDisableConnection(c echo.Context) error {
	o, id, err := h.orgAndID(c, "connection")
	if err != nil {
		return err
	}
	v := render.Viewer(c)
	if _, err := h.Models.DisableOrganizationConnection(c.Request().Context(), v.Tenant.ID, o.ID, id, actor(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
