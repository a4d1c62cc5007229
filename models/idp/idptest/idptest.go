// Package idptest is an in-process OpenID provider for tests: discovery
// document, JWKS with a generated RSA key, an authorize endpoint that
// sends the browser straight back with a code (for whoever the test says
// signs in), and a token endpoint that checks the client's secret, the
// redirect URI and the PKCE verifier and answers a signed ID token. Its
// knobs make it misbehave the ways a test needs: a token signed with
// another key, the wrong nonce, audience or issuer, an expired token, an
// unverified address, codes honoured more than once.
package idptest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Provider is a running test provider.
type Provider struct {
	Server       *httptest.Server
	Issuer       string
	ClientID     string
	ClientSecret string

	key, otherKey *rsa.PrivateKey

	mu sync.Mutex
	// Who signs in at the authorize endpoint next, and how the token
	// endpoint misbehaves; change between sign-ins with Set.
	Email         string
	EmailVerified bool
	Knobs         Knobs
	codes         map[string]*grant
	// Authorizations are the authorize requests' query parameters, newest last.
	Authorizations []url.Values
	// Redemptions counts codes answered at the token endpoint.
	Redemptions int
}

// Knobs make the provider misbehave.
type Knobs struct {
	WrongKey       bool          // sign the ID token with a key not in the JWKS
	Nonce          string        // put this nonce in the ID token instead of the request's
	Audience       string        // this audience instead of the client id
	Issuer         string        // this issuer instead of the provider's
	Expired        bool          // an ID token that expired a minute ago
	NoIDToken      bool          // answer without an ID token
	ReuseCodes     bool          // honour a code more than once (a careless provider)
	EmailVerified  any           // email_verified as this value instead of a bool (e.g. "true")
	OmitVerified   bool          // no email_verified claim at all
	TokenDelay     time.Duration // wait before answering the token request
	DenyAuthorize  string        // answer the authorize request with this error
	IgnoreVerifier bool          // do not check PKCE
}

type grant struct {
	nonce, challenge, redirect, email string
	verified                          bool
	used                              bool
}

// Start runs a provider whose client is ("gatehouse", "s3cret").
func Start(t testing.TB) *Provider {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &Provider{ClientID: "gatehouse", ClientSecret: "s3cret", key: key, otherKey: other, EmailVerified: true, codes: map[string]*grant{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /keys", p.jwks)
	mux.HandleFunc("GET /authorize", p.authorize)
	mux.HandleFunc("POST /token", p.token)
	p.Server = httptest.NewServer(mux)
	t.Cleanup(p.Server.Close)
	p.Issuer = p.Server.URL
	return p
}

// Set changes who signs in next and the knobs, under the provider's lock.
func (p *Provider) Set(email string, verified bool, k Knobs) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.Email, p.EmailVerified, p.Knobs = email, verified, k
}

// LastAuthorization is the newest authorize request's parameters.
func (p *Provider) LastAuthorization() url.Values {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.Authorizations) == 0 {
		return nil
	}
	return p.Authorizations[len(p.Authorizations)-1]
}

func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                p.Issuer,
		"authorization_endpoint":                p.Issuer + "/authorize",
		"token_endpoint":                        p.Issuer + "/token",
		"jwks_uri":                              p.Issuer + "/keys",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
	})
}

func (p *Provider) jwks(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &p.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
}

func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p.mu.Lock()
	p.Authorizations = append(p.Authorizations, q)
	k := p.Knobs
	g := &grant{nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri"), email: p.Email, verified: p.EmailVerified}
	code := randomString()
	if q.Get("client_id") == p.ClientID && q.Get("response_type") == "code" && q.Get("code_challenge_method") == "S256" {
		p.codes[code] = g
	}
	p.mu.Unlock()
	back, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || back.Host == "" {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	v := back.Query()
	v.Set("state", q.Get("state"))
	if k.DenyAuthorize != "" {
		v.Set("error", k.DenyAuthorize)
	} else {
		v.Set("code", code)
	}
	back.RawQuery = v.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != p.ClientID || subtle.ConstantTimeCompare([]byte(secret), []byte(p.ClientSecret)) != 1 {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	p.mu.Lock()
	k := p.Knobs
	g := p.codes[r.PostForm.Get("code")]
	bad := g == nil || (g.used && !k.ReuseCodes) || r.PostForm.Get("grant_type") != "authorization_code" ||
		r.PostForm.Get("redirect_uri") != g.redirect
	if !bad && !k.IgnoreVerifier {
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		bad = base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge
	}
	if !bad {
		g.used = true
		p.Redemptions++
	}
	p.mu.Unlock()
	if k.TokenDelay > 0 {
		time.Sleep(k.TokenDelay)
	}
	if bad {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		return
	}
	now := time.Now()
	claims := map[string]any{
		"iss": p.Issuer, "aud": p.ClientID, "sub": "sub-" + g.email, "email": g.email, "email_verified": g.verified,
		"nonce": g.nonce, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
	}
	if k.Nonce != "" {
		claims["nonce"] = k.Nonce
	}
	if k.Audience != "" {
		claims["aud"] = k.Audience
	}
	if k.Issuer != "" {
		claims["iss"] = k.Issuer
	}
	if k.Expired {
		claims["iat"], claims["exp"] = now.Add(-10*time.Minute).Unix(), now.Add(-time.Minute).Unix()
	}
	if k.EmailVerified != nil {
		claims["email_verified"] = k.EmailVerified
	}
	if k.OmitVerified {
		delete(claims, "email_verified")
	}
	body := map[string]any{"access_token": randomString(), "token_type": "Bearer", "expires_in": 300}
	if !k.NoIDToken {
		key := p.key
		if k.WrongKey {
			key = p.otherKey
		}
		body["id_token"] = p.Sign(key, claims)
	}
	writeJSON(w, http.StatusOK, body)
}

// Sign makes a compact RS256 JWS (key id k1) of claims with key.
func (p *Provider) Sign(key *rsa.PrivateKey, claims map[string]any) string {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithHeader("kid", "k1").WithType("JWT"))
	if err != nil {
		panic(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := signer.Sign(payload)
	if err != nil {
		panic(err)
	}
	s, err := jws.CompactSerialize()
	if err != nil {
		panic(err)
	}
	return s
}

func randomString() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
