package models

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"sync"

	"gorm.io/gorm"
)

// rawQuery runs a query written with ? placeholders straight on the
// connection pool, past GORM's statement building and reflective scanning:
// for the few queries every page runs (the request's state, the
// Administrators list), where those were most of the request's work. On
// PostgreSQL the placeholders become $1, $2, ... (the SQL must have no ?
// of its own: no string literal holding one, no jsonb ? operator).
func (s *Store) rawQuery(ctx context.Context, table, query string, args ...any) (*sql.Rows, error) {
	db, err := s.DB.DB()
	if err != nil {
		return nil, err
	}
	if IsPostgres(s.DB) {
		query = pgSQL(query)
	}
	if s.hooks == nil {
		return db.QueryContext(ctx, query, args...)
	}
	obs := s.hooks.list()
	dones := make([]func(error), len(obs))
	for i, o := range obs {
		ctx, dones[i] = o(ctx, table, query, args)
	}
	rows, err := db.QueryContext(ctx, query, args...)
	for i := len(dones) - 1; i >= 0; i-- {
		dones[i](err)
	}
	return rows, err
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
