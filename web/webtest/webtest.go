// Package webtest runs the real Gatehouse server (every middleware, real
// handlers, a fresh database) on a loopback port for tests, with clients
// that keep cookies and submit forms the way a browser does (CSRF token
// taken from the page).
package webtest

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/models/passwords"
	"gatehouse/views/emails"
	"gatehouse/web"

	"github.com/labstack/echo/v4"
)

// Clock is a settable clock shared by the store and the sessions.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Add moves the clock forward.
func (c *Clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// App is a running server over a test database.
type App struct {
	T      testing.TB
	DB     modelstest.DB
	Store  *models.Store
	Server *httptest.Server
	Web    *web.Server
	Clock  *Clock
	Config web.Config
	// base is where the clients reach the app (the test server's URL, with
	// localhost for its address under Options.Localhost).
	base string
}

// Options tune a test App.
type Options struct {
	// RealClock uses time.Now instead of a settable clock (browser tests).
	RealClock bool
	// WakeMail is called when a handler queued mail.
	WakeMail func()
	// HTTPS gives the app an https:// base URL (the test server still
	// speaks plain HTTP): Secure cookies, HSTS.
	HTTPS bool
	// Instrument, when set, gives the server's outermost middlewares
	// (metrics, tracing) for the app's store.
	Instrument func(*models.Store) []echo.MiddlewareFunc
	// Env adds configuration variables (GATEHOUSE_TRUSTED_PROXIES, ...).
	Env map[string]string
	// Limits replace the default rate limits when set.
	Limits *web.Limits
	// Logger receives the app's logs (default: discarded, or the test log
	// at warning level under -v).
	Logger *slog.Logger
	// Localhost gives the app a base URL with the host name localhost
	// instead of 127.0.0.1, and has the clients use it: passkeys need a
	// host name (a WebAuthn relying party id cannot be an IP address).
	Localhost bool
}

// Start runs the app over db.
func Start(t testing.TB, db modelstest.DB, opts Options) *App {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	srv.Start()
	t.Cleanup(srv.Close)
	base := srv.URL
	if opts.Localhost {
		base = strings.Replace(base, "127.0.0.1", "localhost", 1)
	}
	cfg, err := web.LoadConfig(func(k string) string {
		switch k {
		case "GATEHOUSE_BASE_URL":
			if opts.HTTPS {
				return strings.Replace(base, "http://", "https://", 1)
			}
			return base
		case "GATEHOUSE_SECRET_KEY":
			return "test-secret-key-test-secret-key-0123456789"
		}
		return opts.Env[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	if opts.Limits != nil {
		cfg.Limits = *opts.Limits
	}
	clk := &Clock{t: time.Now().UTC()}
	store, err := models.NewStore(db.DB, cfg.BaseURL, emails.Renderer{}, cfg.StoreKeys())
	if err != nil {
		t.Fatal(err)
	}
	if !opts.RealClock {
		store.Now = clk.Now
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	var instrument []echo.MiddlewareFunc
	if opts.Instrument != nil {
		instrument = opts.Instrument(store)
	}
	if opts.Logger != nil {
		logger = opts.Logger
	}
	store.Logger = logger
	store.IdP = cfg.IdP()
	store.Webhooks = cfg.WebhookClient()
	ws := web.New(cfg, web.Deps{Models: store, Logger: logger, WakeMail: opts.WakeMail, Instrument: instrument})
	srv.Config.Handler = ws.Echo
	return &App{T: t, DB: db, Store: store, Server: srv, Web: ws, Clock: clk, Config: cfg, base: base}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// URL is the absolute URL of path.
func (a *App) URL(path string) string { return a.base + path }

// Tenant creates a tenant and returns it with its first admin's invitation token.
func (a *App) Tenant(slug string, plan models.Plan, adminEmail string) (models.Tenant, models.Administrator, string) {
	a.T.Helper()
	t, admin, link, err := a.Store.CreateTenant(context.Background(), models.CreateTenantInput{
		Slug: slug, Name: strings.ToUpper(slug[:1]) + slug[1:], Plan: plan, AdminEmail: adminEmail,
		AdminGivenName: "Olivia", AdminFamilyName: "Owner"}, models.Actor{Email: "test"})
	if err != nil {
		a.T.Fatal(err)
	}
	return t, admin, link[strings.LastIndex(link, "/")+1:]
}

// Password is the password test administrators get.
const Password = "correct horse battery staple"

// Owner creates a tenant, accepts its invitation and returns a client
// signed in as its first Tenant Admin.
func (a *App) Owner(slug, email string) (*Client, models.Tenant, models.Administrator) {
	a.T.Helper()
	t, admin, tok := a.Tenant(slug, models.PlanEnterprise, email)
	c := a.Client()
	c.AcceptInvitation(tok, Password)
	c.SignIn(slug, email, Password)
	return c, t, admin
}

// Client is a browser-like HTTP client: a cookie jar, no automatic redirects.
type Client struct {
	app  *App
	HTTP *http.Client
}

// Client returns a fresh client with an empty cookie jar.
func (a *App) Client() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{app: a, HTTP: &http.Client{
		Jar:           jar,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Response is what a request got.
type Response struct {
	Status   int
	Body     string
	Header   http.Header
	Location string
}

// Get fetches path.
func (c *Client) Get(path string) *Response {
	c.app.T.Helper()
	return c.do(http.MethodGet, path, nil, "")
}

// Post posts form values as they are (the caller supplies _csrf if wanted).
func (c *Client) Post(path string, vals url.Values) *Response {
	c.app.T.Helper()
	return c.do(http.MethodPost, path, strings.NewReader(vals.Encode()), "application/x-www-form-urlencoded")
}

// Submit loads page, takes the CSRF token from its form, and posts vals to
// action, as a browser submitting that page's form would.
func (c *Client) Submit(page, action string, vals url.Values) *Response {
	c.app.T.Helper()
	r := c.Get(page)
	tok := CSRFToken(r.Body)
	if tok == "" {
		c.app.T.Fatalf("no CSRF token on %s (status %d)", page, r.Status)
	}
	v := url.Values{}
	for k, vs := range vals {
		v[k] = vs
	}
	v.Set("_csrf", tok)
	return c.Post(action, v)
}

// SubmitPage posts vals to action with the CSRF token of a page already
// fetched, as a browser submitting that page's form would (without loading
// the page again: some pages, like TOTP enrolment, change when reloaded).
func (c *Client) SubmitPage(page *Response, action string, vals url.Values) *Response {
	c.app.T.Helper()
	tok := CSRFToken(page.Body)
	if tok == "" {
		c.app.T.Fatalf("no CSRF token on the page (status %d)", page.Status)
	}
	v := url.Values{}
	for k, vs := range vals {
		v[k] = vs
	}
	v.Set("_csrf", tok)
	return c.Post(action, v)
}

func (c *Client) do(method, path string, body io.Reader, ctype string) *Response {
	c.app.T.Helper()
	req, err := http.NewRequest(method, c.app.URL(path), body)
	if err != nil {
		c.app.T.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		c.app.T.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.app.T.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return &Response{Status: res.StatusCode, Body: string(b), Header: res.Header, Location: res.Header.Get("Location")}
}

var csrfRE = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// CSRFToken returns the first CSRF token in an HTML page.
func CSRFToken(html string) string {
	m := csrfRE.FindStringSubmatch(html)
	if m == nil {
		return ""
	}
	return m[1]
}

// AcceptInvitation sets a password through the invitation page.
func (c *Client) AcceptInvitation(token, password string) {
	c.app.T.Helper()
	r := c.Submit("/invitations/"+token, "/invitations/"+token, url.Values{"password": {password}, "password_confirm": {password}})
	if r.Status != http.StatusSeeOther {
		c.app.T.Fatalf("accept invitation: status %d\n%s", r.Status, r.Body)
	}
}

// SignIn signs in through the sign-in page.
func (c *Client) SignIn(slug, email, password string) {
	c.app.T.Helper()
	r := c.Submit("/t/"+slug+"/login", "/t/"+slug+"/login", url.Values{"email": {email}, "password": {password}})
	if r.Status != http.StatusSeeOther {
		c.app.T.Fatalf("sign in: status %d\n%s", r.Status, r.Body)
	}
}

// PostJSON posts a JSON body (a WebAuthn ceremony's) with the CSRF token
// in the X-CSRF-Token header, as the page's script does.
func (c *Client) PostJSON(path, csrf string, body []byte) *Response {
	c.app.T.Helper()
	req, err := http.NewRequest(http.MethodPost, c.app.URL(path), strings.NewReader(string(body)))
	if err != nil {
		c.app.T.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		c.app.T.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return &Response{Status: res.StatusCode, Body: string(b), Header: res.Header, Location: res.Header.Get("Location")}
}

// GetURL fetches an absolute URL (another server's: an identity provider).
func (c *Client) GetURL(raw string) *Response {
	c.app.T.Helper()
	res, err := c.HTTP.Get(raw)
	if err != nil {
		c.app.T.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return &Response{Status: res.StatusCode, Body: string(b), Header: res.Header, Location: res.Header.Get("Location")}
}

// Cookie returns the value of a cookie the client holds for the app.
func (c *Client) Cookie(name string) string {
	u, _ := url.Parse(c.app.base)
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// Ctx is a background context for store calls in tests.
func Ctx() context.Context { return context.Background() }

// AdminWithRoles inserts an active administrator of tenant with the given
// role keys (tenant-wide) and the test password, bypassing the UI.
func (a *App) AdminWithRoles(tenant models.Tenant, email string, roles ...string) models.Administrator {
	a.T.Helper()
	hash, err := passwords.Hash(context.Background(), Password)
	if err != nil {
		a.T.Fatal(err)
	}
	var pool models.IdentityPool
	if err := a.DB.DB.Where("tenant_id = ? AND kind = ?", tenant.ID, models.PoolAdministrators).Take(&pool).Error; err != nil {
		a.T.Fatal(err)
	}
	now := a.Store.Now().UTC()
	admin := models.Administrator{TenantID: tenant.ID, PoolID: pool.ID, Email: email, GivenName: "Test",
		FamilyName: strings.Join(roles, " "), Status: models.AdminActive, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
	if err := a.DB.DB.Create(&admin).Error; err != nil {
		a.T.Fatal(err)
	}
	for _, r := range roles {
		if err := a.DB.DB.Create(&models.RoleBinding{TenantID: tenant.ID, AdministratorID: admin.ID, RoleKey: r, CreatedAt: now}).Error; err != nil {
			a.T.Fatal(err)
		}
	}
	return admin
}

// SignedInAs creates an administrator with roles and returns a client signed in as them.
func (a *App) SignedInAs(tenant models.Tenant, email string, roles ...string) (*Client, models.Administrator) {
	a.T.Helper()
	admin := a.AdminWithRoles(tenant, email, roles...)
	c := a.Client()
	c.SignIn(tenant.Slug, email, Password)
	return c, admin
}
