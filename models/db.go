package models

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Open connects to PostgreSQL when databaseURL is a postgres URL, and
// otherwise to the embedded SQLite database at dataDir/gatehouse.db.
func Open(databaseURL, dataDir string) (*gorm.DB, error) {
	cfg := &gorm.Config{
		Logger:                                   logger.Discard,
		NowFunc:                                  func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
		DisableForeignKeyConstraintWhenMigrating: true,
		TranslateError:                           true,
		// A single write is one statement, atomic by itself; what must be
		// atomic together runs in Store.tx. Without GORM's implicit
		// transaction (BEGIN, the statement, COMMIT) a write outside Store.tx
		// is one round trip, and database/sql can run it again on another
		// connection when the server had ended the session it was sent to
		// (openPostgresPool): inside a transaction it could not.
		SkipDefaultTransaction: true,
	}
	if IsPostgresURL(databaseURL) {
		sqlDB, err := openPostgresPool(databaseURL)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		db, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), cfg)
		if err != nil {
			sqlDB.Close()
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		// Every connection the pool may open is kept when idle: one closed
		// when a burst ends costs PostgreSQL a new backend (a fork and its
		// start-up) at the next one, which under steady load was a new
		// connection every few requests.
		n := poolSize()
		sqlDB.SetMaxOpenConns(n)
		sqlDB.SetMaxIdleConns(n)
		sqlDB.SetConnMaxLifetime(30 * time.Minute)
		return db, nil
	}
	if databaseURL != "" && !strings.HasPrefix(databaseURL, "sqlite:") && !strings.HasPrefix(databaseURL, "file:") {
		return nil, fmt.Errorf("DATABASE_URL must be a postgres:// URL (or unset for SQLite)")
	}
	path := filepath.Join(dataDir, "gatehouse.db")
	if strings.HasPrefix(databaseURL, "sqlite:") {
		path = strings.TrimPrefix(strings.TrimPrefix(databaseURL, "sqlite:"), "//")
	} else if strings.HasPrefix(databaseURL, "file:") {
		path = strings.TrimPrefix(databaseURL, "file:")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
	}
	return OpenSQLite(path, cfg)
}

// OpenSQLite opens the SQLite database file at path with the settings
// Gatehouse needs: WAL, foreign keys, a busy timeout and immediate
// transactions, so concurrent writers wait instead of failing.
func OpenSQLite(path string, cfg *gorm.Config) (*gorm.DB, error) {
	if cfg == nil {
		cfg = &gorm.Config{Logger: logger.Discard, TranslateError: true, DisableForeignKeyConstraintWhenMigrating: true, SkipDefaultTransaction: true}
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	db, err := gorm.Open(sqlite.Open(path+"?"+q.Encode()), cfg)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(4)
	sqlDB.SetMaxIdleConns(4)
	return db, nil
}

// poolSize is the most PostgreSQL connections a process opens:
// GATEHOUSE_DB_MAX_CONNS, 20 by default.
func poolSize() int {
	if n, err := strconv.Atoi(strings.TrimSpace(os.Getenv("GATEHOUSE_DB_MAX_CONNS"))); err == nil && n > 0 {
		return n
	}
	return 20
}

// IsPostgresURL reports whether u names a PostgreSQL database.
func IsPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// IsPostgres reports whether db talks to PostgreSQL.
func IsPostgres(db *gorm.DB) bool { return db.Dialector.Name() == "postgres" }

// Ping checks that the database answers within the context's deadline.
func Ping(ctx context.Context, db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Close closes the database's connection pool.
func Close(db *gorm.DB) {
	if sqlDB, err := db.DB(); err == nil {
		if err := sqlDB.Close(); err != nil {
			slog.Warn("close database", "err", err)
		}
	}
}

// Typed errors that handlers map to messages and statuses.
var (
	ErrNotFound         = errors.New("not found")
	ErrSlugTaken        = errors.New("slug already in use")
	ErrEmailTaken       = errors.New("e-mail already in use")
	ErrInvalidToken     = errors.New("invalid, used or expired link")
	ErrBadCredentials   = errors.New("incorrect e-mail or password")
	ErrForbidden        = errors.New("forbidden")
	ErrLastTenantAdmin  = errors.New("the last active Tenant Admin cannot be removed, demoted or deactivated (Tenant Admin with an expiry date does not count)")
	ErrSelfDeactivation = errors.New("you cannot deactivate yourself")
	ErrPlanRequired     = errors.New("the tenant's plan does not allow this role")
	ErrEscalation       = errors.New("you can only grant roles whose permissions you hold, for no longer than you hold them")
)

// notFound maps GORM's record-not-found to ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	return err
}

// isUniqueViolation reports whether err is a unique-constraint violation on
// either database.
func isUniqueViolation(err error) bool {
	return errors.Is(err, gorm.ErrDuplicatedKey)
}
