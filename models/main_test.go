package models_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"gatehouse/models/modelstest"
	"gatehouse/models/passwords"
)

// TestMain: cheap password hashing, migrated databases shared (see modelstest.Main).
func TestMain(m *testing.M) { os.Exit(modelstest.Main(m)) }

// TestPasswordsHashCheaplyInTests checks that TestMain's switch took (the
// suite's speed depends on it); production's parameters are pinned in
// package passwords.
func TestPasswordsHashCheaplyInTests(t *testing.T) {
	t.Parallel()
	h, err := passwords.Hash(context.Background(), "a test password")
	if err != nil || !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("Hash in tests = %q, %v; want the cheap test parameters", h, err)
	}
}
