package pages

import "gatehouse/views/components"

// PasskeyRow is one of the account page's passkeys.
type PasskeyRow struct {
	Name     string
	Created  string
	LastUsed string
	// CloneWarning is when a sign-in with it was refused because its
	// signature counter went backwards ("" never).
	CloneWarning string
	RemoveURL    string
}

// PasskeysData is the account page's Passkeys section.
type PasskeysData struct {
	// Unavailable says why passkeys cannot be used on this server ("" they can).
	Unavailable string
	List        []PasskeyRow
	// Add is the Add a passkey control's ceremony URLs.
	Add PasskeyControl
}

// PasskeyRemoveData is the confirmation of a passkey's removal.
type PasskeyRemoveData struct {
	Name      string
	Created   string
	LastUsed  string
	Action    string
	CancelURL string
	StepUp    components.StepUp
	FormError string
}
