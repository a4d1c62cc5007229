package web_test

import (
	"strings"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/browsertest"
	"gatehouse/web/webtest"

	"github.com/chromedp/chromedp"
)

// TestBrowserScriptTestRunsUnsavedEdits: a Workspace Admin edits a saved
// script's code in Settings without saving, presses Test, and sees the
// output of the edited code; the edits are still in Settings, the saved
// script is unchanged.
func TestBrowserScriptTestRunsUnsavedEdits(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		ctx := browsertest.New(t, 90*time.Second)
		app := webtest.Start(t, db, webtest.Options{RealClock: true})
		tn, _, _ := app.Tenant("acme", models.PlanEnterprise, "olivia@acme.example")
		shop := app.Workspace(tn, "shop", "Shop")
		wendy := app.AdminWithRoles(tn, "wendy@acme.example", "tenant_member")
		app.BindInWorkspace(wendy, shop, "workspace_admin")
		v, err := app.Store.LoadViewer(webtest.Ctx(), tn, wendy.ID)
		if err != nil {
			t.Fatal(err)
		}
		saved := "function main(context) {\n  context.version = 'saved';\n  return context;\n}\n"
		x, err := app.Store.CreateScript(webtest.Ctx(), v, shop.ID, models.ScriptInput{Name: "Tagger", Event: "post_authentication", Code: saved}, models.Actor{AdminID: wendy.ID, Email: wendy.Email})
		if err != nil {
			t.Fatal(err)
		}
		page := "/t/acme/workspaces/shop/scripts/" + itoa(x.ID)

		wsresSignIn(t, ctx, app, "wendy@acme.example")
		browsertest.Do(t, ctx, "open the script", chromedp.Navigate(app.URL(page)), chromedp.WaitVisible(chromedp.CSS("#settings #f-code")))
		edited := "function main(context) {\n  context.version = 'edited ' + context.user.name;\n  return context;\n}\n"
		browsertest.Do(t, ctx, "edit the code without saving", chromedp.SetValue(chromedp.CSS("#settings #f-code"), edited),
			chromedp.SetValue(chromedp.CSS("#test #f-input"), `{"user": {"name": "Ann"}}`))
		browsertest.Submit(t, ctx, "Test", "#test button[type=submit]")
		if out := browsertest.Text(t, ctx, "#result-code"); !strings.Contains(out, `"version": "edited Ann"`) {
			t.Fatalf("output %q", out)
		}
		if kept, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#settings #f-code"))); err != nil || strings.TrimSpace(kept) != strings.TrimSpace(edited) {
			t.Errorf("the edits are not kept: %q %v", kept, err)
		}
		var now models.ExtensionScript
		modelstest.Must(t, db.DB.Where("id = ?", x.ID).Take(&now))
		if now.Code != saved || now.Version != 1 {
			t.Fatalf("Test saved the script: %+v", now)
		}
	})
}
