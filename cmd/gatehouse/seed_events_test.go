package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestSeedEvents: seed --workspace W --events N adds the events and their
// daily rollups; --events needs a known workspace.
func TestSeedEvents(t *testing.T) {
	t.Parallel()
	e := env(map[string]string{"GATEHOUSE_DATA_DIR": t.TempDir()})
	ctx := context.Background()
	if err := run(ctx, []string{"tenant", "create", "--slug", "acme", "--name", "Acme", "--plan", "enterprise", "--admin-email", "a@example.com"}, e, &bytes.Buffer{}, quiet()); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := run(ctx, []string{"seed", "--demo", "--tenant", "acme", "--events", "10"}, e, &out, quiet())
	if _, ok := err.(usageError); !ok || !strings.Contains(err.Error(), "--workspace") {
		t.Fatalf("events without a workspace: %v", err)
	}
	err = run(ctx, []string{"seed", "--demo", "--tenant", "acme", "--workspace", "nope", "--events", "10"}, e, &out, quiet())
	if _, ok := err.(usageError); !ok || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("unknown workspace: %v", err)
	}
	if err := run(ctx, []string{"seed", "--demo", "--tenant", "acme", "--workspaces", "1"}, e, &out, quiet()); err != nil {
		t.Fatal(err)
	}
	a, err := open(ctx, e, quiet())
	if err != nil {
		t.Fatal(err)
	}
	var slug string
	if err := a.db.Table("workspaces").Order("slug").Limit(1).Pluck("slug", &slug).Error; err != nil || slug == "" {
		t.Fatalf("workspace: %q %v", slug, err)
	}
	out.Reset()
	if err := run(ctx, []string{"seed", "--demo", "--tenant", "acme", "--workspace", slug, "--events", "5000"}, e, &out, quiet()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Added 5000 authentication events to the workspace "+slug) {
		t.Fatalf("output %q", out.String())
	}
	var events, rolled int64
	if err := a.db.Table("auth_events").Count(&events).Error; err != nil {
		t.Fatal(err)
	}
	if err := a.db.Table("auth_event_daily").Select("COALESCE(SUM(successes + failures), 0)").Scan(&rolled).Error; err != nil {
		t.Fatal(err)
	}
	if events != 5000 || rolled != 5000 {
		t.Fatalf("events %d, in the rollups %d", events, rolled)
	}
}
