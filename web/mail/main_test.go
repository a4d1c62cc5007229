package mail

import (
	"os"
	"testing"

	"gatehouse/models/modelstest"
)

// TestMain: migrated databases shared (see modelstest.Main).
func TestMain(m *testing.M) { os.Exit(modelstest.Main(m)) }
