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
	"strings"
	"time"
)

// Config is Gatehouse's configuration, read from the environment (names in SPEC.md).
type Config struct {
	Addr            string        // GATEHOUSE_ADDR, default 127.0.0.1:8080
	DatabaseURL     string        // DATABASE_URL; empty = SQLite in DataDir
	DataDir         string        // GATEHOUSE_DATA_DIR, default ./data
	BaseURL         string        // GATEHOUSE_BASE_URL, default http:// + Addr
	SecretKey       string        // GATEHOUSE_SECRET_KEY (≥ 32 characters)
	SMTPURL         string        // GATEHOUSE_SMTP_URL; empty = mail to the log
	MailFrom        string        // GATEHOUSE_MAIL_FROM, default gatehouse@<base URL host>
	InvitationTTL   time.Duration // GATEHOUSE_INVITATION_TTL, default 168h
	ResetTTL        time.Duration // GATEHOUSE_RESET_TTL, default 1h
	IdleTimeout     time.Duration // session idle timeout (30 min)
	AbsoluteTimeout time.Duration // session absolute timeout (12 h)
	BodyLimit       string        // request body limit (1M)
}

// LoadConfig reads the configuration from getenv (os.Getenv in production).
func LoadConfig(getenv func(string) string) (Config, error) {
	c := Config{
		Addr:            or(getenv("GATEHOUSE_ADDR"), "127.0.0.1:8080"),
		DatabaseURL:     strings.TrimSpace(getenv("DATABASE_URL")),
		DataDir:         or(getenv("GATEHOUSE_DATA_DIR"), "./data"),
		SecretKey:       getenv("GATEHOUSE_SECRET_KEY"),
		SMTPURL:         strings.TrimSpace(getenv("GATEHOUSE_SMTP_URL")),
		MailFrom:        strings.TrimSpace(getenv("GATEHOUSE_MAIL_FROM")),
		InvitationTTL:   7 * 24 * time.Hour,
		ResetTTL:        time.Hour,
		IdleTimeout:     30 * time.Minute,
		AbsoluteTimeout: 12 * time.Hour,
		BodyLimit:       "1M",
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

// Key derives a 32-byte key for one purpose from the secret key.
func (c Config) Key(purpose string) []byte {
	k, err := hkdf.Key(sha256.New, []byte(c.SecretKey), nil, "gatehouse/"+purpose, 32)
	if err != nil {
		panic(err) // only for absurd lengths
	}
	return k
}

func or(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return strings.TrimSpace(v)
}
