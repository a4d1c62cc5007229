package models

import (
	"context"

	"gorm.io/gorm"
)

// seedThemes are the demo themes.
var seedThemes = []Theme{
	{Name: "Daylight", PrimaryColor: "#2451c6", BackgroundColor: "#f4f6f9", Font: "System"},
	{Name: "Harvest", PrimaryColor: "#aa3300", BackgroundColor: "#fff1dc", Font: "Georgia"},
	{Name: "Forest", PrimaryColor: "#146c43", BackgroundColor: "#eef7f1", Font: "Verdana"},
}

// SeedIDPsAndThemes adds demo themes to the tenant (those not there yet),
// binds the first to the workspace when it has none, and gives the
// workspace demo identity providers: its end users' pool and a Google
// social login (client secret random, sealed, kept by nobody). One
// transaction, one audit event. It returns how many themes and IDPs it added.
func (s *Store) SeedIDPsAndThemes(ctx context.Context, t Tenant, w Workspace, actor Actor) (int, int, error) {
	secret, _, err := s.newToken()
	if err != nil {
		return 0, 0, err
	}
	sealed, err := s.sealIDPSecret(secret)
	if err != nil {
		return 0, 0, err
	}
	clientID, err := s.newPublicID("demo-")
	if err != nil {
		return 0, 0, err
	}
	now := s.now()
	var nth, nidp int
	err = s.tx(ctx, func(tx *gorm.DB) error {
		nth, nidp = 0, 0
		var first int64
		for _, th := range seedThemes {
			if taken, err := themeNameTaken(tx, t.ID, 0, th.Name); err != nil {
				return err
			} else if taken {
				continue
			}
			th.TenantID, th.Version, th.CreatedAt, th.UpdatedAt = t.ID, 1, now, now
			if err := tx.Create(&th).Error; err != nil {
				return err
			}
			if first == 0 {
				first = th.ID
			}
			nth++
		}
		var bound int64
		if err := tx.Model(&WorkspaceThemeBinding{}).Where("tenant_id = ? AND workspace_id = ?", t.ID, w.ID).Count(&bound).Error; err != nil {
			return err
		}
		if bound == 0 && first != 0 {
			if err := tx.Create(&WorkspaceThemeBinding{WorkspaceID: w.ID, TenantID: t.ID, ThemeID: first, UpdatedAt: now}).Error; err != nil {
				return err
			}
		}
		var users IdentityPool
		poolErr := tx.Where("tenant_id = ? AND kind = ?", t.ID, PoolUsers).Take(&users).Error
		if poolErr != nil && notFound(poolErr) != ErrNotFound {
			return poolErr
		}
		idps := []IDP{{Name: "Google", Method: IDPGoogle, IssuerURL: DefaultIssuers[IDPGoogle], ClientID: clientID, ClientSecret: sealed, Enabled: true}}
		if poolErr == nil {
			idps = append(idps, IDP{Name: "Members", Method: IDPIdentityPool, PoolID: &users.ID, Enabled: true})
		}
		for _, p := range idps {
			if taken, err := nameTaken(tx, &IDP{}, t.ID, w.ID, 0, p.Name); err != nil {
				return err
			} else if taken {
				continue
			}
			p.TenantID, p.WorkspaceID, p.Version, p.CreatedAt, p.UpdatedAt = t.ID, w.ID, 1, now, now
			if err := tx.Create(&p).Error; err != nil {
				return err
			}
			nidp++
		}
		return writeAuditIn(tx, now, t.ID, w.ID, actor, "workspace.seeded", workspaceTarget(w), Changes{
			"themes": {After: nth}, "idps": {After: nidp}})
	})
	if err != nil {
		return 0, 0, err
	}
	return nth, nidp, nil
}
