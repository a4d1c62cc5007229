package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"gatehouse/models"

	"github.com/emersion/go-smtp"
	"gorm.io/gorm"
)

// scratchDatabase creates a fresh database next to the one serverURL names
// and returns its URL and a function that drops it.
func scratchDatabase(serverURL string) (dbURL, name string, drop func(), err error) {
	admin, err := models.Open(serverURL, "")
	if err != nil {
		return "", "", nil, err
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name = "loadfault_" + hex.EncodeToString(b)
	if err := admin.Exec("CREATE DATABASE " + name).Error; err != nil {
		models.Close(admin)
		return "", "", nil, fmt.Errorf("create database %s: %w", name, err)
	}
	u, err := url.Parse(serverURL)
	if err != nil {
		models.Close(admin)
		return "", "", nil, err
	}
	u.Path = "/" + name
	drop = func() {
		if err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)").Error; err != nil {
			fmt.Fprintf(os.Stderr, "loadfault: drop database %s: %v\n", name, err)
		}
		models.Close(admin)
	}
	return u.String(), name, drop, nil
}

// killConnections ends every session on database name but the caller's own,
// as a failover or a DBA's pg_terminate_backend would.
func killConnections(ctx context.Context, admin *gorm.DB, name string) (int, error) {
	var n int64
	err := admin.WithContext(ctx).Raw(
		"SELECT count(*) FROM (SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()) t WHERE ok",
		name).Scan(&n).Error
	return int(n), err
}

// moduleRoot is the directory of the go.mod that encloses the working directory.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run from inside the gatehouse module")
	}
	return filepath.Dir(mod), nil
}

// build compiles the gatehouse binary into dir.
func build(dir string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "gatehouse")
	cmd := exec.Command("go", "build", "-ldflags=-s -w", "-o", bin, "./cmd/gatehouse") // no debug information: links faster
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/gatehouse: %w", err)
	}
	return bin, nil
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// replica is one `gatehouse serve` process, restartable on the same address.
type replica struct {
	name string
	bin  string
	addr string
	env  []string
	log  string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan error
}

func (r *replica) start() error {
	f, err := os.OpenFile(r.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(r.bin, "serve")
	cmd.Env = append(os.Environ(), append(r.env, "GATEHOUSE_ADDR="+r.addr)...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait(); f.Close() }()
	r.mu.Lock()
	r.cmd, r.done = cmd, done
	r.mu.Unlock()
	return waitReady(r.addr, 30*time.Second, done)
}

// stop sends SIGTERM and waits (up to 30 s, then SIGKILL): how long the
// process took and how it ended.
func (r *replica) stop() (time.Duration, error) {
	r.mu.Lock()
	cmd, done := r.cmd, r.done
	r.mu.Unlock()
	if cmd == nil {
		return 0, nil
	}
	start := time.Now()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		return time.Since(start), err
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		return time.Since(start), errors.New("did not exit within 30 s of SIGTERM: killed")
	}
}

func waitReady(addr string, within time.Duration, exited <-chan error) error {
	deadline := time.Now().Add(within)
	c := &http.Client{Timeout: 2 * time.Second}
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("exited while starting: %v", err)
		default:
		}
		if res, err := c.Get("http://" + addr + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("not ready in time")
}

func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return path
	}
	defer f.Close()
	var lines []string
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 1<<20), 1<<20)
	for s.Scan() {
		lines = append(lines, s.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}

// Balancer headers: how the balancer failed, when it did. "refused" means
// the request never reached a replica (nothing can have changed);
// "broken" means the connection failed after the request may have been sent.
const upstreamErrorHeader = "X-Loadfault-Upstream-Error"

// balancer is a round-robin reverse proxy over the replicas. It retries
// nothing: a replica that is down costs the client a 502.
type balancer struct {
	backends []*url.URL
	next     atomic.Uint64
	proxy    *httputil.ReverseProxy
}

type backendKey struct{}

func newBalancer(addrs []string) *balancer {
	b := &balancer{}
	for _, a := range addrs {
		b.backends = append(b.backends, &url.URL{Scheme: "http", Host: a})
	}
	b.proxy = &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(r.In.Context().Value(backendKey{}).(*url.URL))
			r.Out.Host = r.In.Host // the replicas see the balancer's host, as behind a real one
			r.Out.Header["X-Forwarded-For"] = r.In.Header["X-Forwarded-For"]
			r.SetXForwarded()
		},
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 2 * time.Second}).DialContext,
			MaxIdleConnsPerHost: 64,
			IdleConnTimeout:     30 * time.Second,
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			kind := "broken"
			if errors.Is(err, syscall.ECONNREFUSED) {
				kind = "refused"
			}
			w.Header().Set(upstreamErrorHeader, kind)
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, "bad gateway: "+err.Error())
		},
	}
	return b
}

func (b *balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u := b.backends[int(b.next.Add(1)-1)%len(b.backends)]
	b.proxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), backendKey{}, u)))
}

// mailCatcher is an SMTP server that accepts everything and counts recipients.
type mailCatcher struct {
	addr string
	mu   sync.Mutex
	to   map[string]int
	srv  *smtp.Server
}

func startMailCatcher() (*mailCatcher, error) {
	m := &mailCatcher{to: map[string]int{}}
	m.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &catchSession{m: m}, nil }))
	m.srv.Domain = "catcher.local"
	m.srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	m.addr = ln.Addr().String()
	go func() { _ = m.srv.Serve(ln) }()
	return m, nil
}

func (m *mailCatcher) received(addr string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.to[strings.ToLower(addr)]
}

type catchSession struct {
	m  *mailCatcher
	to []string
}

func (s *catchSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *catchSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, strings.ToLower(to))
	return nil
}
func (s *catchSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	s.m.mu.Lock()
	for _, t := range s.to {
		s.m.to[t]++
	}
	s.m.mu.Unlock()
	return nil
}
func (s *catchSession) Reset()        { s.to = nil }
func (s *catchSession) Logout() error { return nil }
