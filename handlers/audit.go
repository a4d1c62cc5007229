package handlers

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"gatehouse/views/components"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/views/layout"
	"gatehouse/views/pages"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// auditCSVHeader names the export's columns.
// seq and hash are the event's position in the tenant's hash chain and its
// link (SHA-256 of the previous event's hash and the event's canonical
// JSON), so a copy can be compared with the log later.
var auditCSVHeader = []string{"time", "actor", "action", "target_type", "target_id", "target", "changes", "ip", "user_agent", "seq", "hash"}

// auditTimeLayouts are what the from and to filters accept, read as UTC:
// a date, or a date and time as an <input type="datetime-local"> sends it
// (and RFC 3339 timestamps with a zone, see parseAuditTime).
var auditTimeLayouts = []string{"2006-01-02T15:04Z", "2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02 15:04:05", "2006-01-02 15:04Z", "2006-01-02 15:04:05Z"}

// auditShownLayout is how the log shows a time, and the filter's fields a
// bound: ISO 8601 in UTC, which the filter accepts as typed.
const auditShownLayout = "2006-01-02T15:04:05Z"

const auditDateLayout = "2006-01-02"

// AuditList is the Audit log: the tenant's audit events, newest first,
// filtered by the query string (actor, action, target, from, to) and paged
// with ?before=<id>.
func (h *Handler) AuditList(c echo.Context) error {
	v := render.Viewer(c)
	ctx := c.Request().Context()
	form, filter, errs := parseAuditFilter(c.QueryParams())
	base := "/t/" + v.Tenant.Slug + "/audit"
	query := auditQuery(form)
	d := pages.AuditData{Filter: form, Errors: errs, Filtered: !filter.IsZero(), ListHref: base}
	ws, inWorkspace := render.Workspace(c) // a workspace's audit screen: only the events inside it
	if inWorkspace {
		base = render.WorkspacePath(v.Tenant.Slug, ws.Slug, "/audit")
		d.ListHref, filter.WorkspaceID = base, &ws.ID
	}

	filter = filter.VisibleTo(*v) // Editor - Users: user management only
	actions, err := h.auditActions(ctx, v.Tenant.ID, filter)
	if err != nil {
		return err
	}
	d.Actions = auditActionGroups(actions, form.Action)

	status := http.StatusOK
	if len(errs) > 0 {
		status = http.StatusUnprocessableEntity
	} else {
		before, _ := strconv.ParseInt(c.QueryParam("before"), 10, 64)
		if before < 0 {
			before = 0
		}
		events, next, err := h.Models.ListAudit(ctx, v.Tenant.ID, filter, before, models.AuditPageDefault)
		if err != nil {
			return err
		}
		links, err := h.auditTargetLinks(c, events)
		if err != nil {
			return err
		}
		for _, ev := range events {
			r := auditRow(ev, base, query)
			r.TargetHref = links[ev.TargetType][ev.TargetID]
			d.Rows = append(d.Rows, r)
		}
		d.ExportHref = base + "/export.csv" + withQuery(query.Encode())
		d.Pager = components.Pager{PrevLabel: "Newest", NextLabel: "Older events"}
		if next > 0 {
			d.Pager.NextHref = base + "?before=" + strconv.FormatInt(next, 10) + withAmp(query.Encode())
		}
		if before > 0 {
			d.Pager.PrevHref = base + withQuery(query.Encode())
		}
		// Typed dates are shown as the bound they stand for, in the
		// form a datetime-local input displays.
		d.Filter.From, d.Filter.To = auditInputTime(filter.From), auditInputTime(filter.To)
	}
	if inWorkspace {
		return h.renderWorkspaceAudit(c, status, d)
	}
	chain, err := h.Models.AuditChainStatus(ctx, v.Tenant.ID)
	if err != nil {
		return err
	}
	d.Chain = auditChainView(chain)
	p := h.R.Page(c, "Audit log", layout.Crumb{Label: "Audit log"})
	return render.Render(c, status, pages.AuditLog(p, d))
}

// AuditExport streams the filtered audit log as CSV (at most
// models.AuditExportMax rows, newest first). Invalid filters get the list
// page with their messages (422) instead.
func (h *Handler) AuditExport(c echo.Context) error {
	v := render.Viewer(c)
	_, filter, errs := parseAuditFilter(c.QueryParams())
	if len(errs) > 0 {
		return h.AuditList(c)
	}
	scope := v.Tenant.Slug
	if ws, ok := render.Workspace(c); ok { // a workspace's events only
		filter.WorkspaceID, scope = &ws.ID, v.Tenant.Slug+"-"+ws.Slug
	}
	filter = filter.VisibleTo(*v)
	res := c.Response()
	// A large export may outlast the server's write timeout.
	_ = http.NewResponseController(res.Writer).SetWriteDeadline(time.Now().Add(10 * time.Minute))

	w := csv.NewWriter(res)
	started := false
	start := func() error {
		if started {
			return nil
		}
		started = true
		name := fmt.Sprintf("audit-%s-%s.csv", scope, h.Models.Now().UTC().Format(auditDateLayout))
		res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
		res.Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
		res.WriteHeader(http.StatusOK)
		return w.Write(auditCSVHeader)
	}
	n := 0
	err := h.Models.ExportAudit(c.Request().Context(), v.Tenant.ID, filter, models.AuditExportMax, func(ev models.AuditEvent) error {
		if err := start(); err != nil {
			return err
		}
		if err := w.Write(auditCSVRecord(ev)); err != nil {
			return err
		}
		if n++; n%500 == 0 {
			w.Flush()
			res.Flush()
			return w.Error()
		}
		return nil
	})
	if err == nil {
		err = start() // an empty export still gets its header row
	}
	if err == nil {
		w.Flush()
		err = w.Error()
	}
	if err != nil && !started {
		return err // nothing sent yet: the usual error page
	}
	if err != nil {
		// Rows were sent with 200: abort the connection so the download
		// fails visibly instead of ending short.
		h.Logger.Error("audit export failed", "err", err, "rows", n, "tenant", v.Tenant.Slug,
			"request_id", res.Header().Get(echo.HeaderXRequestID))
		panic(http.ErrAbortHandler)
	}
	return nil
}

// parseAuditFilter reads the filters from the query string. It returns
// them as typed (trimmed), as a models.AuditFilter, and a message per
// invalid field.
func parseAuditFilter(q url.Values) (pages.AuditFilterForm, models.AuditFilter, map[string]string) {
	form := pages.AuditFilterForm{
		Actor:  strings.TrimSpace(q.Get("actor")),
		Action: strings.TrimSpace(q.Get("action")),
		Target: strings.TrimSpace(q.Get("target")),
		From:   strings.TrimSpace(q.Get("from")),
		To:     strings.TrimSpace(q.Get("to")),
	}
	f := models.AuditFilter{Actor: form.Actor, Action: form.Action, Target: form.Target}
	errs := map[string]string{}
	if form.From != "" {
		if t, ok := parseAuditTime(form.From, false); ok {
			f.From = &t
		} else {
			errs["from"] = badAuditTime(form.From)
		}
	}
	if form.To != "" {
		if t, ok := parseAuditTime(form.To, true); ok {
			f.To = &t
		} else {
			errs["to"] = badAuditTime(form.To)
		}
	}
	if f.From != nil && f.To != nil && !f.To.After(*f.From) {
		errs["to"] = "Choose a time after From."
	}
	return form, f, errs
}

func badAuditTime(typed string) string {
	if len(typed) > 40 {
		typed = typed[:40] + "…"
	}
	return fmt.Sprintf("“%s” is not a date. Use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC), as the log shows times.", typed)
}

// parseAuditTime reads s as UTC. A date alone is its midnight, or, for the
// end of a range (end), the next midnight, so that "to 2026-03-01"
// includes all of that day.
func parseAuditTime(s string, end bool) (time.Time, bool) {
	for _, l := range auditTimeLayouts {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return t, true
		}
	}
	// A full timestamp with its zone (RFC 3339, as scripts send it).
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), true
	}
	t, err := time.ParseInLocation(auditDateLayout, s, time.UTC)
	if err != nil {
		return time.Time{}, false
	}
	if end {
		t = t.AddDate(0, 0, 1)
	}
	return t, true
}

// auditInputTime formats a bound as the log shows times (a date alone
// when it is a midnight that starts the range).
func auditInputTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(auditShownLayout)
}

// auditQuery is the filters of a list URL, as typed, without empty ones.
func auditQuery(f pages.AuditFilterForm) url.Values {
	q := url.Values{}
	for _, kv := range [][2]string{{"actor", f.Actor}, {"action", f.Action}, {"target", f.Target}, {"from", f.From}, {"to", f.To}} {
		if kv[1] != "" {
			q.Set(kv[0], kv[1])
		}
	}
	return q
}

func withQuery(enc string) string {
	if enc == "" {
		return ""
	}
	return "?" + enc
}

func withAmp(enc string) string {
	if enc == "" {
		return ""
	}
	return "&" + enc
}

// auditRow formats one event for the list; its actor and action link to
// the list narrowed to them (other filters kept, first page).
func auditRow(ev models.AuditEvent, base string, query url.Values) pages.AuditRow {
	narrow := func(key, val string) string {
		q := url.Values{}
		for k, vs := range query {
			q[k] = vs
		}
		q.Set(key, val)
		return base + "?" + q.Encode()
	}
	t := ev.CreatedAt.UTC()
	r := pages.AuditRow{
		Time: t.Format(auditShownLayout), Datetime: t.Format(time.RFC3339),
		Actor: ev.ActorEmail, Action: ev.Action, ActionLabel: auditActionLabel(ev.Action), ActionHref: narrow("action", ev.Action),
		Target: ev.TargetLabel, TargetType: ev.TargetType,
		Changes: auditChanges(ev.Changes), IP: ev.IP, UserAgent: ev.UserAgent,
	}
	if r.Target == "" {
		r.Target = ev.TargetID
	}
	if ev.ActorEmail != "" {
		r.ActorHref = narrow("actor", ev.ActorEmail)
	}
	return r
}

// auditChanges reads an event's JSON changes ({"field": {"before": …,
// "after": …}}) as display lines, sorted by field. Anything else is shown
// as it is stored.
func auditChanges(raw string) []pages.AuditChange {
	if strings.TrimSpace(raw) == "" {
		return nil
	}
	var m map[string]struct {
		Before json.RawMessage `json:"before"`
		After  json.RawMessage `json:"after"`
	}
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return []pages.AuditChange{{After: clip(raw, 300)}}
	}
	out := make([]pages.AuditChange, 0, len(m))
	for field, ch := range m {
		out = append(out, pages.AuditChange{Field: field, Before: auditValue(ch.Before), After: auditValue(ch.After)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// auditValue shows one JSON value: strings bare, null and absence as "—",
// anything else as compact JSON; long values are clipped.
func auditValue(v json.RawMessage) string {
	s := strings.TrimSpace(string(v))
	switch {
	case s == "" || s == "null":
		return "—"
	case s == `""`:
		return `""`
	case strings.HasPrefix(s, `"`):
		var str string
		if json.Unmarshal(v, &str) == nil {
			return clip(str, 120)
		}
	}
	return clip(s, 120)
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// auditActionGroups groups the tenant's actions by the object they act on
// ("administrator.created" under "administrator", led by
// "administrator.*"). A selected action not among them (typed into the
// URL) is kept as a choice of its own so the select still shows it.
func auditActionGroups(actions []string, selected string) []pages.AuditActionGroup {
	var groups []pages.AuditActionGroup
	known := selected == ""
	for _, a := range actions {
		kind, _, ok := strings.Cut(a, ".")
		if !ok {
			groups = append(groups, pages.AuditActionGroup{Options: []pages.AuditActionOption{{Value: a, Label: a}}})
			known = known || a == selected
			continue
		}
		if len(groups) == 0 || groups[len(groups)-1].Label != kind {
			all := kind + ".*"
			groups = append(groups, pages.AuditActionGroup{Label: auditWords(kind), Options: []pages.AuditActionOption{{Value: all, Label: "All " + strings.ToLower(auditWords(kind)) + " actions"}}})
			known = known || all == selected
		}
		g := &groups[len(groups)-1]
		g.Options = append(g.Options, pages.AuditActionOption{Value: a, Label: auditActionLabel(a)})
		known = known || a == selected
	}
	if !known {
		groups = append([]pages.AuditActionGroup{{Options: []pages.AuditActionOption{{Value: selected, Label: selected}}}}, groups...)
	}
	return groups
}

// auditCSVRecord is one CSV row, every cell safe to open in a spreadsheet.
func auditCSVRecord(ev models.AuditEvent) []string {
	rec := []string{ev.CreatedAt.UTC().Format(time.RFC3339), ev.ActorEmail, ev.Action, ev.TargetType, ev.TargetID,
		ev.TargetLabel, ev.Changes, ev.IP, ev.UserAgent, strconv.FormatInt(ev.Seq, 10), ev.Hash}
	for i, cell := range rec {
		rec[i] = csvSafe(cell)
	}
	return rec
}

// csvSafe neutralises spreadsheet formula injection: a cell starting with
// = + - @ tab or carriage return gets a leading apostrophe, so it is read
// as text.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// auditChainView says how far the tenant's hash chain is verified.
func auditChainView(st models.AuditChainStatus) *pages.AuditChainView {
	v := &pages.AuditChainView{Events: st.Events, VerifiedSeq: st.VerifiedSeq, VerifiedAt: fmtTime(st.VerifiedAt, ""),
		FullCheckAt: fmtTime(st.FullCheckAt, ""), Broken: st.Broken, BrokenSeq: st.BrokenSeq, BrokenEventID: st.BrokenEventID, Problem: st.Problem}
	return v
}

// auditWordFixes are the words of action codes written otherwise in prose.
var auditWordFixes = map[string]string{"api": "API", "apis": "APIs", "totp": "TOTP", "sso": "SSO"}

// auditWords turns a code's part ("api_token") into words ("API token").
func auditWords(code string) string {
	words := strings.Fields(strings.ReplaceAll(code, "_", " "))
	for i, w := range words {
		if fix, ok := auditWordFixes[w]; ok {
			words[i] = fix
		}
	}
	return capitalise(strings.Join(words, " "))
}

// auditActionLabel is an action as readable words:
// "administrator.signed_in" is "Administrator signed in".
func auditActionLabel(action string) string {
	kind, verb, ok := strings.Cut(action, ".")
	if !ok {
		return auditWords(action)
	}
	v := auditWords(verb)
	if v != "" && !strings.HasPrefix(v, "API") && !strings.HasPrefix(v, "TOTP") && !strings.HasPrefix(v, "SSO") {
		v = strings.ToLower(v[:1]) + v[1:]
	}
	return auditWords(kind) + " " + v
}

// auditTargetLinks are the pages of the events' targets that still exist
// and that the viewer may read, by target type and id (one query per kind
// of target on the page).
func (h *Handler) auditTargetLinks(c echo.Context, events []models.AuditEvent) (map[string]map[string]string, error) {
	v := render.Viewer(c)
	t := "/t/" + v.Tenant.Slug
	pages := map[string]struct {
		ok   bool
		path string
	}{
		"administrator": {v.Can(authz.ReadTenantRoles), t + "/settings/administrators/"},
		"user":          {v.Can(authz.ReadUsers), t + "/users/"},
		"connection":    {v.Can(authz.ReadConnections), t + "/connections/"},
		"role":          {v.Can(authz.ReadRoles), t + "/roles/"},
		"organization":  {v.Can(authz.ReadOrganizations), t + "/organizations/"},
		"workspace":     {true, t + "/workspaces/"}, // each checked below
	}
	ids := map[string][]string{}
	for _, ev := range events {
		if pg, ok := pages[ev.TargetType]; ok && pg.ok {
			ids[ev.TargetType] = append(ids[ev.TargetType], ev.TargetID)
		}
	}
	keys, err := h.Models.AuditTargetKeys(c.Request().Context(), v.Tenant.ID, ids)
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]string{}
	for kind, byID := range keys {
		out[kind] = map[string]string{}
		for id, key := range byID {
			if n, _ := strconv.ParseInt(id, 10, 64); kind == "workspace" && !v.CanSeeWorkspace(n) {
				continue
			}
			out[kind][id] = pages[kind].path + url.PathEscape(key)
		}
	}
	return out, nil
}
