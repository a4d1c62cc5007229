package pages

// AccountData is /t/{tenant}/account: the signed-in administrator's own page.
type AccountData struct {
	Name  string
	Email string
	// GivenName and FamilyName fill the "Your name" form (as typed, after
	// a refused save).
	GivenName  string
	FamilyName string
	Roles      []RoleBadge
	LastSignIn string
	Created    string
	// Policy is the password policy's rules, one line each, as help under
	// the new password.
	Policy []string
	// TOTP: on since TOTPSince (TOTPOn), the unused recovery codes, and
	// whether the tenant requires it.
	TOTPOn       bool
	TOTPSince    string
	RecoveryLeft int64
	TOTPRequired bool
	Sessions     []SessionRow
	Passkeys     PasskeysData
	// Errors of the password form (current_password, new_password,
	// new_password_confirm), of Remove TOTP (password), of New recovery
	// codes (recovery-password) and of the page (_form).
	Errors map[string]string
}
