package render

import (
	"strings"

	"gatehouse/models/authz"
	"gatehouse/views/layout"
)

type navEntry struct {
	section string
	label   string
	path    string // under /t/{tenant}
	perm    authz.Permission
}

// navEntries is the left navigation: each entry is shown only to viewers
// holding its permission. Add an entry when its screen exists.
var navEntries = []navEntry{
	{"", "Dashboard", "/", authz.SignedIn},
	// Those who see workspaces only through workspace roles get them by name instead (workspace.go).
	{"Workspaces", "Workspaces", "/workspaces", authz.GetWorkspace},
	{"User Management", "Organizations", "/organizations", authz.ReadOrganizations},
	{"User Management", "Users", "/users", authz.ReadUsers},
	{"User Management", "Connections", "/connections", authz.ReadConnections},
	{"User Management", "Roles", "/roles", authz.ReadRoles},
	{"Tenant Settings", "Tenant", "/settings/tenant", authz.GetTenant},
	{"Tenant Settings", "Administrators", "/settings/administrators", authz.ReadTenantRoles},
	{"Tenant Settings", "Roles", "/settings/roles", authz.ReadTenantRoles},
	{"Tenant Settings", "Who can", "/settings/access", authz.ReadTenantRoles},
	{"Tenant Settings", "Elevation Requests", "/settings/elevation-requests", authz.ReadTenantRoles},
	{"Tenant Settings", "Access Reviews", "/settings/access-reviews", authz.ReadTenantRoles},
	{"Tenant Settings", "Sign In / Sign Up", "/settings/sign-in", authz.ReadMFAMethods},
	{"Tenant Settings", "Password Policy", "/settings/password-policy", authz.ReadMFAMethods},
	{"Tenant Settings", "Brute Force Protection", "/settings/brute-force", authz.ReadBruteForceProtectionSettings},
	{"Tenant Settings", "Single Sign-On", "/settings/sso", authz.ReadMFAMethods},
	{"Monitoring", "System overview", "/overview", authz.ReadSystemEnvironment},
	{"Monitoring", "Audit log", "/audit", authz.ReadAuditEvents},
}

// Nav builds the navigation for a viewer; the entry matching path is active.
func Nav(tenantSlug string, perms authz.Set, path string) []layout.NavSection {
	base := "/t/" + tenantSlug
	var out []layout.NavSection
	for _, e := range navEntries {
		if !perms.Can(e.perm) && !(e.path == "/organizations" && perms.CanAnywhere(e.perm)) { // an Organization Admin's own
			continue
		}
		href := base + e.path
		active := path == href || (e.path != "/" && strings.HasPrefix(path, href+"/")) || (e.path == "/" && path == base)
		if len(out) == 0 || out[len(out)-1].Title != e.section {
			out = append(out, layout.NavSection{Title: e.section})
		}
		s := &out[len(out)-1]
		s.Items = append(s.Items, layout.NavItem{Label: e.label, Href: href, Active: active})
	}
	return out
}
