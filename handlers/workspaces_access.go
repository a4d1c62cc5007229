package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/views/layout"
	"gatehouse/views/pages"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// accessRow formats one Manage Access binding.
func accessRow(c echo.Context, w models.Workspace, e models.AccessEntry, now time.Time, dir authz.Directory) pages.AccessRow {
	b, a := e.Binding, e.Administrator
	role := roleName(dir, b.RoleKey)
	by := e.GrantedBy
	if by == "" {
		by = "—"
	}
	until := "Never"
	if b.ExpiresAt != nil { // the last day it grants (it ends at that day's end, UTC)
		until = b.ExpiresAt.Add(-time.Nanosecond).UTC().Format("2006-01-02")
	}
	return pages.AccessRow{
		ID: b.ID, Name: a.DisplayName(), Email: a.Email, Status: string(a.Status), Role: role, GrantedBy: by,
		Since: b.CreatedAt.UTC().Format("2006-01-02"), SinceTitle: fmtTime(&b.CreatedAt, ""),
		Until: until, UntilTitle: fmtTime(b.ExpiresAt, ""), Expired: !b.Active(now),
		RemoveURL: workspacesPath(c, "/"+w.Slug+"/access/"+strconv.FormatInt(b.ID, 10)+"/delete"),
		Own:       a.ID == render.Viewer(c).Administrator.ID,
	}
}

func workspaceRoleOptions(v *models.Viewer, dir authz.Directory, workspaceID int64) []pages.Option {
	var out []pages.Option
	for _, ch := range models.WorkspaceRoleChoices(*v, dir, workspaceID) {
		out = append(out, pages.Option{Value: string(ch.Role.Key), Label: ch.Role.Name, Disabled: ch.Disabled, Reason: ch.Reason})
	}
	return out
}

// WorkspaceAccess is Manage Access: the workspace's administrators and
// auditors, and Add User for those who may manage them.
func (h *Handler) WorkspaceAccess(c echo.Context) error {
	return h.renderAccess(c, http.StatusOK, pages.WorkspaceAccessData{})
}

// renderAccess shows Manage Access with what form holds (typed values and
// errors of Add User).
func (h *Handler) renderAccess(c echo.Context, status int, form pages.WorkspaceAccessData) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	lp := listParams(c).Keep("q", "")
	if status != http.StatusOK {
		lp = lp.First()
	}
	page, err := h.Models.ListWorkspaceAccess(c.Request().Context(), v.Tenant.ID, w.ID, lp.AfterID(), lp.Limit)
	if err != nil {
		return err
	}
	dir, err := h.roleDirectory(c)
	if err != nil {
		return err
	}
	now := h.Models.Now()
	base := workspacesPath(c, "/"+w.Slug+"/access")
	d := form
	d.Header = h.workspaceHeader(c, v, w, "Manage Access")
	d.CanManage = v.Perms.CanIn(authz.ManageWorkspaceRoles, w.ID) && w.Kind != models.WorkspaceKindAdmin // nobody is added to the Admin workspace
	d.RoleOptions = workspaceRoleOptions(v, dir, w.ID)
	d.CandidatesURL = base + "/candidates"
	if !v.Can(authz.ReadTenantRoles) {
		d.CandidatesMinChars = models.CandidatesMinChars
	}
	d.MinDate = now.UTC().Format("2006-01-02")
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	for _, e := range page.Items {
		d.Rows = append(d.Rows, accessRow(c, w, e, now, dir))
	}
	d.Pager = lp.Pager(base, cursor(page.Next), len(page.Items))
	p := h.R.Page(c, "Manage Access · "+w.Name, workspaceCrumbs(c, w, layout.Crumb{Label: "Manage Access"})...)
	return render.Render(c, status, pages.WorkspaceAccess(p, d))
}

// WorkspaceAddUser is Add User: give an administrator of the tenant a
// workspace role here, optionally until a date.
func (h *Handler) WorkspaceAddUser(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	form := pages.WorkspaceAccessData{User: strings.TrimSpace(c.FormValue("user")), Role: c.FormValue("role"),
		ExpiresAt: strings.TrimSpace(c.FormValue("expires_at"))}
	in := models.GrantInput{User: form.User, Role: form.Role}
	if form.ExpiresAt != "" {
		day, perr := time.Parse("2006-01-02", form.ExpiresAt)
		if perr != nil {
			form.Errors = map[string]string{"expires_at": "Enter a date like 2026-12-31."}
			return h.renderAccess(c, http.StatusUnprocessableEntity, form)
		}
		end := day.Add(24 * time.Hour) // the end of that day, UTC
		in.ExpiresAt = &end
	}
	a, err := h.Models.GrantWorkspaceRole(c.Request().Context(), *v, w.ID, in, actor(c))
	var verr *models.ValidationError
	if errors.As(err, &verr) {
		form.Errors = verr.Fields
		return h.renderAccess(c, http.StatusUnprocessableEntity, form)
	}
	if err != nil {
		return outcome(err)
	}
	dir, err := h.roleDirectory(c)
	if err != nil {
		return err
	}
	h.Flashes.Set(c, "success", a.DisplayName()+" is now "+roleName(dir, in.Role)+" of "+w.Name+".")
	return render.Redirect(c, workspacesPath(c, "/"+w.Slug+"/access"))
}

// WorkspaceInvite is Manage Access > Invite: invite a new administrator
// by e-mail into this workspace with a workspace role (a Workspace Admin
// invites into their own workspace only, with roles they hold there).
func (h *Handler) WorkspaceInvite(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	in := models.CreateAdminInput{Email: strings.TrimSpace(c.FormValue("email")), GivenName: c.FormValue("given_name"),
		FamilyName: c.FormValue("family_name"), Role: c.FormValue("role")}
	a, err := h.Models.InviteToWorkspace(c.Request().Context(), *v, w.ID, in, actor(c))
	var verr *models.ValidationError
	if errors.As(err, &verr) {
		form := pages.WorkspaceAccessData{Errors: map[string]string{},
			Invite: pages.InviteForm{Email: in.Email, GivenName: in.GivenName, FamilyName: in.FamilyName, Role: in.Role}}
		for k, m := range verr.Fields {
			form.Errors["invite-"+k] = m
		}
		return h.renderAccess(c, http.StatusUnprocessableEntity, form)
	}
	if err != nil {
		return outcome(err)
	}
	dir, err := h.roleDirectory(c)
	if err != nil {
		return err
	}
	h.wakeMail()
	h.Flashes.Set(c, "success", "An invitation was sent to "+a.Email+": they become "+roleName(dir, in.Role)+" of "+w.Name+" when they accept it.")
	return render.Redirect(c, workspacesPath(c, "/"+w.Slug+"/access"))
}

// WorkspaceRemoveUser removes one Manage Access binding.
func (h *Handler) WorkspaceRemoveUser(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	inHere := func(b models.RoleBinding) bool { return b.WorkspaceID != nil && *b.WorkspaceID == w.ID }
	access := workspacesPath(c, "/"+w.Slug+"/access")
	if asked, err := h.ownRoleRemoval(c, inHere, pages.OwnRoleRemovalData{Where: "in " + w.Name, Cancel: access, Means: []string{
		"You lose what this role lets you do in " + w.Name + ": with no other role here, you no longer see it at all.",
		"You can no longer give anyone access to " + w.Name + " through this role.",
	}}, workspaceCrumbs(c, w, layout.Crumb{Label: "Manage Access", Href: access}, layout.Crumb{Label: "Remove your own role"})); asked || err != nil {
		return err
	}
	a, err := h.Models.RemoveWorkspaceRole(c.Request().Context(), *v, w.ID, render.BindingID(c), actor(c))
	if err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", a.DisplayName()+" no longer has that role in "+w.Name+".")
	// Whoever removed their own last role here can no longer see the workspace.
	if fresh, err := h.Models.LoadViewer(c.Request().Context(), v.Tenant, v.Administrator.ID); err == nil &&
		!fresh.Perms.CanIn(authz.ReadWorkspaceRoles, w.ID) {
		return render.Redirect(c, "/t/"+v.Tenant.Slug+"/")
	}
	return render.Redirect(c, workspacesPath(c, "/"+w.Slug+"/access"))
}

// WorkspaceCandidates answers the Add User picker: at most
// models.CandidatesMax administrators of the tenant whose e-mail or name
// contains q, as JSON ({"candidates": [{"email", "name", "status"}]}).
func (h *Handler) WorkspaceCandidates(c echo.Context) error {
	v := render.Viewer(c)
	list, err := h.Models.WorkspaceCandidates(c.Request().Context(), *v, c.QueryParam("q"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"candidates": list})
}
