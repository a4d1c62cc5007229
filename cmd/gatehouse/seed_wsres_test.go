package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestSeedWorkspaceServicesAndClients(t *testing.T) {
	t.Parallel()
	e := env(map[string]string{"GATEHOUSE_DATA_DIR": t.TempDir()})
	ctx := context.Background()
	if err := run(ctx, []string{"tenant", "create", "--slug", "acme", "--name", "Acme", "--plan", "enterprise", "--admin-email", "a@example.com"}, e, &bytes.Buffer{}, quiet()); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"seed", "--demo", "--tenant", "acme", "--workspaces", "2"}, e, &out, quiet()); err != nil {
		t.Fatal(err)
	}
	err := run(ctx, []string{"seed", "--demo", "--tenant", "acme", "--services", "3"}, e, &out, quiet())
	if _, ok := err.(usageError); !ok || !strings.Contains(err.Error(), "--workspace") {
		t.Fatalf("services without a workspace: %v", err)
	}
	err = run(ctx, []string{"seed", "--demo", "--tenant", "acme", "--workspace", "nope", "--clients", "3"}, e, &out, quiet())
	if _, ok := err.(usageError); !ok || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("unknown workspace: %v", err)
	}
	a, err := open(ctx, e, quiet())
	if err != nil {
		t.Fatal(err)
	}
	tn, err := a.store.TenantBySlug(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	var slug string
	if err := a.db.Table("workspaces").Where("tenant_id = ?", tn.ID).Order("slug").Limit(1).Pluck("slug", &slug).Error; err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"seed", "--demo", "--tenant", "acme", "--workspace", slug, "--services", "12", "--clients", "9"}, e, &out, quiet()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Added 12 services and 9 clients to the workspace "+slug) {
		t.Fatalf("output %q", out.String())
	}
	var apis, spaWithSecret int64
	if err := a.db.Table("service_apis").Count(&apis).Error; err != nil {
		t.Fatal(err)
	}
	if err := a.db.Table("clients").Where("type = 'spa' AND secret_hash <> ''").Count(&spaWithSecret).Error; err != nil {
		t.Fatal(err)
	}
	if apis != 48 || spaWithSecret != 0 {
		t.Fatalf("apis %d, spa with a secret %d", apis, spaWithSecret)
	}
}
