package web

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"gatehouse/models"
	"gatehouse/models/idp"
	"gatehouse/models/passwords"
	"gatehouse/web/limit"
	"gatehouse/web/webhook"
)

// Config is Gatehouse's configuration, read from the environment (names in SPEC.md).
type Config struct {
	Addr            string        // GATEHOUSE_ADDR, default 127.0.0.1:8080
	DatabaseURL     string        // DATABASE_URL; empty = SQLite in DataDir
	DataDir         string        // GATEHOUSE_DATA_DIR, default ./data
	BaseURL         string        // GATEHOUSE_BASE_URL, default http:// + Addr
	SecretKey       string        // GATEHOUSE_SECRET_KEY (≥ 32 characters)
	SMTPURL         string        // GATEHOUSE_SMTP_URL; empty = mail to the log
	SMSURL          string        // GATEHOUSE_SMS_URL: the HTTP SMS gateway; empty = text messages to the log
	MailFrom        string        // GATEHOUSE_MAIL_FROM, default gatehouse@<base URL host>
	InvitationTTL   time.Duration // GATEHOUSE_INVITATION_TTL, default 168h
	ResetTTL        time.Duration // GATEHOUSE_RESET_TTL, default 1h
	IdleTimeout     time.Duration // session idle timeout (30 min)
	AbsoluteTimeout time.Duration // session absolute timeout (12 h)
	BodyLimit       string        // request body limit (1M)
	// TrustedProxies (GATEHOUSE_TRUSTED_PROXIES, comma-separated IPs or
	// CIDRs) are the proxies whose X-Forwarded-For is believed for the
	// client address; none = the connection's address only.
	TrustedProxies []*net.IPNet
	// Limits are the per-client-address rate limits.
	Limits Limits
	// SSOAllowPrivate (GATEHOUSE_SSO_ALLOW_PRIVATE=true) lets tenants'
	// single sign-on reach identity providers on http and at loopback or
	// private addresses (a provider inside the operator's network,
	// development, tests). Off: https and public addresses only.
	SSOAllowPrivate bool
	// WebhookAllowPrivate (GATEHOUSE_WEBHOOK_ALLOW_PRIVATE=true) lets
	// webhooks use http and reach loopback and private addresses
	// (development, tests). Off: https and public addresses only, checked
	// at save and at connect time.
	WebhookAllowPrivate bool
}

// Limits are the per-client-address rate limits of unsafe requests (429
// with Retry-After beyond them).
type Limits struct {
	SignIn        limit.Rate // every sign-in step: POST /t/:tenant/login, /login/enroll, /login/restart
	Codes         limit.Rate // e-mailed sign-in codes asked for (first step and resend)
	Invitations   limit.Rate // accepting administrator and organization invitations
	PasswordReset limit.Rate // setting a password from a reset link
	// SignInInFlight bounds the sign-in steps worked on at once, over all
	// addresses; more are answered 429 at once.
	SignInInFlight int
	// API is each management API token's rate (zero: DefaultAPIRate).
	API limit.Rate
	// InFlight bounds the other requests worked on at once (zero:
	// DefaultInFlight); more wait their turn, in order, for at most
	// InFlightWait (zero: 10 s), then are answered 503.
	InFlight     int
	InFlightWait time.Duration
}

// DefaultInFlight lets four requests a core (at least eight) be worked on
// at once: enough to keep the cores and the database busy, few enough that
// each is answered soon after its turn comes; GATEHOUSE_MAX_IN_FLIGHT sets
// it (raise it when many requests wait on something else than this
// machine and its database).
var DefaultInFlight = max(8, 4*runtime.GOMAXPROCS(0))

func (l Limits) inFlight() (int, time.Duration) {
	n, wait := l.InFlight, l.InFlightWait
	if n <= 0 {
		n = DefaultInFlight
	}
	if wait <= 0 {
		wait = 10 * time.Second
	}
	return n, wait
}

// DefaultAPIRate lets a script make 20 requests a second, in bursts of 40.
var DefaultAPIRate = limit.Rate{PerMinute: 1200, Burst: 40}

func (l Limits) apiRate() limit.Rate {
	if l.API.PerMinute <= 0 || l.API.Burst <= 0 {
		return DefaultAPIRate
	}
	return l.API
}

// DefaultLimits leave room for a busy office behind one address (a few
// administrators signing in at once, each with a typo or two) while
// cutting a flood from one address down to a trickle.
var DefaultLimits = Limits{
	SignIn:        limit.Rate{PerMinute: 30, Burst: 30},
	Codes:         limit.Rate{PerMinute: 6, Burst: 6},
	Invitations:   limit.Rate{PerMinute: 10, Burst: 10},
	PasswordReset: limit.Rate{PerMinute: 10, Burst: 10},
	// The password hashing queue (every slot and waiting place) and as
	// many again for steps that hash nothing (TOTP, e-mailed codes):
	// enough to keep the queue busy, few enough that each step let in is
	// answered quickly.
	SignInInFlight: 2*passwords.DefaultSlots + passwords.DefaultWaiting,
}

// LoadConfig reads the configuration from getenv (os.Getenv in production).
func LoadConfig(getenv func(string) string) (Config, error) {
	c := Config{
		Addr:            or(getenv("GATEHOUSE_ADDR"), "127.0.0.1:8080"),
		DatabaseURL:     strings.TrimSpace(getenv("DATABASE_URL")),
		DataDir:         or(getenv("GATEHOUSE_DATA_DIR"), "./data"),
		SecretKey:       getenv("GATEHOUSE_SECRET_KEY"),
		SMTPURL:         strings.TrimSpace(getenv("GATEHOUSE_SMTP_URL")),
		SMSURL:          strings.TrimSpace(getenv("GATEHOUSE_SMS_URL")),
		MailFrom:        strings.TrimSpace(getenv("GATEHOUSE_MAIL_FROM")),
		InvitationTTL:   7 * 24 * time.Hour,
		ResetTTL:        time.Hour,
		IdleTimeout:     30 * time.Minute,
		AbsoluteTimeout: 12 * time.Hour,
		BodyLimit:       "1M",
		Limits:          DefaultLimits,
	}
	c.BaseURL = strings.TrimRight(or(getenv("GATEHOUSE_BASE_URL"), "http://"+c.Addr), "/")
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, fmt.Errorf("GATEHOUSE_BASE_URL must be an http(s) URL, got %q", c.BaseURL)
	}
	if c.MailFrom == "" {
		c.MailFrom = "gatehouse@" + u.Hostname()
		if net.ParseIP(u.Hostname()) != nil || !strings.Contains(u.Hostname(), ".") {
			c.MailFrom = "gatehouse@localhost"
		}
	}
	for name, dst := range map[string]*time.Duration{
		"GATEHOUSE_INVITATION_TTL": &c.InvitationTTL,
		"GATEHOUSE_RESET_TTL":      &c.ResetTTL,
	} {
		if v := getenv(name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return c, fmt.Errorf("%s must be a positive duration such as 72h, got %q", name, v)
			}
			*dst = d
		}
	}
	if v := strings.TrimSpace(getenv("GATEHOUSE_TRUSTED_PROXIES")); v != "" {
		for _, part := range strings.Split(v, ",") {
			n, err := parseIPNet(strings.TrimSpace(part))
			if err != nil {
				return c, fmt.Errorf("GATEHOUSE_TRUSTED_PROXIES must list IP addresses or CIDR ranges separated by commas, got %q", part)
			}
			c.TrustedProxies = append(c.TrustedProxies, n)
		}
	}
	switch v := strings.TrimSpace(getenv("GATEHOUSE_SSO_ALLOW_PRIVATE")); v {
	case "", "false", "0":
	case "true", "1":
		c.SSOAllowPrivate = true
	default:
		return c, fmt.Errorf("GATEHOUSE_SSO_ALLOW_PRIVATE must be true or false, got %q", v)
	}
	switch v := strings.TrimSpace(getenv("GATEHOUSE_WEBHOOK_ALLOW_PRIVATE")); v {
	case "", "false", "0":
	case "true", "1":
		c.WebhookAllowPrivate = true
	default:
		return c, fmt.Errorf("GATEHOUSE_WEBHOOK_ALLOW_PRIVATE must be true or false, got %q", v)
	}
	if v := strings.TrimSpace(getenv("GATEHOUSE_MAX_IN_FLIGHT")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return c, fmt.Errorf("GATEHOUSE_MAX_IN_FLIGHT must be a whole number of at least 1, got %q", v)
		}
		c.Limits.InFlight = n
	}
	if c.SecretKey != "" && len(c.SecretKey) < 32 {
		return c, errors.New("GATEHOUSE_SECRET_KEY must be at least 32 characters")
	}
	return c, nil
}

// SecureCookies reports whether cookies must be marked Secure (https base URL).
func (c Config) SecureCookies() bool { return strings.HasPrefix(c.BaseURL, "https://") }

// EnsureSecretKey fills SecretKey when unset: in development it is generated
// once and kept in the data directory, with a warning.
func (c *Config) EnsureSecretKey(logger *slog.Logger) error {
	if c.SecretKey != "" {
		return nil
	}
	path := filepath.Join(c.DataDir, "secret.key")
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		c.SecretKey = strings.TrimSpace(string(b))
		logger.Warn("GATEHOUSE_SECRET_KEY is not set; using the development key kept in the data directory", "path", path)
		return nil
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	c.SecretKey = base64.RawURLEncoding.EncodeToString(b)
	if err := os.WriteFile(path, []byte(c.SecretKey+"\n"), 0o600); err != nil {
		return fmt.Errorf("keep generated secret key: %w", err)
	}
	logger.Warn("GATEHOUSE_SECRET_KEY is not set; generated a development key and kept it in the data directory (set the variable in production, the same on every replica)", "path", path)
	return nil
}

// StoreKeys are the models.Store's keys, derived from the secret key;
// empty (refused by models.NewStore) while no secret key is set.
func (c Config) StoreKeys() models.Keys {
	if c.SecretKey == "" {
		return models.Keys{}
	}
	return models.Keys{TOTP: c.Key("totp-secrets"), Code: c.Key("sign-in-codes"), SSO: c.Key("sso-secrets")}
}

// Key derives a 32-byte key for one purpose from the secret key.
func (c Config) Key(purpose string) []byte {
	k, err := hkdf.Key(sha256.New, []byte(c.SecretKey), nil, "gatehouse/"+purpose, 32)
	if err != nil {
		panic(err) // only for absurd lengths
	}
	return k
}

// IdP is the client that reaches tenants' identity providers.
func (c Config) IdP() *idp.Client {
	return idp.NewClient(idp.Options{AllowPrivate: c.SSOAllowPrivate})
}

// WebhookClient is the client that checks webhook URLs and delivers.
func (c Config) WebhookClient() *webhook.Client {
	return webhook.NewClient(webhook.Options{AllowPrivate: c.WebhookAllowPrivate})
}

// parseIPNet reads an IP address (a range of one) or a CIDR range.
func parseIPNet(s string) (*net.IPNet, error) {
	if strings.Contains(s, "/") {
		_, n, err := net.ParseCIDR(s)
		return n, err
	}
	ip := net.ParseIP(s)
	if ip == nil {
		return nil, errors.New("not an IP address")
	}
	bits := 128
	if ip4 := ip.To4(); ip4 != nil {
		ip, bits = ip4, 32
	}
	return &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)}, nil
}

func or(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return strings.TrimSpace(v)
}
