package models

import (
	"context"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"

	"gatehouse/models/authz"

	"gorm.io/gorm"
)

// This file holds what the application resources of a workspace share
// (services, clients, policies, authorizers, claims, custom apps): the
// permission check, keyset lists by name, optimistic locking and
// generated credentials.

// ErrChangedSince is an update based on a version of the resource that is
// no longer the current one: someone else saved it in between. Nothing is
// written.
var ErrChangedSince = errors.New("this was changed by someone else since you opened it: review the current values and save again")

// ResourceNameMax is the longest name of a workspace resource.
const ResourceNameMax = 100

// ResourceList selects a page of a workspace resource list, ordered by name.
type ResourceList struct {
	Search string // matched case-insensitively against the name (and a few other columns)
	After  string // keyset cursor: the last name of the previous page
	Limit  int    // 1..MaxPageSize, default 25
}

// allowedIn answers whether v may act with p inside workspace wsID:
// nil, ErrForbidden (they see the workspace), or ErrNotFound.
func allowedIn(v Viewer, p authz.Permission, wsID int64) error {
	if v.Perms.CanIn(p, wsID) {
		return nil
	}
	if v.CanSeeWorkspace(wsID) {
		return ErrForbidden
	}
	return ErrNotFound
}

// keysetByName runs q (already restricted to one workspace) for one page by
// name; cols are searched besides name.
func keysetByName[T any](q *gorm.DB, lq ResourceList, name func(T) string, cols ...string) ([]T, string, error) {
	if lq.Limit <= 0 || lq.Limit > MaxPageSize {
		lq.Limit = 25
	}
	if search := strings.ToLower(strings.TrimSpace(lq.Search)); search != "" {
		like := "%" + escapeLike(search) + "%"
		cond := "LOWER(name) LIKE ? ESCAPE '\\'"
		args := []any{like}
		for _, c := range cols {
			cond += " OR LOWER(" + c + ") LIKE ? ESCAPE '\\'"
			args = append(args, like)
		}
		q = q.Where("("+cond+")", args...)
	}
	if lq.After != "" {
		q = q.Where("name > ?", lq.After)
	}
	var rows []T
	if err := q.Order("name").Limit(lq.Limit + 1).Find(&rows).Error; err != nil {
		return nil, "", err
	}
	next := ""
	if len(rows) > lq.Limit {
		rows = rows[:lq.Limit]
		next = name(rows[len(rows)-1])
	}
	return rows, next, nil
}

// checkResourceName checks a resource's name: required, one line, at most
// ResourceNameMax characters.
func checkResourceName(f fieldErrors, name string) {
	switch {
	case name == "":
		f.add("name", "Name is required.")
	case len([]rune(name)) > ResourceNameMax:
		f.add("name", fmt.Sprintf("Name must be at most %d characters.", ResourceNameMax))
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		f.add("name", "Name must be on one line, without control characters.")
	}
}

func checkMax(f fieldErrors, field, label, v string, max int) {
	if n := len([]rune(v)); n > max {
		f.add(field, fmt.Sprintf("%s must be at most %d characters (it has %d).", label, max, n))
	}
}

func oneOf(v string, allowed ...string) bool { return slices.Contains(allowed, v) }

// newPublicID returns a fresh identifier: prefix and 32 hex digits (128
// random bits).
func (s *Store) newPublicID(prefix string) (string, error) {
	b := make([]byte, 16)
	if _, err := io.ReadFull(s.Random, b); err != nil {
		return "", fmt.Errorf("read random: %w", err)
	}
	return prefix + hex.EncodeToString(b), nil
}

// secretMatches compares a presented secret with a stored hash in
// constant time.
func secretMatches(raw, hash string) bool {
	if hash == "" || raw == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(HashToken(raw)), []byte(hash)) == 1
}

// normalizeLines splits a textarea into trimmed, non-empty lines.
func normalizeLines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// splitWords reads a stored space-separated list.
func splitWords(s string) []string { return strings.Fields(s) }

// dedupe returns the values trimmed, without empties and duplicates, in
// their first order.
func dedupe(vals []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range vals {
		v = strings.TrimSpace(v)
		if v == "" || seen[v] {
			continue
		}
		seen[v] = true
		out = append(out, v)
	}
	return out
}

// validScope is an OAuth scope token (RFC 6749 3.3): printable ASCII but
// space, '"' and '\'.
func validScope(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for _, r := range s {
		if r < 0x21 || r > 0x7e || r == '"' || r == '\\' {
			return false
		}
	}
	return true
}

// workspaceScopes returns every scope of the workspace's services.
func workspaceScopes(tx *gorm.DB, tenantID, wsID int64) (map[string]bool, error) {
	var names []string
	if err := tx.Model(&ServiceScope{}).Where("tenant_id = ? AND workspace_id = ?", tenantID, wsID).Distinct().Pluck("scope", &names).Error; err != nil {
		return nil, err
	}
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m, nil
}

// checkScopesIn validates chosen scopes against the workspace's.
func checkScopesIn(f fieldErrors, tx *gorm.DB, tenantID, wsID int64, scopes []string) error {
	if len(scopes) == 0 {
		return nil
	}
	known, err := workspaceScopes(tx, tenantID, wsID)
	if err != nil {
		return err
	}
	for _, sc := range scopes {
		if !known[sc] {
			f.add("scopes", "“"+sc+"” is not a scope of this workspace's services.")
		}
	}
	return nil
}

// WorkspaceScopeNames lists the scopes of the workspace's services, sorted,
// for the forms that choose scopes.
func (s *Store) WorkspaceScopeNames(ctx context.Context, tenantID, wsID int64) ([]string, error) {
	m, err := workspaceScopes(s.DB.WithContext(ctx), tenantID, wsID)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out, nil
}

// deleteWorkspaceResources deletes every application resource of a
// workspace being deleted (in its transaction).
func deleteWorkspaceResources(tx *gorm.DB, tenantID, wsID int64) error {
	for _, table := range []string{"service_apis", "service_scopes", "services", "clients", "policies", "authorizers", "claims", "custom_apps",
		"auth_event_daily", "auth_events", "secrets", "extension_scripts", "webhook_deliveries", "webhooks", "idps", "workspace_theme_bindings"} {
		if err := tx.Exec("DELETE FROM "+table+" WHERE tenant_id = ? AND workspace_id = ?", tenantID, wsID).Error; err != nil {
			return err
		}
	}
	return nil
}

// ServiceByID, ClientByID, PolicyByID, AuthorizerByID, ClaimByID and
// CustomAppByID load a resource of a workspace for the route loaders (the
// route's permission is checked before).
func (s *Store) ServiceByID(ctx context.Context, tenantID, wsID, id int64) (Service, error) {
	return serviceIn(s.DB.WithContext(ctx), tenantID, wsID, id)
}

// ClientByID loads a client of a workspace.
func (s *Store) ClientByID(ctx context.Context, tenantID, wsID, id int64) (Client, error) {
	return clientIn(s.DB.WithContext(ctx), tenantID, wsID, id)
}

// PolicyByID loads a policy of a workspace.
func (s *Store) PolicyByID(ctx context.Context, tenantID, wsID, id int64) (Policy, error) {
	return policyIn(s.DB.WithContext(ctx), tenantID, wsID, id)
}

// AuthorizerByID loads an authorizer of a workspace.
func (s *Store) AuthorizerByID(ctx context.Context, tenantID, wsID, id int64) (Authorizer, error) {
	return authorizerIn(s.DB.WithContext(ctx), tenantID, wsID, id)
}

// ClaimByID loads a claim of a workspace.
func (s *Store) ClaimByID(ctx context.Context, tenantID, wsID, id int64) (Claim, error) {
	return claimIn(s.DB.WithContext(ctx), tenantID, wsID, id)
}

// CustomAppByID loads a custom app of a workspace.
func (s *Store) CustomAppByID(ctx context.Context, tenantID, wsID, id int64) (CustomApp, error) {
	return customAppIn(s.DB.WithContext(ctx), tenantID, wsID, id)
}
