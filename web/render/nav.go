package render

import (
	"strings"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/views/layout"
)

// Routes is what the navigation needs of the route table (web/routes.go):
// the permission each "METHOD path" declares. The navigation states where
// its entries lead, never who may follow them: an entry is shown to the
// viewers whose permissions open its route, so each permission is stated
// once, beside its route.
type Routes map[string]authz.Permission

// Perm is the permission of GET path (a tenant path such as
// "/organizations"); false when no such route exists.
func (rs Routes) Perm(path string) (authz.Permission, bool) {
	p, ok := rs["GET /t/:tenant"+path]
	return p, ok
}

// NavEntry is one entry of the left navigation.
type NavEntry struct {
	Section string
	Label   string
	Path    string // under /t/{tenant}: a GET route of the route table
}

// NavEntries is the left navigation, in order. Add an entry when its screen
// exists; its route's permission decides who sees it. Those who see
// workspaces only through workspace roles get them by name instead
// (workspace.go): the Workspaces list's entry needs Get Workspace tenant-wide.
var NavEntries = []NavEntry{
	{"", "Dashboard", "/"},
	{"Workspaces", "Workspaces", "/workspaces"},
	{"User Management", "Organizations", "/organizations"},
	{"User Management", "Users", "/users"},
	{"User Management", "Connections", "/connections"},
	{"User Management", "Roles", "/roles"},
	{"User Management", "Identity Pools", "/identity-pools"},
	{"User Management", "Permission Systems", "/permission-systems"},
	{"Tenant Settings", "Tenant", "/settings/tenant"},
	{"Tenant Settings", "Administrators", "/settings/administrators"},
	{"Tenant Settings", "Roles", "/settings/roles"},
	{"Tenant Settings", "Who can", "/settings/access"},
	{"Tenant Settings", "Elevation Requests", "/settings/elevation-requests"},
	{"Tenant Settings", "Access Reviews", "/settings/access-reviews"},
	{"Tenant Settings", "Approvals", "/settings/approvals"},
	{"Tenant Settings", "Sign In / Sign Up", "/settings/sign-in"},
	{"Tenant Settings", "Themes", "/themes"},
	{"Tenant Settings", "Password Policy", "/settings/password-policy"},
	{"Tenant Settings", "Brute Force Protection", "/settings/brute-force"},
	{"Tenant Settings", "Single Sign-On", "/settings/sso"},
	{"Tenant Settings", "API Tokens", "/settings/api-tokens"},
	{"Tenant Settings", "API", "/settings/api"},
	{"Monitoring", "System overview", "/overview"},
	{"Monitoring", "System", "/system/environment"},
	{"Monitoring", "Audit log", "/audit"},
}

// navKeys are the route table's keys of NavEntries' paths (built once, not
// at every page).
var navKeys = func() []string {
	keys := make([]string, len(NavEntries))
	for i, e := range NavEntries {
		keys[i] = "GET /t/:tenant" + e.Path
	}
	return keys
}()

// Nav builds the navigation for a viewer; the entry matching path is active.
func (rs Routes) Nav(tenantSlug string, perms authz.Set, path string) []layout.NavSection {
	base := "/t/" + tenantSlug
	out := make([]layout.NavSection, 0, 6)
	for i, e := range NavEntries {
		p, ok := rs[navKeys[i]]
		if !ok || !(perms.Can(p) || (e.Path == "/organizations" && perms.CanAnywhere(p))) { // an Organization Admin's own
			continue
		}
		href := base + e.Path
		active := path == href || (e.Path != "/" && strings.HasPrefix(path, href+"/")) || (e.Path == "/" && path == base)
		if len(out) == 0 || out[len(out)-1].Title != e.Section {
			out = append(out, layout.NavSection{Title: e.Section})
		}
		s := &out[len(out)-1]
		s.Items = append(s.Items, layout.NavItem{Label: e.Label, Href: href, Active: active})
	}
	return out
}

// WorkspaceTab is one tab of a workspace's pages.
type WorkspaceTab struct {
	Label string
	Path  string // under /t/{tenant}/workspaces/{workspace}: a GET route
}

// WorkspaceTabs are the tabs of a workspace's pages, in order; each is
// shown to viewers holding its route's permission in that workspace.
var WorkspaceTabs = []WorkspaceTab{
	{"Overview", ""},
	{"Services", "/services"},
	{"Clients", "/clients"},
	{"Policies", "/policies"},
	{"Authorizers", "/authorizers"},
	{"Claims", "/claims"},
	{"Custom Apps", "/custom-apps"},
	{"Analytics", "/analytics"},
	{"Secrets", "/secrets"},
	{"Extension Scripts", "/scripts"},
	{"Webhooks", "/webhooks"},
	{"Manage Access", "/access"},
	{"Audit log", "/audit"},
	{"Identity Providers", "/idps"},
}

// WorkspaceTabsFor returns the workspace tabs the viewer may open in w.
func (rs Routes) WorkspaceTabsFor(v *models.Viewer, w models.Workspace) []WorkspaceTab {
	var out []WorkspaceTab
	for _, t := range WorkspaceTabs {
		if p, ok := rs.Perm("/workspaces/:workspace" + t.Path); ok && v.Perms.CanIn(p, w.ID) {
			out = append(out, t)
		}
	}
	return out
}
