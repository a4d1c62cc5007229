// Command gatehouse runs the Gatehouse administration console and its
// maintenance commands: serve, migrate, tenant create, tenant flags, audit
// verify, seed.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"gatehouse/models"
	"gatehouse/models/migrations"
	"gatehouse/views/emails"
	"gatehouse/web"
	"gatehouse/web/mail"
	"gatehouse/web/telemetry"

	"gorm.io/gorm"
)

const usage = `Usage: gatehouse <command> [flags]

Commands:
  serve                      run the web console (listens on GATEHOUSE_ADDR)
  migrate                    bring the database schema up to date, then exit
  healthcheck                exit 0 if the server on GATEHOUSE_ADDR is ready (container health checks)
  tenant create --slug S --name N --plan P --admin-email E [--legacy]
                             create a tenant and invite its first Tenant Admin
                             (--legacy: a legacy tenant, administrators managed in its Admin workspace)
  tenant flags --slug S [--set NAME=on|off]
                             list a tenant's feature flags (admin_management,
                             advanced_admin_management), after changing one
  audit verify --tenant S    check a tenant's hash-chained audit log: "ok N events",
                             or the first event that breaks it (exit status 1)
  seed --tenant S --demo [--demo-password P] [--administrators N] [--workspaces N]
       [--organizations N] [--users N] [--members N [--organization NAME]]
       [--workspace W [--services N] [--clients N] [--events N]]
                             fill a demo tenant with data (see gatehouse seed --help)

Configuration comes from the environment: GATEHOUSE_ADDR, DATABASE_URL,
GATEHOUSE_DATA_DIR, GATEHOUSE_BASE_URL, GATEHOUSE_SECRET_KEY, GATEHOUSE_SMTP_URL,
GATEHOUSE_TRUSTED_PROXIES;
serve also reads GATEHOUSE_METRICS_ADDR and OTEL_EXPORTER_OTLP_ENDPOINT.
`

func main() {
	var out io.Writer = os.Stderr
	var fw *flushingWriter
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		// The server writes a line a request: gathered and written every
		// 100 ms (one write for many lines under load, not one each).
		fw = newFlushingWriter(os.Stderr, 100*time.Millisecond)
		out = fw
	}
	logger := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelInfo}))
	slog.SetDefault(logger)
	code := runMain(logger)
	if fw != nil {
		_ = fw.Close()
	}
	os.Exit(code)
}

// runMain runs the command line's command and returns the exit status.
func runMain(logger *slog.Logger) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, logger)
	if err == nil {
		return 0
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(os.Stderr, "gatehouse: %v\n\n%s", err, usage)
		return 2
	}
	var es exitStatus
	if errors.As(err, &es) {
		return int(es)
	}
	logger.Error("gatehouse failed", "err", err)
	return 1
}

// flushingWriter gathers what is written to it and writes it to w every
// interval, when a write would overflow its buffer, and at Close.
type flushingWriter struct {
	mu   sync.Mutex
	buf  *bufio.Writer
	stop chan struct{}
	done chan struct{}
}

func newFlushingWriter(w io.Writer, every time.Duration) *flushingWriter {
	f := &flushingWriter{buf: bufio.NewWriterSize(w, 64<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(f.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				f.mu.Lock()
				_ = f.buf.Flush()
				f.mu.Unlock()
			case <-f.stop:
				return
			}
		}
	}()
	return f
}

// Write keeps p (whole: a log line is never split between two writes).
func (f *flushingWriter) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(p) > f.buf.Available() && f.buf.Buffered() > 0 {
		if err := f.buf.Flush(); err != nil {
			return 0, err
		}
	}
	return f.buf.Write(p)
}

// Close writes what is left and stops the flushing.
func (f *flushingWriter) Close() error {
	select {
	case <-f.stop:
	default:
		close(f.stop)
		<-f.done
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.buf.Flush()
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// app is what every command shares: configuration, a migrated database and the store.
type app struct {
	cfg    web.Config
	db     *gorm.DB
	store  *models.Store
	logger *slog.Logger
}

func open(ctx context.Context, getenv func(string) string, logger *slog.Logger) (*app, error) {
	cfg, err := web.LoadConfig(getenv)
	if err != nil {
		return nil, err
	}
	db, err := models.Open(cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	if err := migrations.Run(ctx, db); err != nil {
		models.Close(db)
		return nil, err
	}
	// Every command uses the keys serve uses (the development key kept in
	// the data directory when GATEHOUSE_SECRET_KEY is unset).
	if err := cfg.EnsureSecretKey(logger); err != nil {
		models.Close(db)
		return nil, err
	}
	store, err := models.NewStore(db, cfg.BaseURL, emails.Renderer{}, cfg.StoreKeys())
	if err != nil {
		models.Close(db)
		return nil, err
	}
	store.InvitationTTL, store.ResetTTL, store.Logger = cfg.InvitationTTL, cfg.ResetTTL, logger
	store.IdP = cfg.IdP()
	store.Webhooks = cfg.WebhookClient()
	return &app{cfg: cfg, db: db, store: store, logger: logger}, nil
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, logger *slog.Logger) error {
	if len(args) == 0 {
		return usageError{"no command given"}
	}
	switch args[0] {
	case "serve":
		return serve(ctx, getenv, stdout, logger)
	case "migrate":
		a, err := open(ctx, getenv, logger)
		if err != nil {
			return err
		}
		defer models.Close(a.db)
		fmt.Fprintln(stdout, "database is up to date")
		return nil
	case "tenant":
		switch {
		case len(args) >= 2 && args[1] == "create":
			return tenantCreate(ctx, args[2:], getenv, stdout, logger)
		case len(args) >= 2 && args[1] == "flags":
			return tenantFlags(ctx, args[2:], getenv, stdout, logger)
		}
		return usageError{"unknown tenant command (did you mean `tenant create` or `tenant flags`?)"}
	case "audit":
		if len(args) < 2 || args[1] != "verify" {
			return usageError{"unknown audit command (did you mean `audit verify`?)"}
		}
		return auditVerify(ctx, args[2:], getenv, stdout, logger)
	case "seed":
		return seed(ctx, args[1:], getenv, stdout, logger)
	case "healthcheck":
		return healthcheck(ctx, getenv, stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return usageError{fmt.Sprintf("unknown command %q", args[0])}
}

func serve(ctx context.Context, getenv func(string) string, stdout io.Writer, logger *slog.Logger) error {
	tuneGC(getenv)
	tcfg, err := telemetry.LoadConfig(getenv)
	if err != nil {
		return err
	}
	a, err := open(ctx, getenv, logger)
	if err != nil {
		return err
	}
	defer models.Close(a.db)
	sender, err := mail.NewSender(a.cfg.SMTPURL, a.cfg.MailFrom, logger)
	if err != nil {
		return err
	}
	sms, err := mail.NewSMSSender(a.cfg.SMSURL, logger)
	if err != nil {
		return err
	}
	worker := &mail.Worker{DB: a.db, Sender: sender, SMS: sms, Webhooks: a.store, Logger: logger, Now: time.Now}
	tel, err := telemetry.Setup(ctx, tcfg, telemetry.Deps{Store: a.store, IdleTimeout: a.cfg.IdleTimeout, Logger: logger})
	if err != nil {
		return err
	}
	srv := web.New(a.cfg, web.Deps{Models: a.store, Logger: logger, WakeMail: worker.Wake, Instrument: tel.Middleware})

	if n, err := a.store.CountTenants(ctx); err == nil && n == 0 {
		const create = `go run ./cmd/gatehouse tenant create --slug acme --name "Acme" --plan enterprise --admin-email you@example.com`
		logger.Info("no tenant yet: create one and follow the printed invitation link", "command", create)
		fmt.Fprintf(stdout, "No tenant yet. In another terminal, create one and follow the invitation link it prints:\n\n    %s\n\n", create)
	}

	bg, cancelBG := context.WithCancel(context.Background())
	defer cancelBG()
	if err := startPprof(bg, getenv("GATEHOUSE_PPROF_ADDR"), logger); err != nil {
		return err
	}
	// done closes once the outbox worker and the job runner have stopped.
	done := make(chan struct{})
	runner := backgroundJobs(a.store, logger)
	var background sync.WaitGroup
	background.Add(2)
	go func() { defer background.Done(); worker.Run(bg) }()
	go func() { defer background.Done(); runner.Run(bg) }()
	go func() { background.Wait(); close(done) }()
	go sweepSessions(bg, a.store, a.cfg.IdleTimeout, logger)

	hs := &http.Server{
		Addr:              a.cfg.Addr,
		Handler:           srv.Echo,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	errc := make(chan error, 1)
	go func() {
		logger.Info("gatehouse listening", "addr", a.cfg.Addr, "base_url", a.cfg.BaseURL, "database", dbKind(a.cfg.DatabaseURL))
		if err := hs.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
		close(errc)
	}()
	select {
	case err := <-errc:
		if err != nil {
			return err
		}
	case <-ctx.Done():
	}
	drain(hs, cancelBG, done, tel, logger)
	return nil
}

// sweepSessions deletes timed-out sessions now and then, with passkey
// ceremonies never finished and old redeemed single sign-on codes.
func sweepSessions(ctx context.Context, store *models.Store, idle time.Duration, logger *slog.Logger) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		if n, err := store.DeleteExpiredSessions(ctx, idle); err != nil && ctx.Err() == nil {
			logger.Warn("sweep sessions", "err", err)
		} else if n > 0 {
			logger.Info("swept expired sessions", "count", n)
		}
		if _, err := store.DeleteExpiredChallenges(ctx); err != nil && ctx.Err() == nil {
			logger.Warn("sweep passkey challenges", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func dbKind(u string) string {
	if models.IsPostgresURL(u) {
		return "postgres"
	}
	return "sqlite"
}

func tenantCreate(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, logger *slog.Logger) error {
	fs := flag.NewFlagSet("tenant create", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	slug := fs.String("slug", "", "URL-safe tenant slug")
	name := fs.String("name", "", "tenant name")
	plan := fs.String("plan", "free", "free, professional or enterprise")
	email := fs.String("admin-email", "", "e-mail of the first Tenant Admin")
	given := fs.String("admin-given-name", "", "given name of the first Tenant Admin")
	family := fs.String("admin-family-name", "", "family name of the first Tenant Admin")
	legacy := fs.Bool("legacy", false, "a legacy tenant (administrators managed in the Admin workspace)")
	if done, err := parseFlags(fs, args, stdout, tenantCreateIntro); done || err != nil {
		return err
	}
	a, err := open(ctx, getenv, logger)
	if err != nil {
		return err
	}
	defer models.Close(a.db)
	t, admin, link, err := a.store.CreateTenant(ctx, models.CreateTenantInput{
		Slug: *slug, Name: *name, Plan: models.Plan(strings.ToLower(*plan)),
		AdminEmail: *email, AdminGivenName: *given, AdminFamilyName: *family, Legacy: *legacy,
	}, models.Actor{Email: "gatehouse tenant create", IP: "cli"})
	var verr *models.ValidationError
	if errors.As(err, &verr) {
		var msgs []string
		for f, m := range verr.Fields {
			msgs = append(msgs, "--"+strings.ReplaceAll(f, "_", "-")+": "+m)
		}
		return usageError{strings.Join(msgs, "; ")}
	}
	if err != nil {
		return err
	}
	// Deliver the invitation now when possible; otherwise `serve` retries.
	if sender, err := mail.NewSender(a.cfg.SMTPURL, a.cfg.MailFrom, logger); err == nil {
		w := &mail.Worker{DB: a.db, Sender: sender, Webhooks: a.store, Logger: logger, Now: time.Now}
		sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		if _, _, err := w.RunOnce(sctx); err != nil {
			logger.Warn("invitation e-mail not sent yet; `serve` will retry", "err", err)
		}
		cancel()
	}
	kind := ""
	if t.Legacy {
		kind = ", legacy: administrators are managed in its Admin workspace"
	}
	fmt.Fprintf(stdout, "Created tenant %q (%s, plan %s%s).\n", t.Name, t.Slug, t.Plan, kind)
	fmt.Fprintf(stdout, "Invited %s as Tenant Admin. Sign-in page: %s/t/%s/login\n", admin.Email, a.cfg.BaseURL, t.Slug)
	fmt.Fprintln(stdout, "Invitation link (valid for "+a.cfg.InvitationTTL.String()+", single use):")
	fmt.Fprintln(stdout, link)
	return nil
}

const tenantCreateIntro = `Usage: gatehouse tenant create --slug S --name N [--plan P] --admin-email E

Creates a tenant and invites its first Tenant Admin; the last line printed is
the invitation link.
`

const seedIntro = `Usage: gatehouse seed --tenant S --demo [--demo-password P] [--administrators N]
       [--workspaces N] [--organizations N] [--users N] [--members N [--organization NAME]]

Fills an existing tenant with realistic demo data in bulk, for demos and
benchmarks. Seeded administrators have predictable addresses, so seed only a
demo tenant: the command refuses to run without --demo. Active seeded
administrators get a random password nobody knows, unless --demo-password
names one (it must meet the tenant's password policy).
`

// parseFlags parses a command's flags. For -h or --help it writes the
// command's usage (intro and flags) to stdout in one write and reports done.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer, intro string) (done bool, err error) {
	err = fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		var b strings.Builder
		b.WriteString(intro)
		b.WriteString("\nFlags:\n")
		fs.VisitAll(func(f *flag.Flag) {
			name, usage := flag.UnquoteUsage(f)
			fmt.Fprintf(&b, "  --%s", f.Name)
			if name != "" {
				fmt.Fprintf(&b, " %s", name)
			}
			fmt.Fprintf(&b, "\n        %s\n", usage)
		})
		_, err = io.WriteString(stdout, b.String())
		return true, err
	}
	if err != nil {
		return true, usageError{err.Error()}
	}
	return false, nil
}

func seed(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, logger *slog.Logger) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	slug := fs.String("tenant", "", "slug of an existing `tenant`")
	demo := fs.Bool("demo", false, "confirm that the tenant is a demo tenant (required)")
	demoPassword := fs.String("demo-password", "", "the `password` active seeded administrators sign in with (default: a random one nobody knows)")
	admins := fs.Int("administrators", 0, "administrators to add")
	workspaces := fs.Int("workspaces", 0, "workspaces to add")
	orgs := fs.Int("organizations", 0, "organizations to add")
	users := fs.Int("users", 0, "identity-pool users to add")
	members := fs.Int("members", 0, "users to make members of one organization (--organization, else the first by name)")
	orgName := fs.String("organization", "", "the `organization` --members go to")
	wsSlug := fs.String("workspace", "", "the `workspace` (slug) --services and --clients go to")
	wsServices := fs.Int("services", 0, "services (with scopes and APIs) to add to --workspace")
	wsClients := fs.Int("clients", 0, "clients to add to --workspace")
	wsEvents := fs.Int("events", 0, "authentication events (for Analytics, over the last 90 days) to add to --workspace")
	if done, err := parseFlags(fs, args, stdout, seedIntro); done || err != nil {
		return err
	}
	if !*demo {
		return usageError{"seed makes administrators with predictable addresses: it runs only with --demo, on a demo tenant"}
	}
	if *slug == "" {
		return usageError{"--tenant is required"}
	}
	if *admins < 0 || *workspaces < 0 || *orgs < 0 || *users < 0 {
		return usageError{"counts must not be negative"}
	}
	a, err := open(ctx, getenv, logger)
	if err != nil {
		return err
	}
	defer models.Close(a.db)
	t, err := a.store.TenantBySlug(ctx, *slug)
	if errors.Is(err, models.ErrNotFound) {
		return usageError{fmt.Sprintf("no tenant %q (create it with `tenant create`)", *slug)}
	}
	if err != nil {
		return err
	}
	if *demoPassword != "" {
		policy, err := a.store.PasswordPolicy(ctx, t.ID)
		if err != nil {
			return err
		}
		if v := policy.Check(*demoPassword); len(v) > 0 {
			msgs := make([]string, len(v))
			for i, x := range v {
				msgs[i] = x.Message
			}
			return usageError{"--demo-password does not meet " + t.Slug + "'s password policy: " + strings.Join(msgs, " ")}
		}
	}
	if *admins > 0 {
		start := time.Now()
		n, err := a.store.SeedAdministrators(ctx, t, *admins, *demoPassword, models.Actor{Email: "gatehouse seed", IP: "cli"})
		if err != nil {
			return err
		}
		signIn := "they have a random password nobody knows: send one a password reset, or seed with --demo-password"
		if *demoPassword != "" {
			signIn = fmt.Sprintf("active ones sign in with %q", *demoPassword)
		}
		fmt.Fprintf(stdout, "Added %d administrators to %s in %s (%s).\n", n, t.Slug, time.Since(start).Round(time.Millisecond), signIn)
	}
	if *users > 0 {
		start := time.Now()
		n, err := a.store.SeedUsers(ctx, t, *users, models.Actor{Email: "gatehouse seed", IP: "cli"})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Added %d users to %s in %s.\n", n, t.Slug, time.Since(start).Round(time.Millisecond))
	}
	if *workspaces > 0 {
		start := time.Now()
		n, err := a.store.SeedWorkspaces(ctx, t, *workspaces, models.Actor{Email: "gatehouse seed", IP: "cli"})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Added %d workspaces to %s in %s.\n", n, t.Slug, time.Since(start).Round(time.Millisecond))
	}
	if err := seedOrganizations(ctx, a.store, t, *orgs, *orgName, *members, stdout); err != nil {
		return err
	}
	if err := seedWorkspaceResources(ctx, a.store, t, *wsSlug, *wsServices, *wsClients, *wsEvents, stdout); err != nil {
		return err
	}
	return seedAuthEvents(ctx, a.store, t, *wsSlug, *wsEvents, stdout)
}

// tuneGC sets the garbage collector for a server whose live heap is small
// and whose pages each leave about 100 KB of garbage: without GOGC, a
// collection when the heap has grown by 800 % (not Go's 100 %), an eighth
// as many collections for a heap of about a hundred megabytes under load
// (the Administrators page's throughput rose by a fifth, its slowest
// answers came closer to the mean); without GOMEMLIMIT, a soft limit of
// 512 MiB, past which the collector works harder instead of letting the
// heap grow. Either variable set decides as Go documents.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(800)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(512 << 20)
	}
}
