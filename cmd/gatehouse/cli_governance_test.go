package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"gatehouse/models"
	"gatehouse/models/modelstest"
)

func runCLI(t *testing.T, db modelstest.DB, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	e := env(map[string]string{"DATABASE_URL": db.URL, "GATEHOUSE_DATA_DIR": t.TempDir(), "GATEHOUSE_BASE_URL": "https://console.example.com"})
	err := run(context.Background(), args, e, &out, quiet())
	return out.String(), err
}

// TestTenantFlagsCommand: list, change (audited as "gatehouse cli"), and
// legacy tenants from tenant create --legacy.
func TestTenantFlagsCommand(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		if _, err := runCLI(t, db, "tenant", "create", "--slug", "acme", "--name", "Acme", "--admin-email", "a@example.com"); err != nil {
			t.Fatal(err)
		}
		out, err := runCLI(t, db, "tenant", "flags", "--slug", "acme")
		if err != nil || out != "admin_management on\nadvanced_admin_management off\n" {
			t.Fatalf("list: %q %v", out, err)
		}
		out, err = runCLI(t, db, "tenant", "flags", "--slug", "acme", "--set", "admin_management=off")
		if err != nil || out != "admin_management off\nadvanced_admin_management off\n" {
			t.Fatalf("set: %q %v", out, err)
		}
		var ev models.AuditEvent
		if err := db.DB.Where("action = ?", "tenant.feature_flag_changed").Take(&ev).Error; err != nil {
			t.Fatal(err)
		}
		if ev.ActorEmail != "gatehouse cli" || ev.Changes != `{"admin_management":{"before":true,"after":false}}` {
			t.Fatalf("audit %+v", ev)
		}
		out, err = runCLI(t, db, "tenant", "flags", "--slug", "acme", "--set", "advanced_admin_management=on")
		if err != nil || out != "admin_management off\nadvanced_admin_management on\n" {
			t.Fatalf("set advanced: %q %v", out, err)
		}
		var ws models.Workspace
		if err := db.DB.Where("slug = ? AND kind = ?", "admin", models.WorkspaceKindAdmin).Take(&ws).Error; err != nil {
			t.Fatalf("no Admin workspace: %v", err)
		}
		for _, bad := range [][]string{
			{"tenant", "flags"},
			{"tenant", "flags", "--slug", "nope"},
			{"tenant", "flags", "--slug", "acme", "--set", "admin_management"},
			{"tenant", "flags", "--slug", "acme", "--set", "admin_management=yes"},
			{"tenant", "flags", "--slug", "acme", "--set", "frobnicate=on"},
			{"tenant", "frob"},
		} {
			if _, err := runCLI(t, db, bad...); !errors.As(err, new(usageError)) {
				t.Errorf("%v: %v", bad, err)
			}
		}
		// --legacy
		out, err = runCLI(t, db, "tenant", "create", "--slug", "old", "--name", "Old", "--admin-email", "o@example.com", "--legacy")
		if err != nil || !strings.Contains(out, "legacy") {
			t.Fatalf("legacy create: %q %v", out, err)
		}
		var old models.Tenant
		if err := db.DB.Where("slug = ?", "old").Take(&old).Error; err != nil || !old.Legacy || old.AdminManagement() != models.AdminManagementAdvanced {
			t.Fatalf("legacy tenant %+v %v", old, err)
		}
		var oldWS models.Workspace
		if err := db.DB.Where("tenant_id = ? AND slug = ? AND kind = ?", old.ID, "admin", models.WorkspaceKindAdmin).Take(&oldWS).Error; err != nil {
			t.Fatalf("legacy tenant without its Admin workspace: %v", err)
		}
		if out, err := runCLI(t, db, "tenant", "flags", "--slug", "old"); err != nil || out != "admin_management on\nadvanced_admin_management off\n" {
			t.Fatalf("legacy flags: %q %v", out, err)
		}
	})
}

// TestAuditVerifyCommand: "ok N events" for a whole chain; an event edited
// directly in the database is named, with exit status 1.
func TestAuditVerifyCommand(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		if _, err := runCLI(t, db, "tenant", "create", "--slug", "acme", "--name", "Acme", "--admin-email", "a@example.com"); err != nil {
			t.Fatal(err)
		}
		for _, set := range []string{"admin_management=off", "admin_management=on", "advanced_admin_management=on"} {
			if _, err := runCLI(t, db, "tenant", "flags", "--slug", "acme", "--set", set); err != nil {
				t.Fatal(err)
			}
		}
		var n int64
		if err := db.DB.Model(&models.AuditEvent{}).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		out, err := runCLI(t, db, "audit", "verify", "--tenant", "acme")
		if err != nil || out != fmt.Sprintf("ok %d events\n", n) || n != 5 {
			t.Fatalf("whole chain: %q %v (%d events)", out, err, n)
		}
		var ev models.AuditEvent
		if err := db.DB.Where("action = ?", "tenant.feature_flag_changed").Order("seq").Take(&ev).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.DB.Exec("UPDATE audit_events SET changes = ? WHERE id = ?", `{"admin_management":{"before":true,"after":true}}`, ev.ID).Error; err != nil {
			t.Fatal(err)
		}
		out, err = runCLI(t, db, "audit", "verify", "--tenant", "acme")
		var es exitStatus
		if !errors.As(err, &es) || es != 1 {
			t.Fatalf("edited event: err %v", err)
		}
		want := fmt.Sprintf("broken at event %d (position %d): ", ev.ID, ev.Seq)
		if !strings.HasPrefix(out, want) || strings.Count(out, "\n") != 1 {
			t.Fatalf("edited event: %q, want it to start with %q", out, want)
		}
		for _, bad := range [][]string{{"audit", "verify"}, {"audit", "verify", "--tenant", "nope"}, {"audit"}} {
			if _, err := runCLI(t, db, bad...); !errors.As(err, new(usageError)) {
				t.Errorf("%v: %v", bad, err)
			}
		}
	})
}
