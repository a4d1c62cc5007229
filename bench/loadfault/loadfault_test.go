package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// TestLoadAndFaultShort runs the whole script for a few seconds: two
// replicas behind the balancer, mixed traffic, a replica restart and
// killed database connections, then the checks. It needs a PostgreSQL
// server where it may create a database, so it runs when TEST_DATABASE_URL
// is set and CI=true (the CI script sets both); go run ./bench/loadfault is
// the full run.
func TestLoadAndFaultShort(t *testing.T) {
	pg := os.Getenv("TEST_DATABASE_URL")
	if pg == "" || os.Getenv("CI") != "true" {
		t.Skip("runs with TEST_DATABASE_URL and CI=true (see go run ./bench/loadfault for the full run)")
	}
	var out strings.Builder
	start := time.Now()
	res, err := run(context.Background(), options{Duration: 6 * time.Second, Users: 3, Postgres: pg, Seed: 60, Out: &out})
	t.Logf("%s\n(%s in all)", out.String(), time.Since(start).Round(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if !res.ok() {
		t.Fatal("the run lost changes or did not stop cleanly (output above)")
	}
	st := res.st
	for _, a := range []string{"sign-in", "list page", "invitation", "status change"} {
		if st.actions[a][applied] == 0 {
			t.Errorf("no %s succeeded: the traffic did not run", a)
		}
	}
	if res.checks.invitations == 0 || res.checks.statuses == 0 {
		t.Errorf("nothing was checked: %+v", res.checks)
	}
	faults := 0
	for _, e := range res.events {
		if strings.Contains(e.what, "killed") || strings.Contains(e.what, "SIGTERM") {
			faults++
		}
	}
	if faults != 5 {
		t.Errorf("%d faults injected, want 5", faults)
	}
	if n := len(res.stops); n != 4 {
		t.Errorf("%d SIGTERMs, want 4 (2 restarts, 2 at the end)", n)
	}
}
