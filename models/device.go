package models

import (
	"time"

	"gorm.io/gorm"
)

// AdministratorDevice is a browser an administrator has signed in from:
// only the SHA-256 of the random id in its long-lived cookie is kept.
type AdministratorDevice struct {
	ID              int64  `gorm:"primaryKey"`
	TenantID        int64  `gorm:"not null"`
	AdministratorID int64  `gorm:"not null"`
	DeviceHash      string `gorm:"size:64;not null"`
	UserAgent       string `gorm:"size:500;not null;default:''"`
	CreatedAt       time.Time
	LastSeenAt      time.Time
}

// NewDeviceEmail is what the e-mail about a sign-in from a new device says.
type NewDeviceEmail struct {
	TenantName string
	AdminName  string
	AdminEmail string
	At         time.Time
	IP         string
	UserAgent  string
	AccountURL string
}

// rememberDevice notes a completed sign-in from a device (inside the
// sign-in's transaction): a known device is stamped; a new one is
// remembered and, unless it is the administrator's first (nothing to
// compare it with: their first sign-in), announced by e-mail. An empty
// hash (no device) is ignored.
func (s *Store) rememberDevice(tx *gorm.DB, now time.Time, a Administrator, hash string, meta Actor) (bool, error) {
	if hash == "" {
		return false, nil
	}
	res := tx.Model(&AdministratorDevice{}).Where("administrator_id = ? AND device_hash = ?", a.ID, hash).Update("last_seen_at", now)
	if res.Error != nil || res.RowsAffected > 0 {
		return false, res.Error
	}
	var known int64
	if err := tx.Model(&AdministratorDevice{}).Where("administrator_id = ?", a.ID).Count(&known).Error; err != nil {
		return false, err
	}
	if err := tx.Create(&AdministratorDevice{TenantID: a.TenantID, AdministratorID: a.ID, DeviceHash: hash,
		UserAgent: truncate(cleanText(meta.UserAgent), 500), CreatedAt: now, LastSeenAt: now}).Error; err != nil {
		return false, err
	}
	if known == 0 {
		return false, nil
	}
	var t Tenant
	if err := tx.Where("id = ?", a.TenantID).Take(&t).Error; err != nil {
		return false, err
	}
	m, err := s.Emails.NewDevice(NewDeviceEmail{TenantName: t.Name, AdminName: a.DisplayName(), AdminEmail: a.Email, At: now,
		IP: meta.IP, UserAgent: truncate(cleanText(meta.UserAgent), 200), AccountURL: s.BaseURL + "/t/" + t.Slug + "/account"})
	if err != nil {
		return false, err
	}
	return true, enqueueEmail(tx, now, &a.TenantID, a.Email, m)
}
