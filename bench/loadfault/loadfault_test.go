package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// TestLoadAndFaultShort runs the whole script for a few seconds: two
// replicas behind the balancer, mixed traffic, replica restarts and killed
// database connections, then the checks. It needs a PostgreSQL server where
// it may create a database, and it takes 30-60 s on the shared 2-core
// machine (half of it linking the binary), too long for every CI run: it
// runs when TEST_DATABASE_URL is set and LOADFAULT=1. go run
// ./bench/loadfault is the full run.
func TestLoadAndFaultShort(t *testing.T) {
	pg := os.Getenv("TEST_DATABASE_URL")
	if pg == "" || os.Getenv("LOADFAULT") != "1" {
		t.Skip("runs with TEST_DATABASE_URL and LOADFAULT=1 (go run ./bench/loadfault is the full run)")
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
	for _, a := range []string{"sign-in", "list page", "invitation"} {
		if st.actions[a][applied] == 0 {
			t.Errorf("no %s succeeded: the traffic did not run", a)
		}
	}
	if res.checks.invitations == 0 {
		t.Errorf("nothing was checked: %+v", res.checks)
	}
	kills, restarts := 0, 0
	for _, e := range res.events {
		switch {
		case strings.Contains(e.what, "killed"):
			kills++
		case strings.Contains(e.what, "SIGTERM"):
			restarts++
		}
	}
	// A busy machine can push the last faults past the end of the traffic.
	if kills == 0 || restarts == 0 {
		t.Errorf("%d connection kills and %d restarts, want some of each", kills, restarts)
	}
	if n := len(res.stops); n != restarts+2 {
		t.Errorf("%d SIGTERMs, want %d (%d restarts, 2 at the end)", n, restarts+2, restarts)
	}
}
