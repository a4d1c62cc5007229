// Command gatehouse runs the Gatehouse administration console and its
// maintenance commands: serve, migrate, tenant create, seed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"gatehouse/models"
	"gatehouse/models/migrations"
	"gatehouse/views/emails"
	"gatehouse/web"
	"gatehouse/web/mail"

	"gorm.io/gorm"
)

const usage = `Usage: gatehouse <command> [flags]

Commands:
  serve                      run the web console (listens on GATEHOUSE_ADDR)
  migrate                    bring the database schema up to date, then exit
  tenant create --slug S --name N --plan P --admin-email E
                             create a tenant and invite its first Tenant Admin
  seed --tenant S [--administrators N] [--workspaces N] [--organizations N] [--users N]
                             fill a tenant with demo data; --members N [--organization NAME]
                             makes N of its users members of one organization (the first by name)

Configuration comes from the environment: GATEHOUSE_ADDR, DATABASE_URL,
GATEHOUSE_DATA_DIR, GATEHOUSE_BASE_URL, GATEHOUSE_SECRET_KEY, GATEHOUSE_SMTP_URL,
GATEHOUSE_TRUSTED_PROXIES.
`

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	slog.SetDefault(logger)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, logger); err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(os.Stderr, "gatehouse: %v\n\n%s", err, usage)
			os.Exit(2)
		}
		logger.Error("gatehouse failed", "err", err)
		os.Exit(1)
	}
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
		if len(args) < 2 || args[1] != "create" {
			return usageError{"unknown tenant command (did you mean `tenant create`?)"}
		}
		return tenantCreate(ctx, args[2:], getenv, stdout, logger)
	case "seed":
		return seed(ctx, args[1:], getenv, stdout, logger)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return usageError{fmt.Sprintf("unknown command %q", args[0])}
}

func serve(ctx context.Context, getenv func(string) string, stdout io.Writer, logger *slog.Logger) error {
	a, err := open(ctx, getenv, logger)
	if err != nil {
		return err
	}
	defer models.Close(a.db)
	sender, err := mail.NewSender(a.cfg.SMTPURL, a.cfg.MailFrom, logger)
	if err != nil {
		return err
	}
	worker := &mail.Worker{DB: a.db, Sender: sender, Logger: logger, Now: time.Now}
	srv := web.New(a.cfg, web.Deps{Models: a.store, Logger: logger, WakeMail: worker.Wake})

	if n, err := a.store.CountTenants(ctx); err == nil && n == 0 {
		const create = `go run ./cmd/gatehouse tenant create --slug acme --name "Acme" --plan enterprise --admin-email you@example.com`
		logger.Info("no tenant yet: create one and follow the printed invitation link", "command", create)
		fmt.Fprintf(stdout, "No tenant yet. In another terminal, create one and follow the invitation link it prints:\n\n    %s\n\n", create)
	}

	bg, cancelBG := context.WithCancel(context.Background())
	defer cancelBG()
	done := make(chan struct{})
	go func() { defer close(done); worker.Run(bg) }()
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
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = hs.Shutdown(sctx)
	cancelBG()
	<-done
	logger.Info("stopped")
	return err
}

// sweepSessions deletes timed-out sessions now and then.
func sweepSessions(ctx context.Context, store *models.Store, idle time.Duration, logger *slog.Logger) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		if n, err := store.DeleteExpiredSessions(ctx, idle); err != nil && ctx.Err() == nil {
			logger.Warn("sweep sessions", "err", err)
		} else if n > 0 {
			logger.Info("swept expired sessions", "count", n)
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
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	a, err := open(ctx, getenv, logger)
	if err != nil {
		return err
	}
	defer models.Close(a.db)
	t, admin, link, err := a.store.CreateTenant(ctx, models.CreateTenantInput{
		Slug: *slug, Name: *name, Plan: models.Plan(strings.ToLower(*plan)),
		AdminEmail: *email, AdminGivenName: *given, AdminFamilyName: *family,
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
		w := &mail.Worker{DB: a.db, Sender: sender, Logger: logger, Now: time.Now}
		sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		if _, _, err := w.RunOnce(sctx); err != nil {
			logger.Warn("invitation e-mail not sent yet; `serve` will retry", "err", err)
		}
		cancel()
	}
	fmt.Fprintf(stdout, "Created tenant %q (%s, plan %s).\n", t.Name, t.Slug, t.Plan)
	fmt.Fprintf(stdout, "Invited %s as Tenant Admin. Sign-in page: %s/t/%s/login\n", admin.Email, a.cfg.BaseURL, t.Slug)
	fmt.Fprintln(stdout, "Invitation link (valid for "+a.cfg.InvitationTTL.String()+", single use):")
	fmt.Fprintln(stdout, link)
	return nil
}

func seed(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, logger *slog.Logger) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	slug := fs.String("tenant", "", "slug of an existing tenant")
	admins := fs.Int("administrators", 0, "administrators to add")
	workspaces := fs.Int("workspaces", 0, "workspaces to add")
	orgs := fs.Int("organizations", 0, "organizations to add")
	users := fs.Int("users", 0, "identity-pool users to add")
	members := fs.Int("members", 0, "users to make members of one organization (--organization, else the first by name)")
	orgName := fs.String("organization", "", "the organization --members go to")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
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
	start := time.Now()
	n, err := a.store.SeedAdministrators(ctx, t, *admins, models.Actor{Email: "gatehouse seed", IP: "cli"})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Added %d administrators to %s in %s (active ones sign in with %q).\n", n, t.Slug, time.Since(start).Round(time.Millisecond), models.SeedPassword)
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
	return nil
}
