package pages

// PoolTab is one tab of an identity pool's pages.
type PoolTab struct {
	Label  string
	Href   string
	Active bool
}

// PoolHeader is the top of an identity pool's pages.
type PoolHeader struct {
	Name        string
	Slug        string
	Description string
	BuiltIn     bool
	Tabs        []PoolTab
}

// PoolRow is one row of the Identity Pools list.
type PoolRow struct {
	Href        string
	Name        string
	Slug        string
	Description string
	BuiltIn     bool
	Users       int64
}

// PoolListData is the Identity Pools list.
type PoolListData struct {
	Rows      []PoolRow
	CanCreate bool
}

// PoolForm is the create / Settings form of a pool as typed.
type PoolForm struct {
	Name        string
	Slug        string
	Description string
	Errors      map[string]string
}

// PoolSettingsData is a pool's Settings tab.
type PoolSettingsData struct {
	Header    PoolHeader
	BaseURL   string
	CanManage bool
	CanDelete bool
	Form      PoolForm
}

// PoolDeleteData is the confirmation page before deleting a pool.
type PoolDeleteData struct {
	Header  PoolHeader
	BaseURL string
	Users   int64
}

// AttributeRow is one attribute of a schema.
type AttributeRow struct {
	Name        string
	Type        string
	Required    bool
	Description string
	RemoveURL   string
}

// AttributeForm is the form adding an attribute, as typed.
type AttributeForm struct {
	Name        string
	Type        string
	Required    bool
	Description string
	Errors      map[string]string
}

// PoolSchemaData is the User Attributes or Metadata Attributes tab.
type PoolSchemaData struct {
	Header    PoolHeader
	Title     string // "User Attributes" or "Metadata Attributes"
	Action    string // where the add form posts
	Rows      []AttributeRow
	Types     []string
	CanManage bool
	Form      AttributeForm
}

// PoolUserRow is one row of a pool's Users tab.
type PoolUserRow struct {
	Href      string
	Name      string
	Email     string
	Status    string
	LastLogin string
}

// PoolUserListData is a pool's Users tab.
type PoolUserListData struct {
	Header    PoolHeader
	BaseURL   string // the Users tab
	Admins    bool
	Rows      []PoolUserRow
	Search    string
	NextHref  string
	FirstHref string
	Partial   bool
	CanCreate bool
}

// PoolUserNewData is the Users tab's Create form.
type PoolUserNewData struct {
	Header     PoolHeader
	BaseURL    string
	Admins     bool
	Email      string
	GivenName  string
	FamilyName string
	Errors     map[string]string
}

// IdentifierRow is one identifier of a pool user.
type IdentifierRow struct {
	Type      string
	Value     string
	RemoveURL string
}

// AddressRow is one address of a pool user.
type AddressRow struct {
	Type      string
	Value     string
	Verified  bool
	RemoveURL string
	VerifyURL string // Start OTP verification; "" once verified
}

// AttributeField is one field of the Attributes or Metadata form.
type AttributeField struct {
	Name        string // attributes[NAME] / metadata[NAME]
	Label       string
	Type        string
	Required    bool
	Description string
	Value       string
	Error       string
}

// PoolUserData is a pool user's page.
type PoolUserData struct {
	Header      PoolHeader
	BaseURL     string // the user's page
	Admins      bool
	Name        string
	Email       string
	Status      string
	LastLogin   string
	Created     string
	Identifiers []IdentifierRow
	Addresses   []AddressRow
	Attributes  []AttributeField
	Metadata    []AttributeField
	RolesHref   string // the Roles page of an administrator
	CanManage   bool
	IsSelf      bool
	Errors      map[string]string
	// Typed values of the Identifiers and Addresses forms.
	IdentifierType string
	Identifier     string
	AddressType    string
	Address        string
}

// PoolUserRolesData is the Roles page of a user of the Administrators pool.
type PoolUserRolesData struct {
	Header   PoolHeader
	UserHref string
	Profile  AdminProfileData
}

// VerifyAddressData is the page of a /verify/{token} link.
type VerifyAddressData struct {
	CSRF     string
	Address  string
	Mobile   bool
	Tenant   string
	Done     bool
	Invalid  bool
	FormPath string
}
