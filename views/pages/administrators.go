package pages

import "gatehouse/views/components"

// RoleBadge is a role as a badge: its name, and whether it has expired.
type RoleBadge struct {
	Name    string
	Expired bool
	Until   string // "" when it does not expire
}

// AdminRow is one row of the Administrators list.
type AdminRow struct {
	Href       string
	Name       string
	Email      string
	Roles      []RoleBadge
	Status     string
	LastSignIn string
}

// AdminListData is the Administrators list.
type AdminListData struct {
	Rows      []AdminRow
	Search    string
	Pager     components.Pager
	CanCreate bool
	// The filters (role, status) and the order (sort) chosen, their
	// choices, and how many administrators the filters keep.
	Role, Status, Sort     string
	Roles, Statuses, Sorts []Option
	Filtered               bool
	Total                  string // "1,234 administrators", "More than 100,000 administrators"
}

// Option is one choice of a select.
type Option struct {
	Value    string
	Label    string
	Disabled bool
	Reason   string
	Group    string // the <optgroup> it is shown in ("": none)
}

// optionGroup is a run of options of the same Group.
type optionGroup struct {
	Label   string
	Options []Option
}

// optionGroups splits opts into runs of the same Group, in order.
func optionGroups(opts []Option) []optionGroup {
	var out []optionGroup
	for _, o := range opts {
		if len(out) == 0 || out[len(out)-1].Label != o.Group {
			out = append(out, optionGroup{Label: o.Group})
		}
		out[len(out)-1].Options = append(out[len(out)-1].Options, o)
	}
	return out
}

// AdminNewData is the Create New form.
type AdminNewData struct {
	Email      string
	GivenName  string
	FamilyName string
	Role       string
	Roles      []Option // tenant roles, then workspace roles (Group)
	Workspace  string   // the slug of a workspace role's workspace
	Errors     map[string]string
	// ExistingHref is the User Profile of the administrator who already
	// has the e-mail typed (ExistingName), when that is the error.
	ExistingHref, ExistingName string
	// AskStepUp: the viewer may grant Tenant Admin, which needs a step-up.
	AskStepUp bool
	StepUp    components.StepUp
}

// BindingRow is a role binding on the User Profile.
type BindingRow struct {
	ID        int64
	Role      string
	Scope     string
	GrantedBy string
	Since     string
	Until     string
	Expired   bool
	RemoveURL string
	Own       bool // the viewer's own Tenant Admin: Remove asks on a page of its own
}

// SessionRow is a session on the User Profile.
type SessionRow struct {
	Device   string
	IP       string
	Started  string
	LastSeen string
	EndURL   string
	Current  bool
}

// AdminProfileData is the User Profile.
type AdminProfileData struct {
	ID                int64
	BaseURL           string // /t/{tenant}/settings/administrators/{id}
	Name              string
	Email             string
	Status            string
	LastSignIn        string
	Created           string
	Bindings          []BindingRow
	RoleOptions       []Option
	InvitationPending bool
	InvitationExpires string
	Sessions          []SessionRow
	CanManage         bool
	IsSelf            bool
	Errors            map[string]string
	Role              string
	ExpiresAt         string
	MinDate           string
	// Two-step verification: on since TOTPSince when TOTPOn.
	TOTPOn    bool
	TOTPSince string
	// Locked: locked out by brute force protection until LockedUntil.
	Locked      bool
	LockedUntil string
	// The step-ups of the role form (granting Tenant Admin needs one; asked
	// when the viewer may grant it) and of Reset TOTP.
	AskRoleStepUp bool
	RoleStepUp    components.StepUp
	TOTPStepUp    components.StepUp
	// Organization is the typed organization field of the role form (for
	// Organization Admin).
	Organization string
	// Check is Check access (nil: not shown).
	Check *AccessCheckData
}
