package pages

import "gatehouse/views/components"

// PermSystemRow is one row of the Permission Systems list.
type PermSystemRow struct {
	Href, Name, Description string
	Tuples                  int64
	Updated                 string
}

// PermSystemListData is /t/{tenant}/permission-systems.
type PermSystemListData struct {
	Rows    []PermSystemRow
	Search  string
	Pager   components.Pager
	NewHref string // "" when the viewer may not create
}

// PermSystemType is a type of the model with its relations, for help.
type PermSystemType struct {
	Name      string
	Relations []string // "viewer [user, group#member]" or "can_view (computed)"
}

// PermCheckResult is the answer of Check.
type PermCheckResult struct {
	Allowed bool
	Query   string // "user:ann viewer document:plan"
	Steps   []PermCheckStep
}

// PermCheckStep is one step of the path that allowed a check.
type PermCheckStep struct {
	Kind  string
	Depth int
	Text  string
}

// PermSystemShowData is a permission system's page.
type PermSystemShowData struct {
	Title     string
	ListHref  string
	ReadOnly  bool
	Conflict  string
	Details   []ResDetail
	Model     string
	Types     []PermSystemType
	Check     ResForm
	Result    *PermCheckResult
	Tuples    ResTableSection
	AddTuple  *ResForm
	Settings  *ResForm
	Danger    *components.DangerZone
	Ignored   int // tuples that do not fit the model
	MaxTuples int
}

// PermSystemNewData is Create Permission System.
type PermSystemNewData struct {
	Form     ResForm
	ListHref string
}

// PermSystemDeleteData confirms a deletion.
type PermSystemDeleteData struct {
	Name     string
	Tuples   int64
	Action   string
	BackHref string
}
