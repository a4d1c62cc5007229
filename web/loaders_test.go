package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/webtest"
)

// TestLoadersScopeEveryObject: each loader finds its object inside the
// URL's tenant (and its organization, and the viewer's own passkeys) and
// answers 404, in the app's layout, for another tenant's, another
// organization's, someone else's, an unknown or a malformed one.
func TestLoadersScopeEveryObject(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		ctx := webtest.Ctx()
		acme, _, _ := app.Tenant("acme", models.PlanEnterprise, "first@example.com")
		globex, globexFirst, _ := app.Tenant("globex", models.PlanEnterprise, "first@globex.example")
		c, me := app.SignedInAs(acme, "admin@acme.example", "tenant_admin")
		other := app.AdminWithRoles(acme, "other@acme.example", "tenant_auditor")

		orgIn := func(tenantID int64, name string) models.Organization {
			o, err := app.Store.CreateOrganization(ctx, tenantID, models.CreateOrgInput{Name: name, DisplayName: name}, models.Actor{})
			if err != nil {
				t.Fatal(err)
			}
			return o
		}
		inviteTo := func(tn models.Tenant, admin int64, o models.Organization) string {
			v, err := app.Store.LoadViewer(ctx, tn, admin)
			if err != nil {
				t.Fatal(err)
			}
			inv, _, err := app.Store.CreateOrganizationInvitation(ctx, v, o.ID, models.OrgInviteInput{Email: "guest@example.com"}, models.Actor{})
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprint(inv.ID)
		}
		passkeyOf := func(tn models.Tenant, admin int64) string {
			p := models.Passkey{TenantID: tn.ID, AdministratorID: admin, CredentialHash: fmt.Sprintf("%064d", admin), UserHandle: "h", Name: "key", Data: "{}"}
			modelstest.Must(t, db.DB.Create(&p))
			return fmt.Sprint(p.ID)
		}
		sales, support := orgIn(acme.ID, "sales"), orgIn(acme.ID, "support")
		orgIn(globex.ID, "globex-only")
		supportInvitation := inviteTo(acme, me.ID, support)
		salesInvitation := inviteTo(acme, me.ID, sales)
		theirUser, err := app.Store.CreateUser(ctx, globex.ID, models.CreateUserInput{Email: "u@globex.example"}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		mine, theirs := passkeyOf(acme, me.ID), passkeyOf(acme, other.ID)

		// Found: the loaders let these through.
		for _, p := range []string{"/organizations/sales", "/settings/administrators/" + fmt.Sprint(other.ID),
			"/account/passkeys/" + mine + "/delete"} {
			if r := c.Get("/t/acme" + p); r.Status != http.StatusOK {
				t.Errorf("GET %s = %d, want 200", p, r.Status)
			}
		}
		if r := c.Submit("/t/acme/organizations/sales/invitations", "/t/acme/organizations/sales/invitations/"+salesInvitation+"/revoke", nil); r.Status != http.StatusSeeOther {
			t.Errorf("revoking sales' own invitation = %d, want 303", r.Status)
		}
		// Not found.
		for _, p := range []string{
			"/organizations/globex-only", "/organizations/nope", "/organizations/Not%20a%20name",
			"/settings/administrators/" + fmt.Sprint(globexFirst.ID), "/settings/administrators/x", "/settings/administrators/0",
			"/organizations/sales/members/" + fmt.Sprint(theirUser.ID), "/organizations/sales/members/-3",
			"/account/passkeys/" + theirs + "/delete", "/account/passkeys/99999/delete",
		} {
			if r := c.Get("/t/acme" + p); r.Status != http.StatusNotFound || !strings.Contains(r.Body, `class="sidebar"`) {
				t.Errorf("GET %s = %d, want a 404 page in the layout", p, r.Status)
			}
		}
		before := modelstest.Count(t, db.DB.Model(&models.OrganizationInvitation{}).Where("revoked_at IS NULL"))
		for _, p := range []string{
			"/organizations/sales/invitations/" + supportInvitation + "/revoke", // another organization's
			"/organizations/sales/invitations/abc/revoke",
			"/settings/administrators/" + fmt.Sprint(other.ID) + "/sessions/" + strings.Repeat("Z", 64) + "/delete",
			"/account/sessions/short/delete",
			"/settings/administrators/" + fmt.Sprint(other.ID) + "/roles/x/delete",
		} {
			if r := c.Submit("/t/acme/", "/t/acme"+p, nil); r.Status != http.StatusNotFound {
				t.Errorf("POST %s = %d, want 404", p, r.Status)
			}
		}
		if after := modelstest.Count(t, db.DB.Model(&models.OrganizationInvitation{}).Where("revoked_at IS NULL")); after != before {
			t.Errorf("refused requests revoked invitations: %d → %d", before, after)
		}
	})
}
