package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"code.dny.dev/ssrf"
)

// MaxURLLength is the longest webhook URL accepted.
const MaxURLLength = 2048

// maxResponseBody is how much of a receiver's answer is read (and dropped).
const maxResponseBody = 64 << 10

// UserAgent is sent with every delivery.
const UserAgent = "Gatehouse-Webhook/1.0"

// The kinds of Error, for errors.Is.
var (
	// ErrBadURL: not an absolute http(s) URL, credentials in it, too long...
	ErrBadURL = errors.New("webhook: bad URL")
	// ErrNotHTTPS: an http URL while private addresses are not allowed.
	ErrNotHTTPS = errors.New("webhook: URL is not https")
	// ErrRefusedAddress: the host is, or resolves to, an address that is not
	// public (loopback, private, link-local, metadata, ...).
	ErrRefusedAddress = errors.New("webhook: address not allowed")
	// ErrUnresolvable: the host name does not resolve.
	ErrUnresolvable = errors.New("webhook: host not found")
	// ErrStatus: the receiver answered, with a status other than 2xx
	// (redirects included: they are not followed).
	ErrStatus = errors.New("webhook: receiver answered with a non-2xx status")
	// ErrDelivery: the request could not be made or answered (connection
	// refused, TLS failure, timeout, ...).
	ErrDelivery = errors.New("webhook: delivery failed")
)

// Error is every error ValidateURL and Deliver return. Message is a sentence
// for the form field (url) or the delivery log.
type Error struct {
	Kind    error
	Message string
	Status  int   // for ErrStatus
	Err     error // underlying cause, if any
}

func (e *Error) Error() string { return e.Message }

// Is makes errors.Is(err, ErrRefusedAddress) and the like work.
func (e *Error) Is(target error) bool { return target == e.Kind }

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

func fail(kind, cause error, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...), Err: cause}
}

// Resolver looks up a host's addresses; *net.Resolver is one. Tests pass a
// map so that no real DNS is asked.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Options configure a Client. The zero value is the production setting.
type Options struct {
	// AllowPrivate is GATEHOUSE_WEBHOOK_ALLOW_PRIVATE: no address checks,
	// http allowed. For development and tests only.
	AllowPrivate bool
	// Timeout bounds a whole attempt (connect, TLS, request, answer);
	// default 10 s. The context given to Deliver may end it sooner.
	Timeout time.Duration
	// RootCAs verify the receivers' certificates; nil means the system store
	// (which honours SSL_CERT_FILE and SSL_CERT_DIR).
	RootCAs *x509.CertPool
	// Resolver resolves host names; nil means net.DefaultResolver.
	Resolver Resolver
	// Now gives the signature's timestamp; nil means time.Now.
	Now func() time.Time
}

// Client delivers webhooks. It is safe for concurrent use; make one and keep
// it (it pools connections).
type Client struct {
	allowPrivate bool
	resolver     Resolver
	now          func() time.Time
	guardian     *ssrf.Guardian
	http         *http.Client
}

// NewClient returns a Client configured by opts.
func NewClient(opts Options) *Client {
	c := &Client{
		allowPrivate: opts.AllowPrivate,
		resolver:     opts.Resolver,
		now:          opts.Now,
		guardian:     ssrf.New(ssrf.WithAnyPort()),
	}
	if c.resolver == nil {
		c.resolver = net.DefaultResolver
	}
	if c.now == nil {
		c.now = time.Now
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	if !c.allowPrivate {
		// The last word: checked on the address the socket is about to
		// connect to, whatever resolved it.
		dialer.Control = c.guardian.Safe
	}
	transport := &http.Transport{
		Proxy:                  nil, // never: a proxy would connect past the address check
		DialContext:            c.dialContext(dialer),
		TLSClientConfig:        &tls.Config{RootCAs: opts.RootCAs, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:    5 * time.Second,
		ResponseHeaderTimeout:  timeout,
		ExpectContinueTimeout:  time.Second,
		MaxIdleConns:           32,
		MaxIdleConnsPerHost:    2,
		IdleConnTimeout:        60 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	c.http = &http.Client{
		Transport: transport,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	return c
}

// dialContext resolves with c.resolver and dials the addresses in turn with
// dialer, whose Control refuses what is not public.
func (c *Client) dialContext(dialer *net.Dialer) func(ctx context.Context, network, address string) (net.Conn, error) {
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(address)
		if err != nil {
			return nil, err
		}
		addrs, err := c.lookup(ctx, host)
		if err != nil {
			return nil, err
		}
		var first error
		for _, a := range addrs {
			conn, err := dialer.DialContext(ctx, network, net.JoinHostPort(a.Unmap().String(), port))
			if err == nil {
				return conn, nil
			}
			if first == nil {
				first = err
			}
			if ctx.Err() != nil {
				break
			}
		}
		return nil, first
	}
}

// lookup returns host's addresses: the host itself if it is an IP literal.
func (c *Client) lookup(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a}, nil
	}
	addrs, err := c.resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, fail(ErrUnresolvable, err, "The host %s could not be resolved.", host)
	}
	if len(addrs) == 0 {
		return nil, fail(ErrUnresolvable, nil, "The host %s has no address.", host)
	}
	return addrs, nil
}

// ValidateURL checks a webhook URL when it is saved, resolving its host with
// the system resolver (for at most 5 s). See Client.ValidateURL.
func ValidateURL(raw string, allowPrivate bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return NewClient(Options{AllowPrivate: allowPrivate}).ValidateURL(ctx, raw)
}

// ValidateURL checks a webhook URL when it is saved: an absolute https URL
// (http too when private addresses are allowed) without credentials, whose
// host is a public address or a name all of whose addresses are public.
// Deliver checks the address again when it connects.
func (c *Client) ValidateURL(ctx context.Context, raw string) error {
	u, err := c.parseURL(raw)
	if err != nil {
		return err
	}
	if c.allowPrivate {
		return nil
	}
	addrs, err := c.lookup(ctx, u.Hostname())
	if err != nil {
		return err
	}
	for _, a := range addrs {
		// Unmapped, as the dialer connects to ::ffff:a.b.c.d as a.b.c.d.
		if err := c.guardian.SafeAddr(a.Unmap()); err != nil {
			return refused(u.Hostname(), a, err)
		}
	}
	return nil
}

func (c *Client) parseURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, fail(ErrBadURL, nil, "Enter the URL that receives the events.")
	}
	if len(raw) > MaxURLLength {
		return nil, fail(ErrBadURL, nil, "The URL is too long (at most %d characters).", MaxURLLength)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fail(ErrBadURL, err, "This is not a valid URL.")
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && c.allowPrivate:
	case u.Scheme == "http":
		return nil, fail(ErrNotHTTPS, nil, "The URL must start with https://.")
	default:
		return nil, fail(ErrBadURL, nil, "The URL must be an absolute https:// URL.")
	}
	if u.Host == "" || u.Hostname() == "" || u.Opaque != "" {
		return nil, fail(ErrBadURL, nil, "The URL must be an absolute https:// URL with a host.")
	}
	if u.User != nil {
		return nil, fail(ErrBadURL, nil, "The URL must not contain a user name or password; verify deliveries with the signature instead.")
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return nil, fail(ErrBadURL, nil, "The URL must not contain a fragment (#...).")
	}
	if p := u.Port(); p != "" {
		var n int
		if _, err := fmt.Sscanf(p, "%d", &n); err != nil || n < 1 || n > 65535 {
			return nil, fail(ErrBadURL, err, "The port %s is not valid.", p)
		}
	}
	return u, nil
}

// refused explains, for the form or the delivery log, why an address is not
// allowed.
func refused(host string, a netip.Addr, cause error) *Error {
	what := describe(a)
	if host == a.String() {
		return fail(ErrRefusedAddress, cause, "The address %s is %s; webhooks are delivered only to public internet addresses.", a, what)
	}
	return fail(ErrRefusedAddress, cause, "%s resolves to %s, which is %s; webhooks are delivered only to public internet addresses.", host, a, what)
}

var (
	cgnat     = netip.MustParsePrefix("100.64.0.0/10")
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	metadata4 = netip.MustParseAddr("169.254.169.254")
	metadata6 = netip.MustParseAddr("fd00:ec2::254")
)

func describe(a netip.Addr) string {
	switch {
	case a.Is4In6():
		return "an IPv4-mapped IPv6 address (of " + describe(a.Unmap()) + ")"
	case a == metadata4 || a == metadata6:
		return "the cloud instance metadata address"
	case a.IsLoopback():
		return "a loopback address"
	case a.IsPrivate():
		return "a private address"
	case a.IsLinkLocalUnicast():
		return "a link-local address"
	case a.IsUnspecified():
		return "an unspecified address"
	case a.IsMulticast():
		return "a multicast address"
	case cgnat.Contains(a):
		return "a shared (carrier-grade NAT) address"
	case nat64.Contains(a):
		return "a NAT64 address"
	default:
		return "a special-purpose address"
	}
}

// Deliver POSTs body (JSON) to rawURL, signed with secret, and returns the
// receiver's status. err is nil only for a 2xx answer; otherwise it is an
// *Error: ErrStatus (status set, redirects included), ErrRefusedAddress,
// ErrUnresolvable, ErrBadURL/ErrNotHTTPS, or ErrDelivery (status 0).
func (c *Client) Deliver(ctx context.Context, rawURL, secret string, body []byte) (status int, err error) {
	u, err := c.parseURL(rawURL)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return 0, fail(ErrBadURL, err, "This is not a valid URL.")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set(SignatureHeader, Sign(secret, c.now(), body))

	resp, err := c.http.Do(req)
	if err != nil {
		return 0, c.explain(u, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBody))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := fail(ErrStatus, nil, "The receiver answered %s.", statusText(resp.StatusCode))
		if loc := resp.Header.Get("Location"); loc != "" && resp.StatusCode >= 300 && resp.StatusCode < 400 {
			e.Message = fmt.Sprintf("The receiver answered %s (a redirect to %.200s, which is not followed).", statusText(resp.StatusCode), loc)
		}
		e.Status = resp.StatusCode
		return resp.StatusCode, e
	}
	return resp.StatusCode, nil
}

func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return fmt.Sprintf("%d %s", code, t)
	}
	return fmt.Sprint(code)
}

// explain turns a transport error into an *Error.
func (c *Client) explain(u *url.URL, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if errors.Is(err, ssrf.ErrProhibitedIP) || errors.Is(err, ssrf.ErrProhibitedNetwork) {
		var op *net.OpError
		if errors.As(err, &op) && op.Addr != nil {
			if ap, perr := netip.ParseAddrPort(op.Addr.String()); perr == nil {
				return refused(u.Hostname(), ap.Addr(), err)
			}
		}
		return fail(ErrRefusedAddress, err, "%s resolves to an address that is not public; webhooks are delivered only to public internet addresses.", u.Hostname())
	}
	var uerr *url.Error
	if errors.As(err, &uerr) && uerr.Timeout() {
		return fail(ErrDelivery, err, "The receiver did not answer in time.")
	}
	return fail(ErrDelivery, err, "The delivery failed: %s.", cause(err))
}

// cause is the innermost message of a transport error, without the
// "Post "https://...": " prefix that repeats the URL.
func cause(err error) string {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	return strings.TrimRight(err.Error(), ".")
}
