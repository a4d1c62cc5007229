package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
	gosmtp "github.com/wneessen/go-mail/smtp"
)

// Message is one rendered e-mail to one recipient.
type Message struct {
	To      string
	Subject string
	Text    string
	HTML    string
}

// Sender delivers a message or says why it could not.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Timeout bounds connecting to the SMTP server and each exchange with it.
const Timeout = 10 * time.Second

// NewSender returns the Sender for smtpURL (GATEHOUSE_SMTP_URL):
//
//   - "" : a LogSender; messages are written to logger, links included.
//   - smtp://[user:pass@]host[:port] : plain SMTP (port 25 by default) that
//     upgrades with STARTTLS whenever the server offers it.
//   - smtps://[user:pass@]host[:port] : implicit TLS (port 465 by default).
//
// from is the From address ("gatehouse@example.com" or
// "Gatehouse <gatehouse@example.com>"). Credentials, when given, are used
// with the best mechanism the server offers (PLAIN or LOGIN over TLS;
// SCRAM-SHA-256 or CRAM-MD5 preferred without TLS). A server that offers no
// TLS at all still gets them, as local relays often do not speak TLS; a
// warning is logged when a password goes over an unencrypted connection to a
// host other than loopback.
func NewSender(smtpURL, from string, logger *slog.Logger) (Sender, error) {
	if logger == nil {
		logger = slog.Default()
	}
	if strings.TrimSpace(smtpURL) == "" {
		return &LogSender{Logger: logger, From: from}, nil
	}
	cfg, err := parseSMTPURL(smtpURL)
	if err != nil {
		return nil, err
	}
	if from == "" {
		return nil, errors.New("mail: a From address is required to send over SMTP")
	}
	if _, err := mail.ParseAddress(from); err != nil {
		return nil, fmt.Errorf("mail: invalid From address %q: %v", from, err)
	}
	s := &SMTPSender{cfg: cfg, from: from, logger: logger, timeout: Timeout}
	// Build a client once so that bad settings fail at start, not at the
	// first message.
	if _, err := s.client(); err != nil {
		return nil, fmt.Errorf("mail: %w", err)
	}
	return s, nil
}

// smtpConfig is a parsed GATEHOUSE_SMTP_URL.
type smtpConfig struct {
	host     string
	port     int
	ssl      bool // smtps://
	user     string
	password string
}

func parseSMTPURL(raw string) (smtpConfig, error) {
	var cfg smtpConfig
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		// url.Error repeats the whole URL, password included: keep only the reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return cfg, fmt.Errorf("mail: invalid SMTP URL (want smtp://[user:pass@]host:port or smtps://...): %v", err)
	}
	switch strings.ToLower(u.Scheme) {
	case "smtp":
		cfg.port = 25
	case "smtps":
		cfg.ssl = true
		cfg.port = 465
	default:
		return cfg, fmt.Errorf("mail: SMTP URL must start with smtp:// or smtps://, got %q", redact(u))
	}
	cfg.host = u.Hostname()
	if cfg.host == "" {
		return cfg, fmt.Errorf("mail: SMTP URL %q has no host", redact(u))
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return cfg, fmt.Errorf("mail: SMTP URL %q has an invalid port %q", redact(u), p)
		}
		cfg.port = n
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.Fragment != "" {
		return cfg, fmt.Errorf("mail: SMTP URL %q must be only scheme, credentials, host and port", redact(u))
	}
	if u.User != nil {
		cfg.user = u.User.Username()
		cfg.password, _ = u.User.Password()
		if cfg.user == "" {
			return cfg, fmt.Errorf("mail: SMTP URL %q has a password but no user name", redact(u))
		}
	}
	return cfg, nil
}

// redact shows a URL without its password.
func redact(u *url.URL) string { return u.Redacted() }

// SMTPSender delivers messages to an SMTP server, one connection per message.
// It is safe for concurrent use.
type SMTPSender struct {
	cfg     smtpConfig
	from    string
	logger  *slog.Logger
	timeout time.Duration
	rootCAs *x509.CertPool // tests: trust a self-signed server certificate

	warnOnce sync.Once
}

// Addr is the server's host:port.
func (s *SMTPSender) Addr() string {
	return net.JoinHostPort(s.cfg.host, strconv.Itoa(s.cfg.port))
}

// client builds a go-mail client. A new one per message keeps Send safe for
// concurrent use (go-mail clients carry per-connection authentication state).
func (s *SMTPSender) client() (*gomail.Client, error) {
	tlsCfg := &tls.Config{ServerName: s.cfg.host, MinVersion: tls.VersionTLS12, RootCAs: s.rootCAs}
	opts := []gomail.Option{
		gomail.WithPort(s.cfg.port),
		gomail.WithTimeout(s.timeout),
		gomail.WithTLSConfig(tlsCfg),
	}
	if s.cfg.ssl {
		opts = append(opts, gomail.WithSSL())
	} else {
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if s.cfg.user != "" {
		opts = append(opts, gomail.WithSMTPAuthCustom(&smtpAuth{sender: s}))
	}
	return gomail.NewClient(s.cfg.host, opts...)
}

// Send delivers m, as multipart/alternative when it has both a text and an
// HTML body.
func (s *SMTPSender) Send(ctx context.Context, m Message) error {
	msg, err := s.build(m)
	if err != nil {
		return err
	}
	c, err := s.client()
	if err != nil {
		return err
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("smtp %s: %w", s.Addr(), err)
	}
	return nil
}

func (s *SMTPSender) build(m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.From(s.from); err != nil {
		return nil, fmt.Errorf("from %q: %w", s.from, err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("to %q: %w", m.To, err)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageID()
	switch {
	case m.Text != "" && m.HTML != "":
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	case m.HTML != "":
		msg.SetBodyString(gomail.TypeTextHTML, m.HTML)
	default:
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	}
	return msg, nil
}

// smtpAuth picks a mechanism among those the server advertises, once the
// connection is (or is not) encrypted.
type smtpAuth struct {
	sender *SMTPSender
	inner  gosmtp.Auth
}

func (a *smtpAuth) Start(server *gosmtp.ServerInfo) (string, []byte, error) {
	cfg := a.sender.cfg
	prefer := []string{"PLAIN", "LOGIN", "SCRAM-SHA-256", "CRAM-MD5"}
	if !server.TLS {
		prefer = []string{"SCRAM-SHA-256", "CRAM-MD5", "PLAIN", "LOGIN"}
	}
	offered := make([]string, len(server.Auth))
	for i, m := range server.Auth {
		offered[i] = strings.ToUpper(m)
	}
	var mech string
	for _, m := range prefer {
		if slices.Contains(offered, m) {
			mech = m
			break
		}
	}
	switch mech {
	case "PLAIN":
		a.inner = gosmtp.PlainAuth("", cfg.user, cfg.password, server.Name, true)
	case "LOGIN":
		a.inner = gosmtp.LoginAuth(cfg.user, cfg.password, server.Name, true)
	case "SCRAM-SHA-256":
		a.inner = gosmtp.ScramSHA256Auth(cfg.user, cfg.password)
	case "CRAM-MD5":
		a.inner = gosmtp.CRAMMD5Auth(cfg.user, cfg.password)
	default:
		if len(offered) == 0 {
			return "", nil, fmt.Errorf("a user is configured but the server offers no authentication")
		}
		return "", nil, fmt.Errorf("the server offers no supported authentication mechanism (it offers %s)", strings.Join(offered, " "))
	}
	if !server.TLS && (mech == "PLAIN" || mech == "LOGIN") && !isLoopback(cfg.host) {
		a.sender.warnOnce.Do(func() {
			a.sender.logger.Warn("SMTP server offers no TLS: the SMTP password is sent unencrypted; use smtps:// or a server with STARTTLS",
				"host", cfg.host)
		})
	}
	return a.inner.Start(server)
}

func (a *smtpAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	if a.inner == nil {
		return nil, errors.New("smtp auth: not started")
	}
	return a.inner.Next(fromServer, more)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// LogSender writes every message to the log instead of sending it: the
// development default when GATEHOUSE_SMTP_URL is unset, so the links in
// invitations and resets can be followed from the terminal.
type LogSender struct {
	Logger *slog.Logger
	From   string
}

var linkRE = regexp.MustCompile(`https?://[^\s<>"']+`)

// Send logs m at Info level: recipient, subject, the links it contains and
// the whole text body.
func (s *LogSender) Send(ctx context.Context, m Message) error {
	logger := s.Logger
	if logger == nil {
		logger = slog.Default()
	}
	body := m.Text
	if body == "" {
		body = m.HTML
	}
	links := linkRE.FindAllString(body, -1)
	logger.InfoContext(ctx, "e-mail not sent (GATEHOUSE_SMTP_URL is unset); here it is",
		"to", m.To, "from", s.From, "subject", m.Subject, "links", links, "text", body)
	return nil
}
