package emails

import (
	"regexp"
	"text/template"

	"gatehouse/models"
)

var orgInvitationText = template.Must(template.New("organization_invitation").Parse(`Hello,

{{.InviterName}} has invited you to join {{.OrganizationDisplayName}} ({{.TenantName}}).

Create your account, or sign in with the one you have, and join here:

{{.URL}}

This link can be used once and expires on {{.ExpiresAt.UTC.Format "2 January 2006 at 15:04 MST"}}.
If you were not expecting this invitation, you can ignore this e-mail.
`))

var hexColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// buttonColor is the organization's primary color when it has a valid one,
// else Gatehouse's.
func buttonColor(c string) string {
	if hexColor.MatchString(c) {
		return c
	}
	return "#3b4cca"
}

// OrganizationInvitation renders the e-mail inviting someone to join an Organization.
func (Renderer) OrganizationInvitation(d models.OrganizationInvitationEmail) (models.Email, error) {
	return render("You're invited to join "+d.OrganizationDisplayName, orgInvitationText, d, organizationInvitationHTML(d))
}
