package models_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"gatehouse/models"
	"gatehouse/models/modelstest"

	"gorm.io/gorm"
)

// twoTenants creates tenants acme and globex.
func twoTenants(t *testing.T, s *models.Store) (models.Tenant, models.Tenant) {
	t.Helper()
	ctx := context.Background()
	a, _, _, err := s.CreateTenant(ctx, models.CreateTenantInput{Slug: "acme", Name: "Acme", Plan: models.PlanEnterprise, AdminEmail: "a@acme.example"}, models.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	g, _, _, err := s.CreateTenant(ctx, models.CreateTenantInput{Slug: "globex", Name: "Globex", AdminEmail: "a@globex.example"}, models.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	return a, g
}

// fieldsOf returns the field messages of a ValidationError, or fails.
func fieldsOf(t *testing.T, err error) map[string]string {
	t.Helper()
	var verr *models.ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("want a ValidationError, got %v", err)
	}
	return verr.Fields
}

// rowCounts snapshots users, connections, roles and audit events.
func rowCounts(t *testing.T, db *gorm.DB) string {
	t.Helper()
	var parts []string
	for _, m := range []any{&models.User{}, &models.Connection{}, &models.EndUserRole{}, &models.AuditEvent{}, &models.IdentityPool{}} {
		var n int64
		if err := db.Model(m).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		parts = append(parts, fmt.Sprint(n))
	}
	return strings.Join(parts, "/")
}

func lastAudit(t *testing.T, db *gorm.DB, tenantID int64) models.AuditEvent {
	t.Helper()
	var ev models.AuditEvent
	if err := db.Where("tenant_id = ?", tenantID).Order("id DESC").Take(&ev).Error; err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestCreateTenantMakesAUsersPool(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, _ := newStore(db)
		a, _ := twoTenants(t, s)
		var kinds []string
		modelstest.Must(t, db.DB.Model(&models.IdentityPool{}).Where("tenant_id = ?", a.ID).Order("id").Pluck("kind", &kinds))
		if strings.Join(kinds, ",") != "administrators,users" {
			t.Fatalf("pools %v", kinds)
		}
	})
}

func TestCreateUser(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, _ := newStore(db)
		ctx := context.Background()
		acme, globex := twoTenants(t, s)
		actor := models.Actor{AdminID: 1, Email: "a@acme.example", IP: "192.0.2.1"}

		before := rowCounts(t, db.DB)
		for _, tc := range []struct {
			in     models.CreateUserInput
			fields []string
		}{
			{models.CreateUserInput{}, []string{"email", "username"}},
			{models.CreateUserInput{Email: "not-an-email"}, []string{"email"}},
			{models.CreateUserInput{Email: "Ann <ann@example.com>"}, []string{"email"}},
			{models.CreateUserInput{Username: "-dash"}, []string{"username"}},
			{models.CreateUserInput{Username: "has space"}, []string{"username"}},
			{models.CreateUserInput{Username: "at@sign"}, []string{"username"}},
			{models.CreateUserInput{Username: strings.Repeat("a", 129)}, []string{"username"}},
			{models.CreateUserInput{Email: "ok@example.com", GivenName: strings.Repeat("é", 101), FamilyName: strings.Repeat("x", 101)}, []string{"given_name", "family_name"}},
		} {
			_, err := s.CreateUser(ctx, acme.ID, tc.in, actor)
			f := fieldsOf(t, err)
			if len(f) != len(tc.fields) {
				t.Errorf("%+v: fields %v, want %v", tc.in, f, tc.fields)
			}
			for _, k := range tc.fields {
				if f[k] == "" {
					t.Errorf("%+v: no message for %s (%v)", tc.in, k, f)
				}
			}
		}
		if after := rowCounts(t, db.DB); after != before {
			t.Fatalf("invalid input saved something: %s → %s", before, after)
		}

		u, err := s.CreateUser(ctx, acme.ID, models.CreateUserInput{Email: " Ada@Example.COM ", Username: "Ada.L", GivenName: " Ada ", FamilyName: "Lovelace"}, actor)
		if err != nil {
			t.Fatal(err)
		}
		if u.Email != "ada@example.com" || u.Username != "ada.l" || u.GivenName != "Ada" || u.Status != models.UserNew || u.Blocked || u.Attributes != "{}" {
			t.Fatalf("created %+v", u)
		}
		var pool models.IdentityPool
		modelstest.Must(t, db.DB.Take(&pool, u.PoolID))
		if pool.TenantID != acme.ID || pool.Kind != models.PoolUsers {
			t.Fatalf("user in pool %+v", pool)
		}
		ev := lastAudit(t, db.DB, acme.ID)
		if ev.Action != "user.created" || ev.TargetType != "user" || ev.TargetID != fmt.Sprint(u.ID) || ev.TargetLabel != "ada@example.com" ||
			ev.ActorEmail != "a@acme.example" || ev.IP != "192.0.2.1" || !strings.Contains(ev.Changes, `"username":{"before":null,"after":"ada.l"}`) {
			t.Fatalf("audit %+v", ev)
		}
		// Username only; e-mail only.
		if _, err := s.CreateUser(ctx, acme.ID, models.CreateUserInput{Username: "grace"}, actor); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateUser(ctx, acme.ID, models.CreateUserInput{Email: "grace@example.com"}, actor); err != nil {
			t.Fatal(err)
		}

		// Unique per tenant, whatever the case; both clashes reported at once.
		before = rowCounts(t, db.DB)
		_, err = s.CreateUser(ctx, acme.ID, models.CreateUserInput{Email: "ADA@example.com", Username: "ADA.l"}, actor)
		f := fieldsOf(t, err)
		if !strings.Contains(f["email"], "already exists") || !strings.Contains(f["username"], "already exists") {
			t.Fatalf("duplicates: %v", f)
		}
		if after := rowCounts(t, db.DB); after != before {
			t.Fatalf("duplicate saved something: %s → %s", before, after)
		}
		// Another tenant may use the same identifiers.
		if _, err := s.CreateUser(ctx, globex.ID, models.CreateUserInput{Email: "ada@example.com", Username: "ada.l"}, actor); err != nil {
			t.Fatalf("same identifiers in another tenant: %v", err)
		}
		// Many users without an e-mail or without a username do not clash.
		for i := 0; i < 3; i++ {
			if _, err := s.CreateUser(ctx, acme.ID, models.CreateUserInput{Email: fmt.Sprintf("n%d@example.com", i)}, actor); err != nil {
				t.Fatal(err)
			}
		}

		// A tenant that has lost its Users pool gets one back.
		modelstest.Must(t, db.DB.Where("tenant_id = ? AND kind = ?", globex.ID, models.PoolUsers).Delete(&models.IdentityPool{}))
		u2, err := s.CreateUser(ctx, globex.ID, models.CreateUserInput{Username: "lazy"}, actor)
		if err != nil {
			t.Fatal(err)
		}
		pool = models.IdentityPool{}
		modelstest.Must(t, db.DB.Take(&pool, u2.PoolID))
		if pool.TenantID != globex.ID || pool.Kind != models.PoolUsers || pool.Name != "Users" {
			t.Fatalf("recreated pool %+v", pool)
		}
		// UserByEmail finds a user of its own tenant only.
		if got, err := s.UserByEmail(ctx, acme.ID, "ADA@example.com"); err != nil || got.ID != u.ID {
			t.Fatalf("UserByEmail: %v %+v", err, got)
		}
		if _, err := s.UserByEmail(ctx, acme.ID, ""); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("UserByEmail(\"\"): %v", err)
		}
		if _, err := s.UserByID(ctx, globex.ID, u.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("another tenant's user: %v", err)
		}
	})
}

func TestUpdateUser(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, _ := newStore(db)
		ctx := context.Background()
		acme, globex := twoTenants(t, s)
		actor := models.Actor{Email: "a@acme.example"}
		u, err := s.CreateUser(ctx, acme.ID, models.CreateUserInput{Email: "ada@example.com", Username: "ada", EmailVerified: true}, actor)
		if err != nil {
			t.Fatal(err)
		}
		other, err := s.CreateUser(ctx, acme.ID, models.CreateUserInput{Email: "bob@example.com", Username: "bob"}, actor)
		if err != nil {
			t.Fatal(err)
		}
		base := models.UpdateUserInput{Email: "ada@example.com", EmailVerified: true, Username: "ada", Status: models.UserNew}

		// Nothing changed: nothing written.
		before := rowCounts(t, db.DB)
		if _, err := s.UpdateUser(ctx, acme.ID, u.ID, base, actor); err != nil {
			t.Fatal(err)
		}
		if after := rowCounts(t, db.DB); after != before {
			t.Fatalf("a no-op update wrote: %s → %s", before, after)
		}

		in := base
		in.GivenName, in.FamilyName, in.Phone, in.PhoneVerified, in.Status = "Ada", "Lovelace", "+44 (20) 7946-0958", true, models.UserActive
		in.Attributes = []models.KeyValue{{"department", " Engineering "}, {"", ""}, {"locale", "en-GB"}}
		in.Metadata = []models.KeyValue{{"plan", "pro"}}
		got, err := s.UpdateUser(ctx, acme.ID, u.ID, in, actor)
		if err != nil {
			t.Fatal(err)
		}
		if got.Phone != "+442079460958" || got.PhoneVerified || got.Status != models.UserActive ||
			got.Attributes != `{"department":"Engineering","locale":"en-GB"}` || got.Metadata != `{"plan":"pro"}` || !got.EmailVerified {
			t.Fatalf("updated %+v", got)
		}
		if pairs := models.ParsePairs(got.Attributes); len(pairs) != 2 || pairs[0].Key != "department" || pairs[1].Value != "en-GB" {
			t.Fatalf("ParsePairs %+v", pairs)
		}
		stored, err := s.UserByID(ctx, acme.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.Phone != got.Phone || stored.Attributes != got.Attributes || stored.GivenName != "Ada" {
			t.Fatalf("stored %+v", stored)
		}
		ev := lastAudit(t, db.DB, acme.ID)
		if ev.Action != "user.updated" || ev.TargetID != fmt.Sprint(u.ID) || !strings.Contains(ev.Changes, `"status":{"before":"new","after":"active"}`) ||
			strings.Contains(ev.Changes, `"email"`) {
			t.Fatalf("audit %+v", ev)
		}

		// A changed e-mail is no longer verified.
		in.Email = "ada@lovelace.example"
		got, err = s.UpdateUser(ctx, acme.ID, u.ID, in, actor)
		if err != nil || got.EmailVerified || got.Email != "ada@lovelace.example" {
			t.Fatalf("e-mail change: %v %+v", err, got)
		}

		// Bad input: every problem beside its field, nothing saved.
		before = rowCounts(t, db.DB)
		many := make([]models.KeyValue, 26)
		for i := range many {
			many[i] = models.KeyValue{Key: fmt.Sprintf("k%d", i), Value: "v"}
		}
		for _, tc := range []struct {
			name  string
			edit  func(*models.UpdateUserInput)
			field string
			msg   string
		}{
			{"taken e-mail", func(i *models.UpdateUserInput) { i.Email = "BOB@example.com" }, "email", "already exists"},
			{"taken username", func(i *models.UpdateUserInput) { i.Username = "Bob" }, "username", "already exists"},
			{"no identifier", func(i *models.UpdateUserInput) { i.Email, i.Username = "", "" }, "email", "e-mail address or a username"},
			{"bad phone", func(i *models.UpdateUserInput) { i.Phone = "555-0100" }, "phone", "international format"},
			{"bad status", func(i *models.UpdateUserInput) { i.Status = "deleted" }, "status", "Choose"},
			{"too many pairs", func(i *models.UpdateUserInput) { i.Attributes = many }, "attributes", "at most 25"},
			{"duplicate key", func(i *models.UpdateUserInput) {
				i.Metadata = []models.KeyValue{{"plan", "a"}, {"plan", "b"}}
			}, "metadata", "appears twice"},
			{"bad key", func(i *models.UpdateUserInput) { i.Metadata = []models.KeyValue{{"a key", "b"}} }, "metadata", "may only contain"},
			{"long key", func(i *models.UpdateUserInput) { i.Metadata = []models.KeyValue{{strings.Repeat("k", 65), "b"}} }, "metadata", "longer than 64"},
			{"long value", func(i *models.UpdateUserInput) { i.Metadata = []models.KeyValue{{"k", strings.Repeat("v", 501)}} }, "metadata", "longer than 500"},
			{"value without key", func(i *models.UpdateUserInput) { i.Attributes = []models.KeyValue{{"", "orphan"}} }, "attributes", "has no key"},
		} {
			bad := in
			tc.edit(&bad)
			_, err := s.UpdateUser(ctx, acme.ID, u.ID, bad, actor)
			if f := fieldsOf(t, err); !strings.Contains(f[tc.field], tc.msg) {
				t.Errorf("%s: %v", tc.name, f)
			}
		}
		if after := rowCounts(t, db.DB); after != before {
			t.Fatalf("bad input saved something: %s → %s", before, after)
		}
		stored, err = s.UserByID(ctx, acme.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.Email != "ada@lovelace.example" || stored.Username != "ada" {
			t.Fatalf("bad input changed the user: %+v", stored)
		}
		// The other user keeps their identifiers; another tenant cannot reach this one.
		if _, err := s.UpdateUser(ctx, globex.ID, u.ID, in, actor); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("cross-tenant update: %v", err)
		}
		if o, err := s.UserByID(ctx, acme.ID, other.ID); err != nil {
			t.Fatal(err)
		} else if o.Email != "bob@example.com" {
			t.Fatalf("other user changed: %+v", o)
		}
	})
}

func TestBlockUnblockDeleteUser(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, _ := newStore(db)
		ctx := context.Background()
		acme, globex := twoTenants(t, s)
		actor := models.Actor{Email: "a@acme.example"}
		u, err := s.CreateUser(ctx, acme.ID, models.CreateUserInput{Email: "ada@example.com"}, actor)
		if err != nil {
			t.Fatal(err)
		}

		before := rowCounts(t, db.DB)
		for _, op := range []func(context.Context, int64, int64, models.Actor) (models.User, error){s.BlockUser, s.UnblockUser, s.DeleteUser} {
			if _, err := op(ctx, globex.ID, u.ID, actor); !errors.Is(err, models.ErrNotFound) {
				t.Fatalf("cross-tenant: %v", err)
			}
			if _, err := op(ctx, acme.ID, 999999, actor); !errors.Is(err, models.ErrNotFound) {
				t.Fatalf("unknown id: %v", err)
			}
		}
		if after := rowCounts(t, db.DB); after != before {
			t.Fatalf("refused operations wrote: %s → %s", before, after)
		}

		got, err := s.BlockUser(ctx, acme.ID, u.ID, actor)
		if err != nil || !got.Blocked {
			t.Fatalf("block: %v %+v", err, got)
		}
		if ev := lastAudit(t, db.DB, acme.ID); ev.Action != "user.blocked" {
			t.Fatalf("audit %s", ev.Action)
		}
		// Blocking twice changes nothing more.
		before = rowCounts(t, db.DB)
		if _, err := s.BlockUser(ctx, acme.ID, u.ID, actor); err != nil {
			t.Fatal(err)
		}
		if after := rowCounts(t, db.DB); after != before {
			t.Fatalf("second block wrote: %s → %s", before, after)
		}
		got, err = s.UnblockUser(ctx, acme.ID, u.ID, actor)
		if err != nil || got.Blocked {
			t.Fatalf("unblock: %v %+v", err, got)
		}
		if ev := lastAudit(t, db.DB, acme.ID); ev.Action != "user.unblocked" {
			t.Fatalf("audit %s", ev.Action)
		}
		got, err = s.DeleteUser(ctx, acme.ID, u.ID, actor)
		if err != nil || got.Email != "ada@example.com" {
			t.Fatalf("delete: %v %+v", err, got)
		}
		if _, err := s.UserByID(ctx, acme.ID, u.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("deleted user still there: %v", err)
		}
		ev := lastAudit(t, db.DB, acme.ID)
		if ev.Action != "user.deleted" || ev.TargetLabel != "ada@example.com" || !strings.Contains(ev.Changes, `"email":{"before":"ada@example.com"`) {
			t.Fatalf("audit %+v", ev)
		}
		// The e-mail is free again.
		if _, err := s.CreateUser(ctx, acme.ID, models.CreateUserInput{Email: "ada@example.com"}, actor); err != nil {
			t.Fatal(err)
		}
	})
}

// Not parallel: it sets models.UserSearchWindow (parallel tests run only
// after every serial one has finished, so they never see the change).
func TestListUsers(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, _ := newStore(db)
		ctx := context.Background()
		acme, globex := twoTenants(t, s)
		var ids []int64
		for i := 0; i < 7; i++ {
			u, err := s.CreateUser(ctx, acme.ID, models.CreateUserInput{Email: fmt.Sprintf("user%d@example.com", i), Username: fmt.Sprintf("handle_%d", i),
				GivenName: "Given", FamilyName: fmt.Sprintf("Family%d", i)}, models.Actor{})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, u.ID)
		}
		if _, err := s.UpdateUser(ctx, acme.ID, ids[2], models.UpdateUserInput{Email: "user2@example.com", Username: "handle_2", Phone: "+14155550123",
			GivenName: "Percent%", FamilyName: "O'Brien", Status: models.UserActive}, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateUser(ctx, globex.ID, models.CreateUserInput{Email: "user9@example.com", GivenName: "Given"}, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		// Newest first, three to a page, no overlap, nothing of globex.
		var seen []int64
		var after int64
		for pages := 0; ; pages++ {
			p, err := s.ListUsers(ctx, acme.ID, models.UserListQuery{After: after, Limit: 3})
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range p.Items {
				if u.TenantID != acme.ID {
					t.Fatalf("another tenant's user listed: %+v", u)
				}
				seen = append(seen, u.ID)
			}
			if p.Next == 0 {
				break
			}
			after = p.Next
			if pages > 5 {
				t.Fatal("too many pages")
			}
		}
		if len(seen) != 7 || seen[0] != ids[6] || seen[6] != ids[0] {
			t.Fatalf("pages %v (ids %v)", seen, ids)
		}
		for _, tc := range []struct {
			q    string
			want int
		}{
			{"USER3@", 1}, {"handle_", 7}, {"family5", 1}, {"given family1", 1}, {"+1415555", 1}, {"415 555 0123", 1},
			{"percent%", 1}, {"%", 1}, {"_", 7}, {"o'brien", 1}, {"user9", 0}, {"nobody", 0},
		} {
			p, err := s.ListUsers(ctx, acme.ID, models.UserListQuery{Search: tc.q})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Items) != tc.want {
				t.Errorf("search %q: %d users, want %d", tc.q, len(p.Items), tc.want)
			}
		}
		// A search looks through at most UserSearchWindow users a page, and
		// says where to go on when it stopped before filling the page.
		defer func(w int) { models.UserSearchWindow = w }(models.UserSearchWindow)
		models.UserSearchWindow = 3
		var found []int64
		after = 0
		for pages := 0; ; pages++ {
			p, err := s.ListUsers(ctx, acme.ID, models.UserListQuery{Search: "family", After: after, Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Items) > 2 || (p.Partial && p.Next == 0) {
				t.Fatalf("page %+v", p)
			}
			for _, u := range p.Items {
				found = append(found, u.ID)
			}
			if p.Next == 0 {
				break
			}
			after = p.Next
			if pages > 10 {
				t.Fatal("too many pages")
			}
		}
		if len(found) != 6 || found[0] != ids[6] || found[5] != ids[0] { // user 2 is now "Percent% O'Brien"
			t.Fatalf("windowed search found %v (ids %v)", found, ids)
		}
		p, err := s.ListUsers(ctx, acme.ID, models.UserListQuery{Search: "nobody"})
		if db.Name == "postgres" {
			// PostgreSQL looks through every user with the trigram indexes
			// (search.go): no window, a miss is final.
			if err != nil || len(p.Items) != 0 || p.Partial || p.Next != 0 {
				t.Fatalf("a miss on PostgreSQL: %+v %v", p, err)
			}
		} else if err != nil || len(p.Items) != 0 || !p.Partial || p.Next != ids[4] {
			t.Fatalf("a miss in the first window: %+v %v", p, err)
		}
		models.UserSearchWindow = 100_000

		if n, more, err := s.CountUsers(ctx, acme.ID, 5); n != 5 || !more || err != nil {
			t.Fatalf("capped count: %d %v %v", n, more, err)
		}
		if n, more, err := s.CountUsers(ctx, acme.ID, 100); n != 7 || more || err != nil {
			t.Fatalf("count: %d %v %v", n, more, err)
		}
		if n, _, err := s.CountUsers(ctx, acme.ID, 0); err != nil {
			t.Fatal(err)
		} else if n != 7 {
			t.Fatalf("full count: %d", n)
		}
		got, err := s.UsersByIDs(ctx, globex.ID, ids)
		if err != nil || len(got) != 0 {
			t.Fatalf("UsersByIDs across tenants: %v %v", got, err)
		}
	})
}

func TestSeedUsers(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, _ := newStore(db)
		ctx := context.Background()
		acme, _ := twoTenants(t, s)
		// A hand-made user first; two seed runs must not clash with it or each other.
		if _, err := s.CreateUser(ctx, acme.ID, models.CreateUserInput{Email: "ada@example.com"}, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{12_345, 3} {
			added, err := s.SeedUsers(ctx, acme, n, models.Actor{Email: "seed"})
			if err != nil || added != n {
				t.Fatalf("seed %d: %d %v", n, added, err)
			}
		}
		total, _, err := s.CountUsers(ctx, acme.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if total != 12_349 {
			t.Fatalf("%d users", total)
		}
		var noEmail, noUsername, blocked, withAttrs int64
		modelstest.Must(t, db.DB.Model(&models.User{}).Where("tenant_id = ? AND email = ''", acme.ID).Count(&noEmail))
		modelstest.Must(t, db.DB.Model(&models.User{}).Where("tenant_id = ? AND username = ''", acme.ID).Count(&noUsername))
		modelstest.Must(t, db.DB.Model(&models.User{}).Where("tenant_id = ? AND blocked", acme.ID).Count(&blocked))
		modelstest.Must(t, db.DB.Model(&models.User{}).Where("tenant_id = ? AND attributes <> '{}'", acme.ID).Count(&withAttrs))
		if noEmail == 0 || noUsername == 0 || blocked == 0 || withAttrs == 0 {
			t.Fatalf("seed is not varied: %d without e-mail, %d without username, %d blocked, %d with attributes", noEmail, noUsername, blocked, withAttrs)
		}
		p, err := s.ListUsers(ctx, acme.ID, models.UserListQuery{Search: "tanaka"})
		if err != nil || len(p.Items) == 0 {
			t.Fatalf("search seeded users: %v", err)
		}
		if ev := lastAudit(t, db.DB, acme.ID); ev.Action != "tenant.seeded" || !strings.Contains(ev.Changes, `"users"`) {
			t.Fatalf("audit %+v", ev)
		}
	})
}
