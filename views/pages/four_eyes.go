package pages

// ApprovalRow is one pending (or decided) change on Tenant Settings > Approvals.
type ApprovalRow struct {
	ID        int64
	Kind      string
	Summary   string
	Requester string
	Email     string
	Requested string
	Expires   string
	Status    string // pending, approved, rejected, expired
	DecidedBy string
	Note      string
	Mine      bool // the viewer requested it
	// The decision form (empty: none offered to the viewer).
	ApproveURL string
	RejectURL  string
	AskStepUp  bool
}

// ApprovalsData is Tenant Settings > Approvals (four eyes).
type ApprovalsData struct {
	On        bool // the tenant's require_approval
	Pending   []ApprovalRow
	Recent    []ApprovalRow
	CanDecide bool
	OwnOnly   bool // the viewer sees only the changes they requested
	Errors    map[string]string
}
