package models_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/models/modelstest"
)

// TestInvitationsNeedTheirInvitersAuthority: an administrator invitation
// is good while its inviter could grant what it carries; whoever resends it
// becomes its inviter and must back it; deactivating the inviter revokes
// it (audited) and its acceptance then grants nothing.
func TestInvitationsNeedTheirInvitersAuthority(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		s, clk := newStore(db)
		ctx := context.Background()
		tn, owner := activeAdmin(t, s)
		ov, err := s.LoadViewer(ctx, tn, owner.ID)
		if err != nil {
			t.Fatal(err)
		}
		ov.SteppedUpAt = clk.Now()
		// A Tenant Admin until tomorrow, and an invitee carrying a permanent role.
		temp, err := s.CreateAdministrator(ctx, ov, models.CreateAdminInput{Email: "temp@example.com", GivenName: "T", FamilyName: "A", Role: string(authz.TenantMember)}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.DB.Model(&models.Administrator{}).Where("id = ?", temp.ID).Update("status", models.AdminActive).Error; err != nil {
			t.Fatal(err)
		}
		tomorrow := clk.Now().Add(24 * time.Hour)
		if err := s.AssignRole(ctx, ov, temp.ID, string(authz.TenantAdmin), &tomorrow, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		invitee, err := s.CreateAdministrator(ctx, ov, models.CreateAdminInput{Email: "invitee@example.com", GivenName: "I", FamilyName: "N", Role: string(authz.TenantAuditor)}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		tv, err := s.LoadViewer(ctx, tn, temp.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.ResendInvitation(ctx, tv, invitee.ID, models.Actor{}); !errors.Is(err, models.ErrEscalation) {
			t.Fatalf("a Tenant Admin until tomorrow resends an invitation carrying a permanent role: %v", err)
		}
		if err := s.ResendInvitation(ctx, ov, invitee.ID, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		// The owner's invitation survives the temporary admin's deactivation...
		if err := s.SetStatus(ctx, ov, temp.ID, models.AdminInactive, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		var pending int64
		if err := db.DB.Model(&models.Invitation{}).Where("administrator_id = ? AND revoked_at IS NULL AND accepted_at IS NULL", invitee.ID).Count(&pending).Error; err != nil || pending != 1 {
			t.Fatalf("the owner's invitation: %d pending, %v", pending, err)
		}
		// ...and one sent by a second Tenant Admin does not survive theirs.
		second, err := s.CreateAdministrator(ctx, ov, models.CreateAdminInput{Email: "second@example.com", GivenName: "S", FamilyName: "E", Role: string(authz.TenantAdmin)}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.DB.Model(&models.Administrator{}).Where("id = ?", second.ID).Update("status", models.AdminActive).Error; err != nil {
			t.Fatal(err)
		}
		sv, err := s.LoadViewer(ctx, tn, second.ID)
		if err != nil {
			t.Fatal(err)
		}
		sv.SteppedUpAt = clk.Now()
		late, err := s.CreateAdministrator(ctx, sv, models.CreateAdminInput{Email: "latecomer@example.com", GivenName: "L", FamilyName: "C", Role: string(authz.TenantAdmin)}, models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		var inv models.Invitation
		if err := db.DB.Where("administrator_id = ?", late.ID).Take(&inv).Error; err != nil {
			t.Fatal(err)
		}
		if err := s.SetStatus(ctx, ov, second.ID, models.AdminInactive, models.Actor{Email: "owner"}); err != nil {
			t.Fatal(err)
		}
		if err := db.DB.Where("id = ?", inv.ID).Take(&inv).Error; err != nil {
			t.Fatal(err)
		}
		if inv.RevokedAt == nil || inv.RevokedReason != models.RevokedInviterLostAuthority {
			t.Fatalf("latecomer's invitation after the inviter's deactivation: %+v", inv)
		}
		var ev models.AuditEvent
		if err := db.DB.Where("action = ? AND target_label = ?", "administrator.invitation_revoked", "latecomer@example.com").Take(&ev).Error; err != nil {
			t.Fatalf("the revocation is not audited: %v", err)
		}
		if ev.ActorEmail != "owner" {
			t.Errorf("revocation audited as %q", ev.ActorEmail)
		}
	})
}
