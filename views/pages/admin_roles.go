package pages

import "strconv"

func itoa(n int) string { return strconv.Itoa(n) }

// RoleColumn is one role as a column of the permission matrix.
type RoleColumn struct {
	Key    string
	Name   string
	Href   string
	Scope  string
	Custom bool
}

// MatrixRow is one catalog permission as a row of the matrix: whether each
// column's role grants it, and on the role editor whether the role being
// edited does (Checked) and whether the viewer may tick it.
type MatrixRow struct {
	Key       string
	Name      string
	Workspace bool
	Cells     []bool
	Checked   bool
	Disabled  bool
	Reason    string
}

// AdminRoleRow is one role of the Roles list.
type AdminRoleRow struct {
	Href        string
	Key         string
	Name        string
	Scope       string
	Description string
	Custom      bool
	Permissions int
}

// AdminRolesData is Tenant Settings > Roles.
type AdminRolesData struct {
	Roles     []AdminRoleRow
	Columns   []RoleColumn
	Rows      []MatrixRow
	CanCreate bool
}

// AdminRoleForm is the custom role form as typed.
type AdminRoleForm struct {
	Name        string
	Description string
	Scope       string
	Errors      map[string]string
}

// RoleHolderRow is one binding of a role on its page.
type RoleHolderRow struct {
	Name    string
	Email   string
	Href    string
	Scope   string
	Until   string
	Expired bool
}

// AdminRoleData is a role's page (and Create New for a custom role): the
// role's permissions as the matrix, editable for a custom role by those
// who may manage roles.
type AdminRoleData struct {
	IsNew       bool
	BaseURL     string
	Key         string
	Name        string
	Scope       string
	Description string
	Builtin     bool
	PlanNote    string
	CanManage   bool
	Form        AdminRoleForm
	Columns     []RoleColumn // the built-in roles, for reference
	Rows        []MatrixRow
	Holders     []RoleHolderRow
	MoreHolders bool
}

// AdminRoleDeleteData is the confirmation before a custom role is deleted.
type AdminRoleDeleteData struct {
	BaseURL     string
	Name        string
	Holders     []RoleHolderRow
	MoreHolders bool
	Typed       string
	Errors      map[string]string
}

func scopeLabel(s string) string {
	switch s {
	case "tenant":
		return "Tenant"
	case "workspace":
		return "Workspace"
	case "organization":
		return "Organization"
	}
	return s
}
