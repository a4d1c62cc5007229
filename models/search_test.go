package models_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"gatehouse/models"
	"gatehouse/models/modelstest"
)

// TestSearchFindsEveryMatchInOrder: the Administrators, Organizations and
// Users searches, paged to the end, find exactly the matches a plain scan
// finds, in the list's order, whether the matches lie in the first rows
// or far beyond the rows a search walks before turning to the trigram
// indexes (a window of 7 rows here; PostgreSQL), for common, rare,
// clustered and absent terms, short and long.
func TestSearchFindsEveryMatchInOrder(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, _ := newStore(db)
		s.SearchWindow = 7
		ctx := context.Background()
		tn, _ := activeAdmin(t, s)
		if _, err := s.SeedAdministrators(ctx, tn, 150, "", models.Actor{}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SeedOrganizations(ctx, tn, 150, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SeedUsers(ctx, tn, 150, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		// Another tenant's rows never show.
		other, _, _, err := s.CreateTenant(ctx, models.CreateTenantInput{Slug: "other", Name: "Other", Plan: models.PlanEnterprise, AdminEmail: "zed.other@example.com"}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SeedAdministrators(ctx, other, 20, "", models.Actor{}); err != nil {
			t.Fatal(err)
		}

		var admins []models.Administrator
		modelstest.Must(t, db.DB.Where("tenant_id = ?", tn.ID).Order("email").Find(&admins))
		var orgs []models.Organization
		modelstest.Must(t, db.DB.Where("tenant_id = ?", tn.ID).Order("name").Find(&orgs))
		var users []models.User
		modelstest.Must(t, db.DB.Where("tenant_id = ?", tn.ID).Order("id DESC").Find(&users))
		terms := []string{"zzqx", "a", "an", "example", "_", "%"}
		// Terms taken from the data: the last row's (matches clustered at
		// the end), one from the middle, the first's.
		for _, a := range []models.Administrator{admins[len(admins)-1], admins[len(admins)/2], admins[0]} {
			local, domain, _ := strings.Cut(a.Email, "@")
			// Whole addresses ask the indexes for their local part only:
			// the domain must still be matched, the wrong one finds none.
			terms = append(terms, local, strings.ToUpper(a.FamilyName), a.GivenName+" "+prefix(a.FamilyName, 2),
				a.Email, local+"@"+prefix(domain, 3), local+"@nowhere.test")
		}
		for _, o := range []models.Organization{orgs[len(orgs)-1], orgs[len(orgs)/2]} {
			terms = append(terms, o.Name, strings.ToLower(prefix(o.DisplayName, 4)))
		}
		for _, u := range []models.User{users[len(users)-1], users[len(users)/2]} {
			terms = append(terms, u.Email, prefix(u.Username, 5), u.GivenName+" "+prefix(u.FamilyName, 3), strings.Replace(u.Email, "@", "@x", 1))
		}
		for _, term := range terms {
			low := strings.ToLower(term)
			var wantAdmins, gotAdmins []string
			for _, a := range admins {
				if strings.Contains(a.Email, low) || strings.Contains(strings.ToLower(a.GivenName+" "+a.FamilyName), low) {
					wantAdmins = append(wantAdmins, a.Email)
				}
			}
			after := ""
			for pages := 0; ; pages++ {
				p, err := s.ListAdministrators(ctx, tn.ID, models.AdminListQuery{Search: term, After: after, Limit: 10})
				if err != nil {
					t.Fatal(err)
				}
				for _, it := range p.Items {
					gotAdmins = append(gotAdmins, it.Administrator.Email)
				}
				if p.Next == "" || pages > 50 {
					break
				}
				after = p.Next
			}
			if !slices.Equal(gotAdmins, wantAdmins) {
				t.Errorf("administrators matching %q: got %d %v, want %d %v", term, len(gotAdmins), head(gotAdmins), len(wantAdmins), head(wantAdmins))
			}
			if n, more, err := s.CountAdministratorsMatching(ctx, tn.ID, models.AdminListQuery{Search: term}); err != nil || more || n != int64(len(wantAdmins)) {
				t.Errorf("administrators matching %q: counted %d %v %v, want %d", term, n, more, err, len(wantAdmins))
			}

			var wantOrgs, gotOrgs []string
			for _, o := range orgs {
				if strings.Contains(o.Name, low) || strings.Contains(strings.ToLower(o.DisplayName), low) {
					wantOrgs = append(wantOrgs, o.Name)
				}
			}
			after = ""
			for pages := 0; ; pages++ {
				p, err := s.ListOrganizations(ctx, tn.ID, models.OrgListQuery{Search: term, After: after, Limit: 10})
				if err != nil {
					t.Fatal(err)
				}
				for _, it := range p.Items {
					gotOrgs = append(gotOrgs, it.Organization.Name)
				}
				if p.Next == "" || pages > 50 {
					break
				}
				after = p.Next
			}
			if !slices.Equal(gotOrgs, wantOrgs) {
				t.Errorf("organizations matching %q: got %d %v, want %d %v", term, len(gotOrgs), head(gotOrgs), len(wantOrgs), head(wantOrgs))
			}

			var wantUsers, gotUsers []int64
			for _, u := range users {
				if strings.Contains(u.Email, low) || strings.Contains(u.Username, low) || strings.Contains(strings.ToLower(u.GivenName+" "+u.FamilyName), low) {
					wantUsers = append(wantUsers, u.ID)
				}
			}
			var afterID int64
			for pages := 0; ; pages++ {
				p, err := s.ListUsers(ctx, tn.ID, models.UserListQuery{Search: term, After: afterID, Limit: 10})
				if err != nil {
					t.Fatal(err)
				}
				for _, u := range p.Items {
					gotUsers = append(gotUsers, u.ID)
				}
				if p.Next == 0 || pages > 50 {
					break
				}
				afterID = p.Next
			}
			if !slices.Equal(gotUsers, wantUsers) {
				t.Errorf("users matching %q: got %d %v, want %d %v", term, len(gotUsers), gotUsers, len(wantUsers), wantUsers)
			}
		}
	})
}

func head(s []string) string {
	if len(s) > 4 {
		return fmt.Sprint(s[:4]) + "…"
	}
	return fmt.Sprint(s)
}

func prefix(s string, n int) string {
	if len(s) < n {
		return s
	}
	return s[:n]
}
