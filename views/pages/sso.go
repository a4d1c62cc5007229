package pages

import "gatehouse/views/components"

// SSOSettingsData is Tenant Settings > Single Sign-On, as saved or typed.
type SSOSettingsData struct {
	// Configured: the tenant has single sign-on (else the form sets it up).
	Configured bool
	IssuerURL  string
	ClientID   string
	// SecretSet: a client secret is saved (it is never shown; an empty
	// field keeps it).
	SecretSet   bool
	Domains     string // one per line
	ButtonLabel string
	SSOOnly     bool
	// CallbackURL is the redirect URI to register with the provider.
	CallbackURL string
	CanManage   bool
	// Errors: the fields', the step-up's (password, code), and those of
	// Turn off single sign-on (remove-password, remove-code, _remove).
	Errors       map[string]string
	StepUp       components.StepUp
	RemoveStepUp components.StepUp
}
