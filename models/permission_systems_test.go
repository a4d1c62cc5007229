package models_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"gatehouse/models"
	"gatehouse/models/fga"
	"gatehouse/models/modelstest"
)

// TestPermissionSystemModelTuplesAndCheck: a model is validated on save
// (the parser's line and column beside the field), tuples against the
// model, Check answers with the path (direct, computed, tuple-to-userset,
// userset), a deep chain stops at the depth bound, a stale save is
// refused, every change is audited, auditors read and check but change
// nothing, and another tenant's systems are not found.
func TestPermissionSystemModelTuplesAndCheck(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		w := newWSWorld(t, db)
		ctx := context.Background()
		act := models.Actor{AdminID: w.owner.Administrator.ID, Email: "owner@example.com"}
		aud := w.admin(t, "auditor@example.com", "tenant_auditor")
		member := w.admin(t, "member@example.com", "tenant_member")

		// A model with a syntax error: refused with its line, nothing saved.
		_, err := w.s.CreatePermissionSystem(ctx, w.owner, models.PermissionSystemInput{Name: "Docs", Model: "model\n  schema 1.1\ntype user\ntype doc\n  relations\n    define viewer: [usr]\n"}, act)
		var verr *models.ValidationError
		if !errors.As(err, &verr) || !strings.Contains(verr.Fields["model"], "line 6") || !strings.Contains(verr.Fields["model"], "usr") {
			t.Fatalf("bad model: %v", err)
		}
		if n := modelstest.Count(t, db.DB.Table("permission_systems")); n != 0 {
			t.Fatalf("a refused model was saved (%d)", n)
		}
		if _, err := w.s.CreatePermissionSystem(ctx, aud, models.PermissionSystemInput{Name: "Docs", Model: models.PermissionSystemModelExample}, act); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("auditor creates: %v", err)
		}
		ps, err := w.s.CreatePermissionSystem(ctx, w.owner, models.PermissionSystemInput{Name: "Docs", Model: models.PermissionSystemModelExample}, act)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.s.CreatePermissionSystem(ctx, w.owner, models.PermissionSystemInput{Name: "Docs", Model: models.PermissionSystemModelExample}, act); !errors.As(err, &verr) || verr.Fields["name"] == "" {
			t.Fatalf("duplicate name: %v", err)
		}

		add := func(obj, rel, subj string) error {
			_, err := w.s.AddPermissionTuple(ctx, w.owner, ps.ID, models.TupleInput{Object: obj, Relation: rel, Subject: subj}, act)
			return err
		}
		for _, tu := range [][3]string{
			{"document:plan", "owner", "user:ann"},
			{"document:plan", "parent", "folder:q1"},
			{"folder:q1", "viewer", "group:eng#member"},
			{"group:eng", "member", "user:bob"},
			{"document:memo", "viewer", "user:cid"},
		} {
			if err := add(tu[0], tu[1], tu[2]); err != nil {
				t.Fatalf("add %v: %v", tu, err)
			}
		}
		// Tuples that do not fit the model, and a duplicate.
		for _, tc := range []struct {
			obj, rel, subj, field string
		}{
			{"doc:plan", "viewer", "user:ann", "object"},        // no such type
			{"document:plan", "reader", "user:ann", "relation"}, // no such relation
			{"document:plan", "viewer", "folder:q1", "subject"}, // type not allowed
			{"document:plan", "viewer", "user:*", "subject"},    // wildcard not allowed
			{"document:plan", "owner", "user:ann", "subject"},   // duplicate
			{"document plan", "viewer", "user:ann", "object"},   // not type:id
			{"", "viewer", "user:ann", "object"},                // required
		} {
			err := add(tc.obj, tc.rel, tc.subj)
			if !errors.As(err, &verr) || verr.Fields[tc.field] == "" {
				t.Errorf("tuple %s %s %s: %v", tc.obj, tc.rel, tc.subj, err)
			}
		}

		check := func(v models.Viewer, obj, rel, subj string) fga.Result {
			t.Helper()
			r, err := w.s.CheckPermission(ctx, v, ps.ID, models.CheckInput{Object: obj, Relation: rel, Subject: subj})
			if err != nil {
				t.Fatalf("check %s %s %s: %v", subj, rel, obj, err)
			}
			return r
		}
		kinds := func(r fga.Result) string {
			var k []string
			for _, s := range r.Path {
				k = append(k, string(s.Kind))
			}
			return strings.Join(k, ">")
		}
		// Direct.
		if r := check(aud, "document:plan", "owner", "user:ann"); !r.Allowed || kinds(r) != "direct" {
			t.Errorf("ann owner: %v %s", r.Allowed, kinds(r))
		}
		// Computed: owner → editor → viewer.
		if r := check(aud, "document:plan", "viewer", "user:ann"); !r.Allowed || kinds(r) != "computed>computed>direct" || !strings.Contains(r.Path[2].Tuple, "document:plan#owner@user:ann") {
			t.Errorf("ann viewer: %v %s %+v", r.Allowed, kinds(r), r.Path)
		}
		// Tuple-to-userset through the folder, then a userset (group member).
		if r := check(w.owner, "document:plan", "viewer", "user:bob"); !r.Allowed || kinds(r) != "tuple_to_userset>userset>direct" {
			t.Errorf("bob viewer: %v %s", r.Allowed, kinds(r))
		}
		// Denied.
		if r := check(aud, "document:plan", "viewer", "user:cid"); r.Allowed || len(r.Path) != 0 {
			t.Errorf("cid viewer of plan: %v", r.Allowed)
		}
		if r := check(aud, "document:plan", "editor", "user:bob"); r.Allowed {
			t.Error("bob editor of plan")
		}
		// A request that does not fit the model names its field.
		if _, err := w.s.CheckPermission(ctx, aud, ps.ID, models.CheckInput{Object: "document:plan", Relation: "reader", Subject: "user:ann"}); !errors.As(err, &verr) || verr.Fields["relation"] == "" {
			t.Errorf("bad relation: %v", err)
		}
		if _, err := w.s.CheckPermission(ctx, member, ps.ID, models.CheckInput{Object: "document:plan", Relation: "viewer", Subject: "user:ann"}); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("tenant member checks: %v", err)
		}

		// Removing a tuple takes its path away.
		tuples, err := w.s.PermissionTuples(ctx, aud, ps.ID)
		if err != nil || len(tuples) != 5 {
			t.Fatalf("tuples: %d %v", len(tuples), err)
		}
		if err := w.s.RemovePermissionTuple(ctx, aud, ps.ID, tuples[3].ID, act); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("auditor removes: %v", err)
		}
		if err := w.s.RemovePermissionTuple(ctx, w.owner, ps.ID, tuples[3].ID, act); err != nil {
			t.Fatal(err)
		}
		if r := check(aud, "document:plan", "viewer", "user:bob"); r.Allowed {
			t.Error("bob still a viewer after leaving the group")
		}

		// Optimistic locking.
		in := models.PermissionSystemInput{Name: "Documents", Model: models.PermissionSystemModelExample, Version: 1}
		if _, err := w.s.UpdatePermissionSystem(ctx, w.owner, ps.ID, in, act); err != nil {
			t.Fatal(err)
		}
		in.Name = "Docs again"
		if _, err := w.s.UpdatePermissionSystem(ctx, w.owner, ps.ID, in, act); !errors.Is(err, models.ErrChangedSince) {
			t.Errorf("stale save: %v", err)
		}
		in.Version, in.Model = 2, "model\n  schema 1.1\ntype user\n"
		if _, err := w.s.UpdatePermissionSystem(ctx, w.owner, ps.ID, in, act); err != nil {
			t.Fatal(err)
		}
		// Tuples of the old model take no part in checks any more.
		if _, err := w.s.CheckPermission(ctx, aud, ps.ID, models.CheckInput{Object: "document:plan", Relation: "owner", Subject: "user:ann"}); !errors.As(err, &verr) || verr.Fields["object"] == "" {
			t.Errorf("check against a type gone: %v", err)
		}

		// Another tenant cannot reach it.
		other, _, _, err := w.s.CreateTenant(ctx, models.CreateTenantInput{Slug: "globex", Name: "Globex", Plan: models.PlanEnterprise, AdminEmail: "g@example.com"}, models.Actor{Email: "cli"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.s.PermissionSystemByID(ctx, other.ID, ps.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("another tenant loads it: %v", err)
		}

		if err := w.s.DeletePermissionSystem(ctx, w.owner, ps.ID, act); err != nil {
			t.Fatal(err)
		}
		if n := modelstest.Count(t, db.DB.Table("permission_tuples")); n != 0 {
			t.Errorf("%d tuples outlive their system", n)
		}
		actions := modelstest.Pluck[string](t, db.DB.Table("audit_events").Where("target_type = ?", "permission_system").Order("id"), "action")
		want := "permission_system.created " + strings.Repeat("permission_system.tuple_added ", 5) +
			"permission_system.tuple_removed permission_system.updated permission_system.updated permission_system.deleted"
		if got := strings.Join(actions, " "); got != want {
			t.Errorf("audit:\n got %s\nwant %s", got, want)
		}
	})
}

// TestPermissionCheckDepthIsBounded: a chain of usersets deeper than the
// bound is refused with a message, not answered.
func TestPermissionCheckDepthIsBounded(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		w := newWSWorld(t, db)
		ctx := context.Background()
		act := models.Actor{Email: "owner@example.com"}
		ps, err := w.s.CreatePermissionSystem(ctx, w.owner, models.PermissionSystemInput{Name: "Groups",
			Model: "model\n  schema 1.1\ntype user\ntype group\n  relations\n    define member: [user, group#member]\n"}, act)
		if err != nil {
			t.Fatal(err)
		}
		depth := fga.MaxDepth + 3
		for i := 0; i < depth; i++ {
			if _, err := w.s.AddPermissionTuple(ctx, w.owner, ps.ID, models.TupleInput{Object: fmt.Sprintf("group:g%d", i), Relation: "member", Subject: fmt.Sprintf("group:g%d#member", i+1)}, act); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := w.s.AddPermissionTuple(ctx, w.owner, ps.ID, models.TupleInput{Object: fmt.Sprintf("group:g%d", depth), Relation: "member", Subject: "user:zed"}, act); err != nil {
			t.Fatal(err)
		}
		// Near the end of the chain: allowed, through nested usersets.
		r, err := w.s.CheckPermission(ctx, w.owner, ps.ID, models.CheckInput{Object: fmt.Sprintf("group:g%d", depth-3), Relation: "member", Subject: "user:zed"})
		if err != nil || !r.Allowed || len(r.Path) != 4 {
			t.Fatalf("short chain: %v %v %d", r.Allowed, err, len(r.Path))
		}
		// From the top: deeper than the bound.
		_, err = w.s.CheckPermission(ctx, w.owner, ps.ID, models.CheckInput{Object: "group:g0", Relation: "member", Subject: "user:zed"})
		var verr *models.ValidationError
		if !errors.As(err, &verr) || !strings.Contains(verr.Fields["relation"], "nested steps") {
			t.Fatalf("deep chain: %v", err)
		}
	})
}
