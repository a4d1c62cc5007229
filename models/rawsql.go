package models

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
)

// Rows are the rows rawQuery hands to its reader: database/sql's or, on
// PostgreSQL, pgx's own (scanned straight into the destinations, without
// database/sql's conversion of every value).
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// rawQuery runs a query written with ? placeholders straight on the
// connection pool, past GORM's statement building and reflective scanning,
// and hands its rows to read, which reads them before it returns: for the
// few queries every page runs (the request's state, the Administrators
// list), where those were most of the request's work. On PostgreSQL the
// placeholders become $1, $2, ... (the SQL must have no ? of its own: no
// string literal holding one, no jsonb ? operator), and the query runs on
// pgx's connection under database/sql's (the same pool); one sent to a
// session the server had ended is run again on another connection, as
// database/sql does (openPostgresPool), while no row has been read.
func (s *Store) rawQuery(ctx context.Context, table, query string, args []any, read func(Rows) error) (err error) {
	db, err := s.DB.DB()
	if err != nil {
		return err
	}
	pg := IsPostgres(s.DB)
	if pg {
		query = pgSQL(query)
	}
	if obs := s.hooks.list(); len(obs) > 0 {
		dones := make([]func(error), len(obs))
		for i, o := range obs {
			ctx, dones[i] = o(ctx, table, query, args)
		}
		defer func() {
			for i := len(dones) - 1; i >= 0; i-- {
				dones[i](err)
			}
		}()
	}
	if !pg {
		rows, err := db.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		if err := read(rows); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return rows.Close()
	}
	for attempt := 1; ; attempt++ {
		conn, err := db.Conn(ctx)
		if err != nil {
			return err
		}
		retry := false
		err = conn.Raw(func(dc any) error {
			rc, ok := dc.(*retryConn)
			if !ok {
				return fmt.Errorf("models: a PostgreSQL connection of %T", dc)
			}
			rows, err := rc.Conn.Conn().Query(ctx, query, args...)
			if err == nil {
				counted := &countedRows{Rows: rows}
				err = read(counted)
				rows.Close()
				if err == nil {
					err = rows.Err()
				}
				if err != nil && counted.n > 0 {
					return err // rows were read: not run again
				}
			}
			if err != nil && attempt < txAttempts && ctx.Err() == nil && connectionLost(err) {
				retry = true
				return fmt.Errorf("%w: %w", driver.ErrBadConn, err) // database/sql drops the connection
			}
			return err
		})
		if cerr := conn.Close(); err == nil && cerr != nil && !errors.Is(cerr, sql.ErrConnDone) {
			err = cerr
		}
		if !retry {
			return err
		}
		s.logger().Warn("database session ended before a query ran; running it on another connection", "attempt", attempt+1, "err", err)
	}
}

// countedRows counts the rows read (a query whose rows were read is not
// run again).
type countedRows struct {
	pgx.Rows
	n int
}

func (r *countedRows) Next() bool {
	if r.Rows.Next() {
		r.n++
		return true
	}
	return false
}

// StatementObserver hears of a statement the store runs past GORM (GORM's
// own are seen through its callbacks): called with the statement's context,
// its main table, its SQL (with placeholders) and the values bound to them
// (not for logs nor spans: hashes, addresses) before it runs, it returns
// the context to run it with and what to call once it has run.
type StatementObserver func(ctx context.Context, table, sql string, args []any) (context.Context, func(err error))

// ObserveStatements adds o to the observers of the statements the store
// runs past GORM (tracing; tests counting queries use OnStatement).
func (s *Store) ObserveStatements(o StatementObserver) {
	if s.hooks == nil {
		s.hooks = &statementHooks{}
	}
	s.hooks.mu.Lock()
	s.hooks.obs = append(s.hooks.obs, o)
	s.hooks.mu.Unlock()
}

// statementHooks are the observers ObserveStatements added.
type statementHooks struct {
	mu  sync.RWMutex
	obs []StatementObserver
}

func (h *statementHooks) list() []StatementObserver {
	if h == nil {
		return nil
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.obs
}

// OnStatement calls fn with the SQL of every statement run through s from
// now on: GORM's (queries, raw statements, row reads, inserts, updates,
// deletes; not a subquery being built) and rawQuery's. Tests count a
// page's queries with it. name names the GORM callbacks (unique per s).
func (s *Store) OnStatement(name string, fn func(sql string)) error {
	record := func(db *gorm.DB) {
		if !db.DryRun {
			fn(db.Statement.SQL.String())
		}
	}
	cb := s.DB.Callback()
	for _, reg := range []func(string, func(*gorm.DB)) error{
		cb.Query().After("gorm:query").Register, cb.Raw().After("gorm:raw").Register,
		cb.Row().After("gorm:row").Register, cb.Update().After("gorm:update").Register,
		cb.Create().After("gorm:create").Register, cb.Delete().After("gorm:delete").Register,
	} {
		if err := reg(name, record); err != nil {
			return err
		}
	}
	s.ObserveStatements(func(ctx context.Context, _, sql string, _ []any) (context.Context, func(error)) {
		fn(sql)
		return ctx, func(error) {}
	})
	return nil
}

// pgQueries are the queries rawQuery has run on PostgreSQL, each with its
// placeholders numbered: a list's few shapes, the request's one.
var pgQueries sync.Map

// pgSQL is query with its placeholders numbered (dollarPlaceholders),
// worked out once per query.
func pgSQL(query string) string {
	if q, ok := pgQueries.Load(query); ok {
		return q.(string)
	}
	q := dollarPlaceholders(query)
	pgQueries.Store(query, q)
	return q
}

// dollarPlaceholders numbers the ? of query as PostgreSQL's $n.
func dollarPlaceholders(query string) string {
	n := strings.Count(query, "?")
	if n == 0 {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 2*n)
	i := 0
	for {
		j := strings.IndexByte(query, '?')
		if j < 0 {
			b.WriteString(query)
			return b.String()
		}
		i++
		b.WriteString(query[:j])
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(i))
		query = query[j+1:]
	}
}
