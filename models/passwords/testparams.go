package passwords

import (
	"context"
	"sync"
	"testing"
)

// testParams are deliberately weak argon2id parameters (64 KiB, one pass):
// a derivation costs microseconds instead of ~50 ms of CPU.
var testParams = params{memory: 64, time: 1, threads: 1, keyLen: keyLength}

var useTestParams sync.Once

// UseTestParams makes Hash, and VerifyDummy, use cheap argon2id parameters
// for the rest of the process, so that a test suite creating hundreds of
// administrators does not spend minutes hashing their passwords. Hashes
// made before keep verifying (Verify reads the parameters from the hash).
//
// It is for test binaries only and panics anywhere else (testing.Testing):
// production always hashes with the OWASP parameters of hash.go, which
// TestProductionParametersAreOWASP pins. Call it before any goroutine
// hashes, e.g. from an init function of a test helper package
// (models/modelstest does) or from TestMain.
func UseTestParams() {
	if !testing.Testing() {
		panic("passwords: UseTestParams called outside a test binary")
	}
	useTestParams.Do(func() {
		currentParams = testParams
		h, err := hashWithParams(context.Background(), "a dummy password nobody has", testParams)
		if err != nil {
			panic(err)
		}
		dummy = h
	})
}
