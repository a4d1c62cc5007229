package models_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/models/modelstest"
	"gatehouse/views/emails"
)

const day = 24 * time.Hour

// dormantFixture is a tenant deactivating after 30 days, whose owner (a
// permanent Tenant Admin) and three more administrators all became active
// at the clock's start: bob (Tenant Auditor, with a session), carol (a
// second permanent Tenant Admin) and dave (Tenant Member).
type dormantFixture struct {
	tn                      models.Tenant
	owner, bob, carol, dave models.Administrator
}

func newDormantFixture(t *testing.T, s *models.Store, db modelstest.DB) dormantFixture {
	t.Helper()
	ctx := context.Background()
	tn, owner := activeAdmin(t, s)
	ov, err := s.LoadViewer(ctx, tn, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	ov.SteppedUpAt = s.Now()
	now := s.Now().UTC()
	mk := func(email string, role authz.RoleKey) models.Administrator {
		a, err := s.CreateAdministrator(ctx, ov, models.CreateAdminInput{Email: email, GivenName: strings.Split(email, "@")[0], FamilyName: "X", Role: string(role)}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.DB.Model(&models.Administrator{}).Where("id = ?", a.ID).
			Updates(map[string]any{"status": models.AdminActive, "activated_at": now, "password_hash": "x"}).Error; err != nil {
			t.Fatal(err)
		}
		return a
	}
	f := dormantFixture{tn: tn, owner: owner, bob: mk("bob@example.com", authz.TenantAuditor),
		carol: mk("carol@example.com", authz.TenantAdmin), dave: mk("dave@example.com", authz.TenantMember)}
	if err := db.DB.Create(&models.Session{ID: "bob-session", TenantID: &tn.ID, AdministratorID: &f.bob.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(12 * time.Hour)}).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateTenantSettings(ctx, ov, models.TenantSettingsInput{Name: "Acme", IdleMinutes: 30, AbsoluteHours: 12, DeactivateAfterDays: 30}, models.Actor{}); err != nil {
		t.Fatal(err)
	}
	return f
}

func statusOf(t *testing.T, s *models.Store, a models.Administrator) models.AdminStatus {
	t.Helper()
	got, err := s.AdministratorByID(context.Background(), a.TenantID, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got.Status
}

func warnings(t *testing.T, s *models.Store, email string) []models.OutboxEmail {
	t.Helper()
	all, err := s.OutboxTo(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	var out []models.OutboxEmail
	for _, m := range all {
		if strings.Contains(m.Subject, "unless you sign in") {
			out = append(out, m)
		}
	}
	return out
}

func runDormant(t *testing.T, s *models.Store) models.DormantReport {
	t.Helper()
	rep, err := s.DeactivateDormantAdministrators(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestDormantAdministrators walks the clock through a 30-day threshold:
// warned once at day 23, deactivated at day 30 (sessions ended, audited
// as "gatehouse"), a sign-in in between starts the count again, and the
// last active permanent Tenant Admin is kept.
func TestDormantAdministrators(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, clk := newStore(db)
		ctx := context.Background()
		f := newDormantFixture(t, s, db)
		start := clk.Now()
		at := func(d time.Duration) { clk.t = start.Add(d) }

		at(23*day - time.Minute)
		if rep := runDormant(t, s); rep != (models.DormantReport{}) {
			t.Fatalf("day 22: %+v", rep)
		}
		at(23 * day)
		if rep := runDormant(t, s); rep.Warned != 4 || rep.Deactivated != 0 {
			t.Fatalf("day 23: %+v", rep)
		}
		ws := warnings(t, s, "bob@example.com")
		if len(ws) != 1 || !strings.Contains(ws[0].TextBody, "30 days") || !strings.Contains(ws[0].TextBody, start.Add(30*day).Format("2 January 2006")) ||
			!strings.Contains(ws[0].TextBody, "http://gatehouse.test/t/acme/login") {
			t.Fatalf("warning: %+v", ws)
		}
		evs := auditOf(t, db, f.tn.ID, "administrator.dormancy_warned")
		if len(evs) != 4 || evs[0].ActorEmail != "gatehouse" || evs[0].ActorID != nil {
			t.Fatalf("warned audit: %+v", evs)
		}
		at(24 * day)
		if rep := runDormant(t, s); rep != (models.DormantReport{}) || len(warnings(t, s, "bob@example.com")) != 1 {
			t.Fatalf("day 24: %+v (the warning is sent once)", rep)
		}
		// Dave signs in on day 25: his count starts again.
		signedIn := start.Add(25 * day)
		if err := db.DB.Model(&models.Administrator{}).Where("id = ?", f.dave.ID).Update("last_sign_in_at", signedIn).Error; err != nil {
			t.Fatal(err)
		}
		at(30*day - time.Minute)
		if rep := runDormant(t, s); rep != (models.DormantReport{}) {
			t.Fatalf("just before day 30: %+v", rep)
		}
		at(30 * day)
		rep := runDormant(t, s)
		if rep.Deactivated != 2 || rep.Kept != 1 {
			t.Fatalf("day 30: %+v", rep)
		}
		if statusOf(t, s, f.bob) != models.AdminInactive || statusOf(t, s, f.dave) != models.AdminActive {
			t.Fatal("bob kept or dave deactivated")
		}
		// Of the two permanent Tenant Admins, one stays: the last one.
		if o, c := statusOf(t, s, f.owner), statusOf(t, s, f.carol); !(o == models.AdminActive) == !(c == models.AdminActive) {
			t.Fatalf("owner %s, carol %s", o, c)
		}
		var n int64
		db.DB.Model(&models.Session{}).Where("administrator_id = ?", f.bob.ID).Count(&n)
		if n != 0 {
			t.Fatal("bob's session survived")
		}
		evs = auditOf(t, db, f.tn.ID, "administrator.deactivated")
		if len(evs) != 2 || evs[0].ActorEmail != "gatehouse" || !strings.Contains(evs[0].Changes, "no sign-in for 30 days") {
			t.Fatalf("deactivated audit: %+v", evs)
		}
		// Nothing more to do; dave is warned at his own day 23.
		at(31 * day)
		if rep := runDormant(t, s); rep.Deactivated != 0 || rep.Warned != 0 {
			t.Fatalf("day 31: %+v", rep)
		}
		clk.t = signedIn.Add(23 * day)
		if rep := runDormant(t, s); rep.Warned != 1 || len(warnings(t, s, "dave@example.com")) != 2 {
			t.Fatalf("dave's second warning: %+v", rep)
		}
		// Re-activation starts the count again: bob is not deactivated at once.
		ov, _ := s.LoadViewer(ctx, f.tn, activeOwner(t, s, f).ID)
		if err := s.SetStatus(ctx, ov, f.bob.ID, models.AdminActive, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		runDormant(t, s)
		if statusOf(t, s, f.bob) != models.AdminActive {
			t.Fatal("re-activated bob was deactivated again at once")
		}
		if v := mustVerify(t, s, f.tn.ID); !v.OK() {
			t.Fatal(v.Break)
		}
	})
}

func activeOwner(t *testing.T, s *models.Store, f dormantFixture) models.Administrator {
	t.Helper()
	if statusOf(t, s, f.owner) == models.AdminActive {
		return f.owner
	}
	return f.carol
}

// TestDormantThresholdOff: with deactivate_after_days 0 nobody is touched.
func TestDormantThresholdOff(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, clk := newStore(db)
		f := newDormantFixture(t, s, db)
		ov, _ := s.LoadViewer(context.Background(), f.tn, f.owner.ID)
		if _, err := s.UpdateTenantSettings(context.Background(), ov, models.TenantSettingsInput{Name: "Acme", IdleMinutes: 30, AbsoluteHours: 12}, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		clk.Add(400 * day)
		if rep := runDormant(t, s); rep != (models.DormantReport{}) || statusOf(t, s, f.bob) != models.AdminActive {
			t.Fatalf("off: %+v", rep)
		}
	})
}

// TestTwoDormantWorkersActOnce: two workers (two Store instances, as two
// replicas) running at the same moment warn and deactivate each
// administrator once.
func TestTwoDormantWorkersActOnce(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s1, clk := newStore(db)
		var second modelstest.DB
		var err error
		second.Name = db.Name
		if db.Name == "postgres" {
			second.DB, err = models.Open(db.URL, "")
		} else {
			second.DB, err = models.OpenSQLite(strings.TrimPrefix(db.URL, "sqlite:"), nil)
		}
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { models.Close(second.DB) })
		s2, err := models.NewStore(second.DB, "http://gatehouse.test", emails.Renderer{}, modelstest.Keys())
		if err != nil {
			t.Fatal(err)
		}
		s2.Now = clk.Now
		f := newDormantFixture(t, s1, db)
		both := func() (models.DormantReport, models.DormantReport) {
			var wg sync.WaitGroup
			var r1, r2 models.DormantReport
			var e1, e2 error
			wg.Add(2)
			go func() { defer wg.Done(); r1, e1 = s1.DeactivateDormantAdministrators(context.Background()) }()
			go func() { defer wg.Done(); r2, e2 = s2.DeactivateDormantAdministrators(context.Background()) }()
			wg.Wait()
			if e1 != nil || e2 != nil {
				t.Fatal(e1, e2)
			}
			return r1, r2
		}
		clk.Add(23 * day)
		r1, r2 := both()
		if r1.Warned+r2.Warned != 4 {
			t.Fatalf("warned %d + %d", r1.Warned, r2.Warned)
		}
		for _, e := range []string{"a@example.com", "bob@example.com", "carol@example.com", "dave@example.com"} {
			if n := len(warnings(t, s1, e)); n != 1 {
				t.Errorf("%s warned %d times", e, n)
			}
		}
		clk.Add(7 * day)
		r1, r2 = both()
		if r1.Deactivated+r2.Deactivated != 3 || len(auditOf(t, db, f.tn.ID, "administrator.deactivated")) != 3 {
			t.Fatalf("deactivated %d + %d", r1.Deactivated, r2.Deactivated)
		}
		if v := mustVerify(t, s1, f.tn.ID); !v.OK() {
			t.Fatal(v.Break)
		}
	})
}
