package pages

import (
	"strconv"

	"gatehouse/views/components"
)

// The pages of a workspace's application resources (services, clients,
// policies, authorizers, claims, custom apps) share one list, one form,
// one show page and one delete confirmation; what differs is data.

// ResCell is one cell of a resource list.
type ResCell struct {
	Text  string
	Href  string
	Code  bool
	Muted bool
}

// ResListData is a resource list: /t/{tenant}/workspaces/{workspace}/clients...
type ResListData struct {
	Header      WorkspaceHeader
	Title       string // "Clients"
	Intro       string
	Noun        string // "client", for the empty state
	ListHref    string
	NewHref     string // "" when the viewer may not create
	NewLabel    string // "Create Client"
	ExtraHref   string // another action of the list (Claims: Preview)
	ExtraLabel  string
	Search      string
	SearchLabel string // placeholder
	Columns     []string
	Rows        [][]ResCell
	Pager       components.Pager
	// NextHref and FirstHref are the links of lists not yet on Pager.
	//
	// Deprecated: set Pager.
	NextHref, FirstHref string
}

// ResOption is one choice of a select or checkbox list.
type ResOption struct {
	Value, Label string
	Selected     bool
}

// ResField is one field of a resource form. Kind: "text" (default),
// "textarea", "select", "checkboxes", "number", "readonly", "hidden".
type ResField struct {
	Kind      string
	Label     string
	Name      string
	Value     string
	Help      string
	Error     string
	Options   []ResOption
	Rows      int
	MaxLength int
	Optional  bool
	Mono      bool
	// CopyFrom (hidden fields): a CSS selector of a field elsewhere on the
	// page whose value app.js copies in when the form is sent (without
	// JavaScript the field keeps Value).
	CopyFrom string
}

// ResForm is a form of a resource page.
type ResForm struct {
	ID     string // section id
	Title  string // section heading ("" none)
	Intro  string
	Action string
	Submit string
	Danger bool
	Fields []ResField
	Error  string // about the whole form
}

// ResDetail is one line of a resource's details.
type ResDetail struct {
	Label string
	Value string
	List  []string
	Code  bool
}

// ResSecret is a secret shown once.
type ResSecret struct {
	Label string // "Client secret"
	Value string
	Note  string
}

// ResTableSection is a table on a show page (scopes, APIs) with a remove
// button per row when RemoveHrefs is set.
type ResTableSection struct {
	ID          string
	Title       string
	Intro       string
	Columns     []string
	Rows        [][]ResCell
	RemoveHrefs []string // one per row, "" none
	Empty       string
	Error       string
}

// ResResult is an outcome shown on a show page (Test, Preview).
type ResResult struct {
	ID    string
	Kind  string // "allow", "deny", "error", "info"
	Title string
	Lines []string
	Code  string // preformatted (a script's output), after the lines
}

// ResShowData is a resource's page.
type ResShowData struct {
	Header     WorkspaceHeader
	Title      string
	ListHref   string
	ListLabel  string
	ReadOnly   bool // the viewer may only read: say so
	Conflict   string
	Secret     *ResSecret
	Details    []ResDetail
	Results    []ResResult
	Forms      []ResForm // edit, rotate, test, preview... in order
	Tables     []ResTableSection
	After      []ResForm // forms after the tables (add scope, add API, import)
	DeleteHref string    // "" when the viewer may not delete
	Noun       string
}

// ResNewData is a Create page.
type ResNewData struct {
	Header   WorkspaceHeader
	Title    string
	Intro    string
	Form     ResForm
	ListHref string
}

// ResDeleteData is the confirmation before deleting a resource.
type ResDeleteData struct {
	Header   WorkspaceHeader
	Title    string // "Delete Accounts?"
	Lines    []string
	Action   string
	Submit   string // "Delete service"
	BackHref string
	Error    string
}

func rowsOf(n int) string {
	if n <= 0 {
		n = 4
	}
	return strconv.Itoa(n)
}
