package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/webtest"
)

// TestAPIOnboardsAnOrganization is the script a platform runs for a new
// customer: a Tenant Admin makes a token in the console (editors of
// organizations, users and connections), then the script, through the API
// alone, creates the customer's connection and organization, enables the
// connection for it, creates a user, makes them a member with a role,
// invites a colleague, checks the result, and reads back the audit events
// it caused, each naming the token as actor.
func TestAPIOnboardsAnOrganization(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		owner, tn, _ := app.Owner("acme", "owner@example.com")
		app.OrgRole(tn, "buyer", "Places orders")
		r := owner.Submit(apiTokensURL, apiTokensURL, url.Values{"name": {"onboarding"},
			"role": {"editor_organizations", "editor_users", "editor_connections"}, "expires_in_days": {"7"}, "password": {webtest.Password}})
		if r.Status != http.StatusCreated {
			t.Fatalf("token: %d", r.Status)
		}
		tok := strings.TrimSpace(page(t, r).Find(`[data-testid="token-value"]`).Text())
		var tokID int64
		modelstest.Must(t, db.DB.Model(&models.APIToken{}).Where("token_hash = ?", models.HashToken(tok)).Select("id").Scan(&tokID))
		label := fmt.Sprintf("api-token #%d (onboarding)", tokID)
		since := app.Store.Now().UTC().Add(-time.Second).Format("2006-01-02T15:04:05")

		step := func(method, path string, body any, want int) apiResponse {
			t.Helper()
			res := apiDo(t, app, tok, method, path, "onboard "+method+" "+path, body)
			if res.Status != want {
				t.Fatalf("%s %s: %d %s", method, path, res.Status, res.Body)
			}
			return res
		}
		step(http.MethodPost, "/api/v1/connections", map[string]any{"name": "globex-sso", "strategy": "oidc", "display_name": "Globex SSO"}, http.StatusCreated)
		step(http.MethodPost, "/api/v1/organizations", map[string]any{"name": "globex", "display_name": "Globex Corp"}, http.StatusCreated)
		step(http.MethodPost, "/api/v1/organizations/globex/connections", map[string]any{"connection": "globex-sso", "auto_membership": true}, http.StatusCreated)
		var u struct {
			ID int64 `json:"id"`
		}
		step(http.MethodPost, "/api/v1/users", map[string]any{"email": "hank@globex.example", "given_name": "Hank", "family_name": "Scorpio"}, http.StatusCreated).JSON(t, &u)
		step(http.MethodPost, "/api/v1/organizations/globex/members", map[string]any{"email": "hank@globex.example"}, http.StatusCreated)
		step(http.MethodPost, fmt.Sprintf("/api/v1/organizations/globex/members/%d/roles", u.ID), map[string]any{"role": "buyer"}, http.StatusCreated)
		step(http.MethodPost, "/api/v1/organizations/globex/invitations", map[string]any{"email": "frank@globex.example", "roles": []string{"buyer"}}, http.StatusCreated)

		// What the script made.
		var members struct {
			Data []struct {
				Email string `json:"email"`
				Roles []struct {
					Name string `json:"name"`
				} `json:"roles"`
			} `json:"data"`
		}
		step(http.MethodGet, "/api/v1/organizations/globex/members", nil, http.StatusOK).JSON(t, &members)
		if len(members.Data) != 1 || members.Data[0].Email != "hank@globex.example" || len(members.Data[0].Roles) != 1 || members.Data[0].Roles[0].Name != "buyer" {
			t.Fatalf("members %+v", members)
		}
		var invs struct {
			Data []struct {
				Email string `json:"email"`
			} `json:"data"`
		}
		step(http.MethodGet, "/api/v1/organizations/globex/invitations", nil, http.StatusOK).JSON(t, &invs)
		if len(invs.Data) != 1 || invs.Data[0].Email != "frank@globex.example" {
			t.Fatalf("invitations %+v", invs)
		}
		var conns struct {
			Data []struct {
				Connection struct {
					Name string `json:"name"`
				} `json:"connection"`
				AutoMembership bool `json:"auto_membership"`
			} `json:"data"`
		}
		step(http.MethodGet, "/api/v1/organizations/globex/connections", nil, http.StatusOK).JSON(t, &conns)
		if len(conns.Data) != 1 || conns.Data[0].Connection.Name != "globex-sso" || !conns.Data[0].AutoMembership {
			t.Fatalf("connections %+v", conns)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.OutboxEmail{}).Where("to_addr = ?", "frank@globex.example")); n != 1 {
			t.Fatalf("%d invitation e-mails", n)
		}

		// The audit events it caused, read through the API, name the token.
		var evs struct {
			Data []struct {
				Actor  string `json:"actor"`
				Action string `json:"action"`
			} `json:"data"`
		}
		step(http.MethodGet, "/api/v1/audit-events?since="+url.QueryEscape(since)+"&actor="+url.QueryEscape(label), nil, http.StatusOK).JSON(t, &evs)
		var actions []string
		for _, e := range evs.Data {
			if e.Actor != label {
				t.Errorf("event %s by %q", e.Action, e.Actor)
			}
			actions = append(actions, e.Action)
		}
		sort.Strings(actions)
		want := []string{"connection.created", "organization.connection_enabled", "organization.created", "organization.invitation_created",
			"organization.member_added", "organization.member_role_assigned", "user.created"}
		if strings.Join(actions, " ") != strings.Join(want, " ") {
			t.Fatalf("audit events %v, want %v", actions, want)
		}
		// The token holds no audit-free way around its roles: it cannot create an administrator.
		if r := apiDo(t, app, tok, http.MethodPost, "/api/v1/administrators", "", map[string]string{"email": "x@example.com", "role": "tenant_admin"}); r.Status != http.StatusForbidden {
			t.Fatalf("administrator: %d", r.Status)
		}
	})
}
