package handlers

import (
	"fmt"
	"net/http"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/views/layout"
	"gatehouse/views/pages"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// The System pages (/t/{tenant}/system/...): read-only views of what
// Gatehouse has and does for the tenant, for Tenant Members (and Tenant
// Admins and Auditors): the e-mail templates it sends, the services and
// API routes it exposes (read from the route table), its environment
// (version, database, migrations, delivery queue) and its notifications.

// systemTabs are the System pages with their permissions, in order.
var systemTabs = []struct {
	label, path string
	perm        authz.Permission
}{
	{"Environment", "/system/environment", authz.ReadSystemEnvironment},
	{"Notifications", "/system/notifications", authz.ReadSystemNotifications},
	{"Services", "/system/services", authz.ReadSystemTenantServices},
	{"APIs", "/system/apis", authz.ReadSystemTenantAPIs},
	{"Templates", "/system/templates", authz.ReadSystemTemplates},
}

func (h *Handler) systemPage(c echo.Context, d pages.SystemData, active string, crumbs ...layout.Crumb) error {
	v := render.Viewer(c)
	for _, t := range systemTabs {
		if v.Can(t.perm) {
			d.Tabs = append(d.Tabs, pages.WorkspaceTab{Label: t.label, Href: tenantPath(c, t.path), Active: t.label == active})
		}
	}
	cr := append([]layout.Crumb{{Label: "System", Href: tenantPath(c, "/system/environment")}}, crumbs...)
	return render.Render(c, http.StatusOK, pages.System(h.R.Page(c, d.Title, cr...), d))
}

// buildVersion is the binary's module version and VCS revision.
func buildVersion() (version, revision string) {
	version, revision = "(devel)", "unknown"
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return
	}
	if bi.Main.Version != "" {
		version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
			if len(revision) > 12 {
				revision = revision[:12]
			}
		case "vcs.modified":
			if s.Value == "true" {
				revision += " (modified)"
			}
		}
	}
	return
}

// SystemEnvironment is /t/{tenant}/system/environment: the version, the
// database, the migrations applied and the delivery queue's state.
func (h *Handler) SystemEnvironment(c echo.Context) error {
	v := render.Viewer(c)
	ctx := c.Request().Context()
	migs, err := h.Models.AppliedMigrations(ctx)
	if err != nil {
		return err
	}
	ob, err := h.Models.TenantOutboxState(ctx, v.Tenant.ID)
	if err != nil {
		return err
	}
	o, err := h.Models.Overview(ctx, v.Tenant.ID)
	if err != nil {
		return err
	}
	version, rev := buildVersion()
	dbKind := map[string]string{"sqlite": "SQLite", "postgres": "PostgreSQL"}[h.Models.DB.Dialector.Name()]
	if dbKind == "" {
		dbKind = h.Models.DB.Dialector.Name()
	}
	last := ""
	if len(migs) > 0 {
		last = migs[len(migs)-1]
	}
	queue := fmt.Sprintf("%d waiting (%d failed at least once and will be retried); %d sent in the last 24 hours", ob.Pending, ob.Retrying, ob.SentLastDay)
	d := pages.SystemData{Title: "Environment", Intro: "The overall state of this tenant and of the Gatehouse serving it.",
		Details: []pages.ResDetail{
			{Label: "Tenant", Value: v.Tenant.Name + " (" + v.Tenant.Slug + ")"},
			{Label: "Plan", Value: titleCase(string(v.Tenant.Plan))},
			{Label: "Administrators", Value: adminSummaryDetail(o.Admins)},
			{Label: "Workspaces", Value: fmt.Sprint(o.Workspaces)},
			{Label: "Gatehouse version", Value: version + ", revision " + rev, Code: true},
			{Label: "Go", Value: runtime.Version(), Code: true},
			{Label: "Database", Value: dbKind},
			{Label: "Migrations applied", Value: fmt.Sprintf("%d, the latest %s", len(migs), last)},
			{Label: "Delivery queue (e-mail and SMS)", Value: queue},
			{Label: "Oldest waiting message", Value: fmtTime(ob.OldestPending, "")},
			{Label: "Last delivered", Value: fmtTime(ob.LastSentAt, "")},
			{Label: "Last delivery error", Value: clip(ob.LastError, 300)},
		}}
	mt := pages.ResTableSection{ID: "migrations", Title: "Migrations", Columns: []string{"#", "Migration"}, Empty: "None."}
	for i := len(migs) - 1; i >= 0; i-- {
		mt.Rows = append(mt.Rows, []pages.ResCell{{Text: fmt.Sprint(i + 1)}, {Text: migs[i], Code: true}})
	}
	d.Tables = append(d.Tables, mt)
	return h.systemPage(c, d, "Environment", layout.Crumb{Label: "Environment"})
}

// SystemNotifications is /t/{tenant}/system/notifications: what deserves
// attention, and the latest messages Gatehouse sent for the tenant.
func (h *Handler) SystemNotifications(c echo.Context) error {
	v := render.Viewer(c)
	ctx := c.Request().Context()
	o, err := h.Models.Overview(ctx, v.Tenant.ID)
	if err != nil {
		return err
	}
	ob, err := h.Models.TenantOutboxState(ctx, v.Tenant.ID)
	if err != nil {
		return err
	}
	d := pages.SystemData{Title: "Notifications", Intro: "What needs attention in this tenant, and the latest messages Gatehouse sent."}
	if o.UndeliveredEmails > 0 {
		msg := fmt.Sprintf("%d message%s could not be delivered yet and will be tried again.", o.UndeliveredEmails, plural(o.UndeliveredEmails))
		if o.LastDeliveryError != "" {
			msg += " Last error: " + clip(o.LastDeliveryError, 200)
		}
		d.Notices = append(d.Notices, pages.OverviewNotification{Kind: "warning", Message: msg})
	}
	if o.ExpiringInvitations > 0 {
		d.Notices = append(d.Notices, pages.OverviewNotification{Kind: "info",
			Message: fmt.Sprintf("%d invitation%s will expire within %s without having been accepted.", o.ExpiringInvitations, plural(o.ExpiringInvitations), humanDuration(models.InvitationsExpiringWithin))})
	}
	if o.Administrators[models.AdminActive] == 0 {
		d.Notices = append(d.Notices, pages.OverviewNotification{Kind: "warning", Message: "No administrator is active yet: the first invitation has not been accepted."})
	}
	if len(d.Notices) == 0 {
		d.Notices = append(d.Notices, pages.OverviewNotification{Kind: "info", Message: "Nothing needs attention."})
	}
	t := pages.ResTableSection{ID: "messages", Title: "Latest messages", Intro: "Invitations, password resets, codes and security notices, newest first (their content is not shown, nor any number in a subject: codes travel there).",
		Columns: []string{"Queued", "Channel", "To", "Subject", "State"}, Empty: "Gatehouse has sent nothing for this tenant yet."}
	for _, m := range ob.RecentMessages {
		state := "Sent " + fmtTime(m.SentAt, "")
		switch {
		case m.SentAt != nil:
		case m.Attempts > 0:
			state = fmt.Sprintf("Failed %d time%s, next attempt %s", m.Attempts, plural(int64(m.Attempts)), fmtTime(&m.NextAttemptAt, ""))
		default:
			state = "Waiting"
		}
		t.Rows = append(t.Rows, []pages.ResCell{{Text: fmtTime(&m.CreatedAt, "")}, {Text: m.Channel}, {Text: maskAddress(m.ToAddr)}, {Text: redactSubject(m.Subject, m.Channel)}, {Text: state}})
	}
	d.Tables = append(d.Tables, t)
	return h.systemPage(c, d, "Notifications", layout.Crumb{Label: "Notifications"})
}

// redactSubject hides every word of a subject that holds a digit: a
// sign-in code travels in its e-mail's subject, and Tenant Members read
// this list. A text message has no subject.
func redactSubject(subject, channel string) string {
	if channel == models.ChannelSMS && subject == "" {
		return "(text message)"
	}
	words := strings.Fields(subject)
	for i, w := range words {
		if strings.ContainsAny(w, "0123456789") {
			words[i] = "•••"
		}
	}
	return strings.Join(words, " ")
}

// maskAddress keeps the first letter and the domain of an address (a
// Tenant Member reads the list; the full addresses are not theirs to see).
func maskAddress(a string) string {
	local, domain, ok := strings.Cut(a, "@")
	if !ok {
		if len(a) > 4 {
			return strings.Repeat("•", len(a)-4) + a[len(a)-4:]
		}
		return a
	}
	r := []rune(local)
	if len(r) == 0 {
		return a
	}
	return string(r[0]) + "•••@" + domain
}

// routeArea is the first segment of a tenant route ("/workspaces/..." →
// "workspaces").
func routeArea(path string) string {
	rest := strings.TrimPrefix(path, "/t/:tenant")
	seg := strings.Split(strings.TrimPrefix(rest, "/"), "/")[0]
	if seg == "" {
		return "(dashboard)"
	}
	return seg
}

// SystemServices is /t/{tenant}/system/services: what Gatehouse serves
// this tenant, counted from the route table.
func (h *Handler) SystemServices(c echo.Context) error {
	v := render.Viewer(c)
	base := h.Models.BaseURL + "/t/" + v.Tenant.Slug
	areas := map[string]int{}
	api := 0
	for key := range h.R.Routes {
		_, path, _ := strings.Cut(key, " ")
		switch {
		case strings.HasPrefix(path, "/api/v1"):
			api++
		case strings.HasPrefix(path, "/t/:tenant"):
			areas[routeArea(path)]++
		}
	}
	console := 0
	for _, n := range areas {
		console += n
	}
	d := pages.SystemData{Title: "Services", Intro: "What Gatehouse serves this tenant, read from its route table."}
	t := pages.ResTableSection{ID: "services", Title: "Services", Columns: []string{"Service", "Where", "What it does"}}
	t.Rows = [][]pages.ResCell{
		{{Text: "Administrator console"}, {Text: base + "/", Code: true}, {Text: fmt.Sprintf("%d pages and forms, each behind the permission it declares", console)}},
		{{Text: "Administrator sign-in"}, {Text: base + "/login", Code: true}, {Text: "password, one-time codes, passkeys and single sign-on, rate limited per address"}},
		{{Text: "Invitations"}, {Text: h.Models.BaseURL + "/invitations/…", Code: true}, {Text: "e-mailed single-use links, valid " + humanDuration(h.Models.InvitationTTL)}},
		{{Text: "Password reset"}, {Text: h.Models.BaseURL + "/password-reset/…", Code: true}, {Text: "e-mailed single-use links, valid " + humanDuration(h.Models.ResetTTL)}},
		{{Text: "Management API"}, {Text: h.Models.BaseURL + "/api/v1", Code: true}, {Text: fmt.Sprintf("%d operations for scripts, with bearer tokens scoped by roles", api)}},
		{{Text: "API description"}, {Text: h.Models.BaseURL + "/api/v1/openapi.json", Code: true}, {Text: "OpenAPI 3.1, generated from the route table"}},
		{{Text: "Health"}, {Text: "/healthz, /readyz", Code: true}, {Text: "liveness, and readiness while the database answers"}},
		{{Text: "Message delivery"}, {Text: "outbox", Code: true}, {Text: "e-mail and SMS written with each change, retried until delivered"}},
	}
	d.Tables = append(d.Tables, t)
	at := pages.ResTableSection{ID: "areas", Title: "Console areas", Columns: []string{"Area", "Routes"}}
	for _, a := range slices.Sorted(mapKeys(areas)) {
		at.Rows = append(at.Rows, []pages.ResCell{{Text: "/t/" + v.Tenant.Slug + "/" + strings.TrimPrefix(a, "(dashboard)"), Code: true}, {Text: fmt.Sprint(areas[a])}})
	}
	d.Tables = append(d.Tables, at)
	return h.systemPage(c, d, "Services", layout.Crumb{Label: "Services"})
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// SystemAPIs is /t/{tenant}/system/apis: every management API operation
// with the permission it needs, from the route table.
func (h *Handler) SystemAPIs(c echo.Context) error {
	type op struct{ method, path, perm string }
	var ops []op
	for key, p := range h.R.Routes {
		method, path, _ := strings.Cut(key, " ")
		if !strings.HasPrefix(path, "/api/v1") {
			continue
		}
		label := string(p)
		if a, ok := authz.Lookup(p); ok {
			label = a.Name
		}
		ops = append(ops, op{method, apiPathDoc(path), label})
	}
	slices.SortFunc(ops, func(a, b op) int {
		if a.path != b.path {
			return strings.Compare(a.path, b.path)
		}
		return strings.Compare(a.method, b.method)
	})
	d := pages.SystemData{Title: "APIs", Intro: "The management API's operations and the permission each needs, read from the route table.",
		Details: []pages.ResDetail{
			{Label: "Base URL", Value: h.Models.BaseURL + "/api/v1", Code: true},
			{Label: "Authentication", Value: "Authorization: Bearer gh_… (a token made in Tenant Settings > API Tokens)"},
			{Label: "Description", Value: h.Models.BaseURL + "/api/v1/openapi.json", Code: true},
			{Label: "Operations", Value: fmt.Sprint(len(ops))},
			{Label: "Health", Value: "GET /healthz, GET /readyz", Code: true},
		}}
	t := pages.ResTableSection{ID: "operations", Title: "Operations", Columns: []string{"Method", "Path", "Permission"}, Empty: "None."}
	for _, o := range ops {
		t.Rows = append(t.Rows, []pages.ResCell{{Text: o.method, Code: true}, {Text: o.path, Code: true}, {Text: o.perm}})
	}
	d.Tables = append(d.Tables, t)
	return h.systemPage(c, d, "APIs", layout.Crumb{Label: "APIs"})
}

// apiPathDoc writes :param as {param}.
func apiPathDoc(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, ":") {
			parts[i] = "{" + p[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}

// emailTemplate is one e-mail Gatehouse sends, rendered with sample values.
type emailTemplate struct {
	key, name, when string
	render          func(h *Handler, t models.Tenant) (models.Email, error)
}

// emailTemplates are the e-mails of models.EmailRenderer, in
// models.EmailTemplateKeys' order.
var emailTemplates = []emailTemplate{
	{"invitation", "Invitation", "Sent when an administrator is created, and when their invitation is resent.", func(h *Handler, t models.Tenant) (models.Email, error) {
		return h.Models.Emails.Invitation(models.InvitationEmail{TenantName: t.Name, TenantSlug: t.Slug, InviteeName: "Ada Lovelace", InviteeEmail: "ada@example.com",
			InviterName: "Olivia Owner", URL: h.Models.BaseURL + "/invitations/…", ExpiresAt: h.Models.Now().Add(h.Models.InvitationTTL)})
	}},
	{"password-reset", "Password reset", "Sent when a Tenant Admin sends a password reset link from a User Profile.", func(h *Handler, t models.Tenant) (models.Email, error) {
		return h.Models.Emails.PasswordReset(models.PasswordResetEmail{TenantName: t.Name, TenantSlug: t.Slug, AdminName: "Ada Lovelace", AdminEmail: "ada@example.com",
			RequestedBy: "Olivia Owner", URL: h.Models.BaseURL + "/password-reset/…", ExpiresAt: h.Models.Now().Add(h.Models.ResetTTL)})
	}},
	{"sign-in-code", "Sign-in code", "Sent at sign-in when the tenant's authentication method is a one-time code.", func(h *Handler, t models.Tenant) (models.Email, error) {
		return h.Models.Emails.SignInCode(models.SignInCodeEmail{TenantName: t.Name, AdminName: "Ada Lovelace", Code: "123456", ExpiresAt: h.Models.Now().Add(10 * time.Minute), IP: "192.0.2.10"})
	}},
	{"organization-invitation", "Organization invitation", "Sent when someone is invited to join an Organization.", func(h *Handler, t models.Tenant) (models.Email, error) {
		return h.Models.Emails.OrganizationInvitation(models.OrganizationInvitationEmail{TenantName: t.Name, OrganizationName: "example-org", OrganizationDisplayName: "Example Org",
			InviterName: "Olivia Owner", InviteeEmail: "ada@example.com", URL: h.Models.BaseURL + "/o/example-org/invitations/…", ExpiresAt: h.Models.Now().Add(h.Models.InvitationTTL)})
	}},
	{"security-notice", "Security notice", "Sent when something protecting an administrator's account changes (password, TOTP, recovery codes).", func(h *Handler, t models.Tenant) (models.Email, error) {
		return h.Models.Emails.SecurityNotice(models.SecurityNoticeEmail{Subject: "Your Gatehouse password was changed", What: "The password of your account was changed.",
			TenantName: t.Name, AdminName: "Ada Lovelace", AdminEmail: "ada@example.com", By: "you", When: h.Models.Now(), IP: "192.0.2.10", AccountURL: h.Models.BaseURL + "/t/" + t.Slug + "/account"})
	}},
	{"new-device", "New device", "Sent when an administrator signs in from a device not seen before.", func(h *Handler, t models.Tenant) (models.Email, error) {
		return h.Models.Emails.NewDevice(models.NewDeviceEmail{TenantName: t.Name, AdminName: "Ada Lovelace", AdminEmail: "ada@example.com", At: h.Models.Now(), IP: "192.0.2.10",
			UserAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0", AccountURL: h.Models.BaseURL + "/t/" + t.Slug + "/account"})
	}},
	{"dormancy-warning", "Dormancy warning", "Sent before an administrator who has not signed in for a while is deactivated.", func(h *Handler, t models.Tenant) (models.Email, error) {
		return h.Models.Emails.DormancyWarning(models.DormancyWarningEmail{TenantName: t.Name, AdminName: "Ada Lovelace", AdminEmail: "ada@example.com", Days: 90,
			DeactivateOn: h.Models.Now().Add(7 * 24 * time.Hour), SignInURL: h.Models.BaseURL + "/t/" + t.Slug + "/login"})
	}},
}

func findEmailTemplate(key string) (emailTemplate, bool) {
	for _, t := range emailTemplates {
		if t.key == key {
			return t, true
		}
	}
	return emailTemplate{}, false
}

// SystemTemplates is /t/{tenant}/system/templates: the e-mails Gatehouse
// sends, each with its subject rendered for this tenant.
func (h *Handler) SystemTemplates(c echo.Context) error {
	v := render.Viewer(c)
	d := pages.SystemData{Title: "Templates", Intro: "The e-mails Gatehouse sends, rendered with sample values for this tenant. Open one to preview it."}
	t := pages.ResTableSection{ID: "templates", Title: "E-mail templates", Columns: []string{"Template", "When", "Subject"}}
	for _, et := range emailTemplates {
		subject := ""
		if h.Models.Emails != nil {
			if m, err := et.render(h, v.Tenant); err == nil {
				subject = m.Subject
			} else {
				subject = "Could not be rendered: " + err.Error()
			}
		}
		t.Rows = append(t.Rows, []pages.ResCell{{Text: et.name, Href: tenantPath(c, "/system/templates/"+et.key)}, {Text: et.when}, {Text: subject}})
	}
	d.Tables = append(d.Tables, t)
	return h.systemPage(c, d, "Templates", layout.Crumb{Label: "Templates"})
}

// SystemTemplate previews one e-mail template: subject, text and (framed,
// sandboxed) HTML.
func (h *Handler) SystemTemplate(c echo.Context) error {
	v := render.Viewer(c)
	et, ok := findEmailTemplate(render.EmailTemplate(c))
	if !ok || h.Models.Emails == nil {
		return echo.ErrNotFound
	}
	pv := &pages.SystemTemplatePreview{Name: et.name, When: et.when, HTMLHref: tenantPath(c, "/system/templates/"+et.key+"/html")}
	if m, err := et.render(h, v.Tenant); err != nil {
		pv.Error = "This template could not be rendered: " + err.Error()
	} else {
		pv.Subject, pv.Text = m.Subject, strings.TrimSpace(m.Text)
	}
	d := pages.SystemData{Title: et.name, Intro: "E-mail template, rendered with sample values.", Preview: pv}
	return h.systemPage(c, d, "Templates", layout.Crumb{Label: "Templates", Href: tenantPath(c, "/system/templates")}, layout.Crumb{Label: et.name})
}

// SystemTemplateHTML is the HTML part of a template, for the preview's
// frame: its own policy lets the e-mail's inline styles apply and nothing
// else (no script, no request anywhere), sandboxed, framed only by
// Gatehouse's own pages.
func (h *Handler) SystemTemplateHTML(c echo.Context) error {
	v := render.Viewer(c)
	et, ok := findEmailTemplate(render.EmailTemplate(c))
	if !ok || h.Models.Emails == nil {
		return echo.ErrNotFound
	}
	m, err := et.render(h, v.Tenant)
	if err != nil {
		return err
	}
	hd := c.Response().Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; frame-ancestors 'self'")
	hd.Set("X-Frame-Options", "SAMEORIGIN")
	return c.HTML(http.StatusOK, m.HTML)
}
