package models_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/idp"
	"gatehouse/models/idp/idptest"
	"gatehouse/models/modelstest"
)

func TestParseDomains(t *testing.T) {
	t.Parallel()
	for typed, want := range map[string]string{
		"example.com":                          "example.com",
		" Example.COM, @sub.example.org\nx.io": "example.com sub.example.org x.io",
		"a.example;a.example b.example":        "a.example b.example",
	} {
		got, msg := models.ParseDomains(typed)
		if msg != "" || strings.Join(got, " ") != want {
			t.Errorf("%q: %v %q", typed, got, msg)
		}
	}
	for _, bad := range []string{"", " , ", "localhost", "exa mple", "-bad.example", "bad-.example", "a..example", "example.com/x", "user@example.com@x", "http://example.com"} {
		if got, msg := models.ParseDomains(bad); msg == "" {
			t.Errorf("%q accepted: %v", bad, got)
		}
	}
	if _, msg := models.ParseDomains(strings.Repeat("d.example ", 51) + "z.example"); msg != "" {
		t.Errorf("51 distinct domains? %q", msg) // the repeats are one domain
	}
}

func TestCheckIssuer(t *testing.T) {
	t.Parallel()
	strict, lax := idp.NewClient(idp.Options{}), idp.NewClient(idp.Options{AllowPrivate: true})
	for raw, ok := range map[string]bool{
		"https://login.example.com/realms/staff":  true,
		"https://login.example.com/realms/staff/": true,
		"http://login.example.com":                false,
		"https://user:pw@login.example.com":       false,
		"https://login.example.com/?x=1":          false,
		"https://login.example.com/#f":            false,
		"login.example.com":                       false,
		"":                                        false,
		"https://" + strings.Repeat("a", 500):     false,
	} {
		got, err := strict.CheckIssuer(raw)
		if (err == nil) != ok {
			t.Errorf("%q: %v", raw, err)
		}
		if ok && strings.HasSuffix(got, "/") {
			t.Errorf("%q kept its final slash", raw)
		}
	}
	if _, err := lax.CheckIssuer("http://127.0.0.1:9999"); err != nil {
		t.Errorf("http with AllowPrivate: %v", err)
	}
	// Without AllowPrivate, a provider at a loopback address is never reached.
	var hits atomic.Int32
	local := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(local.Close)
	if _, err := strict.Discover(context.Background(), local.URL, true); !errors.Is(err, idp.ErrDiscovery) || hits.Load() != 0 {
		t.Errorf("loopback discovery: %v, %d requests", err, hits.Load())
	}
}

// TestSaveSSOSettingsDiscoveryTimeout: a provider that does not answer is a
// message beside issuer_url within the client's timeout, and nothing is saved.
func TestSaveSSOSettingsDiscoveryTimeout(t *testing.T) {
	t.Parallel()
	db := modelstest.SQLite(t)
	s, clk := newStore(db)
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); slow.Close() })
	s.IdP = idp.NewClient(idp.Options{AllowPrivate: true, Timeout: 300 * time.Millisecond})
	ctx := context.Background()
	tn, a := activeAdmin(t, s)
	v := viewerOf(t, s, tn, a.ID)
	v.SteppedUpAt = clk.Now()
	start := time.Now()
	err := s.SaveSSOSettings(ctx, v, models.SSOSettings{IssuerURL: slow.URL, ClientID: "c", ClientSecret: "s", Domains: "example.com"}, models.Actor{})
	var verr *models.ValidationError
	if !errors.As(err, &verr) || !strings.Contains(verr.Fields["issuer_url"], "could not read the OpenID configuration") {
		t.Fatalf("hanging provider: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %v", d)
	}
	if _, ok, err := s.SSO(ctx, tn.ID); err != nil || ok {
		t.Fatalf("saved: %v %v", ok, err)
	}
}

// TestSSOSecretSealed: the client secret is stored sealed with the SSO key,
// and a store with another key cannot use it (it is refused, loudly logged,
// not sent to the provider garbled).
func TestSSOSecretSealed(t *testing.T) {
	t.Parallel()
	db := modelstest.SQLite(t)
	s, clk := newStore(db)
	op := idptest.Start(t)
	s.IdP = idp.NewClient(idp.Options{AllowPrivate: true})
	ctx := context.Background()
	tn, a := activeAdmin(t, s)
	v := viewerOf(t, s, tn, a.ID)
	v.SteppedUpAt = clk.Now()
	if err := s.SaveSSOSettings(ctx, v, models.SSOSettings{IssuerURL: op.Issuer, ClientID: op.ClientID, ClientSecret: op.ClientSecret, Domains: "example.com"}, models.Actor{}); err != nil {
		t.Fatal(err)
	}
	cfg, ok, err := s.SSO(ctx, tn.ID)
	if err != nil || !ok || strings.Contains(string(cfg.ClientSecret), op.ClientSecret) || cfg.AuthorizeOrigin != op.Issuer {
		t.Fatalf("stored %+v %v", cfg, err)
	}
	if _, u, err := s.StartSSO(ctx, tn, "a@example.com"); err != nil || !strings.HasPrefix(u, op.Issuer+"/authorize?") {
		t.Fatalf("start: %q %v", u, err)
	}
	other := modelstest.Store(db, "http://gatehouse.test", nil)
	other.SSOKey = []byte("another sso key of 32 bytes .....")
	other.IdP = s.IdP
	if _, _, err := other.StartSSO(ctx, tn, ""); err == nil {
		t.Fatal("a secret sealed with another key was used")
	}
}
