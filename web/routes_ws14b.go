package web

import (
	"net/http"

	"gatehouse/handlers"
	"gatehouse/models/authz"
)

// ws14bRoutes are the identity providers of every workspace (one is
// "/workspaces/:workspace"; the Admin workspace's Built in Admin IDP among
// them), the tenant's themes and each workspace's theme binding with the
// preview of its sign-in page. Reading needs the read permission (in the
// workspace for its IDPs and binding), every change the manage one.
func ws14bRoutes(t tenantRoutes, h *handlers.Handler, one string) {
	load := t.guards.IDPThemeLoaders()
	need := t.need
	needIn := t.needIn

	idps, idp := one+"/idps", one+"/idps/:idp"
	needIn(http.MethodGet, idps, h.IDPList, authz.ReadWorkspaceIDPs)
	needIn(http.MethodGet, idps+"/new", h.IDPNewForm, authz.ManageWorkspaceIDPs)
	needIn(http.MethodPost, idps+"/new", h.IDPCreate, authz.ManageWorkspaceIDPs)
	needIn(http.MethodPost, idps, h.IDPCreate, authz.ManageWorkspaceIDPs)
	needIn(http.MethodGet, idp, h.IDPShow, authz.ReadWorkspaceIDPs, load.IDP)
	needIn(http.MethodPost, idp, h.IDPUpdate, authz.ManageWorkspaceIDPs, load.IDP)
	needIn(http.MethodGet, idp+"/delete", h.IDPDeleteForm, authz.ManageWorkspaceIDPs, load.IDP)
	needIn(http.MethodPost, idp+"/delete", h.IDPDelete, authz.ManageWorkspaceIDPs, load.IDP)

	const themes, theme = "/themes", "/themes/:theme"
	need(http.MethodGet, themes, h.ThemeList, authz.ReadThemes)
	need(http.MethodGet, themes+"/new", h.ThemeNewForm, authz.ManageThemes)
	need(http.MethodPost, themes+"/new", h.ThemeCreate, authz.ManageThemes)
	need(http.MethodPost, themes, h.ThemeCreate, authz.ManageThemes)
	need(http.MethodGet, theme, h.ThemeShow, authz.ReadThemes, load.Theme)
	need(http.MethodPost, theme, h.ThemeUpdate, authz.ManageThemes, load.Theme)
	need(http.MethodGet, theme+"/delete", h.ThemeDeleteForm, authz.ManageThemes, load.Theme)
	need(http.MethodPost, theme+"/delete", h.ThemeDelete, authz.ManageThemes, load.Theme)

	// The workspace's theme is chosen on its page (the Theme section posts
	// here); the preview changes nothing.
	needIn(http.MethodPost, one+"/theme", h.WorkspaceThemeSave, authz.ManageWorkspaceThemeBinding)
	needIn(http.MethodGet, one+"/theme/preview", h.ThemePreview, authz.ReadWorkspaceThemeBinding)
	// A theme previewed before it is chosen: part of choosing.
	needIn(http.MethodGet, one+"/theme/preview/:theme", h.ThemePreviewOf, authz.ManageWorkspaceThemeBinding, load.Theme)
}
