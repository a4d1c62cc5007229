package models

import (
	"context"
	"database/sql"
	"strings"
	"time"
)

// RequestState is what every tenant page needs before its handler runs,
// loaded in one round trip (TenantRequest): the tenant of the URL, the
// session named by the cookie, and, when that session is of this tenant,
// its administrator and their unexpired role bindings. Nothing of it is
// cached: a revoked session or role is refused on the very next request.
type RequestState struct {
	Tenant Tenant
	// SessionHash is the hashed session id that was looked up ("" = none).
	SessionHash string
	// Session is the stored session by that id (nil: there is none).
	Session *Session
	// SessionLimits are the session lengths of the session's tenant; valid
	// only when SessionOfTenant.
	SessionLimits SessionLimits
	// SessionOfTenant: the session belongs to this tenant (or to no
	// tenant), so Session and SessionLimits are all the session layer
	// needs. A session of another tenant is loaded the ordinary way.
	SessionOfTenant bool
	// Admin is the session's administrator (nil when the session has none
	// in this tenant), without password hash nor TOTP secret.
	Admin *Administrator
	// Bindings are the administrator's unexpired role bindings.
	Bindings []RoleBinding
}

// The columns read by TenantRequest. TestRequestStateColumns checks they
// cover the structs' columns (the administrator's minus its secrets).
const (
	requestTenantColumns = "t.id, t.slug, t.name, t.plan, t.feature_admin_management, t.feature_advanced_admin_management, " +
		"t.legacy, t.idle_minutes, t.absolute_hours, t.deactivate_after_days, t.require_approval, t.version, t.created_at, t.updated_at"
	requestSessionColumns = "s.id, s.tenant_id, s.administrator_id, s.data, s.pending, s.created_at, s.last_seen_at, s.expires_at"
	requestAdminColumns   = "a.id, a.pool_id, a.email, a.given_name, a.family_name, a.status, a.totp_enabled_at, " +
		"a.failed_attempts, a.locked_until, a.last_sign_in_at, a.activated_at, a.dormancy_warned_at, a.created_at, a.updated_at"
	requestBindingColumns = "rb.id, rb.role_key, rb.workspace_id, rb.organization_id, rb.expires_at, rb.granted_by_id, rb.created_at"
)

// RequestStateColumns lists the columns TenantRequest reads ("t.slug", ...).
func RequestStateColumns() []string {
	return strings.Split(requestTenantColumns+", "+requestSessionColumns+", "+requestAdminColumns+", "+requestBindingColumns, ", ")
}

// requestStateSQL: one row per unexpired binding of the session's
// administrator (one row with NULLs when there is none), every row
// repeating the tenant, the session and the administrator. The session's
// administrator is joined only when the session is of the URL's tenant.
var requestStateSQL = "SELECT " + requestTenantColumns + ", " + requestSessionColumns + ", " + requestAdminColumns + ", " +
	requestBindingColumns + `
FROM tenants t
LEFT JOIN sessions s ON s.id = ?
LEFT JOIN administrators a ON a.tenant_id = t.id AND a.id = s.administrator_id AND s.tenant_id = t.id
LEFT JOIN role_bindings rb ON rb.tenant_id = t.id AND rb.administrator_id = a.id AND (rb.expires_at IS NULL OR rb.expires_at > ?)
WHERE t.slug = ?
ORDER BY rb.id`

// TenantRequest loads, in one query, the tenant by slug, the session by
// its hashed id (sessionHash; "" for none) and, when the session is of
// that tenant, its administrator and their unexpired bindings.
// ErrNotFound when there is no such tenant.
func (s *Store) TenantRequest(ctx context.Context, slug, sessionHash string) (RequestState, error) {
	st := RequestState{SessionHash: sessionHash}
	var (
		r                         tenantAdminRow
		sID                       sql.NullString
		sTenant, sAdmin           sql.NullInt64
		sData                     []byte
		sPending                  sql.NullBool
		sCreated, sSeen, sExpires sql.Null[time.Time]
		first                     = true
		tenantFound               bool
		dest                      = r.dest(&sID, &sTenant, &sAdmin, &sData, &sPending, &sCreated, &sSeen, &sExpires)
	)
	err := s.rawQuery(ctx, "tenants", requestStateSQL, []any{sessionHash, s.now(), strings.ToLower(slug)}, func(rows Rows) error {
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			tenantFound = true
			if first {
				first = false
				t := r.t
				st.Tenant = t
				if sID.Valid {
					st.Session = &Session{ID: sID.String, Data: sData, Pending: sPending.Bool,
						CreatedAt: sCreated.V, LastSeenAt: sSeen.V, ExpiresAt: sExpires.V}
					if sTenant.Valid {
						id := sTenant.Int64
						st.Session.TenantID = &id
					}
					if sAdmin.Valid {
						id := sAdmin.Int64
						st.Session.AdministratorID = &id
					}
					st.SessionOfTenant = !sTenant.Valid || sTenant.Int64 == t.ID
					if sTenant.Valid && sTenant.Int64 == t.ID {
						st.SessionLimits = SessionLimits{Idle: t.SessionIdle(), Absolute: t.SessionAbsolute()}
					}
				} else {
					st.SessionOfTenant = true // no session: nothing else to look up
				}
				st.Admin = r.admin()
			}
			if b := r.binding(st.Admin); b != nil {
				st.Bindings = append(st.Bindings, *b)
			}
		}
		return nil
	})
	if err != nil {
		return st, err
	}
	if !tenantFound {
		return st, ErrNotFound
	}
	return st, nil
}

// tenantAdminRow scans the tenant (requestTenantColumns), an administrator
// (requestAdminColumns) and one of their bindings (requestBindingColumns)
// from a row of a query joining them, the administrator and the binding
// left-joined (NULL when there is none).
type tenantAdminRow struct {
	t                                          Tenant
	aID, aPool                                 sql.NullInt64
	aEmail, aGiven, aFamily, aStatus           sql.NullString
	aTOTP, aLocked, aLast, aActivated, aWarned *time.Time
	aFailed                                    sql.NullInt64
	aCreated, aUpdated                         sql.Null[time.Time]
	bID                                        sql.NullInt64
	bRole                                      sql.NullString
	bWorkspace, bOrganization, bGrantedBy      *int64
	bExpires                                   *time.Time
	bCreated                                   sql.Null[time.Time]
}

// dest is the row's destinations: the tenant's, then between (columns the
// query selects between the tenant's and the administrator's), then the
// administrator's and the binding's.
func (r *tenantAdminRow) dest(between ...any) []any {
	t := &r.t
	d := []any{&t.ID, &t.Slug, &t.Name, &t.Plan, &t.FeatureAdminManagement, &t.FeatureAdvancedAdminManagement,
		&t.Legacy, &t.IdleMinutes, &t.AbsoluteHours, &t.DeactivateAfterDays, &t.RequireApproval, &t.Version, &t.CreatedAt, &t.UpdatedAt}
	d = append(d, between...)
	return append(d, &r.aID, &r.aPool, &r.aEmail, &r.aGiven, &r.aFamily, &r.aStatus, &r.aTOTP,
		&r.aFailed, &r.aLocked, &r.aLast, &r.aActivated, &r.aWarned, &r.aCreated, &r.aUpdated,
		&r.bID, &r.bRole, &r.bWorkspace, &r.bOrganization, &r.bExpires, &r.bGrantedBy, &r.bCreated)
}

// admin is the row's administrator (nil for none), without password hash
// nor TOTP secret.
func (r *tenantAdminRow) admin() *Administrator {
	if !r.aID.Valid {
		return nil
	}
	return &Administrator{ID: r.aID.Int64, TenantID: r.t.ID, PoolID: r.aPool.Int64, Email: r.aEmail.String,
		GivenName: r.aGiven.String, FamilyName: r.aFamily.String, Status: AdminStatus(r.aStatus.String),
		TOTPEnabledAt: r.aTOTP, FailedAttempts: int(r.aFailed.Int64), LockedUntil: r.aLocked,
		LastSignInAt: r.aLast, ActivatedAt: r.aActivated, DormancyWarnedAt: r.aWarned,
		CreatedAt: r.aCreated.V, UpdatedAt: r.aUpdated.V}
}

// binding is the row's binding of a (nil for none, or no administrator).
func (r *tenantAdminRow) binding(a *Administrator) *RoleBinding {
	if !r.bID.Valid || a == nil {
		return nil
	}
	return &RoleBinding{ID: r.bID.Int64, TenantID: r.t.ID, AdministratorID: a.ID, RoleKey: r.bRole.String,
		WorkspaceID: r.bWorkspace, OrganizationID: r.bOrganization, ExpiresAt: r.bExpires, GrantedByID: r.bGrantedBy, CreatedAt: r.bCreated.V}
}

// ViewerOf is LoadViewer for a request whose administrator and bindings
// TenantRequest has loaded: ErrNotFound when the session has no active
// administrator of the tenant. It queries only for a viewer whose roles
// are bound to some workspaces (their names, for the navigation) or who
// hold custom roles (their permissions, read fresh: an edit applies at once).
func (s *Store) ViewerOf(ctx context.Context, st RequestState, adminID int64) (Viewer, error) {
	if st.Admin == nil || st.Admin.ID != adminID {
		return s.LoadViewer(ctx, st.Tenant, adminID)
	}
	if st.Admin.Status != AdminActive {
		return Viewer{}, ErrNotFound
	}
	dir, err := directoryForBindings(s.DB.WithContext(ctx), st.Tenant.ID, st.Bindings)
	if err != nil {
		return Viewer{}, err
	}
	return s.finishViewer(ctx, viewerOf(st.Tenant, *st.Admin, st.Bindings, dir))
}
