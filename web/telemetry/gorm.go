// SQL spans: a GORM plugin that wraps every statement in a client span, a
// child of the span in the statement's context.

package telemetry

import (
	"context"
	"errors"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"gorm.io/gorm"

	"gatehouse/models"
)

// maxQueryText caps the SQL text put on a span.
const maxQueryText = 2000

// TraceSQL traces the store's statements: GORM's through the plugin
// below, those the store runs past GORM (models.Store.ObserveStatements)
// alike.
func TraceSQL(s *models.Store, tp trace.TracerProvider) error {
	if err := TraceGORM(s.DB, tp); err != nil {
		return err
	}
	tracer, system := tp.Tracer(ScopeName), dbSystem(s.DB)
	s.ObserveStatements(func(ctx context.Context, table, sql string, _ []any) (context.Context, func(error)) {
		if !trace.SpanContextFromContext(ctx).IsValid() {
			return ctx, func(error) {}
		}
		op := strings.ToUpper(firstWord(sql))
		ctx, span := tracer.Start(ctx, op+" "+table, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(system))
		if span.IsRecording() {
			span.SetAttributes(semconv.DBCollectionName(table))
			text := sql
			if len(text) > maxQueryText {
				text = text[:maxQueryText] + "…"
			}
			span.SetAttributes(semconv.DBQueryText(text), semconv.DBOperationName(op))
		}
		return ctx, func(err error) {
			if err != nil {
				span.RecordError(err)
				span.SetStatus(codes.Error, "query failed")
			}
			span.End()
		}
	})
	return nil
}

// TraceGORM registers the SQL tracing plugin on db. Only statements made
// inside a trace (with a request's context) get a span, so the outbox
// worker's polls and other background queries do not each start a trace of
// their own. The span carries the statement's SQL with its placeholders,
// never the bound values (password hashes, token hashes, e-mail addresses).
func TraceGORM(db *gorm.DB, tp trace.TracerProvider) error {
	return db.Use(&gormTracing{tracer: tp.Tracer(ScopeName), system: dbSystem(db)})
}

type gormTracing struct {
	tracer trace.Tracer
	system attribute.KeyValue
}

func (p *gormTracing) Name() string { return "gatehouse:tracing" }

// parentKey holds, in a statement's context, the context it had before its
// span was started, which the after callback puts back.
type parentKey struct{}

func (p *gormTracing) Initialize(db *gorm.DB) error {
	cb := db.Callback()
	for _, reg := range []struct {
		name          string
		before, after func(string, func(*gorm.DB)) error
	}{
		{"create", cb.Create().Before("*").Register, cb.Create().After("*").Register},
		{"query", cb.Query().Before("*").Register, cb.Query().After("*").Register},
		{"update", cb.Update().Before("*").Register, cb.Update().After("*").Register},
		{"delete", cb.Delete().Before("*").Register, cb.Delete().After("*").Register},
		{"row", cb.Row().Before("*").Register, cb.Row().After("*").Register},
		{"raw", cb.Raw().Before("*").Register, cb.Raw().After("*").Register},
	} {
		if err := reg.before("gatehouse:trace_before_"+reg.name, p.before); err != nil {
			return err
		}
		if err := reg.after("gatehouse:trace_after_"+reg.name, p.after); err != nil {
			return err
		}
	}
	return nil
}

func (p *gormTracing) before(db *gorm.DB) {
	parent := db.Statement.Context
	if parent == nil || !trace.SpanContextFromContext(parent).IsValid() {
		return
	}
	ctx, _ := p.tracer.Start(parent, "sql", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(p.system))
	db.Statement.Context = context.WithValue(ctx, parentKey{}, parent)
}

func (p *gormTracing) after(db *gorm.DB) {
	ctx := db.Statement.Context
	if ctx == nil {
		return
	}
	parent, ok := ctx.Value(parentKey{}).(context.Context)
	if !ok {
		return
	}
	span := trace.SpanFromContext(ctx)
	db.Statement.Context = parent
	if !span.IsRecording() {
		span.End()
		return
	}
	sql := db.Statement.SQL.String()
	op := strings.ToUpper(firstWord(sql))
	name := op
	if t := db.Statement.Table; t != "" {
		name += " " + t
		span.SetAttributes(semconv.DBCollectionName(t))
	}
	if name != "" {
		span.SetName(name)
	}
	if len(sql) > maxQueryText {
		sql = sql[:maxQueryText] + "…"
	}
	span.SetAttributes(semconv.DBQueryText(sql), semconv.DBOperationName(op))
	if op == "SELECT" {
		span.SetAttributes(semconv.DBResponseReturnedRows(int(db.Statement.RowsAffected)))
	}
	if err := db.Error; err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		span.RecordError(err)
		span.SetStatus(codes.Error, "query failed")
	}
	span.End()
}

func firstWord(sql string) string {
	sql = strings.TrimLeft(sql, " \t\r\n(")
	if i := strings.IndexAny(sql, " \t\r\n("); i >= 0 {
		return sql[:i]
	}
	return sql
}

func dbSystem(db *gorm.DB) attribute.KeyValue {
	if db.Dialector.Name() == "postgres" {
		return semconv.DBSystemNamePostgreSQL
	}
	return semconv.DBSystemNameSQLite
}
