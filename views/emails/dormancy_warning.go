package emails

import (
	"strconv"
	"text/template"

	"gatehouse/models"
)

var dormancyWarningText = template.Must(template.New("dormancy_warning").Parse(`Hello {{.AdminName}},

You have not signed in to {{.TenantName}} in Gatehouse for a while. Administrators who do not sign in for {{.Days}} days are deactivated, so your account ({{.AdminEmail}}) will be deactivated on {{.DeactivateOn.UTC.Format "2 January 2006"}} unless you sign in before then:

{{.SignInURL}}

If you no longer need access, you can ignore this e-mail. A Tenant Admin can re-activate you later.
`))

// DormancyWarning renders the warning sent before a dormant administrator
// is deactivated.
func (Renderer) DormancyWarning(d models.DormancyWarningEmail) (models.Email, error) {
	return render("Your Gatehouse access to "+d.TenantName+" ends on "+d.DeactivateOn.UTC().Format("2 January 2006")+" unless you sign in",
		dormancyWarningText, d, dormancyWarningHTML(d, strconv.Itoa(d.Days)))
}
