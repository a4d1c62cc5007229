package pages

// IDPShowData is an identity provider's page.
type IDPShowData struct {
	Header     WorkspaceHeader
	Name       string
	ListHref   string
	BuiltIn    bool
	ReadOnly   bool // the viewer may only read
	Conflict   string
	Details    []ResDetail
	CertNote   string // "Expiring soon" / "Expired": the signing certificate's flag
	PoolHref   string // Manage Pool ("" when there is no pool the viewer may read)
	Form       *ResForm
	DeleteHref string
}
