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

func TestEndUserRoles(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, _ := newStore(db)
		ctx := context.Background()
		acme, globex := twoTenants(t, s)
		actor := models.Actor{Email: "a@acme.example"}

		before := rowCounts(t, db.DB)
		for _, tc := range []struct {
			in    models.EndUserRoleInput
			field string
		}{
			{models.EndUserRoleInput{Name: "  "}, "name"},
			{models.EndUserRoleInput{Name: strings.Repeat("r", 101)}, "name"},
			{models.EndUserRoleInput{Name: "two\nlines"}, "name"},
			{models.EndUserRoleInput{Name: "ok", Description: strings.Repeat("d", 501)}, "description"},
		} {
			_, err := s.CreateEndUserRole(ctx, acme.ID, tc.in, actor)
			if f := fieldsOf(t, err); f[tc.field] == "" || len(f) != 1 {
				t.Errorf("%+v: %v", tc.in, f)
			}
		}
		if after := rowCounts(t, db.DB); after != before {
			t.Fatalf("invalid input saved something: %s → %s", before, after)
		}

		r, err := s.CreateEndUserRole(ctx, acme.ID, models.EndUserRoleInput{Name: " Billing Admin ", Description: " Manages invoices "}, actor)
		if err != nil || r.Name != "Billing Admin" || r.Description != "Manages invoices" {
			t.Fatalf("create: %v %+v", err, r)
		}
		if ev := lastAudit(t, db.DB, acme.ID); ev.Action != "role.created" || ev.TargetType != "role" || ev.TargetLabel != "Billing Admin" {
			t.Fatalf("audit %+v", ev)
		}
		other, err := s.CreateEndUserRole(ctx, acme.ID, models.EndUserRoleInput{Name: "Viewer"}, actor)
		if err != nil {
			t.Fatal(err)
		}
		before = rowCounts(t, db.DB)
		if _, err := s.CreateEndUserRole(ctx, acme.ID, models.EndUserRoleInput{Name: "billing admin"}, actor); !strings.Contains(fieldsOf(t, err)["name"], "already exists") {
			t.Fatal("duplicate name accepted")
		}
		if _, err := s.UpdateEndUserRole(ctx, acme.ID, other.ID, models.EndUserRoleInput{Name: "BILLING ADMIN"}, actor); !strings.Contains(fieldsOf(t, err)["name"], "already exists") {
			t.Fatal("rename onto another role accepted")
		}
		if _, err := s.UpdateEndUserRole(ctx, globex.ID, r.ID, models.EndUserRoleInput{Name: "x"}, actor); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("cross-tenant update: %v", err)
		}
		if _, err := s.DeleteEndUserRole(ctx, globex.ID, r.ID, actor); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("cross-tenant delete: %v", err)
		}
		// Same description and name: nothing written.
		if _, err := s.UpdateEndUserRole(ctx, acme.ID, r.ID, models.EndUserRoleInput{Name: "Billing Admin", Description: "Manages invoices"}, actor); err != nil {
			t.Fatal(err)
		}
		if after := rowCounts(t, db.DB); after != before {
			t.Fatalf("refused or no-op changes wrote: %s → %s", before, after)
		}
		if _, err := s.CreateEndUserRole(ctx, globex.ID, models.EndUserRoleInput{Name: "Billing Admin"}, actor); err != nil {
			t.Fatalf("same name in another tenant: %v", err)
		}

		// A case-only rename of itself is fine.
		got, err := s.UpdateEndUserRole(ctx, acme.ID, r.ID, models.EndUserRoleInput{Name: "Billing admin", Description: "Pays the bills"}, actor)
		if err != nil || got.Name != "Billing admin" {
			t.Fatalf("rename: %v %+v", err, got)
		}
		ev := lastAudit(t, db.DB, acme.ID)
		if ev.Action != "role.updated" || !strings.Contains(ev.Changes, `"description":{"before":"Manages invoices","after":"Pays the bills"}`) {
			t.Fatalf("audit %+v", ev)
		}

		// List and search, paginated by name.
		for i := 0; i < 5; i++ {
			if _, err := s.CreateEndUserRole(ctx, acme.ID, models.EndUserRoleInput{Name: fmt.Sprintf("member %d", i)}, actor); err != nil {
				t.Fatal(err)
			}
		}
		var names []string
		var after int64
		for pages := 0; ; pages++ {
			p, err := s.ListEndUserRoles(ctx, acme.ID, models.EndUserRoleListQuery{After: after, Limit: 3})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range p.Items {
				names = append(names, r.Name)
			}
			if p.Next == 0 || pages > 5 {
				break
			}
			after = p.Next
		}
		if got := strings.Join(names, ","); got != "Billing admin,member 0,member 1,member 2,member 3,member 4,Viewer" {
			t.Fatalf("listed %s", got)
		}
		p, err := s.ListEndUserRoles(ctx, acme.ID, models.EndUserRoleListQuery{Search: "MEMBER"})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) != 5 {
			t.Fatalf("search: %d", len(p.Items))
		}
		if n, err := s.CountEndUserRoles(ctx, acme.ID); err != nil {
			t.Fatal(err)
		} else if n != 7 {
			t.Fatalf("count %d", n)
		}
		byIDs, err := s.EndUserRolesByIDs(ctx, acme.ID, []int64{r.ID, other.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(byIDs) != 2 || byIDs[0].ID != r.ID {
			t.Fatalf("by ids %+v", byIDs)
		}

		if _, err := s.DeleteEndUserRole(ctx, acme.ID, r.ID, actor); err != nil {
			t.Fatal(err)
		}
		if _, err := s.EndUserRoleByID(ctx, acme.ID, r.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("deleted role: %v", err)
		}
		if ev := lastAudit(t, db.DB, acme.ID); ev.Action != "role.deleted" || ev.TargetLabel != "Billing admin" {
			t.Fatalf("audit %+v", ev)
		}
	})
}
