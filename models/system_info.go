package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// EmailTemplateKeys name the e-mails Gatehouse sends (the methods of
// EmailRenderer), as the System > Templates pages list them.
var EmailTemplateKeys = []string{"invitation", "password-reset", "sign-in-code", "organization-invitation", "security-notice", "new-device", "dormancy-warning"}

// AppliedMigrations lists the schema migrations applied, in order.
func (s *Store) AppliedMigrations(ctx context.Context) ([]string, error) {
	var ids []string
	err := s.DB.WithContext(ctx).Table("schema_migrations").Order("id").Pluck("id", &ids).Error
	return ids, err
}

// OutboxState is the delivery queue as the System > Environment page
// shows it (the tenant's messages only).
type OutboxState struct {
	Pending        int64      // not sent yet
	Retrying       int64      // not sent, failed at least once
	SentLastDay    int64      // sent in the last 24 hours
	OldestPending  *time.Time // when the oldest pending message was queued
	LastSentAt     *time.Time
	LastError      string
	NextAttemptAt  *time.Time
	RecentMessages []OutboxEmail // the latest ten, newest first (bodies not loaded)
}

// TenantOutboxState reads the tenant's outbox: counts, the latest error
// and the latest messages (subject, recipient, state; no bodies).
func (s *Store) TenantOutboxState(ctx context.Context, tenantID int64) (OutboxState, error) {
	var o OutboxState
	db := s.DB.WithContext(ctx)
	base := func() *gorm.DB { return db.Model(&OutboxEmail{}).Where("tenant_id = ?", tenantID) }
	if err := base().Where("sent_at IS NULL").Count(&o.Pending).Error; err != nil {
		return o, err
	}
	if err := base().Where("sent_at IS NULL AND attempts > 0").Count(&o.Retrying).Error; err != nil {
		return o, err
	}
	if err := base().Where("sent_at >= ?", s.now().Add(-24*time.Hour)).Count(&o.SentLastDay).Error; err != nil {
		return o, err
	}
	var rows []OutboxEmail
	if err := base().Select("id, to_addr, subject, channel, attempts, next_attempt_at, last_error, sent_at, created_at").
		Order("id DESC").Limit(10).Find(&rows).Error; err != nil {
		return o, err
	}
	o.RecentMessages = rows
	var oldest OutboxEmail
	if err := base().Select("id, created_at, next_attempt_at").Where("sent_at IS NULL").Order("id").Limit(1).Find(&oldest).Error; err != nil {
		return o, err
	}
	if oldest.ID != 0 {
		o.OldestPending, o.NextAttemptAt = &oldest.CreatedAt, &oldest.NextAttemptAt
	}
	var sent OutboxEmail
	if err := base().Select("id, sent_at").Where("sent_at IS NOT NULL").Order("sent_at DESC").Limit(1).Find(&sent).Error; err != nil {
		return o, err
	}
	o.LastSentAt = sent.SentAt
	var failed OutboxEmail
	if err := base().Select("id, last_error, next_attempt_at, created_at").Where("last_error <> ''").Order("id DESC").Limit(1).Find(&failed).Error; err != nil {
		return o, err
	}
	if failed.ID != 0 {
		o.LastError = failed.LastError
	}
	return o, nil
}
