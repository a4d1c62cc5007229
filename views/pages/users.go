package pages

import "gatehouse/views/components"

// KeyValueRow is one key/value pair shown or edited (attributes, metadata).
type KeyValueRow struct {
	Key   string
	Value string
}

// UserRow is one row of the Users list.
type UserRow struct {
	Href      string
	Name      string
	Email     string
	Username  string
	Status    string
	Blocked   bool
	LastLogin string
}

// UserListData is User Management > Users.
type UserListData struct {
	Rows   []UserRow
	Search string
	Pager  components.Pager
	// Partial: the search stopped after Window users before filling the
	// page; NextHref searches older ones.
	Partial   bool
	Window    string
	CanCreate bool
}

// UserNewData is the Create User form.
type UserNewData struct {
	Email      string
	Username   string
	GivenName  string
	FamilyName string
	Errors     map[string]string
}

// UserForm is the user's edit form as typed (or as stored, when first shown).
type UserForm struct {
	Email         string
	EmailVerified bool
	Username      string
	Phone         string
	PhoneVerified bool
	GivenName     string
	FamilyName    string
	Status        string
	Attributes    []KeyValueRow // includes blank rows to fill in
	Metadata      []KeyValueRow
	Errors        map[string]string
}

// UserShowData is a user's page: what is stored, and the edit form for
// those who may manage users.
type UserShowData struct {
	BaseURL       string // /t/{tenant}/users/{id}
	Name          string
	Identifier    string
	Email         string
	EmailVerified bool
	Username      string
	Phone         string
	PhoneVerified bool
	GivenName     string
	FamilyName    string
	Status        string
	Blocked       bool
	Pool          string
	LastLogin     string
	Created       string
	Updated       string
	Attributes    []KeyValueRow
	Metadata      []KeyValueRow
	MaxPairs      int
	CanManage     bool
	Form          UserForm
}

// UserDeleteData is the confirmation before a user is deleted.
type UserDeleteData struct {
	BaseURL    string
	Name       string
	Identifier string
	Email      string
	Username   string
	Phone      string
	Attributes int
	Metadata   int
}
