package render

import (
	"strings"

	"gatehouse/models"
	"gatehouse/views/layout"

	"github.com/labstack/echo/v4"
)

const keyWorkspace = "gatehouse.workspace"

// SetWorkspace records the workspace of the request's URL (its :workspace),
// once the viewer's right to see it has been checked.
func SetWorkspace(c echo.Context, w models.Workspace) { c.Set(keyWorkspace, w) }

// Workspace returns the workspace of the request's URL, if it names one.
func Workspace(c echo.Context) (models.Workspace, bool) {
	w, ok := c.Get(keyWorkspace).(models.Workspace)
	return w, ok
}

// WorkspacePath is the URL of a workspace's page, plus rest.
func WorkspacePath(tenantSlug, workspaceSlug, rest string) string {
	return "/t/" + tenantSlug + "/workspaces/" + workspaceSlug + rest
}

// workspaceNav completes the navigation with what the viewer may reach of
// the workspaces, and builds the workspace switcher. Whoever holds Get
// Workspace tenant-wide has the "Workspaces" entry (the list) already; a
// viewer who sees workspaces only through workspace roles gets those
// workspaces by name instead, and nothing of the others. The switcher is
// offered when the viewer can see more than one workspace.
func (rs Routes) workspaceNav(c echo.Context, v *models.Viewer, nav []layout.NavSection) ([]layout.NavSection, *layout.WorkspaceSwitcher) {
	if len(v.Workspaces) == 0 {
		return nav, nil
	}
	// The Workspaces list's entry, for those whose permissions open it tenant-wide.
	listPerm, ok := rs.Perm("/workspaces")
	seesList := ok && v.Perms.Can(listPerm)
	path := c.Request().URL.Path
	list := "/t/" + v.Tenant.Slug + "/workspaces"
	current, inWorkspace := Workspace(c)
	var items []layout.NavItem
	for _, w := range v.Workspaces {
		href := list + "/" + w.Slug
		items = append(items, layout.NavItem{Label: w.Name, Href: href,
			Active: path == href || strings.HasPrefix(path, href+"/") || (inWorkspace && current.ID == w.ID)})
	}
	allHref := ""
	if seesList || v.MoreWorkspaces {
		allHref = list
	}
	if !seesList {
		section := layout.NavSection{Title: "Workspaces", Items: items}
		if v.MoreWorkspaces {
			section.Items = append(append([]layout.NavItem(nil), items...),
				layout.NavItem{Label: "All workspaces…", Href: list, Active: path == list})
		}
		at := 0
		if len(nav) > 0 && nav[0].Title == "" {
			at = 1
		}
		nav = append(nav[:at:at], append([]layout.NavSection{section}, nav[at:]...)...)
	}
	if len(v.Workspaces) < 2 {
		return nav, nil
	}
	sw := &layout.WorkspaceSwitcher{Items: items, AllHref: allHref}
	if inWorkspace {
		sw.Current = current.Name
	}
	return nav, sw
}
