package web_test

import (
	"os"
	"testing"

	"gatehouse/models/modelstest"
)

// TestMain: cheap password hashing, migrated databases shared (see modelstest.Main).
func TestMain(m *testing.M) { os.Exit(modelstest.Main(m)) }
