package main

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"gatehouse/models"

	"gorm.io/gorm"
)

const (
	slug     = "lf"
	owner    = "owner@loadfault.example"
	password = "Loadfault-demo-2026!x"
)

// event is one fault injected, with what came of it.
type event struct {
	at   time.Duration
	what string
}

// result is everything the run found.
type result struct {
	st       *stats
	events   []event
	checks   *checks
	stops    []stopResult
	auditOK  bool
	auditOut string
	elapsed  time.Duration
}

type stopResult struct {
	replica string
	took    time.Duration
	err     error
}

func (s stopResult) clean() bool { return s.err == nil && s.took <= 25*time.Second }

func (r *result) ok() bool {
	if r.checks == nil || r.checks.lost() > 0 || len(r.checks.phantoms) > 0 || !r.auditOK {
		return false
	}
	for _, s := range r.stops {
		if !s.clean() {
			return false
		}
	}
	return true
}

func run(ctx context.Context, o options) (*result, error) {
	out := o.Out
	if out == nil {
		out = os.Stdout
	}
	if o.Users < 1 {
		o.Users = 1
	}
	dir, err := os.MkdirTemp("", "loadfault")
	if err != nil {
		return nil, err
	}
	if !o.Keep {
		defer os.RemoveAll(dir)
	}
	dbURL, dbName, drop, err := scratchDatabase(o.Postgres)
	if err != nil {
		return nil, err
	}
	if o.Keep {
		fmt.Fprintf(out, "keeping database %s and logs in %s\n", dbName, dir)
	} else {
		defer drop()
	}
	began := time.Now()
	fmt.Fprintln(out, "building gatehouse…")
	bin, err := build(dir)
	if err != nil {
		return nil, err
	}
	built := time.Since(began)
	mails, err := startMailCatcher()
	if err != nil {
		return nil, err
	}
	defer mails.srv.Close()

	// The balancer listens first: its address is the replicas' base URL.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	base := "http://" + ln.Addr().String()
	var addrs []string
	for range 2 {
		a, err := freeAddr()
		if err != nil {
			return nil, err
		}
		addrs = append(addrs, a)
	}
	lb := newBalancer(addrs)
	lbSrv := &http.Server{Handler: lb, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = lbSrv.Serve(ln) }()
	defer lbSrv.Close()

	env := []string{
		"DATABASE_URL=" + dbURL, "GATEHOUSE_BASE_URL=" + base, "GATEHOUSE_DATA_DIR=" + dir,
		"GATEHOUSE_SECRET_KEY=loadfault-secret-key-0123456789abcdefghij",
		"GATEHOUSE_TRUSTED_PROXIES=127.0.0.1", "GATEHOUSE_SMTP_URL=smtp://" + mails.addr,
		"GATEHOUSE_MAIL_FROM=gatehouse@loadfault.example", "GATEHOUSE_METRICS_ADDR=", "OTEL_EXPORTER_OTLP_ENDPOINT=",
	}
	cli := func(args ...string) (string, error) {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), env...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		b, err := cmd.Output()
		if err != nil {
			return string(b), fmt.Errorf("gatehouse %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return string(b), nil
	}
	created, err := cli("tenant", "create", "--slug", slug, "--name", "Load Fault", "--plan", "enterprise", "--admin-email", owner)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimSpace(created), "\n")
	link := lines[len(lines)-1]
	seedUsers := max(o.Seed, 4*o.Users*3)
	if _, err := cli("seed", "--tenant", slug, "--demo", "--demo-password", password, "--administrators", fmt.Sprint(seedUsers)); err != nil {
		return nil, err
	}

	var replicas []*replica
	for i, a := range addrs {
		r := &replica{name: fmt.Sprintf("replica %d", i+1), bin: bin, addr: a, env: env, log: filepath.Join(dir, fmt.Sprintf("replica%d.log", i+1))}
		if err := r.start(); err != nil {
			return nil, fmt.Errorf("%s: %w\n%s", r.name, err, tail(r.log, 20))
		}
		replicas = append(replicas, r)
	}
	res := &result{st: newStats()}
	stopAll := func() {
		for _, r := range replicas {
			took, err := r.stop()
			res.stops = append(res.stops, stopResult{replica: r.name + " (end)", took: took, err: err})
		}
	}
	stopped := false
	defer func() {
		if !stopped {
			stopAll()
		}
	}()

	db, err := models.Open(dbURL, "")
	if err != nil {
		return nil, err
	}
	defer models.Close(db)
	var tenant models.Tenant
	if err := db.Where("slug = ?", slug).Take(&tenant).Error; err != nil {
		return nil, err
	}
	vus, err := setUp(ctx, db, tenant, base, link, o.Users, res.st)
	if err != nil {
		return nil, err
	}
	killer, err := models.Open(o.Postgres, "")
	if err != nil {
		return nil, err
	}
	defer models.Close(killer)

	fmt.Fprintf(out, "built in %s, set up (migrations, tenant, seed, 2 replicas, sign-ins) in %s\n", built.Round(100*time.Millisecond), (time.Since(began) - built).Round(100*time.Millisecond))
	fmt.Fprintf(out, "%d virtual users for %s against 2 replicas behind a round-robin balancer, PostgreSQL database %s; %d CPUs, load average %s\n",
		o.Users, o.Duration, dbName, runtime.NumCPU(), loadavg())
	runCtx, cancel := context.WithTimeout(ctx, o.Duration)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for _, v := range vus {
		wg.Add(1)
		go func() { defer wg.Done(); v.loop(runCtx) }()
	}

	// The faults, at fixed fractions of the run.
	type fault struct {
		at float64
		do func() string
	}
	kill := func() string {
		kctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		n, err := killConnections(kctx, killer, dbName)
		if err != nil {
			return "killing database connections failed: " + err.Error()
		}
		return fmt.Sprintf("killed %d database connections (pg_terminate_backend)", n)
	}
	restart := func(r *replica) func() string {
		return func() string {
			took, err := r.stop()
			res.stops = append(res.stops, stopResult{replica: r.name + " (restart)", took: took, err: err})
			exit := "exit status 0"
			if err != nil {
				exit = err.Error()
			}
			s := time.Now()
			if err := r.start(); err != nil {
				return fmt.Sprintf("%s: SIGTERM → %s after %s; FAILED TO START AGAIN: %v", r.name, exit, took.Round(time.Millisecond), err)
			}
			return fmt.Sprintf("%s: SIGTERM → %s after %s; started again, ready after %s", r.name, exit, took.Round(time.Millisecond), time.Since(s).Round(time.Millisecond))
		}
	}
	faults := []fault{{0.2, kill}, {0.35, restart(replicas[0])}, {0.5, kill}, {0.65, restart(replicas[1])}, {0.8, kill}}
	for _, f := range faults {
		at := time.Duration(f.at * float64(o.Duration))
		select {
		case <-time.After(time.Until(start.Add(at))):
		case <-runCtx.Done():
		}
		if runCtx.Err() != nil {
			break
		}
		began := time.Since(start)
		what := f.do()
		res.events = append(res.events, event{at: began, what: what})
		fmt.Fprintf(out, "  %5.1fs  %s\n", began.Seconds(), what)
	}
	wg.Wait()
	res.elapsed = time.Since(start)

	// Let the outbox drain (the workers retry with backoff after the kills).
	drainStart := time.Now()
	var pending int64
	for time.Since(drainStart) < 60*time.Second {
		if err := db.Model(&models.OutboxEmail{}).Where("sent_at IS NULL").Count(&pending).Error; err == nil && pending == 0 {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	res.events = append(res.events, event{at: time.Since(start), what: fmt.Sprintf("outbox: %d e-mails not sent %s after the traffic stopped", pending, time.Since(drainStart).Round(100*time.Millisecond))})
	stopAll()
	stopped = true

	res.checks, err = verify(ctx, db, tenant, vus, mails)
	if err != nil {
		return nil, err
	}
	auditOut, err := cli("audit", "verify", "--tenant", slug)
	res.auditOut = strings.TrimSpace(auditOut)
	res.auditOK = err == nil && strings.HasPrefix(res.auditOut, "ok")
	if err != nil {
		res.auditOut += " " + err.Error()
	}
	report(out, o, res, replicas)
	return res, nil
}

// setUp signs the owner in through the invitation, makes one seeded
// administrator per virtual user a Tenant Admin, and hands each virtual
// user three other seeded administrators whose status it changes.
func setUp(ctx context.Context, db *gorm.DB, tenant models.Tenant, base, link string, users int, st *stats) ([]*vu, error) {
	b := make([]byte, 3)
	_, _ = crand.Read(b)
	tag := hex.EncodeToString(b)
	boss := &vu{n: 0, base: base, slug: slug, email: owner, password: password, xff: "198.51.100.1", st: newStats(), rng: rand.New(rand.NewPCG(1, 2))}
	boss.newBrowser()
	i := strings.Index(link, "/invitations/")
	if i < 0 {
		return nil, fmt.Errorf("tenant create printed no invitation link: %q", link)
	}
	_, tok := boss.page(ctx, link[i:], "GET invitation")
	if tok == "" {
		return nil, errors.New("the invitation page has no form")
	}
	if a := boss.do(ctx, http.MethodPost, link[i:], url.Values{"_csrf": {tok}, "password": {password}, "password_confirm": {password}}, "accept invitation", http.StatusSeeOther); a.status != http.StatusSeeOther {
		return nil, fmt.Errorf("accept the invitation: %d %v", a.status, a.err)
	}
	if !boss.signIn(ctx) {
		return nil, errors.New("the owner cannot sign in")
	}
	var seeded []models.Administrator
	if err := db.WithContext(ctx).Where("tenant_id = ? AND status = ? AND email <> ?", tenant.ID, models.AdminActive, owner).Order("id").Limit(users * 4).Find(&seeded).Error; err != nil {
		return nil, err
	}
	if len(seeded) < users*4 {
		return nil, fmt.Errorf("only %d active seeded administrators, want %d", len(seeded), users*4)
	}
	var vus []*vu
	for n := range users {
		op := seeded[n*4]
		profile := fmt.Sprintf("/t/%s/settings/administrators/%d", slug, op.ID)
		_, tok := boss.page(ctx, profile, "GET User Profile")
		a := boss.do(ctx, http.MethodPost, profile+"/roles", url.Values{"_csrf": {tok}, "role": {"tenant_admin"}, "password": {password}}, "make a Tenant Admin", http.StatusSeeOther)
		if a.status != http.StatusSeeOther {
			return nil, fmt.Errorf("make %s a Tenant Admin: %d %v", op.Email, a.status, a.err)
		}
		v := &vu{n: n + 1, base: base, slug: slug, email: op.Email, password: password, run: tag,
			xff: fmt.Sprintf("203.0.113.%d", n+1), st: st, rng: rand.New(rand.NewPCG(uint64(n), 7))}
		for _, t := range seeded[n*4+1 : n*4+4] {
			v.targets = append(v.targets, &target{id: t.ID, email: t.Email})
		}
		vus = append(vus, v)
	}
	return vus, nil
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func report(out interface{ Write([]byte) (int, error) }, o options, r *result, replicas []*replica) {
	st := r.st
	fmt.Fprintf(out, "\nrequests: %d in %s (%.0f/s); latency p50 %s, p99 %s\n", st.requests, r.elapsed.Round(100*time.Millisecond),
		float64(st.requests)/r.elapsed.Seconds(), st.percentile(0.5).Round(100*time.Microsecond), st.percentile(0.99).Round(100*time.Microsecond))
	fmt.Fprintln(out, "errors by kind:")
	if len(st.errors) == 0 {
		fmt.Fprintln(out, "  none")
	}
	kinds := make([]string, 0, len(st.errors))
	for k := range st.errors {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool { return st.errors[kinds[i]] > st.errors[kinds[j]] })
	for _, k := range kinds {
		fmt.Fprintf(out, "  %6d  %s\n", st.errors[k], k)
	}
	fmt.Fprintln(out, "actions (applied / refused / unknown outcome):")
	for _, a := range []string{"sign-in", "list page", "invitation", "role assignment", "status change"} {
		m := st.actions[a]
		fmt.Fprintf(out, "  %-16s %5d / %d / %d\n", a, m[applied], m[refused], m[ambiguous])
	}
	fmt.Fprintln(out, "faults:")
	for _, e := range r.events {
		fmt.Fprintf(out, "  %5.1fs  %s\n", e.at.Seconds(), e.what)
	}
	fmt.Fprintln(out, "graceful stops (SIGTERM):")
	for _, s := range r.stops {
		verdict := "exit status 0"
		if s.err != nil {
			verdict = s.err.Error()
		}
		fmt.Fprintf(out, "  %-22s %s after %s\n", s.replica, verdict, s.took.Round(time.Millisecond))
	}
	c := r.checks
	fmt.Fprintf(out, "checked: %d invitations (administrator, role, audit event, e-mail: %d in the outbox, %d delivered), %d role assignments, %d status changes on %d administrators\n",
		c.invitations, c.mailQueued, c.mailDelivered, c.roles, c.statuses, c.targets)
	fmt.Fprintf(out, "audit chain: %s\n", r.auditOut)
	for _, p := range c.problems {
		fmt.Fprintln(out, "  LOST:", p)
	}
	for _, p := range c.phantoms {
		fmt.Fprintln(out, "  UNEXPECTED:", p)
	}
	fmt.Fprintf(out, "lost changes: %d; changes without a success: %d\n", c.lost(), len(c.phantoms))
	if !r.ok() {
		fmt.Fprintln(out, "FAILED")
		for _, rp := range replicas {
			if o.Keep {
				fmt.Fprintf(out, "log: %s\n", rp.log)
			}
		}
		return
	}
	fmt.Fprintln(out, "OK: nothing lost")
}
