// Command loadfault runs two Gatehouse replicas on one PostgreSQL database
// behind a small round-robin balancer, sends mixed traffic for a bounded
// time while it restarts replicas and kills database connections, and then
// checks that nothing was lost.
//
// Run from the repository root (PostgreSQL on 127.0.0.1:5432):
//
//	go run ./bench/loadfault -duration 60s
//	go run ./bench/loadfault -duration 20s -users 4 -postgres 'postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable'
//
// What it does:
//   - creates a fresh database (loadfault_<random>) on the server -postgres
//     names, dropped at the end unless -keep;
//   - builds ./cmd/gatehouse, creates a tenant, seeds it with demo
//     administrators (`seed --demo --demo-password ...`), starts two `serve`
//     processes on it with an in-process SMTP catcher, and puts a balancer in
//     front of them (round robin; it retries nothing: a replica that is down
//     costs the client a 502);
//   - the tenant's owner accepts the invitation and makes one seeded
//     administrator per virtual user a Tenant Admin (with step-up);
//   - each virtual user, in a browser of its own (cookie jar, CSRF forms,
//     its own client address), loops over: sign in afresh, list pages
//     (dashboard, audit log, administrators with search and next page),
//     Create New (an invitation), assign a role to one it invited,
//     deactivate or reactivate one of its own seeded administrators;
//   - meanwhile it kills every database connection of the run
//     (pg_terminate_backend) at 20 %, 50 % and 80 % of the run, and
//     restarts replica 1 at 35 % and replica 2 at 65 % (SIGTERM, wait for the
//     exit, start again);
//   - at the end it waits for the outbox to drain, stops both replicas
//     with SIGTERM, and checks: every change answered with success is in the
//     database with its audit event (invitation: the administrator, its
//     role and its e-mail in the outbox; role: the binding; status: the final
//     status), nothing refused is there, the audit chain verifies, and every
//     SIGTERM ended with exit status 0 within 25 s.
//
// It prints requests, errors by kind, p50/p99 latency and lost changes, and
// exits 1 if a change was lost (or appeared without success), the audit
// chain broke, or a replica did not stop cleanly.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

func main() {
	var o options
	flag.DurationVar(&o.Duration, "duration", 60*time.Second, "how long the traffic lasts")
	flag.IntVar(&o.Users, "users", 8, "virtual users (each a Tenant Admin in a browser of its own)")
	flag.StringVar(&o.Postgres, "postgres", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "a PostgreSQL server URL; a fresh database is created on it for the run")
	flag.IntVar(&o.Seed, "administrators", 300, "demo administrators to seed")
	flag.BoolVar(&o.Keep, "keep", false, "keep the database and the replicas' logs")
	flag.Parse()
	o.Out = os.Stdout
	res, err := run(context.Background(), o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadfault:", err)
		os.Exit(2)
	}
	if !res.ok() {
		os.Exit(1)
	}
}

type options struct {
	Duration time.Duration
	Users    int
	Postgres string
	Seed     int
	Keep     bool
	Out      io.Writer
}
