package pages

import "gatehouse/views/components"

// SignInSettingsData is Tenant Settings > Sign In / Sign Up.
type SignInSettingsData struct {
	Method      string // "password" or "otp"
	RequireTOTP bool
	CanManage   bool // false: the page is read-only (disabled inputs, no Save)
	Errors      map[string]string
	StepUp      components.StepUp
}

// PasswordPolicyData is Tenant Settings > Password Policy, as typed.
type PasswordPolicyData struct {
	MinLength        string
	RequireLowercase bool
	RequireUppercase bool
	RequireDigit     bool
	RequireSymbol    bool
	RejectCommon     bool
	History          string
	CanManage        bool
	Errors           map[string]string
	StepUp           components.StepUp
}

// BruteForceData is Tenant Settings > Brute Force Protection, as typed.
type BruteForceData struct {
	MaxAttempts    string
	LockoutMinutes string
	CanManage      bool
	Errors         map[string]string
	StepUp         components.StepUp
}
