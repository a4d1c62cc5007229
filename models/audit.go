package models

import (
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// AuditEvent records who did what to which object, when and from where.
type AuditEvent struct {
	ID          int64  `gorm:"primaryKey"`
	TenantID    int64  `gorm:"not null"`
	ActorID     *int64 `gorm:"index"`
	ActorEmail  string `gorm:"size:320;not null;default:''"`
	Action      string `gorm:"size:100;not null"`
	TargetType  string `gorm:"size:50;not null;default:''"`
	TargetID    string `gorm:"size:100;not null;default:''"`
	TargetLabel string `gorm:"size:400;not null;default:''"`
	Changes     string `gorm:"not null;default:''"`
	IP          string `gorm:"size:64;not null;default:''"`
	UserAgent   string `gorm:"size:500;not null;default:''"`
	WorkspaceID *int64
	CreatedAt   time.Time
	// Seq is the event's position in its tenant's chain (from 1) and Hash
	// its link: see audit_chain.go.
	Seq  int64  `gorm:"not null;default:0"`
	Hash string `gorm:"size:64;not null;default:''"`
}

// Actor is who performs a mutation, and from where.
type Actor struct {
	AdminID   int64
	Email     string
	IP        string
	UserAgent string
}

// Target names the object a mutation acts on.
type Target struct {
	Type  string
	ID    string
	Label string
}

// Change is one field's value before and after a mutation.
type Change struct {
	Before any `json:"before"`
	After  any `json:"after"`
}

// Changes maps field names to their change.
type Changes map[string]Change

func adminTarget(a Administrator) Target {
	if a.ID == 0 { // an address no administrator has (a failed sign-in)
		return Target{Type: "administrator", Label: a.Email}
	}
	return Target{Type: "administrator", ID: fmt.Sprint(a.ID), Label: a.Email}
}

// writeAudit appends an audit event inside the caller's transaction.
func writeAudit(tx *gorm.DB, now time.Time, tenantID int64, actor Actor, action string, target Target, changes Changes) error {
	return writeAuditIn(tx, now, tenantID, 0, actor, action, target, changes)
}

// writeAuditIn appends an audit event that happened inside the workspace
// workspaceID (0: tenant level) inside the caller's transaction. It is the
// only writer of audit events: the event joins its tenant's hash chain when
// the transaction (Store.tx) ends, or at once in a transaction Store.tx did
// not start (see audit_chain.go).
func writeAuditIn(tx *gorm.DB, now time.Time, tenantID, workspaceID int64, actor Actor, action string, target Target, changes Changes) error {
	ev := AuditEvent{
		TenantID: tenantID, ActorEmail: actor.Email, Action: action,
		TargetType: target.Type, TargetID: target.ID, TargetLabel: truncate(target.Label, 400),
		IP: truncate(actor.IP, 64), UserAgent: truncate(actor.UserAgent, 500), CreatedAt: now.UTC().Truncate(time.Microsecond),
	}
	if workspaceID != 0 {
		ev.WorkspaceID = &workspaceID
	}
	if actor.AdminID != 0 {
		id := actor.AdminID
		ev.ActorID = &id
	}
	if len(changes) > 0 {
		b, err := json.Marshal(changes)
		if err != nil {
			return err
		}
		ev.Changes = string(b)
	}
	return appendAudit(tx, &ev)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
