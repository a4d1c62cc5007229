package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Dormant administrators. When a tenant's deactivate_after_days is N > 0,
// an active administrator who has not signed in for N days (counted from
// their last sign-in or their last activation, whichever is later; from
// their creation when neither is known) is deactivated by the background
// worker, after an e-mail sent once DormancyWarningDays before. The last
// active permanent Tenant Admin is never deactivated (nor warned). Both
// steps are audited with the actor "gatehouse"; deactivation ends the
// administrator's sessions and pending links like a Tenant Admin's would.
//
// Each step re-reads the administrator under the tenant lock in its own
// transaction, so a sign-in in between, a second worker, or a run repeated
// after a crash changes nothing twice.

// GatehouseActor is the actor of what Gatehouse does by itself.
var GatehouseActor = Actor{Email: "gatehouse"}

// DormantReport is what one run of the dormant-administrator job did.
type DormantReport struct {
	Warned      int
	Deactivated int
	Kept        int // the last Tenant Admin, neither warned nor deactivated
}

// dormantSince is when the administrator last signed in or became active.
func dormantSince(a Administrator) time.Time {
	ref := a.CreatedAt
	if a.LastSignInAt != nil || a.ActivatedAt != nil {
		ref = time.Time{}
	}
	for _, t := range []*time.Time{a.LastSignInAt, a.ActivatedAt} {
		if t != nil && t.After(ref) {
			ref = *t
		}
	}
	return ref.UTC()
}

type dormantAction int

const (
	dormantNothing dormantAction = iota
	dormantWarn
	dormantDeactivate
)

// dormantStep is what is due for administrator a of a tenant deactivating
// after days, at now.
func dormantStep(a Administrator, days int, now time.Time) dormantAction {
	if a.Status != AdminActive || days <= 0 {
		return dormantNothing
	}
	since := dormantSince(a)
	warnAt := since.AddDate(0, 0, days-DormancyWarningDays)
	if now.Before(warnAt) {
		return dormantNothing
	}
	warned := a.DormancyWarnedAt != nil && !a.DormancyWarnedAt.Before(since)
	if !warned {
		return dormantWarn
	}
	if !now.Before(since.AddDate(0, 0, days)) && !now.Before(a.DormancyWarnedAt.AddDate(0, 0, DormancyWarningDays)) {
		return dormantDeactivate
	}
	return dormantNothing
}

// DeactivateDormantAdministrators is the background job: for every tenant
// with deactivate_after_days set, warn and deactivate its dormant
// administrators. Candidates are read in keyset pages; each one acted on
// gets a transaction of its own.
func (s *Store) DeactivateDormantAdministrators(ctx context.Context) (DormantReport, error) {
	var rep DormantReport
	db := s.DB.WithContext(ctx)
	var tenants []Tenant
	if err := db.Where("deactivate_after_days > 0").Order("id").Find(&tenants).Error; err != nil {
		return rep, err
	}
	for _, t := range tenants {
		now := s.now()
		cut := now.AddDate(0, 0, -(t.DeactivateAfterDays - DormancyWarningDays))
		var after int64
		for {
			var page []Administrator
			if err := db.Where("tenant_id = ? AND status = ? AND id > ?", t.ID, AdminActive, after).
				Where("(last_sign_in_at IS NULL OR last_sign_in_at <= ?) AND (activated_at IS NULL OR activated_at <= ?)", cut, cut).
				Where("(last_sign_in_at IS NOT NULL OR activated_at IS NOT NULL OR created_at <= ?)", cut).
				Order("id").Limit(500).Find(&page).Error; err != nil {
				return rep, err
			}
			for _, a := range page {
				if dormantStep(a, t.DeactivateAfterDays, now) == dormantNothing {
					continue
				}
				done, err := s.dormantAct(ctx, t, a.ID)
				if err != nil {
					return rep, fmt.Errorf("dormant administrator %d of %s: %w", a.ID, t.Slug, err)
				}
				switch done {
				case dormantWarn:
					rep.Warned++
				case dormantDeactivate:
					rep.Deactivated++
				case dormantKept:
					rep.Kept++
				}
			}
			if len(page) < 500 {
				break
			}
			after = page[len(page)-1].ID
		}
	}
	return rep, nil
}

// dormantKept is dormantAct's answer for the last Tenant Admin.
const dormantKept dormantAction = -1

// dormantAct takes the step due for one administrator in a transaction of
// its own, under the tenant lock (taken first, as every Tenant Admin rule
// does), deciding again on the administrator as they are now.
func (s *Store) dormantAct(ctx context.Context, t Tenant, adminID int64) (dormantAction, error) {
	var done dormantAction
	err := s.tx(ctx, func(tx *gorm.DB) error {
		done = dormantNothing
		if err := lockTenant(tx, t.ID); err != nil {
			return err
		}
		if err := tx.Where("id = ?", t.ID).Take(&t).Error; err != nil { // the threshold as it is now
			return err
		}
		q := tx
		if IsPostgres(tx) {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		var a Administrator
		if err := q.Where("tenant_id = ? AND id = ?", t.ID, adminID).Take(&a).Error; err != nil {
			return notFound(err)
		}
		now := s.now()
		step := dormantStep(a, t.DeactivateAfterDays, now)
		if step == dormantNothing {
			return nil
		}
		if err := keepsATenantAdmin(tx, a); errors.Is(err, ErrLastTenantAdmin) {
			done = dormantKept
			return nil
		} else if err != nil {
			return err
		}
		since := dormantSince(a)
		if step == dormantWarn {
			on := since.AddDate(0, 0, t.DeactivateAfterDays)
			if earliest := now.AddDate(0, 0, DormancyWarningDays); on.Before(earliest) {
				on = earliest
			}
			if err := tx.Model(&Administrator{}).Where("id = ?", a.ID).Update("dormancy_warned_at", now).Error; err != nil {
				return err
			}
			m, err := s.Emails.DormancyWarning(DormancyWarningEmail{TenantName: t.Name, AdminName: a.DisplayName(), AdminEmail: a.Email,
				Days: t.DeactivateAfterDays, DeactivateOn: on, SignInURL: s.BaseURL + "/t/" + t.Slug + "/login"})
			if err != nil {
				return err
			}
			tid := t.ID
			if err := enqueueEmail(tx, now, &tid, a.Email, m); err != nil {
				return err
			}
			done = dormantWarn
			return writeAudit(tx, now, t.ID, GatehouseActor, "administrator.dormancy_warned", adminTarget(a), Changes{
				"deactivate_on": {After: on.Format("2006-01-02")}, "last_active": {After: since.Format(time.RFC3339)},
			})
		}
		if err := endAccess(tx, now, a); err != nil {
			return err
		}
		res := tx.Model(&Administrator{}).Where("id = ? AND status = ?", a.ID, AdminActive).
			Updates(map[string]any{"status": AdminInactive, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return nil
		}
		done = dormantDeactivate
		return writeAudit(tx, now, t.ID, GatehouseActor, "administrator.deactivated", adminTarget(a), Changes{
			"status": {Before: AdminActive, After: AdminInactive},
			"reason": {After: fmt.Sprintf("no sign-in for %d days (since %s)", t.DeactivateAfterDays, since.Format("2006-01-02"))},
		})
	})
	return done, err
}
