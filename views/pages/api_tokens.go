package pages

import "gatehouse/views/components"

// APITokensData is Tenant Settings > API Tokens.
type APITokensData struct {
	Rows      []APITokenRow
	NextHref  string
	FirstHref string
	CanManage bool
	// Created is the token just made, shown once (empty otherwise).
	Created     string
	CreatedName string
	// The create form as typed, its errors and its step-up.
	Name          string
	Roles         map[string]bool
	Workspace     string
	ExpiresInDays string
	RoleChoices   []TokenRoleChoice
	Errors        map[string]string
	StepUp        components.StepUp
}

// APITokenRow is one token of the list.
type APITokenRow struct {
	ID        string
	Name      string
	Prefix    string
	Roles     []string
	Workspace string
	CreatedBy string
	Created   string
	Expires   string
	LastUsed  string
	Status    string // active, expired, revoked
	RevokeURL string
}

// TokenRoleChoice is one role checkbox of the create form.
type TokenRoleChoice struct {
	Key       string
	Name      string
	Workspace bool // a workspace role: bound to the token's workspace
	Disabled  bool
	Reason    string
}

// APIDocsData is Tenant Settings > API.
type APIDocsData struct {
	BaseURL    string
	TenantSlug string
	CanManage  bool
}
