package models

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"gatehouse/models/authz"

	"gorm.io/gorm"
)

// API tokens authenticate the management API (/api/v1). A Tenant Admin
// makes one with a name, the roles it holds (the same catalog and the same
// granting rules as for administrators: nobody grants what they do not
// hold for as long as the token lasts, the plan gate; workspace roles are
// bound to the token's one optional workspace) and an expiry. The token is
// shown once ("gh_" and 43 URL-safe characters: 256 random bits) and
// stored only as its SHA-256, looked up by a unique index on every request,
// so revoking or expiring it takes effect at once on every replica.
//
// A token acts as a Viewer holding its roles, so the API runs the same
// route guards and the same operations as the console. Like an invitation,
// a token is only as good as the administrator who made it: it works while
// they are active, and each of its roles grants something only while they
// could still grant it (for as long as the token lasts). Its Viewer's
// Administrator is that creator (grants and invitations it makes are
// backed by them), and the audit events it causes name the token.

// APITokenPrefix starts every API token.
const APITokenPrefix = "gh_"

// APIToken is a management API token (its secret is not stored).
type APIToken struct {
	ID          int64  `gorm:"primaryKey"`
	TenantID    int64  `gorm:"not null"`
	Name        string `gorm:"size:100;not null"`
	Prefix      string `gorm:"size:16;not null"` // the token's first characters, to recognise it
	TokenHash   string `gorm:"size:64;not null"`
	Roles       string `gorm:"size:500;not null"` // role keys, comma-separated
	WorkspaceID *int64
	CreatedByID int64     `gorm:"not null"`
	ExpiresAt   time.Time `gorm:"not null"`
	LastUsedAt  *time.Time
	RevokedAt   *time.Time
	CreatedAt   time.Time
}

// RoleKeys lists the token's roles.
func (t APIToken) RoleKeys() []string {
	if t.Roles == "" {
		return nil
	}
	return strings.Split(t.Roles, ",")
}

// Live reports whether the token still authenticates at now.
func (t APIToken) Live(now time.Time) bool {
	return t.RevokedAt == nil && now.Before(t.ExpiresAt)
}

// ActorLabel is how audit events name the token as their actor (in lower
// case, as the audit log's actor filter compares): "api-token #3 (ci)".
func (t APIToken) ActorLabel() string {
	return strings.ToLower(fmt.Sprintf("api-token #%d (%s)", t.ID, t.Name))
}

func apiTokenTarget(t APIToken) Target {
	return Target{Type: "api_token", ID: strconv.FormatInt(t.ID, 10), Label: t.Name}
}

// APITokenInput is the form that makes a token.
type APITokenInput struct {
	Name          string
	Roles         []string // role keys (field role, repeatable)
	Workspace     string   // slug: where its workspace roles apply ("" for none)
	ExpiresInDays int
}

// ErrInvalidAPIToken refuses a bearer token that is malformed, unknown,
// revoked, expired, or whose creator is no longer active.
var ErrInvalidAPIToken = errors.New("the API token is not valid: unknown, revoked or expired")

// CreateAPIToken makes a token for the viewer's tenant and returns it with
// its secret, which is never shown again. Only those who manage the
// tenant's roles may (and only after a step-up); every role must be one
// the viewer could grant an administrator for as long as the token lasts.
// One transaction with its audit event.
func (s *Store) CreateAPIToken(ctx context.Context, v Viewer, in APITokenInput, actor Actor) (APIToken, string, error) {
	if !v.Can(authz.ManageTenantRoles) || v.Token != nil {
		return APIToken{}, "", ErrForbidden
	}
	now := s.now()
	f := fieldErrors{}
	in.Name = strings.TrimSpace(in.Name)
	switch n := len([]rune(in.Name)); {
	case n == 0:
		f.add("name", "Enter a name that says what the token is for.")
	case n > 100:
		f.add("name", "Use at most 100 characters.")
	case strings.ContainsAny(in.Name, "\x00\r\n\t"):
		f.add("name", "Use letters, digits, spaces and punctuation only.")
	}
	if in.ExpiresInDays < 1 || in.ExpiresInDays > 365 {
		f.add("expires_in_days", "Enter a number of days from 1 to 365.")
	}
	expires := now.Add(time.Duration(in.ExpiresInDays) * 24 * time.Hour)
	var ws *Workspace
	if slug := strings.TrimSpace(in.Workspace); slug != "" {
		w, err := s.WorkspaceBySlug(ctx, v.Tenant.ID, slug)
		switch {
		case errors.Is(err, ErrNotFound):
			f.add("workspace", "There is no workspace with this slug.")
		case err != nil:
			return APIToken{}, "", err
		case w.Kind == WorkspaceKindAdmin:
			f.add("workspace", adminWorkspaceAccess)
		default:
			ws = &w
		}
	}
	var keys []string
	escalation := false
	wsRoles := 0
	for _, k := range in.Roles {
		k = strings.TrimSpace(k)
		if k == "" || slices.Contains(keys, k) {
			continue
		}
		// A built-in role or one of the tenant's custom roles, under the
		// same rules as for administrators.
		r, ok, err := roleTx(s.DB.WithContext(ctx), v.Tenant.ID, k)
		if err != nil {
			return APIToken{}, "", err
		}
		if !ok || (r.Scope != authz.ScopeTenant && r.Scope != authz.ScopeWorkspace) {
			f.add("role", "Choose roles from the list.")
			continue
		}
		if !r.AvailableOn(string(v.Tenant.Plan)) {
			f.add("role", r.Name+" requires the Professional or Enterprise plan.")
			continue
		}
		held := v.PermsLasting(&expires)
		switch r.Scope {
		case authz.ScopeTenant:
			escalation = escalation || !held.Covers(r)
		case authz.ScopeWorkspace:
			wsRoles++
			if ws == nil {
				if strings.TrimSpace(in.Workspace) == "" {
					f.add("workspace", "Choose the workspace where "+r.Name+" applies.")
				}
				continue
			}
			escalation = escalation || !held.CoversIn(r, ws.ID)
		}
		keys = append(keys, k)
	}
	if len(in.Roles) == 0 || (len(keys) == 0 && f["role"] == "") {
		f.add("role", "Choose at least one role.")
	}
	if ws != nil && wsRoles == 0 {
		f.add("workspace", "A workspace applies only to workspace roles: choose one, or leave the workspace empty.")
	}
	if escalation {
		f.add("role", "You can only give a token roles whose permissions you hold, for no longer than you hold them.")
	}
	s.needStepUp(v, f)
	if err := f.err(); err != nil {
		return APIToken{}, "", err
	}
	b := make([]byte, 32)
	if _, err := io.ReadFull(s.Random, b); err != nil {
		return APIToken{}, "", fmt.Errorf("read random: %w", err)
	}
	raw := APITokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	tok := APIToken{TenantID: v.Tenant.ID, Name: in.Name, Prefix: raw[:10], TokenHash: HashToken(raw),
		Roles: strings.Join(keys, ","), CreatedByID: v.Administrator.ID, ExpiresAt: expires, CreatedAt: now}
	ch := Changes{"name": {After: tok.Name}, "roles": {After: keys}, "expires_at": {After: expires.Format(time.RFC3339)}}
	if ws != nil {
		tok.WorkspaceID = &ws.ID
		ch["workspace"] = Change{After: ws.Slug}
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&tok).Error; err != nil {
			return err
		}
		return writeAudit(tx, now, v.Tenant.ID, actor, "api_token.created", apiTokenTarget(tok), ch)
	})
	if err != nil {
		return APIToken{}, "", err
	}
	return tok, raw, nil
}

// APITokenListItem is a token as the list shows it.
type APITokenListItem struct {
	Token     APIToken
	CreatedBy string // the creator's e-mail
	Workspace string // slug of its workspace, if any
}

// APITokenPage is a page of a tenant's tokens, newest first.
type APITokenPage struct {
	Items []APITokenListItem
	Next  int64 // the id to pass as Before for the next page; 0: last page
}

// ListAPITokens returns a page of the tenant's tokens (revoked and expired
// ones included, newest first), keyset on (tenant_id, id), in one query.
func (s *Store) ListAPITokens(ctx context.Context, tenantID, before int64, limit int) (APITokenPage, error) {
	if limit <= 0 || limit > 100 {
		limit = 50
	}
	var rows []struct {
		APIToken
		CreatedByEmail string
		WorkspaceSlug  *string
	}
	q := s.DB.WithContext(ctx).Table("api_tokens").
		Select("api_tokens.*, administrators.email AS created_by_email, workspaces.slug AS workspace_slug").
		Joins("LEFT JOIN administrators ON administrators.id = api_tokens.created_by_id").
		Joins("LEFT JOIN workspaces ON workspaces.id = api_tokens.workspace_id").
		Where("api_tokens.tenant_id = ?", tenantID)
	if before > 0 {
		q = q.Where("api_tokens.id < ?", before)
	}
	if err := q.Order("api_tokens.id DESC").Limit(limit + 1).Scan(&rows).Error; err != nil {
		return APITokenPage{}, err
	}
	var page APITokenPage
	if len(rows) > limit {
		rows = rows[:limit]
		page.Next = rows[len(rows)-1].ID
	}
	for _, r := range rows {
		it := APITokenListItem{Token: r.APIToken, CreatedBy: r.CreatedByEmail}
		if r.WorkspaceSlug != nil {
			it.Workspace = *r.WorkspaceSlug
		}
		page.Items = append(page.Items, it)
	}
	return page, nil
}

// APITokenByID loads a token of the tenant.
func (s *Store) APITokenByID(ctx context.Context, tenantID, id int64) (APIToken, error) {
	var t APIToken
	err := s.DB.WithContext(ctx).Where("tenant_id = ? AND id = ?", tenantID, id).Take(&t).Error
	return t, notFound(err)
}

// RevokeAPIToken revokes a token of the viewer's tenant at once, with its
// audit event. Revoking a revoked token changes nothing.
func (s *Store) RevokeAPIToken(ctx context.Context, v Viewer, id int64, actor Actor) (APIToken, error) {
	if !v.Can(authz.ManageTenantRoles) || v.Token != nil {
		return APIToken{}, ErrForbidden
	}
	now := s.now()
	var tok APIToken
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("tenant_id = ? AND id = ?", v.Tenant.ID, id).Take(&tok).Error; err != nil {
			return notFound(err)
		}
		if tok.RevokedAt != nil {
			return nil
		}
		res := tx.Model(&APIToken{}).Where("id = ? AND revoked_at IS NULL", tok.ID).Update("revoked_at", now)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		tok.RevokedAt = &now
		return writeAudit(tx, now, v.Tenant.ID, actor, "api_token.revoked", apiTokenTarget(tok), Changes{"revoked": {Before: false, After: true}})
	})
	return tok, err
}

// lastUsedEvery bounds how often a token's last use is written: at most
// once a minute, so a busy script does not write on every request.
const lastUsedEvery = time.Minute

// APITokenViewer authenticates a bearer token: the viewer it acts as
// (its tenant, its creator as Administrator, the grants of its roles that
// its creator backs, each lasting as long as the creator's backing). Malformed,
// unknown, revoked or expired tokens, and those whose creator is not
// active, give ErrInvalidAPIToken. It reads the database on every call
// (the token by the unique index on its hash, its tenant, its creator and
// their bindings).
func (s *Store) APITokenViewer(ctx context.Context, raw string) (Viewer, error) {
	if !strings.HasPrefix(raw, APITokenPrefix) || len(raw) != len(APITokenPrefix)+43 {
		return Viewer{}, ErrInvalidAPIToken
	}
	now := s.now()
	var (
		r       tenantAdminRow
		tok     APIToken
		found   bool
		creator *Administrator
		bs      []RoleBinding
		dest    = r.dest(&tok.ID, &tok.TenantID, &tok.Name, &tok.Prefix, &tok.Roles, &tok.WorkspaceID, &tok.CreatedByID,
			&tok.ExpiresAt, &tok.LastUsedAt, &tok.RevokedAt, &tok.CreatedAt)
	)
	err := s.rawQuery(ctx, "api_tokens", apiTokenSQL, []any{now, HashToken(raw)}, func(rows Rows) error {
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			if !found {
				found, creator = true, r.admin()
			}
			if b := r.binding(creator); b != nil {
				bs = append(bs, *b)
			}
		}
		return nil
	})
	if err != nil {
		return Viewer{}, err
	}
	if !found || !tok.Live(now) || creator == nil || creator.Status != AdminActive {
		return Viewer{}, ErrInvalidAPIToken
	}
	tenant := r.t
	db := s.DB.WithContext(ctx)
	dir, err := directoryForBindings(db, tenant.ID, bs)
	if err != nil {
		return Viewer{}, err
	}
	v, err := tokenViewerFor(db, tenant, tok, viewerOf(tenant, *creator, bs, dir))
	if err != nil {
		return Viewer{}, err
	}
	if tok.LastUsedAt == nil || now.Sub(*tok.LastUsedAt) >= lastUsedEvery {
		if err := db.Model(&APIToken{}).Where("id = ?", tok.ID).Update("last_used_at", now).Error; err != nil {
			return Viewer{}, err
		}
		v.Token.LastUsedAt = &now
	}
	return v, nil
}

// apiTokenSQL reads a token by its hash with its tenant, its creator and
// the creator's unexpired bindings, one row each (one row with NULLs
// when there are none): all an API request needs before its handler, in
// one round trip (as TenantRequest for a page).
var apiTokenSQL = "SELECT " + requestTenantColumns + ", tok.id, tok.tenant_id, tok.name, tok.prefix, tok.roles, tok.workspace_id, " +
	"tok.created_by_id, tok.expires_at, tok.last_used_at, tok.revoked_at, tok.created_at, " + requestAdminColumns + ", " + requestBindingColumns + `
FROM api_tokens tok
JOIN tenants t ON t.id = tok.tenant_id
LEFT JOIN administrators a ON a.tenant_id = tok.tenant_id AND a.id = tok.created_by_id
LEFT JOIN role_bindings rb ON rb.tenant_id = tok.tenant_id AND rb.administrator_id = a.id AND (rb.expires_at IS NULL OR rb.expires_at > ?)
WHERE tok.token_hash = ?
ORDER BY rb.id`

// tokenViewerFor is what the live token tok of tenant holds, given its
// active creator: the Viewer the route guards of the management API decide
// with (see APITokenViewer).
func tokenViewerFor(db *gorm.DB, tenant Tenant, tok APIToken, creator Viewer) (Viewer, error) {
	// The token's custom roles are read on every request, as an
	// administrator's are: an edit applies to the token at once.
	dir, err := directoryForKeys(db, tenant.ID, tok.RoleKeys())
	if err != nil {
		return Viewer{}, err
	}
	return tokenViewerWith(tenant, tok, creator, dir), nil
}

// tokenViewerWith is tokenViewerFor with a directory knowing the token's
// custom roles (it may know more).
func tokenViewerWith(tenant Tenant, tok APIToken, creator Viewer, dir authz.Directory) Viewer {
	backing, permanent := creator.PermsLasting(&tok.ExpiresAt), creator.PermsLasting(nil)
	v := Viewer{Tenant: tenant, Administrator: creator.Administrator, Token: &tok, Roles: dir}
	for _, k := range tok.RoleKeys() {
		r, ok := dir.Role(authz.RoleKey(k))
		if !ok || !r.AvailableOn(string(tenant.Plan)) {
			continue
		}
		g := authz.Grant{Role: r.Key}
		switch {
		case r.Scope == authz.ScopeTenant && backing.Covers(r):
		case r.Scope == authz.ScopeWorkspace && tok.WorkspaceID != nil && backing.CoversIn(r, *tok.WorkspaceID):
			g.WorkspaceID = *tok.WorkspaceID
		default:
			continue // its creator could no longer grant it: it grants nothing
		}
		v.Grants = append(v.Grants, g)
		// What the token grants lasts as long as its creator's backing
		// (the token's expiry limits when it acts, as a session's does an
		// administrator's): for good when they hold the role for good,
		// else, conservatively, until the token expires.
		var until *time.Time
		if !(r.Scope == authz.ScopeTenant && permanent.Covers(r)) && !(r.Scope == authz.ScopeWorkspace && permanent.CoversIn(r, g.WorkspaceID)) {
			exp := tok.ExpiresAt
			until = &exp
		}
		v.until = append(v.until, until)
	}
	v.Perms = dir.NewSet(v.Grants)
	return v
}

// directoryForKeys returns a directory knowing the custom roles among keys
// (no query when there are none).
func directoryForKeys(db *gorm.DB, tenantID int64, keys []string) (authz.Directory, error) {
	bs := make([]RoleBinding, 0, len(keys))
	for _, k := range keys {
		bs = append(bs, RoleBinding{RoleKey: k})
	}
	return directoryForBindings(db, tenantID, bs)
}

// APITokenRoleNames names a token's roles by dir ("(deleted role)" for a
// custom role that no longer exists).
func APITokenRoleNames(t APIToken, dir authz.Directory) []string {
	var out []string
	for _, k := range t.RoleKeys() {
		if r, ok := dir.Role(authz.RoleKey(k)); ok {
			out = append(out, r.Name)
		} else {
			out = append(out, "(deleted role)")
		}
	}
	return out
}

// MaxPageSize is the largest page a list returns (the management API's
// limit goes up to it; the console's pages ask for fewer).
const MaxPageSize = 200
