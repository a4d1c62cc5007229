package web

import (
	"net/http"

	"gatehouse/handlers"
	"gatehouse/models/authz"
	gm "gatehouse/web/middleware"
)

// apiWS14bRoutes are the management API's routes of a workspace's
// identity providers, the tenant's themes with each workspace's theme
// binding, and the tenant's permission systems with their tuples and
// Check: each with the permission and the loaders of its console page
// (web/routes_ws14b.go, web/routes_ws14c.go).
func apiWS14bRoutes(a apiTable, h *handlers.Handler, guards *gm.Guards) {
	const get, post, put, patch, del = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete
	type d = handlers.APIDoc
	load, ps := guards.IDPThemeLoaders(), guards.PermSystemLoaders()
	const version = " (the fields sent; optimistic locking with version)"

	// Identity providers of a workspace (the Admin workspace's Built in
	// Admin IDP among them: never deleted).
	const idps, idp = "/workspaces/:workspace/idps", "/workspaces/:workspace/idps/:idp"
	const tagIDP = "Identity providers"
	a.needIn(get, idps, h.APIIDPList, authz.ReadWorkspaceIDPs, d{Summary: "List the workspace's identity providers by name", Tag: tagIDP, Response: handlers.APIIDP{}, List: true, Query: []string{"q"}})
	a.needIn(post, idps, h.APIIDPCreate, authz.ManageWorkspaceIDPs, d{Summary: "Create an identity provider (a client secret is write-only)", Tag: tagIDP, Request: handlers.APIIDPInput{}, Response: handlers.APIIDP{}, Status: http.StatusCreated})
	a.needIn(get, idp, h.APIIDPGet, authz.ReadWorkspaceIDPs, d{Summary: "Get an identity provider (never its client secret)", Tag: tagIDP, Response: handlers.APIIDP{}}, load.IDP)
	a.needIn(patch, idp, h.APIIDPUpdate, authz.ManageWorkspaceIDPs, d{Summary: "Update an identity provider" + version, Tag: tagIDP, Request: handlers.APIIDPUpdate{}, Response: handlers.APIIDP{}}, load.IDP)
	a.needIn(del, idp, h.APIIDPDelete, authz.ManageWorkspaceIDPs, d{Summary: "Delete an identity provider (the Built in Admin IDP: 409)", Tag: tagIDP, Status: http.StatusNoContent}, load.IDP)

	// Themes (tenant-wide) and the workspace's theme binding.
	const themes, theme = "/themes", "/themes/:theme"
	a.need(get, themes, h.APIThemeList, authz.ReadThemes, d{Summary: "List the tenant's themes by name", Tag: "Themes", Response: handlers.APITheme{}, List: true, Query: []string{"q"}})
	a.need(post, themes, h.APIThemeCreate, authz.ManageThemes, d{Summary: "Create a theme", Tag: "Themes", Request: handlers.APIThemeInput{}, Response: handlers.APITheme{}, Status: http.StatusCreated})
	a.need(get, theme, h.APIThemeGet, authz.ReadThemes, d{Summary: "Get a theme", Tag: "Themes", Response: handlers.APITheme{}}, load.Theme)
	a.need(patch, theme, h.APIThemeUpdate, authz.ManageThemes, d{Summary: "Update a theme" + version, Tag: "Themes", Request: handlers.APIThemeUpdate{}, Response: handlers.APITheme{}}, load.Theme)
	a.need(del, theme, h.APIThemeDelete, authz.ManageThemes, d{Summary: "Delete a theme (the workspaces that used it get the default look)", Tag: "Themes", Status: http.StatusNoContent}, load.Theme)
	const binding = "/workspaces/:workspace/theme"
	a.needIn(get, binding, h.APIWorkspaceThemeGet, authz.ReadWorkspaceThemeBinding, d{Summary: "Get the workspace's theme", Tag: "Themes", Response: handlers.APIWorkspaceTheme{}})
	a.needIn(put, binding, h.APIWorkspaceThemeSet, authz.ManageWorkspaceThemeBinding, d{Summary: "Set the workspace's theme (null: the default look)", Tag: "Themes", Request: handlers.APIWorkspaceThemeInput{}, Response: handlers.APIWorkspaceTheme{}})

	// Permission systems: reading and Check (which changes nothing) need
	// Read Permission Systems, every change Manage Permission Systems.
	const systems, system = "/permission-systems", "/permission-systems/:system"
	const tagPS = "Permission systems"
	a.need(get, systems, h.APIPermSystemList, authz.ReadPermissionSystems, d{Summary: "List the tenant's permission systems by name", Tag: tagPS, Response: handlers.APIPermissionSystem{}, List: true, Query: []string{"q"}})
	a.need(post, systems, h.APIPermSystemCreate, authz.ManagePermissionSystems, d{Summary: "Create a permission system (its OpenFGA model checked)", Tag: tagPS, Request: handlers.APIPermissionSystemInput{}, Response: handlers.APIPermissionSystem{}, Status: http.StatusCreated})
	a.need(get, system, h.APIPermSystemGet, authz.ReadPermissionSystems, d{Summary: "Get a permission system", Tag: tagPS, Response: handlers.APIPermissionSystem{}}, ps.System)
	a.need(patch, system, h.APIPermSystemUpdate, authz.ManagePermissionSystems, d{Summary: "Update a permission system" + version, Tag: tagPS, Request: handlers.APIPermissionSystemUpdate{}, Response: handlers.APIPermissionSystem{}}, ps.System)
	a.need(del, system, h.APIPermSystemDelete, authz.ManagePermissionSystems, d{Summary: "Delete a permission system with its tuples", Tag: tagPS, Status: http.StatusNoContent}, ps.System)
	a.need(get, system+"/tuples", h.APIPermTupleList, authz.ReadPermissionSystems, d{Summary: "List a permission system's tuples in the order written", Tag: tagPS, Response: handlers.APIPermissionTuple{}, List: true}, ps.System)
	a.need(post, system+"/tuples", h.APIPermTupleAdd, authz.ManagePermissionSystems, d{Summary: "Add a tuple (checked against the model)", Tag: tagPS, Request: handlers.APITupleInput{}, Response: handlers.APIPermissionTuple{}, Status: http.StatusCreated}, ps.System)
	a.need(del, system+"/tuples/:tuple", h.APIPermTupleRemove, authz.ManagePermissionSystems, d{Summary: "Remove a tuple", Tag: tagPS, Status: http.StatusNoContent}, ps.System, ps.Tuple)
	a.need(post, system+"/check", h.APIPermCheck, authz.ReadPermissionSystems, d{Summary: "Check whether a subject has a relation to an object (with the path that allowed it); changes nothing", Tag: tagPS, Request: handlers.APITupleInput{}, Response: handlers.APICheckResult{}}, ps.System)
}
