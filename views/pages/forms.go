// Package pages holds one templ component per screen, named after its URL.
package pages

// LoginForm is what the sign-in page shows.
type LoginForm struct {
	Step  string // "password" (e-mail + password), "email" (passwordless), "code" (e-mailed code), "totp"
	Email string
	Next  string
	Error string
	// EmailError is said beside the e-mail field (not an address at all).
	EmailError string
	Info       string
}

// TOTPSetupData is the TOTP enrolment form: the QR code and the secret.
type TOTPSetupData struct {
	Action    string // where the form posts
	QRDataURI string
	Secret    string
	Issuer    string
	Account   string
	Error     string
	Required  bool // the tenant requires TOTP (sign-in enrolment)
	CancelURL string
}

// RecoveryCodesData shows the recovery codes, once.
type RecoveryCodesData struct {
	Codes       []string
	ContinueURL string
}

// InvitationForm is the invitation acceptance page's data.
type InvitationForm struct {
	Token      string
	TenantName string
	Email      string
	Name       string
	Policy     []string
	Errors     map[string]string
}

// DashboardCard is one tile of the dashboard home.
type DashboardCard struct {
	Title  string
	Href   string
	Value  string
	Detail string
}

// DashboardData is what the dashboard home shows.
type DashboardData struct {
	Greeting string
	Roles    []string
	Cards    []DashboardCard
}

// ErrorData is an error page's content.
type ErrorData struct {
	Status    int
	Title     string
	Message   string
	HomeHref  string
	RequestID string
}
