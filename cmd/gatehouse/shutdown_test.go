package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"

	"github.com/emersion/go-smtp"
)

// slowSMTP is an SMTP server that holds every exchange at RCPT TO until released.
type slowSMTP struct {
	addr     string
	inData   chan string // recipient, when the exchange is held (at RCPT)
	release  chan struct{}
	received chan string // recipient, when DATA was accepted
}

func startSlowSMTP(t *testing.T) *slowSMTP {
	t.Helper()
	s := &slowSMTP{inData: make(chan string, 10), release: make(chan struct{}), received: make(chan string, 10)}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &slowSession{s: s}, nil }))
	srv.Domain = "slow.local"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

type slowSession struct {
	s  *slowSMTP
	to string
}

func (x *slowSession) Mail(string, *smtp.MailOptions) error { return nil }

// Rcpt holds the exchange in its middle, before DATA: a client that gives
// up when its context ends would abandon the message here.
func (x *slowSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = to
	x.s.inData <- x.to
	<-x.s.release
	return nil
}
func (x *slowSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	x.s.received <- x.to
	return nil
}
func (x *slowSession) Reset()        {}
func (x *slowSession) Logout() error { return nil }

func refused(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 500*time.Millisecond)
	if err != nil {
		return true
	}
	c.Close()
	return false
}

// TestSIGTERMDrains stops serve (the context main cancels on SIGTERM) while
// a sign-in request is half sent and an e-mail is in the middle of its SMTP
// exchange: the listener stops accepting at once, the request completes with a
// real answer, the e-mail goes out and is recorded, and serve returns nil
// (exit 0) well within 25 s.
func TestSIGTERMDrains(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		mailsrv := startSlowSMTP(t)
		addr, metricsAddr := freeAddr(t), freeAddr(t)
		base := "http://" + addr
		vars := map[string]string{
			"GATEHOUSE_DATA_DIR": t.TempDir(), "GATEHOUSE_ADDR": addr, "GATEHOUSE_BASE_URL": base,
			"GATEHOUSE_SECRET_KEY": "drain-test-secret-key-0123456789abcdef", "GATEHOUSE_METRICS_ADDR": metricsAddr,
			"DATABASE_URL": db.URL,
		}
		// The tenant's invitation goes to the log (no SMTP yet); then one
		// message waits in the outbox for serve's worker.
		if err := run(context.Background(), []string{"tenant", "create", "--slug", "acme", "--name", "Acme", "--admin-email", "owner@example.com"}, env(vars), io.Discard, quiet()); err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		if err := db.DB.Create(&models.OutboxEmail{ToAddr: "ann@example.com", Subject: "Hello", TextBody: "hi", HTMLBody: "<p>hi</p>", NextAttemptAt: now, CreatedAt: now}).Error; err != nil {
			t.Fatal(err)
		}
		vars["GATEHOUSE_SMTP_URL"] = "smtp://" + mailsrv.addr

		ctx, sigterm := context.WithCancel(context.Background())
		defer sigterm()
		served := make(chan error, 1)
		go func() { served <- run(ctx, []string{"serve"}, env(vars), io.Discard, quiet()) }()
		waitHealthy(t, base)
		var out strings.Builder
		if err := run(context.Background(), []string{"healthcheck"}, env(vars), &out, quiet()); err != nil || strings.TrimSpace(out.String()) != "ready" {
			t.Fatalf("healthcheck of a ready server: %v %q", err, out.String())
		}

		// The worker is in the middle of an SMTP exchange.
		select {
		case to := <-mailsrv.inData:
			if to != "ann@example.com" {
				t.Fatalf("DATA for %s", to)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the worker sent nothing")
		}

		// A sign-in whose body is half sent.
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar}
		res, err := c.Get(base + "/t/acme/login")
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(res.Body)
		res.Body.Close()
		m := csrfRE.FindSubmatch(page)
		if m == nil {
			t.Fatal("no CSRF token")
		}
		u, _ := url.Parse(base)
		var cookies []string
		for _, ck := range jar.Cookies(u) {
			cookies = append(cookies, ck.Name+"="+ck.Value)
		}
		body := url.Values{"_csrf": {string(m[1])}, "email": {"owner@example.com"}, "password": {"not the password"}}.Encode()
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		half := len(body) / 2
		fmt.Fprintf(conn, "POST /t/acme/login HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\nCookie: %s\r\n\r\n%s",
			addr, len(body), strings.Join(cookies, "; "), body[:half])
		time.Sleep(300 * time.Millisecond) // the server has read the headers and waits for the rest

		start := time.Now()
		sigterm()

		// New connections are refused at once on the main port (the
		// metrics stay up to watch the drain, and close at its end).
		deadline := time.Now().Add(3 * time.Second)
		for !refused(addr) {
			if time.Now().After(deadline) {
				t.Fatal("still accepting connections after SIGTERM")
			}
			time.Sleep(50 * time.Millisecond)
		}
		select {
		case err := <-served:
			t.Fatalf("serve returned with a request and a delivery in flight: %v", err)
		case <-time.After(300 * time.Millisecond):
		}

		// The request completes with the handler's answer.
		if _, err := io.WriteString(conn, body[half:]); err != nil {
			t.Fatal(err)
		}
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("in-flight request got no answer: %v", err)
		}
		answer, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(answer), "Incorrect e-mail or password.") {
			t.Fatalf("in-flight sign-in: %d\n%s", resp.StatusCode, answer)
		}
		if !resp.Close {
			t.Error("the answer during shutdown should close the connection")
		}

		// serve waits for the e-mail being sent.
		select {
		case err := <-served:
			t.Fatalf("serve returned before the delivery in flight ended: %v", err)
		case <-time.After(300 * time.Millisecond):
		}
		close(mailsrv.release)
		select {
		case err := <-served:
			if err != nil {
				t.Fatalf("serve: %v (exit status would not be 0)", err)
			}
		case <-time.After(25 * time.Second):
			t.Fatal("serve did not stop within 25 s")
		}
		if d := time.Since(start); d > 25*time.Second {
			t.Fatalf("shutdown took %v", d)
		}
		if err := run(context.Background(), []string{"healthcheck"}, env(vars), io.Discard, quiet()); err == nil {
			t.Error("healthcheck passes with the server stopped")
		}
		if !refused(metricsAddr) {
			t.Error("the metrics listener is still open after serve returned")
		}
		if to := <-mailsrv.received; to != "ann@example.com" {
			t.Fatalf("delivered to %s", to)
		}
		var row models.OutboxEmail
		if err := db.DB.Where("to_addr = ?", "ann@example.com").Take(&row).Error; err != nil {
			t.Fatal(err)
		}
		if row.SentAt == nil || row.LockedUntil != nil || row.Attempts != 1 {
			t.Fatalf("the delivery in flight was not recorded as sent: %+v", row)
		}
		var held int64
		if err := db.DB.Model(&models.OutboxEmail{}).Where("locked_until IS NOT NULL").Count(&held).Error; err != nil {
			t.Fatal(err)
		}
		if held != 0 {
			t.Fatalf("%d outbox leases still held after shutdown", held)
		}
	})
}

// TestSIGTERMWithinBudget: a request that never completes and an SMTP server
// that never answers do not keep serve from returning nil within its budget
// (shortened here from 20 s of request drain in 23 s overall).
func TestSIGTERMWithinBudget(t *testing.T) {
	oldBudget, oldDrain := shutdownBudget, requestDrain
	shutdownBudget, requestDrain = 3*time.Second, 1*time.Second
	t.Cleanup(func() { shutdownBudget, requestDrain = oldBudget, oldDrain })

	db := modelstest.SQLite(t)
	mailsrv := startSlowSMTP(t)
	t.Cleanup(func() { close(mailsrv.release) })
	addr := freeAddr(t)
	base := "http://" + addr
	vars := map[string]string{
		"GATEHOUSE_DATA_DIR": t.TempDir(), "GATEHOUSE_ADDR": addr, "GATEHOUSE_BASE_URL": base, "DATABASE_URL": db.URL,
		"GATEHOUSE_SECRET_KEY": "drain-test-secret-key-0123456789abcdef", "GATEHOUSE_SMTP_URL": "smtp://" + mailsrv.addr,
	}
	now := time.Now().UTC()
	if err := db.DB.Create(&models.OutboxEmail{ToAddr: "ann@example.com", Subject: "Hello", TextBody: "hi", HTMLBody: "<p>hi</p>", NextAttemptAt: now, CreatedAt: now}).Error; err != nil {
		t.Fatal(err)
	}
	ctx, sigterm := context.WithCancel(context.Background())
	defer sigterm()
	served := make(chan error, 1)
	go func() { served <- run(ctx, []string{"serve"}, env(vars), io.Discard, quiet()) }()
	waitHealthy(t, base)
	select {
	case <-mailsrv.inData:
	case <-time.After(10 * time.Second):
		t.Fatal("the worker sent nothing")
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /t/acme/login HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nemail=", addr)
	time.Sleep(300 * time.Millisecond)

	start := time.Now()
	sigterm()
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("serve: %v (exit status would not be 0)", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
	if d := time.Since(start); d < requestDrain || d > shutdownBudget+time.Second {
		t.Fatalf("serve stopped after %v, want between the request drain (%v) and the budget (%v)", d, requestDrain, shutdownBudget)
	}
	// The stuck request was cut off.
	_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := conn.Read(make([]byte, 1)); err == nil {
		t.Error("the stuck request's connection is still open")
	}
}
