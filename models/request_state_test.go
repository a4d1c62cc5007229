package models_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"

	"gorm.io/gorm/schema"
)

// TestRequestStateColumns: the one-query load of a request reads every
// column of the tenant and of the stored session it needs, and every
// column of the administrator but the password hash, the TOTP secret and
// the pool attributes
// (a field added to a struct fails here until the query reads it).
func TestRequestStateColumns(t *testing.T) {
	cols := func(model any) []string {
		s, err := schema.Parse(model, &sync.Map{}, schema.NamingStrategy{})
		if err != nil {
			t.Fatal(err)
		}
		return s.DBNames
	}
	read := models.RequestStateColumns()
	for _, c := range []struct {
		alias   string
		model   any
		without []string
	}{
		{"t", &models.Tenant{}, nil},
		{"a", &models.Administrator{}, []string{"tenant_id", "password_hash", "totp_secret", "totp_last_step", "attributes", "metadata"}}, // attributes and metadata: the pool user's, never needed to serve a request
		{"s", &models.Session{}, []string{"ip", "user_agent"}},
		{"rb", &models.RoleBinding{}, []string{"tenant_id", "administrator_id"}},
	} {
		for _, col := range cols(c.model) {
			if slices.Contains(c.without, col) {
				if slices.Contains(read, c.alias+"."+col) {
					t.Errorf("the request state reads %s.%s", c.alias, col)
				}
				continue
			}
			if !slices.Contains(read, c.alias+"."+col) {
				t.Errorf("the request state does not read %s.%s", c.alias, col)
			}
		}
	}
}

// TestTenantRequest: the tenant, the session, its administrator and their
// unexpired bindings in one query; a session of another tenant, an unknown
// session, no session and an unknown tenant.
func TestTenantRequest(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, clk := newStore(db)
		ctx := context.Background()
		tn, a := activeAdmin(t, s)
		other, _, _, err := s.CreateTenant(ctx, models.CreateTenantInput{Slug: "other", Name: "Other", Plan: models.PlanEnterprise, AdminEmail: "o@example.com"}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		past := clk.Now().Add(-time.Hour)
		modelstest.Must(t, db.DB.Create(&models.RoleBinding{TenantID: tn.ID, AdministratorID: a.ID, RoleKey: "tenant_auditor", ExpiresAt: &past, CreatedAt: past}))
		now := clk.Now().UTC().Truncate(time.Microsecond)
		save := func(id string, tenantID *int64) {
			row := models.Session{ID: models.HashToken(id), TenantID: tenantID, AdministratorID: &a.ID, Data: []byte(`{"stage":"complete"}`),
				CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
			if err := s.SaveSession(ctx, &row); err != nil {
				t.Fatal(err)
			}
		}
		save("mine", &tn.ID)
		save("theirs", &other.ID)

		st, err := s.TenantRequest(ctx, "ACME", models.HashToken("mine"))
		if err != nil {
			t.Fatal(err)
		}
		if st.Tenant.ID != tn.ID || st.Tenant.Slug != "acme" || st.Tenant.IdleMinutes != 30 || !st.SessionOfTenant {
			t.Fatalf("tenant %+v, of tenant %v", st.Tenant, st.SessionOfTenant)
		}
		if st.Session == nil || st.Session.ID != models.HashToken("mine") || *st.Session.TenantID != tn.ID || *st.Session.AdministratorID != a.ID ||
			string(st.Session.Data) != `{"stage":"complete"}` || !st.Session.ExpiresAt.Equal(now.Add(time.Hour)) {
			t.Fatalf("session %+v", st.Session)
		}
		if st.SessionLimits.Idle != 30*time.Minute || st.SessionLimits.Absolute != 12*time.Hour {
			t.Fatalf("limits %+v", st.SessionLimits)
		}
		if st.Admin == nil || st.Admin.ID != a.ID || st.Admin.Email != a.Email || st.Admin.Status != models.AdminActive ||
			st.Admin.PasswordHash != "" || st.Admin.TOTPSecret != nil {
			t.Fatalf("administrator %+v", st.Admin)
		}
		if len(st.Bindings) != 1 || st.Bindings[0].RoleKey != "tenant_admin" || st.Bindings[0].AdministratorID != a.ID {
			t.Fatalf("bindings (the expired one left out) %+v", st.Bindings)
		}
		// The viewer built from it is the one LoadViewer loads.
		got, err := s.ViewerOf(ctx, st, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		want, err := s.LoadViewer(ctx, tn, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		want.Administrator.PasswordHash, want.Administrator.TOTPSecret, want.Administrator.TOTPLastStep = "", nil, 0
		if !reflect.DeepEqual(got.Perms, want.Perms) || !reflect.DeepEqual(got.Grants, want.Grants) ||
			got.Administrator.ID != want.Administrator.ID || got.Administrator.DisplayName() != want.Administrator.DisplayName() {
			t.Fatalf("viewer %+v, LoadViewer's %+v", got, want)
		}
		// Deactivated: no viewer.
		modelstest.Must(t, db.DB.Model(&models.Administrator{}).Where("id = ?", a.ID).Update("status", models.AdminInactive))
		st, err = s.TenantRequest(ctx, "acme", models.HashToken("mine"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.ViewerOf(ctx, st, a.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("inactive administrator's viewer: %v", err)
		}

		// Another tenant's session: not this tenant's, no administrator.
		st, err = s.TenantRequest(ctx, "acme", models.HashToken("theirs"))
		if err != nil {
			t.Fatal(err)
		}
		if st.Session == nil || st.SessionOfTenant || st.Admin != nil || st.Bindings != nil {
			t.Fatalf("another tenant's session: %+v", st)
		}
		// Unknown session, no session.
		for _, hash := range []string{models.HashToken("nobody"), ""} {
			st, err = s.TenantRequest(ctx, "acme", hash)
			if err != nil {
				t.Fatal(err)
			}
			if st.Tenant.ID != tn.ID || st.Session != nil || !st.SessionOfTenant || st.Admin != nil {
				t.Fatalf("session %q: %+v", hash, st)
			}
		}
		if _, err := s.TenantRequest(ctx, "nope", models.HashToken("mine")); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("unknown tenant: %v", err)
		}
	})
}
