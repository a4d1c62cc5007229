package models

import (
	"time"

	"gorm.io/gorm"
)

// securityChange is what a security notice e-mail says happened.
type securityChange struct {
	Subject string
	What    string
}

// The changes an administrator is told about by e-mail.
var (
	noticePasswordChanged = securityChange{"Your Gatehouse password was changed",
		"The password of your Gatehouse account was changed. Your other sessions were signed out."}
	noticePasswordReset = securityChange{"Your Gatehouse password was reset",
		"The password of your Gatehouse account was set through a password reset link. Every session of your account was signed out."}
	noticeTOTPEnrolled = securityChange{"Two-step verification was turned on",
		"Two-step verification was set up on your Gatehouse account with a new authenticator, and new recovery codes were made."}
	noticeTOTPRemoved = securityChange{"Two-step verification was turned off",
		"Two-step verification was removed from your Gatehouse account: signing in now needs only your password (or e-mailed code), and your recovery codes no longer work."}
	noticeTOTPReset = securityChange{"Your two-step verification was reset",
		"An administrator reset the two-step verification of your Gatehouse account: your authenticator and recovery codes no longer work, every session of your account was signed out, and you will set it up again when you next sign in."}
	noticeRecoveryRegenerated = securityChange{"New recovery codes were made",
		"New recovery codes were made for your Gatehouse account; the previous ones no longer work."}
	noticeRecoveryUsed = securityChange{"A recovery code was used to sign in",
		"One of your recovery codes was used in place of a code from your authenticator app to sign in to your Gatehouse account. It cannot be used again."}
)

// Passkey notices name the passkey.
func noticePasskeyAdded(name string) securityChange {
	return securityChange{"A passkey was added to your account",
		"A passkey named \u201c" + name + "\u201d was added to your Gatehouse account: it signs you in on its own, without your password."}
}

func noticePasskeyRemoved(name string) securityChange {
	return securityChange{"A passkey was removed from your account",
		"The passkey named \u201c" + name + "\u201d was removed from your Gatehouse account: it no longer signs you in."}
}

func noticePasskeyCloned(name string) securityChange {
	return securityChange{"Your passkey may have been copied",
		"A sign-in to your Gatehouse account with the passkey named \u201c" + name + "\u201d was refused: its signature counter went backwards, which happens when a copy of the passkey is used. If you did not copy it, remove it from your account page and add a new one."}
}

// notifyTx queues, inside the transaction of the change, the e-mail telling
// administrator a that it happened, who did it (actor) and from where.
func (s *Store) notifyTx(tx *gorm.DB, now time.Time, a Administrator, change securityChange, actor Actor) error {
	var t Tenant
	if err := tx.Take(&t, a.TenantID).Error; err != nil {
		return err
	}
	by := "you"
	switch {
	case actor.AdminID != 0 && actor.AdminID != a.ID:
		by = actor.Email
		var who Administrator
		if err := tx.Where("tenant_id = ? AND id = ?", a.TenantID, actor.AdminID).Take(&who).Error; err == nil {
			by = who.DisplayName() + " (" + who.Email + ")"
		}
	case actor.AdminID == 0 && actor.Email != "" && actor.Email != a.Email:
		by = actor.Email
	}
	mail, err := s.Emails.SecurityNotice(SecurityNoticeEmail{
		Subject: change.Subject, What: change.What, TenantName: t.Name, AdminName: a.DisplayName(), AdminEmail: a.Email,
		By: by, When: now, IP: actor.IP, AccountURL: s.BaseURL + "/t/" + t.Slug + "/account",
	})
	if err != nil {
		return err
	}
	return enqueueEmail(tx, now, &t.ID, a.Email, mail)
}
