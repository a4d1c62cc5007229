package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestSeedOrganizationsAndMembers(t *testing.T) {
	t.Parallel()
	e := env(map[string]string{"GATEHOUSE_DATA_DIR": t.TempDir()})
	ctx := context.Background()
	if err := run(ctx, []string{"tenant", "create", "--slug", "acme", "--name", "Acme", "--plan", "enterprise", "--admin-email", "a@example.com"}, e, &bytes.Buffer{}, quiet()); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := run(ctx, []string{"seed", "--demo", "--tenant", "acme", "--members", "5"}, e, &out, quiet())
	if _, ok := err.(usageError); !ok || !strings.Contains(err.Error(), "--organizations") {
		t.Fatalf("members without organizations: %v", err)
	}
	out.Reset()
	if err := run(ctx, []string{"seed", "--demo", "--tenant", "acme", "--organizations", "120", "--users", "40", "--members", "50"}, e, &out, quiet()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Added 120 organizations to acme", "Added 40 members to the organization", "Only 40 users of acme were not members yet"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	err = run(ctx, []string{"seed", "--demo", "--tenant", "acme", "--members", "5", "--organization", "nope"}, e, &out, quiet())
	if _, ok := err.(usageError); !ok || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("unknown organization: %v", err)
	}
}
