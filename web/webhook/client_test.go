package webhook_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"code.dny.dev/ssrf"

	"gatehouse/web/webhook"
)

// resolver answers from a table (or a func), so no test asks real DNS.
type resolver struct {
	mu    sync.Mutex
	hosts map[string][]string
	calls map[string]int
	fn    func(host string, call int) []string
}

func (r *resolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.calls == nil {
		r.calls = map[string]int{}
	}
	r.calls[host]++
	list := r.hosts[host]
	if r.fn != nil {
		list = r.fn(host, r.calls[host])
	}
	if len(list) == 0 {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []netip.Addr
	for _, s := range list {
		out = append(out, netip.MustParseAddr(s))
	}
	return out, nil
}

// receiver is an in-process TLS webhook receiver that verifies signatures.
type receiver struct {
	srv      *httptest.Server
	secret   string
	now      time.Time
	conns    atomic.Int32
	mu       sync.Mutex
	got      [][]byte
	verified []error
	status   int
}

func newReceiver(t *testing.T, secret string, now time.Time) *receiver {
	t.Helper()
	r := &receiver{secret: secret, now: now, status: http.StatusNoContent}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /hook", func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			t.Error(err)
		}
		if ct := req.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q", ct)
		}
		if ua := req.Header.Get("User-Agent"); ua != webhook.UserAgent {
			t.Errorf("User-Agent = %q", ua)
		}
		r.mu.Lock()
		r.got = append(r.got, body)
		r.verified = append(r.verified, webhook.Verify(req.Header.Get(webhook.SignatureHeader), r.secret, body, r.now, webhook.DefaultTolerance))
		status := r.status
		r.mu.Unlock()
		w.WriteHeader(status)
		fmt.Fprint(w, "thanks")
	})
	r.srv = httptest.NewUnstartedServer(mux)
	r.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			r.conns.Add(1)
		}
	}
	r.srv.StartTLS()
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(r.srv.Certificate())
	return p
}

func (r *receiver) port() string {
	_, port, _ := net.SplitHostPort(r.srv.Listener.Addr().String())
	return port
}

func TestDeliverSignedToReceiver(t *testing.T) {
	rcv := newReceiver(t, "whsec_abc", t0.Add(30*time.Second))
	c := webhook.NewClient(webhook.Options{AllowPrivate: true, RootCAs: rcv.pool(), Now: func() time.Time { return t0 }})
	body := []byte(`{"id":"evt_1","action":"client.created","workspace":"payments"}`)

	status, err := c.Deliver(context.Background(), rcv.srv.URL+"/hook", "whsec_abc", body)
	if err != nil || status != http.StatusNoContent {
		t.Fatalf("Deliver = %d, %v", status, err)
	}
	if len(rcv.got) != 1 || string(rcv.got[0]) != string(body) {
		t.Fatalf("receiver got %q", rcv.got)
	}
	if rcv.verified[0] != nil {
		t.Fatalf("receiver could not verify the signature: %v", rcv.verified[0])
	}

	// Signed with another secret: the receiver's check fails, so it is a
	// real check.
	if _, err := c.Deliver(context.Background(), rcv.srv.URL+"/hook", "whsec_other", body); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(rcv.verified[1], webhook.ErrSignatureMismatch) {
		t.Fatalf("a delivery signed with another secret verified: %v", rcv.verified[1])
	}
}

func TestDeliverFailures(t *testing.T) {
	var elsewhere atomic.Int32
	done := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	})
	mux.HandleFunc("/elsewhere", func(w http.ResponseWriter, _ *http.Request) { elsewhere.Add(1) })
	mux.HandleFunc("/broken", func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	})
	mux.HandleFunc("/gone", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusGone) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-done:
		}
	})
	mux.HandleFunc("/firehose", func(w http.ResponseWriter, r *http.Request) {
		chunk := make([]byte, 32<<10)
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	srv := httptest.NewTLSServer(mux)
	defer srv.Close()
	defer close(done) // before Close, which waits for the handlers
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	c := webhook.NewClient(webhook.Options{AllowPrivate: true, RootCAs: pool, Timeout: 3 * time.Second})
	ctx := context.Background()

	status, err := c.Deliver(ctx, srv.URL+"/redirect", "s", []byte("{}"))
	if status != http.StatusFound || !errors.Is(err, webhook.ErrStatus) {
		t.Fatalf("redirect: %d, %v", status, err)
	}
	if !strings.Contains(err.Error(), "302 Found") || !strings.Contains(err.Error(), "not followed") {
		t.Errorf("redirect message %q", err)
	}
	if elsewhere.Load() != 0 {
		t.Fatal("the redirect was followed")
	}

	for path, want := range map[string]int{"/broken": 500, "/gone": 410, "/missing": 404} {
		status, err := c.Deliver(ctx, srv.URL+path, "s", []byte("{}"))
		var e *webhook.Error
		if status != want || !errors.As(err, &e) || e.Kind != webhook.ErrStatus || e.Status != want {
			t.Errorf("%s: %d, %v; want %d and ErrStatus", path, status, err, want)
		}
	}

	// A receiver that never answers: the attempt ends with the timeout.
	fast := webhook.NewClient(webhook.Options{AllowPrivate: true, RootCAs: pool, Timeout: 300 * time.Millisecond})
	start := time.Now()
	status, err = fast.Deliver(ctx, srv.URL+"/slow", "s", []byte("{}"))
	if status != 0 || !errors.Is(err, webhook.ErrDelivery) || !strings.Contains(err.Error(), "in time") {
		t.Errorf("slow receiver: %d, %v", status, err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the timeout of 300ms took %v", d)
	}

	// An endless answer: only 64 KB is read, so it returns long before the
	// 3 s timeout.
	start = time.Now()
	status, err = c.Deliver(ctx, srv.URL+"/firehose", "s", []byte("{}"))
	if status != 200 || err != nil {
		t.Errorf("firehose: %d, %v", status, err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("an endless response body took %v to give up on", d)
	}

	// The context given by the caller (the outbox worker's) ends it too.
	cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if _, err := c.Deliver(cctx, srv.URL+"/slow", "s", []byte("{}")); !errors.Is(err, webhook.ErrDelivery) {
		t.Errorf("cancelled: %v", err)
	}

	// The system store does not know the test server's certificate.
	system := webhook.NewClient(webhook.Options{AllowPrivate: true})
	status, err = system.Deliver(ctx, srv.URL+"/gone", "s", []byte("{}"))
	if status != 0 || !errors.Is(err, webhook.ErrDelivery) || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("untrusted certificate: %d, %v", status, err)
	}

	// Nothing listens: connection refused.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	status, err = c.Deliver(ctx, "https://"+addr+"/hook", "s", []byte("{}"))
	if status != 0 || !errors.Is(err, webhook.ErrDelivery) {
		t.Errorf("nothing listening: %d, %v", status, err)
	}
}

// refusedAddresses are refused unless private addresses are allowed.
var refusedAddresses = []string{
	"127.0.0.1", "127.10.20.30", "::1", // loopback
	"10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.254", "192.168.1.10", // RFC 1918
	"fc00::1", "fd12:3456:789a::1", "fd00:ec2::254", // ULA, AWS IMDS over IPv6
	"169.254.169.254", "169.254.0.1", "fe80::1", "fe80::a9fe:a9fe", // link-local, cloud metadata
	"0.0.0.0", "0.1.2.3", "::", // unspecified, "this network"
	"224.0.0.1", "239.255.255.250", "ff02::1", "ff0e::1", // multicast
	"100.64.0.1", "100.100.100.200", "100.127.255.254", // CGNAT (100.100.100.200: Alibaba metadata)
	"255.255.255.255", "240.0.0.1", // broadcast, reserved
	"::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::ffff:192.168.0.1", // IPv4-mapped
	"64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", // NAT64 of 127.0.0.1 and 169.254.169.254
	"192.0.2.1", "198.18.0.1", "2001:db8::1", // documentation, benchmarking
}

var publicAddresses = []string{
	"93.184.215.14", "1.1.1.1", "8.8.8.8", "100.63.255.255", "100.128.0.1", "172.15.255.255", "172.32.0.1",
	"11.0.0.1", "192.169.0.1", "2606:4700:4700::1111", "2a00:1450:4001:81c::200e", "::ffff:8.8.8.8",
}

func TestValidateURLRanges(t *testing.T) {
	ctx := context.Background()
	for _, ip := range refusedAddresses {
		r := &resolver{hosts: map[string][]string{"hooks.example.com": {ip}}}
		c := webhook.NewClient(webhook.Options{Resolver: r})
		err := c.ValidateURL(ctx, "https://hooks.example.com/gatehouse")
		var e *webhook.Error
		if !errors.As(err, &e) || e.Kind != webhook.ErrRefusedAddress {
			t.Errorf("%s via DNS: %v, want ErrRefusedAddress", ip, err)
			continue
		}
		if !strings.Contains(e.Message, "hooks.example.com resolves to "+netip.MustParseAddr(ip).String()) {
			t.Errorf("%s: message %q", ip, e.Message)
		}
		// As a literal in the URL, without asking the resolver.
		lit := ip
		if strings.Contains(ip, ":") {
			lit = "[" + ip + "]"
		}
		if err := c.ValidateURL(ctx, "https://"+lit+":8443/x"); !errors.Is(err, webhook.ErrRefusedAddress) {
			t.Errorf("%s literal: %v, want ErrRefusedAddress", ip, err)
		}
		if r.calls[lit] != 0 {
			t.Errorf("%s: the literal was looked up", ip)
		}
		// Allowed when private addresses are.
		open := webhook.NewClient(webhook.Options{Resolver: r, AllowPrivate: true})
		if err := open.ValidateURL(ctx, "https://hooks.example.com/gatehouse"); err != nil {
			t.Errorf("%s with AllowPrivate: %v", ip, err)
		}
	}
	for _, ip := range publicAddresses {
		r := &resolver{hosts: map[string][]string{"hooks.example.com": {ip}}}
		if err := webhook.NewClient(webhook.Options{Resolver: r}).ValidateURL(ctx, "https://hooks.example.com/gatehouse"); err != nil {
			t.Errorf("public %s: %v", ip, err)
		}
	}

	// One bad address among good ones is enough to refuse: the dialer may
	// pick any of them.
	r := &resolver{hosts: map[string][]string{"mixed.example.com": {"93.184.215.14", "2606:4700:4700::1111", "10.0.0.7"}}}
	if err := webhook.NewClient(webhook.Options{Resolver: r}).ValidateURL(ctx, "https://mixed.example.com/"); !errors.Is(err, webhook.ErrRefusedAddress) || !strings.Contains(err.Error(), "10.0.0.7, which is a private address") {
		t.Errorf("mixed: %v", err)
	}
	if err := webhook.NewClient(webhook.Options{Resolver: r}).ValidateURL(ctx, "https://nowhere.example.com/"); !errors.Is(err, webhook.ErrUnresolvable) {
		t.Errorf("unresolvable: %v", err)
	}
	// Messages name what was refused, for the form.
	for ip, says := range map[string]string{
		"169.254.169.254":  "cloud instance metadata",
		"fd00:ec2::254":    "cloud instance metadata",
		"127.0.0.1":        "loopback",
		"192.168.1.10":     "private",
		"fe80::1":          "link-local",
		"100.64.0.1":       "carrier-grade NAT",
		"::ffff:127.0.0.1": "IPv4-mapped IPv6 address (of a loopback address)",
	} {
		r := &resolver{hosts: map[string][]string{"h.example": {ip}}}
		err := webhook.NewClient(webhook.Options{Resolver: r}).ValidateURL(ctx, "https://h.example/")
		if err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("%s: %v, want it to say %q", ip, err, says)
		}
	}
}

func TestValidateURLShape(t *testing.T) {
	r := &resolver{hosts: map[string][]string{"hooks.example.com": {"93.184.215.14"}}}
	c := webhook.NewClient(webhook.Options{Resolver: r})
	open := webhook.NewClient(webhook.Options{Resolver: r, AllowPrivate: true})
	ctx := context.Background()
	for raw, kind := range map[string]error{
		"https://hooks.example.com/gatehouse?tenant=acme": nil,
		"https://hooks.example.com:8443/x":                nil,
		"  https://hooks.example.com/x  ":                 nil,
		"http://hooks.example.com/x":                      webhook.ErrNotHTTPS,
		"":                                                webhook.ErrBadURL,
		"hooks.example.com/x":                             webhook.ErrBadURL,
		"ftp://hooks.example.com/x":                       webhook.ErrBadURL,
		"file:///etc/passwd":                              webhook.ErrBadURL,
		"gopher://hooks.example.com:70/":                  webhook.ErrBadURL,
		"https:///x":                                      webhook.ErrBadURL,
		"https:hooks.example.com":                         webhook.ErrBadURL,
		"https://user:pass@hooks.example.com/x":           webhook.ErrBadURL,
		"https://hooks.example.com/x#frag":                webhook.ErrBadURL,
		"https://hooks.example.com:0/x":                   webhook.ErrBadURL,
		"https://hooks.example.com:99999/x":               webhook.ErrBadURL,
		"https://hooks.example.com/%zz":                   webhook.ErrBadURL,
		"https://hooks.example.com/" + strings.Repeat("a", webhook.MaxURLLength): webhook.ErrBadURL,
	} {
		err := c.ValidateURL(ctx, raw)
		if kind == nil && err != nil {
			t.Errorf("%q: %v", raw, err)
		}
		if kind != nil && !errors.Is(err, kind) {
			t.Errorf("%q: %v, want %v", raw, err, kind)
		}
		var e *webhook.Error
		if err != nil && (!errors.As(err, &e) || e.Message == "") {
			t.Errorf("%q: %T without a message", raw, err)
		}
	}
	// With private addresses allowed, http is too (a receiver on the
	// developer's machine); other schemes are still not.
	if err := open.ValidateURL(ctx, "http://localhost:9000/hook"); err != nil {
		t.Errorf("http with AllowPrivate: %v", err)
	}
	if err := open.ValidateURL(ctx, "ftp://localhost/hook"); !errors.Is(err, webhook.ErrBadURL) {
		t.Errorf("ftp with AllowPrivate: %v", err)
	}
}

// TestDeliverRefusedAtConnectTime: every refused range is refused by the
// dialer's Control, i.e. on the address about to be connected to.
func TestDeliverRefusedAtConnectTime(t *testing.T) {
	for _, ip := range refusedAddresses {
		r := &resolver{hosts: map[string][]string{"hooks.example.com": {ip}}}
		c := webhook.NewClient(webhook.Options{Resolver: r, Timeout: time.Second})
		status, err := c.Deliver(context.Background(), "https://hooks.example.com/x", "s", []byte("{}"))
		if status != 0 || !errors.Is(err, webhook.ErrRefusedAddress) {
			t.Errorf("%s: %d, %v; want ErrRefusedAddress", ip, status, err)
			continue
		}
		if !errors.Is(err, ssrf.ErrProhibitedIP) {
			t.Errorf("%s: refused, but not by the dialer's Control: %v", ip, err)
		}
		if r.calls["hooks.example.com"] != 1 {
			t.Errorf("%s: resolved %d times", ip, r.calls["hooks.example.com"])
		}
	}
}

// TestDeliverDNSRebinding: a name that was public when the webhook was saved
// and resolves to 127.0.0.1 when it is delivered reaches nothing.
func TestDeliverDNSRebinding(t *testing.T) {
	rcv := newReceiver(t, "s", time.Now())
	r := &resolver{fn: func(host string, call int) []string {
		if call == 1 {
			return []string{"93.184.215.14"}
		}
		return []string{"127.0.0.1"}
	}}
	c := webhook.NewClient(webhook.Options{Resolver: r, RootCAs: rcv.pool()})
	url := "https://rebind.example.com:" + rcv.port() + "/hook"
	if err := c.ValidateURL(context.Background(), url); err != nil {
		t.Fatalf("at save time: %v", err)
	}
	status, err := c.Deliver(context.Background(), url, "s", []byte("{}"))
	if status != 0 || !errors.Is(err, webhook.ErrRefusedAddress) || !strings.Contains(err.Error(), "127.0.0.1") {
		t.Fatalf("Deliver = %d, %v; want refused", status, err)
	}
	if n := rcv.conns.Load(); n != 0 {
		t.Fatalf("the receiver on 127.0.0.1 saw %d connections", n)
	}

	// The same setup with private addresses allowed does reach it, so the
	// refusal above is the check and not a broken test. (The certificate of
	// httptest is for example.com and 127.0.0.1, so the name is checked
	// against it: use example.com as the name.)
	r2 := &resolver{hosts: map[string][]string{"example.com": {"127.0.0.1"}}}
	open := webhook.NewClient(webhook.Options{Resolver: r2, RootCAs: rcv.pool(), AllowPrivate: true})
	status, err = open.Deliver(context.Background(), "https://example.com:"+rcv.port()+"/hook", "s", []byte("{}"))
	if err != nil || status != http.StatusNoContent || rcv.conns.Load() != 1 {
		t.Fatalf("with AllowPrivate: %d, %v, %d connections", status, err, rcv.conns.Load())
	}
	closed := webhook.NewClient(webhook.Options{Resolver: r2, RootCAs: rcv.pool()})
	if _, err := closed.Deliver(context.Background(), "https://example.com:"+rcv.port()+"/hook", "s", []byte("{}")); !errors.Is(err, webhook.ErrRefusedAddress) {
		t.Fatalf("example.com -> 127.0.0.1 without AllowPrivate: %v", err)
	}
	if rcv.conns.Load() != 1 {
		t.Fatal("a refused delivery connected")
	}
}

// child runs when the test binary is started again by runChild: it makes one
// delivery configured by the environment and prints the outcome. Settings
// that Go reads once per process (the proxy variables, SSL_CERT_FILE) are
// tested this way.
func TestChild(t *testing.T) {
	u := os.Getenv("WEBHOOK_CHILD_URL")
	if u == "" {
		t.Skip("only run by runChild")
	}
	opts := webhook.Options{AllowPrivate: true}
	if ca := os.Getenv("WEBHOOK_CHILD_CA"); ca != "" {
		pemBytes, err := os.ReadFile(ca)
		if err != nil {
			t.Fatal(err)
		}
		opts.RootCAs = x509.NewCertPool()
		opts.RootCAs.AppendCertsFromPEM(pemBytes)
	}
	if h := os.Getenv("WEBHOOK_CHILD_HOST"); h != "" {
		name, ip, _ := strings.Cut(h, "=")
		opts.Resolver = &resolver{hosts: map[string][]string{name: {ip}}}
	}
	status, err := webhook.NewClient(opts).Deliver(context.Background(), u, "s", []byte("{}"))
	fmt.Printf("RESULT status=%d err=%v\n", status, err)
}

func runChild(t *testing.T, env ...string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	return string(out)
}

func writeCA(t *testing.T, rcv *receiver) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: rcv.srv.Certificate().Raw})
	if err := os.WriteFile(file, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

func TestDeliverIgnoresProxyFromEnvironment(t *testing.T) {
	// A proxy from the environment would connect on our behalf, past the
	// address check: it must not be used. (Go never proxies requests to
	// localhost or 127.0.0.1, so the URL names example.com, which the
	// child's resolver maps to 127.0.0.1.)
	proxy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	var proxied atomic.Int32
	go func() {
		for {
			c, err := proxy.Accept()
			if err != nil {
				return
			}
			proxied.Add(1)
			c.Close()
		}
	}()
	rcv := newReceiver(t, "s", time.Now())
	out := runChild(t,
		"HTTPS_PROXY=http://"+proxy.Addr().String(), "https_proxy=http://"+proxy.Addr().String(),
		"NO_PROXY=", "no_proxy=",
		"WEBHOOK_CHILD_URL=https://example.com:"+rcv.port()+"/hook",
		"WEBHOOK_CHILD_CA="+writeCA(t, rcv),
		"WEBHOOK_CHILD_HOST=example.com=127.0.0.1")
	if !strings.Contains(out, "RESULT status=204 err=<nil>") {
		t.Fatalf("delivery with a proxy in the environment:\n%s", out)
	}
	if proxied.Load() != 0 || rcv.conns.Load() != 1 {
		t.Fatalf("%d connections to the proxy, %d to the receiver", proxied.Load(), rcv.conns.Load())
	}
}

// TestSystemStoreHonoursSSLCertFile: with no RootCAs the system store is
// used, and Go builds it from SSL_CERT_FILE when that is set.
func TestSystemStoreHonoursSSLCertFile(t *testing.T) {
	rcv := newReceiver(t, "s", time.Now())
	url := "WEBHOOK_CHILD_URL=" + rcv.srv.URL + "/hook"
	if out := runChild(t, url, "SSL_CERT_FILE="+writeCA(t, rcv)); !strings.Contains(out, "RESULT status=204 err=<nil>") {
		t.Fatalf("with SSL_CERT_FILE the receiver's certificate was not trusted:\n%s", out)
	}
	empty := filepath.Join(t.TempDir(), "empty.pem")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if out := runChild(t, url, "SSL_CERT_FILE="+empty, "SSL_CERT_DIR="+t.TempDir()); !strings.Contains(out, "RESULT status=0") || !strings.Contains(out, "certificate") {
		t.Fatalf("without it the receiver's certificate was trusted:\n%s", out)
	}
}

func TestDeliverRefusesHTTP(t *testing.T) {
	strict := webhook.NewClient(webhook.Options{Resolver: &resolver{hosts: map[string][]string{"hooks.example.com": {"93.184.215.14"}}}})
	if _, err := strict.Deliver(context.Background(), "http://hooks.example.com/x", "s", []byte("{}")); !errors.Is(err, webhook.ErrNotHTTPS) {
		t.Fatalf("http: %v", err)
	}
}

func TestPackageValidateURL(t *testing.T) {
	// The package function uses the system resolver; literals need none.
	if err := webhook.ValidateURL("https://127.0.0.1/x", false); !errors.Is(err, webhook.ErrRefusedAddress) {
		t.Errorf("loopback literal: %v", err)
	}
	if err := webhook.ValidateURL("https://[::ffff:169.254.169.254]/latest", false); !errors.Is(err, webhook.ErrRefusedAddress) {
		t.Errorf("mapped metadata literal: %v", err)
	}
	if err := webhook.ValidateURL("https://1.1.1.1/x", false); err != nil {
		t.Errorf("public literal: %v", err)
	}
	if err := webhook.ValidateURL("http://127.0.0.1:8080/x", true); err != nil {
		t.Errorf("allowPrivate: %v", err)
	}
	if _, err := url.Parse("https://[::1]/"); err != nil {
		t.Fatal(err)
	}
}
