package pages

import "gatehouse/views/components"

// WorkspaceRow is one row of the Workspaces list.
type WorkspaceRow struct {
	Href        string
	Name        string
	Slug        string
	Description string
	Admins      int64
	Auditors    int64
}

// WorkspaceListData is /t/{tenant}/workspaces.
type WorkspaceListData struct {
	Rows      []WorkspaceRow
	Search    string
	Pager     components.Pager
	CanCreate bool
	// Scoped is true when the viewer sees only the workspaces their
	// workspace roles are bound to.
	Scoped bool
}

// WorkspaceForm is Create Workspace and the workspace's settings as typed.
type WorkspaceForm struct {
	Name        string
	Slug        string
	Description string
	Errors      map[string]string
}

// WorkspaceTab is one tab of a workspace's pages.
type WorkspaceTab struct {
	Label  string
	Href   string
	Active bool
}

// WorkspaceHeader is what every page of a workspace shows on top.
type WorkspaceHeader struct {
	Name        string
	Slug        string
	Description string
	Href        string // /t/{tenant}/workspaces/{workspace}
	Tabs        []WorkspaceTab
}

// WorkspaceShowData is /t/{tenant}/workspaces/{workspace}.
type WorkspaceShowData struct {
	Header    WorkspaceHeader
	Created   string
	Updated   string
	Admins    int64
	Auditors  int64
	AccessURL string // "" when the viewer cannot read Manage Access
	CanUpdate bool
	CanDelete bool
	Form      WorkspaceForm
	Theme     *WorkspaceThemeSection // nil when the viewer may not read the theme binding
}

// AccessRow is one binding of a workspace's Manage Access.
type AccessRow struct {
	ID         int64
	Name       string
	Email      string
	Status     string
	Role       string
	GrantedBy  string
	Since      string // the day it was granted
	SinceTitle string // when exactly
	Until      string // the last day it grants, or "Never"
	UntilTitle string // when exactly it ends
	Expired    bool
	RemoveURL  string
	Own        bool // the viewer's own: Remove asks on a page of its own
}

// WorkspaceAccessData is /t/{tenant}/workspaces/{workspace}/access.
type WorkspaceAccessData struct {
	Header        WorkspaceHeader
	Rows          []AccessRow
	Pager         components.Pager
	CanManage     bool
	RoleOptions   []Option
	CandidatesURL string
	// CandidatesMinChars is how many characters the picker needs before
	// it offers anyone (0: none needed).
	CandidatesMinChars int
	User               string
	Role               string
	ExpiresAt          string
	MinDate            string
	// Invite is what was typed into Invite (its errors are "invite-" + field).
	Invite InviteForm
	Errors map[string]string
}

// WorkspaceDeleteData is the confirmation page before deleting a workspace.
type WorkspaceDeleteData struct {
	Header   WorkspaceHeader
	Bindings int64       // every Manage Access binding that goes with it
	People   []AccessRow // the first of them, to name who loses access
	Confirm  string
	Errors   map[string]string
	StepUp   components.StepUp
}

// OverviewTemplate is one e-mail the system sends, as a sample.
type OverviewTemplate struct {
	Name    string
	When    string
	Subject string
	Body    string
}

// OverviewItem is one labelled line of the System overview.
type OverviewItem struct {
	Label  string
	Value  string
	Detail string
	Href   string
}

// OverviewNotification is one notice of the System overview.
type OverviewNotification struct {
	Kind    string // "warning" or "info"
	Message string
}

// OverviewData is /t/{tenant}/overview: the tenant's overall state, what
// deserves attention, the services and APIs it offers, and the templates of
// the e-mails it sends. Each part is shown only to those who may read it.
type OverviewData struct {
	Environment   []OverviewItem // nil when not readable
	ShowNotices   bool
	Notifications []OverviewNotification
	Services      []OverviewItem // nil when not readable
	APIs          []OverviewItem // nil when not readable
	Templates     []OverviewTemplate
	ShowTemplates bool
}

// InviteForm is what was typed into Manage Access > Invite.
type InviteForm struct{ Email, GivenName, FamilyName, Role string }
