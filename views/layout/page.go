// Package layout is the page shell: navigation built from the viewer's
// permissions, breadcrumbs, the signed-in administrator and flash messages.
package layout

// Crumb is one breadcrumb; the last has no link.
type Crumb struct {
	Label string
	Href  string
}

// NavItem is one link of the left navigation.
type NavItem struct {
	Label  string
	Href   string
	Active bool
}

// NavSection groups navigation links under a heading.
type NavSection struct {
	Title string
	Items []NavItem
}

// Flash is a one-time message.
type Flash struct {
	Kind    string
	Message string
}

// Viewer is who is signed in, as the shell shows it.
type Viewer struct {
	Name  string
	Email string
	Roles []string
}

// Page is everything the shell needs besides the page's own content.
type Page struct {
	Title      string
	Crumbs     []Crumb
	TenantName string
	TenantSlug string
	Viewer     *Viewer
	Nav        []NavSection
	Switcher   *WorkspaceSwitcher // nil unless the viewer sees several workspaces
	CSRF       string
	Flash      *Flash
	ReadOnly   bool
	CSS        string
	JS         string
	RequestID  string
}

// SignedIn reports whether the page is shown to a signed-in administrator.
func (p Page) SignedIn() bool { return p.Viewer != nil && p.TenantSlug != "" }

// TenantPath returns a path under the page's tenant.
func (p Page) TenantPath(rest string) string { return "/t/" + p.TenantSlug + rest }

// FullTitle is the document title.
func (p Page) FullTitle() string {
	if p.Title == "" {
		return "Gatehouse"
	}
	if p.TenantName != "" {
		return p.Title + " · " + p.TenantName + " · Gatehouse"
	}
	return p.Title + " · Gatehouse"
}
