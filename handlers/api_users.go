package handlers

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"gatehouse/models"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// Management API: users, connections, end-user roles and audit events.

// APIUser is a user of the tenant's Users pool.
type APIUser struct {
	ID            int64             `json:"id"`
	Email         string            `json:"email"`
	EmailVerified bool              `json:"email_verified"`
	Username      string            `json:"username"`
	Phone         string            `json:"phone"`
	PhoneVerified bool              `json:"phone_verified"`
	GivenName     string            `json:"given_name"`
	FamilyName    string            `json:"family_name"`
	Status        string            `json:"status" doc:"new, active or inactive"`
	Blocked       bool              `json:"blocked"`
	Attributes    map[string]string `json:"attributes"`
	Metadata      map[string]string `json:"metadata"`
	LastLoginAt   *string           `json:"last_login_at"`
	CreatedAt     string            `json:"created_at"`
	UpdatedAt     string            `json:"updated_at"`
}

// APIUserCreateInput creates a user.
type APIUserCreateInput struct {
	Email      string `json:"email,omitempty"`
	Username   string `json:"username,omitempty"`
	GivenName  string `json:"given_name,omitempty"`
	FamilyName string `json:"family_name,omitempty"`
}

// APIUserUpdateInput changes a user: the fields sent replace the current
// values, those left out stay.
type APIUserUpdateInput struct {
	Email         *string            `json:"email,omitempty"`
	EmailVerified *bool              `json:"email_verified,omitempty"`
	Username      *string            `json:"username,omitempty"`
	Phone         *string            `json:"phone,omitempty"`
	PhoneVerified *bool              `json:"phone_verified,omitempty"`
	GivenName     *string            `json:"given_name,omitempty"`
	FamilyName    *string            `json:"family_name,omitempty"`
	Status        *string            `json:"status,omitempty"`
	Attributes    *map[string]string `json:"attributes,omitempty"`
	Metadata      *map[string]string `json:"metadata,omitempty"`
}

func pairsMap(stored string) map[string]string {
	out := map[string]string{}
	for _, kv := range models.ParsePairs(stored) {
		out[kv.Key] = kv.Value
	}
	return out
}

func mapPairs(m map[string]string) []models.KeyValue {
	out := make([]models.KeyValue, 0, len(m))
	for k, v := range m {
		out = append(out, models.KeyValue{Key: k, Value: v})
	}
	return out
}

func apiUser(u models.User) APIUser {
	return APIUser{ID: u.ID, Email: u.Email, EmailVerified: u.EmailVerified, Username: u.Username, Phone: u.Phone, PhoneVerified: u.PhoneVerified,
		GivenName: u.GivenName, FamilyName: u.FamilyName, Status: string(u.Status), Blocked: u.Blocked,
		Attributes: pairsMap(u.Attributes), Metadata: pairsMap(u.Metadata), LastLoginAt: ts(u.LastLoginAt), CreatedAt: tsv(u.CreatedAt), UpdatedAt: tsv(u.UpdatedAt)}
}

// APIUserList lists users, newest first.
func (h *Handler) APIUserList(c echo.Context) error {
	limit, cursor, err := apiListParams(c)
	if err != nil {
		return err
	}
	after, err := cursorID(cursor)
	if err != nil {
		return err
	}
	v := render.Viewer(c)
	p, err := h.Models.ListUsers(c.Request().Context(), v.Tenant.ID, models.UserListQuery{Search: c.QueryParam("q"), After: after, Limit: limit})
	if err != nil {
		return err
	}
	out := make([]APIUser, 0, len(p.Items))
	for _, u := range p.Items {
		out = append(out, apiUser(u))
	}
	return c.JSON(http.StatusOK, pageID(out, p.Next))
}

// APIUserCreate creates a user.
func (h *Handler) APIUserCreate(c echo.Context) error {
	var in APIUserCreateInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	v := render.Viewer(c)
	u, err := h.Models.CreateUser(c.Request().Context(), v.Tenant.ID, models.CreateUserInput{Email: in.Email, Username: in.Username,
		GivenName: in.GivenName, FamilyName: in.FamilyName}, actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, apiUser(u))
}

// APIUserGet is one user.
func (h *Handler) APIUserGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	v := render.Viewer(c)
	u, err := h.Models.UserByID(c.Request().Context(), v.Tenant.ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiUser(u))
}

// APIUserUpdate changes the fields sent.
func (h *Handler) APIUserUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in APIUserUpdateInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	v := render.Viewer(c)
	ctx := c.Request().Context()
	u, err := h.Models.UserByID(ctx, v.Tenant.ID, id)
	if err != nil {
		return err
	}
	up := models.UpdateUserInput{Email: u.Email, EmailVerified: u.EmailVerified, Username: u.Username, Phone: u.Phone, PhoneVerified: u.PhoneVerified,
		GivenName: u.GivenName, FamilyName: u.FamilyName, Status: u.Status,
		Attributes: models.ParsePairs(u.Attributes), Metadata: models.ParsePairs(u.Metadata)}
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&up.Email, in.Email)
	set(&up.Username, in.Username)
	set(&up.Phone, in.Phone)
	set(&up.GivenName, in.GivenName)
	set(&up.FamilyName, in.FamilyName)
	if in.EmailVerified != nil {
		up.EmailVerified = *in.EmailVerified
	}
	if in.PhoneVerified != nil {
		up.PhoneVerified = *in.PhoneVerified
	}
	if in.Status != nil {
		up.Status = models.UserStatus(*in.Status)
	}
	if in.Attributes != nil {
		up.Attributes = mapPairs(*in.Attributes)
	}
	if in.Metadata != nil {
		up.Metadata = mapPairs(*in.Metadata)
	}
	saved, err := h.Models.UpdateUser(ctx, v.Tenant.ID, id, up, actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiUser(saved))
}

// APIUserDelete deletes a user.
func (h *Handler) APIUserDelete(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	v := render.Viewer(c)
	if _, err := h.Models.DeleteUser(c.Request().Context(), v.Tenant.ID, id, actor(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// APIConnection is a connection.
type APIConnection struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Strategy    string `json:"strategy"`
	Type        string `json:"type"`
	DisplayName string `json:"display_name"`
	Enabled     bool   `json:"enabled"`
	CreatedAt   string `json:"created_at"`
	UpdatedAt   string `json:"updated_at"`
}

// APIConnectionCreateInput creates a connection.
type APIConnectionCreateInput struct {
	Name        string `json:"name"`
	Strategy    string `json:"strategy"`
	DisplayName string `json:"display_name,omitempty"`
}

// APIConnectionUpdateInput changes a connection.
type APIConnectionUpdateInput struct {
	DisplayName string `json:"display_name"`
	Enabled     bool   `json:"enabled"`
}

func apiConnection(cn models.Connection) APIConnection {
	return APIConnection{ID: cn.ID, Name: cn.Name, Strategy: cn.Strategy, Type: cn.Type(), DisplayName: cn.DisplayName, Enabled: cn.Enabled,
		CreatedAt: tsv(cn.CreatedAt), UpdatedAt: tsv(cn.UpdatedAt)}
}

// APIConnectionList lists connections by name.
func (h *Handler) APIConnectionList(c echo.Context) error {
	limit, cursor, err := apiListParams(c)
	if err != nil {
		return err
	}
	after, err := cursorID(cursor)
	if err != nil {
		return err
	}
	v := render.Viewer(c)
	p, err := h.Models.ListConnections(c.Request().Context(), v.Tenant.ID, models.ConnectionListQuery{Type: c.QueryParam("type"), After: after, Limit: limit})
	if err != nil {
		return err
	}
	out := make([]APIConnection, 0, len(p.Items))
	for _, cn := range p.Items {
		out = append(out, apiConnection(cn))
	}
	return c.JSON(http.StatusOK, pageID(out, p.Next))
}

// APIConnectionCreate creates a connection.
func (h *Handler) APIConnectionCreate(c echo.Context) error {
	var in APIConnectionCreateInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	v := render.Viewer(c)
	cn, err := h.Models.CreateConnection(c.Request().Context(), v.Tenant.ID, models.CreateConnectionInput{Name: in.Name, Strategy: in.Strategy, DisplayName: in.DisplayName}, actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, apiConnection(cn))
}

// APIConnectionGet is one connection.
func (h *Handler) APIConnectionGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	v := render.Viewer(c)
	cn, err := h.Models.ConnectionByID(c.Request().Context(), v.Tenant.ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiConnection(cn))
}

// APIConnectionUpdate changes a connection's display name and whether it is enabled.
func (h *Handler) APIConnectionUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in APIConnectionUpdateInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	v := render.Viewer(c)
	cn, err := h.Models.UpdateConnection(c.Request().Context(), v.Tenant.ID, id, models.UpdateConnectionInput{DisplayName: in.DisplayName, Enabled: in.Enabled}, actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiConnection(cn))
}

// APIConnectionDelete deletes a connection.
func (h *Handler) APIConnectionDelete(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	v := render.Viewer(c)
	if _, err := h.Models.DeleteConnection(c.Request().Context(), v.Tenant.ID, id, actor(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// APIRole is an end-user role.
type APIRole struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

// APIRoleBody creates or updates an end-user role.
type APIRoleBody struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

func apiRole(r models.EndUserRole) APIRole {
	return APIRole{ID: r.ID, Name: r.Name, Description: r.Description}
}

// APIRoleList lists end-user roles by name.
func (h *Handler) APIRoleList(c echo.Context) error {
	limit, cursor, err := apiListParams(c)
	if err != nil {
		return err
	}
	after, err := cursorID(cursor)
	if err != nil {
		return err
	}
	v := render.Viewer(c)
	p, err := h.Models.ListEndUserRoles(c.Request().Context(), v.Tenant.ID, models.EndUserRoleListQuery{Search: c.QueryParam("q"), After: after, Limit: limit})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pageID(apiRoles(p.Items), p.Next))
}

// APIRoleCreate creates an end-user role.
func (h *Handler) APIRoleCreate(c echo.Context) error {
	var in APIRoleBody
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	v := render.Viewer(c)
	r, err := h.Models.CreateEndUserRole(c.Request().Context(), v.Tenant.ID, models.EndUserRoleInput{Name: in.Name, Description: in.Description}, actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, apiRole(r))
}

// APIRoleGet is one end-user role.
func (h *Handler) APIRoleGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	v := render.Viewer(c)
	r, err := h.Models.EndUserRoleByID(c.Request().Context(), v.Tenant.ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiRole(r))
}

// APIRoleUpdate renames or describes an end-user role.
func (h *Handler) APIRoleUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in APIRoleBody
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	v := render.Viewer(c)
	r, err := h.Models.UpdateEndUserRole(c.Request().Context(), v.Tenant.ID, id, models.EndUserRoleInput{Name: in.Name, Description: in.Description}, actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiRole(r))
}

// APIRoleDelete deletes an end-user role.
func (h *Handler) APIRoleDelete(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	v := render.Viewer(c)
	if _, err := h.Models.DeleteEndUserRole(c.Request().Context(), v.Tenant.ID, id, actor(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// APIAuditEvent is an audit event.
type APIAuditEvent struct {
	ID          int64           `json:"id"`
	Time        string          `json:"time"`
	Actor       string          `json:"actor"`
	Action      string          `json:"action"`
	TargetType  string          `json:"target_type"`
	TargetID    string          `json:"target_id"`
	TargetLabel string          `json:"target_label"`
	WorkspaceID *int64          `json:"workspace_id"`
	Changes     json.RawMessage `json:"changes,omitempty"`
	IP          string          `json:"ip"`
	Hash        string          `json:"hash"`
}

// APIAuditList lists the tenant's audit events, newest first: since (a
// date or time, UTC) and the console's filters (action, actor, target).
func (h *Handler) APIAuditList(c echo.Context) error {
	limit, cursor, err := apiListParams(c)
	if err != nil {
		return err
	}
	before, err := cursorID(cursor)
	if err != nil {
		return err
	}
	q := url.Values{"actor": {c.QueryParam("actor")}, "action": {c.QueryParam("action")}, "target": {c.QueryParam("target")}, "from": {c.QueryParam("since")}}
	_, filter, errs := parseAuditFilter(q)
	if errs["from"] != "" {
		return &apiErr{status: http.StatusBadRequest, code: "bad_request", message: "since is not a date or time.", fields: map[string]string{"since": errs["from"]}}
	}
	v := render.Viewer(c)
	evs, next, err := h.Models.ListAudit(c.Request().Context(), v.Tenant.ID, filter.VisibleTo(*v), before, limit)
	if err != nil {
		return err
	}
	out := make([]APIAuditEvent, 0, len(evs))
	for _, e := range evs {
		ev := APIAuditEvent{ID: e.ID, Time: tsv(e.CreatedAt), Actor: e.ActorEmail, Action: e.Action, TargetType: e.TargetType,
			TargetID: e.TargetID, TargetLabel: e.TargetLabel, WorkspaceID: e.WorkspaceID, IP: e.IP, Hash: e.Hash}
		if strings.TrimSpace(e.Changes) != "" && json.Valid([]byte(e.Changes)) {
			ev.Changes = json.RawMessage(e.Changes)
		}
		out = append(out, ev)
	}
	return c.JSON(http.StatusOK, pageID(out, next))
}
