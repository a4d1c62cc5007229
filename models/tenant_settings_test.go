package models_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
)

func auditOf(t *testing.T, db modelstest.DB, tenantID int64, action string) []models.AuditEvent {
	t.Helper()
	var evs []models.AuditEvent
	if err := db.DB.Where("tenant_id = ? AND action = ?", tenantID, action).Order("id").Find(&evs).Error; err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestNewTenantsGetTheDefaults(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, _ := newStore(db)
		tn, _ := activeAdmin(t, s)
		got, err := s.TenantBySlug(context.Background(), "acme")
		if err != nil {
			t.Fatal(err)
		}
		if got.IdleMinutes != 30 || got.AbsoluteHours != 12 || got.DeactivateAfterDays != 0 || got.Version != 1 || got.Legacy ||
			!got.FeatureAdminManagement || got.FeatureAdvancedAdminManagement {
			t.Fatalf("new tenant: %+v", got)
		}
		if got.SessionIdle() != 30*time.Minute || got.SessionAbsolute() != 12*time.Hour || tn.AdminManagement() != models.AdminManagementClassic {
			t.Fatalf("limits %s %s, mode %v", got.SessionIdle(), got.SessionAbsolute(), tn.AdminManagement())
		}
		// A row from before the settings (zeros) gets the defaults, out of
		// bounds values the nearest bound.
		if (models.Tenant{}).SessionIdle() != 30*time.Minute || (models.Tenant{IdleMinutes: 1, AbsoluteHours: 99}).SessionAbsolute() != 12*time.Hour ||
			(models.Tenant{IdleMinutes: 1}).SessionIdle() != 5*time.Minute {
			t.Fatal("clamping")
		}
	})
}

func TestUpdateTenantSettings(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, _ := newStore(db)
		ctx := context.Background()
		tn, owner := activeAdmin(t, s)
		v, err := s.LoadViewer(ctx, tn, owner.ID)
		if err != nil {
			t.Fatal(err)
		}
		stored := func() models.Tenant {
			t.Helper()
			got, err := s.TenantBySlug(ctx, "acme")
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		// Bounds: one message per field, nothing written.
		bad := []struct {
			in    models.TenantSettingsInput
			field string
		}{
			{models.TenantSettingsInput{Name: " ", IdleMinutes: 30, AbsoluteHours: 12}, "name"},
			{models.TenantSettingsInput{Name: string(make([]rune, 201)), IdleMinutes: 30, AbsoluteHours: 12}, "name"},
			{models.TenantSettingsInput{Name: "A", IdleMinutes: 4, AbsoluteHours: 12}, "idle_minutes"},
			{models.TenantSettingsInput{Name: "A", IdleMinutes: 31, AbsoluteHours: 12}, "idle_minutes"},
			{models.TenantSettingsInput{Name: "A", IdleMinutes: 30, AbsoluteHours: 0}, "absolute_hours"},
			{models.TenantSettingsInput{Name: "A", IdleMinutes: 30, AbsoluteHours: 13}, "absolute_hours"},
			{models.TenantSettingsInput{Name: "A", IdleMinutes: 30, AbsoluteHours: 12, DeactivateAfterDays: 29}, "deactivate_after_days"},
			{models.TenantSettingsInput{Name: "A", IdleMinutes: 30, AbsoluteHours: 12, DeactivateAfterDays: 366}, "deactivate_after_days"},
			{models.TenantSettingsInput{Name: "A", IdleMinutes: 30, AbsoluteHours: 12, DeactivateAfterDays: -1}, "deactivate_after_days"},
		}
		for _, b := range bad {
			_, err := s.UpdateTenantSettings(ctx, v, b.in, models.Actor{})
			var verr *models.ValidationError
			if !errors.As(err, &verr) || verr.Fields[b.field] == "" || len(verr.Fields) != 1 {
				t.Errorf("%+v: %v", b.in, err)
			}
		}
		if got := stored(); got.Version != 1 || got.Name != "Acme" || len(auditOf(t, db, tn.ID, "tenant.updated")) != 0 {
			t.Fatalf("bad input wrote: %+v", got)
		}
		for _, ok := range []models.TenantSettingsInput{
			{Version: 1, Name: "Acme Corp", IdleMinutes: 5, AbsoluteHours: 1, DeactivateAfterDays: 30},
			{Version: 2, Name: "Acme Corp", IdleMinutes: 5, AbsoluteHours: 1, DeactivateAfterDays: 365},
			{Version: 3, Name: "Acme Corp", IdleMinutes: 30, AbsoluteHours: 12, DeactivateAfterDays: 0},
		} {
			if _, err := s.UpdateTenantSettings(ctx, v, ok, models.Actor{Email: "a@example.com"}); err != nil {
				t.Fatalf("%+v: %v", ok, err)
			}
		}
		got := stored()
		if got.Version != 4 || got.Name != "Acme Corp" || got.IdleMinutes != 30 || got.AbsoluteHours != 12 || got.DeactivateAfterDays != 0 {
			t.Fatalf("saved: %+v", got)
		}
		evs := auditOf(t, db, tn.ID, "tenant.updated")
		if len(evs) != 3 || evs[0].ActorEmail != "a@example.com" ||
			evs[0].Changes != `{"absolute_hours":{"before":12,"after":1},"deactivate_after_days":{"before":0,"after":30},"idle_minutes":{"before":30,"after":5},"name":{"before":"Acme","after":"Acme Corp"}}` ||
			evs[1].Changes != `{"deactivate_after_days":{"before":30,"after":365}}` {
			t.Fatalf("audit: %+v", evs)
		}
		// Nothing changed: nothing written, the version stays.
		if _, err := s.UpdateTenantSettings(ctx, v, models.TenantSettingsInput{Version: 4, Name: "Acme Corp", IdleMinutes: 30, AbsoluteHours: 12}, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		if stored().Version != 4 || len(auditOf(t, db, tn.ID, "tenant.updated")) != 3 {
			t.Fatal("an unchanged save wrote something")
		}
		// A form opened on an older version is refused with the current tenant.
		_, err = s.UpdateTenantSettings(ctx, v, models.TenantSettingsInput{Version: 2, Name: "Stale", IdleMinutes: 10, AbsoluteHours: 2}, models.Actor{})
		var conflict *models.TenantConflictError
		if !errors.As(err, &conflict) || conflict.Current.Version != 4 || conflict.Current.Name != "Acme Corp" {
			t.Fatalf("stale save: %v", err)
		}
		if stored().Name != "Acme Corp" {
			t.Fatal("the stale save was written")
		}
		// Version 0 (a post without the form's version) saves over the current.
		if _, err := s.UpdateTenantSettings(ctx, v, models.TenantSettingsInput{Name: "Acme", IdleMinutes: 10, AbsoluteHours: 2}, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		if got := stored(); got.Version != 5 || got.IdleMinutes != 10 {
			t.Fatalf("versionless save: %+v", got)
		}
	})
}

// TestChangingTheThresholdRewarns: warnings given under the old threshold
// named another date, so a new threshold clears them.
func TestChangingTheThresholdRewarns(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, clk := newStore(db)
		ctx := context.Background()
		tn, owner := activeAdmin(t, s)
		v, _ := s.LoadViewer(ctx, tn, owner.ID)
		now := clk.Now()
		if err := db.DB.Model(&models.Administrator{}).Where("id = ?", owner.ID).Update("dormancy_warned_at", now).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateTenantSettings(ctx, v, models.TenantSettingsInput{Name: "Acme", IdleMinutes: 30, AbsoluteHours: 12}, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		a, _ := s.AdministratorByID(ctx, tn.ID, owner.ID)
		if a.DormancyWarnedAt == nil {
			t.Fatal("an unchanged threshold cleared the warning")
		}
		if _, err := s.UpdateTenantSettings(ctx, v, models.TenantSettingsInput{Name: "Acme", IdleMinutes: 30, AbsoluteHours: 12, DeactivateAfterDays: 90}, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		if a, _ := s.AdministratorByID(ctx, tn.ID, owner.ID); a.DormancyWarnedAt != nil {
			t.Fatal("a new threshold kept the old warning")
		}
	})
}
