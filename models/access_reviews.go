package models

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"gatehouse/models/authz"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Access reviews: a Tenant Admin starts a review of the tenant's (or one
// workspace's) live role bindings; it snapshots them as items, each then
// decided Keep or Revoke by a Tenant Admin other than its holder. Revoke
// removes the binding at once (never the last permanent Tenant Admin's).
// The review closes when every item is decided; its CSV export is the
// attestation, and its SHA-256 is shown beside it. Reviewers are e-mailed
// when a review starts and two days before it is due.

// Access review statuses and decisions.
const (
	ReviewOpen     = "open"
	ReviewClosed   = "closed"
	DecisionKeep   = "keep"
	DecisionRevoke = "revoke"
	// ReviewReminderBefore is how long before its due date a review's
	// reviewers are reminded.
	ReviewReminderBefore = 48 * time.Hour
)

// AccessReview is one review.
type AccessReview struct {
	ID          int64  `gorm:"primaryKey"`
	TenantID    int64  `gorm:"not null"`
	Name        string `gorm:"size:200;not null"`
	Due         time.Time
	Scope       string `gorm:"size:80;not null"` // "tenant" or a workspace slug
	WorkspaceID *int64
	StartedByID *int64
	Status      string `gorm:"size:20;not null"`
	RemindedAt  *time.Time
	ClosedAt    *time.Time
	CreatedAt   time.Time
}

// AccessReviewItem is one binding as it was when the review started, and
// its decision.
type AccessReviewItem struct {
	ID              int64  `gorm:"primaryKey"`
	ReviewID        int64  `gorm:"not null"`
	TenantID        int64  `gorm:"not null"`
	BindingID       int64  `gorm:"not null"`
	AdministratorID int64  `gorm:"not null"`
	HolderEmail     string `gorm:"size:320;not null"`
	RoleKey         string `gorm:"size:80;not null"`
	RoleName        string `gorm:"size:100;not null"`
	ScopeLabel      string `gorm:"size:300;not null"`
	Decision        string `gorm:"size:10;not null;default:''"`
	Note            string `gorm:"size:1000;not null;default:''"`
	ReviewerID      *int64
	ReviewerEmail   string `gorm:"size:320;not null;default:''"`
	DecidedAt       *time.Time
}

// AccessReviewInput is the Start review form.
type AccessReviewInput struct {
	Name  string
	Due   string // YYYY-MM-DD
	Scope string // "tenant" or a workspace slug
}

func reviewTarget(r AccessReview) Target {
	return Target{Type: "access_review", ID: fmt.Sprint(r.ID), Label: r.Name}
}

// StartAccessReview snapshots every live binding in scope, in one
// transaction with its audit event and the reviewers' e-mails.
func (s *Store) StartAccessReview(ctx context.Context, v Viewer, in AccessReviewInput, actor Actor) (AccessReview, error) {
	in.Name, in.Scope = strings.TrimSpace(in.Name), strings.TrimSpace(in.Scope)
	now := s.now()
	f := fieldErrors{}
	switch n := len([]rune(in.Name)); {
	case n == 0:
		f.add("name", "Name is required.")
	case n > 200:
		f.add("name", "Name must be at most 200 characters.")
	}
	due, err := time.Parse("2006-01-02", strings.TrimSpace(in.Due))
	if err != nil {
		f.add("due", "Enter a date like 2026-12-31.")
	} else if due.Add(24 * time.Hour).Before(now) {
		f.add("due", "The due date cannot be in the past.")
	}
	if in.Scope == "" {
		f.add("scope", "Choose tenant or a workspace.")
	}
	if err := f.err(); err != nil {
		return AccessReview{}, err
	}
	var rv AccessReview
	err = s.tx(ctx, func(tx *gorm.DB) error {
		rv = AccessReview{TenantID: v.Tenant.ID, Name: in.Name, Due: due, Scope: "tenant", StartedByID: &v.Administrator.ID, Status: ReviewOpen, CreatedAt: now}
		q := tx.Where("tenant_id = ? AND (expires_at IS NULL OR expires_at > ?)", v.Tenant.ID, now)
		where := "the tenant"
		if in.Scope != "tenant" {
			var w Workspace
			if err := tx.Where("tenant_id = ? AND slug = ?", v.Tenant.ID, in.Scope).Take(&w).Error; err != nil {
				if errors.Is(err, gorm.ErrRecordNotFound) {
					return &ValidationError{Fields: map[string]string{"scope": "Choose tenant or the slug of one of this tenant's workspaces."}}
				}
				return err
			}
			rv.Scope, rv.WorkspaceID, where = w.Slug, &w.ID, "workspace "+w.Name
			q = q.Where("workspace_id = ?", w.ID)
		} else {
			q = q.Where("workspace_id IS NULL")
		}
		var bs []RoleBinding
		if err := q.Order("id").Find(&bs).Error; err != nil {
			return err
		}
		if err := tx.Create(&rv).Error; err != nil {
			return err
		}
		dir, err := roleDirectoryTx(tx, v.Tenant.ID)
		if err != nil {
			return err
		}
		ids := make([]int64, 0, len(bs))
		for _, b := range bs {
			ids = append(ids, b.AdministratorID)
		}
		holders := map[int64]Administrator{}
		if len(ids) > 0 {
			var as []Administrator
			if err := tx.Where("tenant_id = ? AND id IN ?", v.Tenant.ID, ids).Find(&as).Error; err != nil {
				return err
			}
			for _, a := range as {
				holders[a.ID] = a
			}
		}
		orgs := map[int64]string{}
		items := make([]AccessReviewItem, 0, len(bs))
		for _, b := range bs {
			name := b.RoleKey
			if r, ok := dir.Role(authz.RoleKey(b.RoleKey)); ok {
				name = r.Name
			}
			label := "Tenant"
			if rv.WorkspaceID != nil {
				label = "Workspace " + rv.Scope
			}
			if b.OrganizationID != nil {
				if _, ok := orgs[*b.OrganizationID]; !ok {
					var o Organization
					if err := tx.Select("id", "name").Where("id = ?", *b.OrganizationID).Take(&o).Error; err == nil {
						orgs[o.ID] = o.Name
					}
				}
				label = "Organization " + orgs[*b.OrganizationID]
			}
			if b.ExpiresAt != nil {
				label += " until " + b.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC")
			}
			items = append(items, AccessReviewItem{ReviewID: rv.ID, TenantID: v.Tenant.ID, BindingID: b.ID, AdministratorID: b.AdministratorID,
				HolderEmail: holders[b.AdministratorID].Email, RoleKey: b.RoleKey, RoleName: name, ScopeLabel: label})
		}
		if len(items) > 0 {
			if err := tx.CreateInBatches(&items, 500).Error; err != nil {
				return err
			}
		} else {
			rv.Status, rv.ClosedAt = ReviewClosed, &now
			if err := tx.Model(&rv).Updates(map[string]any{"status": rv.Status, "closed_at": now}).Error; err != nil {
				return err
			}
		}
		if err := s.mailReviewers(tx, v.Tenant, rv, now, fmt.Sprintf("%s started the access review %q of %s: %d role bindings to decide by %s.",
			v.Administrator.DisplayName(), rv.Name, where, len(items), due.Format("2 January 2006")), "Access review started: "+rv.Name); err != nil {
			return err
		}
		return writeAudit(tx, now, v.Tenant.ID, actor, "access_review.started", reviewTarget(rv), Changes{
			"scope": {After: rv.Scope}, "due": {After: in.Due}, "items": {After: len(items)},
		})
	})
	return rv, err
}

// mailReviewers e-mails every active Tenant Admin about review rv.
func (s *Store) mailReviewers(tx *gorm.DB, tenant Tenant, rv AccessReview, now time.Time, what, subject string) error {
	admins, err := activeTenantAdmins(tx, tenant.ID, 0, now)
	if err != nil {
		return err
	}
	link := fmt.Sprintf("%s/t/%s/settings/access-reviews/%d", s.BaseURL, tenant.Slug, rv.ID)
	for _, a := range admins {
		if err := enqueueEmail(tx, now, &tenant.ID, a.Email, notice(subject, fmt.Sprintf("Hello %s,\n\n%s\n\n%s", a.DisplayName(), what, link))); err != nil {
			return err
		}
	}
	return nil
}

// ErrOwnItem refuses deciding an item of one's own bindings.
var ErrOwnItem = errors.New("you cannot review your own access: another Tenant Admin must")

// DecideReviewItem decides one item Keep or Revoke, in one transaction
// with its audit event; Revoke removes the binding at once, under every
// rule of removal. The review closes with its last decision.
func (s *Store) DecideReviewItem(ctx context.Context, v Viewer, reviewID, itemID int64, decision, note string, actor Actor) (AccessReview, error) {
	note = strings.TrimSpace(note)
	if decision != DecisionKeep && decision != DecisionRevoke {
		return AccessReview{}, &ValidationError{Fields: map[string]string{"decision": "Choose Keep or Revoke."}}
	}
	if len([]rune(note)) > 1000 {
		return AccessReview{}, &ValidationError{Fields: map[string]string{"note": "The note must be at most 1000 characters."}}
	}
	var rv AccessReview
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := lockTenant(tx, v.Tenant.ID); err != nil {
			return err
		}
		if err := tx.Where("tenant_id = ? AND id = ?", v.Tenant.ID, reviewID).Take(&rv).Error; err != nil {
			return notFound(err)
		}
		var it AccessReviewItem
		q := tx.Where("review_id = ? AND id = ?", rv.ID, itemID)
		if IsPostgres(tx) {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		if err := q.Take(&it).Error; err != nil {
			return notFound(err)
		}
		if rv.Status != ReviewOpen || it.Decision != "" {
			return &ValidationError{Fields: map[string]string{"_form": "This item was already decided."}}
		}
		if it.AdministratorID == v.Administrator.ID {
			return ErrOwnItem
		}
		now := s.now()
		holder, err := adminIn(tx, v.Tenant.ID, it.AdministratorID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if decision == DecisionRevoke {
			var b RoleBinding
			err := tx.Where("tenant_id = ? AND id = ?", v.Tenant.ID, it.BindingID).Take(&b).Error
			switch {
			case errors.Is(err, gorm.ErrRecordNotFound):
				// already gone: nothing left to remove
			case err != nil:
				return err
			default:
				r, ok, err := roleTx(tx, v.Tenant.ID, b.RoleKey)
				if err != nil {
					return err
				}
				if ok && ((b.WorkspaceID == nil && b.OrganizationID == nil && !v.Perms.Covers(r)) ||
					(b.WorkspaceID != nil && !v.Perms.CoversIn(r, *b.WorkspaceID)) ||
					(b.OrganizationID != nil && !v.Perms.CoversInOrganization(r, *b.OrganizationID))) {
					return ErrEscalation
				}
				if b.RoleKey == string(authz.TenantAdmin) && b.WorkspaceID == nil && b.ExpiresAt == nil && holder.Status == AdminActive {
					n, err := permanentTenantAdmins(tx, v.Tenant.ID, 0, b.ID)
					if err != nil {
						return err
					}
					if n == 0 {
						return ErrLastTenantAdmin
					}
				}
				if err := tx.Delete(&b).Error; err != nil {
					return err
				}
				ch := Changes{"role": {Before: b.RoleKey}, "access_review": {After: rv.ID}}
				if err := writeAudit(tx, now, v.Tenant.ID, actor, "administrator.role_removed", adminTarget(holder), ch); err != nil {
					return err
				}
				if holder.ID != 0 {
					if _, err := revokeUnbackedInvitationsTx(tx, v.Tenant, holder.ID, now, actor); err != nil {
						return err
					}
				}
			}
		}
		res := tx.Model(&AccessReviewItem{}).Where("id = ? AND decision = ''", it.ID).Updates(map[string]any{
			"decision": decision, "note": note, "reviewer_id": v.Administrator.ID, "reviewer_email": v.Administrator.Email, "decided_at": now,
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return &ValidationError{Fields: map[string]string{"_form": "This item was decided meanwhile."}}
		}
		if err := writeAudit(tx, now, v.Tenant.ID, actor, "access_review.item_decided", reviewTarget(rv), Changes{
			"holder": {After: it.HolderEmail}, "role": {After: it.RoleKey}, "decision": {After: decision}, "note": {After: note},
		}); err != nil {
			return err
		}
		var left int64
		if err := tx.Model(&AccessReviewItem{}).Where("review_id = ? AND decision = ''", rv.ID).Count(&left).Error; err != nil {
			return err
		}
		if left > 0 {
			return nil
		}
		rv.Status, rv.ClosedAt = ReviewClosed, &now
		if err := tx.Model(&AccessReview{}).Where("id = ?", rv.ID).Updates(map[string]any{"status": ReviewClosed, "closed_at": now}).Error; err != nil {
			return err
		}
		return writeAudit(tx, now, v.Tenant.ID, actor, "access_review.closed", reviewTarget(rv), nil)
	})
	return rv, err
}

// AccessReviews returns the tenant's reviews, newest first (a keyset page by id).
func (s *Store) AccessReviews(ctx context.Context, tenantID, before int64, limit int) ([]AccessReview, int64, error) {
	if limit <= 0 || limit > 100 {
		limit = 50
	}
	q := s.DB.WithContext(ctx).Where("tenant_id = ?", tenantID)
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	var out []AccessReview
	if err := q.Order("id DESC").Limit(limit + 1).Find(&out).Error; err != nil {
		return nil, 0, err
	}
	var next int64
	if len(out) > limit {
		out = out[:limit]
		next = out[len(out)-1].ID
	}
	return out, next, nil
}

// AccessReviewByID returns one review of the tenant.
func (s *Store) AccessReviewByID(ctx context.Context, tenantID, id int64) (AccessReview, error) {
	var rv AccessReview
	err := s.DB.WithContext(ctx).Where("tenant_id = ? AND id = ?", tenantID, id).Take(&rv).Error
	return rv, notFound(err)
}

// AccessReviewItems returns a keyset page of a review's items by id.
func (s *Store) AccessReviewItems(ctx context.Context, reviewID, after int64, limit int) ([]AccessReviewItem, int64, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	var out []AccessReviewItem
	if err := s.DB.WithContext(ctx).Where("review_id = ? AND id > ?", reviewID, after).Order("id").Limit(limit + 1).Find(&out).Error; err != nil {
		return nil, 0, err
	}
	var next int64
	if len(out) > limit {
		out = out[:limit]
		next = out[len(out)-1].ID
	}
	return out, next, nil
}

// AccessReviewCSV is a review's attestation: one line per item (holder,
// role, scope, reviewer, decision, time, note) and its SHA-256 in hex.
func (s *Store) AccessReviewCSV(ctx context.Context, rv AccessReview) ([]byte, string, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write([]string{"holder", "role", "scope", "reviewer", "decision", "time", "note"}); err != nil {
		return nil, "", err
	}
	for after := int64(0); ; {
		items, next, err := s.AccessReviewItems(ctx, rv.ID, after, 1000)
		if err != nil {
			return nil, "", err
		}
		for _, it := range items {
			at := ""
			if it.DecidedAt != nil {
				at = it.DecidedAt.UTC().Format(time.RFC3339)
			}
			if err := w.Write([]string{csvCell(it.HolderEmail), csvCell(it.RoleName), csvCell(it.ScopeLabel), csvCell(it.ReviewerEmail), it.Decision, at, csvCell(it.Note)}); err != nil {
				return nil, "", err
			}
		}
		if next == 0 {
			break
		}
		after = next
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(buf.Bytes())
	return buf.Bytes(), hex.EncodeToString(sum[:]), nil
}

// csvCell keeps a spreadsheet from reading a cell as a formula.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// RemindAccessReviewers e-mails the reviewers of every open review due
// within ReviewReminderBefore that has not been reminded yet (the
// background worker runs it); it returns how many reviews it reminded.
func (s *Store) RemindAccessReviewers(ctx context.Context) (int, error) {
	now := s.now()
	var due []AccessReview
	if err := s.DB.WithContext(ctx).Where("status = ? AND reminded_at IS NULL AND due <= ?", ReviewOpen, now.Add(ReviewReminderBefore)).
		Order("id").Limit(500).Find(&due).Error; err != nil {
		return 0, err
	}
	n := 0
	for _, rv := range due {
		err := s.tx(ctx, func(tx *gorm.DB) error {
			res := tx.Model(&AccessReview{}).Where("id = ? AND reminded_at IS NULL", rv.ID).Update("reminded_at", now)
			if res.Error != nil || res.RowsAffected == 0 {
				return res.Error
			}
			var t Tenant
			if err := tx.Where("id = ?", rv.TenantID).Take(&t).Error; err != nil {
				return err
			}
			var left int64
			if err := tx.Model(&AccessReviewItem{}).Where("review_id = ? AND decision = ''", rv.ID).Count(&left).Error; err != nil {
				return err
			}
			n++
			return s.mailReviewers(tx, t, rv, now, fmt.Sprintf("The access review %q is due on %s and %d items are still undecided.",
				rv.Name, rv.Due.Format("2 January 2006"), left), "Access review due soon: "+rv.Name)
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// AccessReviewProgress counts a review's decided and all items (one query).
func (s *Store) AccessReviewProgress(ctx context.Context, reviewID int64) (decided, total int64, err error) {
	var row struct {
		Decided int64
		Total   int64
	}
	err = s.DB.WithContext(ctx).Model(&AccessReviewItem{}).Select("SUM(CASE WHEN decision <> '' THEN 1 ELSE 0 END) AS decided, COUNT(*) AS total").
		Where("review_id = ?", reviewID).Scan(&row).Error
	return row.Decided, row.Total, err
}
