// Package auditchain defines how audit events are chained, so that an event
// changed, removed or inserted after the fact is detected: each event's hash
// is the SHA-256 of the previous event's hash in the same tenant and of the
// event's canonical JSON. It is pure (no I/O) and its format is frozen:
// events already written were hashed with it, so any change must be a new
// version (V) that the verifier tells apart.
//
// The canonical JSON of an event is one object with exactly these keys, in
// this (byte) order, no insignificant white space, as Go's encoding/json
// writes them:
//
//	action, actor_email, actor_id (number or null), changes (the stored
//	JSON text, as a string), created_at (UTC, "2006-01-02T15:04:05.000000Z"),
//	ip, seq (the event's position in its tenant's chain, from 1), target_id,
//	target_label, target_type, tenant_id, user_agent, v (1),
//	workspace_id (number or null)
//
// and the hash is lowercase hex of SHA-256(prev || canonical), where prev is
// the previous event's hash as 64 hex characters, or nothing for the first
// event of a tenant.
package auditchain

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// V is the version of the canonical form.
const V = 1

// Genesis is the "previous hash" of a tenant's first event.
const Genesis = ""

// TimeLayout is how created_at is written: UTC, microseconds (the
// databases' precision).
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// Event is what an audit event's hash covers.
type Event struct {
	TenantID    int64
	Seq         int64
	CreatedAt   time.Time
	ActorID     *int64
	ActorEmail  string
	Action      string
	TargetType  string
	TargetID    string
	TargetLabel string
	Changes     string
	IP          string
	UserAgent   string
	WorkspaceID *int64
}

// canonical has its fields in the byte order of their keys.
type canonical struct {
	Action      string `json:"action"`
	ActorEmail  string `json:"actor_email"`
	ActorID     *int64 `json:"actor_id"`
	Changes     string `json:"changes"`
	CreatedAt   string `json:"created_at"`
	IP          string `json:"ip"`
	Seq         int64  `json:"seq"`
	TargetID    string `json:"target_id"`
	TargetLabel string `json:"target_label"`
	TargetType  string `json:"target_type"`
	TenantID    int64  `json:"tenant_id"`
	UserAgent   string `json:"user_agent"`
	V           int    `json:"v"`
	WorkspaceID *int64 `json:"workspace_id"`
}

// Canonical returns the event's canonical JSON.
func Canonical(e Event) []byte {
	b, err := json.Marshal(canonical{
		Action: e.Action, ActorEmail: e.ActorEmail, ActorID: e.ActorID, Changes: e.Changes,
		CreatedAt: e.CreatedAt.UTC().Truncate(time.Microsecond).Format(TimeLayout), IP: e.IP, Seq: e.Seq,
		TargetID: e.TargetID, TargetLabel: e.TargetLabel, TargetType: e.TargetType, TenantID: e.TenantID,
		UserAgent: e.UserAgent, V: V, WorkspaceID: e.WorkspaceID,
	})
	if err != nil { // strings, numbers and nil pointers always marshal
		panic(err)
	}
	return b
}

// Hash returns the hash of e following the event whose hash is prev.
func Hash(prev string, e Event) string {
	h := sha256.New()
	h.Write([]byte(prev))
	h.Write(Canonical(e))
	return hex.EncodeToString(h.Sum(nil))
}
