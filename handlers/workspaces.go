package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/views/layout"
	"gatehouse/views/pages"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

func workspacesPath(c echo.Context, rest string) string {
	t, _ := render.Tenant(c)
	return "/t/" + t.Slug + "/workspaces" + rest
}

// currentWorkspace is the request's workspace, loaded and checked by the
// workspace guard of the route table.
func currentWorkspace(c echo.Context) (models.Workspace, error) {
	w, ok := render.Workspace(c)
	if !ok {
		return w, echo.ErrNotFound
	}
	return w, nil
}

// workspaceCrumbs are the breadcrumbs of a workspace's pages.
func workspaceCrumbs(c echo.Context, w models.Workspace, more ...layout.Crumb) []layout.Crumb {
	cr := []layout.Crumb{{Label: "Workspaces", Href: workspacesPath(c, "")}, {Label: w.Name, Href: workspacesPath(c, "/"+w.Slug)}}
	return append(cr, more...)
}

// workspaceHeader is the top of a workspace's pages with the tabs the
// viewer may open; active names the current tab.
func (h *Handler) workspaceHeader(c echo.Context, v *models.Viewer, w models.Workspace, active string) pages.WorkspaceHeader {
	base := workspacesPath(c, "/"+w.Slug)
	hd := pages.WorkspaceHeader{Name: w.Name, Slug: w.Slug, Description: w.Description, Href: base}
	for _, t := range h.R.Routes.WorkspaceTabsFor(v, w) {
		hd.Tabs = append(hd.Tabs, pages.WorkspaceTab{Label: t.Label, Href: base + t.Path, Active: t.Label == active})
	}
	return hd
}

// WorkspaceList is /t/{tenant}/workspaces: every workspace for those who
// hold Get Workspace tenant-wide, only their own for the others.
func (h *Handler) WorkspaceList(c echo.Context) error {
	v := render.Viewer(c)
	lp := listParams(c)
	page, err := h.Models.ListWorkspaces(c.Request().Context(), *v, models.WorkspaceListQuery{Search: lp.Search, After: lp.After, Limit: lp.Limit})
	if err != nil {
		return err
	}
	d := pages.WorkspaceListData{Search: lp.Search, CanCreate: v.Can(authz.CreateWorkspace), Scoped: !v.Can(authz.GetWorkspace)}
	for _, it := range page.Items {
		w := it.Workspace
		d.Rows = append(d.Rows, pages.WorkspaceRow{Href: workspacesPath(c, "/"+w.Slug), Name: w.Name, Slug: w.Slug,
			Description: w.Description, Admins: it.Admins, Auditors: it.Auditors})
	}
	d.Pager = lp.Pager(workspacesPath(c, ""), page.Next, len(page.Items))
	p := h.R.Page(c, "Workspaces", layout.Crumb{Label: "Workspaces"})
	return render.Render(c, http.StatusOK, pages.WorkspaceList(p, d))
}

// WorkspaceNewForm is Create Workspace.
func (h *Handler) WorkspaceNewForm(c echo.Context) error {
	p := h.R.Page(c, "Create Workspace", layout.Crumb{Label: "Workspaces", Href: workspacesPath(c, "")}, layout.Crumb{Label: "Create Workspace"})
	return render.Render(c, http.StatusOK, pages.WorkspaceNew(p, pages.WorkspaceForm{Errors: map[string]string{}}))
}

// WorkspaceCreate creates the workspace and opens it.
func (h *Handler) WorkspaceCreate(c echo.Context) error {
	v := render.Viewer(c)
	in := models.WorkspaceInput{Name: c.FormValue("name"), Slug: c.FormValue("slug"), Description: c.FormValue("description")}
	w, err := h.Models.CreateWorkspace(c.Request().Context(), *v, in, actor(c))
	var verr *models.ValidationError
	if errors.As(err, &verr) {
		f := pages.WorkspaceForm{Name: strings.TrimSpace(in.Name), Slug: strings.TrimSpace(in.Slug), Description: in.Description, Errors: verr.Fields}
		p := h.R.Page(c, "Create Workspace", layout.Crumb{Label: "Workspaces", Href: workspacesPath(c, "")}, layout.Crumb{Label: "Create Workspace"})
		return render.Render(c, http.StatusUnprocessableEntity, pages.WorkspaceNew(p, f))
	}
	if err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", fmt.Sprintf("The workspace %s was created. Give it administrators in its Manage Access.", w.Name))
	return render.Redirect(c, workspacesPath(c, "/"+w.Slug))
}

// WorkspaceShow is a workspace's page.
func (h *Handler) WorkspaceShow(c echo.Context) error {
	return h.renderWorkspace(c, http.StatusOK, nil)
}

// renderWorkspace shows the workspace's page; form is what was typed into
// its settings (nil: the stored values).
func (h *Handler) renderWorkspace(c echo.Context, status int, form *pages.WorkspaceForm) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	admins, auditors, err := h.Models.WorkspaceAccessCounts(c.Request().Context(), v.Tenant.ID, w.ID)
	if err != nil {
		return err
	}
	d := pages.WorkspaceShowData{
		Header:  h.workspaceHeader(c, v, w, "Overview"),
		Created: fmtTime(&w.CreatedAt, ""), Updated: fmtTime(&w.UpdatedAt, ""),
		Admins: admins, Auditors: auditors,
		CanUpdate: v.Perms.CanIn(authz.UpdateWorkspace, w.ID),
		CanDelete: v.Perms.CanIn(authz.DeleteWorkspace, w.ID) && w.Kind != models.WorkspaceKindAdmin,
		Form:      pages.WorkspaceForm{Name: w.Name, Slug: w.Slug, Description: w.Description, Errors: map[string]string{}},
	}
	if v.Perms.CanIn(authz.ReadWorkspaceRoles, w.ID) {
		d.AccessURL = workspacesPath(c, "/"+w.Slug+"/access")
	}
	if form != nil {
		d.Form = *form
	}
	if d.Theme, err = h.workspacePageTheme(c, v, w); err != nil {
		return err
	}
	p := h.R.Page(c, w.Name, workspaceCrumbs(c, w)...)
	return render.Render(c, status, pages.WorkspaceShow(p, d))
}

// WorkspaceUpdate saves the workspace's settings (name, description).
func (h *Handler) WorkspaceUpdate(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	in := models.WorkspaceInput{Name: c.FormValue("name"), Description: c.FormValue("description")}
	updated, err := h.Models.UpdateWorkspace(c.Request().Context(), *v, w.ID, in, actor(c))
	var verr *models.ValidationError
	if errors.As(err, &verr) {
		return h.renderWorkspace(c, http.StatusUnprocessableEntity, &pages.WorkspaceForm{
			Name: strings.TrimSpace(in.Name), Slug: w.Slug, Description: in.Description, Errors: verr.Fields})
	}
	if err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The workspace "+updated.Name+" was saved.")
	return render.Redirect(c, workspacesPath(c, "/"+w.Slug))
}

// WorkspaceDeleteForm is the confirmation before deleting a workspace: it
// names the Manage Access bindings that go with it.
func (h *Handler) WorkspaceDeleteForm(c echo.Context) error {
	return h.renderWorkspaceDelete(c, http.StatusOK, "", nil)
}

func (h *Handler) renderWorkspaceDelete(c echo.Context, status int, confirm string, errs map[string]string) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	n, err := h.Models.CountWorkspaceAccess(ctx, v.Tenant.ID, w.ID)
	if err != nil {
		return err
	}
	page, err := h.Models.ListWorkspaceAccess(ctx, v.Tenant.ID, w.ID, 0, 50)
	if err != nil {
		return err
	}
	if errs == nil {
		errs = map[string]string{}
	}
	d := pages.WorkspaceDeleteData{Header: h.workspaceHeader(c, v, w, ""), Bindings: n, Confirm: confirm, Errors: errs, StepUp: h.stepUpView(c, errs, "", "")}
	dir, err := h.roleDirectory(c)
	if err != nil {
		return err
	}
	now := h.Models.Now()
	for _, e := range page.Items {
		d.People = append(d.People, accessRow(c, w, e, now, dir))
	}
	p := h.R.Page(c, "Delete "+w.Name, workspaceCrumbs(c, w, layout.Crumb{Label: "Delete"})...)
	return render.Render(c, status, pages.WorkspaceDelete(p, d))
}

// WorkspaceDelete deletes the workspace with its Manage Access bindings.
func (h *Handler) WorkspaceDelete(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	confirm := c.FormValue("confirm")
	stepErrs, err := h.stepUpCheck(c)
	if err != nil {
		return err
	}
	if stepErrs != nil {
		return h.renderWorkspaceDelete(c, http.StatusUnprocessableEntity, strings.TrimSpace(confirm), stepErrs)
	}
	n, err := h.Models.DeleteWorkspace(c.Request().Context(), *v, w.ID, confirm, actor(c))
	var verr *models.ValidationError
	if errors.As(err, &verr) {
		return h.renderWorkspaceDelete(c, http.StatusUnprocessableEntity, strings.TrimSpace(confirm), verr.Fields)
	}
	if err != nil {
		return outcome(err)
	}
	msg := "The workspace " + w.Name + " was deleted."
	if n > 0 {
		msg = fmt.Sprintf("The workspace %s was deleted, with its %d Manage Access %s.", w.Name, n, pluralWord(n, "binding", "bindings"))
	}
	h.Flashes.Set(c, "success", msg)
	return render.Redirect(c, workspacesPath(c, ""))
}

// workspaceCards are the dashboard's Workspaces card: every workspace for
// those who see them all, the viewer's own otherwise.
func (h *Handler) workspaceCards(ctx context.Context, v *models.Viewer) ([]pages.DashboardCard, error) {
	base := "/t/" + v.Tenant.Slug
	var cards []pages.DashboardCard
	switch {
	case v.Can(authz.GetWorkspace):
		n, err := h.Models.CountWorkspaces(ctx, v.Tenant.ID)
		if err != nil {
			return nil, err
		}
		detail := "Each with administrators and auditors of its own"
		if n == 0 && v.Can(authz.CreateWorkspace) {
			detail = "None yet: use Create Workspace"
		}
		cards = append(cards, pages.DashboardCard{Title: "Workspaces", Href: base + "/workspaces", Value: fmt.Sprint(n), Detail: detail})
	case len(v.Workspaces) == 1:
		w := v.Workspaces[0]
		detail := workspaceRoleNames(v, w.ID)
		if secs := workspaceSections(v, w.ID); secs != "" {
			detail += " · " + secs
		}
		cards = append(cards, pages.DashboardCard{Title: "Your workspace", Href: base + "/workspaces/" + w.Slug, Value: w.Name,
			Detail: detail})
	case len(v.Workspaces) > 1:
		names := make([]string, 0, 3)
		for i, w := range v.Workspaces {
			if i == 3 {
				names = append(names, "…")
				break
			}
			names = append(names, w.Name)
		}
		n := fmt.Sprint(len(v.Workspaces))
		if v.MoreWorkspaces {
			n += "+"
		}
		cards = append(cards, pages.DashboardCard{Title: "Your workspaces", Href: base + "/workspaces", Value: n, Detail: strings.Join(names, " · ")})
	}
	if v.Can(authz.ReadSystemEnvironment) {
		cards = append(cards, pages.DashboardCard{Title: "System overview", Href: base + "/overview", Value: "Read only",
			Detail: "The tenant's state, notifications and e-mail templates"})
	}
	return cards, nil
}

// workspaceSections names the sections of a workspace the viewer may read.
func workspaceSections(v *models.Viewer, workspaceID int64) string {
	var names []string
	for _, sec := range []struct {
		label string
		perm  authz.Permission
	}{
		{"Services", authz.ReadServicesInWorkspace}, {"Clients", authz.ReadClients}, {"Policies", authz.ReadWorkspacePolicies},
		{"Authorizers", authz.ReadWorkspaceAuthorizers}, {"Claims", authz.ReadWorkspaceClaims}, {"Custom Apps", authz.ReadCustomApps},
	} {
		if v.Perms.CanIn(sec.perm, workspaceID) {
			names = append(names, sec.label)
		}
	}
	return strings.Join(names, ", ")
}

// workspaceRoleNames names the viewer's roles in one workspace.
func workspaceRoleNames(v *models.Viewer, workspaceID int64) string {
	var names []string
	for _, g := range v.Grants {
		if g.WorkspaceID != workspaceID {
			continue
		}
		if r, ok := v.Roles.Role(g.Role); ok {
			names = append(names, r.Name)
		}
	}
	return strings.Join(names, ", ")
}

func pluralWord(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
