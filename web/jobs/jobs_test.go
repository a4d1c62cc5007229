package jobs_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/jobs"

	"gorm.io/gorm"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// secondHandle opens another connection pool on the same database, as a
// second replica would.
func secondHandle(t *testing.T, db modelstest.DB) *gorm.DB {
	t.Helper()
	var other *gorm.DB
	var err error
	if db.Name == "postgres" {
		other, err = models.Open(db.URL, "")
	} else {
		other, err = models.OpenSQLite(strings.TrimPrefix(db.URL, "sqlite:"), nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { models.Close(other) })
	return other
}

// TestTwoRunnersRunAJobOncePerInterval: two replicas' runners looking at
// the same moment run a job once; it runs again once its interval has
// passed; a failure is recorded and releases the job.
func TestTwoRunnersRunAJobOncePerInterval(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		clk := &clock{t: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}
		var runs atomic.Int64
		var fail atomic.Bool
		job := jobs.Job{Name: "count", Every: time.Hour, Run: func(ctx context.Context) error {
			runs.Add(1)
			time.Sleep(50 * time.Millisecond) // long enough for the other runner to try meanwhile
			if fail.Load() {
				return errors.New("boom")
			}
			return nil
		}}
		r1 := &jobs.Runner{DB: db.DB, Jobs: []jobs.Job{job}, Now: clk.Now, Holder: "one"}
		r2 := &jobs.Runner{DB: secondHandle(t, db), Jobs: []jobs.Job{job}, Now: clk.Now, Holder: "two"}
		both := func() int {
			t.Helper()
			var wg sync.WaitGroup
			var ran atomic.Int64
			for _, r := range []*jobs.Runner{r1, r2} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					names, err := r.RunDue(context.Background())
					if err != nil {
						t.Error(err)
					}
					ran.Add(int64(len(names)))
				}()
			}
			wg.Wait()
			return int(ran.Load())
		}
		if n := both(); n != 1 || runs.Load() != 1 {
			t.Fatalf("first round: %d runners ran it, %d runs", n, runs.Load())
		}
		clk.Add(59 * time.Minute)
		if n := both(); n != 0 {
			t.Fatalf("within the hour: ran %d times", n)
		}
		clk.Add(time.Minute)
		fail.Store(true)
		if n := both(); n != 1 || runs.Load() != 2 {
			t.Fatalf("an hour later: %d, %d runs", n, runs.Load())
		}
		var lease models.JobLease
		if err := db.DB.Where("name = ?", "count").Take(&lease).Error; err != nil {
			t.Fatal(err)
		}
		if lease.LastError != "boom" || lease.LockedUntil != nil {
			t.Fatalf("after a failure: %+v", lease)
		}
		// A runner that died holding the lease holds it only until it runs out.
		clk.Add(time.Hour)
		if won, err := models.ClaimJob(context.Background(), db.DB, "count", "dead", clk.Now(), time.Hour, 10*time.Minute); err != nil || !won {
			t.Fatalf("claim: %v %v", won, err)
		}
		clk.Add(time.Hour)
		fail.Store(false)
		if n := both(); n != 1 || runs.Load() != 3 {
			t.Fatalf("after a dead holder's lease ran out: ran %d, %d runs", n, runs.Load())
		}
	})
}
