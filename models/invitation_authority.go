package models

import (
	"errors"
	"fmt"
	"time"

	"gatehouse/models/authz"

	"gorm.io/gorm"
)

// A pending invitation is only as good as its inviter. An administrator
// invitation carries the roles its invitee was given; it is backed while
// its inviter is active, may still invite administrators (Manage Tenant
// Roles) and could grant each of those roles now, under the same
// no-escalation rule as AssignRole (for as long as the binding lasts). An
// organization invitation is backed while its inviter is active and holds
// Manage Organizations. Invitations made by the command line (no inviter)
// are always backed.
//
// Backing is checked when the invitee accepts (inside the acceptance's
// transaction, under the tenant lock) and when the inviter is deactivated
// or loses a role: their pending invitations that are no longer backed are
// revoked then, in the same transaction, each with its own audit event.
// A role that simply expires revokes nothing at once; the acceptance finds
// it and revokes the invitation then.

// RevokedInviterLostAuthority is the revoked_reason of an invitation
// revoked because its inviter no longer had the authority behind it.
const RevokedInviterLostAuthority = "inviter_lost_authority"

// ErrInviterLostAuthority is returned for an invitation whose inviter was
// deactivated or no longer holds the authority to grant what it carries:
// it grants nothing.
var ErrInviterLostAuthority = errors.New("the person who sent this invitation no longer has the authority to grant what it carries")

// authorityTx is what administrator id of tenant may grant now, read inside
// tx; ok is false when they are gone or not active.
func authorityTx(tx *gorm.DB, tenant Tenant, id int64, now time.Time) (Viewer, bool, error) {
	var a Administrator
	err := tx.Where("tenant_id = ? AND id = ?", tenant.ID, id).Take(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Viewer{}, false, nil
	}
	if err != nil {
		return Viewer{}, false, err
	}
	if a.Status != AdminActive {
		return Viewer{}, false, nil
	}
	var bs []RoleBinding
	if err := tx.Where("tenant_id = ? AND administrator_id = ? AND (expires_at IS NULL OR expires_at > ?)", tenant.ID, a.ID, now).
		Find(&bs).Error; err != nil {
		return Viewer{}, false, err
	}
	dir, err := directoryForBindings(tx, tenant.ID, bs)
	if err != nil {
		return Viewer{}, false, err
	}
	return viewerOf(tenant, a, bs, dir), true, nil
}

// mayInvite reports whether inviter may invite an administrator who is to
// hold bs: those who may invite administrators (Manage Tenant Roles) may
// invite anyone; a Workspace Admin (Manage Workspace Roles in a workspace)
// only someone whose every binding is a workspace role there. The same rule
// at invitation (createAdministrator) and at acceptance (backsBindings).
func mayInvite(inviter Viewer, bs []RoleBinding) bool {
	if inviter.Can(authz.ManageTenantRoles) {
		return true
	}
	for _, b := range bs {
		if b.WorkspaceID == nil || !inviter.Perms.CanIn(authz.ManageWorkspaceRoles, *b.WorkspaceID) {
			return false
		}
	}
	return len(bs) > 0
}

// backsBindings reports whether inviter may invite an administrator holding
// bs (the invitee's unexpired bindings) and could grant every one of them now.
func backsBindings(inviter Viewer, bs []RoleBinding, dir authz.Directory) bool {
	if !mayInvite(inviter, bs) {
		return false
	}
	for _, b := range bs {
		r, ok := dir.Role(authz.RoleKey(b.RoleKey))
		if !ok || !r.AvailableOn(string(inviter.Tenant.Plan)) {
			continue // grants nothing, whoever backs it
		}
		held := inviter.PermsLasting(b.ExpiresAt)
		switch {
		case r.Scope == authz.ScopeTenant && b.WorkspaceID == nil:
			if !held.Covers(r) {
				return false
			}
		case r.Scope == authz.ScopeWorkspace && b.WorkspaceID != nil:
			if !held.CoversIn(r, *b.WorkspaceID) {
				return false
			}
		}
	}
	return true
}

// invitationBackedTx reports whether the administrator invitation inv is
// backed by its inviter (inv.InvitedByID; an unsaved Invitation asks
// whether it would be, if sent by them).
func invitationBackedTx(tx *gorm.DB, tenant Tenant, inv Invitation, now time.Time) (bool, error) {
	if inv.InvitedByID == nil {
		return true, nil
	}
	inviter, ok, err := authorityTx(tx, tenant, *inv.InvitedByID, now)
	if err != nil || !ok {
		return false, err
	}
	var bs []RoleBinding
	if err := tx.Where("tenant_id = ? AND administrator_id = ? AND (expires_at IS NULL OR expires_at > ?)", tenant.ID, inv.AdministratorID, now).
		Find(&bs).Error; err != nil {
		return false, err
	}
	dir, err := directoryForBindings(tx, tenant.ID, bs)
	if err != nil {
		return false, err
	}
	return backsBindings(inviter, bs, dir), nil
}

// orgInvitationBackedTx reports whether the organization invitation inv is
// backed by its inviter.
func orgInvitationBackedTx(tx *gorm.DB, tenant Tenant, inv OrganizationInvitation, now time.Time) (bool, error) {
	if inv.InviterID == nil {
		return true, nil
	}
	inviter, ok, err := authorityTx(tx, tenant, *inv.InviterID, now)
	if err != nil || !ok {
		return false, err
	}
	return inviter.Perms.CanInOrganization(authz.ManageOrganizationMembers, inv.OrganizationID), nil
}

// revokeForLostAuthorityTx revokes one pending administrator invitation
// whose inviter lost their authority, with its audit event (the invitee is
// the target). It does nothing when the invitation is no longer pending.
func revokeForLostAuthorityTx(tx *gorm.DB, now time.Time, tenantID int64, inv Invitation, inviterEmail string, actor Actor) error {
	res := tx.Model(&Invitation{}).Where("id = ? AND accepted_at IS NULL AND revoked_at IS NULL", inv.ID).
		Updates(map[string]any{"revoked_at": now, "revoked_reason": RevokedInviterLostAuthority})
	if res.Error != nil || res.RowsAffected == 0 {
		return res.Error
	}
	invitee, err := adminIn(tx, tenantID, inv.AdministratorID)
	if err != nil {
		return err
	}
	if inviterEmail == "" && inv.InvitedByID != nil {
		if inviter, err := adminIn(tx, tenantID, *inv.InvitedByID); err == nil {
			inviterEmail = inviter.Email
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	return writeAudit(tx, now, tenantID, actor, "administrator.invitation_revoked", adminTarget(invitee), Changes{
		"reason": {After: RevokedInviterLostAuthority}, "invited_by": {Before: inviterEmail},
	})
}

// revokeOrgForLostAuthorityTx is revokeForLostAuthorityTx for an
// organization invitation (the organization is the target).
func revokeOrgForLostAuthorityTx(tx *gorm.DB, now time.Time, tenantID int64, inv OrganizationInvitation, inviterEmail string, actor Actor) error {
	res := tx.Model(&OrganizationInvitation{}).Where("id = ? AND accepted_at IS NULL AND revoked_at IS NULL", inv.ID).
		Updates(map[string]any{"revoked_at": now, "revoked_reason": RevokedInviterLostAuthority})
	if res.Error != nil || res.RowsAffected == 0 {
		return res.Error
	}
	o, err := orgIn(tx, tenantID, inv.OrganizationID)
	if err != nil {
		return err
	}
	if inviterEmail == "" && inv.InviterID != nil {
		if inviter, err := adminIn(tx, tenantID, *inv.InviterID); err == nil {
			inviterEmail = inviter.Email
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	return writeAudit(tx, now, tenantID, actor, "organization.invitation_revoked", orgTarget(o), Changes{
		"invitation": {Before: inv.Email}, "reason": {After: RevokedInviterLostAuthority}, "invited_by": {Before: inviterEmail},
	})
}

// revokeUnbackedInvitationsTx revokes, inside the transaction that
// deactivated or demoted inviterID, every pending invitation (administrator
// and organization) they sent that they no longer back, each audited with
// actor. It returns how many it revoked.
func revokeUnbackedInvitationsTx(tx *gorm.DB, tenant Tenant, inviterID int64, now time.Time, actor Actor) (int, error) {
	var inviter Administrator
	if err := tx.Where("tenant_id = ? AND id = ?", tenant.ID, inviterID).Take(&inviter).Error; err != nil {
		return 0, notFound(err)
	}
	authority, active, err := authorityTx(tx, tenant, inviterID, now)
	if err != nil {
		return 0, err
	}
	revoked := 0
	var invs []Invitation
	if err := tx.Where("tenant_id = ? AND invited_by_id = ? AND accepted_at IS NULL AND revoked_at IS NULL", tenant.ID, inviterID).
		Order("id").Find(&invs).Error; err != nil {
		return 0, err
	}
	for _, inv := range invs {
		backed := false
		if active {
			var bs []RoleBinding
			if err := tx.Where("tenant_id = ? AND administrator_id = ? AND (expires_at IS NULL OR expires_at > ?)", tenant.ID, inv.AdministratorID, now).
				Find(&bs).Error; err != nil {
				return revoked, err
			}
			dir, err := directoryForBindings(tx, tenant.ID, bs)
			if err != nil {
				return revoked, err
			}
			backed = backsBindings(authority, bs, dir)
		}
		if backed {
			continue
		}
		if err := revokeForLostAuthorityTx(tx, now, tenant.ID, inv, inviter.Email, actor); err != nil {
			return revoked, err
		}
		revoked++
	}
	if active && authority.Can(authz.ManageOrganizationMembers) {
		return revoked, nil
	}
	var orgInvs []OrganizationInvitation
	if err := tx.Where("tenant_id = ? AND inviter_id = ? AND accepted_at IS NULL AND revoked_at IS NULL", tenant.ID, inviterID).
		Order("id").Find(&orgInvs).Error; err != nil {
		return revoked, err
	}
	for _, inv := range orgInvs {
		if active && authority.Perms.CanInOrganization(authz.ManageOrganizationMembers, inv.OrganizationID) {
			continue // an Organization Admin still backs those of their organization
		}
		if err := revokeOrgForLostAuthorityTx(tx, now, tenant.ID, inv, inviter.Email, actor); err != nil {
			return revoked, err
		}
		revoked++
	}
	return revoked, nil
}

// inviterName is the display name of an invitation's inviter for the
// invitee's page ("" when there is none or they are gone).
func inviterName(db *gorm.DB, tenantID int64, id *int64) (string, error) {
	if id == nil {
		return "", nil
	}
	var a Administrator
	err := db.Where("tenant_id = ? AND id = ?", tenantID, *id).Take(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("load inviter: %w", err)
	}
	return a.DisplayName(), nil
}
