package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"gatehouse/models/authz"
	"gatehouse/models/passwords"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Four eyes. When a tenant's require_approval is on, granting Tenant Admin
// (on the User Profile, the Administrators pool's Roles page, an
// invitation or the API) and saving Sign In / Sign Up, Password Policy or
// Brute Force Protection change nothing at once: they make a pending
// change, which another Tenant Admin approves or rejects within 72 hours
// (Tenant Settings > Approvals). Turning require_approval off is itself such
// a change. Approval applies the change in one transaction with its audit
// events, re-checking then that the requester may still make it and that
// the approver could make it themselves (no escalation); a change applies
// once. Unanswered changes expire (the background job marks them).

// Pending change kinds.
const (
	ChangeGrantTenantAdmin  = "grant_tenant_admin"
	ChangeInviteTenantAdmin = "invite_tenant_admin"
	ChangeSignIn            = "sign_in"
	ChangePasswordPolicy    = "password_policy"
	ChangeBruteForce        = "brute_force"
	ChangeRequireApproval   = "require_approval"
)

// Pending change statuses.
const (
	ChangePending  = "pending"
	ChangeApproved = "approved"
	ChangeRejected = "rejected"
	ChangeExpired  = "expired"
)

// ApprovalWindow is how long a pending change waits for its approval.
const ApprovalWindow = 72 * time.Hour

// PendingChange is a change waiting for (or decided by) a second Tenant Admin.
type PendingChange struct {
	ID            int64  `gorm:"primaryKey"`
	TenantID      int64  `gorm:"not null"`
	Status        string `gorm:"size:20;not null"`
	Kind          string `gorm:"size:40;not null"`
	RequesterID   int64  `gorm:"not null"`
	TargetAdminID *int64
	Payload       string    `gorm:"type:text;not null"`
	Summary       string    `gorm:"size:2000;not null"` // what it would do, in words
	ExpiresAt     time.Time `gorm:"not null"`
	DecidedByID   *int64
	DecidedAt     *time.Time
	Note          string `gorm:"size:1000;not null;default:''"`
	CreatedAt     time.Time
}

// Expired reports whether a pending change can no longer be decided at now.
func (p PendingChange) Expired(now time.Time) bool {
	return p.Status == ChangeExpired || (p.Status == ChangePending && !p.ExpiresAt.After(now))
}

// KindLabel names a pending change's kind for people.
func KindLabel(kind string) string {
	switch kind {
	case ChangeGrantTenantAdmin:
		return "Grant Tenant Admin"
	case ChangeInviteTenantAdmin:
		return "Invite a Tenant Admin"
	case ChangeSignIn:
		return "Sign In / Sign Up"
	case ChangePasswordPolicy:
		return "Password Policy"
	case ChangeBruteForce:
		return "Brute Force Protection"
	case ChangeRequireApproval:
		return "Four eyes"
	}
	return kind
}

// kindPermission is the permission making a change of kind needs (of the
// requester, and of the approver), at request and at apply time.
func kindPermission(kind string) authz.Permission {
	switch kind {
	case ChangeGrantTenantAdmin, ChangeInviteTenantAdmin:
		return authz.ManageTenantRoles
	case ChangeSignIn, ChangePasswordPolicy:
		return authz.ManageMFAMethods
	case ChangeBruteForce:
		return authz.ManageBruteForceProtectionSettings
	}
	return authz.UpdateTenant
}

type grantPayload struct {
	AdminID   int64
	ExpiresAt *time.Time
}

type invitePayload struct {
	Email, GivenName, FamilyName string
}

type bruteForcePayload struct {
	MaxAttempts, LockoutMinutes int
}

type requireApprovalPayload struct {
	On bool
}

// PendingError is what a change returns when, instead of being made, it
// waits for approval: Change is the pending change.
type PendingError struct {
	Change PendingChange
}

func (e *PendingError) Error() string {
	return "the change waits for another Tenant Admin's approval"
}

// pendingOr is err, or the PendingError of p when a change was recorded.
func pendingOr(p *PendingChange, err error) error {
	if err == nil && p != nil {
		return &PendingError{Change: *p}
	}
	return err
}

// Refusals of a decision.
var (
	ErrOwnChange   = fmt.Errorf("you cannot approve or reject your own change: another Tenant Admin must: %w", ErrForbidden)
	ErrNotApprover = fmt.Errorf("only a Tenant Admin may approve or reject a pending change: %w", ErrForbidden)
)

// changeRequest is a change to record as pending.
type changeRequest struct {
	Kind          string
	TargetAdminID *int64
	Payload       any
	Summary       string
	Target        Target
}

// approvalRequired reads, inside tx, whether the tenant has four eyes on.
func approvalRequired(tx *gorm.DB, tenantID int64) (bool, error) {
	var t Tenant
	if err := tx.Select("id", "require_approval").Where("id = ?", tenantID).Take(&t).Error; err != nil {
		return false, err
	}
	return t.RequireApproval, nil
}

// maybePendingTx records r as a pending change when the tenant has four
// eyes on (nil, nil when it is off): e-mails to the approvers and its audit
// event, in tx.
func (s *Store) maybePendingTx(tx *gorm.DB, now time.Time, v Viewer, r changeRequest, actor Actor) (*PendingChange, error) {
	on, err := approvalRequired(tx, v.Tenant.ID)
	if err != nil || !on {
		return nil, err
	}
	payload, err := json.Marshal(r.Payload)
	if err != nil {
		return nil, err
	}
	if r.TargetAdminID != nil {
		var n int64
		if err := tx.Model(&PendingChange{}).Where("tenant_id = ? AND kind = ? AND target_admin_id = ? AND status = ? AND expires_at > ?",
			v.Tenant.ID, r.Kind, *r.TargetAdminID, ChangePending, now).Count(&n).Error; err != nil {
			return nil, err
		}
		if n > 0 {
			return nil, &ValidationError{Fields: map[string]string{"role": "This change already waits for approval."}}
		}
	}
	p := PendingChange{TenantID: v.Tenant.ID, Status: ChangePending, Kind: r.Kind, RequesterID: v.Administrator.ID, TargetAdminID: r.TargetAdminID,
		Payload: string(payload), Summary: truncate(r.Summary, 2000), ExpiresAt: now.Add(ApprovalWindow), CreatedAt: now}
	if err := tx.Create(&p).Error; err != nil {
		return nil, err
	}
	approvers, err := activeTenantAdmins(tx, v.Tenant.ID, v.Administrator.ID, now)
	if err != nil {
		return nil, err
	}
	link := s.BaseURL + "/t/" + v.Tenant.Slug + "/settings/approvals"
	for _, a := range approvers {
		m := notice(v.Administrator.DisplayName()+" asks for your approval: "+KindLabel(r.Kind),
			fmt.Sprintf("Hello %s,\n\n%s (%s) made a change in %s that needs a second Tenant Admin's approval:\n\n%s\n\nNothing changes until you approve it. Approve or reject it by %s here:\n%s",
				a.DisplayName(), v.Administrator.DisplayName(), v.Administrator.Email, v.Tenant.Name, p.Summary,
				p.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC"), link))
		if err := enqueueEmail(tx, now, &v.Tenant.ID, a.Email, m); err != nil {
			return nil, err
		}
	}
	ch := Changes{"change": {After: p.ID}, "kind": {After: r.Kind}, "summary": {After: p.Summary},
		"expires_at": {After: p.ExpiresAt.UTC().Format(time.RFC3339)}}
	if err := writeAudit(tx, now, v.Tenant.ID, actor, "approval.requested", r.Target, ch); err != nil {
		return nil, err
	}
	return &p, nil
}

// changeSummary says in words what the changes ch of kind would do.
func changeSummary(kind string, ch Changes) string {
	keys := make([]string, 0, len(ch))
	for k := range ch {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s: %v → %v", k, ch[k].Before, ch[k].After))
	}
	return KindLabel(kind) + ": " + strings.Join(parts, "; ")
}

// grantSummary says what granting Tenant Admin to a would do.
func grantSummary(a Administrator, until *time.Time) string {
	s := "Grant Tenant Admin to " + a.DisplayName() + " (" + a.Email + ")"
	if until != nil {
		return s + " until " + until.UTC().Format("2006-01-02 15:04 UTC")
	}
	return s + " with no expiry"
}

// HoldsTenantAdmin reports whether v holds Tenant Admin tenant-wide (who
// may approve or reject a pending change, other than its requester).
func (v Viewer) HoldsTenantAdmin() bool {
	for _, g := range v.Grants {
		if g.Role == authz.TenantAdmin && g.WorkspaceID == 0 && g.OrganizationID == 0 {
			return true
		}
	}
	return false
}

// DecideChange approves or rejects a pending change. The viewer must be a
// Tenant Admin (not an API token) other than the requester, within the
// change's 72 hours. Approval needs a recent step-up and applies the change
// in the same transaction, with its audit events and the e-mail to the
// requester, after re-checking that the requester may still make it and
// that the viewer could make it themselves. A change is decided once.
func (s *Store) DecideChange(ctx context.Context, v Viewer, id int64, approve bool, note string, actor Actor) (PendingChange, error) {
	note = strings.TrimSpace(note)
	if len([]rune(note)) > 1000 {
		return PendingChange{}, &ValidationError{Fields: map[string]string{"note": "The note must be at most 1000 characters."}}
	}
	if v.Token != nil || !v.HoldsTenantAdmin() {
		return PendingChange{}, ErrNotApprover
	}
	if approve {
		if err := s.stepUpError(v); err != nil {
			return PendingChange{}, err
		}
	}
	var pc PendingChange
	err := s.tx(ctx, func(tx *gorm.DB) error {
		q := tx.Where("tenant_id = ? AND id = ?", v.Tenant.ID, id)
		if IsPostgres(tx) {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		if err := q.Take(&pc).Error; err != nil {
			return notFound(err)
		}
		now := s.now()
		if pc.RequesterID == v.Administrator.ID {
			return ErrOwnChange
		}
		if pc.Expired(now) {
			return &ValidationError{Fields: map[string]string{"_form": "This change expired unanswered: it can no longer be decided."}}
		}
		if pc.Status != ChangePending {
			return &ValidationError{Fields: map[string]string{"_form": "This change was already " + pc.Status + "."}}
		}
		requester, err := adminIn(tx, v.Tenant.ID, pc.RequesterID)
		if err != nil {
			return err
		}
		res := tx.Model(&PendingChange{}).Where("id = ? AND status = ?", pc.ID, ChangePending)
		status, action := ChangeRejected, "approval.rejected"
		if approve {
			status, action = ChangeApproved, "approval.approved"
		}
		res = res.Updates(map[string]any{"status": status, "decided_by_id": v.Administrator.ID, "decided_at": now, "note": note})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return &ValidationError{Fields: map[string]string{"_form": "This change was decided meanwhile."}}
		}
		pc.Status, pc.DecidedByID, pc.DecidedAt, pc.Note = status, &v.Administrator.ID, &now, note
		ch := Changes{"change": {After: pc.ID}, "kind": {After: pc.Kind}, "summary": {After: pc.Summary}, "requested_by": {After: requester.Email}}
		if note != "" {
			ch["note"] = Change{After: note}
		}
		if err := writeAudit(tx, now, v.Tenant.ID, actor, action, adminTarget(requester), ch); err != nil {
			return err
		}
		if approve {
			if err := s.applyChangeTx(tx, now, v, pc, requester, actor); err != nil {
				return err
			}
		}
		verb := "rejected"
		if approve {
			verb = "approved and applied"
		}
		text := fmt.Sprintf("Hello %s,\n\n%s %s your change:\n\n%s", requester.DisplayName(), v.Administrator.DisplayName(), verb, pc.Summary)
		if note != "" {
			text += "\n\nNote: " + note
		}
		return enqueueEmail(tx, now, &v.Tenant.ID, requester.Email, notice("Your change was "+strings.Fields(verb)[0]+": "+KindLabel(pc.Kind), text))
	})
	return pc, err
}

// applyChangeTx makes the approved change pc, re-checking the authority
// of its requester and of its approver v (read afresh, inside tx).
func (s *Store) applyChangeTx(tx *gorm.DB, now time.Time, v Viewer, pc PendingChange, requester Administrator, actor Actor) error {
	rv, ok, err := authorityTx(tx, v.Tenant, requester.ID, now)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s is no longer active: the change cannot be applied: %w", requester.DisplayName(), ErrForbidden)
	}
	av, ok, err := authorityTx(tx, v.Tenant, v.Administrator.ID, now)
	if err != nil {
		return err
	}
	if !ok || !av.HoldsTenantAdmin() {
		return ErrNotApprover
	}
	perm := kindPermission(pc.Kind)
	if !rv.Can(perm) {
		return fmt.Errorf("%s no longer holds the permission this change needs: %w", requester.DisplayName(), ErrForbidden)
	}
	if !av.Can(perm) {
		return fmt.Errorf("you do not hold the permission this change needs: %w", ErrForbidden)
	}
	extra := Changes{"approval": {After: pc.ID}, "requested_by": {After: requester.Email}}
	switch pc.Kind {
	case ChangeGrantTenantAdmin, ChangeInviteTenantAdmin:
		r, ok, err := roleTx(tx, v.Tenant.ID, string(authz.TenantAdmin))
		if err != nil {
			return err
		}
		if !ok {
			return ErrPlanRequired
		}
		if pc.Kind == ChangeInviteTenantAdmin {
			var p invitePayload
			if err := json.Unmarshal([]byte(pc.Payload), &p); err != nil {
				return err
			}
			if !rv.PermsLasting(nil).Covers(r) || !av.PermsLasting(nil).Covers(r) {
				return ErrEscalation
			}
			_, err := s.createAdministratorTx(tx, now, v.Tenant, CreateAdminInput{Email: p.Email, GivenName: p.GivenName, FamilyName: p.FamilyName},
				&r, Workspace{}, requester, actor, extra)
			return err
		}
		var p grantPayload
		if err := json.Unmarshal([]byte(pc.Payload), &p); err != nil {
			return err
		}
		if p.ExpiresAt != nil && !p.ExpiresAt.After(now) {
			return &ValidationError{Fields: map[string]string{"_form": "The expiry this grant names has passed."}}
		}
		if !rv.PermsLasting(p.ExpiresAt).Covers(r) || !av.PermsLasting(p.ExpiresAt).Covers(r) {
			return ErrEscalation
		}
		a, err := adminIn(tx, v.Tenant.ID, p.AdminID)
		if err != nil {
			return err
		}
		if err := notHeldTx(tx, now, a, r); err != nil {
			var verr *ValidationError
			if errors.As(err, &verr) {
				return &ValidationError{Fields: map[string]string{"_form": verr.Fields["role"]}}
			}
			return err
		}
		return assignRoleTx(tx, now, v.Tenant.ID, a, r, p.ExpiresAt, requester.ID, actor, extra)
	case ChangeSignIn:
		var p SignInSettings
		if err := json.Unmarshal([]byte(pc.Payload), &p); err != nil {
			return err
		}
		return saveSecurityTx(tx, now, v.Tenant, actor, securityActions[pc.Kind], signInChange(p), extra)
	case ChangePasswordPolicy:
		var p passwords.Policy
		if err := json.Unmarshal([]byte(pc.Payload), &p); err != nil {
			return err
		}
		return saveSecurityTx(tx, now, v.Tenant, actor, securityActions[pc.Kind], policyChange(p), extra)
	case ChangeBruteForce:
		var p bruteForcePayload
		if err := json.Unmarshal([]byte(pc.Payload), &p); err != nil {
			return err
		}
		return saveSecurityTx(tx, now, v.Tenant, actor, securityActions[pc.Kind], bruteForceChange(p), extra)
	case ChangeRequireApproval:
		var p requireApprovalPayload
		if err := json.Unmarshal([]byte(pc.Payload), &p); err != nil {
			return err
		}
		if err := lockTenant(tx, v.Tenant.ID); err != nil {
			return err
		}
		var cur Tenant
		if err := tx.Where("id = ?", v.Tenant.ID).Take(&cur).Error; err != nil {
			return err
		}
		if cur.RequireApproval == p.On {
			return nil
		}
		if err := tx.Model(&Tenant{}).Where("id = ?", cur.ID).Updates(map[string]any{
			"require_approval": p.On, "version": gorm.Expr("version + 1"), "updated_at": now,
		}).Error; err != nil {
			return err
		}
		extra["require_approval"] = Change{Before: cur.RequireApproval, After: p.On}
		return writeAudit(tx, now, cur.ID, actor, "tenant.updated", tenantTarget(cur), extra)
	}
	return fmt.Errorf("unknown pending change kind %q", pc.Kind)
}

// ExpirePendingChanges is the background job: it marks the changes left
// unanswered past their 72 hours expired, each with its audit event (actor
// "gatehouse") and an e-mail to its requester. It returns how many.
func (s *Store) ExpirePendingChanges(ctx context.Context) (int, error) {
	now := s.now()
	var due []PendingChange
	if err := s.DB.WithContext(ctx).Where("status = ? AND expires_at <= ?", ChangePending, now).Order("id").Limit(500).Find(&due).Error; err != nil {
		return 0, err
	}
	n := 0
	for _, d := range due {
		done := false
		err := s.tx(ctx, func(tx *gorm.DB) error {
			done = false
			res := tx.Model(&PendingChange{}).Where("id = ? AND status = ?", d.ID, ChangePending).Update("status", ChangeExpired)
			if res.Error != nil || res.RowsAffected != 1 {
				return res.Error
			}
			requester, err := adminIn(tx, d.TenantID, d.RequesterID)
			if err != nil {
				return err
			}
			if err := enqueueEmail(tx, now, &d.TenantID, requester.Email, notice("Your change expired unanswered: "+KindLabel(d.Kind),
				fmt.Sprintf("Hello %s,\n\nNo Tenant Admin approved your change within %d hours, so nothing changed:\n\n%s",
					requester.DisplayName(), int(ApprovalWindow.Hours()), d.Summary))); err != nil {
				return err
			}
			done = true
			return writeAudit(tx, now, d.TenantID, GatehouseActor, "approval.expired", adminTarget(requester),
				Changes{"change": {After: d.ID}, "kind": {After: d.Kind}, "summary": {After: d.Summary}})
		})
		if err != nil {
			return n, err
		}
		if done {
			n++
		}
	}
	return n, nil
}

// PendingChangeRow is a pending change with its people named.
type PendingChangeRow struct {
	Change    PendingChange
	Requester Administrator
	DecidedBy string
}

// PendingChanges returns the tenant's changes, newest first (at most
// limit): pending ones only, or the decided ones; requesterID limits them to
// one administrator's (0: everyone's).
func (s *Store) PendingChanges(ctx context.Context, tenantID, requesterID int64, pendingOnly bool, limit int) ([]PendingChangeRow, error) {
	if limit <= 0 || limit > 100 {
		limit = 50
	}
	db := s.DB.WithContext(ctx)
	q := db.Where("tenant_id = ?", tenantID)
	if requesterID != 0 {
		q = q.Where("requester_id = ?", requesterID)
	}
	if pendingOnly {
		q = q.Where("status = ?", ChangePending)
	} else {
		q = q.Where("status <> ?", ChangePending)
	}
	var cs []PendingChange
	if err := q.Order("id DESC").Limit(limit).Find(&cs).Error; err != nil {
		return nil, err
	}
	var ids []int64
	for _, c := range cs {
		ids = append(ids, c.RequesterID)
		if c.DecidedByID != nil {
			ids = append(ids, *c.DecidedByID)
		}
	}
	admins := map[int64]Administrator{}
	if len(ids) > 0 {
		var as []Administrator
		if err := db.Where("tenant_id = ? AND id IN ?", tenantID, ids).Find(&as).Error; err != nil {
			return nil, err
		}
		for _, a := range as {
			admins[a.ID] = a
		}
	}
	out := make([]PendingChangeRow, 0, len(cs))
	for _, c := range cs {
		row := PendingChangeRow{Change: c, Requester: admins[c.RequesterID]}
		if c.DecidedByID != nil {
			row.DecidedBy = admins[*c.DecidedByID].DisplayName()
		}
		out = append(out, row)
	}
	return out, nil
}
