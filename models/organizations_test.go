package models_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/models/passwords"

	"gorm.io/gorm"
)

// orgFixture is a tenant with an owner viewer, two end-user roles, a user
// and a connection.
type orgFixture struct {
	s       *models.Store
	clk     *clock
	tenant  models.Tenant
	viewer  models.Viewer
	actor   models.Actor
	editor  models.EndUserRole
	viewer2 models.EndUserRole
	user    models.User
	conn    models.Connection
}

func newOrgFixture(t *testing.T, db modelstest.DB, slug string) *orgFixture {
	t.Helper()
	s, clk := newStore(db)
	ctx := context.Background()
	tn, owner, link, err := s.CreateTenant(ctx, models.CreateTenantInput{Slug: slug, Name: strings.ToUpper(slug), Plan: models.PlanEnterprise, AdminEmail: "owner@" + slug + ".example"}, models.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	// The owner accepts: invitations are only as good as an active inviter.
	const pw = "correct horse battery staple"
	if _, err := s.AcceptInvitation(ctx, tokenOf(link), pw, pw, models.Actor{}); err != nil {
		t.Fatal(err)
	}
	v, err := s.LoadViewer(ctx, tn, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	f := &orgFixture{s: s, clk: clk, tenant: tn, viewer: v, actor: models.Actor{AdminID: owner.ID, Email: owner.Email, IP: "192.0.2.1"}}
	if f.editor, err = s.CreateEndUserRole(ctx, tn.ID, models.EndUserRoleInput{Name: "Editor", Description: "Edits"}, f.actor); err != nil {
		t.Fatal(err)
	}
	if f.viewer2, err = s.CreateEndUserRole(ctx, tn.ID, models.EndUserRoleInput{Name: "Viewer"}, f.actor); err != nil {
		t.Fatal(err)
	}
	if f.user, err = s.CreateUser(ctx, tn.ID, models.CreateUserInput{Email: "Ann@" + slug + "-users.example", GivenName: "Ann", FamilyName: "Andersen"}, f.actor); err != nil {
		t.Fatal(err)
	}
	if f.conn, err = s.CreateConnection(ctx, tn.ID, models.CreateConnectionInput{Name: "corp-saml", Strategy: "samlp", DisplayName: "Corp SSO"}, f.actor); err != nil {
		t.Fatal(err)
	}
	return f
}

func fields(err error) map[string]string {
	var verr *models.ValidationError
	if errors.As(err, &verr) {
		return verr.Fields
	}
	return nil
}

func tableCounts(t *testing.T, db *gorm.DB) string {
	t.Helper()
	var parts []string
	for _, m := range []any{&models.Organization{}, &models.OrganizationMember{}, &models.OrganizationMemberRole{}, &models.OrganizationInvitation{},
		&models.OrganizationConnection{}, &models.AuditEvent{}, &models.OutboxEmail{}, &models.User{}} {
		var n int64
		if err := db.Model(m).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		parts = append(parts, fmt.Sprint(n))
	}
	var versions []int64
	modelstest.Must(t, db.Model(&models.Organization{}).Order("id").Pluck("version", &versions))
	return strings.Join(parts, "/") + fmt.Sprint(versions)
}

func TestOrganizationCreateListSearch(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		f := newOrgFixture(t, db, "acme")
		ctx := context.Background()
		before := tableCounts(t, db.DB)
		for _, c := range []struct {
			in    models.CreateOrgInput
			field string
		}{
			{models.CreateOrgInput{Name: "", DisplayName: "X"}, "name"},
			{models.CreateOrgInput{Name: "Acme", DisplayName: "X"}, "name"},
			{models.CreateOrgInput{Name: "acme corp", DisplayName: "X"}, "name"},
			{models.CreateOrgInput{Name: "-acme", DisplayName: "X"}, "name"},
			{models.CreateOrgInput{Name: "new", DisplayName: "X"}, "name"},
			{models.CreateOrgInput{Name: strings.Repeat("a", 51), DisplayName: "X"}, "name"},
			{models.CreateOrgInput{Name: "acme", DisplayName: ""}, "display_name"},
			{models.CreateOrgInput{Name: "acme", DisplayName: strings.Repeat("é", 256)}, "display_name"},
			{models.CreateOrgInput{Name: "acme", DisplayName: "two\nlines"}, "display_name"},
		} {
			_, err := f.s.CreateOrganization(ctx, f.tenant.ID, c.in, f.actor)
			if fields(err)[c.field] == "" {
				t.Errorf("%+v: want an error on %s, got %v", c.in, c.field, err)
			}
		}
		if after := tableCounts(t, db.DB); after != before {
			t.Fatalf("bad input saved something: %s → %s", before, after)
		}
		o, err := f.s.CreateOrganization(ctx, f.tenant.ID, models.CreateOrgInput{Name: " acme_corp-1 ", DisplayName: " Acme Corporation "}, f.actor)
		if err != nil {
			t.Fatal(err)
		}
		if o.Name != "acme_corp-1" || o.DisplayName != "Acme Corporation" || o.Version != 1 || o.Metadata != "{}" {
			t.Fatalf("created %+v", o)
		}
		if _, err := f.s.CreateOrganization(ctx, f.tenant.ID, models.CreateOrgInput{Name: "acme_corp-1", DisplayName: "Again"}, f.actor); !strings.Contains(fields(err)["name"], "already exists") {
			t.Fatalf("duplicate name: %v", err)
		}
		// The same name in another tenant is fine; it is invisible here.
		g := newOrgFixture(t, db, "globex")
		if _, err := g.s.CreateOrganization(ctx, g.tenant.ID, models.CreateOrgInput{Name: "acme_corp-1", DisplayName: "Globex's"}, g.actor); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.OrganizationByName(ctx, f.tenant.ID, "nope"); !errors.Is(err, models.ErrNotFound) {
			t.Fatal(err)
		}
		var ev models.AuditEvent
		modelstest.Must(t, db.DB.Where("action = ?", "organization.created").Order("id").Take(&ev))
		if ev.TargetType != "organization" || ev.TargetLabel != "acme_corp-1" || !strings.Contains(ev.Changes, "Acme Corporation") || ev.IP != "192.0.2.1" {
			t.Fatalf("audit %+v", ev)
		}

		// List, search, pagination.
		for i := 0; i < 30; i++ {
			if _, err := f.s.CreateOrganization(ctx, f.tenant.ID, models.CreateOrgInput{Name: fmt.Sprintf("org-%02d", i), DisplayName: fmt.Sprintf("Customer %02d", i)}, f.actor); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.s.AddOrganizationMember(ctx, f.tenant.ID, o.ID, f.user.Email, f.actor); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		after, pages := "", 0
		for {
			p, err := f.s.ListOrganizations(ctx, f.tenant.ID, models.OrgListQuery{After: after})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, it := range p.Items {
				if it.Organization.TenantID != f.tenant.ID || seen[it.Organization.Name] {
					t.Fatalf("unexpected row %+v", it.Organization)
				}
				seen[it.Organization.Name] = true
				if it.Organization.Name == "acme_corp-1" && it.Members != 1 {
					t.Fatalf("members of acme_corp-1: %d", it.Members)
				}
			}
			if p.Next == "" {
				break
			}
			after = p.Next
		}
		if len(seen) != 31 || pages != 2 {
			t.Fatalf("%d organizations on %d pages", len(seen), pages)
		}
		p, err := f.s.ListOrganizations(ctx, f.tenant.ID, models.OrgListQuery{Search: "CUSTOMER 1"})
		if err != nil || len(p.Items) != 10 {
			t.Fatalf("search by display name: %d %v", len(p.Items), err)
		}
		p, err = f.s.ListOrganizations(ctx, f.tenant.ID, models.OrgListQuery{Search: "e_c"})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) != 1 || p.Items[0].Organization.Name != "acme_corp-1" {
			t.Fatalf("search by name (with a LIKE wildcard): %+v", p.Items)
		}
		p, err = f.s.ListOrganizations(ctx, f.tenant.ID, models.OrgListQuery{Search: "%"})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) != 0 {
			t.Fatalf("%% matched %d", len(p.Items))
		}
	})
}

func TestOrganizationSettingsAndOptimisticLocking(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		f := newOrgFixture(t, db, "acme")
		ctx := context.Background()
		o, err := f.s.CreateOrganization(ctx, f.tenant.ID, models.CreateOrgInput{Name: "acme", DisplayName: "Acme"}, f.actor)
		if err != nil {
			t.Fatal(err)
		}
		good := models.OrgSettingsInput{Version: 1, DisplayName: "Acme Inc.", LogoURL: "https://cdn.acme.example/logo.png",
			PrimaryColor: "#1F6FEB", PageBackgroundColor: "ffffff", Metadata: []models.KeyValue{{Key: "tier", Value: "gold"}, {}, {Key: "region", Value: "eu"}}}
		before := tableCounts(t, db.DB)
		many := make([]models.KeyValue, 26)
		for i := range many {
			many[i] = models.KeyValue{Key: fmt.Sprintf("k%d", i), Value: "v"}
		}
		for _, c := range []struct {
			change func(*models.OrgSettingsInput)
			field  string
		}{
			{func(in *models.OrgSettingsInput) { in.DisplayName = "" }, "display_name"},
			{func(in *models.OrgSettingsInput) { in.LogoURL = "http://cdn.acme.example/logo.png" }, "logo_url"},
			{func(in *models.OrgSettingsInput) { in.LogoURL = "javascript:alert(1)" }, "logo_url"},
			{func(in *models.OrgSettingsInput) { in.LogoURL = "https://" }, "logo_url"},
			{func(in *models.OrgSettingsInput) { in.LogoURL = "https://a.example/" + strings.Repeat("x", 2048) }, "logo_url"},
			{func(in *models.OrgSettingsInput) { in.PrimaryColor = "blue" }, "primary_color"},
			{func(in *models.OrgSettingsInput) { in.PageBackgroundColor = "#fffffg" }, "page_background_color"},
			{func(in *models.OrgSettingsInput) { in.PageBackgroundColor = "#fff" }, "page_background_color"},
			{func(in *models.OrgSettingsInput) { in.Metadata = many }, "metadata"},
			{func(in *models.OrgSettingsInput) {
				in.Metadata = []models.KeyValue{{Key: strings.Repeat("k", 256), Value: "v"}}
			}, "metadata"},
			{func(in *models.OrgSettingsInput) {
				in.Metadata = []models.KeyValue{{Key: "k", Value: strings.Repeat("v", 256)}}
			}, "metadata"},
			{func(in *models.OrgSettingsInput) {
				in.Metadata = []models.KeyValue{{Key: "k", Value: "1"}, {Key: "k", Value: "2"}}
			}, "metadata"},
			{func(in *models.OrgSettingsInput) { in.Metadata = []models.KeyValue{{Value: "orphan"}} }, "metadata"},
		} {
			in := good
			c.change(&in)
			if _, err := f.s.UpdateOrganization(ctx, f.tenant.ID, o.ID, in, f.actor); fields(err)[c.field] == "" {
				t.Errorf("want an error on %s, got %v", c.field, err)
			}
		}
		if after := tableCounts(t, db.DB); after != before {
			t.Fatalf("refused saves changed something: %s → %s", before, after)
		}
		// The bounds themselves are accepted: 25 pairs, 255-character keys and values.
		edge := good
		edge.Metadata = append(many[:24:24], models.KeyValue{Key: strings.Repeat("k", 255), Value: strings.Repeat("v", 255)})
		if _, err := f.s.UpdateOrganization(ctx, f.tenant.ID, o.ID, edge, f.actor); err != nil {
			t.Fatalf("25 pairs at the bounds: %v", err)
		}
		before = tableCounts(t, db.DB)
		edge.Version = 2

		// First tab saves; the second tab, opened on version 2, is refused.
		tab1 := good
		tab1.Version = 2
		saved, err := f.s.UpdateOrganization(ctx, f.tenant.ID, o.ID, tab1, models.Actor{AdminID: 99, Email: "first@acme.example"})
		if err != nil {
			t.Fatal(err)
		}
		if saved.Version != 3 || saved.PrimaryColor != "#1f6feb" || saved.PageBackgroundColor != "#ffffff" || saved.Metadata != `{"region":"eu","tier":"gold"}` || saved.UpdatedBy != "first@acme.example" {
			t.Fatalf("saved %+v", saved)
		}
		mid := tableCounts(t, db.DB)
		if mid == before {
			t.Fatal("the save changed nothing")
		}
		tab2 := good
		tab2.Version = 2
		tab2.DisplayName = "Acme (second tab)"
		_, err = f.s.UpdateOrganization(ctx, f.tenant.ID, o.ID, tab2, f.actor)
		var conflict *models.ConflictError
		if !errors.As(err, &conflict) || conflict.Current.Version != 3 || conflict.Current.UpdatedBy != "first@acme.example" || conflict.Current.DisplayName != "Acme Inc." {
			t.Fatalf("stale save: %v", err)
		}
		if after := tableCounts(t, db.DB); after != mid {
			t.Fatalf("a stale save changed something: %s → %s", mid, after)
		}
		cur, err := f.s.OrganizationByName(ctx, f.tenant.ID, "acme")
		if err != nil {
			t.Fatal(err)
		}
		if cur.DisplayName != "Acme Inc." {
			t.Fatalf("the stale save was written: %+v", cur)
		}
		// Saving again on the current version works; an unchanged save writes nothing.
		tab2.Version = 3
		if saved, err = f.s.UpdateOrganization(ctx, f.tenant.ID, o.ID, tab2, f.actor); err != nil || saved.Version != 4 {
			t.Fatalf("save after review: %+v %v", saved, err)
		}
		n := tableCounts(t, db.DB)
		if _, err := f.s.UpdateOrganization(ctx, f.tenant.ID, o.ID, tab2, f.actor); !errors.As(err, &conflict) {
			t.Fatalf("the same form twice: %v", err)
		}
		tab2.Version = 4
		if saved, err = f.s.UpdateOrganization(ctx, f.tenant.ID, o.ID, tab2, f.actor); err != nil || saved.Version != 4 {
			t.Fatalf("unchanged save: %+v %v", saved, err)
		}
		if after := tableCounts(t, db.DB); after != n {
			t.Fatalf("an unchanged save wrote: %s → %s", n, after)
		}
		// The audit event has every changed field, before and after.
		var ev models.AuditEvent
		modelstest.Must(t, db.DB.Where("action = ?", "organization.updated").Order("id").Take(&ev))
		for _, want := range []string{`"display_name":{"before":"Acme","after":"Acme Inc."}`, `"primary_color":{"before":"","after":"#1f6feb"}`, `"logo_url"`, `"metadata"`} {
			if !strings.Contains(ev.Changes, want) {
				t.Errorf("audit changes %s lack %s", ev.Changes, want)
			}
		}
		// Two parallel saves on the same version: exactly one wins.
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				in := good
				in.Version = 4
				in.DisplayName = fmt.Sprintf("Parallel %d", i)
				_, errs[i] = f.s.UpdateOrganization(ctx, f.tenant.ID, o.ID, in, f.actor)
			}(i)
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case !errors.As(err, &conflict):
				t.Fatalf("parallel save: %v", err)
			}
		}
		if wins != 1 {
			t.Fatalf("%d parallel saves won", wins)
		}
		// Another tenant's id is not found.
		g := newOrgFixture(t, db, "globex")
		if _, err := g.s.UpdateOrganization(ctx, g.tenant.ID, o.ID, good, g.actor); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("cross-tenant update: %v", err)
		}
	})
}

func TestOrganizationMembersAndRoles(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		f := newOrgFixture(t, db, "acme")
		ctx := context.Background()
		o, err := f.s.CreateOrganization(ctx, f.tenant.ID, models.CreateOrgInput{Name: "acme", DisplayName: "Acme"}, f.actor)
		if err != nil {
			t.Fatal(err)
		}
		g := newOrgFixture(t, db, "globex")
		before := tableCounts(t, db.DB)
		for _, email := range []string{"", "nope", "nobody@acme-users.example", g.user.Email} {
			if _, err := f.s.AddOrganizationMember(ctx, f.tenant.ID, o.ID, email, f.actor); fields(err)["email"] == "" {
				t.Errorf("add %q: %v", email, err)
			}
		}
		if after := tableCounts(t, db.DB); after != before {
			t.Fatalf("refused adds changed something: %s → %s", before, after)
		}
		u, err := f.s.AddOrganizationMember(ctx, f.tenant.ID, o.ID, strings.ToUpper(f.user.Email), f.actor)
		if err != nil || u.ID != f.user.ID {
			t.Fatal(err)
		}
		if _, err := f.s.AddOrganizationMember(ctx, f.tenant.ID, o.ID, f.user.Email, f.actor); !strings.Contains(fields(err)["email"], "already a member") {
			t.Fatalf("twice: %v", err)
		}
		if _, err := f.s.AssignMemberRole(ctx, f.tenant.ID, o.ID, u.ID, f.editor.ID, f.actor); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.AssignMemberRole(ctx, f.tenant.ID, o.ID, u.ID, f.editor.ID, f.actor); !strings.Contains(fields(err)["role"], "already has") {
			t.Fatalf("role twice: %v", err)
		}
		if _, err := f.s.AssignMemberRole(ctx, f.tenant.ID, o.ID, u.ID, g.editor.ID, f.actor); fields(err)["role"] == "" {
			t.Fatalf("another tenant's role: %v", err)
		}
		if _, err := f.s.AssignMemberRole(ctx, f.tenant.ID, o.ID, g.user.ID, f.editor.ID, f.actor); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("role for a non-member: %v", err)
		}
		if _, err := f.s.AssignMemberRole(ctx, f.tenant.ID, o.ID, u.ID, f.viewer2.ID, f.actor); err != nil {
			t.Fatal(err)
		}
		m, err := f.s.OrganizationMemberOf(ctx, f.tenant.ID, o.ID, u.ID)
		if err != nil || len(m.Roles) != 2 || m.Roles[0].Name != "Editor" || m.User.Email != f.user.Email {
			t.Fatalf("member %+v %v", m, err)
		}
		page, err := f.s.ListOrganizationMembers(ctx, o.ID, 0, 0)
		if err != nil || len(page.Items) != 1 || len(page.Items[0].Roles) != 2 || page.Items[0].User.ID != u.ID || page.Items[0].AddedAt.IsZero() {
			t.Fatalf("members page %+v %v", page, err)
		}
		if _, err := f.s.RemoveMemberRole(ctx, f.tenant.ID, o.ID, u.ID, f.viewer2.ID, f.actor); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.RemoveMemberRole(ctx, f.tenant.ID, o.ID, u.ID, f.viewer2.ID, f.actor); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("remove twice: %v", err)
		}
		// The picker offers the tenant's users with an e-mail, marking members.
		cands, err := f.s.OrganizationCandidates(ctx, f.tenant.ID, o.ID, "ANDERSEN")
		if err != nil || len(cands) != 1 || !cands[0].Member || cands[0].Name != "Ann Andersen" {
			t.Fatalf("candidates %+v %v", cands, err)
		}
		for q, want := range map[string]int{"ann": 1, "Ann  And": 1, "ann@": 1, "and": 1, "nn": 0, "%": 0, "_nn": 0, "": 1} {
			if cands, err := f.s.OrganizationCandidates(ctx, f.tenant.ID, o.ID, q); err != nil || len(cands) != want {
				t.Errorf("candidates for %q: %+v %v", q, cands, err)
			}
		}
		if cands, err := f.s.OrganizationCandidates(ctx, f.tenant.ID, o.ID, g.user.Email); err != nil {
			t.Fatal(err)
		} else if len(cands) != 0 {
			t.Fatalf("another tenant's user offered: %+v", cands)
		}
		// Deleting an end-user role takes it from members; deleting the user
		// ends the membership (foreign keys cascade).
		if _, err := f.s.DeleteEndUserRole(ctx, f.tenant.ID, f.editor.ID, f.actor); err != nil {
			t.Fatal(err)
		}
		if m, err := f.s.OrganizationMemberOf(ctx, f.tenant.ID, o.ID, u.ID); err != nil {
			t.Fatal(err)
		} else if len(m.Roles) != 0 {
			t.Fatalf("deleted role still held: %+v", m.Roles)
		}
		other, err := f.s.CreateUser(ctx, f.tenant.ID, models.CreateUserInput{Email: "bo@acme-users.example"}, f.actor)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.AddOrganizationMember(ctx, f.tenant.ID, o.ID, other.Email, f.actor); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.DeleteUser(ctx, f.tenant.ID, other.ID, f.actor); err != nil {
			t.Fatal(err)
		}
		if c, err := f.s.OrganizationCounts(ctx, o.ID); err != nil {
			t.Fatal(err)
		} else if c.Members != 1 {
			t.Fatalf("members after the user's deletion: %d", c.Members)
		}
		if _, err := f.s.RemoveOrganizationMember(ctx, f.tenant.ID, o.ID, u.ID, f.actor); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.RemoveOrganizationMember(ctx, f.tenant.ID, o.ID, u.ID, f.actor); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("remove twice: %v", err)
		}
		if _, err := f.s.UserByID(ctx, f.tenant.ID, u.ID); err != nil {
			t.Fatal("removing a member deleted the user")
		}
		var actions []string
		modelstest.Must(t, db.DB.Model(&models.AuditEvent{}).Where("tenant_id = ? AND target_type = ?", f.tenant.ID, "organization").Order("id").Pluck("action", &actions))
		want := "organization.created organization.member_added organization.member_role_assigned organization.member_role_assigned organization.member_role_removed organization.member_added organization.member_removed"
		if strings.Join(actions, " ") != want {
			t.Fatalf("audit actions:\n%s\nwant\n%s", strings.Join(actions, " "), want)
		}
	})
}

func TestOrganizationInvitations(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		f := newOrgFixture(t, db, "acme")
		ctx := context.Background()
		o, err := f.s.CreateOrganization(ctx, f.tenant.ID, models.CreateOrgInput{Name: "acme", DisplayName: "Acme Inc."}, f.actor)
		if err != nil {
			t.Fatal(err)
		}
		g := newOrgFixture(t, db, "globex")
		roles := []string{fmt.Sprint(f.editor.ID), fmt.Sprint(f.viewer2.ID)}
		before := tableCounts(t, db.DB)
		for _, c := range []struct {
			in    models.OrgInviteInput
			field string
		}{
			{models.OrgInviteInput{Email: "nope"}, "email"},
			{models.OrgInviteInput{Email: "x@example.com", ExpiresInDays: "0"}, "expires_in_days"},
			{models.OrgInviteInput{Email: "x@example.com", ExpiresInDays: "31"}, "expires_in_days"},
			{models.OrgInviteInput{Email: "x@example.com", ExpiresInDays: "soon"}, "expires_in_days"},
			{models.OrgInviteInput{Email: "x@example.com", Roles: []string{"abc"}}, "roles"},
			{models.OrgInviteInput{Email: "x@example.com", Roles: []string{fmt.Sprint(g.editor.ID)}}, "roles"},
		} {
			if _, _, err := f.s.CreateOrganizationInvitation(ctx, f.viewer, o.ID, c.in, f.actor); fields(err)[c.field] == "" {
				t.Errorf("%+v: want an error on %s, got %v", c.in, c.field, err)
			}
		}
		if after := tableCounts(t, db.DB); after != before {
			t.Fatalf("refused invitations changed something: %s → %s", before, after)
		}
		inv, link, err := f.s.CreateOrganizationInvitation(ctx, f.viewer, o.ID, models.OrgInviteInput{Email: "New.Person@Example.com", Roles: roles}, f.actor)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(link, "http://gatehouse.test/o/acme/invitations/") || inv.Email != "new.person@example.com" ||
			!inv.ExpiresAt.Equal(f.clk.Now().UTC().Add(7*24*time.Hour)) {
			t.Fatalf("invitation %+v %s", inv, link)
		}
		var n int64
		modelstest.Must(t, db.DB.Model(&models.OrganizationInvitation{}).Where("token_hash = ?", tokenOf(link)).Count(&n))
		if n != 0 {
			t.Fatal("raw token stored")
		}
		mails, err := f.s.OutboxTo(ctx, "new.person@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if len(mails) != 1 || !strings.Contains(mails[0].TextBody, link) || !strings.Contains(mails[0].HTMLBody, link) || !strings.Contains(mails[0].Subject, "Acme Inc.") {
			t.Fatalf("e-mail %+v", mails)
		}
		if _, _, err := f.s.CreateOrganizationInvitation(ctx, f.viewer, o.ID, models.OrgInviteInput{Email: "new.person@example.com"}, f.actor); !strings.Contains(fields(err)["email"], "pending invitation") {
			t.Fatalf("invited twice: %v", err)
		}
		if _, err := f.s.AddOrganizationMember(ctx, f.tenant.ID, o.ID, f.user.Email, f.actor); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.s.CreateOrganizationInvitation(ctx, f.viewer, o.ID, models.OrgInviteInput{Email: f.user.Email}, f.actor); !strings.Contains(fields(err)["email"], "already a member") {
			t.Fatalf("member invited: %v", err)
		}
		page, err := f.s.ListOrganizationInvitations(ctx, o.ID, 0, 0)
		if err != nil || len(page.Items) != 1 || len(page.Items[0].Roles) != 2 {
			t.Fatalf("pending %+v %v", page, err)
		}

		// Resend: a new link, the old one withdrawn.
		inv2, link2, err := f.s.ResendOrganizationInvitation(ctx, f.viewer, o.ID, inv.ID, f.actor)
		if err != nil || link2 == link || inv2.ID == inv.ID || inv2.RoleIDs != inv.RoleIDs {
			t.Fatalf("resend %+v %v", inv2, err)
		}
		if _, err := f.s.OrgInvitationByToken(ctx, "acme", tokenOf(link)); !errors.Is(err, models.ErrTokenRevoked) {
			t.Fatalf("old link after resend: %v", err)
		}
		if _, _, err := f.s.ResendOrganizationInvitation(ctx, f.viewer, o.ID, inv.ID, f.actor); fields(err)["_form"] == "" {
			t.Fatalf("resend a withdrawn invitation: %v", err)
		}
		// The link works only under its own organization's name.
		if _, err := f.s.OrgInvitationByToken(ctx, "other", tokenOf(link2)); !errors.Is(err, models.ErrInvalidToken) {
			t.Fatalf("wrong organization: %v", err)
		}
		if _, err := f.s.OrgInvitationByToken(ctx, "acme", "unknown-token"); !errors.Is(err, models.ErrInvalidToken) {
			t.Fatalf("unknown token: %v", err)
		}
		p, err := f.s.OrgInvitationByToken(ctx, "acme", tokenOf(link2))
		if err != nil || p.ExistingUser != nil || len(p.Roles) != 2 || p.Organization.ID != o.ID || p.Tenant.ID != f.tenant.ID {
			t.Fatalf("pending %+v %v", p, err)
		}

		// Acceptance by a new user: names and the password policy, nothing saved on refusal.
		before = tableCounts(t, db.DB)
		for _, c := range []struct {
			in    models.AcceptOrgInvitationInput
			check func(error) bool
		}{
			{models.AcceptOrgInvitationInput{GivenName: "New", FamilyName: "Person", Password: "short", PasswordConfirm: "short"},
				func(err error) bool { var pe *models.PasswordError; return errors.As(err, &pe) }},
			{models.AcceptOrgInvitationInput{GivenName: "New", FamilyName: "Person", Password: "1q2w3e4r5t6y", PasswordConfirm: "1q2w3e4r5t6y"},
				func(err error) bool { var pe *models.PasswordError; return errors.As(err, &pe) }},
			{models.AcceptOrgInvitationInput{GivenName: "New", FamilyName: "Person", Password: "a long enough passphrase", PasswordConfirm: "another one entirely"},
				func(err error) bool { return fields(err)["password_confirm"] != "" }},
			{models.AcceptOrgInvitationInput{GivenName: "", FamilyName: "Person", Password: "a long enough passphrase", PasswordConfirm: "a long enough passphrase"},
				func(err error) bool { return fields(err)["given_name"] != "" }},
		} {
			if _, err := f.s.AcceptOrganizationInvitation(ctx, "acme", tokenOf(link2), c.in, models.Actor{}); !c.check(err) {
				t.Errorf("%+v: %v", c.in, err)
			}
		}
		if after := tableCounts(t, db.DB); after != before {
			t.Fatalf("refused acceptances changed something: %s → %s", before, after)
		}
		good := models.AcceptOrgInvitationInput{GivenName: "New", FamilyName: "Person", Password: "a long enough passphrase", PasswordConfirm: "a long enough passphrase"}
		// Parallel acceptances: one wins, the others find the link used.
		modelstest.RoomyHashing(t)
		var wg sync.WaitGroup
		results := make([]error, 3)
		for i := range results {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				_, results[i] = f.s.AcceptOrganizationInvitation(ctx, "acme", tokenOf(link2), good, models.Actor{IP: "198.51.100.7"})
			}(i)
		}
		wg.Wait()
		wins := 0
		for _, err := range results {
			switch {
			case err == nil:
				wins++
			case errors.Is(err, models.ErrTokenUsed), fields(err)["email"] != "":
			default:
				t.Fatalf("parallel acceptance: %v", err)
			}
		}
		if wins != 1 {
			t.Fatalf("%d acceptances won", wins)
		}
		nu, err := f.s.UserByEmail(ctx, f.tenant.ID, "new.person@example.com")
		if err != nil || nu.Status != models.UserActive || !nu.EmailVerified || !strings.HasPrefix(nu.PasswordHash, "$argon2id$") || nu.GivenName != "New" {
			t.Fatalf("created user %+v %v", nu, err)
		}
		m, err := f.s.OrganizationMemberOf(ctx, f.tenant.ID, o.ID, nu.ID)
		if err != nil || len(m.Roles) != 2 {
			t.Fatalf("membership %+v %v", m, err)
		}
		if _, err := f.s.AcceptOrganizationInvitation(ctx, "acme", tokenOf(link2), good, models.Actor{}); !errors.Is(err, models.ErrTokenUsed) {
			t.Fatalf("second use: %v", err)
		}
		var ev models.AuditEvent
		modelstest.Must(t, db.DB.Where("action = ?", "organization.invitation_accepted").Take(&ev))
		if ev.ActorEmail != "new.person@example.com" || ev.ActorID != nil || ev.IP != "198.51.100.7" || !strings.Contains(ev.Changes, "Editor") {
			t.Fatalf("acceptance audit %+v", ev)
		}

		// An existing user signs in with their password; wrong ones are counted.
		_, _, err = f.s.CreateOrganizationInvitation(ctx, f.viewer, o.ID, models.OrgInviteInput{Email: "new.person@example.com"}, f.actor)
		if !strings.Contains(fields(err)["email"], "already a member") {
			t.Fatalf("invite a member: %v", err)
		}
		if _, err := f.s.RemoveOrganizationMember(ctx, f.tenant.ID, o.ID, nu.ID, f.actor); err != nil {
			t.Fatal(err)
		}
		_, link3, err := f.s.CreateOrganizationInvitation(ctx, f.viewer, o.ID, models.OrgInviteInput{Email: "new.person@example.com", Roles: roles[:1], ExpiresInDays: "1"}, f.actor)
		if err != nil {
			t.Fatal(err)
		}
		if p, err := f.s.OrgInvitationByToken(ctx, "acme", tokenOf(link3)); err != nil {
			t.Fatal(err)
		} else if p.ExistingUser == nil || p.ExistingUser.ID != nu.ID {
			t.Fatalf("existing user not found: %+v", p.ExistingUser)
		}
		if _, err := f.s.AcceptOrganizationInvitation(ctx, "acme", tokenOf(link3), models.AcceptOrgInvitationInput{Password: "wrong"}, models.Actor{}); fields(err)["password"] == "" {
			t.Fatalf("wrong password: %v", err)
		}
		res, err := f.s.AcceptOrganizationInvitation(ctx, "acme", tokenOf(link3), models.AcceptOrgInvitationInput{Password: good.Password}, models.Actor{})
		if err != nil || res.CreatedUser || res.User.ID != nu.ID || len(res.Roles) != 1 {
			t.Fatalf("existing user accepts: %+v %v", res, err)
		}
		// Ten wrong passwords withdraw the link.
		if _, err := f.s.RemoveOrganizationMember(ctx, f.tenant.ID, o.ID, nu.ID, f.actor); err != nil {
			t.Fatal(err)
		}
		_, link4, err := f.s.CreateOrganizationInvitation(ctx, f.viewer, o.ID, models.OrgInviteInput{Email: "new.person@example.com"}, f.actor)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < models.OrgInvitationMaxAttempts; i++ {
			if _, err := f.s.AcceptOrganizationInvitation(ctx, "acme", tokenOf(link4), models.AcceptOrgInvitationInput{Password: fmt.Sprint("guess", i)}, models.Actor{}); err == nil {
				t.Fatal("a wrong password accepted the invitation")
			}
		}
		if _, err := f.s.AcceptOrganizationInvitation(ctx, "acme", tokenOf(link4), models.AcceptOrgInvitationInput{Password: good.Password}, models.Actor{}); !errors.Is(err, models.ErrTokenRevoked) {
			t.Fatalf("after %d wrong passwords: %v", models.OrgInvitationMaxAttempts, err)
		}
		// A user without a password (created in the console, or social
		// only) cannot prove who they are here, and the link never sets one.
		_, link5, err := f.s.CreateOrganizationInvitation(ctx, f.viewer, o.ID, models.OrgInviteInput{Email: "bo@acme-users.example"}, f.actor)
		if err != nil {
			t.Fatal(err)
		}
		bo, err := f.s.CreateUser(ctx, f.tenant.ID, models.CreateUserInput{Email: "bo@acme-users.example"}, f.actor)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.AcceptOrganizationInvitation(ctx, "acme", tokenOf(link5), models.AcceptOrgInvitationInput{Password: good.Password, PasswordConfirm: good.Password}, models.Actor{}); !errors.Is(err, models.ErrNoPasswordToCheck) {
			t.Fatalf("a user without a password: %v", err)
		}
		if bo, err = f.s.UserByID(ctx, f.tenant.ID, bo.ID); err != nil || bo.PasswordHash != "" {
			t.Fatalf("password set on an existing user: %+v %v", bo, err)
		}
		if _, err := f.s.RevokeOrganizationInvitation(ctx, f.tenant.ID, o.ID, mustPendingID(t, f, o.ID, "bo@acme-users.example"), f.actor); err != nil {
			t.Fatal(err)
		}
		// A blocked user cannot join, even with the right password.
		hash, err := passwords.Hash(ctx, good.Password)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.DB.Model(&models.User{}).Where("id = ?", f.user.ID).Update("password_hash", hash).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.BlockUser(ctx, f.tenant.ID, f.user.ID, f.actor); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.RemoveOrganizationMember(ctx, f.tenant.ID, o.ID, f.user.ID, f.actor); err != nil {
			t.Fatal(err)
		}
		_, link6, err := f.s.CreateOrganizationInvitation(ctx, f.viewer, o.ID, models.OrgInviteInput{Email: f.user.Email}, f.actor)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.AcceptOrganizationInvitation(ctx, "acme", tokenOf(link6), models.AcceptOrgInvitationInput{Password: good.Password, PasswordConfirm: good.Password}, models.Actor{}); !errors.Is(err, models.ErrAccountBlocked) {
			t.Fatalf("blocked user: %v", err)
		}
		// Revoke, and expiry.
		invs, err := f.s.ListOrganizationInvitations(ctx, o.ID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(invs.Items) != 1 {
			t.Fatalf("pending: %d", len(invs.Items))
		}
		if _, err := f.s.RevokeOrganizationInvitation(ctx, f.tenant.ID, o.ID, invs.Items[0].Invitation.ID, f.actor); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.RevokeOrganizationInvitation(ctx, f.tenant.ID, o.ID, invs.Items[0].Invitation.ID, f.actor); fields(err)["_form"] == "" {
			t.Fatalf("revoke twice: %v", err)
		}
		if _, err := f.s.RevokeOrganizationInvitation(ctx, g.tenant.ID, o.ID, invs.Items[0].Invitation.ID, g.actor); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("cross-tenant revoke: %v", err)
		}
		_, link7, err := f.s.CreateOrganizationInvitation(ctx, f.viewer, o.ID, models.OrgInviteInput{Email: "late@example.com", ExpiresInDays: "2"}, f.actor)
		if err != nil {
			t.Fatal(err)
		}
		f.clk.Add(49 * time.Hour)
		if _, err := f.s.OrgInvitationByToken(ctx, "acme", tokenOf(link7)); !errors.Is(err, models.ErrTokenExpired) {
			t.Fatalf("expired: %v", err)
		}
		if c, err := f.s.OrganizationCounts(ctx, o.ID); err != nil {
			t.Fatal(err)
		} else if c.PendingInvitations != 0 {
			t.Fatalf("expired invitation still pending: %+v", c)
		}
	})
}

func TestOrganizationConnectionsAndDelete(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		f := newOrgFixture(t, db, "acme")
		ctx := context.Background()
		o, err := f.s.CreateOrganization(ctx, f.tenant.ID, models.CreateOrgInput{Name: "acme", DisplayName: "Acme"}, f.actor)
		if err != nil {
			t.Fatal(err)
		}
		g := newOrgFixture(t, db, "globex")
		db2, err := f.s.CreateConnection(ctx, f.tenant.ID, models.CreateConnectionInput{Name: "Username-Password", Strategy: "database"}, f.actor)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.EnableOrganizationConnection(ctx, f.tenant.ID, o.ID, g.conn.ID, true, f.actor); fields(err)["connection"] == "" {
			t.Fatalf("another tenant's connection: %v", err)
		}
		if _, err := f.s.EnableOrganizationConnection(ctx, f.tenant.ID, o.ID, f.conn.ID, true, f.actor); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.EnableOrganizationConnection(ctx, f.tenant.ID, o.ID, f.conn.ID, false, f.actor); !strings.Contains(fields(err)["connection"], "already enabled") {
			t.Fatalf("twice: %v", err)
		}
		enabled, available, err := f.s.OrganizationConnections(ctx, f.tenant.ID, o.ID)
		if err != nil || len(enabled) != 1 || !enabled[0].AutoMembership || enabled[0].Connection.ID != f.conn.ID || len(available) != 1 || available[0].ID != db2.ID {
			t.Fatalf("connections %+v %+v %v", enabled, available, err)
		}
		if _, err := f.s.SetOrganizationConnectionAutoMembership(ctx, f.tenant.ID, o.ID, f.conn.ID, false, f.actor); err != nil {
			t.Fatal(err)
		}
		if enabled, _, err = f.s.OrganizationConnections(ctx, f.tenant.ID, o.ID); err != nil {
			t.Fatal(err)
		} else if enabled[0].AutoMembership {
			t.Fatal("auto-membership still on")
		}
		if _, err := f.s.DisableOrganizationConnection(ctx, f.tenant.ID, o.ID, db2.ID, f.actor); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("disable a connection that is not enabled: %v", err)
		}
		if _, err := f.s.EnableOrganizationConnection(ctx, f.tenant.ID, o.ID, db2.ID, false, f.actor); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.DisableOrganizationConnection(ctx, f.tenant.ID, o.ID, db2.ID, f.actor); err != nil {
			t.Fatal(err)
		}
		// Deleting the connection disables it everywhere.
		other, err := f.s.CreateOrganization(ctx, f.tenant.ID, models.CreateOrgInput{Name: "other", DisplayName: "Other"}, f.actor)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.EnableOrganizationConnection(ctx, f.tenant.ID, other.ID, db2.ID, false, f.actor); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.DeleteConnection(ctx, f.tenant.ID, db2.ID, f.actor); err != nil {
			t.Fatal(err)
		}
		if c, err := f.s.OrganizationCounts(ctx, other.ID); err != nil {
			t.Fatal(err)
		} else if c.Connections != 0 {
			t.Fatalf("deleted connection still enabled: %+v", c)
		}

		// Delete: a wrong confirmation changes nothing; the right one takes everything with it.
		if _, err := f.s.AddOrganizationMember(ctx, f.tenant.ID, o.ID, f.user.Email, f.actor); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.AssignMemberRole(ctx, f.tenant.ID, o.ID, f.user.ID, f.editor.ID, f.actor); err != nil {
			t.Fatal(err)
		}
		_, link, err := f.s.CreateOrganizationInvitation(ctx, f.viewer, o.ID, models.OrgInviteInput{Email: "x@example.com"}, f.actor)
		if err != nil {
			t.Fatal(err)
		}
		before := tableCounts(t, db.DB)
		fv, gv := steppedUp(f.viewer, f.clk.Now()), steppedUp(g.viewer, f.clk.Now())
		if _, err := f.s.DeleteOrganization(ctx, f.viewer, o.ID, "acme", f.actor); fields(err)["password"] != models.MsgStepUpRequired {
			t.Fatalf("no step-up: %v", err)
		}
		if _, err := f.s.DeleteOrganization(ctx, fv, o.ID, "Acme", f.actor); fields(err)["confirm"] == "" {
			t.Fatalf("wrong confirmation: %v", err)
		}
		if _, err := f.s.DeleteOrganization(ctx, gv, o.ID, "acme", g.actor); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("cross-tenant delete: %v", err)
		}
		if after := tableCounts(t, db.DB); after != before {
			t.Fatalf("refused deletes changed something: %s → %s", before, after)
		}
		counts, err := f.s.DeleteOrganization(ctx, fv, o.ID, " acme ", f.actor)
		if err != nil || counts != (models.OrgCounts{Members: 1, PendingInvitations: 1, Connections: 1}) {
			t.Fatalf("delete: %+v %v", counts, err)
		}
		for _, m := range []any{&models.OrganizationMember{}, &models.OrganizationMemberRole{}, &models.OrganizationInvitation{}, &models.OrganizationConnection{}} {
			var n int64
			modelstest.Must(t, db.DB.Model(m).Where("organization_id = ?", o.ID).Count(&n))
			if n != 0 {
				t.Errorf("%T left behind: %d", m, n)
			}
		}
		if _, err := f.s.OrgInvitationByToken(ctx, "acme", tokenOf(link)); !errors.Is(err, models.ErrInvalidToken) {
			t.Fatalf("link of a deleted organization: %v", err)
		}
		if _, err := f.s.UserByID(ctx, f.tenant.ID, f.user.ID); err != nil {
			t.Fatal("deleting the organization deleted its member's user")
		}
		var ev models.AuditEvent
		modelstest.Must(t, db.DB.Where("action = ?", "organization.deleted").Take(&ev))
		if !strings.Contains(ev.Changes, `"members":{"before":1`) {
			t.Fatalf("delete audit %s", ev.Changes)
		}
	})
}

func TestSeedOrganizations(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		f := newOrgFixture(t, db, "acme")
		ctx := context.Background()
		n, err := f.s.SeedOrganizations(ctx, f.tenant, 2500, models.Actor{Email: "seed"})
		if err != nil || n != 2500 {
			t.Fatalf("%d %v", n, err)
		}
		if n, err := f.s.SeedOrganizations(ctx, f.tenant, 10, models.Actor{}); err != nil {
			t.Fatal(err)
		} else if n != 10 {
			t.Fatal("second seed")
		}
		if _, err := f.s.SeedUsers(ctx, f.tenant, 300, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		o, added, err := f.s.SeedOrganizationMembers(ctx, f.tenant, "", 250, models.Actor{})
		if err != nil || added != 250 {
			t.Fatalf("%d %v", added, err)
		}
		_, more, err := f.s.SeedOrganizationMembers(ctx, f.tenant, o.Name, 1000, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		if more != 51 { // 301 users in all
			t.Fatalf("second members seed added %d", more)
		}
		c, err := f.s.OrganizationCounts(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Members != 301 {
			t.Fatalf("members %d", c.Members)
		}
		var withRoles int64
		modelstest.Must(t, db.DB.Model(&models.OrganizationMemberRole{}).Where("organization_id = ?", o.ID).Count(&withRoles))
		if withRoles == 0 || withRoles > 301 {
			t.Fatalf("member roles %d", withRoles)
		}
		page, err := f.s.ListOrganizations(ctx, f.tenant.ID, models.OrgListQuery{})
		if err != nil || len(page.Items) != 25 || page.Items[0].Organization.ID != o.ID || page.Items[0].Members != 301 || page.Items[0].MoreMembers {
			t.Fatalf("first page %+v %v", page.Items[0], err)
		}
		// The list stops counting at 1,000 members.
		if _, err := f.s.SeedUsers(ctx, f.tenant, 800, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.s.SeedOrganizationMembers(ctx, f.tenant, o.Name, 800, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		page, err = f.s.ListOrganizations(ctx, f.tenant.ID, models.OrgListQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if it := page.Items[0]; it.Members != models.OrgListMembersCap || !it.MoreMembers {
			t.Fatalf("capped count: %d %v", it.Members, it.MoreMembers)
		}
	})
}

// mustPendingID is the id of the pending invitation of email to organization orgID.
func mustPendingID(t *testing.T, f *orgFixture, orgID int64, email string) int64 {
	t.Helper()
	page, err := f.s.ListOrganizationInvitations(context.Background(), orgID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range page.Items {
		if it.Invitation.Email == email {
			return it.Invitation.ID
		}
	}
	t.Fatalf("no pending invitation of %s", email)
	return 0
}

// steppedUp is v having confirmed who they are (step-up) at now.
func steppedUp(v models.Viewer, now time.Time) models.Viewer {
	v.SteppedUpAt = now
	return v
}
