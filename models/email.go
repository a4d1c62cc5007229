package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// Email is a rendered message.
type Email struct {
	Subject string
	Text    string
	HTML    string
}

// InvitationEmail is what an invitation e-mail says.
type InvitationEmail struct {
	TenantName   string
	TenantSlug   string
	InviteeName  string
	InviteeEmail string
	InviterName  string
	URL          string
	ExpiresAt    time.Time
}

// PasswordResetEmail is what a password reset e-mail says.
type PasswordResetEmail struct {
	TenantName  string
	TenantSlug  string
	AdminName   string
	AdminEmail  string
	RequestedBy string
	URL         string
	ExpiresAt   time.Time
}

// SignInCodeEmail is what an e-mailed sign-in code says.
type SignInCodeEmail struct {
	TenantName string
	AdminName  string
	Code       string
	ExpiresAt  time.Time
	IP         string
}

// SecurityNoticeEmail tells an administrator that something protecting
// their account changed (password, TOTP, recovery codes).
type SecurityNoticeEmail struct {
	Subject    string // e.g. "Your Gatehouse password was changed"
	What       string // one or two sentences saying what happened
	TenantName string
	AdminName  string
	AdminEmail string
	By         string // "you", or who did it
	When       time.Time
	IP         string
	AccountURL string
}

// EmailRenderer turns e-mail data into messages (implemented by views/emails).
type EmailRenderer interface {
	Invitation(InvitationEmail) (Email, error)
	SignInCode(SignInCodeEmail) (Email, error)
	PasswordReset(PasswordResetEmail) (Email, error)
	OrganizationInvitation(OrganizationInvitationEmail) (Email, error)
	SecurityNotice(SecurityNoticeEmail) (Email, error)
	NewDevice(NewDeviceEmail) (Email, error)
	DormancyWarning(DormancyWarningEmail) (Email, error)
}

// DormancyWarningEmail warns an administrator who has not signed in for a
// while that their account will be deactivated (dormant.go).
type DormancyWarningEmail struct {
	TenantName   string
	AdminName    string
	AdminEmail   string
	Days         int       // the tenant's deactivate_after_days
	DeactivateOn time.Time // from when the worker deactivates them
	SignInURL    string
}

// OutboxEmail is a message waiting to be (or already) delivered. It is
// written in the same transaction as the change that sends it.
type OutboxEmail struct {
	ID       int64  `gorm:"primaryKey"`
	TenantID *int64 `gorm:"index"`
	ToAddr   string `gorm:"size:320;not null"`
	Subject  string `gorm:"size:500;not null"`
	TextBody string `gorm:"not null"`
	HTMLBody string `gorm:"not null"`
	// Channel is how the message goes: ChannelEmail (to an e-mail address)
	// or ChannelSMS (a text message to a mobile number, Text only).
	Channel       string `gorm:"size:10;not null;default:'email'"`
	Attempts      int    `gorm:"not null;default:0"`
	NextAttemptAt time.Time
	LockedUntil   *time.Time
	LastError     string `gorm:"size:2000;not null;default:''"`
	SentAt        *time.Time
	CreatedAt     time.Time
}

// Outbox channels.
const (
	ChannelEmail = "email"
	ChannelSMS   = "sms"
)

func enqueueEmail(tx *gorm.DB, now time.Time, tenantID *int64, to string, m Email) error {
	return tx.Create(&OutboxEmail{
		TenantID: tenantID, ToAddr: to, Subject: m.Subject, TextBody: m.Text, HTMLBody: m.HTML,
		Channel: ChannelEmail, NextAttemptAt: now, CreatedAt: now,
	}).Error
}

// enqueueSMS queues a text message to a mobile number (E.164) through the
// same outbox as e-mails: delivered by the SMS sender, retried alike.
func enqueueSMS(tx *gorm.DB, now time.Time, tenantID *int64, to, text string) error {
	return tx.Create(&OutboxEmail{
		TenantID: tenantID, ToAddr: to, TextBody: text, Channel: ChannelSMS, NextAttemptAt: now, CreatedAt: now,
	}).Error
}

// OutboxTo lists the messages queued for an address, oldest first (tests and support tools).
func (s *Store) OutboxTo(ctx context.Context, to string) ([]OutboxEmail, error) {
	var out []OutboxEmail
	err := s.DB.WithContext(ctx).Where("to_addr = ?", NormalizeEmail(to)).Order("id").Find(&out).Error
	return out, err
}
