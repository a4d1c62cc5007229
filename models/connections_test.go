package models_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"gatehouse/models"
	"gatehouse/models/modelstest"
)

func TestStrategiesAreGrouped(t *testing.T) {
	t.Parallel()
	want := map[string]string{"database": "database", "google-oauth2": "social", "github": "social", "microsoft": "social", "apple": "social",
		"samlp": "enterprise", "oidc": "enterprise", "waad": "enterprise", "adfs": "enterprise", "okta": "enterprise",
		"facebook": "social", "linkedin": "social", "twitter": "social", "google-apps": "enterprise", "pingfederate": "enterprise"}
	got := models.Strategies()
	if len(got) != len(want) {
		t.Fatalf("%d strategies", len(got))
	}
	last := 0
	order := map[string]int{"database": 0, "social": 1, "enterprise": 2}
	for _, s := range got {
		if want[s.Key] != s.Type || s.Name == "" {
			t.Errorf("strategy %+v", s)
		}
		if order[s.Type] < last {
			t.Errorf("strategies not grouped by type at %s", s.Key)
		}
		last = order[s.Type]
	}
	for _, n := range []string{"Username-Password-Authentication", "google-oauth2", "a", "a1-b2"} {
		if !models.ValidConnectionName(n) {
			t.Errorf("%q refused", n)
		}
	}
	for _, n := range []string{"", "-a", "a-", "a b", "a_b", "é", strings.Repeat("a", 129)} {
		if models.ValidConnectionName(n) {
			t.Errorf("%q accepted", n)
		}
	}
}

func TestConnections(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, _ := newStore(db)
		ctx := context.Background()
		acme, globex := twoTenants(t, s)
		actor := models.Actor{Email: "a@acme.example"}

		before := rowCounts(t, db.DB)
		for _, tc := range []struct {
			in     models.CreateConnectionInput
			fields []string
		}{
			{models.CreateConnectionInput{}, []string{"name", "strategy"}},
			{models.CreateConnectionInput{Name: "has space", Strategy: "github"}, []string{"name"}},
			{models.CreateConnectionInput{Name: "ok", Strategy: "myspace"}, []string{"strategy"}},
			{models.CreateConnectionInput{Name: "ok", Strategy: "github", DisplayName: strings.Repeat("d", 129)}, []string{"display_name"}},
		} {
			_, err := s.CreateConnection(ctx, acme.ID, tc.in, actor)
			f := fieldsOf(t, err)
			if len(f) != len(tc.fields) {
				t.Errorf("%+v: %v", tc.in, f)
			}
			for _, k := range tc.fields {
				if f[k] == "" {
					t.Errorf("%+v: no message for %s", tc.in, k)
				}
			}
		}
		if after := rowCounts(t, db.DB); after != before {
			t.Fatalf("invalid input saved something: %s → %s", before, after)
		}

		c, err := s.CreateConnection(ctx, acme.ID, models.CreateConnectionInput{Name: " Username-Password-Authentication ", Strategy: "database", DisplayName: " Sign in "}, actor)
		if err != nil {
			t.Fatal(err)
		}
		if c.Name != "Username-Password-Authentication" || c.DisplayName != "Sign in" || !c.Enabled || c.Type() != models.ConnDatabase {
			t.Fatalf("created %+v", c)
		}
		if ev := lastAudit(t, db.DB, acme.ID); ev.Action != "connection.created" || ev.TargetType != "connection" || ev.TargetLabel != c.Name {
			t.Fatalf("audit %+v", ev)
		}
		// Names are unique per tenant whatever the case.
		before = rowCounts(t, db.DB)
		_, err = s.CreateConnection(ctx, acme.ID, models.CreateConnectionInput{Name: "username-password-authentication", Strategy: "database"}, actor)
		if f := fieldsOf(t, err); !strings.Contains(f["name"], "already exists") {
			t.Fatalf("duplicate: %v", f)
		}
		if after := rowCounts(t, db.DB); after != before {
			t.Fatalf("duplicate saved something: %s → %s", before, after)
		}
		_, err = s.CreateConnection(ctx, acme.ID, models.CreateConnectionInput{Name: "USERNAME-Password-Authentication", Strategy: "nope"}, actor)
		if f := fieldsOf(t, err); !strings.Contains(f["name"], "already exists") || f["strategy"] == "" {
			t.Fatalf("duplicate with a bad strategy: %v", f)
		}
		// Auth0's own names for strategies are understood, in any case.
		if c, err := s.CreateConnection(ctx, globex.ID, models.CreateConnectionInput{Name: "auth0-db", Strategy: " Auth0 "}, actor); err != nil || c.Strategy != "database" {
			t.Fatalf("strategy auth0: %+v %v", c, err)
		}
		if _, err := s.CreateConnection(ctx, globex.ID, models.CreateConnectionInput{Name: "Username-Password-Authentication", Strategy: "database"}, actor); err != nil {
			t.Fatalf("same name in another tenant: %v", err)
		}

		// Update: display name and enabled; audit lists what changed.
		got, err := s.UpdateConnection(ctx, acme.ID, c.ID, models.UpdateConnectionInput{DisplayName: "Email and password", Enabled: false}, actor)
		if err != nil || got.Enabled || got.DisplayName != "Email and password" || got.Name != c.Name {
			t.Fatalf("update: %v %+v", err, got)
		}
		ev := lastAudit(t, db.DB, acme.ID)
		if ev.Action != "connection.updated" || !strings.Contains(ev.Changes, `"enabled":{"before":true,"after":false}`) {
			t.Fatalf("audit %+v", ev)
		}
		before = rowCounts(t, db.DB)
		if _, err := s.UpdateConnection(ctx, acme.ID, c.ID, models.UpdateConnectionInput{DisplayName: "Email and password"}, actor); err != nil {
			t.Fatal(err)
		}
		_, err = s.UpdateConnection(ctx, acme.ID, c.ID, models.UpdateConnectionInput{DisplayName: strings.Repeat("x", 129)}, actor)
		if f := fieldsOf(t, err); f["display_name"] == "" {
			t.Fatalf("long display name: %v", f)
		}
		if _, err := s.UpdateConnection(ctx, globex.ID, c.ID, models.UpdateConnectionInput{}, actor); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("cross-tenant update: %v", err)
		}
		if _, err := s.DeleteConnection(ctx, globex.ID, c.ID, actor); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("cross-tenant delete: %v", err)
		}
		if after := rowCounts(t, db.DB); after != before {
			t.Fatalf("no-op, invalid or cross-tenant changes wrote: %s → %s", before, after)
		}

		// List: by name whatever the case, by type, paginated.
		for i, st := range []string{"github", "google-oauth2", "samlp", "oidc", "apple"} {
			if _, err := s.CreateConnection(ctx, acme.ID, models.CreateConnectionInput{Name: fmt.Sprintf("%c-conn", 'a'+i), Strategy: st}, actor); err != nil {
				t.Fatal(err)
			}
		}
		var names []string
		var after int64
		for pages := 0; ; pages++ {
			p, err := s.ListConnections(ctx, acme.ID, models.ConnectionListQuery{After: after, Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range p.Items {
				names = append(names, c.Name)
			}
			if p.Next == 0 || pages > 5 {
				break
			}
			after = p.Next
		}
		if got := strings.Join(names, ","); got != "a-conn,b-conn,c-conn,d-conn,e-conn,Username-Password-Authentication" {
			t.Fatalf("listed %s", got)
		}
		for typ, want := range map[string]string{models.ConnSocial: "a-conn,b-conn,e-conn", models.ConnEnterprise: "c-conn,d-conn",
			models.ConnDatabase: "Username-Password-Authentication", "bogus": ""} {
			p, err := s.ListConnections(ctx, acme.ID, models.ConnectionListQuery{Type: typ})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range p.Items {
				got = append(got, c.Name)
			}
			if strings.Join(got, ",") != want {
				t.Errorf("type %s: %v", typ, got)
			}
		}
		if total, enabled, err := s.CountConnections(ctx, acme.ID); total != 6 || enabled != 5 || err != nil {
			t.Fatalf("count %d %d %v", total, enabled, err)
		}

		deleted, err := s.DeleteConnection(ctx, acme.ID, c.ID, actor)
		if err != nil || deleted.Name != c.Name {
			t.Fatalf("delete: %v", err)
		}
		if _, err := s.ConnectionByID(ctx, acme.ID, c.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("deleted connection: %v", err)
		}
		if ev := lastAudit(t, db.DB, acme.ID); ev.Action != "connection.deleted" || ev.TargetLabel != c.Name {
			t.Fatalf("audit %+v", ev)
		}
		if _, err := s.ConnectionByID(ctx, globex.ID, c.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatal("cross-tenant read")
		}
	})
}
