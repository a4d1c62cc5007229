package migrations

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/views/emails"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// TestAuditChainAndActivationForExistingData: events written before 0011
// are chained in id order, tenant by tenant, with a head each, so that the
// chain verifies and the next event continues it; active administrators
// get their invitation's acceptance as activation time (0012).
func TestAuditChainAndActivationForExistingData(t *testing.T) {
	dbs := map[string]func(t *testing.T) *gorm.DB{"sqlite": func(t *testing.T) *gorm.DB {
		db, err := models.OpenSQLite(filepath.Join(t.TempDir(), "g.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { models.Close(db) })
		return db
	}}
	if base := os.Getenv("TEST_DATABASE_URL"); base != "" {
		dbs["postgres"] = func(t *testing.T) *gorm.DB { return freshPostgresSchema(t, base) }
	} else if os.Getenv("CI") == "true" {
		t.Fatal("CI=true but TEST_DATABASE_URL is not set")
	}
	for name, open := range dbs {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			opts := *gormigrate.DefaultOptions
			opts.TableName = "schema_migrations"
			opts.UseTransaction = true
			if err := gormigrate.New(db, &opts, all()).MigrateTo("0012_tenant_settings"); err != nil {
				t.Fatal(err)
			}
			exec := func(q string, args ...any) {
				t.Helper()
				if err := db.Exec(q, args...).Error; err != nil {
					t.Fatal(err)
				}
			}
			t0 := time.Date(2026, 5, 1, 10, 0, 0, 123456000, time.UTC)
			for _, slug := range []string{"acme", "globex"} {
				exec("INSERT INTO tenants (slug, name, plan, feature_admin_management, feature_advanced_admin_management, created_at, updated_at) VALUES (?, ?, 'free', true, false, ?, ?)", slug, slug, t0, t0)
			}
			var acme, globex int64
			db.Raw("SELECT id FROM tenants WHERE slug = 'acme'").Scan(&acme)
			db.Raw("SELECT id FROM tenants WHERE slug = 'globex'").Scan(&globex)
			// Interleaved events of both tenants, some with a workspace, some
			// without an actor; more than one batch of the migration's for acme.
			type oldEvent struct {
				ID          int64
				TenantID    int64
				ActorID     *int64
				ActorEmail  string
				Action      string
				TargetType  string
				TargetID    string
				TargetLabel string
				Changes     string
				IP          string
				UserAgent   string
				WorkspaceID *int64
				CreatedAt   time.Time
			}
			evs := make([]oldEvent, 2500)
			for i := range evs {
				e := oldEvent{TenantID: acme, ActorEmail: "a@example.com", Action: "administrator.renamed", TargetType: "administrator", TargetID: "1",
					TargetLabel: "a@example.com", Changes: `{"given_name":{"before":"A","after":"B"}}`, IP: "127.0.0.1", UserAgent: "UA",
					CreatedAt: t0.Add(time.Duration(i) * time.Second)}
				if i%3 == 0 {
					e.TenantID = globex
				}
				if i%2 == 1 {
					id := int64(i)
					e.ActorID = &id
				}
				if i%5 == 0 {
					ws := int64(7)
					e.WorkspaceID = &ws
				}
				evs[i] = e
			}
			if err := db.Table("audit_events").CreateInBatches(&evs, 250).Error; err != nil {
				t.Fatal(err)
			}
			exec(`INSERT INTO administrators (tenant_id, pool_id, email, given_name, family_name, status, created_at, updated_at) VALUES (?, 1, 'a@example.com', 'A', 'A', 'active', ?, ?)`, acme, t0, t0)
			exec(`INSERT INTO administrators (tenant_id, pool_id, email, given_name, family_name, status, created_at, updated_at) VALUES (?, 1, 'i@example.com', 'I', 'I', 'invited', ?, ?)`, acme, t0, t0)
			var active, invited int64
			db.Raw("SELECT id FROM administrators WHERE email = 'a@example.com'").Scan(&active)
			db.Raw("SELECT id FROM administrators WHERE email = 'i@example.com'").Scan(&invited)
			accepted := t0.Add(time.Hour)
			exec(`INSERT INTO invitations (tenant_id, administrator_id, token_hash, expires_at, accepted_at, created_at) VALUES (?, ?, 'h1', ?, ?, ?)`, acme, active, t0.Add(48*time.Hour), accepted, t0)
			exec(`INSERT INTO invitations (tenant_id, administrator_id, token_hash, expires_at, created_at) VALUES (?, ?, 'h2', ?, ?)`, acme, invited, t0.Add(48*time.Hour), t0)

			if err := Run(context.Background(), db); err != nil {
				t.Fatal(err)
			}
			s, err := models.NewStore(db, "http://x", emails.Renderer{}, models.Keys{TOTP: make([]byte, 32), Code: make([]byte, 32)})
			if err != nil {
				t.Fatal(err)
			}
			for tid, want := range map[int64]int64{acme: 1666, globex: 834} {
				v, err := s.VerifyAuditChain(context.Background(), tid)
				if err != nil || !v.OK() || v.Events != want {
					t.Fatalf("tenant %d: %+v %v %v", tid, v, v.Break, err)
				}
				var ids []int64
				db.Raw("SELECT id FROM audit_events WHERE tenant_id = ? ORDER BY seq", tid).Scan(&ids)
				for i := 1; i < len(ids); i++ {
					if ids[i] <= ids[i-1] {
						t.Fatalf("tenant %d: the chain is not in id order at %d", tid, i)
					}
				}
			}
			// The next event continues the chain.
			tn, err := s.TenantByID(context.Background(), acme)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.UpdateTenantSettings(context.Background(), models.Viewer{Tenant: tn}, models.TenantSettingsInput{Name: "Acme", IdleMinutes: 10, AbsoluteHours: 2}, models.Actor{}); err != nil {
				t.Fatal(err)
			}
			if v, err := s.VerifyAuditChain(context.Background(), acme); err != nil || !v.OK() || v.Events != 1667 {
				t.Fatalf("after a new event: %+v %v", v, err)
			}
			// 0012: activation times.
			a, _ := s.AdministratorByID(context.Background(), acme, active)
			i, _ := s.AdministratorByID(context.Background(), acme, invited)
			if a.ActivatedAt == nil || !a.ActivatedAt.Equal(accepted) || i.ActivatedAt != nil {
				t.Fatalf("activated_at: %v %v", a.ActivatedAt, i.ActivatedAt)
			}
			// Existing tenants got the default settings.
			if tn.IdleMinutes != 30 || tn.AbsoluteHours != 12 || tn.Version != 1 || tn.DeactivateAfterDays != 0 || tn.Legacy {
				t.Fatalf("defaults: %+v", tn)
			}
		})
	}
}
