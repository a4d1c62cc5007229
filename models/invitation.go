package models

import (
	"context"
	"errors"
	"maps"
	"strings"
	"time"

	"gatehouse/models/passwords"

	"gorm.io/gorm"
)

// Invitation is an e-mailed, single-use link that lets an invited
// administrator set their password. Only the token's hash is stored.
type Invitation struct {
	ID              int64  `gorm:"primaryKey"`
	TenantID        int64  `gorm:"not null"`
	AdministratorID int64  `gorm:"not null;index"`
	TokenHash       string `gorm:"size:64;not null;uniqueIndex"`
	ExpiresAt       time.Time
	AcceptedAt      *time.Time
	RevokedAt       *time.Time
	// RevokedReason says why a revoked invitation was revoked when it was
	// not by hand (RevokedInviterLostAuthority).
	RevokedReason string `gorm:"size:40;not null;default:''"`
	InvitedByID   *int64
	CreatedAt     time.Time
}

// Errors for links that cannot be used.
var (
	ErrTokenUsed    = errors.New("this link has already been used")
	ErrTokenExpired = errors.New("this link has expired")
	ErrTokenRevoked = errors.New("this link has been withdrawn")
)

// PendingInvitation is a usable invitation with its administrator and tenant.
type PendingInvitation struct {
	Invitation    Invitation
	Administrator Administrator
	Tenant        Tenant
	// InviterName is who sent it ("" for the command line), set when the
	// invitation is pending or was revoked for lack of authority.
	InviterName string
}

// InvitationByToken finds the invitation for a raw token and tells whether
// it can still be used: ErrInvalidToken (unknown), ErrTokenUsed,
// ErrTokenRevoked, ErrTokenExpired or ErrInviterLostAuthority (its inviter
// was deactivated or can no longer grant the roles it carries) otherwise.
func (s *Store) InvitationByToken(ctx context.Context, raw string) (PendingInvitation, error) {
	var p PendingInvitation
	var err error
	db := s.DB.WithContext(ctx)
	if raw == "" || len(raw) > 100 {
		return p, ErrInvalidToken
	}
	if err := db.Where("token_hash = ?", HashToken(raw)).Take(&p.Invitation).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return p, ErrInvalidToken
		}
		return p, err
	}
	if err := db.Where("tenant_id = ? AND id = ?", p.Invitation.TenantID, p.Invitation.AdministratorID).Take(&p.Administrator).Error; err != nil {
		return p, notFoundAs(err, ErrInvalidToken)
	}
	if err := db.Take(&p.Tenant, p.Invitation.TenantID).Error; err != nil {
		return p, notFoundAs(err, ErrInvalidToken)
	}
	switch {
	case p.Invitation.AcceptedAt != nil:
		return p, ErrTokenUsed
	case p.Invitation.RevokedAt != nil && p.Invitation.RevokedReason == RevokedInviterLostAuthority:
		p.InviterName, err = inviterName(db, p.Tenant.ID, p.Invitation.InvitedByID)
		if err != nil {
			return p, err
		}
		return p, ErrInviterLostAuthority
	case p.Invitation.RevokedAt != nil:
		return p, ErrTokenRevoked
	case !s.now().Before(p.Invitation.ExpiresAt):
		return p, ErrTokenExpired
	case p.Administrator.Status != AdminInvited:
		return p, ErrTokenUsed
	}
	if p.InviterName, err = inviterName(db, p.Tenant.ID, p.Invitation.InvitedByID); err != nil {
		return p, err
	}
	backed, err := invitationBackedTx(db, p.Tenant, p.Invitation, s.now())
	if err != nil {
		return p, err
	}
	if !backed {
		return p, ErrInviterLostAuthority
	}
	return p, nil
}

func notFoundAs(err, as error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return as
	}
	return err
}

// PersonName is a given and a family name typed by their owner.
type PersonName struct{ Given, Family string }

// PasswordError is returned when a new password breaks the policy.
type PasswordError struct {
	Violations []passwords.Violation
	// Also holds other fields' errors found at the same time (the
	// confirmation, the current password), by field name.
	Also map[string]string
}

func (e *PasswordError) Error() string {
	if len(e.Violations) == 0 {
		return "password refused"
	}
	return e.Violations[0].Message
}

// AcceptInvitation sets the invitee's password and activates them. The
// token is consumed atomically: of two parallel acceptances only one wins.
// The inviter's authority is checked again inside the transaction, under
// the tenant lock: an invitation they no longer back is revoked (audited)
// and the acceptance grants nothing (ErrInviterLostAuthority).
//
// An invitee without a name (the first Tenant Admin of `tenant create`
// without --admin-given-name, say) is asked for one on the invitation page:
// name then carries what they typed, which is required and saved with the
// password (both parts, once either is typed; left blank, they keep going
// by their address); for an invitee who has a name it is ignored.
func (s *Store) AcceptInvitation(ctx context.Context, raw, password, confirm string, meta Actor, name ...PersonName) (Administrator, error) {
	p, err := s.InvitationByToken(ctx, raw)
	if errors.Is(err, ErrInviterLostAuthority) && p.Invitation.RevokedAt == nil {
		return Administrator{}, s.revokeAtAcceptance(ctx, p, meta)
	}
	if err != nil {
		return Administrator{}, err
	}
	admin := p.Administrator
	var named *PersonName
	nameErrs := fieldErrors{}
	if len(name) > 0 && admin.NeedsName() {
		n := PersonName{Given: strings.TrimSpace(name[0].Given), Family: strings.TrimSpace(name[0].Family)}
		if n.Given != "" || n.Family != "" {
			checkName(nameErrs, "given_name", "Given name", n.Given)
			checkName(nameErrs, "family_name", "Family name", n.Family)
			named = &n
		}
	}
	hash, err := s.newPasswordHash(ctx, p.Tenant.ID, p.Administrator.ID, password, confirm)
	var perr *PasswordError
	var verr *ValidationError
	switch {
	case err == nil && len(nameErrs) > 0:
		return Administrator{}, nameErrs.err()
	case errors.As(err, &perr):
		if perr.Also == nil {
			perr.Also = map[string]string{}
		}
		maps.Copy(perr.Also, nameErrs)
		return Administrator{}, perr
	case errors.As(err, &verr):
		maps.Copy(verr.Fields, nameErrs)
		return Administrator{}, verr
	case err != nil:
		return Administrator{}, err
	}
	now := s.now()
	lost := false
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if err := lockTenant(tx, p.Tenant.ID); err != nil {
			return err
		}
		backed, err := invitationBackedTx(tx, p.Tenant, p.Invitation, now)
		if err != nil {
			return err
		}
		if !backed {
			lost = true
			return revokeForLostAuthorityTx(tx, now, p.Tenant.ID, p.Invitation, "", inviteeActor(meta, admin))
		}
		res := tx.Model(&Invitation{}).
			Where("id = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?", p.Invitation.ID, now).
			Update("accepted_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrTokenUsed
		}
		set := map[string]any{"password_hash": hash, "status": AdminActive, "activated_at": now, "updated_at": now}
		ch := Changes{"status": {Before: AdminInvited, After: AdminActive}}
		if named != nil {
			set["given_name"], set["family_name"] = named.Given, named.Family
			ch["given_name"] = Change{Before: admin.GivenName, After: named.Given}
			ch["family_name"] = Change{Before: admin.FamilyName, After: named.Family}
		}
		res = tx.Model(&Administrator{}).
			Where("id = ? AND tenant_id = ? AND status = ?", admin.ID, admin.TenantID, AdminInvited).
			Updates(set)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrTokenUsed
		}
		if err := recordPassword(tx, admin.ID, hash, now); err != nil {
			return err
		}
		if named != nil {
			admin.GivenName, admin.FamilyName = named.Given, named.Family
		}
		// The link came to their sign-in e-mail: that address is verified.
		if err := tx.Model(&PoolAddress{}).Where("pool_id = ? AND user_id = ? AND type = ? AND value = ? AND verified_at IS NULL",
			admin.PoolID, admin.ID, AddressEmail, admin.Email).Update("verified_at", now).Error; err != nil {
			return err
		}
		return writeAudit(tx, now, admin.TenantID, inviteeActor(meta, admin), "administrator.invitation_accepted",
			adminTarget(admin), ch)
	})
	if err != nil {
		return Administrator{}, err
	}
	if lost {
		return Administrator{}, ErrInviterLostAuthority
	}
	admin.Status = AdminActive
	admin.PasswordHash = hash
	return admin, nil
}

// inviteeActor is the invitee acting on their invitation, from meta's address.
func inviteeActor(meta Actor, a Administrator) Actor {
	meta.AdminID, meta.Email = a.ID, a.Email
	return meta
}

// revokeAtAcceptance revokes, with its audit event, a pending invitation
// found unbacked when its invitee tried to accept it (a role of the inviter
// expired, say); it returns ErrInviterLostAuthority.
func (s *Store) revokeAtAcceptance(ctx context.Context, p PendingInvitation, meta Actor) error {
	now := s.now()
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := lockTenant(tx, p.Tenant.ID); err != nil {
			return err
		}
		backed, err := invitationBackedTx(tx, p.Tenant, p.Invitation, now)
		if err != nil || backed {
			return err
		}
		return revokeForLostAuthorityTx(tx, now, p.Tenant.ID, p.Invitation, "", inviteeActor(meta, p.Administrator))
	})
	if err != nil {
		return err
	}
	return ErrInviterLostAuthority
}

// inviteTx creates a fresh invitation for admin (killing any earlier one)
// and queues its e-mail; it returns the link.
func (s *Store) inviteTx(tx *gorm.DB, now time.Time, tenant Tenant, admin Administrator, inviter *Administrator) (string, error) {
	if err := tx.Model(&Invitation{}).
		Where("administrator_id = ? AND accepted_at IS NULL AND revoked_at IS NULL", admin.ID).
		Update("revoked_at", now).Error; err != nil {
		return "", err
	}
	raw, hash, err := s.newToken()
	if err != nil {
		return "", err
	}
	inv := Invitation{
		TenantID: tenant.ID, AdministratorID: admin.ID, TokenHash: hash,
		ExpiresAt: now.Add(s.InvitationTTL), CreatedAt: now,
	}
	inviterName := "Gatehouse"
	if inviter != nil {
		inv.InvitedByID = &inviter.ID
		inviterName = inviter.DisplayName()
	}
	if err := tx.Create(&inv).Error; err != nil {
		return "", err
	}
	link := s.BaseURL + "/invitations/" + raw
	mail, err := s.Emails.Invitation(InvitationEmail{
		TenantName: tenant.Name, TenantSlug: tenant.Slug, InviteeName: admin.DisplayName(), InviteeEmail: admin.Email,
		InviterName: inviterName, URL: link, ExpiresAt: inv.ExpiresAt,
	})
	if err != nil {
		return "", err
	}
	if err := enqueueEmail(tx, now, &tenant.ID, admin.Email, mail); err != nil {
		return "", err
	}
	return link, nil
}
