// Package idp is Gatehouse's side of OpenID Connect single sign-on with a
// tenant's identity provider: discovery, the authorization request (state,
// nonce and PKCE), the code exchange and the verification of the ID token
// (signature, issuer, audience, expiry, nonce), with coreos/go-oidc and
// golang.org/x/oauth2. It owns no rules about administrators: models does.
//
// Every request goes through one HTTP client with timeouts, bounded answers,
// no redirects and no proxy, whose dialer refuses loopback, private,
// link-local and other non-public addresses (an issuer URL is typed by a
// tenant's administrator; Gatehouse must not be made to reach its own
// network), unless AllowPrivate (GATEHOUSE_SSO_ALLOW_PRIVATE=true: an
// identity provider inside the operator's network, development, tests).
package idp

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"code.dny.dev/ssrf"
	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Kinds of Error, for errors.Is.
var (
	// ErrBadIssuer: the issuer URL is not acceptable (not https, has a
	// query or credentials, too long).
	ErrBadIssuer = errors.New("idp: bad issuer URL")
	// ErrDiscovery: the provider's OpenID configuration could not be read.
	ErrDiscovery = errors.New("idp: discovery failed")
	// ErrExchange: the token endpoint refused the code or could not be reached.
	ErrExchange = errors.New("idp: code exchange failed")
	// ErrIDToken: the ID token is missing, or its signature, issuer,
	// audience, expiry or nonce is wrong.
	ErrIDToken = errors.New("idp: ID token refused")
)

// Error is every error of this package: Message is a sentence for a form
// field or the log.
type Error struct {
	Kind    error
	Message string
	Err     error
}

func (e *Error) Error() string        { return e.Message }
func (e *Error) Is(target error) bool { return target == e.Kind }
func (e *Error) Unwrap() error        { return e.Err }

func fail(kind, cause error, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...), Err: cause}
}

// MaxIssuerURL is the longest issuer URL accepted.
const MaxIssuerURL = 500

// maxBody bounds what is read of any answer.
const maxBody = 1 << 20

// providerTTL is how long a discovered provider (and its signing keys,
// which go-oidc refreshes when it meets an unknown key id) is reused.
const providerTTL = 15 * time.Minute

// Options configure a Client.
type Options struct {
	// AllowPrivate is GATEHOUSE_SSO_ALLOW_PRIVATE: http issuers and any
	// address allowed.
	AllowPrivate bool
	// Timeout bounds each request (default 10 s).
	Timeout time.Duration
	// RootCAs verify the providers' certificates; nil: the system store.
	RootCAs *x509.CertPool
}

// Client talks to identity providers. Safe for concurrent use; keep one.
type Client struct {
	allowPrivate bool
	http         *http.Client

	mu        sync.Mutex
	providers map[string]cachedProvider
}

type cachedProvider struct {
	p       *oidc.Provider
	fetched time.Time
}

// NewClient returns a Client configured by opts.
func NewClient(opts Options) *Client {
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	if !opts.AllowPrivate {
		dialer.Control = ssrf.New(ssrf.WithAnyPort()).Safe
	}
	transport := &http.Transport{
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		TLSClientConfig:        &tls.Config{RootCAs: opts.RootCAs, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:    5 * time.Second,
		ResponseHeaderTimeout:  timeout,
		MaxIdleConnsPerHost:    2,
		IdleConnTimeout:        60 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	return &Client{
		allowPrivate: opts.AllowPrivate,
		providers:    map[string]cachedProvider{},
		http: &http.Client{
			Transport:     limitedBody{transport},
			Timeout:       timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

// limitedBody cuts every answer at maxBody.
type limitedBody struct{ rt http.RoundTripper }

func (l limitedBody) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := l.rt.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	res.Body = struct {
		io.Reader
		io.Closer
	}{io.LimitReader(res.Body, maxBody), res.Body}
	return res, nil
}

// CheckIssuer checks an issuer URL's form: absolute https (http only with
// AllowPrivate), a host, no credentials, query or fragment. It returns the
// URL without a trailing slash.
func (c *Client) CheckIssuer(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", fail(ErrBadIssuer, nil, "Enter the issuer URL of your identity provider, such as https://login.example.com/realms/staff.")
	}
	if len(raw) > MaxIssuerURL {
		return "", fail(ErrBadIssuer, nil, "The issuer URL can be at most %d characters.", MaxIssuerURL)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return "", fail(ErrBadIssuer, err, "Enter an absolute URL such as https://login.example.com/realms/staff.")
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && c.allowPrivate:
	default:
		return "", fail(ErrBadIssuer, nil, "The issuer URL must start with https://.")
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(raw, "?#") {
		return "", fail(ErrBadIssuer, nil, "The issuer URL cannot contain a user name, a query (?…) or a fragment (#…).")
	}
	// Issuers are compared as written: keep what was typed, less a final slash.
	return strings.TrimRight(raw, "/"), nil
}

// Discover reads the provider's OpenID configuration (issuer +
// /.well-known/openid-configuration), checking that it names this issuer,
// within the client's timeout. A provider is reused for 15 minutes unless
// fresh is set (settings being saved).
func (c *Client) Discover(ctx context.Context, issuer string, fresh bool) (*oidc.Provider, error) {
	issuer, err := c.CheckIssuer(issuer)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	cp, ok := c.providers[issuer]
	c.mu.Unlock()
	if ok && !fresh && time.Since(cp.fetched) < providerTTL {
		return cp.p, nil
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, c.http), issuer)
	if err != nil {
		msg := err.Error()
		var ue *url.Error
		if errors.As(err, &ue) {
			msg = ue.Err.Error()
		}
		return nil, fail(ErrDiscovery, err, "Gatehouse could not read the OpenID configuration at %s/.well-known/openid-configuration: %s.", issuer, strings.TrimSuffix(msg, "."))
	}
	if p.Endpoint().AuthURL == "" || p.Endpoint().TokenURL == "" {
		return nil, fail(ErrDiscovery, nil, "The OpenID configuration at %s names no authorization or token endpoint.", issuer)
	}
	c.mu.Lock()
	c.providers[issuer] = cachedProvider{p: p, fetched: time.Now()}
	c.mu.Unlock()
	return p, nil
}

// Config is a tenant's relying-party registration at its provider.
type Config struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	RedirectURL  string // Gatehouse's callback for the tenant
}

func (cfg Config) oauth2(p *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{
		ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
		Endpoint: p.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "email", "profile"},
	}
}

// Request is one authorization request's secrets: the state (answered
// back, binds the callback to the browser's pending sign-in), the nonce
// (must come back inside the ID token) and the PKCE verifier (its S256
// challenge goes with the request; the verifier with the code exchange).
type Request struct {
	State    string
	Nonce    string
	Verifier string
}

// AuthURL is the provider's authorization URL for a request, with the
// e-mail address typed on the sign-in page as login_hint when there is one.
func (c *Client) AuthURL(ctx context.Context, cfg Config, r Request, loginHint string) (string, error) {
	p, err := c.Discover(ctx, cfg.Issuer, false)
	if err != nil {
		return "", err
	}
	opts := []oauth2.AuthCodeOption{oidc.Nonce(r.Nonce), oauth2.S256ChallengeOption(r.Verifier)}
	if loginHint != "" {
		opts = append(opts, oauth2.SetAuthURLParam("login_hint", loginHint))
	}
	return cfg.oauth2(p).AuthCodeURL(r.State, opts...), nil
}

// Identity is what a verified ID token says about the person.
type Identity struct {
	Issuer        string
	Subject       string
	Email         string
	EmailVerified bool
}

// Exchange redeems an authorization code (with the request's PKCE
// verifier) at the provider's token endpoint, then verifies the ID token it
// answers: signature (the provider's published keys, the algorithms it
// announces), issuer, audience (our client id), expiry against now, and
// that its nonce is the request's.
func (c *Client) Exchange(ctx context.Context, cfg Config, r Request, code string, now func() time.Time) (Identity, error) {
	p, err := c.Discover(ctx, cfg.Issuer, false)
	if err != nil {
		return Identity{}, err
	}
	tok, err := cfg.oauth2(p).Exchange(oidc.ClientContext(ctx, c.http), code, oauth2.VerifierOption(r.Verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			detail := re.ErrorCode
			if detail == "" && re.Response != nil {
				detail = re.Response.Status
			}
			return Identity{}, fail(ErrExchange, err, "The identity provider refused the code: %s.", detail)
		}
		return Identity{}, fail(ErrExchange, err, "The identity provider's token endpoint could not be reached: %v.", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Identity{}, fail(ErrIDToken, nil, "The identity provider answered without an ID token.")
	}
	idt, err := p.VerifierContext(oidc.ClientContext(ctx, c.http), &oidc.Config{ClientID: cfg.ClientID, Now: now}).Verify(ctx, raw)
	if err != nil {
		return Identity{}, fail(ErrIDToken, err, "The ID token was refused: %v.", err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(r.Nonce)) != 1 || r.Nonce == "" {
		return Identity{}, fail(ErrIDToken, nil, "The ID token's nonce is not the one this sign-in sent.")
	}
	var claims struct {
		Email         string          `json:"email"`
		EmailVerified json.RawMessage `json:"email_verified"`
	}
	if err := idt.Claims(&claims); err != nil {
		return Identity{}, fail(ErrIDToken, err, "The ID token's claims could not be read: %v.", err)
	}
	return Identity{Issuer: idt.Issuer, Subject: idt.Subject, Email: claims.Email, EmailVerified: isTrue(claims.EmailVerified)}, nil
}

// isTrue reads email_verified: JSON true, or the string "true" that some
// providers send.
func isTrue(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	return s == "true" || s == `"true"`
}

// OriginOf is the origin (scheme://host[:port]) of an absolute URL, or "".
func OriginOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host)
}
