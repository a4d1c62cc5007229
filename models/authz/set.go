package authz

import (
	"cmp"
	"slices"
)

// Grant is one role binding as the decision function sees it. The caller
// passes only unexpired bindings.
type Grant struct {
	Role RoleKey
	// WorkspaceID is the workspace a workspace role is bound to; 0 means
	// tenant-wide, as tenant roles are bound.
	WorkspaceID int64
	// OrganizationID is the Organization an organization role is bound to.
	OrganizationID int64
}

// Set is a viewer's effective permissions, computed once per request by
// NewSet and then only read (it is safe to share between goroutines). The
// zero Set is nobody: it holds nothing, not even SignedIn.
type Set struct {
	signedIn bool
	tenant   bits            // held tenant-wide
	ws       []workspaceBits // held in one workspace; sorted by id, ids unique
	orgs     []workspaceBits // held in one Organization; sorted by id, ids unique
}

type workspaceBits struct {
	id   int64
	bits bits
}

// NewSet returns the permissions of a signed-in administrator holding
// grants: the union of their roles. SignedIn is always held. A tenant role
// counts only when bound tenant-wide (WorkspaceID 0) and a workspace role only
// when bound to a workspace (WorkspaceID > 0); any other grant, and a grant of
// an unknown role, adds nothing.
func NewSet(grants []Grant) Set { return Directory{}.NewSet(grants) }

// add joins the permissions of role b bound at workspaceID (0: tenant-wide)
// to s, when the binding's scope fits the role's.
func (s *Set) add(b *builtin, workspaceID, orgID int64) {
	switch {
	case b.role.Scope == ScopeOrganization && orgID > 0 && workspaceID == 0:
		i, found := slices.BinarySearchFunc(s.orgs, orgID, func(w workspaceBits, id int64) int { return cmp.Compare(w.id, id) })
		if !found {
			s.orgs = slices.Insert(s.orgs, i, workspaceBits{id: orgID})
		}
		s.orgs[i].bits.or(b.bits)
	case orgID != 0:
		// a tenant or workspace role bound to an Organization grants nothing
	case b.role.Scope == ScopeTenant && workspaceID == 0:
		s.tenant.or(b.bits)
	case b.role.Scope == ScopeWorkspace && workspaceID > 0:
		i, found := s.find(workspaceID)
		if !found {
			s.ws = slices.Insert(s.ws, i, workspaceBits{id: workspaceID})
		}
		s.ws[i].bits.or(b.bits)
	}
}

// find returns where workspace id is, or would be inserted, in s.ws.
func (s Set) find(id int64) (int, bool) {
	return slices.BinarySearchFunc(s.ws, id, func(w workspaceBits, id int64) int { return cmp.Compare(w.id, id) })
}

// Can reports whether s holds p tenant-wide. A workspace role never makes
// it true (only SignedIn, held by every signed-in administrator).
func (s Set) Can(p Permission) bool {
	if p == SignedIn {
		return s.signedIn
	}
	i, ok := index[p]
	return ok && s.tenant.has(i)
}

// CanIn reports whether s holds p in the workspace workspaceID: tenant-wide,
// or through a workspace role bound to that workspace. workspaceID 0 asks
// about the tenant level, like Can.
func (s Set) CanIn(p Permission, workspaceID int64) bool {
	if p == SignedIn {
		return s.signedIn
	}
	i, ok := index[p]
	if !ok {
		return false
	}
	if s.tenant.has(i) {
		return true
	}
	if workspaceID <= 0 {
		return false
	}
	w, found := s.find(workspaceID)
	return found && s.ws[w].bits.has(i)
}

// CanAnywhere reports whether s holds p tenant-wide or in at least one
// workspace or Organization, e.g. to show a navigation entry whose page
// lists only what the viewer may see.
func (s Set) CanAnywhere(p Permission) bool {
	if s.Can(p) {
		return true
	}
	i, ok := index[p]
	if !ok {
		return false
	}
	for _, w := range s.ws {
		if w.bits.has(i) {
			return true
		}
	}
	for _, o := range s.orgs {
		if o.bits.has(i) {
			return true
		}
	}
	return false
}

// CanInOrganization reports whether s holds p in the Organization orgID:
// tenant-wide, or through an organization role bound to it.
func (s Set) CanInOrganization(p Permission, orgID int64) bool {
	if s.Can(p) {
		return true
	}
	i, ok := index[p]
	if !ok || orgID <= 0 {
		return false
	}
	k, found := slices.BinarySearchFunc(s.orgs, orgID, func(w workspaceBits, id int64) int { return cmp.Compare(w.id, id) })
	return found && s.orgs[k].bits.has(i)
}

// Organizations returns, sorted, the ids of the Organizations s holds an
// organization role in.
func (s Set) Organizations() []int64 {
	out := make([]int64, 0, len(s.orgs))
	for _, o := range s.orgs {
		out = append(out, o.id)
	}
	return out
}

// CoversInOrganization reports whether s holds every permission of r in
// the Organization orgID: the no-escalation rule for binding an
// organization role there.
func (s Set) CoversInOrganization(r Role, orgID int64) bool {
	for _, p := range r.Permissions {
		if !s.CanInOrganization(p, orgID) {
			return false
		}
	}
	return true
}

// Workspaces returns, sorted, the ids of the workspaces s holds a workspace
// role in. Tenant-wide permissions are not reflected: a Tenant Admin with no
// workspace binding gets none.
func (s Set) Workspaces() []int64 {
	if len(s.ws) == 0 {
		return nil
	}
	out := make([]int64, len(s.ws))
	for i, w := range s.ws {
		out[i] = w.id
	}
	return out
}

// Covers reports whether s holds tenant-wide every permission of r: the
// rule "nobody grants a role with a permission they do not hold" for a
// tenant-wide grant.
func (s Set) Covers(r Role) bool {
	for _, p := range r.Permissions {
		if !s.Can(p) {
			return false
		}
	}
	return true
}

// CoversIn reports whether s holds every permission of r in the workspace
// workspaceID (tenant-wide or through a role bound there): the same rule for
// binding a workspace role to that workspace.
func (s Set) CoversIn(r Role, workspaceID int64) bool {
	for _, p := range r.Permissions {
		if !s.CanIn(p, workspaceID) {
			return false
		}
	}
	return true
}

// ReadOnly reports whether s holds no permission that changes anything
// (Manage, Create, Update, Delete), anywhere: the viewer is an auditor and
// the UI may say "read only".
func (s Set) ReadOnly() bool {
	if !s.tenant.and(mutating).empty() {
		return false
	}
	for _, w := range append(slices.Clone(s.ws), s.orgs...) {
		if !w.bits.and(mutating).empty() {
			return false
		}
	}
	return true
}

// IsZero reports whether s is the zero Set (no signed-in administrator).
func (s Set) IsZero() bool {
	return !s.signedIn && s.tenant.empty() && len(s.ws) == 0 && len(s.orgs) == 0
}

// Can is the one decision function: whether s may exercise p at the tenant
// level (workspaceID 0) or inside the workspace workspaceID.
func Can(s Set, p Permission, workspaceID int64) bool {
	if workspaceID == 0 {
		return s.Can(p)
	}
	return s.CanIn(p, workspaceID)
}

// CanAt is Can with Organizations: inside the Organization orgID (> 0) it
// is the Organization guard's CanInOrganization, else Can.
func CanAt(s Set, p Permission, workspaceID, orgID int64) bool {
	if orgID > 0 {
		return s.CanInOrganization(p, orgID)
	}
	return Can(s, p, workspaceID)
}
