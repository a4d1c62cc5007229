package models

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"gatehouse/models/authz"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// AuthEvent is one authentication event of a workspace: someone signed in
// (or failed to) through an identity provider for a client. Events come
// from the management API (POST /api/v1/workspaces/{workspace}/events) or
// from `gatehouse seed --events N`.
type AuthEvent struct {
	ID               int64 `gorm:"primaryKey"`
	TenantID         int64
	WorkspaceID      int64
	OccurredAt       time.Time
	Outcome          string // AuthSuccess or AuthFailure
	IdentityProvider string
	Client           string
	CreatedAt        time.Time
}

// AuthEventDaily is the rollup of a workspace's events per UTC day,
// identity provider and client. Every insert of events updates it in the
// same transaction (upsert), so the Analytics page never reads the events.
type AuthEventDaily struct {
	ID               int64 `gorm:"primaryKey"`
	TenantID         int64
	WorkspaceID      int64
	Day              string // 2006-01-02, UTC
	IdentityProvider string
	Client           string
	Successes        int64
	Failures         int64
}

// TableName is the rollup's table.
func (AuthEventDaily) TableName() string { return "auth_event_daily" }

// The outcomes of an authentication event.
const (
	AuthSuccess = "success"
	AuthFailure = "failure"
)

// Limits of events ingestion.
const (
	// AuthEventsBatchMax is the most events one request may post.
	AuthEventsBatchMax = 1000
	// AuthEventNameMax bounds identity_provider and client.
	AuthEventNameMax = 100
	// AuthEventMaxAge is how old an ingested event may be.
	AuthEventMaxAge = 366 * 24 * time.Hour
	// AuthEventMaxSkew is how far in the future an event's time may be
	// (clocks differ).
	AuthEventMaxSkew = 5 * time.Minute
)

// AnalyticsPeriods are the periods the Analytics page offers, in days.
var AnalyticsPeriods = []int{7, 30, 90}

// AuthEventInput is one event as posted. Time is RFC 3339.
type AuthEventInput struct {
	Time             string
	Outcome          string
	IdentityProvider string
	Client           string
}

// checkEventName checks identity_provider or client.
func checkEventName(f fieldErrors, field, label, v string) {
	switch {
	case v == "":
		f.add(field, label+" is required.")
	case len([]rune(v)) > AuthEventNameMax:
		f.add(field, fmt.Sprintf("%s must be at most %d characters.", label, AuthEventNameMax))
	case strings.IndexFunc(v, unicode.IsControl) >= 0:
		f.add(field, label+" must be on one line, without control characters.")
	}
}

// validateAuthEvents checks every event (fields named events[i].name) and
// returns them ready to insert; all or nothing.
func validateAuthEvents(now time.Time, tenantID, wsID int64, in []AuthEventInput) ([]AuthEvent, error) {
	f := fieldErrors{}
	switch {
	case len(in) == 0:
		f.add("events", "Send at least one event.")
	case len(in) > AuthEventsBatchMax:
		f.add("events", fmt.Sprintf("At most %d events a request (this one has %d).", AuthEventsBatchMax, len(in)))
	}
	if err := f.err(); err != nil {
		return nil, err
	}
	out := make([]AuthEvent, 0, len(in))
	for i, e := range in {
		p := fmt.Sprintf("events[%d].", i)
		ev := AuthEvent{TenantID: tenantID, WorkspaceID: wsID, Outcome: strings.TrimSpace(e.Outcome),
			IdentityProvider: strings.TrimSpace(e.IdentityProvider), Client: strings.TrimSpace(e.Client), CreatedAt: now}
		t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(e.Time))
		switch {
		case strings.TrimSpace(e.Time) == "":
			f.add(p+"time", "time is required (RFC 3339, like 2026-12-07T09:30:00Z).")
		case err != nil:
			f.add(p+"time", "time must be RFC 3339, like 2026-12-07T09:30:00Z.")
		case t.After(now.Add(AuthEventMaxSkew)):
			f.add(p+"time", "time is in the future.")
		case t.Before(now.Add(-AuthEventMaxAge)):
			f.add(p+"time", "time is more than a year ago.")
		default:
			ev.OccurredAt = t.UTC().Truncate(time.Microsecond)
		}
		if ev.Outcome != AuthSuccess && ev.Outcome != AuthFailure {
			f.add(p+"outcome", "outcome must be success or failure.")
		}
		checkEventName(f, p+"identity_provider", "identity_provider", ev.IdentityProvider)
		checkEventName(f, p+"client", "client", ev.Client)
		out = append(out, ev)
	}
	if err := f.err(); err != nil {
		return nil, err
	}
	return out, nil
}

// IngestAuthEvents stores a batch of a workspace's authentication events
// and their rollups in one transaction: every event is valid or none is
// stored. It needs Update Workspace in the workspace (SPEC names no
// permission of its own for ingestion; the events are written by the
// platform with a token that administers the workspace).
func (s *Store) IngestAuthEvents(ctx context.Context, v Viewer, wsID int64, in []AuthEventInput) (int, error) {
	if err := allowedIn(v, authz.UpdateWorkspace, wsID); err != nil {
		return 0, err
	}
	events, err := validateAuthEvents(s.now(), v.Tenant.ID, wsID, in)
	if err != nil {
		return 0, err
	}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		batch := slices.Clone(events) // Create sets ids: a rerun starts afresh
		return insertAuthEvents(tx, batch)
	})
	if err != nil {
		return 0, err
	}
	return len(events), nil
}

type rollupKey struct {
	tenantID, wsID int64
	day, idp, cl   string
}

// insertAuthEvents inserts events and adds them to the daily rollups,
// inside the caller's transaction.
func insertAuthEvents(tx *gorm.DB, events []AuthEvent) error {
	if len(events) == 0 {
		return nil
	}
	// 8 columns: 1,000 rows stay under SQLite's 32,766 parameters.
	if err := tx.Session(&gorm.Session{SkipHooks: true}).CreateInBatches(&events, 1000).Error; err != nil {
		return err
	}
	sums := map[rollupKey]*AuthEventDaily{}
	var keys []rollupKey
	for _, e := range events {
		k := rollupKey{e.TenantID, e.WorkspaceID, e.OccurredAt.UTC().Format(time.DateOnly), e.IdentityProvider, e.Client}
		r := sums[k]
		if r == nil {
			r = &AuthEventDaily{TenantID: k.tenantID, WorkspaceID: k.wsID, Day: k.day, IdentityProvider: k.idp, Client: k.cl}
			sums[k] = r
			keys = append(keys, k)
		}
		if e.Outcome == AuthSuccess {
			r.Successes++
		} else {
			r.Failures++
		}
	}
	// A fixed order keeps concurrent upserts from deadlocking each other.
	slices.SortFunc(keys, func(a, b rollupKey) int {
		return strings.Compare(a.day+"\x00"+a.idp+"\x00"+a.cl, b.day+"\x00"+b.idp+"\x00"+b.cl)
	})
	rows := make([]AuthEventDaily, 0, len(keys))
	for _, k := range keys {
		rows = append(rows, *sums[k])
	}
	upsert := clause.OnConflict{
		Columns: []clause.Column{{Name: "tenant_id"}, {Name: "workspace_id"}, {Name: "day"}, {Name: "identity_provider"}, {Name: "client"}},
		DoUpdates: clause.Assignments(map[string]any{
			"successes": gorm.Expr("auth_event_daily.successes + excluded.successes"),
			"failures":  gorm.Expr("auth_event_daily.failures + excluded.failures"),
		}),
	}
	return tx.Session(&gorm.Session{SkipHooks: true}).Clauses(upsert).CreateInBatches(&rows, 1000).Error
}

// DayCount is one day of a workspace's sign-ins.
type DayCount struct {
	Day       time.Time // midnight UTC
	Successes int64
	Failures  int64
}

// NamedCount is the sign-ins of one identity provider or client.
type NamedCount struct {
	Name      string
	Successes int64
	Failures  int64
}

// Total is successes plus failures.
func (n NamedCount) Total() int64 { return n.Successes + n.Failures }

// AnalyticsReport is what the Analytics page shows for one period.
type AnalyticsReport struct {
	Days     int
	From, To time.Time  // first and last day (midnight UTC)
	Daily    []DayCount // one per day from From to To, zeros included
	ByIDP    []NamedCount
	ByClient []NamedCount
}

// WorkspaceAnalytics reads the sign-ins of the last `days` days (7, 30 or
// 90, today included, UTC) from the daily rollups: per day, per identity
// provider and per client (largest first). Three indexed range reads of at
// most days × providers × clients rows, whatever the number of events.
func (s *Store) WorkspaceAnalytics(ctx context.Context, v Viewer, wsID int64, days int) (AnalyticsReport, error) {
	if err := allowedIn(v, authz.ReadWorkspaceAnalytics, wsID); err != nil {
		return AnalyticsReport{}, err
	}
	if !slices.Contains(AnalyticsPeriods, days) {
		days = AnalyticsPeriods[0]
	}
	y, m, d := s.now().Date()
	to := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	from := to.AddDate(0, 0, -(days - 1))
	r := AnalyticsReport{Days: days, From: from, To: to}
	q := func() *gorm.DB {
		return s.DB.WithContext(ctx).Model(&AuthEventDaily{}).
			Where("tenant_id = ? AND workspace_id = ? AND day >= ? AND day <= ?", v.Tenant.ID, wsID, from.Format(time.DateOnly), to.Format(time.DateOnly))
	}
	var daily []struct {
		Day                 string
		Successes, Failures int64
	}
	if err := q().Select("day, SUM(successes) AS successes, SUM(failures) AS failures").Group("day").Order("day").Scan(&daily).Error; err != nil {
		return r, err
	}
	byDay := make(map[string]DayCount, len(daily))
	for _, x := range daily {
		byDay[x.Day] = DayCount{Successes: x.Successes, Failures: x.Failures}
	}
	for day := from; !day.After(to); day = day.AddDate(0, 0, 1) {
		c := byDay[day.Format(time.DateOnly)]
		c.Day = day
		r.Daily = append(r.Daily, c)
	}
	named := func(col string) ([]NamedCount, error) {
		var rows []NamedCount
		err := q().Select(col + " AS name, SUM(successes) AS successes, SUM(failures) AS failures").Group(col).Scan(&rows).Error
		slices.SortFunc(rows, func(a, b NamedCount) int {
			if a.Total() != b.Total() {
				if a.Total() > b.Total() {
					return -1
				}
				return 1
			}
			return strings.Compare(a.Name, b.Name)
		})
		return rows, err
	}
	var err error
	if r.ByIDP, err = named("identity_provider"); err != nil {
		return r, err
	}
	r.ByClient, err = named("client")
	return r, err
}
