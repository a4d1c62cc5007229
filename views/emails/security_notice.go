package emails

import (
	"text/template"

	"gatehouse/models"
)

var securityNoticeText = template.Must(template.New("security_notice").Parse(`Hello {{.AdminName}},

{{.What}}

Account: {{.AdminEmail}} at {{.TenantName}}
When:    {{.When.UTC.Format "2 January 2006 at 15:04 MST"}}
By:      {{.By}}{{if .IP}}
From:    {{.IP}}{{end}}

If this was you, there is nothing to do.
If it was not, change your password now and check your sessions and
two-step verification on your account page, then tell a Tenant Admin:

{{.AccountURL}}
`))

// SecurityNotice renders the e-mail telling an administrator that something
// protecting their account changed.
func (Renderer) SecurityNotice(d models.SecurityNoticeEmail) (models.Email, error) {
	return render(d.Subject+" ("+d.TenantName+")", securityNoticeText, d, securityNoticeHTML(d))
}
