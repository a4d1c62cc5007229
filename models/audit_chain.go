package models

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"gatehouse/models/auditchain"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// The tamper-evident audit log. Every audit event carries its position in
// its tenant's chain (Seq, from 1) and Hash = SHA-256 of the previous
// event's hash and the event's canonical JSON (models/auditchain). Each
// tenant's chain has one head row (audit_chain_heads: the last seq and
// hash); appending locks it (FOR UPDATE on PostgreSQL; SQLite write
// transactions are serialised already), so writers in any number of
// processes append one after another and the chain never forks. A unique
// index on (tenant_id, seq) would refuse a fork anyway.
//
// Lock order: Store.tx appends the events a transaction wrote at its very
// end, just before the commit, so the head is always the last lock a
// transaction takes and is held only for the few statements that append;
// whatever row locks the mutation took before (lockTenant, a workspace, an
// administrator) come first, everywhere, and cannot deadlock with it.

// AuditChainHead is a tenant's chain head: the seq and hash of its last event.
type AuditChainHead struct {
	TenantID  int64  `gorm:"primaryKey;autoIncrement:false"`
	Seq       int64  `gorm:"not null;default:0"`
	Hash      string `gorm:"size:64;not null;default:''"`
	UpdatedAt time.Time
}

// AuditChainCheck is how far the background check has verified a tenant's
// chain: every event up to VerifiedSeq is linked and ends in VerifiedHash.
// A re-check walks the verified part again from the start (RescanSeq) once
// a day, so an old event changed since is found too; FullCheckAt is when the
// last whole walk ended. BrokenSeq > 0 records the first event that breaks
// the chain (the check then stops until `gatehouse audit verify` finds the
// chain whole again).
type AuditChainCheck struct {
	TenantID      int64  `gorm:"primaryKey;autoIncrement:false"`
	VerifiedSeq   int64  `gorm:"not null;default:0"`
	VerifiedHash  string `gorm:"size:64;not null;default:''"`
	VerifiedAt    *time.Time
	RescanSeq     int64  `gorm:"not null;default:0"`
	RescanHash    string `gorm:"size:64;not null;default:''"`
	FullCheckAt   *time.Time
	BrokenSeq     int64  `gorm:"not null;default:0"`
	BrokenEventID int64  `gorm:"not null;default:0"`
	Problem       string `gorm:"size:500;not null;default:''"`
	CheckedAt     *time.Time
}

// chainEvent is what the hash of ev covers.
func chainEvent(ev AuditEvent) auditchain.Event {
	return auditchain.Event{TenantID: ev.TenantID, Seq: ev.Seq, CreatedAt: ev.CreatedAt, ActorID: ev.ActorID,
		ActorEmail: ev.ActorEmail, Action: ev.Action, TargetType: ev.TargetType, TargetID: ev.TargetID,
		TargetLabel: ev.TargetLabel, Changes: ev.Changes, IP: ev.IP, UserAgent: ev.UserAgent, WorkspaceID: ev.WorkspaceID}
}

// auditBatch collects the audit events of one Store.tx transaction.
type auditBatch struct {
	events []*AuditEvent
}

type auditBatchKey struct{}

func withAuditBatch(ctx context.Context, b *auditBatch) context.Context {
	return context.WithValue(ctx, auditBatchKey{}, b)
}

// appendAudit queues ev for the end of the transaction (Store.tx), or, in a
// transaction Store.tx did not start, chains it at once.
func appendAudit(tx *gorm.DB, ev *AuditEvent) error {
	if tx.Statement != nil && tx.Statement.Context != nil {
		if b, ok := tx.Statement.Context.Value(auditBatchKey{}).(*auditBatch); ok {
			b.events = append(b.events, ev)
			return nil
		}
	}
	// Not inside Store.tx: lock the head, insert and move it as one unit
	// (a transaction of its own, or a savepoint inside the caller's), so a
	// writer outside a transaction cannot fork the chain either.
	if inTransaction(tx) {
		return tx.Transaction(func(tx *gorm.DB) error { return chainAudit(tx, []*AuditEvent{ev}) })
	}
	ctx := tx.Statement.Context
	if ctx == nil {
		ctx = context.Background()
	}
	return retryLostTx(ctx, slog.Default(), func(committing *bool) error {
		return tx.Transaction(func(tx *gorm.DB) error {
			if err := chainAudit(tx, []*AuditEvent{ev}); err != nil {
				return err
			}
			*committing = true
			return nil
		})
	})
}

// flush appends the batch's events to their chains.
func (b *auditBatch) flush(tx *gorm.DB) error {
	if len(b.events) == 0 {
		return nil
	}
	evs := b.events
	b.events = nil
	return chainAudit(tx, evs)
}

// chainAudit appends events to their tenants' chains, in the order given,
// and inserts them: per tenant (in tenant id order, so two transactions
// lock heads in the same order), lock the head, link each event to the one
// before, insert, move the head.
func chainAudit(tx *gorm.DB, evs []*AuditEvent) error {
	byTenant := map[int64][]*AuditEvent{}
	var tenants []int64
	for _, ev := range evs {
		if _, ok := byTenant[ev.TenantID]; !ok {
			tenants = append(tenants, ev.TenantID)
		}
		byTenant[ev.TenantID] = append(byTenant[ev.TenantID], ev)
	}
	sort.Slice(tenants, func(i, j int) bool { return tenants[i] < tenants[j] })
	for _, tenantID := range tenants {
		head, err := lockChainHead(tx, tenantID)
		if err != nil {
			return err
		}
		rows := make([]AuditEvent, 0, len(byTenant[tenantID]))
		for _, ev := range byTenant[tenantID] {
			ev.CreatedAt = ev.CreatedAt.UTC().Truncate(time.Microsecond)
			ev.Seq = head.Seq + 1
			ev.Hash = auditchain.Hash(head.Hash, chainEvent(*ev))
			head.Seq, head.Hash = ev.Seq, ev.Hash
			rows = append(rows, *ev)
		}
		if err := tx.Create(&rows).Error; err != nil {
			return err
		}
		for i, ev := range byTenant[tenantID] {
			ev.ID = rows[i].ID
		}
		if err := tx.Model(&AuditChainHead{}).Where("tenant_id = ?", tenantID).
			Updates(map[string]any{"seq": head.Seq, "hash": head.Hash, "updated_at": rows[len(rows)-1].CreatedAt}).Error; err != nil {
			return err
		}
	}
	return enqueueWebhookDeliveries(tx, evs)
}

// lockChainHead returns the tenant's chain head, locked until the end of
// the transaction, creating it (empty) for a tenant's first event.
func lockChainHead(tx *gorm.DB, tenantID int64) (AuditChainHead, error) {
	q := func() (AuditChainHead, error) {
		var h AuditChainHead
		db := tx
		if IsPostgres(tx) {
			db = db.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		err := db.Where("tenant_id = ?", tenantID).Take(&h).Error
		return h, err
	}
	h, err := q()
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return h, err
	}
	// Two first writers both insert: the second waits for the first's
	// commit, then does nothing, and locks the row the first made.
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&AuditChainHead{TenantID: tenantID}).Error; err != nil {
		return h, err
	}
	return q()
}

// ChainBreak is the first event that breaks a chain, and how.
type ChainBreak struct {
	EventID int64 // 0 when the event is missing
	Seq     int64 // its position in the chain
	Problem string
}

func (b ChainBreak) String() string {
	if b.EventID == 0 {
		return fmt.Sprintf("position %d: %s", b.Seq, b.Problem)
	}
	return fmt.Sprintf("event %d (position %d): %s", b.EventID, b.Seq, b.Problem)
}

// chainWalk is how far a walk got: the last linked event's seq and hash.
type chainWalk struct {
	Seq   int64
	Hash  string
	N     int64 // events checked
	Break *ChainBreak
}

const chainBatch = 1000

// walkChain checks up to limit events (0: all) of the tenant's chain after
// position from, whose hash is fromHash: each must be at the next position
// and hash to what it carries.
func walkChain(ctx context.Context, db *gorm.DB, tenantID, from int64, fromHash string, limit int64) (chainWalk, error) {
	w := chainWalk{Seq: from, Hash: fromHash}
	for limit == 0 || w.N < limit {
		n := int64(chainBatch)
		if limit > 0 && limit-w.N < n {
			n = limit - w.N
		}
		var batch []AuditEvent
		if err := db.WithContext(ctx).Where("tenant_id = ? AND seq > ?", tenantID, w.Seq).Order("seq").Limit(int(n)).Find(&batch).Error; err != nil {
			return w, err
		}
		for _, ev := range batch {
			if ev.Seq != w.Seq+1 {
				w.Break = &ChainBreak{Seq: w.Seq + 1, Problem: fmt.Sprintf("the event at this position is missing (the next one is event %d at position %d)", ev.ID, ev.Seq)}
				return w, nil
			}
			if auditchain.Hash(w.Hash, chainEvent(ev)) != ev.Hash {
				w.Break = &ChainBreak{EventID: ev.ID, Seq: ev.Seq, Problem: "its contents do not match its hash: it, or the event before it, was changed after it was written"}
				return w, nil
			}
			w.Seq, w.Hash = ev.Seq, ev.Hash
			w.N++
		}
		if int64(len(batch)) < n {
			break
		}
		if err := ctx.Err(); err != nil {
			return w, err
		}
	}
	return w, nil
}

// ChainVerification is the outcome of checking a whole chain.
type ChainVerification struct {
	Events int64       // events checked, all linked
	Break  *ChainBreak // nil: the chain is whole
}

// OK reports whether the chain is whole.
func (v ChainVerification) OK() bool { return v.Break == nil }

// VerifyAuditChain checks the tenant's whole chain from its first event:
// every event at its position, each hash recomputed, the last one the
// head's, and no event of the tenant outside the chain. The outcome is
// recorded for the audit page (as a whole walk of the background check).
func (s *Store) VerifyAuditChain(ctx context.Context, tenantID int64) (ChainVerification, error) {
	db := s.DB.WithContext(ctx)
	// The chain as of now: events appended during the walk are left for
	// the next check (every event up to the head is committed with it).
	var head AuditChainHead
	if err := db.Where("tenant_id = ?", tenantID).Take(&head).Error; err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return ChainVerification{}, err
	}
	var w chainWalk
	if head.Seq > 0 {
		var err error
		if w, err = walkChain(ctx, s.DB, tenantID, 0, auditchain.Genesis, head.Seq); err != nil {
			return ChainVerification{}, err
		}
	}
	out := ChainVerification{Events: w.N, Break: w.Break}
	if out.Break == nil {
		out.Break = endBreak(w, head)
	}
	if out.Break == nil {
		var stray AuditEvent
		err := db.Where("tenant_id = ? AND seq <= 0", tenantID).Order("id").Take(&stray).Error
		switch {
		case err == nil:
			out.Break = &ChainBreak{EventID: stray.ID, Seq: stray.Seq, Problem: "this event is not in the chain (it was written outside Gatehouse)"}
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return ChainVerification{}, err
		}
	}
	now := s.now()
	check := AuditChainCheck{TenantID: tenantID, VerifiedSeq: w.Seq, VerifiedHash: w.Hash, VerifiedAt: &now, CheckedAt: &now}
	if out.Break == nil {
		check.FullCheckAt = &now
	} else {
		check.BrokenSeq, check.BrokenEventID, check.Problem = max(out.Break.Seq, 1), out.Break.EventID, truncate(out.Break.Problem, 500)
	}
	if err := saveChainCheck(db, check); err != nil {
		return out, err
	}
	return out, nil
}

// endBreak is the break at the end of a walk that went as far as the rows
// go: short of the head (events deleted from the end), or at the head with
// another hash.
func endBreak(w chainWalk, head AuditChainHead) *ChainBreak {
	switch {
	case w.Seq < head.Seq:
		return &ChainBreak{Seq: w.Seq + 1, Problem: fmt.Sprintf("the chain's last %d event(s) are missing (its head is at position %d)", head.Seq-w.Seq, head.Seq)}
	case w.Seq == head.Seq && w.Hash != head.Hash:
		return &ChainBreak{Seq: w.Seq, Problem: "the last event's hash is not the chain head's"}
	}
	return nil
}

func saveChainCheck(db *gorm.DB, c AuditChainCheck) error {
	return db.Clauses(clause.OnConflict{UpdateAll: true}).Create(&c).Error
}

// ChainCheckRescan is how often the background check walks each verified
// chain again from its start.
const ChainCheckRescan = 24 * time.Hour

// CheckAuditChains is the background check: for each tenant it verifies the
// events appended since the last run, and then, once a day, walks the
// verified part again, at most budget events in all per run. A break is
// recorded (AuditChainStatus) and that tenant's check stops there.
func (s *Store) CheckAuditChains(ctx context.Context, budget int64) error {
	db := s.DB.WithContext(ctx)
	var heads []AuditChainHead
	if err := db.Order("tenant_id").Find(&heads).Error; err != nil {
		return err
	}
	var checks []AuditChainCheck
	if err := db.Find(&checks).Error; err != nil {
		return err
	}
	byTenant := map[int64]AuditChainCheck{}
	for _, c := range checks {
		byTenant[c.TenantID] = c
	}
	for _, h := range heads {
		if budget <= 0 {
			return nil
		}
		c, ok := byTenant[h.TenantID]
		if !ok {
			c = AuditChainCheck{TenantID: h.TenantID}
		}
		if c.BrokenSeq > 0 {
			continue
		}
		now := s.now()
		used, err := s.checkChain(ctx, &c, h, budget, now)
		if err != nil {
			return err
		}
		budget -= used
		c.CheckedAt = &now
		if err := saveChainCheck(db, c); err != nil {
			return err
		}
	}
	return nil
}

// checkChain moves one tenant's check forward; it returns the events read.
func (s *Store) checkChain(ctx context.Context, c *AuditChainCheck, h AuditChainHead, budget int64, now time.Time) (int64, error) {
	broken := func(b ChainBreak) {
		c.BrokenSeq, c.BrokenEventID, c.Problem = max(b.Seq, 1), b.EventID, truncate(b.Problem, 500)
	}
	// The last verified event must still be what it was.
	if c.VerifiedSeq > 0 {
		var ev AuditEvent
		err := s.DB.WithContext(ctx).Where("tenant_id = ? AND seq = ?", c.TenantID, c.VerifiedSeq).Take(&ev).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			broken(ChainBreak{Seq: c.VerifiedSeq, Problem: "an event already verified is missing"})
			return 1, nil
		case err != nil:
			return 0, err
		case ev.Hash != c.VerifiedHash:
			broken(ChainBreak{EventID: ev.ID, Seq: ev.Seq, Problem: "an event already verified has another hash now: the log was rewritten"})
			return 1, nil
		}
	}
	if h.Seq > c.VerifiedSeq {
		w, err := walkChain(ctx, s.DB, c.TenantID, c.VerifiedSeq, c.VerifiedHash, budget)
		if err != nil {
			return 0, err
		}
		c.VerifiedSeq, c.VerifiedHash, c.VerifiedAt = w.Seq, w.Hash, &now
		if w.Break == nil && w.N < budget { // the walk ran out of events
			w.Break = endBreak(w, h)
		}
		if w.Break != nil {
			broken(*w.Break)
		}
		return w.N + 1, nil
	}
	if c.VerifiedSeq == 0 || (c.RescanSeq == 0 && c.FullCheckAt != nil && now.Sub(*c.FullCheckAt) < ChainCheckRescan) {
		return 0, nil
	}
	// The daily walk over what was verified before.
	w, err := walkChain(ctx, s.DB, c.TenantID, c.RescanSeq, c.RescanHash, min(budget, c.VerifiedSeq-c.RescanSeq))
	if err != nil {
		return 0, err
	}
	switch {
	case w.Break != nil:
		broken(*w.Break)
	case w.Seq >= c.VerifiedSeq && w.Hash != c.VerifiedHash:
		broken(ChainBreak{Seq: w.Seq, Problem: "the chain no longer ends where it was verified: the log was rewritten"})
	case w.Seq >= c.VerifiedSeq:
		c.RescanSeq, c.RescanHash, c.FullCheckAt = 0, "", &now
	default:
		c.RescanSeq, c.RescanHash = w.Seq, w.Hash
	}
	return w.N + 1, nil
}

// AuditChainStatus is what the audit page says about the tenant's chain.
type AuditChainStatus struct {
	Events        int64 // events in the chain
	VerifiedSeq   int64 // verified up to this position
	VerifiedAt    *time.Time
	FullCheckAt   *time.Time
	Broken        bool
	BrokenSeq     int64
	BrokenEventID int64
	Problem       string
}

// AuditChainStatus reads the tenant's chain head and check (two key lookups).
func (s *Store) AuditChainStatus(ctx context.Context, tenantID int64) (AuditChainStatus, error) {
	db := s.DB.WithContext(ctx)
	var h AuditChainHead
	if err := db.Where("tenant_id = ?", tenantID).Take(&h).Error; err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return AuditChainStatus{}, err
	}
	var c AuditChainCheck
	if err := db.Where("tenant_id = ?", tenantID).Take(&c).Error; err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return AuditChainStatus{}, err
	}
	return AuditChainStatus{Events: h.Seq, VerifiedSeq: c.VerifiedSeq, VerifiedAt: c.VerifiedAt, FullCheckAt: c.FullCheckAt,
		Broken: c.BrokenSeq > 0, BrokenSeq: c.BrokenSeq, BrokenEventID: c.BrokenEventID, Problem: c.Problem}, nil
}
