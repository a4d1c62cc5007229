// Command signin-flood measures how a legitimate sign-in fares while one
// Gatehouse replica on PostgreSQL is flooded with parallel sign-ins.
//
// It builds gatehouse, creates a scratch schema in the PostgreSQL database
// named by -database (default $TEST_DATABASE_URL, then $DATABASE_URL), runs
// `gatehouse tenant create` and `gatehouse serve` there, accepts the
// invitation, then keeps -attackers sign-ins in flight at every moment for
// -duration (wrong passwords for unknown addresses: each costs a full
// password hash; each attacker sends its next one as soon as it has an
// answer) while a legitimate administrator signs in every -every and the
// latency of each of those answers is recorded. The attackers run in a
// process of their own limited to one core (GOMAXPROCS=1), standing for
// the attacker's machine, so that their goroutines neither delay the
// legitimate client's measurements nor take both cores from the replica. The goal: every
// legitimate answer within 1 s, either signed in (303) or turned away at
// once (429 with Retry-After).
//
// Three floods are run:
//   - from many addresses, each attacker sending its next sign-in as soon
//     as it has an answer: each attacker comes from its own address (the
//     replica believes X-Forwarded-For from 127.0.0.1, as behind a load
//     balancer), so the per-address limits hardly apply and the bounds on
//     sign-in work (steps in flight, the hashing queue) are what protect
//     the legitimate sign-in;
//   - the same from one address, which the per-address limit cuts down;
//   - from many addresses, every attacker sending one sign-in at the same
//     moment each second (-attackers parallel sign-ins a second).
//
// Run from the repository root:
//
//	go run ./bench/signin-flood
//	go run ./bench/signin-flood -attackers 200 -duration 15s -database 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
//
// The schema is dropped at the end.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gatehouse/models"
)

const (
	password = "correct horse battery staple"
	slug     = "flood"
	admin    = "owner@example.com"
)

func main() {
	dbURL := flag.String("database", firstSet(os.Getenv("TEST_DATABASE_URL"), os.Getenv("DATABASE_URL")), "PostgreSQL URL (a scratch schema is made in it)")
	attackers := flag.Int("attackers", 200, "sign-ins kept in flight by the flood")
	duration := flag.Duration("duration", 15*time.Second, "how long each flood lasts")
	every := flag.Duration("every", 250*time.Millisecond, "how often the legitimate administrator signs in")
	attack := flag.String("attack", "", "internal: run the flood against this base URL (one address per attacker when -distinct)")
	distinct := flag.Bool("distinct", false, "internal: with -attack, one address per attacker")
	bursts := flag.Bool("bursts", false, "internal: with -attack, each attacker sends one sign-in a second, all at once")
	flag.Parse()
	if *attack != "" {
		res := attackFor(*attack, *attackers, *duration, *distinct, *bursts)
		fmt.Println(res)
		return
	}
	if *dbURL == "" || !models.IsPostgresURL(*dbURL) {
		fmt.Fprintln(os.Stderr, "signin-flood: give a PostgreSQL URL with -database (or TEST_DATABASE_URL / DATABASE_URL)")
		os.Exit(2)
	}
	if err := run(*dbURL, *attackers, *duration, *every); err != nil {
		fmt.Fprintln(os.Stderr, "signin-flood:", err)
		os.Exit(1)
	}
}

func firstSet(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

func run(dbURL string, attackers int, duration, every time.Duration) error {
	dir, err := os.MkdirTemp("", "signin-flood")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	// A scratch schema, dropped at the end.
	adminDB, err := models.Open(dbURL, "")
	if err != nil {
		return err
	}
	defer models.Close(adminDB)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "bench_" + hex.EncodeToString(b)
	if err := adminDB.Exec("CREATE SCHEMA " + schema).Error; err != nil {
		return err
	}
	defer adminDB.Exec("DROP SCHEMA " + schema + " CASCADE")
	u, err := url.Parse(dbURL)
	if err != nil {
		return err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()

	fmt.Println("building gatehouse…")
	bin := filepath.Join(dir, "gatehouse")
	build := exec.Command("go", "build", "-o", bin, "./cmd/gatehouse")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build (run from the repository root): %w", err)
	}
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	base := "http://" + addr
	env := append(os.Environ(),
		"DATABASE_URL="+u.String(), "GATEHOUSE_ADDR="+addr, "GATEHOUSE_BASE_URL="+base,
		"GATEHOUSE_DATA_DIR="+dir, "GATEHOUSE_SECRET_KEY=signin-flood-secret-key-0123456789abcdef",
		"GATEHOUSE_TRUSTED_PROXIES=127.0.0.1", "GATEHOUSE_SMTP_URL=")

	create := exec.Command(bin, "tenant", "create", "--slug", slug, "--name", "Flood", "--plan", "enterprise", "--admin-email", admin)
	create.Env = env
	out, err := create.Output()
	if err != nil {
		return fmt.Errorf("tenant create: %w", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	link := lines[len(lines)-1]

	logPath := filepath.Join(dir, "serve.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()
	serve := exec.Command(bin, "serve")
	serve.Env, serve.Stdout, serve.Stderr = env, logFile, logFile
	if err := serve.Start(); err != nil {
		return err
	}
	defer func() {
		_ = serve.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = serve.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = serve.Process.Kill()
		}
	}()
	if err := waitReady(base); err != nil {
		return fmt.Errorf("%w (log: %s)", err, tail(logPath))
	}

	// The administrator sets a password through the invitation.
	c := newClient(base, "192.0.2.1")
	if st, err := c.submit(link[strings.Index(link, "/invitations/"):], url.Values{"password": {password}, "password_confirm": {password}}); err != nil || st != http.StatusSeeOther {
		return fmt.Errorf("accept invitation: %d %v", st, err)
	}
	fmt.Printf("one replica at %s on PostgreSQL (schema %s), %d attackers, %s per flood; %d CPUs, load average %s\n\n",
		base, schema, attackers, duration, runtime.NumCPU(), loadavg())

	calm := legitimate(base, "192.0.2.10", 5, 0, nil)
	fmt.Printf("no flood:          %s\n\n", calm)

	ok := true
	for _, mode := range []struct {
		name             string
		distinct, bursts bool
	}{
		{fmt.Sprintf("%d addresses, each sending its next sign-in as soon as it has an answer", attackers), true, false},
		{"one address, the same", false, false},
		{fmt.Sprintf("%d addresses, %d sign-ins at once every second", attackers, attackers), true, true},
	} {
		res := flood(base, attackers, duration, every, mode.distinct, mode.bursts)
		met := res.legit.within(time.Second)
		fmt.Printf("flood from %s (load average after: %s):\n  attackers: %s\n  legitimate: %s\n  every legitimate answer within 1 s: %v\n\n",
			mode.name, loadavg(), res.attack, res.legit, met)
		ok = ok && met
	}
	if !ok {
		return errors.New("a legitimate sign-in waited 1 s or more in some flood")
	}
	fmt.Println("every legitimate sign-in answered within 1 s (signed in, or 429 at once)")
	return nil
}

// client is one browser: a cookie jar, no redirects, its own address.
type client struct {
	base string
	xff  string
	http *http.Client
}

var sharedTransport = &http.Transport{MaxIdleConns: 1000, MaxIdleConnsPerHost: 1000, IdleConnTimeout: 30 * time.Second}

func newClient(base, xff string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{base: base, xff: xff, http: &http.Client{Jar: jar, Transport: sharedTransport, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *client) do(req *http.Request) (*http.Response, error) {
	if c.xff != "" {
		req.Header.Set("X-Forwarded-For", c.xff)
	}
	return c.http.Do(req)
}

var csrfRE = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// token loads a page and returns its CSRF token.
func (c *client) token(path string) (string, error) {
	req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
	res, err := c.do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	m := csrfRE.FindSubmatch(body)
	if m == nil {
		return "", fmt.Errorf("no CSRF token on %s (%d)", path, res.StatusCode)
	}
	return string(m[1]), nil
}

// post sends a form with a token and returns the status.
func (c *client) post(path, token string, vals url.Values) (int, error) {
	vals.Set("_csrf", token)
	req, _ := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(vals.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, nil
}

func (c *client) submit(path string, vals url.Values) (int, error) {
	tok, err := c.token(path)
	if err != nil {
		return 0, err
	}
	return c.post(path, tok, vals)
}

// legitResult is what the legitimate administrator saw, and how long a
// request with no work at all (GET /healthz) took meanwhile: how starved
// of CPU the replica was.
type legitResult struct {
	ok, busy, other []time.Duration
	errs            int
	health          []time.Duration
}

func (r legitResult) within(d time.Duration) bool {
	for _, l := range slices.Concat(r.ok, r.busy, r.other) {
		if l >= d {
			return false
		}
	}
	return r.errs == 0 && len(r.other) == 0 && len(r.ok)+len(r.busy) > 0
}

func (r legitResult) String() string {
	return fmt.Sprintf("%d sign-ins: %d signed in (%s), %d answered 429 (%s), %d other, %d errors; GET /healthz meanwhile: %s",
		len(r.ok)+len(r.busy)+len(r.other)+r.errs, len(r.ok), stats(r.ok), len(r.busy), stats(r.busy), len(r.other), r.errs, stats(r.health))
}

func stats(ds []time.Duration) string {
	if len(ds) == 0 {
		return "-"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	p := func(q float64) time.Duration { return s[min(len(s)-1, int(q*float64(len(s))))] }
	return fmt.Sprintf("median %s, p95 %s, max %s", round(p(0.5)), round(p(0.95)), round(s[len(s)-1]))
}

func round(d time.Duration) time.Duration { return d.Round(100 * time.Microsecond) }

// legitimate signs in n times (every apart, or until stop closes when n is
// 0), each time in a new session of the same browser (its device cookie
// kept) at address xff, timing the password post.
func legitimate(base, xff string, n int, every time.Duration, stop <-chan struct{}) legitResult {
	var r legitResult
	var device []*http.Cookie
	u, _ := url.Parse(base)
	for i := 0; n == 0 || i < n; i++ {
		if stop != nil {
			select {
			case <-stop:
				return r
			default:
			}
		}
		c := newClient(base, xff)
		c.http.Jar.SetCookies(u, device)
		hstart := time.Now()
		if res, err := c.http.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			r.health = append(r.health, time.Since(hstart))
		}
		tok, err := c.token("/t/" + slug + "/login")
		if err != nil {
			r.errs++
			continue
		}
		start := time.Now()
		st, err := c.post("/t/"+slug+"/login", tok, url.Values{"email": {admin}, "password": {password}})
		took := time.Since(start)
		switch {
		case err != nil:
			r.errs++
		case st == http.StatusSeeOther:
			r.ok = append(r.ok, took)
			for _, ck := range c.http.Jar.Cookies(u) {
				if ck.Name == "gatehouse_device" {
					device = []*http.Cookie{{Name: ck.Name, Value: ck.Value, Path: "/"}}
				}
			}
		case st == http.StatusTooManyRequests:
			r.busy = append(r.busy, took)
		default:
			r.other = append(r.other, took)
		}
		if every > 0 {
			time.Sleep(every)
		}
	}
	return r
}

type attackResult struct {
	mu       sync.Mutex
	statuses map[int]int
	errs     atomic.Int64
}

func (a *attackResult) String() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var parts []string
	total := 0
	for _, st := range []int{422, 429, 303, 403, 500} {
		if n := a.statuses[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d× %d", n, st))
			total += n
		}
	}
	for st, n := range a.statuses {
		if !slices.Contains([]int{422, 429, 303, 403, 500}, st) {
			parts = append(parts, fmt.Sprintf("%d× %d", n, st))
			total += n
		}
	}
	return fmt.Sprintf("%d answers (%s), %d errors", total, strings.Join(parts, ", "), a.errs.Load())
}

type floodResult struct {
	attack string
	legit  legitResult
}

// flood keeps attackers sign-ins in flight for d, from a process of its
// own limited to one core (the attacker's machine: its goroutines do not
// delay the legitimate client's, nor take every core from the replica),
// while the legitimate administrator signs in every every.
func flood(base string, attackers int, d, every time.Duration, distinct, bursts bool) floodResult {
	var res floodResult
	self, err := os.Executable()
	if err != nil {
		res.attack = err.Error()
		return res
	}
	cmd := exec.Command(self, "-attack", base, "-attackers", fmt.Sprint(attackers), "-duration", d.String(), fmt.Sprintf("-distinct=%v", distinct), fmt.Sprintf("-bursts=%v", bursts))
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Start(); err != nil {
		res.attack = err.Error()
		return res
	}
	time.Sleep(time.Second) // let the flood build up
	stop := make(chan struct{})
	go func() { time.Sleep(d - 2*time.Second); close(stop) }()
	res.legit = legitimate(base, "192.0.2.20", 0, every, stop)
	if err := cmd.Wait(); err != nil {
		res.attack = err.Error()
	} else {
		res.attack = strings.TrimSpace(out.String())
	}
	time.Sleep(2 * time.Second) // let the replica drain before the next flood
	return res
}

// attackFor runs the flood (in the attacker process).
func attackFor(base string, attackers int, d time.Duration, distinct, bursts bool) *attackResult {
	res := &attackResult{statuses: map[int]int{}}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var wg sync.WaitGroup
	for i := range attackers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			xff := "198.51.100.1"
			if distinct {
				xff = fmt.Sprintf("198.18.%d.%d", i/250, i%250+1)
			}
			c := newClient(base, xff)
			tok, err := c.token("/t/" + slug + "/login")
			if err != nil {
				res.errs.Add(1)
				return
			}
			next := time.Now().Truncate(time.Second).Add(time.Second)
			for n := 0; ctx.Err() == nil; n++ {
				if bursts { // all together, on the second
					time.Sleep(time.Until(next))
					next = next.Add(time.Second)
					if ctx.Err() != nil {
						return
					}
				}
				st, err := c.post("/t/"+slug+"/login", tok, url.Values{"email": {fmt.Sprintf("guess%d-%d@example.com", i, n)}, "password": {"not the password"}})
				if err != nil {
					res.errs.Add(1)
					continue
				}
				res.mu.Lock()
				res.statuses[st]++
				res.mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return res
}

// loadavg is the machine's load average (1, 5, 15 minutes), when known:
// other work on the machine shows in every figure.
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

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitReady(base string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("the replica did not become ready")
}

func tail(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return path
	}
	defer f.Close()
	var lines []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		lines = append(lines, s.Text())
		if len(lines) > 20 {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}
