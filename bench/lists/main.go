// Command lists measures every list page that grows with a tenant, served
// by the real Gatehouse server in this process (every middleware, the real
// handlers and templates) over the database in DATABASE_URL: for each page,
// the time per request (p50, p99, sequential requests, so the figures are
// the server's work and not queueing), the allocations and bytes allocated
// per request, the database statements per request, and the bytes sent
// (plain and gzipped).
//
// Pages: Administrators, Organizations, Users, an organization's Members,
// the Audit log, a workspace's Manage Access and Clients; each first page, a page in
// the middle (keyset cursor), and a search where the list has one.
//
// Seed a tenant first (PostgreSQL, any sizes), for example:
//
//	createdb lists
//	export DATABASE_URL='postgres://postgres@127.0.0.1:5432/lists?sslmode=disable' GATEHOUSE_SECRET_KEY=...32+ chars...
//	go run ./cmd/gatehouse tenant create --slug bench --name Bench --plan enterprise --admin-email owner@bench.test
//	go run ./cmd/gatehouse seed --tenant bench --demo --administrators 100000 --organizations 100000 \
//	    --users 1000000 --members 10000 --workspaces 20
//	go run ./cmd/gatehouse seed --tenant bench --demo --workspace SLUG-OF-THE-FIRST --clients 10000
//
// then, from the repository root (one command):
//
//	go run ./bench/lists -tenant bench                  # -n requests per page (300)
//	go run ./bench/lists -tenant bench -access 2000     # first bind 2,000 administrators in one workspace
//	go run ./bench/lists -tenant bench -audit 1000000   # first add 1,000,000 audit events (PostgreSQL)
//	go run ./bench/lists -tenant bench -api             # each page beside its management API twin
//
// With -api each list page is followed by the same list through the
// management API (/api/v1, JSON, a bearer token of the same Tenant Admin,
// limit = the page's 25, the same cursor position): rows named "… api".
// Besides the sequential latencies, -api prints the throughput of each
// (requests per second with -c parallel clients over -d).
//
// It signs in as the tenant's first Tenant Admin by writing a session row
// (deleted at the end); nothing else is changed unless -access or -audit
// ask for it.
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"gatehouse/models"
	"gatehouse/views/emails"
	"gatehouse/web"
	"gatehouse/web/limit"

	"gorm.io/gorm"
)

func main() {
	tenant := flag.String("tenant", "bench", "slug of the seeded tenant")
	n := flag.Int("n", 300, "requests per page")
	only := flag.String("only", "", "comma-separated page names to run (default: all)")
	access := flag.Int("access", 0, "first bind this many administrators (Workspace Auditor) in the tenant's first workspace")
	audit := flag.Int("audit", 0, "first add this many audit events to the tenant (PostgreSQL only; not chained)")
	flag.BoolVar(&showSQL, "sql", false, "print the statements of one request of each page")
	flag.BoolVar(&withAPI, "api", false, "also measure each list's management API twin (bearer token, JSON)")
	flag.IntVar(&parallel, "c", 8, "with -api: parallel clients of the throughput runs")
	flag.DurationVar(&throughputFor, "d", 3*time.Second, "with -api: duration of each throughput run")
	flag.StringVar(&explainDir, "explain", "", "write the PostgreSQL plan (EXPLAIN ANALYZE, BUFFERS) of every statement of one request of each page into this directory, one file a page, and a summary")
	flag.Parse()
	if err := run(*tenant, *n, *only, *access, *audit); err != nil {
		fmt.Fprintln(os.Stderr, "lists:", err)
		os.Exit(1)
	}
}

type page struct{ name, path string }

// api reports whether p is a management API request (bearer token), not a page.
func (p page) api() bool { return strings.HasPrefix(p.path, "/api/") }

var (
	showSQL       bool
	explainDir    string
	withAPI       bool
	parallel      int
	throughputFor time.Duration
)

type statement struct {
	sql  string
	vars []any
}

func run(slug string, n int, only string, access, audit int) error {
	ctx := context.Background()
	cfg, err := web.LoadConfig(os.Getenv)
	if err != nil {
		return err
	}
	if !models.IsPostgresURL(cfg.DatabaseURL) {
		fmt.Println("note: DATABASE_URL is not PostgreSQL: measuring SQLite at", cfg.DataDir)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := cfg.EnsureSecretKey(logger); err != nil {
		return err
	}
	db, err := models.Open(cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return err
	}
	defer models.Close(db)
	store, err := models.NewStore(db, cfg.BaseURL, emails.Renderer{}, cfg.StoreKeys())
	if err != nil {
		return err
	}
	t, err := store.TenantBySlug(ctx, slug)
	if err != nil {
		return fmt.Errorf("tenant %q: %w", slug, err)
	}
	if access > 0 {
		if err := bindAccess(db, t.ID, access); err != nil {
			return err
		}
	}
	if audit > 0 {
		if err := addAudit(db, t.ID, audit); err != nil {
			return err
		}
	}
	cookie, cleanup, err := signIn(db, t.ID, cfg)
	if err != nil {
		return err
	}
	defer cleanup()
	var bearer string
	if withAPI {
		tok, cleanupToken, err := apiToken(db, t.ID)
		if err != nil {
			return err
		}
		defer cleanupToken()
		bearer = "Bearer " + tok
	}

	pages, err := listPages(db, t)
	if err != nil {
		return err
	}
	if withAPI {
		pages = withAPITwins(pages, t.Slug)
	}
	var throughput []string
	var (
		statements atomic.Int64
		recording  atomic.Bool
		recorded   []statement
	)
	count := func(d *gorm.DB) {
		statements.Add(1)
		if recording.Load() {
			recorded = append(recorded, statement{d.Statement.SQL.String(), slices.Clone(d.Statement.Vars)})
		}
	}
	cb := db.Callback()
	for _, reg := range []func(string, func(*gorm.DB)) error{
		cb.Query().After("gorm:query").Register, cb.Raw().After("gorm:raw").Register,
		cb.Row().After("gorm:row").Register, cb.Update().After("gorm:update").Register,
		cb.Create().After("gorm:create").Register, cb.Delete().After("gorm:delete").Register,
	} {
		if err := reg("bench:count", func(d *gorm.DB) {
			if !d.DryRun {
				count(d)
			}
		}); err != nil {
			return err
		}
	}
	// The statements the store runs past GORM (the request's state, the
	// Administrators list).
	store.ObserveStatements(func(ctx context.Context, _, sql string, args []any) (context.Context, func(error)) {
		statements.Add(1)
		if recording.Load() {
			recorded = append(recorded, statement{sql, slices.Clone(args)})
		}
		return ctx, func(error) {}
	})
	cfg.Limits.API = limit.Rate{PerMinute: 1e9, Burst: 1e6} // measure the work, not the per-token rate limit
	srv := web.New(cfg, web.Deps{Models: store, Logger: logger, WakeMail: func() {}})

	var summary []string
	defer func() {
		if explainDir != "" && len(summary) > 0 {
			head := fmt.Sprintf("Plans of every statement of one request of each list page (EXPLAIN ANALYZE, BUFFERS; go run ./bench/lists -explain DIR)\n"+
				"tenant %s: %s\nmeasured %s\n\n%-20s %s\n", slug, sizes(db, t.ID), time.Now().UTC().Format("2006-01-02 15:04 UTC"),
				"page", "statements: execution ms [scan nodes]")
			_ = os.WriteFile(filepath.Join(explainDir, "SUMMARY.txt"), []byte(head+strings.Join(summary, "\n")+"\n"), 0o644)
		}
	}()
	fmt.Printf("tenant %s: %s\n", slug, sizes(db, t.ID))
	fmt.Printf("%-22s %8s %8s %9s %9s %8s %8s %8s  %s\n", "page", "p50_ms", "p99_ms", "allocs", "alloc_KB", "queries", "bytes", "gzip", "path")
	for _, p := range pages {
		if only != "" && !slices.Contains(strings.Split(only, ","), strings.SplitN(p.name, " ", 2)[0]) {
			continue
		}
		get := func(gz bool) (*httptest.ResponseRecorder, error) {
			req := httptest.NewRequest(http.MethodGet, p.path, nil)
			if p.api() {
				req.Header.Set("Authorization", bearer)
			} else {
				req.Header.Set("Cookie", cookie)
			}
			if gz {
				req.Header.Set("Accept-Encoding", "gzip")
			}
			rec := httptest.NewRecorder()
			srv.Echo.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				return rec, fmt.Errorf("%s: HTTP %d", p.path, rec.Code)
			}
			return rec, nil
		}
		recorded = nil
		recording.Store(showSQL || explainDir != "")
		plain, err := get(false)
		recording.Store(false)
		if err != nil {
			return err
		}
		zipped, err := get(true)
		if err != nil {
			return err
		}
		gzBytes := zipped.Body.Len()
		if zipped.Header().Get("Content-Encoding") != "gzip" {
			gzBytes = gzipLen(plain.Body.Bytes())
		}
		for range 20 { // warm-up: prepared statements, pools
			if _, err := get(false); err != nil {
				return err
			}
		}
		runtime.GC()
		var m0, m1 runtime.MemStats
		lat := make([]time.Duration, 0, n)
		statements.Store(0)
		runtime.ReadMemStats(&m0)
		for range n {
			t0 := time.Now()
			if _, err := get(false); err != nil {
				return err
			}
			lat = append(lat, time.Since(t0))
		}
		runtime.ReadMemStats(&m1)
		slices.Sort(lat)
		fmt.Printf("%-22s %8.2f %8.2f %9d %9.1f %8.1f %8d %8d  %s\n", p.name,
			ms(lat[len(lat)/2]), ms(lat[len(lat)*99/100]),
			(m1.Mallocs-m0.Mallocs)/uint64(n), float64(m1.TotalAlloc-m0.TotalAlloc)/float64(n)/1024,
			float64(statements.Load())/float64(n), plain.Body.Len(), gzBytes, p.path)
		if showSQL {
			for _, q := range recorded {
				fmt.Printf("    %s\n", strings.Join(strings.Fields(db.Dialector.Explain(q.sql, q.vars...)), " "))
			}
		}
		if explainDir != "" {
			line, err := explain(db, explainDir, p, recorded)
			if err != nil {
				return err
			}
			summary = append(summary, line)
		}
		if withAPI {
			rps, err := requestsPerSecond(func() error { _, err := get(false); return err })
			if err != nil {
				return err
			}
			throughput = append(throughput, fmt.Sprintf("%-22s %9.0f", p.name, rps))
		}
	}
	if withAPI {
		fmt.Printf("\nthroughput (%d parallel clients, %s each, plain responses)\n%-22s %9s\n%s\n", parallel, throughputFor, "page", "req/s", strings.Join(throughput, "\n"))
	}
	return nil
}

// requestsPerSecond runs get from parallel clients for throughputFor and
// returns the requests served per second.
func requestsPerSecond(get func() error) (float64, error) {
	var done atomic.Int64
	var failed atomic.Value
	stop := time.Now().Add(throughputFor)
	start := time.Now()
	finished := make(chan struct{})
	for range parallel {
		go func() {
			defer func() { finished <- struct{}{} }()
			for time.Now().Before(stop) {
				if err := get(); err != nil {
					failed.Store(err)
					return
				}
				done.Add(1)
			}
		}()
	}
	for range parallel {
		<-finished
	}
	if err, ok := failed.Load().(error); ok {
		return 0, err
	}
	return float64(done.Load()) / time.Since(start).Seconds(), nil
}

// withAPITwins puts after each list page its management API twin: the
// same list, page size and cursor position (the API's cursor is the
// page's after/before value, encoded).
func withAPITwins(pages []page, slug string) []page {
	base := "/t/" + slug
	twins := []struct{ page, api, cursor string }{
		{base + "/settings/administrators", "/api/v1/administrators", "after"},
		{base + "/organizations/", "/api/v1/organizations/", "after"}, // members: /organizations/{name}/members
		{base + "/organizations", "/api/v1/organizations", "after"},
		{base + "/users", "/api/v1/users", "after"},
		{base + "/audit", "/api/v1/audit-events", "before"},
		{base + "/workspaces/", "/api/v1/workspaces/", "after"},
	}
	var out []page
	for _, p := range pages {
		out = append(out, p)
		u, err := url.Parse(p.path)
		if err != nil {
			continue
		}
		for _, tw := range twins {
			if !strings.HasPrefix(u.Path, tw.page) {
				continue
			}
			q := url.Values{"limit": {"25"}}
			for k, vs := range u.Query() {
				switch k {
				case tw.cursor:
					q.Set("cursor", base64.RawURLEncoding.EncodeToString([]byte(vs[0])))
				default:
					q[k] = vs
				}
			}
			out = append(out, page{name: p.name + " api", path: tw.api + strings.TrimPrefix(u.Path, tw.page) + "?" + q.Encode()})
			break
		}
	}
	return out
}

// apiToken writes a management API token of the tenant's first Tenant
// Admin holding Tenant Admin and returns it and a function deleting it.
func apiToken(db *gorm.DB, tenantID int64) (string, func(), error) {
	var adminID int64
	err := db.Raw(`SELECT a.id FROM administrators a JOIN role_bindings rb ON rb.administrator_id = a.id AND rb.tenant_id = a.tenant_id
		WHERE a.tenant_id = ? AND a.status = 'active' AND rb.role_key = 'tenant_admin' AND rb.workspace_id IS NULL AND rb.expires_at IS NULL
		ORDER BY a.id LIMIT 1`, tenantID).Scan(&adminID).Error
	if err != nil || adminID == 0 {
		return "", nil, fmt.Errorf("no active Tenant Admin in the tenant: %v", err)
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	raw := models.APITokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	now := time.Now().UTC()
	row := models.APIToken{TenantID: tenantID, Name: "bench/lists", Prefix: raw[:10], TokenHash: models.HashToken(raw), Roles: "tenant_admin",
		CreatedByID: adminID, ExpiresAt: now.Add(time.Hour), CreatedAt: now}
	if err := db.Create(&row).Error; err != nil {
		return "", nil, err
	}
	return raw, func() {
		db.Where("token_id = ?", row.ID).Delete(&models.APIIdempotencyKey{})
		db.Where("id = ?", row.ID).Delete(&models.APIToken{})
	}, nil
}

// explain writes the plans of a page's statements to dir/<page>.txt and
// returns the page's summary line.
func explain(db *gorm.DB, dir string, p page, stmts []statement) (string, error) {
	if db.Dialector.Name() != "postgres" {
		return "", fmt.Errorf("-explain needs PostgreSQL")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	sqlDB, err := db.DB()
	if err != nil {
		return "", err
	}
	var out strings.Builder
	fmt.Fprintf(&out, "%s: GET %s\n%d statements\n", p.name, p.path, len(stmts))
	var parts []string
	for i, st := range stmts {
		fmt.Fprintf(&out, "\n-- %d. %s\n", i+1, strings.Join(strings.Fields(db.Dialector.Explain(st.sql, st.vars...)), " "))
		verb := strings.ToUpper(strings.Fields(st.sql)[0])
		if verb != "SELECT" && verb != "WITH" && verb != "(SELECT" {
			out.WriteString("(not a query: not explained)\n")
			parts = append(parts, verb)
			continue
		}
		rows, err := sqlDB.Query("EXPLAIN (ANALYZE, BUFFERS) "+st.sql, st.vars...)
		if err != nil {
			return "", fmt.Errorf("%s: explain %s: %w", p.name, st.sql, err)
		}
		var exec string
		scans := map[string]bool{}
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				rows.Close()
				return "", err
			}
			out.WriteString(line + "\n")
			if strings.Contains(line, "Execution Time:") {
				exec = strings.TrimSuffix(strings.TrimSpace(strings.SplitN(line, ":", 2)[1]), " ms")
			}
			for _, node := range []string{"Seq Scan", "Index Only Scan", "Bitmap Index Scan", "Index Scan"} {
				if strings.Contains(line, node+" ") {
					scans[node] = true
					break
				}
			}
		}
		rows.Close()
		var kinds []string
		for k := range scans {
			kinds = append(kinds, k)
		}
		slices.Sort(kinds)
		parts = append(parts, exec+" ["+strings.Join(kinds, ", ")+"]")
	}
	name := strings.ReplaceAll(p.name, " ", "-")
	if err := os.WriteFile(filepath.Join(dir, name+".txt"), []byte(out.String()), 0o644); err != nil {
		return "", err
	}
	return fmt.Sprintf("%-20s %s", p.name, strings.Join(parts, "; ")), nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func gzipLen(b []byte) int {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Len()
}

// listPages are the pages measured, with cursors in the middle of each list.
func listPages(db *gorm.DB, t models.Tenant) ([]page, error) {
	base := "/t/" + t.Slug
	mid := func(q string, args ...any) string {
		var v string
		_ = db.Raw(q, args...).Scan(&v).Error
		return v
	}
	var admins, orgs, users int64
	db.Table("administrators").Where("tenant_id = ?", t.ID).Count(&admins)
	db.Table("organizations").Where("tenant_id = ?", t.ID).Count(&orgs)
	db.Table("users").Where("tenant_id = ?", t.ID).Count(&users)
	ps := []page{
		{"admins first", base + "/settings/administrators"},
		{"admins middle", base + "/settings/administrators?after=" + url.QueryEscape(mid("SELECT email FROM administrators WHERE tenant_id = ? ORDER BY email LIMIT 1 OFFSET ?", t.ID, admins/2))},
		{"admins search-end", base + "/settings/administrators?q=" + url.QueryEscape(mid("SELECT LOWER(given_name) FROM administrators WHERE tenant_id = ? ORDER BY email DESC LIMIT 1", t.ID))},
		{"admins search-rare", base + "/settings/administrators?q=" + url.QueryEscape(mid("SELECT email FROM administrators WHERE tenant_id = ? ORDER BY email LIMIT 1 OFFSET ?", t.ID, admins*3/4))},
		{"admins search-none", base + "/settings/administrators?q=zzqx"},
	}
	if orgs > 0 {
		ps = append(ps,
			page{"orgs first", base + "/organizations"},
			page{"orgs middle", base + "/organizations?after=" + url.QueryEscape(mid("SELECT name FROM organizations WHERE tenant_id = ? ORDER BY name LIMIT 1 OFFSET ?", t.ID, orgs/2))},
			page{"orgs search-rare", base + "/organizations?q=" + url.QueryEscape(mid("SELECT name FROM organizations WHERE tenant_id = ? ORDER BY name LIMIT 1 OFFSET ?", t.ID, orgs*3/4))},
			page{"orgs search-none", base + "/organizations?q=zzqx"},
		)
	}
	if users > 0 {
		ps = append(ps,
			page{"users first", base + "/users"},
			page{"users middle", base + "/users?after=" + mid("SELECT CAST(id AS TEXT) FROM users WHERE tenant_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?", t.ID, users/2)},
			page{"users search-rare", base + "/users?q=" + url.QueryEscape(mid("SELECT email FROM users WHERE tenant_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?", t.ID, users*3/4))},
			page{"users search-none", base + "/users?q=zzqx"},
		)
	}
	var big struct {
		Name string
		ID   int64
		N    int64
	}
	db.Raw(`SELECT o.name, o.id, COUNT(*) AS n FROM organization_members m JOIN organizations o ON o.id = m.organization_id
		WHERE o.tenant_id = ? GROUP BY o.name, o.id ORDER BY n DESC LIMIT 1`, t.ID).Scan(&big)
	if big.N > 0 {
		midMember := mid("SELECT CAST(id AS TEXT) FROM organization_members WHERE organization_id = ? ORDER BY id LIMIT 1 OFFSET ?", big.ID, big.N/2)
		ps = append(ps,
			page{"members first", base + "/organizations/" + url.PathEscape(big.Name) + "/members"},
			page{"members middle", base + "/organizations/" + url.PathEscape(big.Name) + "/members?after=" + midMember},
		)
	}
	var events int64
	db.Table("audit_events").Where("tenant_id = ?", t.ID).Count(&events)
	ps = append(ps,
		page{"audit first", base + "/audit"},
		page{"audit middle", base + "/audit?before=" + mid("SELECT CAST(id AS TEXT) FROM audit_events WHERE tenant_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?", t.ID, events/2)},
		page{"audit by-action", base + "/audit?action=administrator.signed_in"},
	)
	var ws struct {
		Slug string
		ID   int64
	}
	db.Raw("SELECT slug, id FROM workspaces WHERE tenant_id = ? ORDER BY id LIMIT 1", t.ID).Scan(&ws)
	if ws.ID > 0 {
		var bound int64
		db.Table("role_bindings").Where("tenant_id = ? AND workspace_id = ?", t.ID, ws.ID).Count(&bound)
		access := base + "/workspaces/" + ws.Slug + "/access"
		ps = append(ps, page{"access first", access})
		if bound > 2 {
			ps = append(ps, page{"access middle", access + "?after=" + mid("SELECT CAST(id AS TEXT) FROM role_bindings WHERE tenant_id = ? AND workspace_id = ? ORDER BY id LIMIT 1 OFFSET ?", t.ID, ws.ID, bound/2)})
		}
		var clients int64
		db.Table("clients").Where("tenant_id = ? AND workspace_id = ?", t.ID, ws.ID).Count(&clients)
		if clients > 0 { // seed --workspace SLUG --clients N
			list := base + "/workspaces/" + ws.Slug + "/clients"
			ps = append(ps, page{"clients first", list},
				page{"clients middle", list + "?after=" + url.QueryEscape(mid("SELECT name FROM clients WHERE tenant_id = ? AND workspace_id = ? ORDER BY name LIMIT 1 OFFSET ?", t.ID, ws.ID, clients/2))})
		}
	}
	return ps, nil
}

func sizes(db *gorm.DB, tenantID int64) string {
	var out []string
	for _, tbl := range []string{"administrators", "organizations", "users", "organization_members", "audit_events", "workspaces", "role_bindings"} {
		var n int64
		q := db.Table(tbl)
		if tbl == "organization_members" {
			q = q.Where("organization_id IN (SELECT id FROM organizations WHERE tenant_id = ?)", tenantID)
		} else {
			q = q.Where("tenant_id = ?", tenantID)
		}
		q.Count(&n)
		out = append(out, fmt.Sprintf("%s %d", tbl, n))
	}
	return strings.Join(out, ", ")
}

// signIn writes a fully signed-in session of the tenant's first Tenant
// Admin and returns its cookie and a function deleting it.
func signIn(db *gorm.DB, tenantID int64, cfg web.Config) (string, func(), error) {
	var adminID int64
	err := db.Raw(`SELECT a.id FROM administrators a JOIN role_bindings rb ON rb.administrator_id = a.id AND rb.tenant_id = a.tenant_id
		WHERE a.tenant_id = ? AND a.status = 'active' AND rb.role_key = 'tenant_admin' AND rb.workspace_id IS NULL AND rb.expires_at IS NULL
		ORDER BY a.id LIMIT 1`, tenantID).Scan(&adminID).Error
	if err != nil || adminID == 0 {
		return "", nil, fmt.Errorf("no active Tenant Admin in the tenant (accept the invitation first): %v", err)
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	raw := base64.RawURLEncoding.EncodeToString(b)
	data, _ := json.Marshal(map[string]any{"tenant_id": tenantID, "admin_id": adminID, "stage": "complete"})
	now := time.Now().UTC()
	row := models.Session{ID: models.HashToken(raw), TenantID: &tenantID, AdministratorID: &adminID, Data: data,
		IP: "127.0.0.1", UserAgent: "bench/lists", CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := db.Create(&row).Error; err != nil {
		return "", nil, err
	}
	name := "gatehouse_session"
	if cfg.SecureCookies() {
		name = "__Host-" + name
	}
	return name + "=" + raw, func() { db.Where("id = ?", row.ID).Delete(&models.Session{}) }, nil
}

// bindAccess binds n of the tenant's administrators (those not bound
// there yet) as Workspace Auditors in its first workspace.
func bindAccess(db *gorm.DB, tenantID int64, n int) error {
	var wsID int64
	if err := db.Raw("SELECT id FROM workspaces WHERE tenant_id = ? ORDER BY id LIMIT 1", tenantID).Scan(&wsID).Error; err != nil || wsID == 0 {
		return fmt.Errorf("no workspace to bind in (seed --workspaces 1): %v", err)
	}
	return db.Exec(`INSERT INTO role_bindings (tenant_id, administrator_id, role_key, workspace_id, created_at)
		SELECT tenant_id, id, 'workspace_auditor', ?, ? FROM administrators a
		WHERE tenant_id = ? AND status = 'active' AND NOT EXISTS (SELECT 1 FROM role_bindings rb WHERE rb.administrator_id = a.id AND rb.workspace_id = ?)
		ORDER BY id LIMIT ?`, wsID, time.Now().UTC(), tenantID, wsID, n).Error
}

// addAudit adds n audit events to the tenant in bulk (PostgreSQL), outside
// the hash chain: for measuring the log's pages only.
func addAudit(db *gorm.DB, tenantID int64, n int) error {
	if db.Dialector.Name() != "postgres" {
		return fmt.Errorf("-audit needs PostgreSQL")
	}
	actions := []string{"administrator.signed_in", "administrator.signed_out", "user.created", "organization.created", "administrator.role_assigned"}
	return db.Exec(`INSERT INTO audit_events (tenant_id, actor_email, action, target_type, target_id, target_label, changes, ip, user_agent, created_at)
		SELECT ?, 'bench' || (g % 1000) || '@example.com', (?::text[])[1 + g % 5], 'administrator', CAST(g % 100000 AS TEXT), 'bench', '{}', '127.0.0.1', 'bench',
		       now() - make_interval(secs => ? - g)
		FROM generate_series(1, ?) g`, tenantID, "{"+strings.Join(actions, ",")+"}", n, n).Error
}
