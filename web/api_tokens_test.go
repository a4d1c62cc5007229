package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/webtest"
)

const apiTokensURL = "/t/acme/settings/api-tokens"

// TestAPITokensConsole: Tenant Admins make a token (after a step-up; bad
// input refused beside its field with what was typed kept and nothing
// saved), see it once, see it listed with its last use, and revoke it;
// Tenant Auditors read the list without the form; others get 403; the API
// page links the OpenAPI document.
func TestAPITokensConsole(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		owner, tn, _ := app.Owner("acme", "owner@example.com")
		app.Workspace(tn, "sales", "Sales")
		count := func() int64 { return modelstest.Count(t, db.DB.Model(&models.APIToken{})) }

		r := owner.Get(apiTokensURL)
		if r.Status != http.StatusOK {
			t.Fatalf("list: %d", r.Status)
		}
		d := page(t, r)
		if d.Find(`[data-testid="tokens-empty"]`).Length() != 1 || d.Find(`[data-testid="token-create"] input[name="password"]`).Length() != 1 {
			t.Fatal("empty list with the create form and its step-up")
		}
		if d.Find(`nav a[href="/t/acme/settings/api-tokens"]`).Length() != 1 || d.Find(`nav a[href="/t/acme/settings/api"]`).Length() != 1 {
			t.Error("navigation lacks API Tokens and API")
		}

		good := url.Values{"name": {"onboarding"}, "role": {"editor_organizations", "workspace_auditor"}, "workspace": {"sales"}, "expires_in_days": {"30"}}
		with := func(k string, v ...string) url.Values {
			out := url.Values{}
			for kk, vv := range good {
				out[kk] = vv
			}
			out[k] = v
			return out
		}
		for _, c := range []struct {
			vals  url.Values
			field string
			kept  string
		}{
			{with("password", "wrong password"), "password", `input[name="name"][value="onboarding"]`},
			{with("name", ""), "name", `input[name="role"][value="workspace_auditor"][checked]`},
			{with("expires_in_days", "400"), "expires_in_days", `input[name="expires_in_days"][value="400"]`},
			{with("workspace", "nope"), "workspace", `input[name="workspace"][value="nope"]`},
			{with("role", "root"), "role", `input[name="name"][value="onboarding"]`},
		} {
			vals := c.vals
			if vals.Get("password") == "" {
				vals.Set("password", webtest.Password)
			}
			r := owner.Submit(apiTokensURL, apiTokensURL, vals)
			if r.Status != http.StatusUnprocessableEntity {
				t.Errorf("%s: %d", c.field, r.Status)
				continue
			}
			d := page(t, r)
			if strings.TrimSpace(d.Find("#e-"+c.field).Text()) == "" || d.Find(c.kept).Length() != 1 {
				t.Errorf("%s: no message beside the field or typed value lost", c.field)
			}
		}
		if n := count(); n != 0 {
			t.Fatalf("%d tokens saved by refused forms", n)
		}

		r = owner.Submit(apiTokensURL, apiTokensURL, with("password", webtest.Password))
		if r.Status != http.StatusCreated || r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("create: %d", r.Status)
		}
		d = page(t, r)
		raw := strings.TrimSpace(d.Find(`[data-testid="token-value"]`).Text())
		if !strings.HasPrefix(raw, "gh_") || len(raw) != 46 {
			t.Fatalf("token shown %q", raw)
		}
		row := d.Find(`[data-testid="token-row"]`)
		if row.Length() != 1 || !strings.Contains(row.Text(), "Editor - Organizations") || !strings.Contains(row.Text(), "in sales") || !strings.Contains(row.Text(), "never") {
			t.Fatalf("row %q", row.Text())
		}
		// Shown once: the list never shows it again.
		r = owner.Get(apiTokensURL)
		if strings.Contains(r.Body, raw) || strings.Contains(r.Body, raw[10:]) {
			t.Fatal("the list shows the token again")
		}
		// Used once, the list says when.
		if got := apiDo(t, app, raw, http.MethodGet, "/api/v1/organizations", "", nil); got.Status != http.StatusOK {
			t.Fatalf("use: %d %s", got.Status, got.Body)
		}
		if d := page(t, owner.Get(apiTokensURL)); strings.Contains(d.Find(`[data-testid="token-row"]`).Text(), "never") {
			t.Error("last use not shown")
		}

		// Others: an auditor reads without the form nor Revoke; a member gets 403.
		aud, _ := app.SignedInAs(tn, "aud@example.com", "tenant_auditor")
		r = aud.Get(apiTokensURL)
		d = page(t, r)
		if r.Status != http.StatusOK || d.Find(`[data-testid="token-row"]`).Length() != 1 || d.Find(`[data-testid="token-create"]`).Length() != 0 ||
			d.Find(`form[action$="/revoke"]`).Length() != 0 {
			t.Fatalf("auditor: %d", r.Status)
		}
		id := row.AttrOr("data-id", "")
		revoke := apiTokensURL + "/" + id + "/revoke"
		if r := aud.Submit(apiTokensURL, revoke, url.Values{}); r.Status != http.StatusForbidden {
			t.Fatalf("auditor revokes: %d", r.Status)
		}
		if r := aud.Submit(apiTokensURL, apiTokensURL, with("password", webtest.Password)); r.Status != http.StatusForbidden {
			t.Fatalf("auditor creates: %d", r.Status)
		}
		member, _ := app.SignedInAs(tn, "member@example.com", "tenant_member")
		for _, p := range []string{apiTokensURL, "/t/acme/settings/api"} {
			if r := member.Get(p); r.Status != http.StatusForbidden {
				t.Fatalf("member %s: %d", p, r.Status)
			}
		}
		if n := count(); n != 1 {
			t.Fatalf("%d tokens", n)
		}

		// Another tenant's admin cannot revoke it (404), the owner can.
		other, _, _ := app.Owner("other", "o@example.com")
		if r := other.Submit("/t/other/settings/api-tokens", "/t/other/settings/api-tokens/"+id+"/revoke", url.Values{}); r.Status != http.StatusNotFound {
			t.Fatalf("other tenant revokes: %d", r.Status)
		}
		r = owner.Submit(apiTokensURL, revoke, url.Values{})
		if r.Status != http.StatusSeeOther || r.Location != apiTokensURL {
			t.Fatalf("revoke: %d %s", r.Status, r.Location)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.APIToken{}).Where("revoked_at IS NOT NULL")); n != 1 {
			t.Fatal("not revoked")
		}
		if got := apiDo(t, app, raw, http.MethodGet, "/api/v1/organizations", "", nil); got.Status != http.StatusUnauthorized {
			t.Fatalf("revoked token used: %d", got.Status)
		}

		// The API page.
		r = owner.Get("/t/acme/settings/api")
		d = page(t, r)
		if r.Status != http.StatusOK || d.Find(`a[data-testid="openapi-link"][href="/api/v1/openapi.json"]`).Length() != 1 ||
			!strings.Contains(d.Find(`[data-testid="curl-list"]`).Text(), app.URL("/api/v1/organizations")) {
			t.Fatalf("API page: %d", r.Status)
		}
	})
}
