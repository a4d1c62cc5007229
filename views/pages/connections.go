package pages

import "gatehouse/views/components"

// ConnectionRow is one row of the Connections list.
type ConnectionRow struct {
	Href        string
	Name        string
	Type        string // "Database", "Social", "Enterprise"
	Strategy    string
	DisplayName string
	Enabled     bool
}

// ConnectionTab is one type filter above the list.
type ConnectionTab struct {
	Label   string
	Href    string
	Current bool
}

// ConnectionListData is Authentication > Connections.
type ConnectionListData struct {
	Tabs      []ConnectionTab
	TypeName  string // the filtered type's name, "" for all
	Rows      []ConnectionRow
	Pager     components.Pager
	CanCreate bool
}

// StrategyGroup is the strategies of one connection type, for a select.
type StrategyGroup struct {
	Label   string
	Options []Option
}

// ConnectionNewData is the Create Connection form.
type ConnectionNewData struct {
	Name        string
	Strategy    string
	DisplayName string
	Strategies  []StrategyGroup
	Errors      map[string]string
}

// ConnectionShowData is a connection's page and settings form.
type ConnectionShowData struct {
	BaseURL     string
	Name        string
	Type        string
	Strategy    string
	DisplayName string
	Enabled     bool
	Created     string
	Updated     string
	CanUpdate   bool
	CanDelete   bool
	// The settings form as typed.
	FormDisplayName string
	FormEnabled     bool
	Errors          map[string]string
}

// ConnectionDeleteData is the confirmation before a connection is deleted.
type ConnectionDeleteData struct {
	BaseURL  string
	Name     string
	Strategy string
	Confirm  string
	Errors   map[string]string
}
