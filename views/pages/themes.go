package pages

import "gatehouse/views/components"

// ThemeRow is one theme of the Themes list.
type ThemeRow struct {
	Name, Href            string
	PrimaryColor, BgColor string // #rrggbb (validated by the model)
	Font                  string
	LogoURL               string
}

// ThemeListData is /t/{tenant}/themes.
type ThemeListData struct {
	Rows     []ThemeRow
	Search   string
	ListHref string
	NewHref  string // "" when the viewer may not create
	Pager    components.Pager
}

// ThemeFormData is Create Theme, or a theme's settings.
type ThemeFormData struct {
	Title    string
	Action   string
	Submit   string
	ListHref string
	Fields   []ResField
	Error    string
}

// ThemeShowData is a theme's page.
type ThemeShowData struct {
	Name         string
	ListHref     string
	ReadOnly     bool
	Conflict     string
	PrimaryColor string
	BgColor      string
	Details      []ResDetail
	Workspaces   []ThemeWorkspace
	Form         *ResForm
	DeleteHref   string
}

// ThemeWorkspace is a workspace that uses a theme.
type ThemeWorkspace struct {
	Name, Href string
}

// ThemeDeleteData confirms the deletion of a theme.
type ThemeDeleteData struct {
	Name       string
	Action     string
	CancelHref string
	Workspaces []ThemeWorkspace
}

// WorkspaceThemeSection is the Theme section of a workspace's page: the
// theme its sign-in page uses, the choice of another for those who may,
// and the preview.
type WorkspaceThemeSection struct {
	Current     string // "" none: the default look
	CurrentHref string // the theme's page, for those who may read themes
	PreviewHref string
	Action      string // "" when the viewer may not change it
	Options     []ResOption
	Error       string
	// Previews are the tenant's themes, each with the preview of the
	// sign-in page in it (for those who choose: nothing is bound).
	Previews []ThemePreviewLink
}

// ThemePreviewLink is a theme and the preview of the workspace's sign-in
// page with it.
type ThemePreviewLink struct {
	Name, Href string
}

// ThemePreviewData is the preview of a workspace's sign-in page with its
// theme. Its colours are #rrggbb (checked again before they are written
// into the page's nonce'd style element), its font one of a fixed list.
type ThemePreviewData struct {
	CSS, JS      string
	Nonce        string
	Workspace    string
	Tenant       string
	ThemeName    string // "" none: the default look
	PrimaryColor string
	BgColor      string
	FontStack    string
	LogoURL      string
	BackHref     string
	// Candidate: a theme previewed before it is chosen (the workspace
	// uses Current, "" the default look).
	Candidate bool
	Current   string
}
