package models

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
)

// openPostgresPool opens the PostgreSQL pool through a connector that lets
// database/sql retry, on another connection, a statement the server never
// ran because it had already ended the session.
//
// When a PostgreSQL session is ended from the server's side (a failover,
// pg_terminate_backend, a restart, idle_session_timeout), the connection
// stays in our pool looking healthy until it is next used; pgx checks a
// pooled connection with a ping only after a second idle, so under load the
// next statement is sent to the dead session and gets "FATAL: terminating
// connection due to administrator command (SQLSTATE 57P01)", which was a
// 500 for whichever request drew it (bench/loadfault counted 10–15 per
// three kills in a 12 s run). The server ran nothing of that statement:
// the session had ended before it arrived, or the statement was aborted
// with it. So outside a transaction (an autocommit statement, or the BEGIN
// that opens one) the error is reported as driver.ErrBadConn, and
// database/sql discards the connection and runs the statement again on
// another (at most three tries, the last on a new connection). Inside a
// transaction it is left alone: the transaction is gone, and only the
// caller can run it again (Store.tx does, through retryLostTx).
func openPostgresPool(databaseURL string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(retryConnector{stdlib.GetConnector(*cfg)}), nil
}

// SessionEnded reports whether err says the server ended the database
// session before it answered (SQLSTATE 57P01 admin_shutdown, 57P02
// crash_shutdown, 57P05 idle_session_timeout): nothing of the statement was
// kept, and running it again on another connection is safe.
func SessionEnded(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "57P01", "57P02", "57P05":
			return true
		}
	}
	return false
}

// connectionLost reports whether err says the transaction's connection
// was lost: the server ended the session, or the connection was found
// closed before a statement could be sent.
func connectionLost(err error) bool {
	return SessionEnded(err) || pgconn.SafeToRetry(err) || errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, driver.ErrBadConn)
}

// txAttempts bounds how many times retryLostTx runs a transaction.
const txAttempts = 3

// retryLostTx runs a transaction (run, which sets *committing once its
// work is done and only the commit is left) again when its connection was
// lost before the commit (connectionLost): PostgreSQL has then rolled all of
// it back. A failure of the commit itself is returned as it is: whether the
// transaction was kept cannot be known. At most txAttempts runs.
func retryLostTx(ctx context.Context, logger *slog.Logger, run func(committing *bool) error) error {
	for attempt := 1; ; attempt++ {
		committing := false
		err := run(&committing)
		if err != nil && committing && connectionLost(err) {
			logger.Error("database connection lost at the commit: whether the transaction was kept is unknown", "err", err)
		}
		if err == nil || committing || attempt == txAttempts || ctx.Err() != nil || !connectionLost(err) {
			return err
		}
		logger.Warn("database connection lost during a transaction; running it again", "attempt", attempt+1, "err", err)
	}
}

// inTransaction reports whether db runs inside a transaction.
func inTransaction(db *gorm.DB) bool {
	_, ok := db.Statement.ConnPool.(gorm.TxCommitter)
	return ok
}

// badConn marks err as driver.ErrBadConn (so database/sql retries) and
// keeps its message.
func badConn(err error) error {
	if err == nil || !SessionEnded(err) {
		return err
	}
	return fmt.Errorf("%w: %w", driver.ErrBadConn, err)
}

type retryConnector struct{ driver.Connector }

func (r retryConnector) Connect(ctx context.Context) (driver.Conn, error) {
	c, err := r.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc, ok := c.(*stdlib.Conn)
	if !ok {
		return c, nil
	}
	return &retryConn{Conn: sc}, nil
}

// retryConn is pgx's connection (every optional database/sql interface it
// has is promoted), with the statements outside a transaction and the
// BEGIN that opens one reporting an ended session as a bad connection.
type retryConn struct {
	*stdlib.Conn
	inTx bool
}

func (c *retryConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	res, err := c.Conn.ExecContext(ctx, query, args)
	if !c.inTx {
		err = badConn(err)
	}
	return res, err
}

func (c *retryConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	rows, err := c.Conn.QueryContext(ctx, query, args)
	if !c.inTx {
		err = badConn(err)
	}
	return rows, err
}

func (c *retryConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	tx, err := c.Conn.BeginTx(ctx, opts)
	if err != nil {
		return nil, badConn(err)
	}
	c.inTx = true
	return &retryTx{Tx: tx, c: c}, nil
}

// Begin is BeginTx with the default options (database/sql uses BeginTx;
// this keeps the deprecated path from bypassing inTx).
func (c *retryConn) Begin() (driver.Tx, error) { //nolint:staticcheck // driver.Conn requires it
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

type retryTx struct {
	driver.Tx
	c *retryConn
}

func (t *retryTx) Commit() error {
	t.c.inTx = false
	return t.Tx.Commit()
}

func (t *retryTx) Rollback() error {
	t.c.inTx = false
	return t.Tx.Rollback()
}
