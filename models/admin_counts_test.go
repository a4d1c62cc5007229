package models_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
)

// TestAdministratorCountersFollowEveryChange: the per-status counters the
// triggers keep (behind the Administrators list's total and the dashboard)
// equal a real count after single and bulk inserts, status changes, other
// updates, deletes, in two tenants.
func TestAdministratorCountersFollowEveryChange(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, clk := newStore(db)
		ctx := context.Background()
		tn, _ := activeAdmin(t, s)
		other, _ := activeAdminIn(t, s, "other")
		now := clk.Now().UTC()
		check := func(step string) {
			t.Helper()
			for _, id := range []int64{tn.ID, other.ID} {
				var truth []struct {
					Status models.AdminStatus
					N      int64
				}
				if err := db.DB.Model(&models.Administrator{}).Select("status, COUNT(*) AS n").
					Where("tenant_id = ?", id).Group("status").Scan(&truth).Error; err != nil {
					t.Fatal(err)
				}
				if len(truth) == 0 {
					t.Fatalf("%s: tenant %d has no administrators at all", step, id)
				}
				got, err := s.CountAdministrators(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				var total int64
				for _, r := range truth {
					total += r.N
					if got[r.Status] != r.N {
						t.Errorf("%s: tenant %d %s: counter %d, real %d", step, id, r.Status, got[r.Status], r.N)
					}
				}
				if len(got) != len(truth) {
					t.Errorf("%s: tenant %d: counters %v, real %v", step, id, got, truth)
				}
				n, more, err := s.CountAdministratorsMatching(ctx, id, models.AdminListQuery{})
				if err != nil || more || n != total {
					t.Errorf("%s: tenant %d: list total %d %v %v, want %d", step, id, n, more, err, total)
				}
				n, _, err = s.CountAdministratorsMatching(ctx, id, models.AdminListQuery{Status: models.AdminInvited})
				if err != nil || n != got[models.AdminInvited] {
					t.Errorf("%s: tenant %d: invited %d %v, want %d", step, id, n, err, got[models.AdminInvited])
				}
			}
		}
		check("start")
		var pool models.IdentityPool
		modelstest.Must(t, db.DB.Where("tenant_id = ? AND kind = ?", tn.ID, models.PoolAdministrators).Take(&pool))
		one := models.Administrator{TenantID: tn.ID, PoolID: pool.ID, Email: "one@example.com", Status: models.AdminInvited, CreatedAt: now, UpdatedAt: now}
		modelstest.Must(t, db.DB.Create(&one))
		check("one insert")
		var bulk []models.Administrator
		for i := 0; i < 250; i++ {
			st := []models.AdminStatus{models.AdminActive, models.AdminInvited, models.AdminInactive}[i%3]
			bulk = append(bulk, models.Administrator{TenantID: tn.ID, PoolID: pool.ID, Email: fmt.Sprintf("b%03d@example.com", i), Status: st, CreatedAt: now, UpdatedAt: now})
		}
		modelstest.Must(t, db.DB.CreateInBatches(&bulk, 100))
		check("bulk insert")
		modelstest.Must(t, db.DB.Model(&one).Update("status", models.AdminActive))
		check("one status change")
		modelstest.Must(t, db.DB.Model(&models.Administrator{}).Where("tenant_id = ? AND status = ?", tn.ID, models.AdminInvited).
			Update("status", models.AdminInactive))
		check("bulk status change")
		at := now.Add(time.Minute)
		modelstest.Must(t, db.DB.Model(&models.Administrator{}).Where("tenant_id = ?", tn.ID).Update("last_sign_in_at", at))
		check("update without status")
		modelstest.Must(t, db.DB.Where("tenant_id = ? AND email LIKE ?", tn.ID, "b1%").Delete(&models.Administrator{}))
		check("delete")
	})
}
