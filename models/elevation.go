package models

import (
	"context"
	"errors"
	"fmt"
	"html"
	"strings"
	"time"

	"gatehouse/models/authz"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Elevation: an administrator asks for a role (tenant-wide, or a workspace
// role in one workspace) for 1–72 hours with a reason; a Tenant Admin
// other than them approves or denies it. Approval makes a binding that
// expires the given hours after approval; nobody approves what they could
// not grant themselves. Break-glass administrators (Tenant Settings >
// Tenant) take Tenant Admin for one hour without approval; every Tenant
// Admin is e-mailed at once and the audit event is marked.

// Elevation request statuses.
const (
	ElevationPending  = "pending"
	ElevationApproved = "approved"
	ElevationDenied   = "denied"
)

// Bounds of an elevation.
const (
	MinElevationHours = 1
	MaxElevationHours = 72
	// BreakGlassDuration is how long a break-glass Tenant Admin lasts.
	BreakGlassDuration = time.Hour
	// MaxBreakGlass is how many break-glass administrators a tenant names at most.
	MaxBreakGlass = 2
)

// ElevationRequest is one request for a temporary role.
type ElevationRequest struct {
	ID           int64  `gorm:"primaryKey"`
	TenantID     int64  `gorm:"not null"`
	Status       string `gorm:"size:20;not null"`
	RequesterID  int64  `gorm:"not null"`
	RoleKey      string `gorm:"size:80;not null"`
	WorkspaceID  *int64
	Hours        int    `gorm:"not null"`
	Reason       string `gorm:"size:1000;not null;default:''"`
	BreakGlass   bool   `gorm:"not null;default:false"`
	DecidedByID  *int64
	DecidedAt    *time.Time
	DecisionNote string `gorm:"size:1000;not null;default:''"`
	BindingID    *int64
	ExpiresAt    *time.Time // of the binding it made
	CreatedAt    time.Time
}

// BreakGlassAdmin names one break-glass administrator of a tenant.
type BreakGlassAdmin struct {
	TenantID        int64 `gorm:"primaryKey;autoIncrement:false"`
	AdministratorID int64 `gorm:"primaryKey;autoIncrement:false"`
	CreatedAt       time.Time
}

// ElevationInput is the elevation request form.
type ElevationInput struct {
	Role      string
	Workspace string // a workspace slug, for a workspace role
	Hours     int
	Reason    string
}

func elevationTarget(r ElevationRequest, a Administrator) Target {
	return Target{Type: "administrator", ID: fmt.Sprint(a.ID), Label: a.Email}
}

// notice is a plain e-mail built here (governance notices have no template of their own).
func notice(subject, text string) Email {
	paras := strings.Split(text, "\n\n")
	var b strings.Builder
	for _, p := range paras {
		b.WriteString("<p>" + strings.ReplaceAll(html.EscapeString(p), "\n", "<br>") + "</p>")
	}
	return Email{Subject: subject, Text: text, HTML: b.String()}
}

// activeTenantAdmins returns the active administrators holding Tenant
// Admin tenant-wide now, except exceptID.
func activeTenantAdmins(tx *gorm.DB, tenantID, exceptID int64, now time.Time) ([]Administrator, error) {
	var out []Administrator
	err := tx.Where("tenant_id = ? AND status = ? AND id <> ? AND id IN (?)", tenantID, AdminActive, exceptID,
		tx.Model(&RoleBinding{}).Select("administrator_id").
			Where("tenant_id = ? AND role_key = ? AND workspace_id IS NULL AND (expires_at IS NULL OR expires_at > ?)", tenantID, string(authz.TenantAdmin), now)).
		Order("email").Find(&out).Error
	return out, err
}

// elevationRole checks the requested role (and workspace).
func (s *Store) elevationRole(tx *gorm.DB, tenant Tenant, role, workspace string) (authz.Role, *Workspace, error) {
	r, ok, err := roleTx(tx, tenant.ID, role)
	if err != nil {
		return r, nil, err
	}
	if !ok || (r.Scope != authz.ScopeTenant && r.Scope != authz.ScopeWorkspace) {
		return r, nil, &ValidationError{Fields: map[string]string{"role": "Choose a tenant or workspace role."}}
	}
	if !r.AvailableOn(string(tenant.Plan)) {
		return r, nil, &ValidationError{Fields: map[string]string{"role": r.Name + " requires the Professional or Enterprise plan."}}
	}
	if r.Scope == authz.ScopeTenant {
		return r, nil, nil
	}
	workspace = strings.TrimSpace(workspace)
	if workspace == "" {
		return r, nil, &ValidationError{Fields: map[string]string{"workspace": "A workspace role needs the workspace it applies in."}}
	}
	var w Workspace
	err = tx.Where("tenant_id = ? AND slug = ?", tenant.ID, workspace).Take(&w).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return r, nil, &ValidationError{Fields: map[string]string{"workspace": "No workspace of this tenant has the slug " + workspace + "."}}
	}
	if err != nil {
		return r, nil, err
	}
	return r, &w, nil
}

// RequestElevation records a pending request by the viewer and e-mails
// every other active Tenant Admin (the approvers), in one transaction with
// its audit event.
func (s *Store) RequestElevation(ctx context.Context, v Viewer, in ElevationInput, actor Actor) (ElevationRequest, error) {
	in.Reason = strings.TrimSpace(in.Reason)
	f := fieldErrors{}
	if in.Hours < MinElevationHours || in.Hours > MaxElevationHours {
		f.add("hours", fmt.Sprintf("Enter a number of hours from %d to %d.", MinElevationHours, MaxElevationHours))
	}
	switch n := len([]rune(in.Reason)); {
	case n == 0:
		f.add("reason", "Say why you need it.")
	case n > 1000:
		f.add("reason", "The reason must be at most 1000 characters.")
	}
	var req ElevationRequest
	err := s.tx(ctx, func(tx *gorm.DB) error {
		r, w, err := s.elevationRole(tx, v.Tenant, in.Role, in.Workspace)
		var verr *ValidationError
		if errors.As(err, &verr) {
			for k, m := range verr.Fields {
				f.add(k, m)
			}
		} else if err != nil {
			return err
		}
		if err := f.err(); err != nil {
			return err
		}
		now := s.now()
		req = ElevationRequest{TenantID: v.Tenant.ID, Status: ElevationPending, RequesterID: v.Administrator.ID, RoleKey: string(r.Key),
			Hours: in.Hours, Reason: in.Reason, CreatedAt: now}
		where := "the tenant"
		if w != nil {
			req.WorkspaceID = &w.ID
			where = "workspace " + w.Name
		}
		if err := tx.Create(&req).Error; err != nil {
			return err
		}
		approvers, err := activeTenantAdmins(tx, v.Tenant.ID, v.Administrator.ID, now)
		if err != nil {
			return err
		}
		link := s.BaseURL + "/t/" + v.Tenant.Slug + "/settings/elevation-requests"
		for _, a := range approvers {
			m := notice(v.Administrator.DisplayName()+" asks for "+r.Name+" for "+fmt.Sprint(in.Hours)+" hours",
				fmt.Sprintf("Hello %s,\n\n%s (%s) asks for %s in %s of %s for %d hours.\n\nReason: %s\n\nApprove or deny it here:\n%s",
					a.DisplayName(), v.Administrator.DisplayName(), v.Administrator.Email, r.Name, where, v.Tenant.Name, in.Hours, in.Reason, link))
			if err := enqueueEmail(tx, now, &v.Tenant.ID, a.Email, m); err != nil {
				return err
			}
		}
		ch := Changes{"role": {After: r.Key}, "hours": {After: in.Hours}, "reason": {After: in.Reason}}
		if w != nil {
			ch["workspace"] = Change{After: w.Slug}
		}
		return writeAudit(tx, now, v.Tenant.ID, actor, "elevation.requested", elevationTarget(req, v.Administrator), ch)
	})
	return req, err
}

// ErrOwnRequest refuses deciding one's own elevation request.
var ErrOwnRequest = errors.New("you cannot decide your own request: another Tenant Admin must")

// DecideElevation approves or denies a pending request, in one
// transaction with its audit event and the e-mail to the requester.
// Approval needs the viewer to be able to grant the role for that long
// (and a step-up for Tenant Admin); the binding expires hours after now.
func (s *Store) DecideElevation(ctx context.Context, v Viewer, id int64, approve bool, note string, actor Actor) (ElevationRequest, error) {
	note = strings.TrimSpace(note)
	if len([]rune(note)) > 1000 {
		return ElevationRequest{}, &ValidationError{Fields: map[string]string{"note": "The note must be at most 1000 characters."}}
	}
	var req ElevationRequest
	err := s.tx(ctx, func(tx *gorm.DB) error {
		q := tx.Where("tenant_id = ? AND id = ?", v.Tenant.ID, id)
		if IsPostgres(tx) {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		if err := q.Take(&req).Error; err != nil {
			return notFound(err)
		}
		if req.Status != ElevationPending {
			return &ValidationError{Fields: map[string]string{"_form": "This request was already " + req.Status + "."}}
		}
		if req.RequesterID == v.Administrator.ID {
			return ErrOwnRequest
		}
		requester, err := adminIn(tx, v.Tenant.ID, req.RequesterID)
		if err != nil {
			return err
		}
		r, ok, err := roleTx(tx, v.Tenant.ID, req.RoleKey)
		if err != nil {
			return err
		}
		now := s.now()
		action := "elevation.denied"
		req.Status = ElevationDenied
		if approve {
			if !ok || !r.AvailableOn(string(v.Tenant.Plan)) {
				return &ValidationError{Fields: map[string]string{"_form": "The role no longer exists or the plan does not allow it."}}
			}
			if requester.Status != AdminActive {
				return &ValidationError{Fields: map[string]string{"_form": requester.DisplayName() + " is not active."}}
			}
			until := now.Add(time.Duration(req.Hours) * time.Hour)
			held := v.PermsLasting(&until)
			if (req.WorkspaceID == nil && !held.Covers(r)) || (req.WorkspaceID != nil && !held.CoversIn(r, *req.WorkspaceID)) {
				return ErrEscalation
			}
			if r.Key == authz.TenantAdmin {
				if err := s.stepUpError(v); err != nil {
					return err
				}
			}
			by := v.Administrator.ID
			b := RoleBinding{TenantID: v.Tenant.ID, AdministratorID: requester.ID, RoleKey: req.RoleKey, WorkspaceID: req.WorkspaceID,
				ExpiresAt: &until, GrantedByID: &by, CreatedAt: now}
			if err := tx.Create(&b).Error; err != nil {
				return err
			}
			req.Status, req.BindingID, req.ExpiresAt = ElevationApproved, &b.ID, &until
			action = "elevation.approved"
		}
		req.DecidedByID, req.DecidedAt, req.DecisionNote = &v.Administrator.ID, &now, note
		res := tx.Model(&ElevationRequest{}).Where("id = ? AND status = ?", req.ID, ElevationPending).Updates(map[string]any{
			"status": req.Status, "decided_by_id": v.Administrator.ID, "decided_at": now, "decision_note": note,
			"binding_id": req.BindingID, "expires_at": req.ExpiresAt,
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return &ValidationError{Fields: map[string]string{"_form": "This request was decided meanwhile."}}
		}
		name := req.RoleKey
		if ok {
			name = r.Name
		}
		text := fmt.Sprintf("Hello %s,\n\n%s denied your request for %s.", requester.DisplayName(), v.Administrator.DisplayName(), name)
		subject := "Your request for " + name + " was denied"
		if approve {
			subject = "Your request for " + name + " was approved"
			text = fmt.Sprintf("Hello %s,\n\n%s approved your request for %s. It lasts until %s.", requester.DisplayName(),
				v.Administrator.DisplayName(), name, req.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC"))
		}
		if note != "" {
			text += "\n\nNote: " + note
		}
		if err := enqueueEmail(tx, now, &v.Tenant.ID, requester.Email, notice(subject, text)); err != nil {
			return err
		}
		ch := Changes{"role": {After: req.RoleKey}, "request": {After: req.ID}}
		if req.ExpiresAt != nil {
			ch["expires_at"] = Change{After: req.ExpiresAt.UTC().Format(time.RFC3339)}
		}
		if note != "" {
			ch["note"] = Change{After: note}
		}
		return writeAudit(tx, now, v.Tenant.ID, actor, action, adminTarget(requester), ch)
	})
	return req, err
}

// ElevationRow is a request with its people named.
type ElevationRow struct {
	Request   ElevationRequest
	Requester Administrator
	DecidedBy string
	Workspace string
	RoleName  string
}

// ElevationRequests returns a keyset page (by id, newest first) of the
// tenant's requests: pending ones only, or all; requesterID limits them to
// one administrator's (0: everyone's).
func (s *Store) ElevationRequests(ctx context.Context, tenantID, requesterID int64, pendingOnly bool, before int64, limit int) ([]ElevationRow, int64, error) {
	if limit <= 0 || limit > 100 {
		limit = 50
	}
	db := s.DB.WithContext(ctx)
	q := db.Where("tenant_id = ?", tenantID)
	if requesterID != 0 {
		q = q.Where("requester_id = ?", requesterID)
	}
	if pendingOnly {
		q = q.Where("status = ?", ElevationPending)
	}
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	var reqs []ElevationRequest
	if err := q.Order("id DESC").Limit(limit + 1).Find(&reqs).Error; err != nil {
		return nil, 0, err
	}
	var next int64
	if len(reqs) > limit {
		reqs = reqs[:limit]
		next = reqs[len(reqs)-1].ID
	}
	var ids, wids []int64
	for _, r := range reqs {
		ids = append(ids, r.RequesterID)
		if r.DecidedByID != nil {
			ids = append(ids, *r.DecidedByID)
		}
		if r.WorkspaceID != nil {
			wids = append(wids, *r.WorkspaceID)
		}
	}
	admins := map[int64]Administrator{}
	if len(ids) > 0 {
		var as []Administrator
		if err := db.Where("tenant_id = ? AND id IN ?", tenantID, ids).Find(&as).Error; err != nil {
			return nil, 0, err
		}
		for _, a := range as {
			admins[a.ID] = a
		}
	}
	ws, err := s.WorkspaceNames(ctx, tenantID, wids)
	if err != nil {
		return nil, 0, err
	}
	dir, err := s.RoleDirectory(ctx, tenantID)
	if err != nil {
		return nil, 0, err
	}
	out := make([]ElevationRow, 0, len(reqs))
	for _, r := range reqs {
		row := ElevationRow{Request: r, Requester: admins[r.RequesterID], RoleName: r.RoleKey}
		if role, ok := dir.Role(authz.RoleKey(r.RoleKey)); ok {
			row.RoleName = role.Name
		}
		if r.DecidedByID != nil {
			row.DecidedBy = admins[*r.DecidedByID].DisplayName()
		}
		if r.WorkspaceID != nil {
			row.Workspace = ws[*r.WorkspaceID].Name
		}
		out = append(out, row)
	}
	return out, next, nil
}

// BreakGlassAdmins returns the tenant's break-glass administrators.
func (s *Store) BreakGlassAdmins(ctx context.Context, tenantID int64) ([]Administrator, error) {
	var out []Administrator
	err := s.DB.WithContext(ctx).Where("tenant_id = ? AND id IN (?)", tenantID,
		s.DB.Model(&BreakGlassAdmin{}).Select("administrator_id").Where("tenant_id = ?", tenantID)).Order("email").Find(&out).Error
	return out, err
}

// SetBreakGlass names the tenant's break-glass administrators (at most
// MaxBreakGlass, by e-mail), in one transaction with its audit event.
func (s *Store) SetBreakGlass(ctx context.Context, v Viewer, emails []string, actor Actor) error {
	var clean []string
	for _, e := range emails {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		n, msg := CheckEmail(e)
		if msg != "" {
			return &ValidationError{Fields: map[string]string{"break_glass": msg}}
		}
		if !containsString(clean, n) {
			clean = append(clean, n)
		}
	}
	if len(clean) > MaxBreakGlass {
		return &ValidationError{Fields: map[string]string{"break_glass": fmt.Sprintf("Name at most %d break-glass administrators.", MaxBreakGlass)}}
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		var admins []Administrator
		if len(clean) > 0 {
			if err := tx.Where("tenant_id = ? AND email IN ?", v.Tenant.ID, clean).Find(&admins).Error; err != nil {
				return err
			}
		}
		if len(admins) != len(clean) {
			return &ValidationError{Fields: map[string]string{"break_glass": "Name administrators of this tenant by their e-mail."}}
		}
		var before []BreakGlassAdmin
		if err := tx.Where("tenant_id = ?", v.Tenant.ID).Find(&before).Error; err != nil {
			return err
		}
		if err := tx.Where("tenant_id = ?", v.Tenant.ID).Delete(&BreakGlassAdmin{}).Error; err != nil {
			return err
		}
		now := s.now()
		var after []string
		for _, a := range admins {
			if err := tx.Create(&BreakGlassAdmin{TenantID: v.Tenant.ID, AdministratorID: a.ID, CreatedAt: now}).Error; err != nil {
				return err
			}
			after = append(after, a.Email)
		}
		return writeAudit(tx, now, v.Tenant.ID, actor, "tenant.break_glass_set", tenantTarget(v.Tenant),
			Changes{"break_glass": {Before: len(before), After: after}})
	})
}

func containsString(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// ErrNotBreakGlass refuses break-glass to an administrator the tenant does not name.
var ErrNotBreakGlass = errors.New("you are not one of this tenant's break-glass administrators")

// BreakGlass gives a break-glass administrator Tenant Admin for one hour
// without approval, in one transaction with a marked audit event and an
// e-mail to every Tenant Admin at once.
func (s *Store) BreakGlass(ctx context.Context, v Viewer, reason string, actor Actor) (ElevationRequest, error) {
	reason = strings.TrimSpace(reason)
	switch n := len([]rune(reason)); {
	case n == 0:
		return ElevationRequest{}, &ValidationError{Fields: map[string]string{"reason": "Say why you break the glass."}}
	case n > 1000:
		return ElevationRequest{}, &ValidationError{Fields: map[string]string{"reason": "The reason must be at most 1000 characters."}}
	}
	var req ElevationRequest
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&BreakGlassAdmin{}).Where("tenant_id = ? AND administrator_id = ?", v.Tenant.ID, v.Administrator.ID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return ErrNotBreakGlass
		}
		now := s.now()
		until := now.Add(BreakGlassDuration)
		b := RoleBinding{TenantID: v.Tenant.ID, AdministratorID: v.Administrator.ID, RoleKey: string(authz.TenantAdmin), ExpiresAt: &until, CreatedAt: now}
		if err := tx.Create(&b).Error; err != nil {
			return err
		}
		req = ElevationRequest{TenantID: v.Tenant.ID, Status: ElevationApproved, RequesterID: v.Administrator.ID, RoleKey: string(authz.TenantAdmin),
			Hours: 1, Reason: reason, BreakGlass: true, BindingID: &b.ID, ExpiresAt: &until, DecidedAt: &now, CreatedAt: now}
		if err := tx.Create(&req).Error; err != nil {
			return err
		}
		admins, err := activeTenantAdmins(tx, v.Tenant.ID, v.Administrator.ID, now)
		if err != nil {
			return err
		}
		for _, a := range admins {
			m := notice("ALARM: "+v.Administrator.DisplayName()+" broke the glass in "+v.Tenant.Name,
				fmt.Sprintf("Hello %s,\n\n%s (%s) took Tenant Admin of %s without approval (break-glass), until %s.\n\nReason: %s\n\nFrom: %s\n\nIf this is unexpected, review the audit log at once:\n%s",
					a.DisplayName(), v.Administrator.DisplayName(), v.Administrator.Email, v.Tenant.Name, until.UTC().Format("2006-01-02 15:04 UTC"),
					reason, actor.IP, s.BaseURL+"/t/"+v.Tenant.Slug+"/audit"))
			if err := enqueueEmail(tx, now, &v.Tenant.ID, a.Email, m); err != nil {
				return err
			}
		}
		return writeAudit(tx, now, v.Tenant.ID, actor, "elevation.break_glass", adminTarget(v.Administrator), Changes{
			"break_glass": {After: true}, "alarm": {After: true}, "role": {After: authz.TenantAdmin},
			"reason": {After: reason}, "expires_at": {After: until.UTC().Format(time.RFC3339)},
		})
	})
	return req, err
}
