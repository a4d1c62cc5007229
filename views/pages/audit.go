package pages

import "gatehouse/views/components"

// AuditChange is one changed field of an audit event, its values already
// formatted for display ("—" for none).
type AuditChange struct {
	Field  string // "" when the event's changes could not be read as fields
	Before string
	After  string
}

// AuditRow is one event of the Audit log.
type AuditRow struct {
	Time        string // "2006-01-02T15:04:05Z", UTC
	Datetime    string // RFC 3339, for <time datetime>
	Actor       string // "" when no administrator acted (the command line, the system)
	ActorHref   string // the log filtered by this actor
	Action      string // the code ("administrator.signed_in"), shown on hover
	ActionLabel string // in words ("Administrator signed in")
	ActionHref  string // the log filtered by this action
	Target      string
	TargetHref  string // the target's page, "" when it is gone or not readable
	TargetType  string
	Changes     []AuditChange
	IP          string
	UserAgent   string
}

// AuditFilterForm is the filter form as typed (kept on errors).
type AuditFilterForm struct {
	Actor  string
	Action string
	Target string
	From   string
	To     string
}

// AuditActionOption is one choice of the action filter.
type AuditActionOption struct {
	Value string
	Label string
}

// AuditActionGroup is the actions on one kind of object ("administrator"),
// led by a choice matching all of them ("administrator.*").
type AuditActionGroup struct {
	Label   string // "" for options outside any group
	Options []AuditActionOption
}

// AuditData is the Audit log page.
type AuditData struct {
	Filter     AuditFilterForm
	Errors     map[string]string // by field: "from", "to"
	Actions    []AuditActionGroup
	Filtered   bool // some filter is set
	Rows       []AuditRow
	ListHref   string           // the form's action and the Clear link
	ExportHref string           // the CSV of the filtered list; "" while the filters are invalid
	Pager      components.Pager // Older events, back to the Newest
	EmptyHint  string           // what an empty log says; "" for the tenant's wording
	Chain      *AuditChainView  // the hash chain's verification; nil on a workspace's screen
}

// AuditChainView is how far the tenant's hash-chained audit log has been
// verified (by the background check or `gatehouse audit verify`).
type AuditChainView struct {
	Events        int64  // events in the chain
	VerifiedSeq   int64  // every event up to this position is verified
	VerifiedAt    string // when the verified part last grew; "" never
	FullCheckAt   string // when the whole verified part was last walked again; "" never
	Broken        bool
	BrokenSeq     int64
	BrokenEventID int64
	Problem       string
}
