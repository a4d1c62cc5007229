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

// TestProfileSaysWhichRoleAndOffersHeldDisabled (issue 10, #10): removing a
// role says which role and from whom; the Assign list shows the roles held
// disabled, marked "held".
func TestProfileSaysWhichRoleAndOffersHeldDisabled(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, tn, _ := app.Owner("acme", "owner@example.com")
		target := app.AdminWithRoles(tn, "target@example.com", "tenant_auditor", "tenant_member")
		profile := adminsURL + "/" + fmt.Sprint(target.ID)
		doc := page(t, c.Get(profile))
		for key, held := range map[string]bool{"tenant_auditor": true, "tenant_member": true, "editor_users": false} {
			o := doc.Find(`select[name="role"] option[value="` + key + `"]`)
			_, disabled := o.Attr("disabled")
			if o.Length() != 1 || disabled != held || strings.HasSuffix(strings.TrimSpace(o.Text()), "— held") != held {
				t.Errorf("option %s: disabled %v, text %q; held %v", key, disabled, o.Text(), held)
			}
		}
		var b models.RoleBinding
		modelstest.Must(t, db.DB.Where("administrator_id = ? AND role_key = ?", target.ID, "tenant_auditor").Take(&b))
		r := c.Submit(profile, profile+"/roles/"+fmt.Sprint(b.ID)+"/delete", nil)
		if r.Status != http.StatusSeeOther || r.Location != profile {
			t.Fatalf("remove: %d %s", r.Status, r.Location)
		}
		want := "The role Tenant Auditor was removed from " + target.DisplayName() + "."
		if got := strings.TrimSpace(page(t, c.Get(profile)).Find(".flash span").Text()); got != want {
			t.Errorf("flash %q, want %q", got, want)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.RoleBinding{}).Where("id = ?", b.ID)); n != 0 {
			t.Error("the binding is still there")
		}
	})
}

// TestOneWordForEachThing (issue 10, #12): "Last sign-in" and "Expires"
// wherever a list shows them.
func TestOneWordForEachThing(t *testing.T) {
	t.Parallel()
	app := webtest.Start(t, modelstest.SQLite(t), webtest.Options{})
	c, tn, owner := app.Owner("acme", "owner@example.com")
	w := app.Workspace(tn, "alpha", "Alpha")
	app.BindInWorkspace(owner, w, "workspace_auditor")
	if _, err := app.Store.CreateUser(webtest.Ctx(), tn.ID, models.CreateUserInput{Email: "u@example.com"}, models.Actor{}); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{"/t/acme/users": "Last sign-in", "/t/acme/workspaces/alpha/access": "Expires",
		adminsURL: "Last sign-in", adminsURL + "/" + fmt.Sprint(owner.ID): "Expires"} {
		doc := page(t, c.Get(path))
		found := false
		for _, th := range doc.Find("th").Nodes {
			if th.FirstChild != nil && th.FirstChild.Data == want {
				found = true
			}
		}
		if !found {
			t.Errorf("%s has no %q column", path, want)
		}
		if body := doc.Find("main").Text(); strings.Contains(body, "Latest login") || strings.Contains(body, "Until") {
			t.Errorf("%s still says Latest login or Until", path)
		}
	}
}
