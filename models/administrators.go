package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"gatehouse/models/authz"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// AdminListQuery selects a page of the Administrators list.
type AdminListQuery struct {
	Search string // matched against e-mail and name, case-insensitively
	After  string // keyset cursor: the Next of the previous page
	Limit  int    // page size, 1..100 (default 25)
	// Role keeps administrators holding that built-in role (unexpired, in
	// the tenant or in a workspace); Status those of that status.
	Role   string
	Status AdminStatus
	Sort   AdminSort // AdminSortEmail by default
}

// AdminSort is an order of the Administrators list.
type AdminSort string

// The orders of the Administrators list; each ends with the e-mail, unique
// in the tenant, so the keyset cursor is exact.
const (
	AdminSortEmail      AdminSort = "email"
	AdminSortName       AdminSort = "name"         // given name, family name
	AdminSortLastSignIn AdminSort = "last_sign_in" // most recent first, never last
)

// AdminSorts are the orders the list offers.
var AdminSorts = []AdminSort{AdminSortEmail, AdminSortName, AdminSortLastSignIn}

// AdminListItem is one row of the list: an administrator with their roles.
type AdminListItem struct {
	Administrator Administrator
	Bindings      []RoleBinding
}

// AdminPage is one page of administrators, ordered by e-mail.
type AdminPage struct {
	Items []AdminListItem
	Next  string // cursor of the next page, "" when this is the last
	// Total is the number of administrators the list's filters keep, when
	// Counted (read with the page: no search nor role filter, a page not
	// empty); else CountAdministratorsMatching tells.
	Total   int64
	Counted bool
}

// ListAdministrators returns a page of the tenant's administrators with
// their roles in one query whatever the tenant's size (keyset on the
// (tenant_id, email) index; the page's bindings joined to its rows), and,
// when the list's total comes from the counters (no search, no role
// filter), that total in the same query (AdminPage.Counted). A search on
// PostgreSQL goes through the trigram indexes (search.go) in two queries.
func (s *Store) ListAdministrators(ctx context.Context, tenantID int64, q AdminListQuery) (AdminPage, error) {
	if q.Limit <= 0 || q.Limit > MaxPageSize {
		q.Limit = 25
	}
	if search := strings.TrimSpace(q.Search); usesTrigrams(s.DB, search) && adminOrder(q.Sort) == "email" && q.Role == "" && q.Status == "" {
		return s.searchAdministrators(ctx, tenantID, q, search)
	}
	var w strings.Builder
	args := make([]any, 0, 12)
	w.WriteString("SELECT " + adminPageColumns)
	counted := countedByCounters(q)
	if counted {
		// The total, from the counters: an uncommitted change is in neither
		// the page nor the total.
		total, totalArgs := adminCounterSQL(tenantID, q.Status)
		w.WriteString(", (" + total + ")")
		args = append(args, totalArgs...)
	}
	where, whereArgs := s.adminWhere(tenantID, q)
	w.WriteString(" FROM (SELECT id, email, given_name, family_name, status, last_sign_in_at, created_at" +
		" FROM administrators WHERE " + where)
	args = append(args, whereArgs...)
	if q.After != "" {
		cond, condArgs, ok, err := s.adminAfterSQL(ctx, tenantID, q.Sort, q.After)
		if err != nil {
			return AdminPage{}, err
		}
		if !ok {
			return AdminPage{}, nil // a cursor from nowhere: an empty page
		}
		w.WriteString(cond)
		args = append(args, condArgs...)
	}
	// The page's size is written out, not a parameter: PostgreSQL's generic
	// plan of the prepared statement is then the same index walk as a custom
	// one (with LIMIT $n it guesses a tenth of the table, hash-joins every
	// binding, and the server plans the statement afresh at each request).
	w.WriteString(" ORDER BY " + adminOrder(q.Sort) + " LIMIT " + strconv.Itoa(q.Limit+1) + ") a" +
		" LEFT JOIN role_bindings rb ON rb.tenant_id = ? AND rb.administrator_id = a.id" +
		" ORDER BY " + adminOrderOf("a.", q.Sort) + ", rb.id")
	args = append(args, tenantID)
	var page AdminPage
	err := s.rawQuery(ctx, "administrators", w.String(), args, func(rows Rows) (err error) {
		page, err = scanAdminPage(rows, tenantID, q.Limit, counted)
		return err
	})
	return page, err
}

// adminPageColumns are the columns of a page of the list as
// scanAdminPage reads them: each administrator (a) with one of their
// bindings (rb) a row, ordered by the list's order then the binding's id.
const adminPageColumns = "a.id, a.email, a.given_name, a.family_name, a.status, a.last_sign_in_at, a.created_at, " +
	"rb.id, rb.role_key, rb.workspace_id, rb.expires_at"

// scanAdminPage reads a page of the list (adminPageColumns, and the
// total in a last column when counted) from rows.
func scanAdminPage(rows Rows, tenantID int64, limit int, counted bool) (AdminPage, error) {
	var (
		page        AdminPage
		a           Administrator
		status      string
		last        sql.NullTime
		bID         sql.NullInt64
		bRole       sql.NullString
		bWorkspace  sql.NullInt64
		bExpires    sql.NullTime
		total       int64
		n           int
		dest        = []any{&a.ID, &a.Email, &a.GivenName, &a.FamilyName, &status, &last, &a.CreatedAt, &bID, &bRole, &bWorkspace, &bExpires}
		lastAdminID int64
	)
	if counted {
		dest = append(dest, &total)
	}
	page.Items = make([]AdminListItem, 0, limit+1)
	for rows.Next() {
		a = Administrator{}
		if err := rows.Scan(dest...); err != nil {
			return AdminPage{}, err
		}
		if n == 0 || a.ID != lastAdminID {
			n++
			lastAdminID = a.ID
			a.TenantID, a.Status = tenantID, AdminStatus(status)
			if last.Valid {
				t := last.Time
				a.LastSignInAt = &t
			}
			page.Items = append(page.Items, AdminListItem{Administrator: a})
		}
		if bID.Valid {
			b := RoleBinding{ID: bID.Int64, TenantID: tenantID, AdministratorID: a.ID, RoleKey: bRole.String}
			if bWorkspace.Valid {
				id := bWorkspace.Int64
				b.WorkspaceID = &id
			}
			if bExpires.Valid {
				t := bExpires.Time
				b.ExpiresAt = &t
			}
			it := &page.Items[len(page.Items)-1]
			it.Bindings = append(it.Bindings, b)
		}
	}
	if err := rows.Err(); err != nil {
		return AdminPage{}, err
	}
	if counted && len(page.Items) > 0 {
		page.Total, page.Counted = total, true
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		page.Next = page.Items[limit-1].Administrator.Email
	}
	return page, nil
}

// adminAfterSQL is the condition continuing the list after the
// administrator whose e-mail is cursor (the last of the previous page), in
// the sort's order: the comparisons read that row's own values, so they
// match the database's ordering exactly (case folding, time format). ok
// is false when the cursor names nobody (the page is then empty).
func (s *Store) adminAfterSQL(ctx context.Context, tenantID int64, sort AdminSort, cursor string) (cond string, args []any, ok bool, err error) {
	switch sort {
	case AdminSortName:
		const name = "LOWER(given_name || ' ' || family_name)"
		const ref = "(SELECT " + name + " FROM administrators WHERE tenant_id = ? AND email = ?)"
		return " AND (" + name + " > " + ref + " OR (" + name + " = " + ref + " AND email > ?))",
			[]any{tenantID, cursor, tenantID, cursor, cursor}, true, nil
	case AdminSortLastSignIn:
		var last Administrator
		err := s.DB.WithContext(ctx).Model(&Administrator{}).Select("id, last_sign_in_at").
			Where("tenant_id = ? AND email = ?", tenantID, cursor).Take(&last).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return "", nil, false, nil
		}
		if err != nil {
			return "", nil, false, err
		}
		if last.LastSignInAt == nil { // among those who never signed in
			return " AND last_sign_in_at IS NULL AND email > ?", []any{cursor}, true, nil
		}
		const at = "(SELECT last_sign_in_at FROM administrators WHERE tenant_id = ? AND email = ?)"
		return " AND (last_sign_in_at < " + at + " OR (last_sign_in_at = " + at + " AND email > ?) OR last_sign_in_at IS NULL)",
			[]any{tenantID, cursor, tenantID, cursor, cursor}, true, nil
	}
	return " AND email > ?", []any{cursor}, true, nil
}

// searchAdministrators is ListAdministrators for a search on PostgreSQL
// sorted by e-mail and not filtered: the same matches in the same order,
// at the same cost wherever they lie in the tenant (search.go).
func (s *Store) searchAdministrators(ctx context.Context, tenantID int64, q AdminListQuery, search string) (AdminPage, error) {
	db := s.DB.WithContext(ctx)
	keys := trigramSearch(db, s.searchWindow(), "administrators", "email", false, "email, given_name, family_name",
		adminSearchCond, likeTerm(search, 2), likeTerm(indexTerm(search), 2),
		tenantID, q.After, q.Limit+1)
	page := db.Model(&Administrator{}).Select("id, email, given_name, family_name, status, last_sign_in_at, created_at").
		Where("tenant_id = ? AND email IN (?)", tenantID, keys)
	rows, err := db.Raw("SELECT "+adminPageColumns+" FROM (?) a LEFT JOIN role_bindings rb ON rb.tenant_id = ? AND rb.administrator_id = a.id"+
		" ORDER BY a.email, rb.id", page, tenantID).Rows()
	if err != nil {
		return AdminPage{}, err
	}
	defer rows.Close()
	p, err := scanAdminPage(rows, tenantID, q.Limit, false)
	if err != nil {
		return AdminPage{}, err
	}
	return p, rows.Err()
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// CreateAdminInput is the Create New form (and Manage Access > Invite).
type CreateAdminInput struct {
	Email      string
	GivenName  string
	FamilyName string
	Role       string
	// Workspace is the slug of the workspace a workspace role is given in
	// (Create New); "" with a tenant role.
	Workspace string
}

// CreateAdministrator creates an invited administrator with one role and
// queues the invitation e-mail, in one transaction with its audit event: a
// tenant role, or a workspace role in in.Workspace (a workspace-only
// administrator). The viewer may only grant a role whose permissions they
// hold.
func (s *Store) CreateAdministrator(ctx context.Context, v Viewer, in CreateAdminInput, actor Actor) (Administrator, error) {
	return s.createAdministrator(ctx, v, in, newAdmin{withRole: true}, actor)
}

// InviteToWorkspace is Manage Access > Invite: it invites a new
// administrator by e-mail with a workspace role in workspace workspaceID
// (the names may be left blank: the invitation page asks for them). Tenant
// Admins and the workspace's Workspace Admins may, under the rules of
// CreateAdministrator (no escalation; whoever invites must back the role
// when it is accepted, see mayInvite).
func (s *Store) InviteToWorkspace(ctx context.Context, v Viewer, workspaceID int64, in CreateAdminInput, actor Actor) (Administrator, error) {
	if !v.Perms.CanIn(authz.ManageWorkspaceRoles, workspaceID) {
		if v.CanSeeWorkspace(workspaceID) {
			return Administrator{}, ErrForbidden
		}
		return Administrator{}, ErrNotFound
	}
	return s.createAdministrator(ctx, v, in, newAdmin{withRole: true, workspaceID: workspaceID, namesOptional: true}, actor)
}

// newAdmin says how createAdministrator creates: with a role or none (the
// Administrators pool's Create), in a given workspace (Manage Access >
// Invite), with the names optional.
type newAdmin struct {
	withRole      bool
	workspaceID   int64 // the workspace of a workspace role, 0: named by in.Workspace
	namesOptional bool
}

// createAdministrator is CreateAdministrator; without withRole (the
// Administrators pool's Create) the administrator is invited with no role
// until one is assigned on their Roles page.
func (s *Store) createAdministrator(ctx context.Context, v Viewer, in CreateAdminInput, how newAdmin, actor Actor) (Administrator, error) {
	email, msg := CheckEmail(in.Email)
	in.Email = email
	in.GivenName, in.FamilyName = strings.TrimSpace(in.GivenName), strings.TrimSpace(in.FamilyName)
	f := fieldErrors{}
	if msg != "" {
		f.add("email", msg)
	}
	if !how.namesOptional || in.GivenName != "" || in.FamilyName != "" {
		checkName(f, "given_name", "Given name", in.GivenName)
		checkName(f, "family_name", "Family name", in.FamilyName)
	}
	var role authz.Role
	var ws Workspace
	var err error
	if how.withRole {
		role, ws, err = s.grantableNewRole(ctx, v, in, how.workspaceID)
	}
	if err != nil {
		var verr *ValidationError
		if !errors.As(err, &verr) {
			return Administrator{}, err
		}
		for k, m := range verr.Fields {
			f.add(k, m)
		}
	}
	if how.withRole && role.Key == authz.TenantAdmin {
		s.needStepUp(v, f)
	}
	if err := f.err(); err != nil {
		return Administrator{}, err
	}
	now := s.now()
	by := v.Administrator.ID
	var binding *RoleBinding
	if how.withRole {
		binding = &RoleBinding{TenantID: v.Tenant.ID, RoleKey: string(role.Key), GrantedByID: &by, CreatedAt: now}
		if ws.ID != 0 {
			wid := ws.ID
			binding.WorkspaceID = &wid
		}
	}
	if binding != nil && !mayInvite(v, []RoleBinding{*binding}) || binding == nil && !v.Can(authz.ManageTenantRoles) {
		return Administrator{}, ErrForbidden
	}
	var admin Administrator
	var pending *PendingChange
	err = s.tx(ctx, func(tx *gorm.DB) error {
		pending = nil
		if how.withRole && role.Key == authz.TenantAdmin {
			// Four eyes: inviting a Tenant Admin waits for another Tenant Admin.
			var n int64
			if err := tx.Model(&Administrator{}).Where("tenant_id = ? AND email = ?", v.Tenant.ID, in.Email).Count(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				return &ValidationError{Fields: map[string]string{"email": "An administrator with this e-mail already exists."}}
			}
			pending, err = s.maybePendingTx(tx, now, v, changeRequest{Kind: ChangeInviteTenantAdmin, Payload: invitePayload{Email: in.Email, GivenName: in.GivenName, FamilyName: in.FamilyName},
				Summary: "Invite " + in.GivenName + " " + in.FamilyName + " (" + in.Email + ") as Tenant Admin", Target: Target{Type: "administrator", Label: in.Email}}, actor)
			if err != nil || pending != nil {
				return err
			}
		}
		if ws.ID != 0 { // still there, and not deleted before the grant lands
			if _, err := workspaceIn(tx, v.Tenant.ID, ws.ID, "SHARE"); err != nil {
				return err
			}
		}
		var r *authz.Role
		if how.withRole {
			r = &role
		}
		admin, err = s.createAdministratorTx(tx, now, v.Tenant, in, r, ws, v.Administrator, actor, nil)
		return err
	})
	if err != nil || pending != nil {
		return Administrator{}, pendingOr(pending, err)
	}
	return admin, nil
}

// createAdministratorTx creates the invited administrator (with role, when
// not nil, granted by inviter) and queues the invitation, with its audit
// event; a workspace role when ws is set (a workspace-only administrator);
// extra joins the event's changes (an approval's).
func (s *Store) createAdministratorTx(tx *gorm.DB, now time.Time, tenant Tenant, in CreateAdminInput, role *authz.Role, ws Workspace, inviter Administrator, actor Actor, extra Changes) (Administrator, error) {
	admin := Administrator{TenantID: tenant.ID, Email: in.Email, GivenName: in.GivenName, FamilyName: in.FamilyName,
		Status: AdminInvited, CreatedAt: now, UpdatedAt: now}
	var pool IdentityPool
	if err := tx.Where("tenant_id = ? AND kind = ?", tenant.ID, PoolAdministrators).Take(&pool).Error; err != nil {
		return admin, err
	}
	admin.PoolID = pool.ID
	if err := tx.Create(&admin).Error; err != nil {
		if isUniqueViolation(err) {
			return admin, &ValidationError{Fields: map[string]string{"email": "An administrator with this e-mail already exists."}}
		}
		return admin, err
	}
	by := inviter.ID
	var roleKey authz.Role
	if role != nil {
		roleKey = *role
		b := RoleBinding{TenantID: tenant.ID, AdministratorID: admin.ID, RoleKey: string(role.Key), GrantedByID: &by, CreatedAt: now}
		if ws.ID != 0 {
			wid := ws.ID
			b.WorkspaceID = &wid
		}
		if err := tx.Create(&b).Error; err != nil {
			return admin, err
		}
	}
	if _, err := s.inviteTx(tx, now, tenant, admin, &inviter); err != nil {
		return admin, err
	}
	ch := Changes{
		"email": {After: admin.Email}, "given_name": {After: admin.GivenName},
		"family_name": {After: admin.FamilyName}, "role": {After: roleOrNone(roleKey)}, "status": {After: admin.Status},
	}
	if ws.ID != 0 {
		ch["workspace"] = Change{After: ws.Slug}
	}
	for k, c := range extra {
		ch[k] = c
	}
	return admin, writeAuditIn(tx, now, tenant.ID, ws.ID, actor, "administrator.created", adminTarget(admin), ch)
}

// grantableNewRole checks the role a new administrator is created with: a
// tenant role (grantableTenantRole), or a workspace role in workspaceID
// (or, when 0, the workspace whose slug in.Workspace names) that the viewer
// may grant there.
func (s *Store) grantableNewRole(ctx context.Context, v Viewer, in CreateAdminInput, workspaceID int64) (authz.Role, Workspace, error) {
	db := s.DB.WithContext(ctx)
	r, ok, err := roleTx(db, v.Tenant.ID, in.Role)
	if err != nil {
		return r, Workspace{}, err
	}
	if workspaceID == 0 && (!ok || r.Scope != authz.ScopeWorkspace) {
		r, err := s.grantableTenantRole(ctx, v, in.Role, nil)
		return r, Workspace{}, err
	}
	if !ok || r.Scope != authz.ScopeWorkspace {
		return r, Workspace{}, &ValidationError{Fields: map[string]string{"role": "Choose a workspace role."}}
	}
	var w Workspace
	if workspaceID != 0 {
		err = db.Where("tenant_id = ? AND id = ?", v.Tenant.ID, workspaceID).Take(&w).Error
	} else if slug := strings.TrimSpace(in.Workspace); slug == "" {
		return r, w, &ValidationError{Fields: map[string]string{"workspace": "Choose the workspace of the " + r.Name + " role."}}
	} else {
		err = db.Where("tenant_id = ? AND slug = ?", v.Tenant.ID, slug).Take(&w).Error
	}
	if errors.Is(err, gorm.ErrRecordNotFound) || err == nil && !v.CanSeeWorkspace(w.ID) {
		return r, w, &ValidationError{Fields: map[string]string{"workspace": "No such workspace."}}
	}
	if err != nil {
		return r, w, err
	}
	if w.Kind == WorkspaceKindAdmin {
		return r, w, &ValidationError{Fields: map[string]string{"workspace": adminWorkspaceAccess}}
	}
	if !v.PermsLasting(nil).CoversIn(r, w.ID) {
		return r, w, ErrEscalation
	}
	return r, w, nil
}

func checkName(f fieldErrors, field, label, v string) {
	switch {
	case v == "":
		f.add(field, label+" is required.")
	case len([]rune(v)) > 100:
		f.add(field, label+" must be at most 100 characters.")
	}
}

// RenameSelf changes the signed-in administrator's own given and family
// names (Account), in one transaction with its audit event; nothing else of
// theirs changes.
func (s *Store) RenameSelf(ctx context.Context, tenantID, adminID int64, given, family string, meta Actor) (Administrator, error) {
	given, family = strings.TrimSpace(given), strings.TrimSpace(family)
	f := fieldErrors{}
	checkName(f, "given_name", "Given name", given)
	checkName(f, "family_name", "Family name", family)
	if err := f.err(); err != nil {
		return Administrator{}, err
	}
	var a Administrator
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if a, err = adminIn(tx, tenantID, adminID); err != nil {
			return err
		}
		ch := Changes{}
		if a.GivenName != given {
			ch["given_name"] = Change{Before: a.GivenName, After: given}
		}
		if a.FamilyName != family {
			ch["family_name"] = Change{Before: a.FamilyName, After: family}
		}
		if len(ch) == 0 {
			return nil
		}
		now := s.now()
		if err := tx.Model(&Administrator{}).Where("id = ?", a.ID).
			Updates(map[string]any{"given_name": given, "family_name": family, "updated_at": now}).Error; err != nil {
			return err
		}
		a.GivenName, a.FamilyName = given, family
		meta.AdminID, meta.Email = a.ID, a.Email
		return writeAudit(tx, now, tenantID, meta, "administrator.renamed", adminTarget(a), ch)
	})
	return a, err
}

// RoleChoice is a tenant role as the viewer may (or may not) grant it.
type RoleChoice struct {
	Role     authz.Role
	Disabled bool
	Reason   string
}

// TenantRoleChoices lists the tenant roles of dir (the built-in ones, then
// the tenant's custom ones) with, for each, whether the viewer may grant it
// on this tenant and why not.
func TenantRoleChoices(v Viewer, dir authz.Directory) []RoleChoice {
	var out []RoleChoice
	for _, r := range append(dir.In(authz.ScopeTenant), authz.OrganizationRoles()...) {
		c := RoleChoice{Role: r}
		switch {
		case !r.AvailableOn(string(v.Tenant.Plan)):
			c.Disabled, c.Reason = true, "requires the Professional or Enterprise plan"
		case !v.Perms.Covers(r):
			c.Disabled, c.Reason = true, "you can only grant roles whose permissions you hold"
		}
		out = append(out, c)
	}
	return out
}

// grantableTenantRole checks that key names a tenant role the viewer may
// grant on this tenant: a ValidationError on field role for an unknown or
// plan-gated role, ErrEscalation when the viewer lacks its permissions for
// as long as the grant lasts (until; nil: for good).
func (s *Store) grantableTenantRole(ctx context.Context, v Viewer, key string, until *time.Time) (authz.Role, error) {
	r, ok, err := roleTx(s.DB.WithContext(ctx), v.Tenant.ID, key)
	if err != nil {
		return r, err
	}
	if !ok || r.Scope != authz.ScopeTenant {
		return r, &ValidationError{Fields: map[string]string{"role": "Choose a Tenant Role."}}
	}
	if !r.AvailableOn(string(v.Tenant.Plan)) {
		return r, &ValidationError{Fields: map[string]string{"role": r.Name + " requires the Professional or Enterprise plan."}}
	}
	if !v.PermsLasting(until).Covers(r) {
		return r, ErrEscalation
	}
	return r, nil
}

// lockTenant serialises, per tenant, the changes that must keep at least one
// active Tenant Admin (PostgreSQL row lock; SQLite transactions are
// serialised already).
func lockTenant(tx *gorm.DB, tenantID int64) error {
	if !IsPostgres(tx) {
		return nil
	}
	var t Tenant
	return tx.Clauses(clause.Locking{Strength: "UPDATE"}).Select("id").Where("id = ?", tenantID).Take(&t).Error
}

// The rule behind "the last active Tenant Admin stays": at every moment at
// least one active administrator holds Tenant Admin tenant-wide with no
// expiry. Bindings with an expiry do not count: they lapse on their own, and
// counting them would let the last permanent Tenant Admin be removed in
// favour of one whose access ends tomorrow.

// permanentTenantAdmins counts the active administrators, other than
// exceptAdmin, holding a tenant-wide Tenant Admin binding with no expiry
// other than exceptBinding (0: none excepted).
func permanentTenantAdmins(tx *gorm.DB, tenantID, exceptAdmin, exceptBinding int64) (int64, error) {
	var n int64
	err := tx.Model(&RoleBinding{}).
		Joins("JOIN administrators ON administrators.id = role_bindings.administrator_id").
		Where("role_bindings.tenant_id = ? AND role_bindings.role_key = ? AND role_bindings.workspace_id IS NULL AND role_bindings.expires_at IS NULL", tenantID, string(authz.TenantAdmin)).
		Where("role_bindings.id <> ? AND administrators.status = ? AND administrators.id <> ?", exceptBinding, AdminActive, exceptAdmin).
		Distinct("administrators.id").Count(&n).Error
	return n, err
}

// keepsATenantAdmin returns ErrLastTenantAdmin when deactivating a would
// leave no active administrator with a permanent Tenant Admin binding.
func keepsATenantAdmin(tx *gorm.DB, a Administrator) error {
	if err := lockTenant(tx, a.TenantID); err != nil {
		return err
	}
	if a.Status != AdminActive {
		return nil
	}
	var held int64
	if err := tx.Model(&RoleBinding{}).Where("tenant_id = ? AND administrator_id = ? AND role_key = ? AND workspace_id IS NULL AND expires_at IS NULL",
		a.TenantID, a.ID, string(authz.TenantAdmin)).Count(&held).Error; err != nil || held == 0 {
		return err
	}
	n, err := permanentTenantAdmins(tx, a.TenantID, a.ID, 0)
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrLastTenantAdmin
	}
	return nil
}

// AssignRole binds a tenant role to an administrator, optionally until
// expiresAt. The viewer may only grant roles whose permissions they hold.
// With four eyes on, granting Tenant Admin makes a pending change instead
// (a *PendingError) and changes nothing else.
func (s *Store) AssignRole(ctx context.Context, v Viewer, adminID int64, roleKey string, expiresAt *time.Time, actor Actor) error {
	role, err := s.grantableTenantRole(ctx, v, roleKey, expiresAt)
	if err != nil {
		return err
	}
	if role.Key == authz.TenantAdmin {
		if err := s.stepUpError(v); err != nil {
			return err
		}
	}
	now := s.now()
	if expiresAt != nil && !expiresAt.After(now) {
		return &ValidationError{Fields: map[string]string{"expires_at": "The expiry must be in the future."}}
	}
	var pending *PendingChange
	err = s.tx(ctx, func(tx *gorm.DB) error {
		pending = nil
		a, err := adminIn(tx, v.Tenant.ID, adminID)
		if err != nil {
			return err
		}
		if err := notHeldTx(tx, now, a, role); err != nil {
			return err
		}
		if role.Key == authz.TenantAdmin {
			// Four eyes: granting Tenant Admin waits for another Tenant Admin.
			pending, err = s.maybePendingTx(tx, now, v, changeRequest{Kind: ChangeGrantTenantAdmin, TargetAdminID: &a.ID,
				Payload: grantPayload{AdminID: a.ID, ExpiresAt: expiresAt}, Summary: grantSummary(a, expiresAt), Target: adminTarget(a)}, actor)
			if err != nil || pending != nil {
				return err
			}
		}
		return assignRoleTx(tx, now, v.Tenant.ID, a, role, expiresAt, v.Administrator.ID, actor, nil)
	})
	return pendingOr(pending, err)
}

// notHeldTx refuses granting a an unexpired tenant-wide role they hold.
func notHeldTx(tx *gorm.DB, now time.Time, a Administrator, role authz.Role) error {
	var n int64
	if err := tx.Model(&RoleBinding{}).Where("tenant_id = ? AND administrator_id = ? AND role_key = ? AND workspace_id IS NULL AND (expires_at IS NULL OR expires_at > ?)",
		a.TenantID, a.ID, string(role.Key), now).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return &ValidationError{Fields: map[string]string{"role": a.DisplayName() + " already holds " + role.Name + "."}}
	}
	return nil
}

// assignRoleTx binds role to a (granted by grantedBy) with its audit
// event; extra joins the event's changes (an approval's).
func assignRoleTx(tx *gorm.DB, now time.Time, tenantID int64, a Administrator, role authz.Role, expiresAt *time.Time, grantedBy int64, actor Actor, extra Changes) error {
	b := RoleBinding{TenantID: tenantID, AdministratorID: a.ID, RoleKey: string(role.Key), ExpiresAt: expiresAt, GrantedByID: &grantedBy, CreatedAt: now}
	if err := tx.Create(&b).Error; err != nil {
		return err
	}
	ch := Changes{"role": {After: role.Key}}
	if expiresAt != nil {
		ch["expires_at"] = Change{After: expiresAt.UTC().Format(time.RFC3339)}
	}
	for k, c := range extra {
		ch[k] = c
	}
	return writeAudit(tx, now, tenantID, actor, "administrator.role_assigned", adminTarget(a), ch)
}

// RemoveRole deletes one role binding of an administrator. The last active
// Tenant Admin keeps theirs.
func (s *Store) RemoveRole(ctx context.Context, v Viewer, adminID, bindingID int64, actor Actor) error {
	now := s.now()
	return s.tx(ctx, func(tx *gorm.DB) error {
		a, err := adminIn(tx, v.Tenant.ID, adminID)
		if err != nil {
			return err
		}
		var b RoleBinding
		if err := tx.Where("tenant_id = ? AND administrator_id = ? AND id = ?", v.Tenant.ID, a.ID, bindingID).Take(&b).Error; err != nil {
			return notFound(err)
		}
		r, ok, err := roleTx(tx, v.Tenant.ID, b.RoleKey)
		if err != nil {
			return err
		}
		if ok && !v.Perms.Covers(r) && b.WorkspaceID == nil {
			return ErrEscalation
		}
		if b.RoleKey == string(authz.TenantAdmin) && b.WorkspaceID == nil && b.ExpiresAt == nil && a.Status == AdminActive {
			if err := lockTenant(tx, v.Tenant.ID); err != nil {
				return err
			}
			n, err := permanentTenantAdmins(tx, v.Tenant.ID, 0, b.ID)
			if err != nil {
				return err
			}
			if n == 0 {
				return ErrLastTenantAdmin
			}
		}
		if err := lockTenant(tx, v.Tenant.ID); err != nil {
			return err
		}
		if err := tx.Delete(&b).Error; err != nil {
			return err
		}
		if err := writeAudit(tx, now, v.Tenant.ID, actor, "administrator.role_removed", adminTarget(a), Changes{"role": {Before: b.RoleKey}}); err != nil {
			return err
		}
		// The invitations they sent that they can no longer back go too.
		_, err = revokeUnbackedInvitationsTx(tx, v.Tenant, a.ID, now, actor)
		return err
	})
}

// SetStatus activates or deactivates an administrator. Nobody deactivates
// themselves; the last active Tenant Admin stays active; deactivation ends
// every session of the administrator at once; re-activation needs no new
// invitation.
func (s *Store) SetStatus(ctx context.Context, v Viewer, adminID int64, status AdminStatus, actor Actor) error {
	if status != AdminActive && status != AdminInactive {
		return &ValidationError{Fields: map[string]string{"status": "Choose active or inactive."}}
	}
	now := s.now()
	return s.tx(ctx, func(tx *gorm.DB) error {
		a, err := adminIn(tx, v.Tenant.ID, adminID)
		if err != nil {
			return err
		}
		if a.Status == status {
			return nil
		}
		if status == AdminInactive {
			if a.ID == v.Administrator.ID {
				return ErrSelfDeactivation
			}
			if err := keepsATenantAdmin(tx, a); err != nil {
				return err
			}
			if err := endAccess(tx, now, a); err != nil {
				return err
			}
		} else if a.PasswordHash == "" {
			return &ValidationError{Fields: map[string]string{"status": a.DisplayName() + " has never accepted an invitation: resend the invitation instead."}}
		}
		cols := map[string]any{"status": status, "updated_at": now}
		if status == AdminActive {
			cols["activated_at"] = now // a fresh start for the dormant-administrator rule
		}
		res := tx.Model(&Administrator{}).Where("id = ? AND tenant_id = ? AND status = ?", a.ID, a.TenantID, a.Status).
			Updates(cols)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return fmt.Errorf("administrator %d changed concurrently", a.ID)
		}
		action := "administrator.activated"
		if status == AdminInactive {
			action = "administrator.deactivated"
		}
		if err := writeAudit(tx, now, v.Tenant.ID, actor, action, adminTarget(a), Changes{"status": {Before: a.Status, After: status}}); err != nil {
			return err
		}
		if status != AdminInactive {
			return nil
		}
		// Every invitation they sent dies with their authority.
		_, err = revokeUnbackedInvitationsTx(tx, v.Tenant, a.ID, now, actor)
		return err
	})
}

// endAccess is what deactivating an administrator does besides the status
// (whoever deactivates them: a Tenant Admin, or the dormant-administrator
// job): every session ends at once, pending invitation and reset links die.
func endAccess(tx *gorm.DB, now time.Time, a Administrator) error {
	if err := deleteSessionsOf(tx, a.ID, ""); err != nil {
		return err
	}
	if err := tx.Model(&Invitation{}).Where("administrator_id = ? AND accepted_at IS NULL AND revoked_at IS NULL", a.ID).
		Update("revoked_at", now).Error; err != nil {
		return err
	}
	return tx.Model(&PasswordReset{}).Where("administrator_id = ? AND used_at IS NULL AND revoked_at IS NULL", a.ID).
		Update("revoked_at", now).Error
}

// ResendInvitation sends a new invitation link to an invited administrator;
// the previous link stops working.
func (s *Store) ResendInvitation(ctx context.Context, v Viewer, adminID int64, actor Actor) error {
	now := s.now()
	return s.tx(ctx, func(tx *gorm.DB) error {
		a, err := adminIn(tx, v.Tenant.ID, adminID)
		if err != nil {
			return err
		}
		if a.Status != AdminInvited {
			return &ValidationError{Fields: map[string]string{"invitation": a.DisplayName() + " has already accepted an invitation."}}
		}
		// Whoever resends becomes the inviter, and backs the roles it carries.
		backed, err := invitationBackedTx(tx, v.Tenant, Invitation{AdministratorID: a.ID, InvitedByID: &v.Administrator.ID}, now)
		if err != nil {
			return err
		}
		if !backed {
			return ErrEscalation
		}
		if _, err := s.inviteTx(tx, now, v.Tenant, a, &v.Administrator); err != nil {
			return err
		}
		return writeAudit(tx, now, v.Tenant.ID, actor, "administrator.invitation_resent", adminTarget(a), nil)
	})
}

// RevokeInvitation withdraws an administrator's pending invitation.
func (s *Store) RevokeInvitation(ctx context.Context, v Viewer, adminID int64, actor Actor) error {
	now := s.now()
	return s.tx(ctx, func(tx *gorm.DB) error {
		a, err := adminIn(tx, v.Tenant.ID, adminID)
		if err != nil {
			return err
		}
		res := tx.Model(&Invitation{}).Where("tenant_id = ? AND administrator_id = ? AND accepted_at IS NULL AND revoked_at IS NULL", v.Tenant.ID, a.ID).
			Update("revoked_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return &ValidationError{Fields: map[string]string{"invitation": "There is no pending invitation to revoke."}}
		}
		return writeAudit(tx, now, v.Tenant.ID, actor, "administrator.invitation_revoked", adminTarget(a), nil)
	})
}

// EndSession ends one session of an administrator of the tenant.
func (s *Store) EndSession(ctx context.Context, v Viewer, adminID int64, sessionID string, actor Actor) error {
	now := s.now()
	return s.tx(ctx, func(tx *gorm.DB) error {
		a, err := adminIn(tx, v.Tenant.ID, adminID)
		if err != nil {
			return err
		}
		res := tx.Where("id = ? AND administrator_id = ? AND tenant_id = ?", sessionID, a.ID, v.Tenant.ID).Delete(&Session{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return writeAudit(tx, now, v.Tenant.ID, actor, "administrator.session_ended", adminTarget(a), nil)
	})
}

func adminIn(tx *gorm.DB, tenantID, id int64) (Administrator, error) {
	var a Administrator
	err := tx.Where("tenant_id = ? AND id = ?", tenantID, id).Take(&a).Error
	return a, notFound(err)
}

// AdminProfile is everything the User Profile shows.
type AdminProfile struct {
	Administrator Administrator
	Bindings      []RoleBinding
	Invitation    *Invitation // the pending invitation, if any
	Sessions      []Session
	GrantedBy     map[int64]string // administrator id → display name, for "granted by"
}

// AdministratorProfile loads the User Profile of an administrator of the tenant.
func (s *Store) AdministratorProfile(ctx context.Context, tenantID, adminID int64) (AdminProfile, error) {
	db := s.DB.WithContext(ctx)
	var p AdminProfile
	a, err := adminIn(db, tenantID, adminID)
	if err != nil {
		return p, err
	}
	p.Administrator = a
	if err := db.Where("tenant_id = ? AND administrator_id = ?", tenantID, a.ID).Order("id").Find(&p.Bindings).Error; err != nil {
		return p, err
	}
	var inv Invitation
	err = db.Where("tenant_id = ? AND administrator_id = ? AND accepted_at IS NULL AND revoked_at IS NULL", tenantID, a.ID).
		Order("id DESC").Take(&inv).Error
	if err == nil {
		p.Invitation = &inv
	} else if !errors.Is(err, gorm.ErrRecordNotFound) {
		return p, err
	}
	if err := db.Where("tenant_id = ? AND administrator_id = ? AND expires_at > ?", tenantID, a.ID, s.now()).
		Order("last_seen_at DESC").Limit(50).Find(&p.Sessions).Error; err != nil {
		return p, err
	}
	var ids []int64
	for _, b := range p.Bindings {
		if b.GrantedByID != nil {
			ids = append(ids, *b.GrantedByID)
		}
	}
	p.GrantedBy = map[int64]string{}
	if len(ids) > 0 {
		var granters []Administrator
		if err := db.Where("tenant_id = ? AND id IN ?", tenantID, ids).Find(&granters).Error; err != nil {
			return p, err
		}
		for _, g := range granters {
			p.GrantedBy[g.ID] = g.DisplayName()
		}
	}
	sort.SliceStable(p.Bindings, func(i, j int) bool { return p.Bindings[i].Active(s.now()) && !p.Bindings[j].Active(s.now()) })
	return p, nil
}

func roleOrNone(r authz.Role) any {
	if r.Key == "" {
		return nil
	}
	return r.Key
}

// adminSearchCond is the search's condition on an administrator.
const adminSearchCond = "email LIKE ? ESCAPE '\\' OR LOWER(given_name || ' ' || family_name) LIKE ? ESCAPE '\\'"

// adminWhere is the list's WHERE (without the word): the tenant, the
// search, the status and the role, on administrators' columns.
func (s *Store) adminWhere(tenantID int64, q AdminListQuery) (string, []any) {
	var w strings.Builder
	args := make([]any, 0, 6)
	w.WriteString("tenant_id = ?")
	args = append(args, tenantID)
	if search := strings.ToLower(strings.TrimSpace(q.Search)); search != "" {
		like := "%" + escapeLike(search) + "%"
		w.WriteString(" AND (" + adminSearchCond + ")")
		args = append(args, like, like)
	}
	if q.Status != "" {
		w.WriteString(" AND status = ?")
		args = append(args, string(q.Status))
	}
	if q.Role != "" {
		w.WriteString(" AND id IN (SELECT administrator_id FROM role_bindings WHERE tenant_id = ? AND role_key = ?" +
			" AND (expires_at IS NULL OR expires_at > ?))")
		args = append(args, tenantID, q.Role, s.now())
	}
	return w.String(), args
}

// countedByCounters reports whether the list's total comes from the
// counters: the whole list or one status, no search nor role filter.
func countedByCounters(q AdminListQuery) bool { return q.Search == "" && q.Role == "" }

// adminCounterSQL is the number of the tenant's administrators (of
// status, when given) from the per-tenant, per-status counters the
// triggers of migration 0033 keep: exact at any size.
func adminCounterSQL(tenantID int64, status AdminStatus) (string, []any) {
	const total = "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM administrator_counts WHERE tenant_id = ?"
	if status == "" {
		return total, []any{tenantID}
	}
	return total + " AND status = ?", []any{tenantID, string(status)}
}

// AdminCountCap is where the list's total stops being exact: beyond it the
// count says "more than".
const AdminCountCap = 100_000

// CountAdministratorsMatching counts the administrators the list's filters
// keep: exactly from the per-status counters when only the status filters,
// else up to AdminCountCap, with more reporting there are more than that.
func (s *Store) CountAdministratorsMatching(ctx context.Context, tenantID int64, q AdminListQuery) (n int64, more bool, err error) {
	var query string
	var args []any
	table := "administrators"
	if countedByCounters(q) {
		table = "administrator_counts"
		query, args = adminCounterSQL(tenantID, q.Status)
	} else {
		where, whereArgs := s.adminWhere(tenantID, q)
		from := "administrators"
		if search := strings.TrimSpace(q.Search); usesTrigrams(s.DB, search) {
			// PostgreSQL: the candidates from the trigram indexes for the
			// narrow term (search.go), then the list's own filters on them.
			narrow := likeTerm(indexTerm(strings.ToLower(search)), 2)
			from = "(SELECT id, tenant_id, email, given_name, family_name, status FROM administrators" +
				" WHERE tenant_id = ? AND (" + adminSearchCond + ") OFFSET 0) AS administrators"
			args = append(args, tenantID, narrow[0], narrow[1])
		}
		query = "SELECT COUNT(*) FROM (SELECT id FROM " + from + " WHERE " + where + " LIMIT " + strconv.Itoa(AdminCountCap+1) + ") matching"
		args = append(args, whereArgs...)
	}
	err = s.rawQuery(ctx, table, query, args, func(rows Rows) error {
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return err
			}
			return errors.New("models: a count returned no row")
		}
		return rows.Scan(&n)
	})
	if err != nil {
		return 0, false, err
	}
	if n > AdminCountCap {
		return AdminCountCap, true, nil
	}
	return n, false, nil
}

func adminOrder(sort AdminSort) string { return adminOrderOf("", sort) }

// adminOrderOf is adminOrder with the columns of table alias t ("a.").
func adminOrderOf(t string, sort AdminSort) string {
	switch sort {
	case AdminSortName:
		return "LOWER(" + t + "given_name || ' ' || " + t + "family_name), " + t + "email"
	case AdminSortLastSignIn:
		return "CASE WHEN " + t + "last_sign_in_at IS NULL THEN 1 ELSE 0 END, " + t + "last_sign_in_at DESC, " + t + "email"
	}
	return t + "email"
}
