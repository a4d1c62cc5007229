package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gatehouse/models/modelstest"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestTenantCreatePrintsTheInvitationLinkLast(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := env(map[string]string{"GATEHOUSE_DATA_DIR": dir, "GATEHOUSE_BASE_URL": "https://console.example.com"})
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate"}, e, &out, quiet()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "gatehouse.db")); err != nil {
		t.Fatalf("migrate made no SQLite database: %v", err)
	}
	out.Reset()
	err := run(context.Background(), []string{"tenant", "create", "--slug", "acme", "--name", "Acme", "--plan", "enterprise", "--admin-email", "a@example.com"}, e, &out, quiet())
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	last := lines[len(lines)-1]
	if !regexp.MustCompile(`^https://console\.example\.com/invitations/[A-Za-z0-9_-]{40,}$`).MatchString(last) {
		t.Fatalf("last line %q is not the invitation URL\n%s", last, out.String())
	}
	// Bad input is a usage error naming the flag; a taken slug too.
	err = run(context.Background(), []string{"tenant", "create", "--slug", "Bad Slug!", "--name", "X", "--admin-email", "nope"}, e, io.Discard, quiet())
	if _, ok := err.(usageError); !ok || !strings.Contains(err.Error(), "--slug") || !strings.Contains(err.Error(), "--admin-email") {
		t.Fatalf("bad input: %v", err)
	}
	err = run(context.Background(), []string{"tenant", "create", "--slug", "acme", "--name", "Again", "--admin-email", "b@example.com"}, e, io.Discard, quiet())
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("taken slug: %v", err)
	}
	if err := run(context.Background(), []string{"frobnicate"}, e, io.Discard, quiet()); err == nil {
		t.Fatal("unknown command accepted")
	}
}

func TestMain(m *testing.M) {
	// In-process commands hash passwords cheaply (modelstest.Main); the
	// built binary, a separate process, keeps the OWASP parameters.
	code := modelstest.Main(m)
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// built is the gatehouse command shared by every test of the run.
var built struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// binary builds the gatehouse command once per test run, when a test first
// needs it, into a temporary directory removed by TestMain. It is built
// like the test binary (same cgo setting), so only the link is new work;
// TestBinaryNeedsNoCgo keeps the Dockerfile's CGO_ENABLED=0 build honest.
func binary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "gatehouse-test-bin-"); built.err != nil {
			return
		}
		built.path = filepath.Join(built.dir, "gatehouse")
		if out, err := exec.Command("go", "build", "-o", built.path, ".").CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

// TestBinaryNeedsNoCgo: the Dockerfile builds with CGO_ENABLED=0 for a
// static image, so no dependency outside the standard library may use cgo
// (a cgo-only driver would build and then fail at run time).
func TestBinaryNeedsNoCgo(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if and (not .Standard) .CgoFiles}}{{.ImportPath}}{{end}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	if s := strings.TrimSpace(string(out)); s != "" {
		t.Fatalf("dependencies that need cgo:\n%s", s)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

type proc struct {
	cmd *exec.Cmd
	out *bytes.Buffer
}

func startServe(t *testing.T, bin string, environ []string) *proc {
	t.Helper()
	cmd := exec.Command(bin, "serve")
	cmd.Env = environ
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, out: &out}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		if t.Failed() {
			t.Logf("serve output:\n%s", out.String())
		}
	})
	return p
}

func waitHealthy(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s never became ready", base)
}

var csrfRE = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func submit(t *testing.T, c *http.Client, page, action string, vals url.Values) *http.Response {
	t.Helper()
	res, err := c.Get(page)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	m := csrfRE.FindSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token on %s (%d)", page, res.StatusCode)
	}
	vals.Set("_csrf", string(m[1]))
	res, err = c.PostForm(action, vals)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

// TestTwoReplicasShareOnePostgreSQL starts two `serve` processes on one
// PostgreSQL at the same moment (migrations under the advisory lock), signs
// in on one and uses the session on the other, then stops both with SIGTERM.
func TestTwoReplicasShareOnePostgreSQL(t *testing.T) {
	t.Parallel()
	db := modelstest.Postgres(t)
	// Start from an empty schema: the replicas migrate it themselves.
	var tables []string
	modelstest.Must(t, db.DB.Raw("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()").Scan(&tables))
	for _, tb := range tables {
		modelstest.Must(t, db.DB.Exec(`DROP TABLE "`+tb+`" CASCADE`))
	}
	bin := binary(t)
	a, b := freeAddr(t), freeAddr(t)
	baseA, baseB := "http://"+a, "http://"+b
	common := append(os.Environ(), "DATABASE_URL="+db.URL, "GATEHOUSE_SECRET_KEY=replica-shared-secret-key-0123456789abcdef",
		"GATEHOUSE_DATA_DIR="+t.TempDir(), "GATEHOUSE_BASE_URL="+baseA, "GATEHOUSE_SMTP_URL=")
	pa := startServe(t, bin, append(common, "GATEHOUSE_ADDR="+a))
	pb := startServe(t, bin, append(common, "GATEHOUSE_ADDR="+b))
	waitHealthy(t, baseA)
	waitHealthy(t, baseB)

	cmd := exec.Command(bin, "tenant", "create", "--slug", "acme", "--name", "Acme", "--plan", "enterprise", "--admin-email", "owner@example.com")
	cmd.Env = common
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Run(); err != nil {
		t.Fatalf("tenant create: %v", err)
	}
	var link string
	for sc := bufio.NewScanner(&stdout); sc.Scan(); {
		link = sc.Text()
	}
	if !strings.HasPrefix(link, baseA+"/invitations/") {
		t.Fatalf("link %q", link)
	}

	jar, _ := cookiejar.New(nil) // cookies ignore ports: both replicas see them
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	pw := "replicas share one database"
	if res := submit(t, c, link, link, url.Values{"password": {pw}, "password_confirm": {pw}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept on A: %d", res.StatusCode)
	}
	// The binary hashes with the production (OWASP) argon2id parameters,
	// whatever this test process uses.
	var hash string
	modelstest.Must(t, db.DB.Raw("SELECT password_hash FROM administrators WHERE email = ?", "owner@example.com").Scan(&hash))
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("the binary stored %q, want argon2id with m=19456,t=2,p=1", hash)
	}
	if res := submit(t, c, baseA+"/t/acme/login", baseA+"/t/acme/login", url.Values{"email": {"owner@example.com"}, "password": {pw}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in on A: %d", res.StatusCode)
	}
	for _, base := range []string{baseA, baseB} {
		res, err := c.Get(base + "/t/acme/")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("dashboard on %s with the session from A: %d", base, res.StatusCode)
		}
	}
	// Signing out on B ends the session for A as well.
	if res := submit(t, c, baseB+"/t/acme/", baseB+"/t/acme/logout", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout on B: %d", res.StatusCode)
	}
	res, err := c.Get(baseA + "/t/acme/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("A still honours the session ended on B: %d", res.StatusCode)
	}

	// Graceful shutdown on SIGTERM.
	for name, p := range map[string]*proc{"A": pa, "B": pb} {
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- p.cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("replica %s exited badly: %v", name, err)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("replica %s did not stop on SIGTERM", name)
		}
		if !strings.Contains(p.out.String(), "stopped") {
			t.Errorf("replica %s did not log a clean stop", name)
		}
	}
}

// TestFlushingWriterKeepsLinesWholeAndFlushes: lines written are held,
// then written every interval and at Close, whole and in order.
func TestFlushingWriterKeepsLinesWholeAndFlushes(t *testing.T) {
	var mu sync.Mutex
	var got bytes.Buffer
	w := lockedWriter{mu: &mu, w: &got}
	f := newFlushingWriter(w, 20*time.Millisecond)
	for i := range 3 {
		fmt.Fprintf(f, "line %d\n", i)
	}
	read := func() string { mu.Lock(); defer mu.Unlock(); return got.String() }
	deadline := time.Now().Add(5 * time.Second)
	for read() != "line 0\nline 1\nline 2\n" {
		if time.Now().After(deadline) {
			t.Fatalf("not flushed within the interval: %q", read())
		}
		time.Sleep(5 * time.Millisecond)
	}
	big := strings.Repeat("x", 70<<10) + "\n" // larger than the buffer
	fmt.Fprint(f, "last\n")
	fmt.Fprint(f, big)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if want := "line 0\nline 1\nline 2\nlast\n" + big; read() != want {
		t.Fatalf("after Close: %d bytes, want %d", len(read()), len(want))
	}
	if err := f.Close(); err != nil { // twice is harmless
		t.Fatal(err)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
