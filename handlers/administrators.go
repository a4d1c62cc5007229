package handlers

import (
	"errors"
	"fmt"
	"net/http"
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

const timeFormat = "2006-01-02 15:04 UTC"

func fmtTime(t *time.Time, none string) string {
	if t == nil || t.IsZero() {
		return none
	}
	return t.UTC().Format(timeFormat)
}

func adminsPath(c echo.Context, rest string) string {
	t, _ := render.Tenant(c)
	return "/t/" + t.Slug + "/settings/administrators" + rest
}

func adminCrumbs(c echo.Context, more ...layout.Crumb) []layout.Crumb {
	cr := []layout.Crumb{{Label: "Tenant Settings"}, {Label: "Administrators", Href: adminsPath(c, "")}}
	return append(cr, more...)
}

func roleBadges(bs []models.RoleBinding, now time.Time, workspaces map[int64]models.Workspace, dir authz.Directory) []pages.RoleBadge {
	out := make([]pages.RoleBadge, 0, len(bs))
	for _, b := range bs {
		name := roleName(dir, b.RoleKey)
		if b.WorkspaceID != nil {
			if w, ok := workspaces[*b.WorkspaceID]; ok {
				name += " · " + w.Name
			}
		}
		out = append(out, pages.RoleBadge{Name: name, Expired: !b.Active(now), Until: fmtTime(b.ExpiresAt, "")})
	}
	return out
}

// workspacesOf loads, in one query, the workspaces the workspace-scoped
// bindings among bs are bound to (id, name, slug).
func (h *Handler) workspacesOf(c echo.Context, tenantID int64, bs []models.RoleBinding) (map[int64]models.Workspace, error) {
	var ids []int64
	for _, b := range bs {
		if b.WorkspaceID != nil {
			ids = append(ids, *b.WorkspaceID)
		}
	}
	return h.Models.WorkspaceNames(c.Request().Context(), tenantID, ids)
}

// AdminList is Tenant Settings > Administrators.
func (h *Handler) AdminList(c echo.Context) error {
	v := render.Viewer(c)
	if mode := v.Tenant.AdminManagement(); mode != models.AdminManagementClassic {
		return h.adminManagementNotice(c, mode) // feature flags: not managed here
	}
	lp := listParams(c)
	q := models.AdminListQuery{Search: lp.Search, After: lp.After, Limit: lp.Limit}
	d := pages.AdminListData{Search: lp.Search, CanCreate: v.Can(authz.ManageTenantRoles)}
	// Filters and order: unknown values are ignored (the whole list, by e-mail).
	d.Roles = append(d.Roles, pages.Option{Value: "", Label: "Any role"})
	for _, r := range authz.RoleKeyNames() {
		d.Roles = append(d.Roles, pages.Option{Value: string(r.Key), Label: r.Name})
		if c.QueryParam("role") == string(r.Key) {
			q.Role = string(r.Key)
		}
	}
	d.Statuses = []pages.Option{{Value: "", Label: "Any status"}}
	for _, s := range []models.AdminStatus{models.AdminActive, models.AdminInvited, models.AdminInactive} {
		d.Statuses = append(d.Statuses, pages.Option{Value: string(s), Label: pages.StatusLabel(string(s))})
		if c.QueryParam("status") == string(s) {
			q.Status = s
		}
	}
	sortLabels := map[models.AdminSort]string{models.AdminSortEmail: "E-mail", models.AdminSortName: "Name", models.AdminSortLastSignIn: "Last sign-in"}
	for _, s := range models.AdminSorts {
		d.Sorts = append(d.Sorts, pages.Option{Value: string(s), Label: sortLabels[s]})
		if c.QueryParam("sort") == string(s) && s != models.AdminSortEmail {
			q.Sort = s
		}
	}
	d.Role, d.Status, d.Sort = q.Role, string(q.Status), string(q.Sort)
	d.Filtered = q.Role != "" || q.Status != "" || q.Search != ""
	lp = lp.Keep("role", d.Role).Keep("status", d.Status).Keep("sort", d.Sort)
	if d.Sort == "" {
		d.Sort = string(models.AdminSortEmail)
	}
	page, err := h.Models.ListAdministrators(c.Request().Context(), v.Tenant.ID, q)
	if err != nil {
		return err
	}
	total, more := page.Total, false
	if !page.Counted {
		if total, more, err = h.Models.CountAdministratorsMatching(c.Request().Context(), v.Tenant.ID, q); err != nil {
			return err
		}
	}
	d.Total = thousands(total) + " administrator" + map[bool]string{true: "", false: "s"}[total == 1]
	if more {
		d.Total = "More than " + thousands(total) + " administrators"
	}
	if d.Filtered {
		d.Total += " match"
		if total == 1 && !more {
			d.Total += "es"
		}
	}
	now := h.Models.Now()
	// Workspace roles name their workspace: one query for the page's (none
	// when it shows none). Custom roles are named from the tenant's
	// directory (one query, only when the page shows one).
	var wsIDs []int64
	custom := false
	for _, it := range page.Items {
		for _, b := range it.Bindings {
			if b.WorkspaceID != nil {
				wsIDs = append(wsIDs, *b.WorkspaceID)
			}
			custom = custom || authz.IsCustom(authz.RoleKey(b.RoleKey))
		}
	}
	workspaces, err := h.Models.WorkspaceNames(c.Request().Context(), v.Tenant.ID, wsIDs)
	if err != nil {
		return err
	}
	var dir authz.Directory
	if custom {
		if dir, err = h.roleDirectory(c); err != nil {
			return err
		}
	}
	d.Rows = make([]pages.AdminRow, 0, len(page.Items))
	base := adminsPath(c, "/")
	for _, it := range page.Items {
		a := &it.Administrator
		d.Rows = append(d.Rows, pages.AdminRow{
			Href: base + strconv.FormatInt(a.ID, 10), Name: a.DisplayName(), Email: a.Email,
			Roles: roleBadges(it.Bindings, now, workspaces, dir), Status: string(a.Status), LastSignIn: fmtTime(a.LastSignInAt, "Never"),
		})
	}
	d.Pager = lp.Pager(adminsPath(c, ""), page.Next, len(page.Items))
	p := h.R.Page(c, "Administrators", adminCrumbs(c)...)
	return render.Render(c, http.StatusOK, pages.AdminList(p, d))
}

func roleOptions(v *models.Viewer, dir authz.Directory) []pages.Option {
	var out []pages.Option
	for _, ch := range models.TenantRoleChoices(*v, dir) {
		out = append(out, pages.Option{Value: string(ch.Role.Key), Label: ch.Role.Name, Disabled: ch.Disabled, Reason: ch.Reason})
	}
	return out
}

// canGrantTenantAdmin reports whether the viewer may grant Tenant Admin
// (and so is asked for a step-up on the forms that grant roles).
func canGrantTenantAdmin(opts []pages.Option) bool {
	for _, o := range opts {
		if o.Value == string(authz.TenantAdmin) {
			return !o.Disabled
		}
	}
	return false
}

// renderAdminNew shows Create New with what was typed and the messages.
func (h *Handler) renderAdminNew(c echo.Context, status int, d pages.AdminNewData) error {
	dir, err := h.roleDirectory(c)
	if err != nil {
		return err
	}
	v := render.Viewer(c)
	for _, o := range roleOptions(v, dir) {
		if o.Value != string(authz.OrganizationAdmin) { // bound to an Organization: granted on the User Profile
			o.Group = "Tenant Role"
			d.Roles = append(d.Roles, o)
		}
	}
	// A workspace role (with its workspace) makes a workspace-only
	// administrator; whether the viewer may grant it is checked in the
	// workspace typed (Manage Access's rule).
	for _, r := range dir.In(authz.ScopeWorkspace) {
		d.Roles = append(d.Roles, pages.Option{Value: string(r.Key), Label: r.Name, Group: "Workspace role (in one workspace)"})
	}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	d.AskStepUp = canGrantTenantAdmin(d.Roles)
	d.StepUp = h.stepUpView(c, d.Errors, "needed only to grant Tenant Admin", "")
	p := h.R.Page(c, "Create New", adminCrumbs(c, layout.Crumb{Label: "Create New"})...)
	return render.Render(c, status, pages.AdminNew(p, d))
}

// AdminNewForm shows Create New.
func (h *Handler) AdminNewForm(c echo.Context) error {
	return h.renderAdminNew(c, http.StatusOK, pages.AdminNewData{})
}

// AdminCreate creates the administrator, queues the invitation and opens
// the User Profile. Granting Tenant Admin needs a step-up.
func (h *Handler) AdminCreate(c echo.Context) error {
	v := render.Viewer(c)
	in := models.CreateAdminInput{
		Email: c.FormValue("email"), GivenName: c.FormValue("given_name"),
		FamilyName: c.FormValue("family_name"), Role: c.FormValue("role"), Workspace: strings.TrimSpace(c.FormValue("workspace")),
	}
	typed := pages.AdminNewData{Email: strings.TrimSpace(in.Email), GivenName: in.GivenName, FamilyName: in.FamilyName, Role: in.Role, Workspace: in.Workspace}
	stepErrs, err := h.stepUpCheck(c)
	if err != nil {
		return err
	}
	if stepErrs != nil {
		typed.Errors = stepErrs
		return h.renderAdminNew(c, http.StatusUnprocessableEntity, typed)
	}
	a, err := h.Models.CreateAdministrator(c.Request().Context(), *v, in, actor(c))
	if ok, rerr := h.pendingOutcome(c, err); ok {
		return rerr
	}
	var verr *models.ValidationError
	switch {
	case errors.As(err, &verr):
		typed.Errors = verr.Fields
		if _, taken := verr.Fields["email"]; taken { // lead to the one who has it (issue 10, #4)
			if email, msg := models.CheckEmail(in.Email); msg == "" {
				if other, err := h.Models.AdministratorByEmail(c.Request().Context(), v.Tenant.ID, email); err == nil {
					typed.ExistingHref, typed.ExistingName = adminsPath(c, "/"+strconv.FormatInt(other.ID, 10)), other.DisplayName()
				}
			}
		}
		return h.renderAdminNew(c, http.StatusUnprocessableEntity, typed)
	case errors.Is(err, models.ErrEscalation):
		return outcome(err)
	case err != nil:
		return err
	}
	h.wakeMail()
	h.Flashes.Set(c, "success", fmt.Sprintf("%s was created and an invitation was sent to %s.", a.DisplayName(), a.Email))
	return render.Redirect(c, adminsPath(c, "/"+strconv.FormatInt(a.ID, 10)))
}

// AdminProfile is the User Profile.
func (h *Handler) AdminProfile(c echo.Context) error {
	return h.renderProfile(c, http.StatusOK, nil, "", "")
}

func (h *Handler) renderProfile(c echo.Context, status int, errs map[string]string, role, expires string) error {
	id := render.Admin(c).ID
	d, a, err := h.adminProfileData(c, id, adminsPath(c, "/"+strconv.FormatInt(id, 10)), errs, role, expires)
	if err != nil {
		return err
	}
	p := h.R.Page(c, a.DisplayName(), adminCrumbs(c, layout.Crumb{Label: a.DisplayName()})...)
	return render.Render(c, status, pages.AdminProfile(p, d))
}

// adminProfileData builds the User Profile of administrator id (base is
// its URL; role and expiry forms post under it), for the profile and for
// the Administrators pool's Roles page.
func (h *Handler) adminProfileData(c echo.Context, id int64, base string, errs map[string]string, role, expires string) (pages.AdminProfileData, models.Administrator, error) {
	v := render.Viewer(c)
	prof, err := h.Models.AdministratorProfile(c.Request().Context(), v.Tenant.ID, id)
	if err != nil {
		return pages.AdminProfileData{}, models.Administrator{}, err
	}
	dir, err := h.roleDirectory(c)
	if err != nil {
		return pages.AdminProfileData{}, models.Administrator{}, err
	}
	now := h.Models.Now()
	a := prof.Administrator
	d := pages.AdminProfileData{
		ID: a.ID, BaseURL: base, Name: a.DisplayName(), Email: a.Email, Status: string(a.Status),
		LastSignIn: fmtTime(a.LastSignInAt, "Never"), Created: fmtTime(&a.CreatedAt, ""),
		CanManage: v.Can(authz.ManageTenantRoles) && v.Tenant.AdminManagement() == models.AdminManagementClassic, IsSelf: a.ID == v.Administrator.ID,
		RoleOptions: roleOptions(v, dir), Errors: errs, Role: role, ExpiresAt: expires, Organization: c.FormValue("organization"),
		AskRoleStepUp: canGrantTenantAdmin(roleOptions(v, dir)),
		MinDate:       now.UTC().Format("2006-01-02"),
		TOTPOn:        a.TOTPEnabledAt != nil, TOTPSince: fmtTime(a.TOTPEnabledAt, ""),
		Locked: a.Locked(now), LockedUntil: fmtTime(a.LockedUntil, ""),
	}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	d.RoleStepUp = h.stepUpView(c, map[string]string{"password": d.Errors["role-password"], "code": d.Errors["role-code"]},
		"needed only to grant Tenant Admin", "role")
	d.TOTPStepUp = h.stepUpView(c, map[string]string{"password": d.Errors["totp-password"], "code": d.Errors["totp-code"]}, "", "totp")
	held := map[string]bool{}
	for _, b := range prof.Bindings {
		if b.WorkspaceID == nil && b.Active(now) {
			held[b.RoleKey] = true
		}
	}
	// Roles they already hold are offered disabled, saying so.
	for i, o := range d.RoleOptions {
		if held[o.Value] && !o.Disabled {
			d.RoleOptions[i].Disabled, d.RoleOptions[i].Reason = true, "held"
		}
	}
	workspaces, err := h.workspacesOf(c, v.Tenant.ID, prof.Bindings)
	if err != nil {
		return d, a, err
	}
	var orgIDs []int64
	for _, b := range prof.Bindings {
		if b.OrganizationID != nil {
			orgIDs = append(orgIDs, *b.OrganizationID)
		}
	}
	orgs, err := h.Models.OrganizationNames(c.Request().Context(), v.Tenant.ID, orgIDs)
	if err != nil {
		return d, a, err
	}
	for _, b := range prof.Bindings {
		name, scope := roleName(dir, b.RoleKey), "Tenant"
		if b.WorkspaceID != nil {
			scope = fmt.Sprintf("Workspace #%d (deleted)", *b.WorkspaceID)
			if w, ok := workspaces[*b.WorkspaceID]; ok {
				scope = "Workspace " + w.Name
			}
		}
		if b.OrganizationID != nil {
			scope = fmt.Sprintf("Organization #%d (deleted)", *b.OrganizationID)
			if o, ok := orgs[*b.OrganizationID]; ok {
				scope = "Organization " + o.Label()
			}
		}
		by := "—"
		if b.GrantedByID != nil {
			if n, ok := prof.GrantedBy[*b.GrantedByID]; ok {
				by = n
			}
		}
		d.Bindings = append(d.Bindings, pages.BindingRow{
			ID: b.ID, Role: name, Scope: scope, GrantedBy: by, Since: fmtTime(&b.CreatedAt, ""),
			Until: fmtTime(b.ExpiresAt, "Never"), Expired: !b.Active(now),
			RemoveURL: base + "/roles/" + strconv.FormatInt(b.ID, 10) + "/delete",
			Own:       a.ID == v.Administrator.ID && ownTenantAdmin(b),
		})
	}
	if prof.Invitation != nil {
		d.InvitationPending = prof.Invitation.ExpiresAt.After(now)
		d.InvitationExpires = fmtTime(&prof.Invitation.ExpiresAt, "")
	}
	current := ""
	if sess, err := h.Sessions.Load(c); err == nil && sess.RawID() != "" {
		current = models.HashToken(sess.RawID())
	}
	for _, s := range prof.Sessions {
		d.Sessions = append(d.Sessions, pages.SessionRow{
			Device: deviceName(s.UserAgent), IP: s.IP, Started: fmtTime(&s.CreatedAt, ""), LastSeen: fmtTime(&s.LastSeenAt, ""),
			EndURL: base + "/sessions/" + s.ID + "/delete", Current: s.ID == current,
		})
	}
	if d.Check, err = h.accessCheck(c, a, base); err != nil {
		return d, a, err
	}
	return d, a, nil
}

// deviceName summarises a user agent as "Browser on OS".
func deviceName(ua string) string {
	if ua == "" {
		return "Unknown device"
	}
	browser, os := "Browser", ""
	switch {
	case strings.Contains(ua, "Edg/"):
		browser = "Edge"
	case strings.Contains(ua, "Chrome/") || strings.Contains(ua, "Chromium/") || strings.Contains(ua, "HeadlessChrome"):
		browser = "Chrome"
	case strings.Contains(ua, "Firefox/"):
		browser = "Firefox"
	case strings.Contains(ua, "Safari/"):
		browser = "Safari"
	case strings.HasPrefix(ua, "Go-http-client"):
		browser = "Go HTTP client"
	case strings.HasPrefix(ua, "curl/"):
		browser = "curl"
	}
	switch {
	case strings.Contains(ua, "Windows"):
		os = "Windows"
	case strings.Contains(ua, "Mac OS X"):
		os = "macOS"
	case strings.Contains(ua, "Android"):
		os = "Android"
	case strings.Contains(ua, "iPhone") || strings.Contains(ua, "iPad"):
		os = "iOS"
	case strings.Contains(ua, "Linux"):
		os = "Linux"
	}
	if os == "" {
		return browser
	}
	return browser + " on " + os
}

// profileOutcome turns a User Profile mutation's result into a redirect
// with a flash, a 403, a 404, or the profile again with the error.
func (h *Handler) profileOutcome(c echo.Context, err error, success string) error {
	return h.profileOutcomeOf(c, err, success, "")
}

// profileOutcomeOf is profileOutcome for a form with a step-up: its
// messages on fields password and code are shown beside that form's own
// (stepUpForm "role" or "totp").
func (h *Handler) profileOutcomeOf(c echo.Context, err error, success, stepUpForm string) error {
	var verr *models.ValidationError
	switch {
	case err == nil:
		h.Flashes.Set(c, "success", success)
		id := render.Admin(c).ID
		// To the top of the profile, where the flash says what happened.
		return render.Redirect(c, adminsPath(c, "/"+strconv.FormatInt(id, 10)))
	case errors.Is(err, models.ErrNotFound):
		return echo.ErrNotFound
	case errors.Is(err, models.ErrEscalation):
		return outcome(err)
	case errors.Is(err, models.ErrLastTenantAdmin), errors.Is(err, models.ErrSelfDeactivation):
		return h.renderProfile(c, http.StatusForbidden, map[string]string{"_form": capitalise(err.Error()) + "."}, "", "")
	case errors.As(err, &verr):
		errs := map[string]string{}
		for k, m := range verr.Fields {
			switch {
			case k == "role" || k == "expires_at" || k == "status" || k == "organization":
				errs[k] = m
			case stepUpForm != "" && (k == "password" || k == "code"):
				errs[stepUpForm+"-"+k] = m
			default:
				errs["_form"] = m
			}
		}
		return h.renderProfile(c, http.StatusUnprocessableEntity, errs, c.FormValue("role"), c.FormValue("expires_at"))
	}
	return err
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// AdminAssignRole assigns a tenant role, optionally until a date.
func (h *Handler) AdminAssignRole(c echo.Context) error {
	v := render.Viewer(c)
	id := render.Admin(c).ID
	var expires *time.Time
	if s := strings.TrimSpace(c.FormValue("expires_at")); s != "" {
		d, perr := time.Parse("2006-01-02", s)
		if perr != nil {
			return h.profileOutcome(c, &models.ValidationError{Fields: map[string]string{"expires_at": "Enter a date like 2026-12-31."}}, "")
		}
		end := d.Add(24 * time.Hour) // the end of that day, UTC
		expires = &end
	}
	stepErrs, err := h.stepUpCheck(c)
	if err != nil {
		return err
	}
	if stepErrs != nil {
		return h.profileOutcomeOf(c, &models.ValidationError{Fields: stepErrs}, "", "role")
	}
	if r, ok := authz.RoleByKey(authz.RoleKey(c.FormValue("role"))); ok && r.Scope == authz.ScopeOrganization {
		err = h.Models.AssignOrganizationRole(c.Request().Context(), *v, id, c.FormValue("role"), c.FormValue("organization"), expires, actor(c))
	} else {
		err = h.Models.AssignRole(c.Request().Context(), *v, id, c.FormValue("role"), expires, actor(c))
	}
	if ok, rerr := h.pendingOutcome(c, err); ok {
		return rerr
	}
	dir, derr := h.roleDirectory(c)
	if derr != nil {
		return derr
	}
	return h.profileOutcomeOf(c, err, roleName(dir, c.FormValue("role"))+" was assigned.", "role")
}

// AdminRemoveRole removes one role binding.
func (h *Handler) AdminRemoveRole(c echo.Context) error {
	v := render.Viewer(c)
	a := render.Admin(c)
	b, err := h.Models.RoleBindingOf(c.Request().Context(), v.Tenant.ID, a.ID, render.BindingID(c))
	if err != nil {
		return outcome(err)
	}
	name := b.RoleKey
	if r, ok := authz.RoleByKey(authz.RoleKey(b.RoleKey)); ok {
		name = r.Name
	}
	profile := adminsPath(c, "/"+strconv.FormatInt(a.ID, 10))
	if asked, err := h.ownRoleRemoval(c, ownTenantAdmin, pages.OwnRoleRemovalData{Where: "of this tenant", Cancel: profile, Means: []string{
		"You can no longer manage administrators and their roles, workspaces, or the tenant's settings, unless another role of yours allows it.",
		"You stay signed in, with the roles you keep.",
	}}, adminCrumbs(c, layout.Crumb{Label: a.DisplayName(), Href: profile}, layout.Crumb{Label: "Remove your own role"})); asked || err != nil {
		return err
	}
	err = h.Models.RemoveRole(c.Request().Context(), *v, a.ID, b.ID, actor(c))
	return h.profileOutcome(c, err, "The role "+name+" was removed from "+a.DisplayName()+".")
}

// AdminSetStatus is Manage: activate or deactivate.
func (h *Handler) AdminSetStatus(c echo.Context) error {
	v := render.Viewer(c)
	id := render.Admin(c).ID
	status := models.AdminStatus(c.FormValue("status"))
	err := h.Models.SetStatus(c.Request().Context(), *v, id, status, actor(c))
	msg := "The administrator was activated."
	if status == models.AdminInactive {
		msg = "The administrator was deactivated and signed out everywhere."
	}
	return h.profileOutcome(c, err, msg)
}

// AdminResendInvitation sends a new invitation link.
func (h *Handler) AdminResendInvitation(c echo.Context) error {
	v := render.Viewer(c)
	id := render.Admin(c).ID
	err := h.Models.ResendInvitation(c.Request().Context(), *v, id, actor(c))
	if err == nil {
		h.wakeMail()
	}
	return h.profileOutcome(c, err, "A new invitation was sent; the previous link no longer works.")
}

// AdminRevokeInvitation withdraws the pending invitation.
func (h *Handler) AdminRevokeInvitation(c echo.Context) error {
	v := render.Viewer(c)
	id := render.Admin(c).ID
	err := h.Models.RevokeInvitation(c.Request().Context(), *v, id, actor(c))
	return h.profileOutcome(c, err, "The invitation was revoked.")
}

// AdminEndSession ends one of the administrator's sessions.
func (h *Handler) AdminEndSession(c echo.Context) error {
	v := render.Viewer(c)
	id := render.Admin(c).ID
	err := h.Models.EndSession(c.Request().Context(), *v, id, render.SessionID(c), actor(c))
	return h.profileOutcome(c, err, "The session was ended.")
}

// AdminSendPasswordReset e-mails the administrator a password-reset link.
func (h *Handler) AdminSendPasswordReset(c echo.Context) error {
	v := render.Viewer(c)
	a := render.Admin(c)
	_, err := h.Models.SendPasswordReset(c.Request().Context(), v.Tenant, a, actor(c))
	if errors.Is(err, models.ErrNotActive) {
		err = &models.ValidationError{Fields: map[string]string{"_form": a.DisplayName() + " is not active: only active administrators can reset their password. Resend the invitation instead."}}
	}
	if err == nil {
		h.wakeMail()
	}
	return h.profileOutcome(c, err, "A password reset link was sent to "+a.Email+".")
}
