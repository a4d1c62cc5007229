package layout

// WorkspaceSwitcher is the top bar's menu of the workspaces the viewer can
// see, for administrators of several.
type WorkspaceSwitcher struct {
	Current string    // the name of the workspace being viewed, "" outside one
	Items   []NavItem // one per workspace; Active marks the current one
	AllHref string    // the Workspaces list, when it has more; "" otherwise
}
