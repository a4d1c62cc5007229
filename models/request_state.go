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
		t                                          Tenant
		sID                                        sql.NullString
		sTenant, sAdmin                            sql.NullInt64
		sData                                      []byte
		sPending                                   sql.NullBool
		sCreated, sSeen, sExpires                  sql.Null[time.Time]
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
		first                                      = true
		tenantFound                                bool
		dest                                       = []any{
			&t.ID, &t.Slug, &t.Name, &t.Plan, &t.FeatureAdminManagement, &t.FeatureAdvancedAdminManagement,
			&t.Legacy, &t.IdleMinutes, &t.AbsoluteHours, &t.DeactivateAfterDays, &t.RequireApproval, &t.Version, &t.CreatedAt, &t.UpdatedAt,
			&sID, &sTenant, &sAdmin, &sData, &sPending, &sCreated, &sSeen, &sExpires,
			&aID, &aPool, &aEmail, &aGiven, &aFamily, &aStatus, &aTOTP,
			&aFailed, &aLocked, &aLast, &aActivated, &aWarned, &aCreated, &aUpdated,
			&bID, &bRole, &bWorkspace, &bOrganization, &bExpires, &bGrantedBy, &bCreated,
		}
	)
	err := s.rawQuery(ctx, "tenants", requestStateSQL, []any{sessionHash, s.now(), strings.ToLower(slug)}, func(rows Rows) error {
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			tenantFound = true
			if first {
				first = false
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
				if aID.Valid {
					st.Admin = &Administrator{ID: aID.Int64, TenantID: t.ID, PoolID: aPool.Int64, Email: aEmail.String,
						GivenName: aGiven.String, FamilyName: aFamily.String, Status: AdminStatus(aStatus.String),
						TOTPEnabledAt: aTOTP, FailedAttempts: int(aFailed.Int64), LockedUntil: aLocked,
						LastSignInAt: aLast, ActivatedAt: aActivated, DormancyWarnedAt: aWarned,
						CreatedAt: aCreated.V, UpdatedAt: aUpdated.V}
				}
			}
			if bID.Valid && st.Admin != nil {
				st.Bindings = append(st.Bindings, RoleBinding{ID: bID.Int64, TenantID: t.ID, AdministratorID: st.Admin.ID,
					RoleKey: bRole.String, WorkspaceID: bWorkspace, OrganizationID: bOrganization, ExpiresAt: bExpires, GrantedByID: bGrantedBy, CreatedAt: bCreated.V})
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
