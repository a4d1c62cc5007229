package authz

import (
	"errors"
	"slices"
	"sort"
	"strings"
)

// CustomPrefix starts the key of every custom role ("custom:" and the slug
// of its name), so a custom role never shadows a built-in one.
const CustomPrefix = "custom:"

// IsCustom reports whether k names a custom role.
func IsCustom(k RoleKey) bool { return strings.HasPrefix(string(k), CustomPrefix) }

// PlanGated are the permissions that a role other than Tenant Admin and
// Tenant Auditor may carry only on the plans Editor - Organizations needs:
// a custom role granting one of them is plan-gated as that role is.
var PlanGated = []Permission{ReadOrganizations, ManageOrganizations}

// Errors of NewCustomRole.
var (
	ErrUnknownPermission   = errors.New("authz: unknown permission")
	ErrNotWorkspacePerm    = errors.New("authz: a workspace role takes only workspace permissions")
	ErrNoPermissions       = errors.New("authz: a role needs at least one permission")
	ErrBadScope            = errors.New("authz: scope must be tenant or workspace")
	ErrNotCustomKey        = errors.New("authz: a custom role key must start with custom")
	errCustomShadowBuiltin = errors.New("authz: key of a built-in role")
)

// NewCustomRole builds a custom role from catalog keys: each must be in the
// catalog, a workspace role takes only workspace permissions, and at least
// one is needed. Its permissions come out in catalog order without
// duplicates; a role carrying a PlanGated permission requires the plans
// Editor - Organizations requires.
func NewCustomRole(key RoleKey, name, description string, scope Scope, perms []Permission) (Role, error) {
	if !IsCustom(key) {
		return Role{}, ErrNotCustomKey
	}
	if _, builtin := roleIndex[key]; builtin {
		return Role{}, errCustomShadowBuiltin
	}
	if scope != ScopeTenant && scope != ScopeWorkspace {
		return Role{}, ErrBadScope
	}
	var b bits
	for _, p := range perms {
		i, ok := index[p]
		if !ok {
			return Role{}, ErrUnknownPermission
		}
		if scope == ScopeWorkspace && !catalog[i].Workspace {
			return Role{}, ErrNotWorkspacePerm
		}
		b.set(i)
	}
	if b.empty() {
		return Role{}, ErrNoPermissions
	}
	r := Role{Key: key, Name: name, Scope: scope, Description: description, Custom: true}
	for i, a := range catalog {
		if b.has(i) {
			r.Permissions = append(r.Permissions, a.Permission)
		}
	}
	for _, p := range PlanGated {
		if r.Has(p) {
			eo := roleIndex[EditorOrganizations].role
			r.RequiresPlan = slices.Clone(eo.RequiresPlan)
			break
		}
	}
	return r, nil
}

// Directory is one tenant's roles: the built-in ones and its custom roles.
// The zero Directory knows the built-in roles only. It is read only once
// made and safe to share.
type Directory struct {
	custom map[RoleKey]*builtin
}

// NewDirectory returns the directory of the built-in roles and custom
// (roles made by NewCustomRole; others are ignored).
func NewDirectory(custom ...Role) Directory {
	d := Directory{custom: make(map[RoleKey]*builtin, len(custom))}
	for _, r := range custom {
		if !IsCustom(r.Key) {
			continue
		}
		var b bits
		for _, p := range r.Permissions {
			if i, ok := index[p]; ok {
				b.set(i)
			}
		}
		d.custom[r.Key] = &builtin{role: clone(r), bits: b}
	}
	return d
}

// Role returns the role with key k: built-in or one of the directory's
// custom roles.
func (d Directory) Role(k RoleKey) (Role, bool) {
	if b, ok := d.lookup(k); ok {
		return clone(b.role), true
	}
	return Role{}, false
}

// Name returns the name of the role with key k (built-in or custom)
// without copying the role's permissions, as Role does.
func (d Directory) Name(k RoleKey) (string, bool) {
	if b, ok := d.lookup(k); ok {
		return b.role.Name, true
	}
	return "", false
}

func (d Directory) lookup(k RoleKey) (*builtin, bool) {
	if b, ok := roleIndex[k]; ok {
		return b, true
	}
	b, ok := d.custom[k]
	return b, ok
}

// Custom returns the directory's custom roles by name.
func (d Directory) Custom() []Role {
	out := make([]Role, 0, len(d.custom))
	for _, b := range d.custom {
		out = append(out, clone(b.role))
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Name < out[j].Name || (out[i].Name == out[j].Name && out[i].Key < out[j].Key)
	})
	return out
}

// In returns the roles of scope s: the built-in ones in display order, then
// the custom ones by name.
func (d Directory) In(s Scope) []Role {
	out := rolesIn(s)
	for _, r := range d.Custom() {
		if r.Scope == s {
			out = append(out, r)
		}
	}
	return out
}

// NewSet is the package's NewSet over this directory's roles.
func (d Directory) NewSet(grants []Grant) Set {
	s := Set{signedIn: true}
	for _, g := range grants {
		b, ok := d.lookup(g.Role)
		if !ok {
			continue
		}
		s.add(b, g.WorkspaceID, g.OrganizationID)
	}
	return s
}

// Explain returns the positions in grants of those that, each on its own,
// let the holder exercise p at the tenant level (workspaceID 0) or in the
// workspace workspaceID, by the decision function Can itself. Since a Set is
// the union of its grants, Can over all of grants is true exactly when
// Explain returns at least one.
func (d Directory) Explain(grants []Grant, p Permission, workspaceID int64) []int {
	return d.ExplainAt(grants, p, workspaceID, 0)
}

// ExplainAt is Explain inside the Organization orgID too (> 0: by CanAt).
func (d Directory) ExplainAt(grants []Grant, p Permission, workspaceID, orgID int64) []int {
	var out []int
	for i := range grants {
		if CanAt(d.NewSet(grants[i:i+1]), p, workspaceID, orgID) {
			out = append(out, i)
		}
	}
	return out
}

// Granting returns the roles of the directory that would let their holder
// exercise p (tenant-wide roles; and, for a workspace question, workspace
// roles bound to that workspace), by the decision function Can: the
// answer to "which roles would grant it".
func (d Directory) Granting(p Permission, workspaceID int64) []Role {
	return d.GrantingAt(p, workspaceID, 0)
}

// GrantingAt is Granting inside the Organization orgID too (> 0: tenant
// roles and organization roles bound to it, by CanAt).
func (d Directory) GrantingAt(p Permission, workspaceID, orgID int64) []Role {
	var out []Role
	for _, s := range []Scope{ScopeTenant, ScopeWorkspace, ScopeOrganization} {
		for _, r := range d.In(s) {
			g := Grant{Role: r.Key}
			switch r.Scope {
			case ScopeWorkspace:
				if workspaceID <= 0 || orgID > 0 {
					continue
				}
				g.WorkspaceID = workspaceID
			case ScopeOrganization:
				if orgID <= 0 {
					continue
				}
				g.OrganizationID = orgID
			}
			if CanAt(d.NewSet([]Grant{g}), p, workspaceID, orgID) {
				out = append(out, r)
			}
		}
	}
	return out
}
