package pages

import "gatehouse/views/components"

// EndUserRoleRow is one row of the Roles list.
type EndUserRoleRow struct {
	Href        string
	Name        string
	Description string
}

// EndUserRoleListData is User Management > Roles.
type EndUserRoleListData struct {
	Rows      []EndUserRoleRow
	Search    string
	Pager     components.Pager
	CanCreate bool
}

// EndUserRoleForm is the Create Role and role settings form as typed.
type EndUserRoleForm struct {
	Name        string
	Description string
	Errors      map[string]string
}

// EndUserRoleShowData is a role's page.
type EndUserRoleShowData struct {
	BaseURL     string
	Name        string
	Description string
	Created     string
	Updated     string
	CanManage   bool
	Form        EndUserRoleForm
}

// EndUserRoleDeleteData is the confirmation before a role is deleted.
type EndUserRoleDeleteData struct {
	BaseURL string
	Name    string
}
