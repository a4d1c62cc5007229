package pages

// PermissionOption is one catalog permission in a picker.
type PermissionOption struct {
	Value        string
	Label        string
	Workspace    bool
	Organization bool
}

// AccessForm is the permission (and workspace) asked about.
type AccessForm struct {
	Action       string // where the GET form goes
	Permission   string
	Workspace    string
	Organization string
	Options      []PermissionOption
	Errors       map[string]string
}

// AccessReasonRow is one binding that grants the permission.
type AccessReasonRow struct {
	Name      string
	Email     string
	Href      string
	Role      string
	RoleHref  string
	Scope     string
	GrantedBy string
	Since     string
	Expires   string
}

// AccessTokenRow is an API token that holds the permission.
type AccessTokenRow struct {
	Label     string // "api-token #3 (ci)"
	Name      string
	Role      string // the roles that grant it, by name
	RoleKeys  string
	Scope     string
	GrantedBy string // the token's creator
	Since     string
	Expires   string
}

// AccessCheckData is Check access on the User Profile.
type AccessCheckData struct {
	Form       AccessForm
	Asked      bool
	Allowed    bool
	Inactive   bool
	Subject    string // the administrator's name
	Permission string // the permission's name
	Where      string // "in the tenant" or "in workspace X"
	Reasons    []AccessReasonRow
	Would      []string
	WhoCanHref string
}

// WhoCanData is Tenant Settings > Who can.
type WhoCanData struct {
	Form       AccessForm
	Asked      bool
	Permission string
	Where      string
	Rows       []AccessReasonRow
	Tokens     []AccessTokenRow // the API tokens holding it (first page only)
	NextHref   string
	FirstHref  string
	ExportHref string
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
