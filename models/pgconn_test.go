package models_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/views/emails"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
)

func TestSessionEnded(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&pgconn.PgError{Code: "57P01"}, true}, // admin_shutdown: pg_terminate_backend, a fast shutdown
		{&pgconn.PgError{Code: "57P02"}, true}, // crash_shutdown
		{&pgconn.PgError{Code: "57P05"}, true}, // idle_session_timeout
		{fmt.Errorf("wrapped: %w", &pgconn.PgError{Code: "57P01"}), true},
		{&pgconn.PgError{Code: "23505"}, false}, // unique_violation
		{&pgconn.PgError{Code: "40001"}, false}, // serialization_failure: not ours to retry here
		{errors.New("FATAL: terminating connection"), false},
		{nil, false},
	} {
		if got := models.SessionEnded(tc.err); got != tc.want {
			t.Errorf("SessionEnded(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// notSent is an error of a statement pgx never sent (its "conn closed"
// when the connection was found closed).
type notSent struct{}

func (notSent) Error() string     { return "conn closed" }
func (notSent) SafeToRetry() bool { return true }

// TestConnectionLost: what makes Store.tx run a transaction again. GORM
// joins a statement's errors with %v, which hides the first one's type
// ("FATAL: terminating connection ... (SQLSTATE 57P01); conn closed"): the
// second, which says the connection is closed, is enough.
func TestConnectionLost(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&pgconn.PgError{Code: "57P01"}, true},
		{fmt.Errorf("%v; %w", &pgconn.PgError{Code: "57P01"}, notSent{}), true},
		{fmt.Errorf("%w: x", driver.ErrBadConn), true},
		{&pgconn.PgError{Code: "23505"}, false},
		{fmt.Errorf("%v; %w", &pgconn.PgError{Code: "57P01"}, errors.New("other")), false},
		{models.ErrNotFound, false},
	} {
		if got := models.ConnectionLost(tc.err); got != tc.want {
			t.Errorf("ConnectionLost(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// endSession ends PostgreSQL session pid from another connection, as a
// failover or an operator's pg_terminate_backend would, and waits until it
// is gone.
func endSession(t *testing.T, pid int64) {
	t.Helper()
	admin, err := models.Open(os.Getenv("TEST_DATABASE_URL"), "")
	if err != nil {
		t.Fatal(err)
	}
	defer models.Close(admin)
	var ok bool
	if err := admin.Raw("SELECT pg_terminate_backend(?)", pid).Scan(&ok).Error; err != nil || !ok {
		t.Fatalf("terminate %d: %v %v", pid, ok, err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		var n int64
		if err := admin.Raw("SELECT count(*) FROM pg_stat_activity WHERE pid = ?", pid).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("session %d still there", pid)
		}
	}
}

func backendPID(t *testing.T, db *gorm.DB) int64 {
	t.Helper()
	var pid int64
	if err := db.Raw("SELECT pg_backend_pid()").Scan(&pid).Error; err != nil {
		t.Fatal(err)
	}
	return pid
}

// TestStatementAfterSessionEndedRunsAgain: the server ended the pooled
// connection's session (a failover, pg_terminate_backend); the next
// statement, and the next BEGIN, were sent to it and failed with 57P01,
// which was a 500. Now they run again on a new connection.
func TestStatementAfterSessionEndedRunsAgain(t *testing.T) {
	t.Parallel()
	pg := modelstest.Postgres(t)
	db, err := models.Open(pg.URL, "")
	if err != nil {
		t.Fatal(err)
	}
	defer models.Close(db)
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	sqlDB.SetMaxOpenConns(1) // one connection, the one whose session ends
	ctx := context.Background()

	// pgx pings a pooled connection before reuse only after a second idle;
	// the statement follows the kill at once, as under load.
	backendPID(t, db)
	pid := backendPID(t, db)
	endSession(t, pid)
	var tenants int64
	if err := db.WithContext(ctx).Model(&models.Tenant{}).Count(&tenants).Error; err != nil {
		t.Fatalf("a statement after the session ended: %v", err)
	}
	if got := backendPID(t, db); got == pid {
		t.Fatalf("still on session %d", pid)
	}

	// A GORM write (as the outbox worker's MarkOutboxSent), the session
	// ending just before its statement: it is one statement, not wrapped in
	// a transaction of GORM's own (BEGIN, UPDATE, COMMIT), so it too runs again.
	backendPID(t, db)
	pid = backendPID(t, db)
	armed := true
	if err := db.Callback().Update().Before("gorm:update").Register("test:end_session", func(*gorm.DB) {
		if armed {
			armed = false
			endSession(t, pid)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.WithContext(ctx).Model(&models.Tenant{}).Where("id = 0").Update("name", "x").Error; err != nil {
		t.Fatalf("an update whose session ended: %v", err)
	}
	if armed {
		t.Fatal("the session was not ended")
	}

	backendPID(t, db)
	pid = backendPID(t, db)
	endSession(t, pid)
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return tx.Exec("UPDATE tenants SET name = name WHERE id = 0").Error
	})
	if err != nil {
		t.Fatalf("a transaction begun after the session ended: %v", err)
	}
}

// TestTransactionRunsAgainWhenSessionEndsInside: the session ends in the
// middle of CreateTenant's transaction (after the tenant's row, before its
// identity pool's). PostgreSQL rolled it all back; the store runs it again
// and everything is there once: tenant, pool, administrator, invitation
// e-mail, audit events in an unbroken chain.
func TestTransactionRunsAgainWhenSessionEndsInside(t *testing.T) {
	t.Parallel()
	pg := modelstest.Postgres(t)
	db, err := models.Open(pg.URL, "")
	if err != nil {
		t.Fatal(err)
	}
	defer models.Close(db)
	ctx := context.Background()
	var ended []int64
	err = db.Callback().Create().Before("gorm:create").Register("test:end_session", func(tx *gorm.DB) {
		if len(ended) > 0 || tx.Statement.Table != "identity_pools" {
			return
		}
		var pid int64
		if err := tx.Statement.ConnPool.QueryRowContext(tx.Statement.Context, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
			t.Error(err)
			return
		}
		endSession(t, pid)
		ended = append(ended, pid)
	})
	if err != nil {
		t.Fatal(err)
	}
	s := modelstest.Store(modelstest.DB{Name: pg.Name, DB: db, URL: pg.URL}, "http://gatehouse.test", emails.Renderer{})

	tn, admin, link, err := s.CreateTenant(ctx, models.CreateTenantInput{Slug: "acme", Name: "Acme", Plan: models.PlanEnterprise, AdminEmail: "a@example.com"}, models.Actor{})
	if err != nil {
		t.Fatalf("CreateTenant with its session ended inside: %v", err)
	}
	if len(ended) != 1 {
		t.Fatalf("the session was ended %d times, want once", len(ended))
	}
	if link == "" {
		t.Fatal("no invitation link")
	}
	tenantIDs := modelstest.Pluck[int64](t, pg.DB.Model(&models.Tenant{}).Where("slug = ?", "acme"), "id")
	if len(tenantIDs) != 1 || tenantIDs[0] != tn.ID {
		t.Fatalf("tenants %v, returned %d", tenantIDs, tn.ID)
	}
	if n := modelstest.Count(t, pg.DB.Model(&models.IdentityPool{}).Where("tenant_id = ?", tn.ID)); n == 0 {
		t.Fatal("no identity pool")
	}
	adminIDs := modelstest.Pluck[int64](t, pg.DB.Model(&models.Administrator{}).Where("tenant_id = ?", tn.ID), "id")
	if len(adminIDs) != 1 || adminIDs[0] != admin.ID {
		t.Fatalf("administrators %v, returned %d", adminIDs, admin.ID)
	}
	if n := modelstest.Count(t, pg.DB.Model(&models.OutboxEmail{}).Where("to_addr = ?", "a@example.com")); n != 1 {
		t.Fatalf("%d invitation e-mails, want 1", n)
	}

	// The same as a tenant created without a fault.
	other, _, _, err := s.CreateTenant(ctx, models.CreateTenantInput{Slug: "globex", Name: "Globex", Plan: models.PlanEnterprise, AdminEmail: "g@example.com"}, models.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	want := modelstest.Pluck[string](t, pg.DB.Model(&models.AuditEvent{}).Where("tenant_id = ?", other.ID).Order("seq"), "action")
	got := modelstest.Pluck[string](t, pg.DB.Model(&models.AuditEvent{}).Where("tenant_id = ?", tn.ID).Order("seq"), "action")
	if fmt.Sprint(got) != fmt.Sprint(want) || len(got) == 0 {
		t.Fatalf("audit events %v, want %v", got, want)
	}
	if v, err := s.VerifyAuditChain(ctx, tn.ID); err != nil || !v.OK() {
		t.Fatalf("audit chain: %+v %v", v, err)
	}
}

// TestClaimRunsAgainWhenSessionEndsInside: the outbox claim's session ends
// between its SELECT ... FOR UPDATE and its UPDATE; the claim is made again
// instead of failing the worker's run.
func TestClaimRunsAgainWhenSessionEndsInside(t *testing.T) {
	t.Parallel()
	pg := modelstest.Postgres(t)
	db, err := models.Open(pg.URL, "")
	if err != nil {
		t.Fatal(err)
	}
	defer models.Close(db)
	now := time.Now().UTC().Truncate(time.Microsecond)
	row := models.OutboxEmail{ToAddr: "ann@example.com", Subject: "Hi", TextBody: "hi", HTMLBody: "<p>hi</p>", NextAttemptAt: now, CreatedAt: now}
	modelstest.Must(t, db.Create(&row))
	ended := 0
	if err := db.Callback().Update().Before("gorm:update").Register("test:end_session", func(tx *gorm.DB) {
		if ended > 0 || tx.Statement.Table != "outbox_emails" {
			return
		}
		var pid int64
		if err := tx.Statement.ConnPool.QueryRowContext(tx.Statement.Context, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
			t.Error(err)
			return
		}
		endSession(t, pid)
		ended++
	}); err != nil {
		t.Fatal(err)
	}
	rows, err := models.ClaimOutbox(context.Background(), db, now, 10, time.Minute)
	if err != nil {
		t.Fatalf("claim with its session ended inside: %v", err)
	}
	if ended != 1 || len(rows) != 1 || rows[0].ID != row.ID {
		t.Fatalf("ended %d times; claimed %+v", ended, rows)
	}
	var got models.OutboxEmail
	modelstest.Must(t, pg.DB.Take(&got, row.ID))
	if got.LockedUntil == nil {
		t.Fatal("the claim was not kept")
	}
}

// TestRawQueryAfterSessionEndedRunsAgain: the queries run past GORM on
// pgx's own connection (the request's state, the Administrators list) are
// run again on a new connection when the pooled one's session had ended,
// as database/sql does for the others.
func TestRawQueryAfterSessionEndedRunsAgain(t *testing.T) {
	t.Parallel()
	pg := modelstest.Postgres(t)
	db, err := models.Open(pg.URL, "")
	if err != nil {
		t.Fatal(err)
	}
	defer models.Close(db)
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	sqlDB.SetMaxOpenConns(1) // one connection, the one whose session ends
	store, err := models.NewStore(db, "http://gatehouse.test", emails.Renderer{}, modelstest.Keys())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tn, _, _, err := store.CreateTenant(ctx, models.CreateTenantInput{Slug: "acme", Name: "Acme", Plan: models.PlanEnterprise, AdminEmail: "owner@acme.example"}, models.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	for _, run := range []struct {
		name string
		f    func() error
	}{
		{"request state", func() error {
			st, err := store.TenantRequest(ctx, "acme", "")
			if err == nil && st.Tenant.ID != tn.ID {
				err = fmt.Errorf("tenant %d, want %d", st.Tenant.ID, tn.ID)
			}
			return err
		}},
		{"administrators list", func() error {
			p, err := store.ListAdministrators(ctx, tn.ID, models.AdminListQuery{})
			if err == nil && (len(p.Items) != 1 || !p.Counted || p.Total != 1) {
				err = fmt.Errorf("page %+v", p)
			}
			return err
		}},
	} {
		backendPID(t, db)
		pid := backendPID(t, db)
		endSession(t, pid)
		if err := run.f(); err != nil {
			t.Fatalf("%s after the session ended: %v", run.name, err)
		}
		if got := backendPID(t, db); got == pid {
			t.Fatalf("%s: still on session %d", run.name, pid)
		}
	}
}
