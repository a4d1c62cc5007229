package migrations

import (
	"fmt"
	"strings"
	"time"

	"gatehouse/models/auditchain"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// auditChain makes the audit log tamper-evident: every event gets its
// position in its tenant's chain (seq, from 1) and its hash (see
// models/auditchain); audit_chain_heads holds each tenant's last seq and
// hash (the row writers lock to append), audit_chain_checks how far the
// background check has verified each chain. Existing events are chained in
// id order, tenant by tenant.
func auditChain() *gormigrate.Migration {
	type AuditEvent struct {
		Seq  int64  `gorm:"not null;default:0"`
		Hash string `gorm:"size:64;not null;default:''"`
	}
	type AuditChainHead struct {
		TenantID  int64  `gorm:"primaryKey;autoIncrement:false"`
		Seq       int64  `gorm:"not null;default:0"`
		Hash      string `gorm:"size:64;not null;default:''"`
		UpdatedAt time.Time
	}
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
	// event is an audit event as stored before this migration.
	type event struct {
		ID          int64
		TenantID    int64
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
		CreatedAt   time.Time
	}
	return &gormigrate.Migration{
		ID: "0013_audit_chain",
		Migrate: func(tx *gorm.DB) error {
			for _, col := range []string{"Seq", "Hash"} {
				if err := tx.Table("audit_events").Migrator().AddColumn(&AuditEvent{}, col); err != nil {
					return err
				}
			}
			if err := tx.AutoMigrate(&AuditChainHead{}, &AuditChainCheck{}); err != nil {
				return err
			}
			var tenants []int64
			if err := tx.Table("audit_events").Distinct("tenant_id").Order("tenant_id").Pluck("tenant_id", &tenants).Error; err != nil {
				return err
			}
			now := time.Now().UTC().Truncate(time.Microsecond)
			for _, tenantID := range tenants {
				var seq, after int64
				prev := auditchain.Genesis
				for {
					var batch []event
					if err := tx.Table("audit_events").Where("tenant_id = ? AND id > ?", tenantID, after).
						Order("id").Limit(1000).Find(&batch).Error; err != nil {
						return err
					}
					if len(batch) == 0 {
						break
					}
					type link struct {
						id, seq int64
						hash    string
					}
					links := make([]link, len(batch))
					for i, e := range batch {
						seq++
						prev = auditchain.Hash(prev, auditchain.Event{TenantID: e.TenantID, Seq: seq, CreatedAt: e.CreatedAt,
							ActorID: e.ActorID, ActorEmail: e.ActorEmail, Action: e.Action, TargetType: e.TargetType,
							TargetID: e.TargetID, TargetLabel: e.TargetLabel, Changes: e.Changes, IP: e.IP,
							UserAgent: e.UserAgent, WorkspaceID: e.WorkspaceID})
						links[i] = link{e.ID, seq, prev}
					}
					if tx.Dialector.Name() == "postgres" {
						var sb strings.Builder
						args := make([]any, 0, 3*len(links))
						for i, l := range links {
							if i > 0 {
								sb.WriteString(",")
							}
							sb.WriteString("(?::bigint,?::bigint,?::text)")
							args = append(args, l.id, l.seq, l.hash)
						}
						q := "UPDATE audit_events AS e SET seq = v.seq, hash = v.hash FROM (VALUES " + sb.String() + ") AS v(id, seq, hash) WHERE e.id = v.id"
						if err := tx.Exec(q, args...).Error; err != nil {
							return fmt.Errorf("chain audit events of tenant %d: %w", tenantID, err)
						}
					} else {
						for _, l := range links {
							if err := tx.Exec("UPDATE audit_events SET seq = ?, hash = ? WHERE id = ?", l.seq, l.hash, l.id).Error; err != nil {
								return fmt.Errorf("chain audit events of tenant %d: %w", tenantID, err)
							}
						}
					}
					after = batch[len(batch)-1].ID
				}
				if err := tx.Create(&AuditChainHead{TenantID: tenantID, Seq: seq, Hash: prev, UpdatedAt: now}).Error; err != nil {
					return err
				}
			}
			// One event per position: two writers can never both append
			// after the same head (unchained rows, seq 0, are not indexed).
			return tx.Exec("CREATE UNIQUE INDEX IF NOT EXISTS ux_audit_events_tenant_seq ON audit_events (tenant_id, seq) WHERE seq > 0").Error
		},
		Rollback: func(tx *gorm.DB) error {
			if err := tx.Exec("DROP INDEX IF EXISTS ux_audit_events_tenant_seq").Error; err != nil {
				return err
			}
			if err := tx.Migrator().DropTable(&AuditChainCheck{}, &AuditChainHead{}); err != nil {
				return err
			}
			for _, col := range []string{"Hash", "Seq"} {
				if err := tx.Table("audit_events").Migrator().DropColumn(&AuditEvent{}, col); err != nil {
					return err
				}
			}
			return nil
		},
	}
}
