// Package emails renders the messages Gatehouse sends: a plain-text part
// and an HTML part for each.
package emails

import (
	"bytes"
	"context"
	"strings"
	"text/template"

	"gatehouse/models"

	"github.com/a-h/templ"
)

// Renderer implements models.EmailRenderer.
type Renderer struct{}

var _ models.EmailRenderer = Renderer{}

var invitationText = template.Must(template.New("invitation").Parse(`Hello {{.InviteeName}},

{{.InviterName}} has invited you to administer {{.TenantName}} in Gatehouse.

Set your password and sign in here:

{{.URL}}

This link can be used once and expires on {{.ExpiresAt.UTC.Format "2 January 2006 at 15:04 MST"}}.
If you were not expecting this invitation, you can ignore this e-mail.
`))

// Invitation renders the invitation e-mail.
func (Renderer) Invitation(d models.InvitationEmail) (models.Email, error) {
	return render("You're invited to administer "+d.TenantName, invitationText, d, invitationHTML(d))
}

var passwordResetText = template.Must(template.New("password_reset").Parse(`Hello {{.AdminName}},

{{.RequestedBy}} asked for a new password for your Gatehouse account at {{.TenantName}} ({{.AdminEmail}}).

Choose your new password here:

{{.URL}}

This link can be used once and expires on {{.ExpiresAt.UTC.Format "2 January 2006 at 15:04 MST"}}.
When you set a new password, every session of your account is signed out.
If you did not expect this e-mail, you can ignore it: your current password keeps working.
`))

// PasswordReset renders the password reset e-mail.
func (Renderer) PasswordReset(d models.PasswordResetEmail) (models.Email, error) {
	return render("Reset your Gatehouse password for "+d.TenantName, passwordResetText, d, passwordResetHTML(d))
}

var signInCodeText = template.Must(template.New("sign_in_code").Parse(`Hello {{.AdminName}},

Your code to sign in to {{.TenantName}} in Gatehouse is:

    {{.Code}}

It works once and expires in 10 minutes ({{.ExpiresAt.UTC.Format "15:04 MST"}}).
{{if .IP}}It was requested from {{.IP}}. {{end}}If you did not try to sign in, you can ignore this e-mail; nobody can sign in without the code.
`))

// SignInCode renders the e-mail carrying a one-time sign-in code.
func (Renderer) SignInCode(d models.SignInCodeEmail) (models.Email, error) {
	return render(d.Code+" is your Gatehouse sign-in code for "+d.TenantName, signInCodeText, d, signInCodeHTML(d))
}

var newDeviceText = template.Must(template.New("new_device").Parse(`Hello {{.AdminName}},

Your Gatehouse account at {{.TenantName}} ({{.AdminEmail}}) was just signed in to from a browser it had not been used from before.

When:    {{.At.UTC.Format "2 January 2006 at 15:04 MST"}}
{{if .IP}}From:    {{.IP}}
{{end}}{{if .UserAgent}}Browser: {{.UserAgent}}
{{end}}
If this was you, there is nothing to do.
If it was not, change your password now, end the sessions you do not know on your account page, and tell a Tenant Admin:

{{.AccountURL}}
`))

// NewDevice renders the e-mail about a sign-in from a new device.
func (Renderer) NewDevice(d models.NewDeviceEmail) (models.Email, error) {
	return render("New sign-in to your Gatehouse account at "+d.TenantName, newDeviceText, d, newDeviceHTML(d))
}

func render(subject string, text *template.Template, data any, html templ.Component) (models.Email, error) {
	var tb, hb bytes.Buffer
	if err := text.Execute(&tb, data); err != nil {
		return models.Email{}, err
	}
	if err := html.Render(context.Background(), &hb); err != nil {
		return models.Email{}, err
	}
	return models.Email{Subject: strings.ReplaceAll(subject, "\n", " "), Text: tb.String(), HTML: hb.String()}, nil
}
