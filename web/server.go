// Package web is the HTTP server: the only place that knows the middleware
// order and the URL map.
package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"gatehouse/handlers"
	"gatehouse/models"
	"gatehouse/models/passwords"
	"gatehouse/static"
	"gatehouse/views/layout"
	"gatehouse/views/pages"
	"gatehouse/web/limit"
	gm "gatehouse/web/middleware"
	"gatehouse/web/render"
	"gatehouse/web/session"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// Deps are the server's collaborators.
type Deps struct {
	Models   *models.Store
	Logger   *slog.Logger
	WakeMail func()
	// Instrument are middlewares (metrics, tracing) installed before
	// everything else, routing included, in this order.
	Instrument []echo.MiddlewareFunc
}

// Server is the wired HTTP application.
type Server struct {
	Echo   *echo.Echo
	Routes *RouteTable
}

// New builds the Echo application: recover, request id, access log,
// security headers, body limit, CSRF, static files, error pages, routes.
func New(cfg Config, deps Deps) *Server {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.IPExtractor = ipExtractor(cfg)
	logger := deps.Logger

	sessions := &session.Store{Models: deps.Models, Idle: cfg.IdleTimeout, Absolute: cfg.AbsoluteTimeout,
		Secure: cfg.SecureCookies(), Now: deps.Models.Now, ClientIP: e.IPExtractor}
	flashes := session.NewFlashes(cfg.Key("flash"), cfg.SecureCookies())
	renderer := &render.Renderer{Flashes: flashes}
	limits := &routeLimits{
		signIn:        limit.New(cfg.Limits.SignIn),
		invitations:   limit.New(cfg.Limits.Invitations),
		passwordReset: limit.New(cfg.Limits.PasswordReset),
		signInFlight:  limit.NewInFlight(cfg.Limits.SignInInFlight),
		api:           limit.New(cfg.Limits.apiRate()),
		byRoute:       map[string]*limit.Limiter{},
	}
	limits.gate = limit.NewGate(cfg.Limits.inFlight())
	h := &handlers.Handler{Models: deps.Models, Sessions: sessions, Flashes: flashes, R: renderer,
		Logger: logger, WakeMail: deps.WakeMail, CodeLimit: limit.New(cfg.Limits.Codes)}
	guards := &gm.Guards{Models: deps.Models, Sessions: sessions, Flashes: flashes}

	e.HTTPErrorHandler = errorHandler(renderer, guards, logger)
	e.Pre(deps.Instrument...)
	e.Pre(headAsGet)
	e.Pre(middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{
		RedirectCode: http.StatusMovedPermanently,
		Skipper:      func(c echo.Context) bool { return isTenantRoot(c.Request().URL.Path) },
	}))
	e.Use(middleware.RequestID())
	e.Use(accessLog(logger))
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			logger.Error("panic", "err", err, "request_id", c.Response().Header().Get(echo.HeaderXRequestID), "stack", string(stack))
			return err
		},
	}))
	e.Use(gm.SecurityHeaders(cfg.SecureCookies()))
	// Text responses go gzipped to clients that accept it (a list page
	// shrinks about fivefold); tiny ones and streams are left alone.
	e.Use(middleware.GzipWithConfig(middleware.GzipConfig{Level: 5, MinLength: 1024}))
	e.Use(middleware.BodyLimit(cfg.BodyLimit))
	e.Use(readForm)

	e.GET("/static/*", echo.WrapHandler(static.Handler()))
	e.GET("/favicon.ico", echo.WrapHandler(static.Favicon()))
	e.GET("/healthz", h.Healthz)
	e.GET("/readyz", h.Readyz)

	// Every page and form goes through the CSRF defence (Origin check and a
	// token bound to the session). The coming /api/v1 authenticates with
	// bearer tokens only (no cookies): register it on e, outside this
	// group, or exempt its paths with csrf.Skip.
	csrf, err := gm.NewCSRF(sessions, cfg.Key("csrf"), cfg.BaseURL, cfg.SecureCookies())
	if err != nil {
		panic("web.New: GATEHOUSE_BASE_URL: " + err.Error()) // LoadConfig has checked it
	}
	csrf.Skip = isAPI // bearer tokens only: no cookie is ever looked at there
	// The rate limits come first: a request over its limit costs nothing
	// more (no tenant lookup, no session).
	app := e.Group("", csrf.Provide, limits.middleware, csrf.Middleware)
	rt := routes(app, h, guards, limits)
	renderer.Routes = rt.Perms
	return &Server{Echo: e, Routes: rt}
}

// ipExtractor is how the client address is found: the connection's
// address, or with GATEHOUSE_TRUSTED_PROXIES the nearest address in
// X-Forwarded-For that is not one of those proxies (nothing else is
// trusted: not loopback, nor private networks, unless listed).
func ipExtractor(cfg Config) echo.IPExtractor {
	if len(cfg.TrustedProxies) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range cfg.TrustedProxies {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// routeLimits are the per-address rate limiters of the routes: routes.go
// names the limiter of each limited route (limit), and middleware applies
// it before anything else runs for the request.
type routeLimits struct {
	signIn, invitations, passwordReset *limit.Limiter
	signInFlight                       *limit.InFlight           // sign-in steps worked on at once
	gate                               *limit.Gate               // every other request worked on at once
	api                                *limit.Limiter            // per API token
	byRoute                            map[string]*limit.Limiter // "METHOD path" → limiter
}

// limit puts the route method path (as registered, e.g.
// "/t/:tenant/login") under l.
func (rl *routeLimits) limit(l *limit.Limiter, method, path string) {
	rl.byRoute[method+" "+path] = l
}

// middleware applies the route's rate limit, then lets the request in:
// a sign-in step through the sign-in bound (turned away at once when full:
// the password hashing queue behind it has its own order), any other
// request through the gate (in turn).
func (rl *routeLimits) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		var l *limit.Limiter
		if len(rl.byRoute) > 0 {
			l = rl.byRoute[c.Request().Method+" "+c.Path()]
		}
		if l != nil {
			if err := l.Allow(c); err != nil {
				return err
			}
		}
		var release func()
		var err error
		if l != nil && l == rl.signIn {
			release, err = rl.signInFlight.Enter()
		} else {
			release, err = rl.gate.Enter(c.Request().Context())
		}
		if err != nil {
			return err
		}
		defer release()
		return next(c)
	}
}

// isTenantRoot reports whether path is /t/{tenant}/ (which keeps its slash).
func isTenantRoot(path string) bool {
	if !strings.HasPrefix(path, "/t/") || !strings.HasSuffix(path, "/") {
		return false
	}
	return !strings.Contains(strings.TrimSuffix(strings.TrimPrefix(path, "/t/"), "/"), "/")
}

func accessLog(logger *slog.Logger) echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogURI: true, LogMethod: true, LogLatency: true, LogRequestID: true, LogRemoteIP: true,
		LogError: true, HandleError: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			attrs := []slog.Attr{
				slog.String("method", v.Method), slog.String("uri", redactURI(v.URI)), slog.Int("status", v.Status),
				slog.Duration("latency", v.Latency), slog.String("request_id", v.RequestID), slog.String("ip", v.RemoteIP),
			}
			level := slog.LevelInfo
			if v.Status >= 500 {
				level = slog.LevelError
				if v.Error != nil {
					attrs = append(attrs, slog.String("err", v.Error.Error()))
				}
			}
			logger.LogAttrs(c.Request().Context(), level, "request", attrs...)
			return nil
		},
	})
}

// redactURI keeps one-time tokens out of the access log: invitation and
// reset tokens in paths, and the authorization code (and state) a single
// sign-on callback gets in its query.
func redactURI(u string) string {
	for _, p := range []string{"/invitations/", "/password-reset/"} {
		if i := strings.Index(u, p); i >= 0 {
			return u[:i+len(p)] + "…"
		}
	}
	if i := strings.Index(u, "/login/sso/callback?"); i >= 0 {
		return u[:i+len("/login/sso/callback?")] + "…"
	}
	return u
}

// errorHandler renders 403, 404, 413 and 500 pages in the app's layout.
func errorHandler(r *render.Renderer, guards *gm.Guards, logger *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		if errors.Is(err, context.Canceled) && c.Request().Context().Err() != nil {
			// The client went away before its answer: nobody to answer, and
			// nothing failed (the access log shows 499).
			c.Response().Status = 499
			return
		}
		if isAPI(c) {
			if status := handlers.APIError(c, err); status >= 500 {
				logger.Error("request failed", "err", err, "request_id", c.Response().Header().Get(echo.HeaderXRequestID),
					"method", c.Request().Method, "uri", c.Request().URL.Path)
			}
			return
		}
		status := http.StatusInternalServerError
		var he *echo.HTTPError
		switch {
		case errors.As(err, &he):
			status = he.Code
		case errors.Is(err, models.ErrNotFound):
			status = http.StatusNotFound
		case errors.Is(err, models.ErrForbidden), errors.Is(err, gm.ErrCSRFToken), errors.Is(err, gm.ErrCrossOrigin):
			status = http.StatusForbidden
		}
		var tooMany *limit.TooMany
		switch {
		case errors.As(err, &tooMany):
			status = http.StatusTooManyRequests
			c.Response().Header().Set("Retry-After", strconv.Itoa(tooMany.RetryAfterSeconds()))
		case errors.Is(err, passwords.ErrBusy):
			status = http.StatusTooManyRequests
			c.Response().Header().Set("Retry-After", "1")
		case errors.Is(err, limit.ErrBusy):
			status = http.StatusServiceUnavailable
			c.Response().Header().Set("Retry-After", "1")
		}
		d := pages.ErrorData{Status: status, RequestID: c.Response().Header().Get(echo.HeaderXRequestID)}
		switch status {
		case http.StatusNotFound:
			d.Title, d.Message = "Page not found", "There is nothing here, or you do not have access to it."
		case http.StatusForbidden:
			d.Title, d.Message = "Access denied", "You do not have permission to do this. Ask a Tenant Admin if you need access."
			switch {
			case handlers.RefusalReason(err) != "": // a business rule said why (handlers/outcome.go)
				d.Title, d.Message = "Not allowed", handlers.RefusalReason(err)
			case errors.Is(err, gm.ErrCSRFToken):
				d.Title, d.Message = "This form has expired", "Go back, reload the page and try again."
			case errors.Is(err, gm.ErrCrossOrigin):
				d.Title, d.Message = "Request refused", "This request came from another site. Open Gatehouse itself and try again there."
			}
		case http.StatusTooManyRequests:
			d.Title, d.Message = "Too many requests", "There have been many attempts from your network in a short time. Wait a minute and try again."
			if errors.Is(err, passwords.ErrBusy) {
				d.Message = "Gatehouse is checking many passwords right now. Wait a moment and try again."
			}
		case http.StatusRequestEntityTooLarge:
			d.Title, d.Message = "Request too large", "What you sent is larger than this app accepts (1 MB)."
		case http.StatusServiceUnavailable:
			d.Title, d.Message = "Gatehouse is busy", "Many requests are being worked on right now. Wait a moment and try again."
		case http.StatusMethodNotAllowed:
			d.Title, d.Message = "Method not allowed", "This address does not accept that kind of request."
		case http.StatusUnauthorized:
			d.Title, d.Message = "Sign in required", "Sign in to continue."
		default:
			if status >= 500 {
				status = http.StatusInternalServerError
				d.Status = status
				d.Title, d.Message = "Something went wrong", "The error has been logged. Try again in a moment."
				logger.Error("request failed", "err", err, "request_id", d.RequestID, "method", c.Request().Method, "uri", redactURI(c.Request().RequestURI))
			} else {
				d.Title, d.Message = http.StatusText(status), "The request could not be handled."
			}
		}
		p := errorPage(r, guards, c, d.Title)
		if p.SignedIn() {
			d.HomeHref = p.TenantPath("/")
		}
		if c.Request().Method == http.MethodHead {
			_ = c.NoContent(status)
			return
		}
		if rerr := render.Render(c, status, pages.Error(p, d)); rerr != nil {
			logger.Error("render error page", "err", rerr)
			_ = c.String(status, d.Title)
		}
	}
}

// errorPage builds the layout for an error: with navigation when the
// request is signed in to the URL's tenant.
func errorPage(r *render.Renderer, guards *gm.Guards, c echo.Context, title string) layout.Page {
	if render.Viewer(c) == nil {
		if t, ok := render.Tenant(c); ok {
			if sess, err := guards.Sessions.Load(c); err == nil && sess.SignedInTo(t.ID) {
				if v, err := guards.Models.LoadViewer(c.Request().Context(), t, sess.AdminID()); err == nil {
					render.SetViewer(c, &v)
				}
			}
		}
	}
	return r.Page(c, title)
}

// readForm reads a posted form before the CSRF check, so that a body over
// the limit sent without a Content-Length (chunked) is refused as too
// large (413) rather than as a form without its token.
func readForm(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if req.Method == http.MethodPost && strings.HasPrefix(req.Header.Get(echo.HeaderContentType), echo.MIMEApplicationForm) {
			if err := req.ParseForm(); err != nil {
				var he *echo.HTTPError
				if errors.As(err, &he) {
					return he
				}
				return echo.NewHTTPError(http.StatusBadRequest, "the form could not be read")
			}
		}
		return next(c)
	}
}

// headAsGet answers HEAD like GET (the router knows only GET routes):
// net/http sends the headers and drops the body, so a monitor's HEAD / is
// 200 like its GET, not 405.
func headAsGet(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Request().Method == http.MethodHead {
			c.Request().Method = http.MethodGet
		}
		return next(c)
	}
}

// isAPI reports whether the request is for the management API (/api/…):
// JSON errors, bearer tokens, no CSRF.
func isAPI(c echo.Context) bool {
	p := c.Request().URL.Path
	return p == "/api" || strings.HasPrefix(p, "/api/")
}
