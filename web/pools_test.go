package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/webtest"

	"gorm.io/gorm"
)

// poolCounts snapshots the tables a pool route could touch.
func poolCounts(t *testing.T, db *gorm.DB) string {
	t.Helper()
	var parts []string
	for _, m := range []any{&models.IdentityPool{}, &models.PoolAttribute{}, &models.PoolIdentifier{}, &models.PoolAddress{},
		&models.AddressVerification{}, &models.User{}, &models.Administrator{}, &models.RoleBinding{}, &models.AuditEvent{}, &models.OutboxEmail{}} {
		parts = append(parts, fmt.Sprint(modelstest.Count(t, db.Model(m))))
	}
	statuses := modelstest.Pluck[string](t, db.Model(&models.Administrator{}).Order("id"), "status")
	ustatuses := modelstest.Pluck[string](t, db.Model(&models.User{}).Order("id"), "status")
	return strings.Join(parts, "/") + " " + strings.Join(statuses, ",") + " " + strings.Join(ustatuses, ",")
}

// poolFixture is a tenant with a created pool, a target administrator
// (Tenant Member) and an end user, each with spare identifiers and
// addresses, and a schema attribute in both built-in pools.
type poolWebFixture struct {
	tn                     models.Tenant
	admins, users, created models.IdentityPool
	target                 models.Administrator
	endUser                models.User
	binding                models.RoleBinding
	attr, meta             models.PoolAttribute
	spareID, spareAddr     int64 // the target's second identifier and address
	verifyAddr             int64 // an unverified address of the target
	userSpareID            int64
}

func newPoolWebFixture(t *testing.T, app *webtest.App, slug string) poolWebFixture {
	t.Helper()
	ctx := webtest.Ctx()
	var f poolWebFixture
	f.tn, _, _ = app.Tenant(slug, models.PlanEnterprise, "first@example.com")
	owner := app.AdminWithRoles(f.tn, "owner@example.com", "tenant_admin")
	ov, err := app.Store.LoadViewer(ctx, f.tn, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	ov.SteppedUpAt = app.Store.Now()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	f.admins, err = app.Store.AdministratorsPool(ctx, f.tn.ID)
	must(err)
	f.users, err = app.Store.IdentityPoolBySlug(ctx, f.tn.ID, "users")
	must(err)
	f.created, err = app.Store.CreateIdentityPool(ctx, f.tn.ID, models.PoolInput{Name: "Partners", Slug: "partners"}, models.Actor{})
	must(err)
	_, err = app.Store.CreatePoolUser(ctx, ov, f.created, models.CreatePoolUserInput{Email: "pat@partner.example"}, models.Actor{})
	must(err)
	f.attr, err = app.Store.AddPoolAttribute(ctx, f.admins, models.SchemaUser, models.AttributeInput{Name: "dept", Type: "string"}, models.Actor{})
	must(err)
	f.meta, err = app.Store.AddPoolAttribute(ctx, f.admins, models.SchemaMetadata, models.AttributeInput{Name: "tier", Type: "string"}, models.Actor{})
	must(err)
	_, err = app.Store.AddPoolAttribute(ctx, f.users, models.SchemaUser, models.AttributeInput{Name: "dept", Type: "string"}, models.Actor{})
	must(err)
	f.target = app.AdminWithRoles(f.tn, "target@example.com", "tenant_member")
	modelstest.Must(t, app.DB.DB.Where("administrator_id = ?", f.target.ID).Take(&f.binding))
	must(app.Store.AddIdentifier(ctx, f.admins, f.target.ID, "username", "target", models.Actor{}))
	must(app.Store.AddAddress(ctx, f.admins, f.target.ID, "email", "spare@example.com", models.Actor{}))
	must(app.Store.AddAddress(ctx, f.admins, f.target.ID, "mobile", "+14155550100", models.Actor{}))
	var ids []models.PoolIdentifier
	modelstest.Must(t, app.DB.DB.Where("pool_id = ? AND user_id = ? AND type = 'username'", f.admins.ID, f.target.ID).Find(&ids))
	f.spareID = ids[0].ID
	var addrs []models.PoolAddress
	modelstest.Must(t, app.DB.DB.Where("pool_id = ? AND user_id = ?", f.admins.ID, f.target.ID).Order("id").Find(&addrs))
	f.spareAddr, f.verifyAddr = addrs[1].ID, addrs[2].ID
	f.endUser, err = app.Store.CreateUser(ctx, f.tn.ID, models.CreateUserInput{Email: "eve@users.example", Username: "eve"}, models.Actor{})
	must(err)
	modelstest.Must(t, app.DB.DB.Where("pool_id = ? AND user_id = ? AND type = 'username'", f.users.ID, f.endUser.ID).Find(&ids))
	f.userSpareID = ids[0].ID
	return f
}

// TestPoolRoutesByRole is the role × route table of Identity Pools and
// their users: Read/Manage Identity Pools (Tenant Admin manages, Tenant
// Auditor reads), Read/Manage Identity Pool Users (the same), Editor -
// Users managing the end-user pools' users only, Editor - Organizations
// reading them; everyone else refused (403) with nothing changed.
func TestPoolRoutesByRole(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		covered := map[string]bool{}
		for i, role := range []string{"tenant_admin", "tenant_auditor", "tenant_member", "editor_organizations", "editor_users", "editor_connections", "workspace_admin"} {
			slug := fmt.Sprintf("p%d", i)
			f := newPoolWebFixture(t, app, slug)
			viewer, _ := app.SignedInAs(f.tn, role+"@example.com", role)
			base := "/t/" + slug + "/identity-pools"
			adm, usr, cr := base+"/administrators", base+"/users", base+"/partners"
			tu := adm + "/users/" + fmt.Sprint(f.target.ID)
			eu := usr + "/users/" + fmt.Sprint(f.endUser.ID)
			ta := role == "tenant_admin"
			read := ta || role == "tenant_auditor"
			endRead := read || role == "editor_users" || role == "editor_organizations"
			endManage := ta || role == "editor_users"
			for _, rt := range []struct {
				method, route, path string
				vals                url.Values
				allowed             bool
				okStatus            int
			}{
				{"GET", "", base, nil, read, 200},
				{"GET", "/new", base + "/new", nil, ta, 200},
				{"POST", "/new", base + "/new", url.Values{"name": {"Gamma"}, "slug": {"gamma"}}, ta, 303},
				{"POST", "", base, url.Values{"name": {"Delta"}, "slug": {"delta"}}, ta, 303},
				{"GET", "/:pool", adm, nil, read, 200},
				{"POST", "/:pool", cr, url.Values{"name": {"Partners 2"}, "description": {"B2B"}}, ta, 303},
				{"GET", "/:pool/attributes", adm + "/attributes", nil, read, 200},
				{"POST", "/:pool/attributes", adm + "/attributes", url.Values{"attr_name": {"badge"}, "attr_type": {"number"}}, ta, 303},
				{"GET", "/:pool/metadata", adm + "/metadata", nil, read, 200},
				{"POST", "/:pool/metadata", adm + "/metadata", url.Values{"attr_name": {"cost"}, "attr_type": {"string"}}, ta, 303},
				{"GET", "/:pool/users", adm + "/users", nil, read, 200},
				{"GET", "/:pool/users", usr + "/users", nil, endRead, 200},
				{"GET", "/:pool/users/new", adm + "/users/new", nil, ta, 200},
				{"GET", "/:pool/users/new", usr + "/users/new", nil, endManage, 200},
				{"POST", "/:pool/users/new", adm + "/users/new", url.Values{"email": {"new-" + role + "@example.com"}, "given_name": {"N"}, "family_name": {"N"}}, ta, 303},
				{"POST", "/:pool/users", usr + "/users", url.Values{"email": {"u-" + role + "@users.example"}}, endManage, 303},
				{"GET", "/:pool/users/:id", tu, nil, read, 200},
				{"GET", "/:pool/users/:id", eu, nil, endRead, 200},
				{"POST", "/:pool/users/:id/identifiers", tu + "/identifiers", url.Values{"identifier_type": {"email"}, "identifier": {"t2-" + role + "@example.com"}}, ta, 303},
				{"POST", "/:pool/users/:id/identifiers", eu + "/identifiers", url.Values{"identifier_type": {"phone"}, "identifier": {"+14155550199"}}, endManage, 303},
				{"POST", "/:pool/users/:id/identifiers/:identifier/delete", tu + "/identifiers/" + fmt.Sprint(f.spareID) + "/delete", nil, ta, 303},
				{"POST", "/:pool/users/:id/identifiers/:identifier/delete", eu + "/identifiers/" + fmt.Sprint(f.userSpareID) + "/delete", nil, endManage, 303},
				{"POST", "/:pool/users/:id/addresses", tu + "/addresses", url.Values{"address_type": {"email"}, "address": {"a-" + role + "@example.com"}}, ta, 303},
				{"POST", "/:pool/users/:id/addresses/:address/delete", tu + "/addresses/" + fmt.Sprint(f.spareAddr) + "/delete", nil, ta, 303},
				{"POST", "/:pool/users/:id/addresses/:address/verify", tu + "/addresses/" + fmt.Sprint(f.verifyAddr) + "/verify", nil, ta, 303},
				{"POST", "/:pool/users/:id/attributes", tu + "/attributes", url.Values{"attributes[dept]": {"Ops"}}, ta, 303},
				{"POST", "/:pool/users/:id/attributes", eu + "/attributes", url.Values{"attributes[dept]": {"Sales"}}, endManage, 303},
				{"POST", "/:pool/users/:id/metadata", tu + "/metadata", url.Values{}, ta, 303},
				{"POST", "/:pool/users/:id/password-reset", tu + "/password-reset", nil, ta, 303},
				{"GET", "/:pool/users/:id/roles", tu + "/roles", nil, read, 200},
				{"POST", "/:pool/users/:id/roles", tu + "/roles", url.Values{"role": {"tenant_auditor"}}, ta, 303},
				{"POST", "/:pool/users/:id/roles/:binding/delete", tu + "/roles/" + fmt.Sprint(f.binding.ID) + "/delete", nil, ta, 303},
				{"POST", "/:pool/users/:id/status", eu + "/status", url.Values{"status": {"inactive"}}, endManage, 303},
				{"POST", "/:pool/users/:id/status", tu + "/status", url.Values{"status": {"inactive"}}, ta, 303},
				{"POST", "/:pool/attributes/:attr/delete", adm + "/attributes/" + fmt.Sprint(f.attr.ID) + "/delete", nil, ta, 303},
				{"POST", "/:pool/metadata/:attr/delete", adm + "/metadata/" + fmt.Sprint(f.meta.ID) + "/delete", nil, ta, 303},
				{"GET", "/:pool/delete", cr + "/delete", nil, ta, 200},
				{"POST", "/:pool/delete", cr + "/delete", nil, ta, 303},
			} {
				covered[rt.method+" /t/:tenant/identity-pools"+rt.route] = true
				before := poolCounts(t, db.DB)
				var r *webtest.Response
				if rt.method == "GET" {
					r = viewer.Get(rt.path)
				} else {
					r = viewer.Submit("/t/"+slug+"/", rt.path, rt.vals)
				}
				want := http.StatusForbidden
				if rt.allowed {
					want = rt.okStatus
				}
				if r.Status != want {
					t.Errorf("%s: %s %s = %d, want %d", role, rt.method, rt.path, r.Status, want)
				}
				if !rt.allowed {
					if after := poolCounts(t, db.DB); after != before {
						t.Errorf("%s: refused %s %s changed something: %s → %s", role, rt.method, rt.path, before, after)
					}
					if !strings.Contains(r.Body, "Access denied") || !strings.Contains(r.Body, `class="sidebar"`) {
						t.Errorf("%s: 403 page not in the layout for %s", role, rt.path)
					}
				}
			}
		}
		// (the management API's pool routes are in TestAPIEveryRouteAllowedAndRefusedPerRole)
		for key := range app.Web.Routes.Perms {
			if strings.Contains(key, " /t/:tenant/identity-pools") && !covered[key] {
				t.Errorf("pool route %s is not in the role × route table", key)
			}
		}
	})
}
