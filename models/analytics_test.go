package models_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
)

// TestAnalyticsCountsPerUTCDay: events ingested around midnight UTC (and
// in other time zones) count on their UTC day; a second batch adds to the
// rollups; the report has one row per day with zeros, per identity
// provider and per client, largest first; another workspace's events and
// days outside the period are not counted; the rollups always equal the
// events recounted.
func TestAnalyticsCountsPerUTCDay(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		w := newWSResWorld(t, db)
		ctx := context.Background()
		// The store's clock: 2026-11-22 09:00 UTC.
		ev := func(at, outcome, idp, client string) models.AuthEventInput {
			return models.AuthEventInput{Time: at, Outcome: outcome, IdentityProvider: idp, Client: client}
		}
		n, err := w.s.IngestAuthEvents(ctx, w.wsAdmin, w.ws.ID, []models.AuthEventInput{
			ev("2026-11-21T23:59:59Z", "success", "Google", "Web"),
			ev("2026-11-22T00:00:00Z", "success", "Google", "Web"),
			ev("2026-11-22T00:30:00+01:00", "failure", "Google", "Web"),  // 2026-11-21 23:30 UTC
			ev("2026-11-21T20:00:00-05:00", "failure", "Okta", "Mobile"), // 2026-11-22 01:00 UTC
			ev("2026-11-16T12:00:00Z", "success", "Okta", "Mobile"),      // 6 days ago: inside 7 days
			ev("2026-11-15T12:00:00Z", "success", "Okta", "Mobile"),      // 7 days ago: outside 7 days
		})
		if err != nil || n != 6 {
			t.Fatalf("ingest: %d %v", n, err)
		}
		if _, err := w.s.IngestAuthEvents(ctx, w.wsAdmin, w.ws.ID, []models.AuthEventInput{
			ev("2026-11-22T08:00:00Z", "success", "Google", "Mobile"),
			ev("2026-11-21T08:00:00.123456Z", "success", "Google", "Web"),
		}); err != nil {
			t.Fatal(err)
		}
		// Another workspace's events are its own.
		if _, err := w.s.IngestAuthEvents(ctx, w.owner, w.other.ID, []models.AuthEventInput{ev("2026-11-22T08:00:00Z", "failure", "Google", "Web")}); err != nil {
			t.Fatal(err)
		}

		r, err := w.s.WorkspaceAnalytics(ctx, w.wsAud, w.ws.ID, 7)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Daily) != 7 || r.From.Format(time.DateOnly) != "2026-11-16" || r.To.Format(time.DateOnly) != "2026-11-22" {
			t.Fatalf("days %d from %s to %s", len(r.Daily), r.From, r.To)
		}
		got := map[string][2]int64{}
		for _, d := range r.Daily {
			got[d.Day.Format(time.DateOnly)] = [2]int64{d.Successes, d.Failures}
		}
		want := map[string][2]int64{
			"2026-11-16": {1, 0}, "2026-11-17": {0, 0}, "2026-11-18": {0, 0}, "2026-11-19": {0, 0}, "2026-11-20": {0, 0},
			"2026-11-21": {2, 1}, // 23:59:59Z, 08:00Z; failure at 23:30Z
			"2026-11-22": {2, 1}, // 00:00Z, 08:00Z; failure at 01:00Z
		}
		for day, c := range want {
			if got[day] != c {
				t.Errorf("%s: %v, want %v", day, got[day], c)
			}
		}
		if len(r.ByIDP) != 2 || r.ByIDP[0] != (models.NamedCount{Name: "Google", Successes: 4, Failures: 1}) || r.ByIDP[1] != (models.NamedCount{Name: "Okta", Successes: 1, Failures: 1}) {
			t.Errorf("by identity provider %+v", r.ByIDP)
		}
		if len(r.ByClient) != 2 || r.ByClient[0] != (models.NamedCount{Name: "Web", Successes: 3, Failures: 1}) || r.ByClient[1] != (models.NamedCount{Name: "Mobile", Successes: 2, Failures: 1}) {
			t.Errorf("by client %+v", r.ByClient)
		}
		r30, err := w.s.WorkspaceAnalytics(ctx, w.owner, w.ws.ID, 30)
		if err != nil {
			t.Fatal(err)
		}
		var total int64
		for _, d := range r30.Daily {
			total += d.Successes + d.Failures
		}
		if len(r30.Daily) != 30 || total != 8 {
			t.Errorf("30 days: %d rows, %d sign-ins", len(r30.Daily), total)
		}
		// An unknown period falls back to 7 days.
		if r, err := w.s.WorkspaceAnalytics(ctx, w.owner, w.ws.ID, 365); err != nil || r.Days != 7 {
			t.Errorf("365 days: %d %v", r.Days, err)
		}

		// The rollups equal the events, recounted.
		type row struct {
			Day                 string
			Successes, Failures int64
		}
		var rollup, recount []row
		modelstest.Must(t, db.DB.Table("auth_event_daily").Select("day, SUM(successes) AS successes, SUM(failures) AS failures").
			Where("workspace_id = ?", w.ws.ID).Group("day").Order("day").Scan(&rollup))
		var events []models.AuthEvent
		modelstest.Must(t, db.DB.Where("workspace_id = ?", w.ws.ID).Order("occurred_at").Find(&events))
		for _, e := range events {
			day := e.OccurredAt.UTC().Format(time.DateOnly)
			if len(recount) == 0 || recount[len(recount)-1].Day != day {
				recount = append(recount, row{Day: day})
			}
			if e.Outcome == models.AuthSuccess {
				recount[len(recount)-1].Successes++
			} else {
				recount[len(recount)-1].Failures++
			}
		}
		if len(events) != 8 || len(rollup) != len(recount) {
			t.Fatalf("events %d, rollup %v, recount %v", len(events), rollup, recount)
		}
		for i := range rollup {
			if rollup[i] != recount[i] {
				t.Errorf("rollup %v, recount %v", rollup[i], recount[i])
			}
		}
	})
}

// TestAnalyticsIngestRefusals: a bad field is named with its event's index
// and nothing of the batch is stored; auditors and another workspace's
// admin cannot post; they can read (or not) as the matrix says.
func TestAnalyticsIngestRefusals(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		w := newWSResWorld(t, db)
		ctx := context.Background()
		good := models.AuthEventInput{Time: "2026-11-22T08:00:00Z", Outcome: "success", IdentityProvider: "Google", Client: "Web"}
		for _, tc := range []struct {
			name  string
			bad   models.AuthEventInput
			field string
			msg   string
		}{
			{"no time", models.AuthEventInput{Outcome: "success", IdentityProvider: "G", Client: "W"}, "events[1].time", "required"},
			{"bad time", models.AuthEventInput{Time: "yesterday", Outcome: "success", IdentityProvider: "G", Client: "W"}, "events[1].time", "RFC 3339"},
			{"future", models.AuthEventInput{Time: "2026-11-22T10:00:00Z", Outcome: "success", IdentityProvider: "G", Client: "W"}, "events[1].time", "future"},
			{"too old", models.AuthEventInput{Time: "2025-11-01T10:00:00Z", Outcome: "success", IdentityProvider: "G", Client: "W"}, "events[1].time", "year"},
			{"outcome", models.AuthEventInput{Time: "2026-11-22T08:00:00Z", Outcome: "ok", IdentityProvider: "G", Client: "W"}, "events[1].outcome", "success or failure"},
			{"no idp", models.AuthEventInput{Time: "2026-11-22T08:00:00Z", Outcome: "failure", Client: "W"}, "events[1].identity_provider", "required"},
			{"long client", models.AuthEventInput{Time: "2026-11-22T08:00:00Z", Outcome: "failure", IdentityProvider: "G", Client: strings.Repeat("c", 101)}, "events[1].client", "at most 100"},
			{"control", models.AuthEventInput{Time: "2026-11-22T08:00:00Z", Outcome: "failure", IdentityProvider: "G\nX", Client: "W"}, "events[1].identity_provider", "one line"},
		} {
			_, err := w.s.IngestAuthEvents(ctx, w.wsAdmin, w.ws.ID, []models.AuthEventInput{good, tc.bad})
			var verr *models.ValidationError
			if !errors.As(err, &verr) || !strings.Contains(verr.Fields[tc.field], tc.msg) {
				t.Errorf("%s: %v", tc.name, err)
			}
		}
		many := make([]models.AuthEventInput, models.AuthEventsBatchMax+1)
		for i := range many {
			many[i] = good
		}
		var verr *models.ValidationError
		if _, err := w.s.IngestAuthEvents(ctx, w.wsAdmin, w.ws.ID, many); !errors.As(err, &verr) || verr.Fields["events"] == "" {
			t.Errorf("too many: %v", err)
		}
		if _, err := w.s.IngestAuthEvents(ctx, w.wsAdmin, w.ws.ID, nil); !errors.As(err, &verr) || verr.Fields["events"] == "" {
			t.Errorf("none: %v", err)
		}
		if _, err := w.s.IngestAuthEvents(ctx, w.wsAud, w.ws.ID, []models.AuthEventInput{good}); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("auditor posts: %v", err)
		}
		if _, err := w.s.IngestAuthEvents(ctx, w.oth, w.ws.ID, []models.AuthEventInput{good}); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("another workspace's admin posts: %v", err)
		}
		if _, err := w.s.WorkspaceAnalytics(ctx, w.oth, w.ws.ID, 7); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("another workspace's admin reads: %v", err)
		}
		if n := modelstest.Count(t, db.DB.Table("auth_events")); n != 0 {
			t.Fatalf("refused batches stored %d events", n)
		}
		if n := modelstest.Count(t, db.DB.Table("auth_event_daily")); n != 0 {
			t.Fatalf("refused batches stored %d rollups", n)
		}
	})
}

// TestSeedAuthEventsWritesRollups: seeded events land in the last 90 days
// and their rollups add up to them.
func TestSeedAuthEventsWritesRollups(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		w := newWSResWorld(t, db)
		ctx := context.Background()
		n, err := w.s.SeedAuthEvents(ctx, w.tn, w.ws, 2500, models.Actor{Email: "cli"})
		if err != nil || n != 2500 {
			t.Fatalf("seed: %d %v", n, err)
		}
		var sum struct{ S, F int64 }
		modelstest.Must(t, db.DB.Table("auth_event_daily").Select("SUM(successes) AS s, SUM(failures) AS f").Where("workspace_id = ?", w.ws.ID).Scan(&sum))
		if sum.S+sum.F != 2500 || sum.F == 0 {
			t.Fatalf("rollups %+v", sum)
		}
		r, err := w.s.WorkspaceAnalytics(ctx, w.owner, w.ws.ID, 90)
		if err != nil {
			t.Fatal(err)
		}
		var total int64
		for _, d := range r.Daily {
			total += d.Successes + d.Failures
		}
		if total != 2500 || len(r.ByIDP) < 2 || len(r.ByClient) < 2 {
			t.Fatalf("90 days: %d sign-ins, %d providers, %d clients", total, len(r.ByIDP), len(r.ByClient))
		}
		// Deleting the workspace deletes its events and rollups.
		if _, err := w.s.DeleteWorkspace(ctx, w.owner, w.ws.ID, w.ws.Slug, models.Actor{Email: "cli"}); err != nil {
			t.Fatal(err)
		}
		if n := modelstest.Count(t, db.DB.Table("auth_events").Where("workspace_id = ?", w.ws.ID)); n != 0 {
			t.Errorf("%d events outlive their workspace", n)
		}
	})
}
