// Package pages holds one templ component per screen, named after its URL.
package pages

import "strings"

// LoginForm is what the sign-in page shows.
type LoginForm struct {
	Step  string // "password" (e-mail + password), "email" (passwordless), "code" (e-mailed code), "totp", "passkey" (second step)
	Email string
	Next  string
	Error string
	// EmailError is said beside the e-mail field (not an address at all).
	EmailError string
	Info       string
	// Passkey is the "Sign in with a passkey" button (first step), or the
	// administrator's passkey as the second step (nil: none offered).
	Passkey *PasskeyControl
	// SSO is the tenant's single sign-on (first step; nil: none).
	SSO *SSOControl
}

// PasskeyControl is a passkey ceremony's button: where its script begins
// and finishes it.
type PasskeyControl struct {
	BeginURL  string
	FinishURL string
}

// SSOControl is the sign-in page's single sign-on.
type SSOControl struct {
	Label    string
	StartURL string
	// Domains are the e-mail domains it serves: typing such an address
	// offers single sign-on instead of the password.
	Domains []string
	// Only: password and code sign-in are for break-glass administrators only.
	Only bool
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
	// AskName: the invitee has no name yet and is asked for one, kept in
	// GivenName and FamilyName when the form comes back with errors.
	AskName    bool
	GivenName  string
	FamilyName string
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

// stop is the full stop that ends a sentence whose last word is s: none
// when s already ends with one ("join Acme Capital B.V." not "B.V..").
func stop(s string) string {
	if strings.HasSuffix(strings.TrimSpace(s), ".") {
		return ""
	}
	return "."
}
