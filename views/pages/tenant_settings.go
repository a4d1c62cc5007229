package pages

// TenantSettingsData is Tenant Settings > Tenant, as typed.
type TenantSettingsData struct {
	Slug                string
	Plan                string
	Legacy              bool
	Version             int64
	Name                string
	IdleMinutes         string
	AbsoluteHours       string
	DeactivateAfterDays string
	RequireApproval     bool
	Flags               []FlagRow
	CanManage           bool // false: read-only (disabled inputs, no Save)
	Errors              map[string]string
	Conflict            string // the "changed since you opened it" message, "" when none
	ConflictRows        []ConflictRow
	// BreakGlass is the break-glass section (nil: not shown).
	BreakGlass *BreakGlassData
}

// FlagRow is a feature flag as the Tenant page shows it.
type FlagRow struct {
	Name string
	On   bool
	Help string
}

// ConflictRow is a field whose current value differs from what was typed.
type ConflictRow struct {
	Field   string
	Yours   string
	Current string
}

// AdminManagementData is Tenant Settings > Administrators when the
// administrators are not managed there: administrator management is off,
// or it happens in the Admin workspace (advanced or legacy).
type AdminManagementData struct {
	Off           bool   // admin_management is off
	Legacy        bool   // a legacy tenant (else advanced administrator management)
	WorkspaceHref string // Open Admin Workspace; "" when the viewer cannot see it
	FlagCommand   string // how the platform operator turns management on
}
