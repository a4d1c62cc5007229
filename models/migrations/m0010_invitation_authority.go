package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// invitationAuthority records why an invitation was revoked, so that a link
// revoked because its inviter lost their authority says so, and indexes the
// pending invitations by inviter, so that deactivating or demoting an
// administrator finds the invitations they sent without a scan.
func invitationAuthority() *gormigrate.Migration {
	up := []string{
		"ALTER TABLE invitations ADD COLUMN revoked_reason VARCHAR(40) NOT NULL DEFAULT ''",
		"ALTER TABLE organization_invitations ADD COLUMN revoked_reason VARCHAR(40) NOT NULL DEFAULT ''",
		"CREATE INDEX ix_invitations_pending_by_inviter ON invitations (invited_by_id) WHERE accepted_at IS NULL AND revoked_at IS NULL",
		"CREATE INDEX ix_organization_invitations_pending_by_inviter ON organization_invitations (inviter_id) WHERE accepted_at IS NULL AND revoked_at IS NULL",
	}
	down := []string{
		"DROP INDEX IF EXISTS ix_organization_invitations_pending_by_inviter",
		"DROP INDEX IF EXISTS ix_invitations_pending_by_inviter",
		"ALTER TABLE organization_invitations DROP COLUMN revoked_reason",
		"ALTER TABLE invitations DROP COLUMN revoked_reason",
	}
	run := func(tx *gorm.DB, qs []string) error {
		for _, q := range qs {
			if err := tx.Exec(q).Error; err != nil {
				return err
			}
		}
		return nil
	}
	return &gormigrate.Migration{
		ID:       "0010_invitation_authority",
		Migrate:  func(tx *gorm.DB) error { return run(tx, up) },
		Rollback: func(tx *gorm.DB) error { return run(tx, down) },
	}
}
