package web_test

import (
	"os"
	"testing"

	"gatehouse/models/passwords"
)

func TestMain(m *testing.M) {
	// Hundreds of test administrators: hash their passwords cheaply
	// (production keeps the OWASP parameters, see package passwords).
	passwords.UseTestParams()
	os.Exit(m.Run())
}
