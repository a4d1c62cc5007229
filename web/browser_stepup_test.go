package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/browsertest"
	"gatehouse/web/webtest"

	"github.com/chromedp/chromedp"
)

// TestBrowserStepUpOnPasswordPolicy: a Tenant Admin changes the password
// policy in the browser. The form asks for their password (signing in does
// not count); a wrong one shows an error beside the field with everything
// typed kept and nothing saved; the right one saves; for the next 5
// minutes the form says no password is needed.
func TestBrowserStepUpOnPasswordPolicy(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		ctx := browsertest.New(t, 90*time.Second)
		app := webtest.Start(t, db, webtest.Options{RealClock: true})
		tn, _, tok := app.Tenant("acme", models.PlanEnterprise, "owner@example.com")
		acceptAndSignIn(t, ctx, app.URL("/invitations/"+tok), "owner@example.com")

		browsertest.Do(t, ctx, "open Password Policy", chromedp.Navigate(app.URL("/t/acme/settings/password-policy")),
			chromedp.WaitVisible(chromedp.CSS(`fieldset[data-testid="stepup"] #f-password`)))
		browsertest.Do(t, ctx, "change the policy, wrong password",
			chromedp.SetValue(chromedp.CSS("#f-min_length"), ""),
			chromedp.SendKeys(chromedp.CSS("#f-min_length"), "16"),
			chromedp.Click(chromedp.CSS("#f-require_digit")),
			chromedp.SendKeys(chromedp.CSS("#f-password"), "not my password"))
		browsertest.Submit(t, ctx, "save with a wrong password", "form button[type=submit].button-primary")
		if msg := browsertest.Text(t, ctx, "#e-password"); !strings.Contains(msg, "not correct") {
			t.Fatalf("beside the password: %q", msg)
		}
		if v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#f-min_length"))); err != nil || v != "16" {
			t.Fatalf("the typed minimum length was not kept: %q %v", v, err)
		}
		if checked, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#f-require_digit").checked`)); err != nil || !checked {
			t.Fatalf("the ticked box was not kept: %v %v", checked, err)
		}
		if invalid, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#f-password").closest(".field").classList.contains("field-invalid")`)); err != nil || !invalid {
			t.Errorf("the password field is not marked invalid: %v %v", invalid, err)
		}
		if sec, err := app.Store.Security(context.Background(), tn.ID); err != nil || sec.MinLength != 12 {
			t.Fatalf("saved with a wrong password: %+v %v", sec, err)
		}
		browsertest.Screenshot(t, ctx, "stepup-wrong-password-"+db.Name)

		browsertest.Do(t, ctx, "the right password", chromedp.SendKeys(chromedp.CSS("#f-password"), webtest.Password))
		browsertest.Submit(t, ctx, "save with the password", "form button[type=submit].button-primary")
		if flash := browsertest.Text(t, ctx, ".flash span"); !strings.Contains(flash, "password policy was saved") {
			t.Fatalf("after saving: %q", flash)
		}
		sec, err := app.Store.Security(context.Background(), tn.ID)
		if err != nil || sec.MinLength != 16 || !sec.RequireDigit {
			t.Fatalf("not saved: %+v %v", sec, err)
		}
		// Within 5 minutes the form does not ask again.
		if note := browsertest.Text(t, ctx, `[data-testid="stepup-fresh"]`); !strings.Contains(note, "no need to enter your password again") {
			t.Fatalf("the fresh step-up note: %q", note)
		}
		if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('input[name="password"]').length`)); err != nil || n != 0 {
			t.Errorf("the form still asks for the password: %d %v", n, err)
		}
		browsertest.Screenshot(t, ctx, "stepup-saved-"+db.Name)
	})
}
