package handlers

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"gatehouse/models"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// Management API: administrators (Tenant Settings > Administrators and the
// User Profile) and workspaces with their access.

// APIAdministrator is an administrator with their role bindings.
type APIAdministrator struct {
	ID           int64            `json:"id"`
	Email        string           `json:"email"`
	GivenName    string           `json:"given_name"`
	FamilyName   string           `json:"family_name"`
	Status       string           `json:"status" doc:"invited, active or inactive"`
	Roles        []APIRoleBinding `json:"roles"`
	LastSignInAt *string          `json:"last_sign_in_at"`
	CreatedAt    string           `json:"created_at"`
}

// APIRoleBinding is one role an administrator holds.
type APIRoleBinding struct {
	ID        int64   `json:"id"`
	Role      string  `json:"role"`
	Workspace *int64  `json:"workspace_id"`
	ExpiresAt *string `json:"expires_at"`
}

// APIAdminCreateInput invites an administrator.
type APIAdminCreateInput struct {
	Email      string `json:"email"`
	GivenName  string `json:"given_name"`
	FamilyName string `json:"family_name"`
	Role       string `json:"role" doc:"a tenant role key, such as tenant_auditor"`
}

// APIRoleInput assigns a tenant role.
type APIRoleInput struct {
	Role      string `json:"role"`
	ExpiresAt string `json:"expires_at,omitempty" doc:"RFC 3339 time or YYYY-MM-DD (end of that day, UTC); empty: never"`
}

// APIStatusInput sets an administrator's status.
type APIStatusInput struct {
	Status string `json:"status" doc:"active or inactive"`
}

func apiAdmin(a models.Administrator, bs []models.RoleBinding) APIAdministrator {
	out := APIAdministrator{ID: a.ID, Email: a.Email, GivenName: a.GivenName, FamilyName: a.FamilyName, Status: string(a.Status),
		LastSignInAt: ts(a.LastSignInAt), CreatedAt: tsv(a.CreatedAt), Roles: []APIRoleBinding{}}
	for _, b := range bs {
		out.Roles = append(out.Roles, APIRoleBinding{ID: b.ID, Role: b.RoleKey, Workspace: b.WorkspaceID, ExpiresAt: ts(b.ExpiresAt)})
	}
	return out
}

// parseExpiry reads an optional expiry: RFC 3339, or a date meaning the
// end of that day (UTC), as the console's date field.
func parseExpiry(field, s string) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		t = t.UTC()
		return &t, nil
	}
	if d, err := time.Parse("2006-01-02", s); err == nil {
		t := d.Add(24 * time.Hour).UTC()
		return &t, nil
	}
	return nil, invalidField(field, "Use an RFC 3339 time or a date (YYYY-MM-DD).")
}

// APIAdminList lists the tenant's administrators by e-mail.
func (h *Handler) APIAdminList(c echo.Context) error {
	limit, cursor, err := apiListParams(c)
	if err != nil {
		return err
	}
	v := render.Viewer(c)
	p, err := h.Models.ListAdministrators(c.Request().Context(), v.Tenant.ID, models.AdminListQuery{Search: c.QueryParam("q"), After: cursor, Limit: limit})
	if err != nil {
		return err
	}
	out := make([]APIAdministrator, 0, len(p.Items))
	for _, it := range p.Items {
		out = append(out, apiAdmin(it.Administrator, it.Bindings))
	}
	return c.JSON(http.StatusOK, page(out, p.Next))
}

func (h *Handler) apiAdminByID(c echo.Context, id int64) (APIAdministrator, error) {
	v := render.Viewer(c)
	p, err := h.Models.AdministratorProfile(c.Request().Context(), v.Tenant.ID, id)
	if err != nil {
		return APIAdministrator{}, err
	}
	return apiAdmin(p.Administrator, p.Bindings), nil
}

// APIAdminGet is one administrator.
func (h *Handler) APIAdminGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	a, err := h.apiAdminByID(c, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a)
}

// APIAdminCreate invites an administrator with one tenant role.
func (h *Handler) APIAdminCreate(c echo.Context) error {
	var in APIAdminCreateInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	v := render.Viewer(c)
	a, err := h.Models.CreateAdministrator(c.Request().Context(), *v, models.CreateAdminInput{Email: in.Email, GivenName: in.GivenName,
		FamilyName: in.FamilyName, Role: in.Role}, actor(c))
	if ok, rerr := h.apiPending(c, err); ok {
		return rerr
	}
	if err != nil {
		return err
	}
	h.wakeMail()
	out, err := h.apiAdminByID(c, a.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

// APIAdminAssignRole assigns a tenant role, optionally until a time.
func (h *Handler) APIAdminAssignRole(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	// The administrator first: another tenant's (or nobody) is 404 whatever
	// the body says.
	if _, err := h.apiAdminByID(c, id); err != nil {
		return err
	}
	var in APIRoleInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	until, err := parseExpiry("expires_at", in.ExpiresAt)
	if err != nil {
		return err
	}
	v := render.Viewer(c)
	err = h.Models.AssignRole(c.Request().Context(), *v, id, in.Role, until, actor(c))
	if ok, rerr := h.apiPending(c, err); ok {
		return rerr
	}
	if err != nil {
		return err
	}
	out, err := h.apiAdminByID(c, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

// APIAdminRemoveRole removes one role binding.
func (h *Handler) APIAdminRemoveRole(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	binding, err := pathID(c, "binding")
	if err != nil {
		return err
	}
	v := render.Viewer(c)
	if err := h.Models.RemoveRole(c.Request().Context(), *v, id, binding, actor(c)); err != nil {
		return err
	}
	out, err := h.apiAdminByID(c, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// APIAdminSetStatus activates or deactivates an administrator.
func (h *Handler) APIAdminSetStatus(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	// The administrator first: another tenant's (or nobody) is 404 whatever
	// the body says.
	if _, err := h.apiAdminByID(c, id); err != nil {
		return err
	}
	var in APIStatusInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	v := render.Viewer(c)
	if err := h.Models.SetStatus(c.Request().Context(), *v, id, models.AdminStatus(in.Status), actor(c)); err != nil {
		return err
	}
	out, err := h.apiAdminByID(c, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// APIWorkspace is a workspace.
type APIWorkspace struct {
	ID          int64  `json:"id"`
	Slug        string `json:"slug"`
	Name        string `json:"name"`
	Description string `json:"description"`
	CreatedAt   string `json:"created_at"`
	UpdatedAt   string `json:"updated_at"`
}

// APIWorkspaceInput creates or updates a workspace.
type APIWorkspaceInput struct {
	Name        string `json:"name"`
	Slug        string `json:"slug"`
	Description string `json:"description,omitempty"`
}

// APIAccess is one workspace role binding (Manage Access).
type APIAccess struct {
	ID            int64   `json:"id"`
	Role          string  `json:"role"`
	AdminID       int64   `json:"administrator_id"`
	Email         string  `json:"email"`
	GrantedBy     string  `json:"granted_by"`
	ExpiresAt     *string `json:"expires_at"`
	GrantedAtTime string  `json:"created_at"`
}

// APIGrantInput gives an administrator (by e-mail) a workspace role.
type APIGrantInput struct {
	User      string `json:"user" doc:"the administrator's e-mail"`
	Role      string `json:"role" doc:"workspace_admin or workspace_auditor"`
	ExpiresAt string `json:"expires_at,omitempty"`
}

func apiWorkspace(w models.Workspace) APIWorkspace {
	return APIWorkspace{ID: w.ID, Slug: w.Slug, Name: w.Name, Description: w.Description, CreatedAt: tsv(w.CreatedAt), UpdatedAt: tsv(w.UpdatedAt)}
}

// APIWorkspaceList lists the workspaces the token may see, by slug.
func (h *Handler) APIWorkspaceList(c echo.Context) error {
	limit, cursor, err := apiListParams(c)
	if err != nil {
		return err
	}
	v := render.Viewer(c)
	p, err := h.Models.ListWorkspaces(c.Request().Context(), *v, models.WorkspaceListQuery{Search: c.QueryParam("q"), After: cursor, Limit: limit})
	if err != nil {
		return err
	}
	out := make([]APIWorkspace, 0, len(p.Items))
	for _, it := range p.Items {
		out = append(out, apiWorkspace(it.Workspace))
	}
	return c.JSON(http.StatusOK, page(out, p.Next))
}

// APIWorkspaceCreate creates a workspace.
func (h *Handler) APIWorkspaceCreate(c echo.Context) error {
	var in APIWorkspaceInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	v := render.Viewer(c)
	w, err := h.Models.CreateWorkspace(c.Request().Context(), *v, models.WorkspaceInput{Name: in.Name, Slug: in.Slug, Description: in.Description}, actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, apiWorkspace(w))
}

// APIWorkspaceGet is one workspace.
func (h *Handler) APIWorkspaceGet(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiWorkspace(w))
}

// APIWorkspaceUpdate saves a workspace's name, slug and description.
func (h *Handler) APIWorkspaceUpdate(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	var in APIWorkspaceInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	v := render.Viewer(c)
	saved, err := h.Models.UpdateWorkspace(c.Request().Context(), *v, w.ID, models.WorkspaceInput{Name: in.Name, Slug: in.Slug, Description: in.Description}, actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiWorkspace(saved))
}

func apiAccess(e models.AccessEntry) APIAccess {
	return APIAccess{ID: e.Binding.ID, Role: e.Binding.RoleKey, AdminID: e.Administrator.ID, Email: e.Administrator.Email,
		GrantedBy: e.GrantedBy, ExpiresAt: ts(e.Binding.ExpiresAt), GrantedAtTime: tsv(e.Binding.CreatedAt)}
}

// APIWorkspaceAccess lists the workspace's role bindings, oldest first.
func (h *Handler) APIWorkspaceAccess(c echo.Context) error {
	w, err := currentWorkspace(c)
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
	v := render.Viewer(c)
	p, err := h.Models.ListWorkspaceAccess(c.Request().Context(), v.Tenant.ID, w.ID, after, limit)
	if err != nil {
		return err
	}
	out := make([]APIAccess, 0, len(p.Items))
	for _, e := range p.Items {
		out = append(out, apiAccess(e))
	}
	return c.JSON(http.StatusOK, pageID(out, p.Next))
}

// APIWorkspaceGrant gives an administrator a workspace role.
func (h *Handler) APIWorkspaceGrant(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	var in APIGrantInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	until, err := parseExpiry("expires_at", in.ExpiresAt)
	if err != nil {
		return err
	}
	v := render.Viewer(c)
	ctx := c.Request().Context()
	a, err := h.Models.GrantWorkspaceRole(ctx, *v, w.ID, models.GrantInput{User: in.User, Role: in.Role, ExpiresAt: until}, actor(c))
	if err != nil {
		return err
	}
	// The new binding: the newest of this administrator's with this role here.
	bs, err := h.Models.BindingsOf(ctx, v.Tenant.ID, a.ID)
	if err != nil {
		return err
	}
	for i := len(bs) - 1; i >= 0; i-- {
		if b := bs[i]; b.WorkspaceID != nil && *b.WorkspaceID == w.ID && b.RoleKey == in.Role {
			return c.JSON(http.StatusCreated, apiAccess(models.AccessEntry{Binding: b, Administrator: a, GrantedBy: v.Administrator.DisplayName()}))
		}
	}
	return errors.New("the new workspace binding was not found")
}

// APIWorkspaceRevoke removes a workspace role binding.
func (h *Handler) APIWorkspaceRevoke(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "binding")
	if err != nil {
		return err
	}
	v := render.Viewer(c)
	if _, err := h.Models.RemoveWorkspaceRole(c.Request().Context(), *v, w.ID, id, actor(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
