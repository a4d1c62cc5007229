package pages

import (
	"gatehouse/views/components"
	"regexp"
	"strconv"
)

// OrgTab is one tab of an organization's pages.
type OrgTab struct {
	Label  string
	Href   string
	Count  string // "" for none
	Active bool
}

// OrgHeader is what every page of an organization shows on top.
type OrgHeader struct {
	Name        string
	DisplayName string
	Href        string // /t/{tenant}/organizations/{name}
	Tabs        []OrgTab
	// RolesHref is User Management > Roles for a viewer who may create
	// roles there (Manage Roles), "" for one who may not.
	RolesHref string
}

// OrgRow is one row of the Organizations list.
type OrgRow struct {
	Href        string
	Name        string
	DisplayName string
	Members     string
	Created     string
}

// OrgListData is /t/{tenant}/organizations.
type OrgListData struct {
	Rows      []OrgRow
	Search    string
	Pager     components.Pager
	CanCreate bool
}

// OrgNewData is Create Organization as typed.
type OrgNewData struct {
	Name        string
	DisplayName string
	Errors      map[string]string
}

// OrgPair is one metadata pair shown or edited.
type OrgPair struct {
	Key   string
	Value string
}

// OrgSettingsForm is the Overview form as typed (or as stored).
type OrgSettingsForm struct {
	Version             int64
	DisplayName         string
	LogoURL             string
	PrimaryColor        string
	PageBackgroundColor string
	Metadata            []OrgPair // includes blank rows to fill in
	Errors              map[string]string
}

// OrgConflictRow is a field whose current value differs from what the
// viewer typed, shown after a refused (stale) save.
type OrgConflictRow struct {
	Field   string
	Yours   string
	Current string
}

// OrgOverviewData is an organization's Overview tab.
type OrgOverviewData struct {
	Header OrgHeader
	// Stored values, for the read-only view.
	DisplayName         string
	LogoURL             string
	PrimaryColor        string
	PageBackgroundColor string
	Metadata            []OrgPair
	Created             string
	Updated             string
	UpdatedBy           string
	Version             int64
	Form                OrgSettingsForm
	MetadataMax         int
	KeyMax, ValueMax    int
	CanManage           bool
	Conflict            string // the "changed since you opened it" message, "" when none
	ConflictRows        []OrgConflictRow
}

// OrgMemberRow is one member on the Members tab.
type OrgMemberRow struct {
	ID        int64  // the user's id (the bulk checkbox's value)
	Href      string // the member's page in this organization
	UserHref  string // the user's page, "" when the viewer cannot read users
	Name      string
	Email     string
	Status    string
	Roles     []string
	Added     string
	RemoveURL string
}

// OrgCandidateRow is a user offered by the no-script search of the Members tab.
type OrgCandidateRow struct {
	Email  string
	Name   string
	Member bool
}

// OrgMembersData is an organization's Members tab.
type OrgMembersData struct {
	Header        OrgHeader
	Rows          []OrgMemberRow
	Total         string
	Pager         components.Pager
	CanManage     bool
	CanPick       bool   // the viewer may search users (Read Users)
	CandidatesURL string // the picker's JSON endpoint
	Email         string // typed into Add Members
	Errors        map[string]string
	Find          string // the no-script search
	Found         []OrgCandidateRow
	Searched      bool
	Search        string   // the search among members
	ListHref      string   // the Members tab
	BulkRoles     []Option // the roles the bulk action may give
}

// OrgRoleRow is a role a member holds.
type OrgRoleRow struct {
	Name        string
	Description string
	RemoveURL   string
}

// OrgMemberData is one member's page: their roles in the organization.
type OrgMemberData struct {
	Header      OrgHeader
	BaseURL     string // .../members/{user}
	Name        string
	Email       string
	UserHref    string
	Status      string
	Added       string
	Roles       []OrgRoleRow
	RoleOptions []Option
	MoreRoles   bool // the tenant has more roles than the select offers
	Role        string
	RoleName    string // with MoreRoles: a role typed by name
	Errors      map[string]string
	CanManage   bool
}

// OrgInvitationRow is one pending invitation.
type OrgInvitationRow struct {
	Email     string
	Roles     []string
	InvitedBy string
	Created   string
	Expires   string
	ResendURL string
	RevokeURL string
}

// OrgRoleChoice is an end-user role offered by the invitation form.
type OrgRoleChoice struct {
	ID          string
	Name        string
	Description string
	Checked     bool
}

// OrgInvitationsData is an organization's Invitations tab.
type OrgInvitationsData struct {
	Header        OrgHeader
	Rows          []OrgInvitationRow
	Pager         components.Pager
	CanManage     bool
	Email         string
	Roles         []OrgRoleChoice
	MoreRoles     bool   // the tenant has more roles than the form offers
	OtherRoles    string // with MoreRoles: roles beyond the list, typed by name
	ExpiresInDays string
	MaxDays       int
	Errors        map[string]string
}

// OrgConnectionRow is one enabled connection.
type OrgConnectionRow struct {
	Href           string // the connection's page, "" when the viewer cannot read connections
	Name           string
	DisplayName    string
	Strategy       string
	Type           string
	Disabled       bool // disabled tenant-wide
	AutoMembership bool
	UpdateURL      string
	DisableURL     string
}

// OrgConnectionsData is an organization's Connections tab.
type OrgConnectionsData struct {
	Header         OrgHeader
	Rows           []OrgConnectionRow
	Available      []Option
	CanManage      bool
	Connection     string
	AutoMembership bool
	Errors         map[string]string
}

// OrgDeleteData is the confirmation before an organization is deleted.
type OrgDeleteData struct {
	Header      OrgHeader
	Members     int64
	Invitations int64
	Connections int64
	Confirm     string
	Errors      map[string]string
	StepUp      components.StepUp
}

// OrgInvitationPageData is /o/{organization}/invitations/{token}: join the
// organization by creating a user (Mode "create") or signing in with the
// existing one ("signin"); an existing user who has no password
// ("no-password") is told what to do instead, with no form.
type OrgInvitationPageData struct {
	Action         string
	Mode           string
	OrgDisplayName string
	TenantName     string
	Email          string
	InvitedBy      string
	Roles          []string
	GivenName      string
	FamilyName     string
	Policy         []string
	Errors         map[string]string
}

// OrgJoinedData is shown once an invitation was accepted.
type OrgJoinedData struct {
	OrgDisplayName string
	Message        string
}

// orgCount writes a count with its noun: "1 member", "1,234 members".
func orgCount(n int64, one, many string) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if n == 1 {
		return s + " " + one
	}
	return s + " " + many
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

var orgColorRE = regexp.MustCompile(`^#[0-9a-f]{6}$`)

// isColor reports whether s is a "#rrggbb" color that may be drawn.
func isColor(s string) bool { return orgColorRE.MatchString(s) }
