package models_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
)

// TestAdministratorsListFiltersSortsAndCounts: every order walks the whole
// filtered list by keyset, each administrator once, in the order asked;
// the count matches the filters.
func TestAdministratorsListFiltersSortsAndCounts(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, clk := newStore(db)
		ctx := context.Background()
		tn, owner := activeAdmin(t, s)
		var pool models.IdentityPool
		modelstest.Must(t, db.DB.Where("tenant_id = ? AND kind = ?", tn.ID, models.PoolAdministrators).Take(&pool))
		now := clk.Now().UTC()
		type row struct {
			email, name string
			status      models.AdminStatus
			signIn      *time.Time
			role        string
		}
		var rows []row
		names := []string{"Zoë Ärger", "adam Smith", "Adam smith", "Bea Zed", "Carl Young", "Dana Xu", "eve Wu"}
		for i := 0; i < 21; i++ {
			r := row{email: fmt.Sprintf("u%02d@example.com", i), name: names[i%len(names)], status: models.AdminActive, role: "tenant_member"}
			switch {
			case i%3 == 0:
				r.status = models.AdminInvited
			case i%5 == 0:
				r.status = models.AdminInactive
			}
			if i%4 != 0 {
				at := now.Add(-time.Duration(i%6) * time.Hour) // ties on purpose
				r.signIn = &at
			}
			if i%2 == 0 {
				r.role = "tenant_auditor"
			}
			given, family, _ := strings.Cut(r.name, " ")
			a := models.Administrator{TenantID: tn.ID, PoolID: pool.ID, Email: r.email, GivenName: given, FamilyName: family,
				Status: r.status, LastSignInAt: r.signIn, CreatedAt: now, UpdatedAt: now}
			modelstest.Must(t, db.DB.Create(&a))
			modelstest.Must(t, db.DB.Create(&models.RoleBinding{TenantID: tn.ID, AdministratorID: a.ID, RoleKey: r.role, CreatedAt: now}))
			rows = append(rows, r)
		}
		// An expired auditor binding does not count for the role filter.
		past := now.Add(-time.Hour)
		var u01 models.Administrator
		modelstest.Must(t, db.DB.Where("email = ?", "u01@example.com").Take(&u01))
		modelstest.Must(t, db.DB.Create(&models.RoleBinding{TenantID: tn.ID, AdministratorID: u01.ID, RoleKey: "tenant_auditor", CreatedAt: now, ExpiresAt: &past}))

		for _, q := range []models.AdminListQuery{
			{}, {Sort: models.AdminSortName}, {Sort: models.AdminSortLastSignIn},
			{Status: models.AdminActive, Sort: models.AdminSortName}, {Role: "tenant_auditor", Sort: models.AdminSortLastSignIn},
			{Role: "tenant_auditor", Status: models.AdminInvited}, {Search: "smith", Sort: models.AdminSortName},
		} {
			var want []string
			for _, r := range append([]row{{email: owner.Email, name: owner.GivenName + " " + owner.FamilyName, status: owner.Status, signIn: owner.LastSignInAt, role: "tenant_admin"}}, rows...) {
				if (q.Status == "" || r.status == q.Status) && (q.Role == "" || r.role == q.Role) &&
					(q.Search == "" || strings.Contains(strings.ToLower(r.name+" "+r.email), q.Search)) {
					want = append(want, r.email)
				}
			}
			var got []string
			var seenAt []*time.Time
			after := ""
			for pages := 0; ; pages++ {
				q.After, q.Limit = after, 4
				page, err := s.ListAdministrators(ctx, tn.ID, q)
				if err != nil {
					t.Fatal(err)
				}
				for _, it := range page.Items {
					got = append(got, it.Administrator.Email)
					seenAt = append(seenAt, it.Administrator.LastSignInAt)
				}
				if after = page.Next; after == "" || pages > 20 {
					break
				}
			}
			sorted := slices.Clone(got)
			slices.Sort(sorted)
			wantSorted := slices.Clone(want)
			slices.Sort(wantSorted)
			if !slices.Equal(sorted, wantSorted) {
				t.Errorf("%+v: got %v, want %v", q, got, want)
				continue
			}
			switch q.Sort {
			case models.AdminSortEmail, "":
				if !sort.StringsAreSorted(got) {
					t.Errorf("%+v: not by e-mail: %v", q, got)
				}
			case models.AdminSortLastSignIn:
				for i := 1; i < len(seenAt); i++ {
					a, b := seenAt[i-1], seenAt[i]
					if a == nil && b != nil || a != nil && b != nil && b.After(*a) {
						t.Errorf("%+v: not most recent first at %d: %v", q, i, got)
					}
				}
			}
			n, more, err := s.CountAdministratorsMatching(ctx, tn.ID, q)
			if err != nil || more || n != int64(len(want)) {
				t.Errorf("%+v: count %d %v %v, want %d", q, n, more, err, len(want))
			}
		}
		// Names: case-insensitive, ties broken by e-mail.
		page, err := s.ListAdministrators(ctx, tn.ID, models.AdminListQuery{Sort: models.AdminSortName, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < len(page.Items); i++ {
			a, b := page.Items[i-1].Administrator, page.Items[i].Administrator
			ka, kb := strings.ToLower(a.GivenName+" "+a.FamilyName), strings.ToLower(b.GivenName+" "+b.FamilyName)
			if strings.HasPrefix(ka, "zo") || strings.HasPrefix(kb, "zo") {
				continue // SQLite folds ASCII only
			}
			if ka > kb || ka == kb && a.Email > b.Email {
				t.Errorf("not by name at %d: %q %s, %q %s", i, ka, a.Email, kb, b.Email)
			}
		}
	})
}
