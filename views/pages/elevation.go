package pages

import "gatehouse/views/components"

// ElevationRow is one elevation request in a list.
type ElevationRow struct {
	ID         int64
	Requester  string
	Email      string
	Role       string
	Where      string
	Hours      int
	Reason     string
	Status     string
	BreakGlass bool
	Requested  string
	DecidedBy  string
	Until      string
	Expired    bool
	// On the approvers' page: the decision forms (empty: none offered).
	ApproveURL string
	DenyURL    string
	AskStepUp  bool
}

// ElevationData is Account > Elevation: the request form, break-glass
// (for the tenant's break-glass administrators) and the viewer's requests.
type ElevationData struct {
	Roles      []Option
	Role       string
	Workspace  string
	Hours      string
	Reason     string
	Errors     map[string]string
	BreakGlass bool
	GlassError string
	Rows       []ElevationRow
}

// ElevationRequestsData is Tenant Settings > Elevation Requests.
type ElevationRequestsData struct {
	Pending   []ElevationRow
	Recent    []ElevationRow
	CanDecide bool
	StepUp    components.StepUp
	Errors    map[string]string
}

// BreakGlassData is the break-glass section of Tenant Settings > Tenant.
type BreakGlassData struct {
	Action    string
	Value     string // e-mails, comma separated
	Error     string
	CanManage bool
}
