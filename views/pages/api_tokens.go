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

// curlList and curlCreate are the API page's examples, as a shell runs them.
func curlList(base string) string {
	return "export GATEHOUSE_TOKEN=gh_…   # the token you copied\n" +
		"curl -s -H \"Authorization: Bearer $GATEHOUSE_TOKEN\" \\\n" +
		"  \"" + base + "/api/v1/organizations?limit=10\""
}

func curlCreate(base string) string {
	return "curl -s -X POST " + base + "/api/v1/organizations \\\n" +
		"  -H \"Authorization: Bearer $GATEHOUSE_TOKEN\" \\\n" +
		"  -H \"Content-Type: application/json\" \\\n" +
		"  -H \"Idempotency-Key: onboard-acme-1\" \\\n" +
		"  -d '{\"name\": \"acme\", \"display_name\": \"Acme Inc\"}'"
}
