package web_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/webtest"

	"gorm.io/gorm"
)

// ws14bRoute reports whether a route is an identity provider's or a
// workspace theme binding's (covered by TestIDPThemeRoutesByRole).
func ws14bRoute(key string) bool {
	if !strings.Contains(key, " /t/:tenant/") { // the API's twins: in the API's walk tests
		return false
	}
	for _, p := range []string{"/idps", "/theme"} {
		if strings.Contains(key, "/workspaces/:workspace"+p) {
			return true
		}
	}
	return false
}

// samlMetadata is an identity provider's metadata whose signing
// certificate expires at notAfter.
func samlMetadata(t *testing.T, entityID string, notAfter time.Time) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "idp.example.com"},
		NotBefore: notAfter.Add(-365 * 24 * time.Hour), NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="` + entityID + `">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>` + base64.StdEncoding.EncodeToString(der) + `</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`
}

// ws14bCounts snapshots what an IDP or theme request could touch.
func ws14bCounts(t *testing.T, db *gorm.DB) string {
	t.Helper()
	var parts []string
	for _, table := range []string{"idps", "themes", "workspace_theme_bindings", "audit_events"} {
		var n int64
		if err := db.Table(table).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		parts = append(parts, fmt.Sprintf("%s=%d", table, n))
	}
	for _, table := range []string{"idps", "themes"} {
		var versions []int64
		modelstest.Must(t, db.Table(table).Order("id").Pluck("version", &versions))
		parts = append(parts, fmt.Sprint(versions))
	}
	var bound []int64
	modelstest.Must(t, db.Table("workspace_theme_bindings").Order("workspace_id").Pluck("theme_id", &bound))
	return strings.Join(append(parts, fmt.Sprint(bound)), " ")
}

type ws14bFixture struct {
	idp, theme, other string
	owner             models.Viewer
	act               models.Actor
}

func newWS14bFixture(t *testing.T, app *webtest.App, tn models.Tenant, ws models.Workspace) ws14bFixture {
	t.Helper()
	ctx := context.Background()
	owner := app.AdminWithRoles(tn, "fixture.owner@example.com", "tenant_admin")
	v, err := app.Store.LoadViewer(ctx, tn, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	act := models.Actor{AdminID: owner.ID, Email: owner.Email}
	p, err := app.Store.CreateIDP(ctx, v, ws.ID, models.IDPInput{Name: "Corp", Method: "oidc", IssuerURL: "https://login.corp.example",
		ClientID: "corp-app", ClientSecret: "fixture-secret-value", Enabled: true}, act)
	if err != nil {
		t.Fatal(err)
	}
	th, err := app.Store.CreateTheme(ctx, v, models.ThemeInput{Name: "Brand", PrimaryColor: "#aa3300", BackgroundColor: "#fff8f0", Font: "Georgia"}, act)
	if err != nil {
		t.Fatal(err)
	}
	other, err := app.Store.CreateTheme(ctx, v, models.ThemeInput{Name: "Night", PrimaryColor: "#112233", BackgroundColor: "#000000", Font: "System"}, act)
	if err != nil {
		t.Fatal(err)
	}
	return ws14bFixture{idp: fmt.Sprint(p.ID), theme: fmt.Sprint(th.ID), other: fmt.Sprint(other.ID), owner: v, act: act}
}

// TestIDPThemeRoutesByRole is the role × route table of identity
// providers, themes and the workspace theme binding: Tenant Admin and the
// Workspace Admin of the workspace manage its IDPs, Tenant and Workspace
// Auditors read them, others get 404 (they cannot see the workspace);
// themes and the binding are the Tenant Admin's to change and the Tenant
// Auditor's to read (403 to the others, 404 for the binding of a workspace
// one cannot see). Refused requests change nothing.
func TestIDPThemeRoutesByRole(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		covered := map[string]bool{}
		for i, vw := range wsViewers {
			slug := fmt.Sprintf("i%d", i)
			f := newWSFixture(t, app, slug)
			x := newWS14bFixture(t, app, f.tn, f.alpha)
			email := strings.ReplaceAll(vw.name, "_", ".") + "@example.com"
			var viewer *webtest.Client
			if vw.wsRole == "" {
				viewer, _ = app.SignedInAs(f.tn, email, vw.tenantRoles...)
			} else {
				ws := f.alpha
				if vw.inBeta {
					ws = f.beta
				}
				viewer, _ = app.SignedInWithWorkspaceRole(f.tn, email, ws, vw.wsRole, vw.tenantRoles...)
			}
			base := "/t/" + slug
			one := base + "/workspaces/alpha"
			ta, taud := vw.name == "tenant_admin", vw.name == "tenant_auditor"
			see := ta || taud || vw.name == "workspace_admin" || vw.name == "workspace_auditor"
			manage := ta || vw.name == "workspace_admin"
			idp, th := one+"/idps/"+x.idp, base+"/themes/"+x.theme
			oidc := url.Values{"name": {"Okta"}, "method": {"oidc"}, "issuer_url": {"https://okta.example.com"}, "client_id": {"okta-app"}, "client_secret": {"okta-secret"}, "enabled": {"true"}}
			for _, rt := range []struct {
				method, route, path string
				vals                url.Values
				allowed             bool
				okStatus            int
				scoped              bool // in alpha: 404 for those who cannot see it
			}{
				{"GET", "/workspaces/:workspace/idps", one + "/idps", nil, see, 200, true},
				{"GET", "/workspaces/:workspace/idps/new", one + "/idps/new", nil, manage, 200, true},
				{"POST", "/workspaces/:workspace/idps/new", one + "/idps/new", oidc, manage, 303, true},
				{"POST", "/workspaces/:workspace/idps", one + "/idps", url.Values{"name": {"Members"}, "method": {"identity_pool"}, "pool": {"users"}, "enabled": {"true"}}, manage, 303, true},
				{"GET", "/workspaces/:workspace/idps/:idp", idp, nil, see, 200, true},
				{"POST", "/workspaces/:workspace/idps/:idp", idp, url.Values{"name": {"Corp 2"}, "method": {"oidc"}, "issuer_url": {"https://login.corp.example"}, "client_id": {"corp-app"}, "version": {"1"}, "enabled": {"true"}}, manage, 303, true},
				{"GET", "/workspaces/:workspace/idps/:idp/delete", idp + "/delete", nil, manage, 200, true},
				{"GET", "/themes", base + "/themes", nil, ta || taud, 200, false},
				{"GET", "/themes/new", base + "/themes/new", nil, ta, 200, false},
				{"POST", "/themes/new", base + "/themes/new", url.Values{"name": {"Sea"}, "primary_color": {"#0066cc"}, "background_color": {"#eef6ff"}, "font": {"Verdana"}}, ta, 303, false},
				{"POST", "/themes", base + "/themes", url.Values{"name": {"Sand"}, "primary_color": {"#996600"}, "background_color": {"#fffbe6"}, "font": {"Arial"}, "logo_url": {"https://cdn.example.com/logo.png"}}, ta, 303, false},
				{"GET", "/themes/:theme", th, nil, ta || taud, 200, false},
				{"POST", "/themes/:theme", th, url.Values{"name": {"Brand"}, "primary_color": {"#bb4400"}, "background_color": {"#fff8f0"}, "font": {"Georgia"}, "version": {"1"}}, ta, 303, false},
				{"GET", "/themes/:theme/delete", base + "/themes/" + x.other + "/delete", nil, ta, 200, false},
				{"POST", "/workspaces/:workspace/theme", one + "/theme", url.Values{"theme": {x.theme}}, ta, 303, true},
				{"GET", "/workspaces/:workspace/theme/preview", one + "/theme/preview", nil, ta || taud, 200, true},
				{"GET", "/workspaces/:workspace/theme/preview/:theme", one + "/theme/preview/" + x.other, nil, ta, 200, true},
				{"POST", "/themes/:theme/delete", base + "/themes/" + x.other + "/delete", nil, ta, 303, false},
				{"POST", "/workspaces/:workspace/idps/:idp/delete", idp + "/delete", nil, manage, 303, true},
			} {
				covered[rt.method+" /t/:tenant"+rt.route] = true
				before := ws14bCounts(t, db.DB)
				var r *webtest.Response
				if rt.method == "GET" {
					r = viewer.Get(rt.path)
				} else {
					r = viewer.Submit(base+"/", rt.path, rt.vals)
				}
				want := rt.okStatus
				switch {
				case rt.allowed:
				case rt.scoped && !see:
					want = http.StatusNotFound
				default:
					want = http.StatusForbidden
				}
				if r.Status != want {
					t.Errorf("%s: %s %s = %d, want %d", vw.name, rt.method, rt.path, r.Status, want)
				}
				if rt.allowed && rt.method == "POST" && !strings.HasPrefix(r.Location, base+"/") {
					t.Errorf("%s: %s %s led to %q", vw.name, rt.method, rt.path, r.Location)
				}
				if !rt.allowed {
					if after := ws14bCounts(t, db.DB); after != before {
						t.Errorf("%s: refused %s %s changed something: %s → %s", vw.name, rt.method, rt.path, before, after)
					}
					page := map[int]string{http.StatusForbidden: "Access denied", http.StatusNotFound: "Page not found"}[want]
					if !strings.Contains(r.Body, page) || !strings.Contains(r.Body, `class="sidebar"`) {
						t.Errorf("%s: the %d page for %s is not in the layout", vw.name, want, rt.path)
					}
				}
			}
			// The state the allowed requests left.
			if manage {
				if n := modelstest.Count(t, db.DB.Table("idps").Where("tenant_id = ? AND name IN ?", f.tn.ID, []string{"Okta", "Members"})); n != 2 {
					t.Errorf("%s: %d IDPs created", vw.name, n)
				}
				if n := modelstest.Count(t, db.DB.Table("idps").Where("tenant_id = ? AND name LIKE ?", f.tn.ID, "Corp%")); n != 0 {
					t.Errorf("%s: the deleted IDP is still there", vw.name)
				}
			}
			if ta {
				if got := modelstest.Pluck[int64](t, db.DB.Table("workspace_theme_bindings").Where("workspace_id = ?", f.alpha.ID), "theme_id"); len(got) != 1 || fmt.Sprint(got[0]) != x.theme {
					t.Errorf("binding %v", got)
				}
				if n := modelstest.Count(t, db.DB.Table("audit_events").Where("tenant_id = ? AND action = ? AND workspace_id = ?", f.tn.ID, "workspace.theme_changed", f.alpha.ID)); n != 1 {
					t.Errorf("%d theme binding audit events", n)
				}
			}
			// The workspace page shows the Theme section to those who may read the binding.
			if r := viewer.Get(one); r.Status == http.StatusOK {
				d := doc(t, r.Body)
				if got := d.Find("#theme").Length() == 1; got != (ta || taud) {
					t.Errorf("%s: Theme section shown %v", vw.name, got)
				}
				if got := d.Find(`#theme form[action="`+one+`/theme"]`).Length() == 1; got != ta {
					t.Errorf("%s: Theme form shown %v", vw.name, got)
				}
				if got := d.Find(`.tabs a[href="`+one+`/idps"]`).Length() == 1; got != see {
					t.Errorf("%s: Identity Providers tab shown %v", vw.name, got)
				}
			}
		}
		for key := range app.Web.Routes.Perms {
			if (ws14bRoute(key) || strings.Contains(key, "/t/:tenant/themes")) && !covered[key] {
				t.Errorf("route %s is not in the role × route table", key)
			}
		}
	})
}

// TestIDPSecretsAndSAMLMetadata: an OIDC client secret never appears in
// a page or the audit log, is stored sealed, and is kept when the form
// leaves it blank; SAML metadata is read on save (entity id, sign-in URL,
// expiry), a certificate expiring within 30 days is flagged, a DOCTYPE is
// refused beside the field with nothing saved; bad input keeps what was
// typed; a stale save is refused.
func TestIDPSecretsAndSAMLMetadata(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		f := newWSFixture(t, app, "acme")
		admin, _ := app.SignedInWithWorkspaceRole(f.tn, "wsadmin@example.com", f.alpha, "workspace_admin")
		one := "/t/acme/workspaces/alpha"
		const secret = "s3cret-Value-that-must-never-show"

		r := admin.Submit(one+"/idps/new", one+"/idps/new", url.Values{"name": {"Okta"}, "method": {"oidc"}, "issuer_url": {"https://okta.example.com"},
			"client_id": {"okta-app"}, "client_secret": {secret}, "enabled": {"true"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("create: %d", r.Status)
		}
		show := r.Location
		var p models.IDP
		modelstest.Must(t, db.DB.Where("name = ?", "Okta").Take(&p))
		if len(p.ClientSecret) == 0 || strings.Contains(string(p.ClientSecret), secret) {
			t.Fatalf("the secret is not sealed: %q", p.ClientSecret)
		}
		if got, err := app.Store.OpenIDPSecret(p); err != nil || got != secret {
			t.Fatalf("open: %q %v", got, err)
		}
		for _, path := range []string{show, one + "/idps", one + "/idps?q=okta", "/t/acme/audit", one + "/audit"} {
			r := admin.Get(path)
			if strings.Contains(r.Body, secret) {
				t.Fatalf("%s shows the secret", path)
			}
		}
		var changes []string
		modelstest.Must(t, db.DB.Table("audit_events").Where("target_type = ?", "idp").Pluck("changes", &changes))
		if len(changes) == 0 || strings.Contains(strings.Join(changes, " "), secret) {
			t.Fatalf("audit: %q", changes)
		}
		page := admin.Get(show)
		d := doc(t, page.Body)
		if v, ok := d.Find("#f-client_secret").Attr("value"); ok && v != "" {
			t.Fatalf("the secret field is filled: %q", v)
		}
		if !strings.Contains(d.Find("#idp").Text(), "Set (stored encrypted; never shown)") {
			t.Fatal("the page does not say a secret is set")
		}
		// Blank keeps it.
		r = admin.SubmitPage(page, show, url.Values{"name": {"Okta"}, "method": {"oidc"}, "issuer_url": {"https://okta.example.com/v2"}, "client_id": {"okta-app"},
			"client_secret": {""}, "enabled": {"true"}, "version": {"1"}})
		if r.Status != http.StatusSeeOther || r.Location != show {
			t.Fatalf("update: %d %s", r.Status, r.Location)
		}
		var after models.IDP
		modelstest.Must(t, db.DB.Where("id = ?", p.ID).Take(&after))
		if got, _ := app.Store.OpenIDPSecret(after); got != secret || after.IssuerURL != "https://okta.example.com/v2" || after.Version != 2 {
			t.Fatalf("after a blank secret: %q %s v%d", got, after.IssuerURL, after.Version)
		}
		// Stale.
		r = admin.Submit(show, show, url.Values{"name": {"Okta old"}, "method": {"oidc"}, "issuer_url": {"https://okta.example.com"}, "client_id": {"x"}, "enabled": {"true"}, "version": {"1"}})
		if r.Status != http.StatusConflict || !strings.Contains(r.Body, "Someone else changed this") {
			t.Fatalf("stale: %d", r.Status)
		}
		if v, _ := doc(t, r.Body).Find("#settings #f-issuer_url").Attr("value"); v != "https://okta.example.com/v2" {
			t.Errorf("the conflict page shows %q", v)
		}

		// Bad input: messages beside the fields, typed values kept, nothing saved.
		before := ws14bCounts(t, db.DB)
		r = admin.Submit(one+"/idps/new", one+"/idps/new", url.Values{"name": {"Broken"}, "method": {"oidc"}, "issuer_url": {"http://okta.example.com"}, "client_id": {""}, "enabled": {"true"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad oidc: %d", r.Status)
		}
		d = doc(t, r.Body)
		for id, want := range map[string]string{"#e-issuer_url": "https", "#e-client_id": "required", "#e-client_secret": "required"} {
			if e := d.Find(id).Text(); !strings.Contains(e, want) {
				t.Errorf("%s = %q", id, e)
			}
		}
		if v, _ := d.Find("#f-name").Attr("value"); v != "Broken" {
			t.Errorf("typed name lost: %q", v)
		}
		r = admin.Submit(one+"/idps/new", one+"/idps/new", url.Values{"name": {"Admins"}, "method": {"identity_pool"}, "pool": {"administrators"}})
		if e := doc(t, r.Body).Find("#e-pool").Text(); r.Status != http.StatusUnprocessableEntity || !strings.Contains(e, "Built in Admin IDP") {
			t.Errorf("administrators pool: %d %q", r.Status, e)
		}

		// SAML: a DOCTYPE is refused, nothing saved.
		evil := `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "http://169.254.169.254/">]>` + samlMetadata(t, "https://evil.example.com", time.Now().Add(400*24*time.Hour))[len(`<?xml version="1.0" encoding="UTF-8"?>`):]
		r = admin.Submit(one+"/idps/new", one+"/idps/new", url.Values{"name": {"Evil"}, "method": {"saml"}, "metadata_xml": {evil}, "enabled": {"true"}})
		d = doc(t, r.Body)
		if e := d.Find("#e-metadata_xml").Text(); r.Status != http.StatusUnprocessableEntity || !strings.Contains(e, "DOCTYPE") {
			t.Fatalf("DOCTYPE: %d %q", r.Status, e)
		}
		if v := d.Find("#f-metadata_xml").Text(); v != evil {
			t.Error("the typed metadata was not kept")
		}
		if got := ws14bCounts(t, db.DB); got != before {
			t.Fatalf("refused forms changed something: %s → %s", before, got)
		}

		// A certificate that expires in 10 days: read and flagged.
		soon := time.Now().Add(10 * 24 * time.Hour).UTC().Truncate(time.Second)
		r = admin.Submit(one+"/idps/new", one+"/idps", url.Values{"name": {"ADFS"}, "method": {"saml"}, "metadata_xml": {samlMetadata(t, "https://adfs.example.com/adfs", soon)}, "enabled": {"true"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("saml: %d %s", r.Status, doc(t, r.Body).Find(".error").Text())
		}
		page = admin.Get(r.Location)
		d = doc(t, page.Body)
		details := d.Find("#idp dl").Text()
		for _, want := range []string{"https://adfs.example.com/adfs", "https://idp.example.com/sso", soon.Format("2006")} {
			if !strings.Contains(details, want) {
				t.Errorf("details lack %q:\n%s", want, details)
			}
		}
		if flag := d.Find(`[data-testid="cert-flag"]`).Text(); !strings.Contains(flag, "Expiring soon") {
			t.Errorf("no expiry flag: %q", flag)
		}
		if list := admin.Get(one + "/idps?q=adfs").Body; !strings.Contains(list, "expiring soon") {
			t.Error("the list does not flag the certificate")
		}
		// A certificate good for a year: no flag.
		r = admin.Submit(one+"/idps/new", one+"/idps", url.Values{"name": {"Shibboleth"}, "method": {"saml"}, "metadata_xml": {samlMetadata(t, "https://shib.example.com", time.Now().Add(365*24*time.Hour))}, "enabled": {"true"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("saml 2: %d", r.Status)
		}
		if n := doc(t, admin.Get(r.Location).Body).Find(`[data-testid="cert-flag"]`).Length(); n != 0 {
			t.Error("a certificate good for a year is flagged")
		}
	})
}

// TestBuiltInAdminIDPCannotBeDeletedOrChanged: the Admin workspace of a
// legacy tenant lists its Built in Admin IDP among its identity providers;
// it has Manage Pool and no delete; deleting it is refused (403), changing
// its method too (422), and nothing changes.
func TestBuiltInAdminIDPCannotBeDeletedOrChanged(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		tn, _, _, err := app.Store.CreateTenant(webtest.Ctx(), models.CreateTenantInput{Slug: "old", Name: "Old", Plan: models.PlanEnterprise,
			AdminEmail: "first@old.example", Legacy: true}, models.Actor{Email: "test"})
		if err != nil {
			t.Fatal(err)
		}
		admin, _ := app.SignedInAs(tn, "admin@old.example", "tenant_admin")
		r := admin.Get("/t/old/workspaces/admin/idps")
		if r.Status != http.StatusOK {
			t.Fatalf("list: %d", r.Status)
		}
		href := linkNamed(t, r.Body, "Built in Admin IDP")
		if !regexp.MustCompile(`^/t/old/workspaces/admin/idps/\d+$`).MatchString(href) {
			t.Fatalf("link %q", href)
		}
		var p models.IDP
		modelstest.Must(t, db.DB.Where("tenant_id = ? AND built_in = ?", tn.ID, true).Take(&p))
		if p.Method != "identity_pool" || p.PoolID == nil {
			t.Fatalf("built-in IDP %+v", p)
		}
		page := admin.Get(href)
		d := doc(t, page.Body)
		if d.Find(`a[href="/t/old/identity-pools/administrators"]`).Text() != "Manage Pool" {
			t.Error("no Manage Pool")
		}
		if d.Find(`a[href="`+href+`/delete"]`).Length() != 0 || d.Find(`form[action="`+href+`"]`).Length() != 0 {
			t.Error("the built-in IDP offers delete or settings")
		}
		before := ws14bCounts(t, db.DB)
		if r := admin.Submit(href, href+"/delete", nil); r.Status != http.StatusForbidden || !strings.Contains(r.Body, "cannot be deleted") {
			t.Fatalf("delete: %d", r.Status)
		}
		if r := admin.Get(href + "/delete"); r.Status != http.StatusForbidden {
			t.Fatalf("delete form: %d", r.Status)
		}
		r = admin.Submit(href, href, url.Values{"name": {"Built in Admin IDP"}, "method": {"oidc"}, "issuer_url": {"https://x.example.com"}, "client_id": {"x"}, "client_secret": {"y"}, "enabled": {"true"}, "version": {"1"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "method cannot be changed") {
			t.Fatalf("method change: %d", r.Status)
		}
		if after := ws14bCounts(t, db.DB); after != before {
			t.Fatalf("refused changes changed something: %s → %s", before, after)
		}
		// Other IDPs of the Admin workspace are ordinary.
		r = admin.Submit("/t/old/workspaces/admin/idps/new", "/t/old/workspaces/admin/idps", url.Values{"name": {"Okta"}, "method": {"oidc"}, "issuer_url": {"https://okta.example.com"}, "client_id": {"a"}, "client_secret": {"b"}, "enabled": {"true"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("create in admin: %d", r.Status)
		}
		// A tenant turned advanced later gets its Built in Admin IDP too.
		tn2, _, _ := app.Tenant("adv", models.PlanEnterprise, "first@adv.example")
		if _, _, err := app.Store.SetTenantFlag(webtest.Ctx(), tn2.Slug, models.FlagAdvancedAdminManagement, true, models.Actor{Email: "ops"}); err != nil {
			t.Fatal(err)
		}
		if n := modelstest.Count(t, db.DB.Table("idps").Where("tenant_id = ? AND built_in = ? AND name = ?", tn2.ID, true, "Built in Admin IDP")); n != 1 {
			t.Fatalf("%d built-in IDPs in the advanced tenant", n)
		}
	})
}

// TestThemeValidationAndPreview: colours are #rrggbb only (anything that
// could carry CSS is refused beside its field), a logo is https; the
// preview keeps the CSP, adding only its style element's nonce and the
// logo's origin, and writes the theme's colours into that element.
func TestThemeValidationAndPreview(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		f := newWSFixture(t, app, "acme")
		admin, _ := app.SignedInAs(f.tn, "ta@example.com", "tenant_admin")
		before := ws14bCounts(t, db.DB)
		r := admin.Submit("/t/acme/themes/new", "/t/acme/themes/new", url.Values{"name": {"Bad"}, "primary_color": {"red;}</style><script>alert(1)</script>"},
			"background_color": {"#12345"}, "font": {"Comic Sans"}, "logo_url": {"javascript:alert(1)"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad theme: %d", r.Status)
		}
		d := doc(t, r.Body)
		for _, id := range []string{"#e-primary_color", "#e-background_color", "#e-font", "#e-logo_url"} {
			if d.Find(id).Length() != 1 {
				t.Errorf("no message %s", id)
			}
		}
		if strings.Contains(r.Body, "<script>alert(1)") {
			t.Error("the typed value is not escaped")
		}
		if after := ws14bCounts(t, db.DB); after != before {
			t.Fatalf("a refused theme changed something")
		}
		r = admin.Submit("/t/acme/themes/new", "/t/acme/themes", url.Values{"name": {"Brand"}, "primary_color": {"#AA3300"}, "background_color": {"#fff8f0"},
			"font": {"Georgia"}, "logo_url": {"https://cdn.example.com/logo.png"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("theme: %d", r.Status)
		}
		var th models.Theme
		modelstest.Must(t, db.DB.Where("name = ?", "Brand").Take(&th))
		if th.PrimaryColor != "#aa3300" {
			t.Errorf("colour stored as %q", th.PrimaryColor)
		}
		one := "/t/acme/workspaces/alpha"
		r = admin.Submit(one, one+"/theme", url.Values{"theme": {"999999"}})
		if r.Status != http.StatusUnprocessableEntity || doc(t, r.Body).Find("#e-theme").Length() != 1 {
			t.Fatalf("unknown theme: %d", r.Status)
		}
		r = admin.Submit(one, one+"/theme", url.Values{"theme": {fmt.Sprint(th.ID)}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("bind: %d", r.Status)
		}
		if cur := doc(t, admin.Get(one).Body).Find(`[data-testid="current-theme"]`).Text(); cur != "Brand" {
			t.Errorf("current theme %q", cur)
		}
		r = admin.Get(one + "/theme/preview")
		if r.Status != http.StatusOK {
			t.Fatalf("preview: %d", r.Status)
		}
		csp := r.Header.Get("Content-Security-Policy")
		m := regexp.MustCompile(`style-src 'self' 'nonce-([A-Za-z0-9_-]+)';`).FindStringSubmatch(csp)
		if m == nil || !strings.Contains(csp, "img-src 'self' data: https://cdn.example.com;") || !strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "unsafe") {
			t.Fatalf("CSP %q", csp)
		}
		d = doc(t, r.Body)
		style := d.Find(`style[nonce="` + m[1] + `"]`)
		if style.Length() != 1 || !strings.Contains(style.Text(), "--primary:#aa3300") || !strings.Contains(style.Text(), "background:#fff8f0") {
			t.Fatalf("style %q", style.Text())
		}
		if d.Find("style").Length() != 1 || d.Find("[style]").Length() != 0 || d.Find("script").Length() != 0 {
			t.Error("the preview has other styles or scripts")
		}
		if src, _ := d.Find(`img[data-testid="theme-logo"]`).Attr("src"); src != "https://cdn.example.com/logo.png" {
			t.Errorf("logo %q", src)
		}
		// Deleting the theme unbinds it.
		r = admin.Submit("/t/acme/themes/"+fmt.Sprint(th.ID)+"/delete", "/t/acme/themes/"+fmt.Sprint(th.ID)+"/delete", nil)
		if r.Status != http.StatusSeeOther || r.Location != "/t/acme/themes" {
			t.Fatalf("delete: %d %s", r.Status, r.Location)
		}
		if n := modelstest.Count(t, db.DB.Table("workspace_theme_bindings")); n != 0 {
			t.Fatalf("%d bindings left", n)
		}
		if r := admin.Get(one + "/theme/preview"); !strings.Contains(r.Body, "default look") {
			t.Error("the preview without a theme does not say so")
		}
	})
}
