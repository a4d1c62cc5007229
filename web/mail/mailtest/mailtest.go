// Package mailtest runs an in-process SMTP server for tests: it accepts every
// message, decodes it (headers, text and HTML parts) and lets the test wait
// for the message sent to an address.
//
//	srv := mailtest.Start(t)
//	// ... point the code under test at srv.URL() ...
//	m := srv.WaitFor(t, "ann@example.com", 5*time.Second)
//	// m.Subject, m.Text, m.HTML
package mailtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Received is one message the server accepted.
type Received struct {
	From    string   // envelope sender (MAIL FROM)
	To      string   // first envelope recipient
	Rcpts   []string // all envelope recipients
	Subject string   // decoded Subject header
	Header  mail.Header
	Text    string // decoded text/plain part
	HTML    string // decoded text/html part
	Raw     []byte // the message as received (DATA)
	Auth    string // user name the client authenticated as, if any
}

// TLSMode says how the server offers TLS.
type TLSMode int

const (
	// NoTLS: plain SMTP, STARTTLS not offered (the default).
	NoTLS TLSMode = iota
	// StartTLS: plain SMTP that offers STARTTLS with a self-signed certificate.
	StartTLS
	// ImplicitTLS: TLS from the first byte (smtps), self-signed certificate.
	ImplicitTLS
)

// Options configures StartWith.
type Options struct {
	// Addr to listen on; default 127.0.0.1:0 (a free port).
	Addr string
	// Username and Password, when set, make the server offer AUTH PLAIN
	// (also without TLS) and require it before MAIL FROM.
	Username, Password string
	// TLS mode; the certificate is valid for 127.0.0.1 and localhost and
	// trusted by CertPool().
	TLS TLSMode
}

// Server is a running test SMTP server.
type Server struct {
	opts     Options
	srv      *smtp.Server
	ln       net.Listener
	certPool *x509.CertPool

	mu       sync.Mutex
	messages []Received
	closed   bool
}

// Start runs a server on a free port of 127.0.0.1; it stops when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartWith(t, Options{})
}

// StartOn runs a server on addr (e.g. an address that was unreachable a
// moment ago); it stops when the test ends.
func StartOn(t testing.TB, addr string) *Server {
	t.Helper()
	return StartWith(t, Options{Addr: addr})
}

// StartWith runs a server configured by opts; it stops when the test ends.
func StartWith(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	s := &Server{opts: opts}
	be := smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{server: s}, nil
	})
	srv := smtp.NewServer(be)
	srv.Domain = "mailtest.local"
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	srv.MaxMessageBytes = 10 << 20
	srv.MaxRecipients = 100
	srv.AllowInsecureAuth = true
	srv.ErrorLog = log.New(io.Discard, "", 0)
	s.srv = srv

	var ln net.Listener
	var err error
	// The address may have been released a moment ago; retry briefly.
	for i := 0; i < 50; i++ {
		ln, err = net.Listen("tcp", opts.Addr)
		if err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("mailtest: listen on %s: %v", opts.Addr, err)
	}
	if opts.TLS != NoTLS {
		cfg, pool, err := selfSigned()
		if err != nil {
			ln.Close()
			t.Fatalf("mailtest: certificate: %v", err)
		}
		s.certPool = pool
		if opts.TLS == StartTLS {
			srv.TLSConfig = cfg
		} else {
			ln = tls.NewListener(ln, cfg)
		}
	}
	s.ln = ln
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(s.Close)
	return s
}

// Addr is the host:port the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL is the server's address as a GATEHOUSE_SMTP_URL: smtp://host:port
// (smtps:// in ImplicitTLS mode), with the credentials when set.
func (s *Server) URL() string {
	scheme := "smtp"
	if s.opts.TLS == ImplicitTLS {
		scheme = "smtps"
	}
	user := ""
	if s.opts.Username != "" {
		user = urlEscape(s.opts.Username) + ":" + urlEscape(s.opts.Password) + "@"
	}
	return scheme + "://" + user + s.Addr()
}

// CertPool trusts the server's self-signed certificate (nil without TLS).
func (s *Server) CertPool() *x509.CertPool { return s.certPool }

// Messages returns a copy of the messages received so far, in order.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.messages...)
}

// MessagesTo returns the messages received so far for address to.
func (s *Server) MessagesTo(to string) []Received {
	var out []Received
	for _, m := range s.Messages() {
		if m.sentTo(to) {
			out = append(out, m)
		}
	}
	return out
}

// WaitFor waits until a message for address to has arrived and returns the
// first one; the test fails if none arrives within timeout.
func (s *Server) WaitFor(t testing.TB, to string, timeout time.Duration) Received {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if ms := s.MessagesTo(to); len(ms) > 0 {
			return ms[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailtest: no message to %s within %v (received %d other messages)", to, timeout, len(s.Messages()))
			return Received{}
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Close stops the server and drops its connections. It is safe to call
// more than once (it also runs when the test ends).
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	_ = s.srv.Close()
}

func (m Received) sentTo(to string) bool {
	for _, r := range m.Rcpts {
		if strings.EqualFold(r, to) {
			return true
		}
	}
	return false
}

func (s *Server) add(m Received) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = append(s.messages, m)
}

type session struct {
	server *Server
	authed string
	from   string
	rcpts  []string
}

var _ smtp.AuthSession = (*session)(nil)

func (s *session) AuthMechanisms() []string {
	if s.server.opts.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(mech string) (sasl.Server, error) {
	if s.server.opts.Username == "" || mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != s.server.opts.Username || password != s.server.opts.Password {
			return smtp.ErrAuthFailed
		}
		s.authed = username
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.server.opts.Username != "" && s.authed == "" {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.rcpts = append(s.rcpts, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := Parse(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "mailtest: unparsable message: " + err.Error()}
	}
	m.From = s.from
	m.Rcpts = append([]string(nil), s.rcpts...)
	if len(m.Rcpts) > 0 {
		m.To = m.Rcpts[0]
	}
	m.Auth = s.authed
	s.server.add(m)
	return nil
}

func (s *session) Reset() {
	s.from = ""
	s.rcpts = nil
}

func (s *session) Logout() error { return nil }

// Parse decodes a raw RFC 5322 message: headers, the decoded Subject and the
// text/plain and text/html bodies (from any multipart nesting, with
// quoted-printable or base64 transfer encoding). Envelope fields stay empty.
func Parse(raw []byte) (Received, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Received{}, err
	}
	m := Received{Header: msg.Header, Raw: raw}
	dec := new(mime.WordDecoder)
	if m.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		m.Subject = msg.Header.Get("Subject")
	}
	err = walkPart(&m, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	return m, err
}

func walkPart(m *Received, contentType, encoding string, body io.Reader) error {
	if contentType == "" {
		contentType = "text/plain"
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("content type %q: %w", contentType, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			// NextPart already undoes quoted-printable (and drops the header).
			if err := walkPart(m, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, &stripSpace{r: body})
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	text := strings.ReplaceAll(string(b), "\r\n", "\n")
	switch mediaType {
	case "text/plain":
		if m.Text == "" {
			m.Text = text
		}
	case "text/html":
		if m.HTML == "" {
			m.HTML = text
		}
	}
	return nil
}

// stripSpace drops line breaks and spaces so base64 bodies decode.
type stripSpace struct{ r io.Reader }

func (s *stripSpace) Read(p []byte) (int, error) {
	for {
		n, err := s.r.Read(p)
		j := 0
		for _, c := range p[:n] {
			if c != '\r' && c != '\n' && c != ' ' && c != '\t' {
				p[j] = c
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}

func urlEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// selfSigned makes a certificate for 127.0.0.1, ::1 and localhost and a pool
// that trusts it.
func selfSigned() (*tls.Config, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mailtest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	cfg := &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}},
		MinVersion:   tls.VersionTLS12,
	}
	return cfg, pool, nil
}
