package web_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/models/passwords"
	"gatehouse/web/webtest"
)

// signInAs creates an active administrator of the tenant slug holding one
// tenant-wide role (a role key such as "tenant_auditor") and returns a
// client signed in as them.
func signInAs(t *testing.T, app *webtest.App, slug, email, role string) *webtest.Client {
	t.Helper()
	db := app.DB.DB
	var tenant models.Tenant
	if err := db.Where("slug = ?", slug).Take(&tenant).Error; err != nil {
		t.Fatalf("tenant %s: %v", slug, err)
	}
	var pool models.IdentityPool
	if err := db.Where("tenant_id = ? AND kind = ?", tenant.ID, models.PoolAdministrators).Take(&pool).Error; err != nil {
		t.Fatalf("administrators pool of %s: %v", slug, err)
	}
	hash, err := passwords.Hash(webtest.Ctx(), webtest.Password)
	if err != nil {
		t.Fatal(err)
	}
	now := app.Store.Now().UTC()
	admin := models.Administrator{TenantID: tenant.ID, PoolID: pool.ID, Email: strings.ToLower(email),
		GivenName: "Test", FamilyName: role, Status: models.AdminActive, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
	if err := db.Create(&admin).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Create(&models.RoleBinding{TenantID: tenant.ID, AdministratorID: admin.ID, RoleKey: role, CreatedAt: now}).Error; err != nil {
		t.Fatal(err)
	}
	c := app.Client()
	c.SignIn(slug, email, webtest.Password)
	return c
}

// seedAuditEvents writes events for tenant directly, oldest first.
func seedAuditEvents(t *testing.T, app *webtest.App, evs ...models.AuditEvent) {
	t.Helper()
	if err := app.DB.DB.CreateInBatches(&evs, 200).Error; err != nil {
		t.Fatal(err)
	}
}

var auditRowRE = regexp.MustCompile(`<time datetime="[^"]+">`)

// auditRows counts the event rows on an Audit log page.
func auditRows(body string) int { return len(auditRowRE.FindAllString(body, -1)) }

var olderRE = regexp.MustCompile(`href="(/t/acme/audit\?before=\d+[^"]*)" rel="next">Older events`)

func TestAuditLogListsAndFilters(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, tenant, _ := app.Owner("acme", "owner@example.com")
		app.Owner("globex", "owner@globex.example") // another tenant's events
		now := app.Clock.Now().UTC()
		seedAuditEvents(t, app,
			models.AuditEvent{TenantID: tenant.ID, ActorEmail: "bob@example.com", Action: "administrator.created",
				TargetType: "administrator", TargetID: "77", TargetLabel: "carol@example.com", IP: "192.0.2.7", UserAgent: "Firefox",
				CreatedAt: now.Add(-48 * time.Hour),
				Changes:   `{"role":{"before":null,"after":"tenant_auditor"},"status":{"before":"invited","after":"active"}}`},
			models.AuditEvent{TenantID: tenant.ID, ActorEmail: "bob@example.com", Action: "organization.updated",
				TargetType: "organization", TargetID: "9", TargetLabel: `<script>alert("x")</script>`,
				Changes: `{"display_name":{"before":"Old","after":"New"}}`, CreatedAt: now.Add(-24 * time.Hour)},
		)

		r := c.Get("/t/acme/audit")
		if r.Status != http.StatusOK {
			t.Fatalf("audit log: %d\n%s", r.Status, r.Body)
		}
		for _, want := range []string{
			`<h1>Audit log</h1>`, `aria-current="page">Audit log</li>`, // heading and breadcrumb
			`href="/t/acme/audit" class="active" aria-current="page">Audit log</a>`, // left navigation
			`data-action="administrator.signed_in"`, `owner@example.com`, `data-action="administrator.invitation_accepted"`,
			`<code>status</code>: invited → active`, `<code>role</code>: — → tenant_auditor`,
			`carol@example.com <span class="muted">administrator</span>`, `title="Firefox">192.0.2.7`,
			`&lt;script&gt;`, `href="/t/acme/audit/export.csv"`, `>Download CSV</a>`, `name="actor"`,
			`<option value="administrator.*">All administrator actions</option>`,
		} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("audit log lacks %s", want)
			}
		}
		if strings.Contains(r.Body, `<script>alert`) || strings.Contains(r.Body, " style=") {
			t.Error("unescaped target label or inline style")
		}
		if strings.Contains(r.Body, "owner@globex.example") {
			t.Error("another tenant's events are listed")
		}
		// Newest first, by when they were written: Bob's events were written last.
		order := []int{strings.Index(r.Body, "data-action=\"organization.updated\""), strings.Index(r.Body, "data-action=\"administrator.created\""),
			strings.Index(r.Body, "data-action=\"administrator.signed_in\""), strings.Index(r.Body, "data-action=\"tenant.created\"")}
		for i := 1; i < len(order); i++ {
			if order[i-1] < 0 || order[i-1] > order[i] {
				t.Errorf("not newest first: %v", order)
			}
		}

		for _, tc := range []struct {
			query      string
			rows       int
			has, hasnt []string
		}{
			{"actor=BOB%40example.com", 2, []string{"organization.updated", "administrator.created", `value="BOB@example.com"`}, []string{"data-action=\"administrator.signed_in\""}},
			{"action=administrator.signed_in", 1, []string{"data-action=\"administrator.signed_in\"", `<option value="administrator.signed_in" selected>`}, []string{"data-action=\"administrator.created\""}},
			{"action=administrator.*", 3, []string{"data-action=\"administrator.created\"", "data-action=\"administrator.signed_in\""}, []string{"data-action=\"organization.updated\""}},
			{"target=Carol%40Example.com", 1, []string{"data-action=\"administrator.created\""}, nil},
			{"target=77", 1, []string{"data-action=\"administrator.created\""}, nil},
			{"from=" + now.Add(-30*time.Hour).Format("2006-01-02T15:04") + "&to=" + now.Add(-time.Hour).Format("2006-01-02T15:04"), 1, []string{"data-action=\"organization.updated\""}, nil},
			{"to=" + now.Add(-48*time.Hour).Format("2006-01-02"), 1, []string{"data-action=\"administrator.created\""}, nil}, // a date alone includes that day
			// RFC 3339 with a zone, as scripts send it (+02:00 is two hours ahead of UTC).
			{"from=" + url.QueryEscape(now.Add(-30*time.Hour).In(time.FixedZone("", 7200)).Format(time.RFC3339)) + "&to=" + now.Add(-time.Hour).UTC().Format(time.RFC3339), 1, []string{"data-action=\"organization.updated\""}, nil},
			{"actor=nobody%40example.com", 0, []string{"No audit events match these filters.", ">Clear filters</a>"}, nil},
		} {
			r := c.Get("/t/acme/audit?" + tc.query)
			if r.Status != http.StatusOK {
				t.Errorf("%s: %d", tc.query, r.Status)
				continue
			}
			if n := auditRows(r.Body); n != tc.rows {
				t.Errorf("%s: %d rows, want %d", tc.query, n, tc.rows)
			}
			for _, s := range tc.has {
				if !strings.Contains(r.Body, s) {
					t.Errorf("%s: lacks %s", tc.query, s)
				}
			}
			for _, s := range tc.hasnt {
				if strings.Contains(r.Body, s) {
					t.Errorf("%s: shows %s", tc.query, s)
				}
			}
			// The download carries the same filters.
			q, _ := url.ParseQuery(tc.query)
			if !strings.Contains(r.Body, `href="/t/acme/audit/export.csv?`+htmlEscape(q.Encode())+`"`) {
				t.Errorf("%s: the Download CSV link lacks the filters", tc.query)
			}
		}
	})
}

func htmlEscape(s string) string { return strings.ReplaceAll(s, "&", "&amp;") }

func TestAuditLogPagesByKeyset(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, tenant, _ := app.Owner("acme", "owner@example.com")
		now := app.Clock.Now().UTC()
		var evs []models.AuditEvent
		for i := range 123 {
			evs = append(evs, models.AuditEvent{TenantID: tenant.ID, ActorEmail: "bot@example.com", Action: "user.updated",
				TargetType: "user", TargetID: fmt.Sprint(i), TargetLabel: fmt.Sprintf("user-%03d", i), CreatedAt: now})
		}
		seedAuditEvents(t, app, evs...)

		page := "/t/acme/audit?action=user.updated"
		seen := map[string]bool{}
		labelRE := regexp.MustCompile(`user-\d{3}`)
		for n := 0; ; n++ {
			r := c.Get(page)
			if r.Status != http.StatusOK {
				t.Fatalf("%s: %d", page, r.Status)
			}
			rows := auditRows(r.Body)
			if rows > 50 {
				t.Fatalf("page of %d rows", rows)
			}
			for _, l := range labelRE.FindAllString(r.Body, -1) {
				if seen[l] {
					t.Fatalf("%s on two pages", l)
				}
				seen[l] = true
			}
			if n > 0 && !strings.Contains(r.Body, `href="/t/acme/audit?action=user.updated" rel="prev">← Newest</a>`) {
				t.Errorf("page %d has no link back to the newest events", n+1)
			}
			m := olderRE.FindStringSubmatch(r.Body)
			if m == nil {
				if n != 2 {
					t.Fatalf("%d pages, want 3", n+1)
				}
				break
			}
			if !strings.Contains(m[1], "&amp;action=user.updated") {
				t.Fatalf("older link drops the filter: %s", m[1])
			}
			page = strings.ReplaceAll(m[1], "&amp;", "&")
		}
		if len(seen) != 123 {
			t.Fatalf("walked %d events, want 123", len(seen))
		}
		// A nonsense cursor is the first page.
		if r := c.Get("/t/acme/audit?before=abc&action=user.updated"); r.Status != http.StatusOK || auditRows(r.Body) != 50 {
			t.Fatalf("bad cursor: %d", r.Status)
		}
	})
}

func TestAuditLogRejectsBadDates(t *testing.T) {
	t.Parallel()
	app := webtest.Start(t, modelstest.SQLite(t), webtest.Options{})
	c, _, _ := app.Owner("acme", "owner@example.com")
	for _, tc := range []struct{ query, field, msg, kept string }{
		{"from=2026-13-45&actor=someone%40example.com", "from", "is not a date", `value="2026-13-45"`},
		{"to=yesterday", "to", "“yesterday” is not a date", `value="yesterday"`},
		{"from=2026-03-02&to=2026-03-01T10:00", "to", "Choose a time after From.", `value="2026-03-01T10:00"`},
	} {
		for _, path := range []string{"/t/acme/audit?", "/t/acme/audit/export.csv?"} {
			r := c.Get(path + tc.query)
			if r.Status != http.StatusUnprocessableEntity {
				t.Errorf("%s%s: %d", path, tc.query, r.Status)
				continue
			}
			if !strings.Contains(r.Body, `id="e-`+tc.field+`"`) || !strings.Contains(r.Body, tc.msg) || !strings.Contains(r.Body, tc.kept) {
				t.Errorf("%s%s: no message beside %s, or the typed value was lost", path, tc.query, tc.field)
			}
			if strings.Contains(tc.query, "actor=") && !strings.Contains(r.Body, `value="someone@example.com"`) {
				t.Errorf("%s%s: the typed actor was lost", path, tc.query)
			}
			if auditRows(r.Body) != 0 || strings.Contains(r.Body, "Download CSV") {
				t.Errorf("%s%s: events listed under invalid filters", path, tc.query)
			}
			if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
				t.Errorf("%s%s: %s", path, tc.query, r.Header.Get("Content-Type"))
			}
		}
	}
}

func TestAuditExportCSV(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		c, tenant, _ := app.Owner("acme", "owner@example.com")
		app.Owner("globex", "owner@globex.example")
		at := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
		seedAuditEvents(t, app, models.AuditEvent{TenantID: tenant.ID, ActorEmail: "@evil.example", Action: "organization.updated",
			TargetType: "organization", TargetID: "-1", TargetLabel: `=HYPERLINK("https://evil.example","click")`,
			Changes: `{"display_name":{"before":"+1","after":"a,b \"quoted\""}}`, IP: "\t192.0.2.1", UserAgent: "\rcurl", CreatedAt: at})

		r := c.Get("/t/acme/audit/export.csv")
		if r.Status != http.StatusOK {
			t.Fatalf("export: %d\n%s", r.Status, r.Body)
		}
		if ct := r.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
		wantName := "audit-acme-" + app.Clock.Now().UTC().Format("2006-01-02") + ".csv"
		if cd := r.Header.Get("Content-Disposition"); cd != `attachment; filename="`+wantName+`"` {
			t.Errorf("Content-Disposition %q", cd)
		}
		recs, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll()
		if err != nil {
			t.Fatalf("not CSV: %v\n%s", err, r.Body)
		}
		if strings.Join(recs[0], ",") != "time,actor,action,target_type,target_id,target,changes,ip,user_agent,seq,hash" {
			t.Fatalf("header %v", recs[0])
		}
		// Newest first: the seeded event, then the owner's sign-in, invitation and the tenant's creation.
		var actions []string
		for _, rec := range recs[1:] {
			actions = append(actions, rec[2])
			if strings.Contains(strings.Join(rec, ","), "globex") {
				t.Errorf("another tenant's event exported: %v", rec)
			}
		}
		if strings.Join(actions, ",") != "organization.updated,administrator.signed_in,administrator.invitation_accepted,tenant.created" {
			t.Fatalf("exported actions %v", actions)
		}
		want := []string{"2026-03-01T09:30:00Z", "'@evil.example", "organization.updated", "organization", "'-1",
			`'=HYPERLINK("https://evil.example","click")`, `{"display_name":{"before":"+1","after":"a,b \"quoted\""}}`,
			"'\t192.0.2.1", "'\rcurl", "0", ""} // written behind Gatehouse's back: in no chain
		if fmt.Sprintf("%q", recs[1]) != fmt.Sprintf("%q", want) {
			t.Errorf("row\n got %q\nwant %q", recs[1], want)
		}
		if signIn := recs[2]; signIn[1] != "owner@example.com" || signIn[5] != "owner@example.com" || signIn[3] != "administrator" {
			t.Errorf("sign-in row %q", signIn)
		}
		// Events carry their position in the chain and their hash, as stored.
		var chained []models.AuditEvent
		if err := app.DB.DB.Where("tenant_id = ? AND seq > 0", tenant.ID).Order("seq DESC").Find(&chained).Error; err != nil {
			t.Fatal(err)
		}
		for i, ev := range chained {
			if rec := recs[2+i]; rec[9] != strconv.FormatInt(ev.Seq, 10) || rec[10] != ev.Hash || len(ev.Hash) != 64 {
				t.Errorf("row %d: seq %q hash %q, stored %d %q", 2+i, rec[9], rec[10], ev.Seq, ev.Hash)
			}
		}
		if len(chained) != 3 {
			t.Fatalf("%d chained events", len(chained))
		}
		if _, err := time.Parse(time.RFC3339, recs[2][0]); err != nil || !strings.HasSuffix(recs[2][0], "Z") {
			t.Errorf("time %q is not RFC 3339 UTC", recs[2][0])
		}

		// The export is filtered like the list; no match is a header alone.
		r = c.Get("/t/acme/audit/export.csv?action=administrator.*&actor=OWNER%40example.com")
		recs, err = csv.NewReader(strings.NewReader(r.Body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != http.StatusOK || len(recs) != 3 || recs[1][2] != "administrator.signed_in" || recs[2][2] != "administrator.invitation_accepted" {
			t.Fatalf("filtered export: %d %q", r.Status, recs)
		}
		r = c.Get("/t/acme/audit/export.csv?actor=nobody%40example.com")
		if recs, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll(); err != nil {
			t.Fatal(err)
		} else if r.Status != http.StatusOK || len(recs) != 1 {
			t.Fatalf("empty export: %d %q", r.Status, r.Body)
		}
	})
}

func TestAuditLogPermissions(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app := webtest.Start(t, db, webtest.Options{})
		owner, _, _ := app.Owner("acme", "owner@example.com")
		paths := []string{"/t/acme/audit", "/t/acme/audit/export.csv"}

		clients := map[string]*webtest.Client{"tenant_admin": owner}
		for _, role := range []string{"tenant_auditor", "editor_users", "tenant_member", "editor_organizations", "editor_connections"} {
			clients[role] = signInAs(t, app, "acme", strings.ReplaceAll(role, "_", ".")+"@example.com", role)
		}
		for role, want := range map[string]int{
			"tenant_admin": http.StatusOK, "tenant_auditor": http.StatusOK, "editor_users": http.StatusOK,
			"tenant_member": http.StatusForbidden, "editor_organizations": http.StatusForbidden, "editor_connections": http.StatusForbidden,
		} {
			c := clients[role]
			for _, p := range paths {
				r := c.Get(p)
				if r.Status != want {
					t.Errorf("%s GET %s: %d, want %d", role, p, r.Status, want)
					continue
				}
				if want == http.StatusForbidden && (!strings.Contains(r.Body, "Access denied") || !strings.Contains(r.Body, `class="sidebar"`)) {
					t.Errorf("%s GET %s: the 403 page is not in the layout", role, p)
				}
				if want == http.StatusOK && p == paths[1] && !strings.HasPrefix(r.Body, "time,actor,") {
					t.Errorf("%s GET %s: not the CSV", role, p)
				}
			}
			// The navigation offers the Audit log only to those who may open it.
			home := c.Get("/t/acme/")
			if got := strings.Contains(home.Body, `href="/t/acme/audit"`); got != (want == http.StatusOK) {
				t.Errorf("%s: Audit log in the navigation = %v", role, got)
			}
		}
		// The auditor sees the others' sign-ins.
		if r := clients["tenant_auditor"].Get("/t/acme/audit?actor=editor.users%40example.com"); auditRows(r.Body) != 1 {
			t.Errorf("auditor: %d rows for editor.users' sign-in", auditRows(r.Body))
		}

		// Anonymous: sent to sign in, and back here afterwards.
		for _, p := range paths {
			r := app.Client().Get(p)
			if r.Status != http.StatusSeeOther || r.Location != "/t/acme/login?next="+url.QueryEscape(p) {
				t.Errorf("anonymous GET %s: %d %q", p, r.Status, r.Location)
			}
		}
		// A session belongs to one tenant: globex's owner is sent to acme's sign-in.
		other, _, _ := app.Owner("globex", "owner@globex.example")
		for _, p := range paths {
			r := other.Get(p)
			if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/t/acme/login") {
				t.Errorf("globex owner GET %s: %d %q", p, r.Status, r.Location)
			}
		}
		if r := other.Get("/t/globex/audit"); r.Status != http.StatusOK || strings.Contains(r.Body, "owner@example.com") {
			t.Errorf("globex owner on globex: %d", r.Status)
		}
	})
}
