package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gatehouse/models/passwords"

	"gorm.io/gorm"
)

// OrganizationInvitation is an e-mailed, single-use link that lets someone
// join an organization with the given roles: they create their
// identity-pool user (or sign in with the one they have) at
// /o/{organization}/invitations/{token}. Only the token's hash is stored.
type OrganizationInvitation struct {
	ID             int64 `gorm:"primaryKey"`
	TenantID       int64
	OrganizationID int64
	Email          string
	RoleIDs        string // JSON array of end-user role ids
	TokenHash      string
	InviterID      *int64
	InviterName    string
	ExpiresAt      time.Time
	AcceptedAt     *time.Time
	AcceptedUserID *int64
	RevokedAt      *time.Time
	// RevokedReason says why a revoked invitation was revoked when it was
	// not by hand (RevokedInviterLostAuthority).
	RevokedReason  string
	FailedAttempts int
	CreatedAt      time.Time
}

// Roles returns the ids of the roles the invitation gives.
func (i OrganizationInvitation) Roles() []int64 {
	var ids []int64
	_ = json.Unmarshal([]byte(i.RoleIDs), &ids)
	return ids
}

// OrganizationInvitationEmail is what an Organization invitation e-mail says.
type OrganizationInvitationEmail struct {
	TenantName              string
	OrganizationName        string
	OrganizationDisplayName string
	InviterName             string
	InviteeEmail            string
	URL                     string
	ExpiresAt               time.Time
	PrimaryColor            string // "#rrggbb" or "": the organization's branding
}

// Pending reports whether the invitation can still be accepted at now.
func (i OrganizationInvitation) Pending(now time.Time) bool {
	return i.AcceptedAt == nil && i.RevokedAt == nil && now.Before(i.ExpiresAt)
}

// Invitation expiry choices, in days: 7 by default, as Auth0's dashboard,
// and at most 30.
const (
	OrgInvitationDefaultDays = 7
	OrgInvitationMaxDays     = 30
	// OrgInvitationMaxAttempts is how many wrong passwords an invitation
	// takes (from an invitee signing in with an existing user) before its
	// link stops working.
	OrgInvitationMaxAttempts = 10
	// OrgInvitationMaxRoles bounds the roles one invitation gives.
	OrgInvitationMaxRoles = 50
)

// OrgInviteInput is the invitation form: the e-mail, the roles (end-user
// role ids, as typed) and how many days the link works (as typed; "" is 7).
type OrgInviteInput struct {
	Email         string
	Roles         []string
	ExpiresInDays string
}

// parseRoleIDs reads role ids typed into a form: distinct positive numbers.
func parseRoleIDs(in []string) ([]int64, bool) {
	seen := map[int64]bool{}
	var ids []int64
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return nil, false
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, true
}

func roleNames(rs []EndUserRole) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return out
}

func idsJSON(ids []int64) string {
	if len(ids) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(ids)
	return string(b)
}

// OrgInvitationLink is the address an invitation's e-mail links to.
func (s *Store) OrgInvitationLink(orgName, raw string) string {
	return s.BaseURL + "/o/" + orgName + "/invitations/" + raw
}

// CreateOrganizationInvitation invites an e-mail address to join the
// organization with roles, for a number of days (1 to 30, default 7): in
// one transaction it stores the invitation (its token's hash only), queues
// the e-mail and writes the audit event. It returns the invitation and its
// link. Members and addresses with a pending invitation are refused.
func (s *Store) CreateOrganizationInvitation(ctx context.Context, v Viewer, orgID int64, in OrgInviteInput, actor Actor) (OrganizationInvitation, string, error) {
	email, msg := CheckEmail(in.Email)
	f := fieldErrors{}
	if msg != "" {
		f.add("email", msg)
	}
	days := OrgInvitationDefaultDays
	if d := strings.TrimSpace(in.ExpiresInDays); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 1 || n > OrgInvitationMaxDays {
			f.add("expires_in_days", fmt.Sprintf("Enter a number of days from 1 to %d.", OrgInvitationMaxDays))
		}
		days = n
	}
	roleIDs, ok := parseRoleIDs(in.Roles)
	switch {
	case !ok:
		f.add("roles", "Choose roles from the list.")
	case len(roleIDs) > OrgInvitationMaxRoles:
		f.add("roles", fmt.Sprintf("Choose at most %d roles.", OrgInvitationMaxRoles))
	}
	if err := f.err(); err != nil {
		return OrganizationInvitation{}, "", err
	}
	var inv OrganizationInvitation
	var link string
	err := s.tx(ctx, func(tx *gorm.DB) error {
		o, err := orgIn(tx, v.Tenant.ID, orgID)
		if err != nil {
			return err
		}
		roles, err := tenantRoles(tx, v.Tenant.ID, roleIDs)
		if err != nil {
			return err
		}
		var members int64
		if err := tx.Table("organization_members AS m").Joins("JOIN users u ON u.id = m.user_id").
			Where("m.organization_id = ? AND u.tenant_id = ? AND u.email = ? AND u.email <> ''", o.ID, v.Tenant.ID, email).Count(&members).Error; err != nil {
			return err
		}
		if members > 0 {
			return &ValidationError{Fields: map[string]string{"email": email + " is already a member of " + o.Label() + "."}}
		}
		now := s.now()
		var pending int64
		if err := tx.Model(&OrganizationInvitation{}).Where("organization_id = ? AND email = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?",
			o.ID, email, now).Count(&pending).Error; err != nil {
			return err
		}
		if pending > 0 {
			return &ValidationError{Fields: map[string]string{"email": email + " already has a pending invitation to " + o.Label() + ": resend it from the list below."}}
		}
		inv = OrganizationInvitation{TenantID: v.Tenant.ID, OrganizationID: o.ID, Email: email, RoleIDs: idsJSON(roleIDsOf(roles)),
			InviterName: v.Administrator.DisplayName(), ExpiresAt: now.Add(time.Duration(days) * 24 * time.Hour), CreatedAt: now}
		if v.Administrator.ID != 0 {
			id := v.Administrator.ID
			inv.InviterID = &id
		}
		if link, err = s.sendOrgInvitation(tx, now, v.Tenant, o, &inv); err != nil {
			return err
		}
		return writeAudit(tx, now, v.Tenant.ID, actor, "organization.invitation_created", orgTarget(o), Changes{
			"invitation": {After: email}, "roles": {After: roleNames(roles)}, "expires_at": {After: inv.ExpiresAt.UTC().Format(time.RFC3339)},
		})
	})
	if err != nil {
		return OrganizationInvitation{}, "", err
	}
	return inv, link, nil
}

func roleIDsOf(rs []EndUserRole) []int64 {
	out := make([]int64, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

// tenantRoles loads the end-user roles among ids, by name: a
// ValidationError on field roles when one is not a role of the tenant.
func tenantRoles(tx *gorm.DB, tenantID int64, roleIDs []int64) ([]EndUserRole, error) {
	var roles []EndUserRole
	if len(roleIDs) == 0 {
		return roles, nil
	}
	if err := tx.Where("tenant_id = ? AND id IN ?", tenantID, roleIDs).Order("LOWER(name)").Find(&roles).Error; err != nil {
		return nil, err
	}
	if len(roles) != len(roleIDs) {
		return nil, &ValidationError{Fields: map[string]string{"roles": "Choose roles from the list: one of them no longer exists."}}
	}
	return roles, nil
}

// sendOrgInvitation gives inv a fresh token, stores it and queues its
// e-mail; it returns the link.
func (s *Store) sendOrgInvitation(tx *gorm.DB, now time.Time, tenant Tenant, o Organization, inv *OrganizationInvitation) (string, error) {
	raw, hash, err := s.newToken()
	if err != nil {
		return "", err
	}
	inv.TokenHash = hash
	if strings.TrimSpace(inv.InviterName) == "" {
		inv.InviterName = tenant.Name
	}
	if err := tx.Create(inv).Error; err != nil {
		return "", err
	}
	link := s.OrgInvitationLink(o.Name, raw)
	mail, err := s.Emails.OrganizationInvitation(OrganizationInvitationEmail{
		TenantName: tenant.Name, OrganizationName: o.Name, OrganizationDisplayName: o.Label(),
		InviterName: inv.InviterName, InviteeEmail: inv.Email, URL: link, ExpiresAt: inv.ExpiresAt,
		PrimaryColor: o.PrimaryColor,
	})
	if err != nil {
		return "", err
	}
	if err := enqueueEmail(tx, now, &tenant.ID, inv.Email, mail); err != nil {
		return "", err
	}
	return link, nil
}

// OrganizationInvitationByID loads one invitation of an organization of
// the tenant (pending or not); any other is ErrNotFound.
func (s *Store) OrganizationInvitationByID(ctx context.Context, tenantID, orgID, id int64) (OrganizationInvitation, error) {
	return orgInvitationIn(s.DB.WithContext(ctx), tenantID, orgID, id)
}

func orgInvitationIn(tx *gorm.DB, tenantID, orgID, id int64) (OrganizationInvitation, error) {
	var inv OrganizationInvitation
	err := tx.Where("tenant_id = ? AND organization_id = ? AND id = ?", tenantID, orgID, id).Take(&inv).Error
	return inv, notFound(err)
}

// ResendOrganizationInvitation sends a pending (or expired) invitation
// again with a new link, valid as long as the first one was; the previous
// link stops working. It returns the new invitation and its link.
func (s *Store) ResendOrganizationInvitation(ctx context.Context, v Viewer, orgID, invitationID int64, actor Actor) (OrganizationInvitation, string, error) {
	var inv OrganizationInvitation
	var link string
	err := s.tx(ctx, func(tx *gorm.DB) error {
		o, err := orgIn(tx, v.Tenant.ID, orgID)
		if err != nil {
			return err
		}
		old, err := orgInvitationIn(tx, v.Tenant.ID, o.ID, invitationID)
		if err != nil {
			return err
		}
		now := s.now()
		res := tx.Model(&OrganizationInvitation{}).Where("id = ? AND accepted_at IS NULL AND revoked_at IS NULL", old.ID).Update("revoked_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return &ValidationError{Fields: map[string]string{"_form": "The invitation to " + old.Email + " is no longer pending: it was accepted or revoked."}}
		}
		ttl := old.ExpiresAt.Sub(old.CreatedAt)
		if ttl <= 0 || ttl > OrgInvitationMaxDays*24*time.Hour {
			ttl = OrgInvitationDefaultDays * 24 * time.Hour
		}
		inv = OrganizationInvitation{TenantID: old.TenantID, OrganizationID: o.ID, Email: old.Email, RoleIDs: old.RoleIDs,
			InviterName: v.Administrator.DisplayName(), ExpiresAt: now.Add(ttl), CreatedAt: now}
		if v.Administrator.ID != 0 {
			id := v.Administrator.ID
			inv.InviterID = &id
		}
		if link, err = s.sendOrgInvitation(tx, now, v.Tenant, o, &inv); err != nil {
			return err
		}
		return writeAudit(tx, now, v.Tenant.ID, actor, "organization.invitation_resent", orgTarget(o), Changes{
			"invitation": {Before: old.Email, After: inv.Email}, "expires_at": {Before: old.ExpiresAt.UTC().Format(time.RFC3339), After: inv.ExpiresAt.UTC().Format(time.RFC3339)},
		})
	})
	if err != nil {
		return OrganizationInvitation{}, "", err
	}
	return inv, link, nil
}

// RevokeOrganizationInvitation withdraws a pending invitation: its link
// stops working.
func (s *Store) RevokeOrganizationInvitation(ctx context.Context, tenantID, orgID, invitationID int64, actor Actor) (OrganizationInvitation, error) {
	var inv OrganizationInvitation
	err := s.tx(ctx, func(tx *gorm.DB) error {
		o, err := orgIn(tx, tenantID, orgID)
		if err != nil {
			return err
		}
		if inv, err = orgInvitationIn(tx, tenantID, o.ID, invitationID); err != nil {
			return err
		}
		now := s.now()
		res := tx.Model(&OrganizationInvitation{}).Where("id = ? AND accepted_at IS NULL AND revoked_at IS NULL", inv.ID).Update("revoked_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return &ValidationError{Fields: map[string]string{"_form": "The invitation to " + inv.Email + " is no longer pending: it was accepted or revoked."}}
		}
		inv.RevokedAt = &now
		return writeAudit(tx, now, tenantID, actor, "organization.invitation_revoked", orgTarget(o), Changes{"invitation": {Before: inv.Email}})
	})
	return inv, err
}

// OrgInvitationItem is a pending invitation with the names of its roles.
type OrgInvitationItem struct {
	Invitation OrganizationInvitation
	Roles      []EndUserRole
}

// OrgInvitationPage is one page of pending invitations, newest first.
type OrgInvitationPage struct {
	Items []OrgInvitationItem
	Next  int64 // cursor: the invitation id to continue before; 0 on the last page
}

// ListOrganizationInvitations returns a page of an organization's pending
// invitations (unexpired, neither accepted nor revoked), newest first, in
// two queries: the page over (organization_id, id) and the roles it names.
func (s *Store) ListOrganizationInvitations(ctx context.Context, orgID, after int64, limit int) (OrgInvitationPage, error) {
	if limit <= 0 || limit > MaxPageSize {
		limit = 50
	}
	db := s.DB.WithContext(ctx)
	q := db.Where("organization_id = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?", orgID, s.now())
	if after > 0 {
		q = q.Where("id < ?", after)
	}
	var invs []OrganizationInvitation
	if err := q.Order("id DESC").Limit(limit + 1).Find(&invs).Error; err != nil {
		return OrgInvitationPage{}, err
	}
	var page OrgInvitationPage
	if len(invs) > limit {
		invs = invs[:limit]
		page.Next = invs[len(invs)-1].ID
	}
	var all []int64
	seen := map[int64]bool{}
	for _, inv := range invs {
		for _, id := range inv.Roles() {
			if !seen[id] {
				seen[id] = true
				all = append(all, id)
			}
		}
	}
	byID := map[int64]EndUserRole{}
	if len(all) > 0 {
		var roles []EndUserRole
		if err := db.Where("id IN ?", all).Order("LOWER(name)").Find(&roles).Error; err != nil {
			return OrgInvitationPage{}, err
		}
		for _, r := range roles {
			byID[r.ID] = r
		}
	}
	for _, inv := range invs {
		it := OrgInvitationItem{Invitation: inv}
		for _, id := range inv.Roles() {
			if r, ok := byID[id]; ok && r.TenantID == inv.TenantID {
				it.Roles = append(it.Roles, r)
			}
		}
		page.Items = append(page.Items, it)
	}
	return page, nil
}

// PendingOrgInvitation is a usable organization invitation with what the
// acceptance page needs: the organization, its tenant, the roles it gives
// and the identity-pool user that already has the invited e-mail, if any.
type PendingOrgInvitation struct {
	Invitation   OrganizationInvitation
	Organization Organization
	Tenant       Tenant
	Roles        []EndUserRole
	ExistingUser *User
}

// OrgInvitationByToken finds the invitation for a raw token within the
// organization named in its link and tells whether it can still be used:
// ErrInvalidToken (unknown, or not for this organization), ErrTokenUsed,
// ErrTokenRevoked or ErrTokenExpired otherwise.
func (s *Store) OrgInvitationByToken(ctx context.Context, orgName, raw string) (PendingOrgInvitation, error) {
	var p PendingOrgInvitation
	db := s.DB.WithContext(ctx)
	if raw == "" || len(raw) > 100 || !orgNameRE.MatchString(orgName) {
		return p, ErrInvalidToken
	}
	if err := db.Where("token_hash = ?", HashToken(raw)).Take(&p.Invitation).Error; err != nil {
		return p, notFoundAs(err, ErrInvalidToken)
	}
	if err := db.Where("tenant_id = ? AND id = ?", p.Invitation.TenantID, p.Invitation.OrganizationID).Take(&p.Organization).Error; err != nil {
		return p, notFoundAs(err, ErrInvalidToken)
	}
	if p.Organization.Name != orgName {
		return PendingOrgInvitation{}, ErrInvalidToken
	}
	if err := db.Take(&p.Tenant, p.Invitation.TenantID).Error; err != nil {
		return p, notFoundAs(err, ErrInvalidToken)
	}
	switch {
	case p.Invitation.AcceptedAt != nil:
		return p, ErrTokenUsed
	case p.Invitation.RevokedAt != nil && p.Invitation.RevokedReason == RevokedInviterLostAuthority:
		return p, ErrInviterLostAuthority
	case p.Invitation.RevokedAt != nil:
		return p, ErrTokenRevoked
	case !s.now().Before(p.Invitation.ExpiresAt):
		return p, ErrTokenExpired
	}
	backed, err := orgInvitationBackedTx(db, p.Tenant, p.Invitation, s.now())
	if err != nil {
		return p, err
	}
	if !backed {
		return p, ErrInviterLostAuthority
	}
	if ids := p.Invitation.Roles(); len(ids) > 0 {
		if err := db.Where("tenant_id = ? AND id IN ?", p.Tenant.ID, ids).Order("LOWER(name)").Find(&p.Roles).Error; err != nil {
			return p, err
		}
	}
	var u User
	err = db.Where("tenant_id = ? AND email = ? AND email <> ''", p.Tenant.ID, p.Invitation.Email).Take(&u).Error
	switch {
	case err == nil:
		p.ExistingUser = &u
	case !errors.Is(err, gorm.ErrRecordNotFound):
		return p, err
	}
	return p, nil
}

// AcceptOrgInvitationInput is what the invitee types on the acceptance
// page: names and a new password (with its confirmation) for a new user;
// the password of the existing user otherwise.
type AcceptOrgInvitationInput struct {
	GivenName       string
	FamilyName      string
	Password        string
	PasswordConfirm string
}

// AcceptedOrgInvitation is the outcome of an accepted invitation.
type AcceptedOrgInvitation struct {
	Organization Organization
	User         User
	CreatedUser  bool
	Roles        []EndUserRole
}

// ErrAccountBlocked is returned when the invitee's existing user is blocked
// or inactive: they cannot sign in, so they cannot join either.
var ErrAccountBlocked = errors.New("this account cannot sign in")

// ErrNoPasswordToCheck is returned when the invitee's existing user has no
// password (they sign in some other way, e.g. with a social connection):
// they cannot prove who they are here, and an invitation link never sets
// a password on an existing user.
var ErrNoPasswordToCheck = errors.New("this account has no password to sign in with")

// AcceptOrganizationInvitation lets the invitee join the organization with
// the invitation's roles. Without a user of that e-mail in the tenant's
// pool, one is created (e-mail from the invitation, verified; the names
// given; a password meeting the tenant's password policy, stored as an
// argon2id hash). With one, the invitee proves who they are with that
// user's password (a wrong one is counted; OrgInvitationMaxAttempts of them
// withdraw the link); the link never sets a password on an existing user,
// so one who has none gets ErrNoPasswordToCheck. In one transaction, under
// the tenant lock, the inviter's authority is checked again (an invitation
// they no longer back is revoked, audited, and ErrInviterLostAuthority
// returned), the token is consumed atomically (of parallel acceptances only
// one wins), the user is created, the membership and roles are added and
// the audit events written, with the invitee as the actor.
func (s *Store) AcceptOrganizationInvitation(ctx context.Context, orgName, raw string, in AcceptOrgInvitationInput, meta Actor) (AcceptedOrgInvitation, error) {
	p, err := s.OrgInvitationByToken(ctx, orgName, raw)
	if errors.Is(err, ErrInviterLostAuthority) && p.Invitation.RevokedAt == nil {
		// Found unbacked (a role of the inviter expired, say): revoke it now.
		err = s.tx(ctx, func(tx *gorm.DB) error {
			if err := lockTenant(tx, p.Tenant.ID); err != nil {
				return err
			}
			if backed, err := orgInvitationBackedTx(tx, p.Tenant, p.Invitation, s.now()); err != nil || backed {
				return err
			}
			actor := meta
			actor.AdminID, actor.Email = 0, p.Invitation.Email
			return revokeOrgForLostAuthorityTx(tx, s.now(), p.Tenant.ID, p.Invitation, "", actor)
		})
		if err == nil {
			err = ErrInviterLostAuthority
		}
	}
	if err != nil {
		return AcceptedOrgInvitation{}, err
	}
	var hash string
	given, family := strings.TrimSpace(in.GivenName), strings.TrimSpace(in.FamilyName)
	switch {
	case p.ExistingUser == nil:
		f := fieldErrors{}
		checkName(f, "given_name", "Given name", given)
		checkName(f, "family_name", "Family name", family)
		policy, err := s.PasswordPolicy(ctx, p.Tenant.ID)
		if err != nil {
			return AcceptedOrgInvitation{}, err
		}
		if v := policy.Check(in.Password); len(v) > 0 {
			if len(f) > 0 {
				f.add("password", violationsMessage(v))
				return AcceptedOrgInvitation{}, f.err()
			}
			return AcceptedOrgInvitation{}, &PasswordError{Violations: v}
		}
		if in.Password != in.PasswordConfirm {
			f.add("password_confirm", "The two passwords do not match.")
		}
		if err := f.err(); err != nil {
			return AcceptedOrgInvitation{}, err
		}
		if hash, err = passwords.Hash(ctx, in.Password); err != nil {
			return AcceptedOrgInvitation{}, err
		}
	case p.ExistingUser.PasswordHash == "":
		return AcceptedOrgInvitation{}, ErrNoPasswordToCheck
	default:
		if len(in.Password) > passwords.MaxPasswordLength {
			in.Password = ""
		}
		ok, err := passwords.Verify(ctx, p.ExistingUser.PasswordHash, in.Password)
		if notChecked(err) {
			return AcceptedOrgInvitation{}, err
		}
		if !ok {
			if err := s.failOrgInvitationAttempt(ctx, p.Invitation.ID); err != nil {
				return AcceptedOrgInvitation{}, err
			}
			return AcceptedOrgInvitation{}, &ValidationError{Fields: map[string]string{"password": "The password is not correct."}}
		}
	}
	if u := p.ExistingUser; u != nil && (u.Blocked || u.Status == UserInactive) {
		return AcceptedOrgInvitation{}, ErrAccountBlocked
	}
	out := AcceptedOrgInvitation{Organization: p.Organization}
	now := s.now()
	actor := meta
	actor.AdminID, actor.Email = 0, p.Invitation.Email
	lost := false
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if err := lockTenant(tx, p.Tenant.ID); err != nil {
			return err
		}
		backed, err := orgInvitationBackedTx(tx, p.Tenant, p.Invitation, now)
		if err != nil {
			return err
		}
		if !backed {
			lost = true
			return revokeOrgForLostAuthorityTx(tx, now, p.Tenant.ID, p.Invitation, "", actor)
		}
		res := tx.Model(&OrganizationInvitation{}).
			Where("id = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?", p.Invitation.ID, now).
			Update("accepted_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrTokenUsed
		}
		var u User
		if p.ExistingUser == nil {
			u, err = s.CreateUserTx(tx, p.Tenant.ID, CreateUserInput{Email: p.Invitation.Email, GivenName: given, FamilyName: family,
				Status: UserActive, EmailVerified: true, PasswordHash: hash}, actor)
			if err != nil {
				return err
			}
			out.CreatedUser = true
		} else {
			// Read again inside the transaction: the password checked must
			// still be the user's.
			if u, err = userIn(tx, p.Tenant.ID, p.ExistingUser.ID); err != nil {
				return err
			}
			if u.PasswordHash != p.ExistingUser.PasswordHash {
				return ErrTokenUsed
			}
		}
		out.User = u
		if err := tx.Model(&OrganizationInvitation{}).Where("id = ?", p.Invitation.ID).Update("accepted_user_id", u.ID).Error; err != nil {
			return err
		}
		var m OrganizationMember
		err = tx.Where("organization_id = ? AND user_id = ?", p.Organization.ID, u.ID).Take(&m).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			m = OrganizationMember{TenantID: p.Tenant.ID, OrganizationID: p.Organization.ID, UserID: u.ID, CreatedAt: now}
			err = tx.Create(&m).Error
		}
		if err != nil {
			return err
		}
		// The roles that still exist, less those the member holds already.
		var roles []EndUserRole
		if ids := p.Invitation.Roles(); len(ids) > 0 {
			if err := tx.Where("tenant_id = ? AND id IN ?", p.Tenant.ID, ids).Order("LOWER(name)").Find(&roles).Error; err != nil {
				return err
			}
		}
		var held []int64
		if err := tx.Model(&OrganizationMemberRole{}).Where("member_id = ?", m.ID).Pluck("role_id", &held).Error; err != nil {
			return err
		}
		has := map[int64]bool{}
		for _, id := range held {
			has[id] = true
		}
		for _, r := range roles {
			if has[r.ID] {
				continue
			}
			if err := tx.Create(&OrganizationMemberRole{TenantID: p.Tenant.ID, OrganizationID: p.Organization.ID, MemberID: m.ID, RoleID: r.ID, CreatedAt: now}).Error; err != nil {
				return err
			}
		}
		out.Roles = roles
		return writeAudit(tx, now, p.Tenant.ID, actor, "organization.invitation_accepted", orgTarget(p.Organization), Changes{
			"member": {After: u.Identifier()}, "roles": {After: roleNames(roles)},
		})
	})
	if err != nil {
		return AcceptedOrgInvitation{}, err
	}
	if lost {
		return AcceptedOrgInvitation{}, ErrInviterLostAuthority
	}
	return out, nil
}

// failOrgInvitationAttempt counts a wrong password given on an invitation's
// page; the last allowed one withdraws the invitation.
func (s *Store) failOrgInvitationAttempt(ctx context.Context, id int64) error {
	now := s.now()
	return s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&OrganizationInvitation{}).Where("id = ?", id).
			Update("failed_attempts", gorm.Expr("failed_attempts + 1")).Error; err != nil {
			return err
		}
		return tx.Model(&OrganizationInvitation{}).
			Where("id = ? AND failed_attempts >= ? AND revoked_at IS NULL AND accepted_at IS NULL", id, OrgInvitationMaxAttempts).
			Update("revoked_at", now).Error
	})
}

func violationsMessage(vs []passwords.Violation) string {
	msgs := make([]string, len(vs))
	for i, v := range vs {
		msgs[i] = v.Message
	}
	return strings.Join(msgs, " ")
}
