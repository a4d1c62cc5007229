package auditchain

import (
	"strings"
	"testing"
	"time"
)

func TestCanonicalIsStableAndComplete(t *testing.T) {
	actor, ws := int64(7), int64(3)
	e := Event{TenantID: 1, Seq: 2, CreatedAt: time.Date(2026, 3, 1, 14, 30, 0, 123456789, time.FixedZone("CET", 3600)),
		ActorID: &actor, ActorEmail: "ann@example.com", Action: "tenant.updated", TargetType: "tenant", TargetID: "1",
		TargetLabel: "acme", Changes: `{"name":{"before":"A","after":"B"}}`, IP: "127.0.0.1", UserAgent: "UA <x>", WorkspaceID: &ws}
	want := `{"action":"tenant.updated","actor_email":"ann@example.com","actor_id":7,"changes":"{\"name\":{\"before\":\"A\",\"after\":\"B\"}}",` +
		`"created_at":"2026-03-01T13:30:00.123456Z","ip":"127.0.0.1","seq":2,"target_id":"1","target_label":"acme","target_type":"tenant",` +
		`"tenant_id":1,"user_agent":"UA \u003cx\u003e","v":1,"workspace_id":3}`
	if got := string(Canonical(e)); got != want {
		t.Fatalf("canonical\n got %s\nwant %s", got, want)
	}
	nulls := string(Canonical(Event{TenantID: 1, Seq: 1, CreatedAt: time.Unix(0, 0)}))
	if !strings.Contains(nulls, `"actor_id":null`) || !strings.Contains(nulls, `"workspace_id":null`) {
		t.Fatalf("absent ids: %s", nulls)
	}
}

func TestHashChainsAndCoversEveryField(t *testing.T) {
	base := Event{TenantID: 1, Seq: 1, CreatedAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Action: "a"}
	h1 := Hash(Genesis, base)
	if len(h1) != 64 || strings.ToLower(h1) != h1 {
		t.Fatalf("hash %q", h1)
	}
	if Hash(Genesis, base) != h1 {
		t.Fatal("not deterministic")
	}
	if Hash(h1, base) == h1 {
		t.Fatal("the previous hash is not covered")
	}
	id := int64(1)
	changes := []func(e *Event){
		func(e *Event) { e.TenantID = 2 }, func(e *Event) { e.Seq = 2 }, func(e *Event) { e.CreatedAt = e.CreatedAt.Add(time.Microsecond) },
		func(e *Event) { e.ActorID = &id }, func(e *Event) { e.ActorEmail = "x" }, func(e *Event) { e.Action = "b" },
		func(e *Event) { e.TargetType = "x" }, func(e *Event) { e.TargetID = "x" }, func(e *Event) { e.TargetLabel = "x" },
		func(e *Event) { e.Changes = "x" }, func(e *Event) { e.IP = "x" }, func(e *Event) { e.UserAgent = "x" },
		func(e *Event) { e.WorkspaceID = &id },
	}
	for i, change := range changes {
		e := base
		change(&e)
		if Hash(Genesis, e) == h1 {
			t.Errorf("change %d is not covered by the hash", i)
		}
	}
}
