package models

import (
	"context"
	"encoding/base64"
	"io"

	"gatehouse/web/webhook"

	"gorm.io/gorm"
)

// seedSecrets, seedScripts and seedWebhooks are the demo data of a
// workspace's secrets, extension scripts and webhooks.
var (
	seedSecrets = []string{"CRM_API_KEY", "GEOIP_TOKEN", "SLACK_WEBHOOK_TOKEN"}
	seedScripts = []ExtensionScript{
		{Name: "Add loyalty tier", Event: "token_minting", Code: `function main(context) {
  // Gold for customers with more than ten orders.
  const orders = (context.user && context.user.orders) || 0;
  context.claims = context.claims || {};
  context.claims.tier = orders > 10 ? "gold" : "standard";
  return context;
}
`},
		{Name: "Flag new country", Event: "post_authentication", Code: `function main(context) {
  // The GeoIP service's token is a workspace secret.
  const seen = (context.user && context.user.countries) || [];
  context.risk = seen.includes(context.country) ? "low" : "review";
  context.geoip_configured = typeof secrets.GEOIP_TOKEN === "string";
  return context;
}
`},
	}
	seedWebhookPaths = []struct{ path, events string }{
		{"/gatehouse/audit", "*"},
		{"/gatehouse/clients", "client.created client.deleted client.secret_rotated"},
	}
)

// SeedSecretsScriptsWebhooks adds demo secrets (random values, sealed),
// extension scripts and webhooks (disabled: their hosts are made up) to a
// workspace, skipping names and URLs it already has, with one audit event.
// It returns how many of each it added.
func (s *Store) SeedSecretsScriptsWebhooks(ctx context.Context, t Tenant, w Workspace, actor Actor) (secrets, scripts, hooks int, err error) {
	now := s.now()
	type sealed struct {
		name  string
		value []byte
	}
	var values []sealed
	for _, n := range seedSecrets {
		b := make([]byte, 24)
		if _, err := io.ReadFull(s.Random, b); err != nil {
			return 0, 0, 0, err
		}
		v, err := s.sealPurpose(purposeWorkspaceSecrets, "demo_"+base64.RawURLEncoding.EncodeToString(b))
		if err != nil {
			return 0, 0, 0, err
		}
		values = append(values, sealed{n, v})
	}
	var hookSecrets [][]byte
	for range seedWebhookPaths {
		raw, err := webhook.NewSecret(s.Random)
		if err != nil {
			return 0, 0, 0, err
		}
		v, err := s.sealPurpose(purposeWebhookSecrets, raw)
		if err != nil {
			return 0, 0, 0, err
		}
		hookSecrets = append(hookSecrets, v)
	}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		secrets, scripts, hooks = 0, 0, 0
		for _, v := range values {
			if taken, err := nameTaken(tx, &Secret{}, t.ID, w.ID, 0, v.name); err != nil || taken {
				if err != nil {
					return err
				}
				continue
			}
			if err := tx.Create(&Secret{TenantID: t.ID, WorkspaceID: w.ID, Name: v.name, ValueSealed: v.value, Version: 1, CreatedAt: now, UpdatedAt: now}).Error; err != nil {
				return err
			}
			secrets++
		}
		for _, x := range seedScripts {
			if taken, err := nameTaken(tx, &ExtensionScript{}, t.ID, w.ID, 0, x.Name); err != nil || taken {
				if err != nil {
					return err
				}
				continue
			}
			x.TenantID, x.WorkspaceID, x.Version, x.CreatedAt, x.UpdatedAt = t.ID, w.ID, 1, now, now
			if err := tx.Create(&x).Error; err != nil {
				return err
			}
			scripts++
		}
		for i, h := range seedWebhookPaths {
			u := "https://hooks." + w.Slug + ".example" + h.path
			if taken, err := urlTaken(tx, t.ID, w.ID, 0, u); err != nil || taken {
				if err != nil {
					return err
				}
				continue
			}
			if err := tx.Create(&Webhook{TenantID: t.ID, WorkspaceID: w.ID, URL: u, Events: h.events, Enabled: false, SecretSealed: hookSecrets[i],
				Version: 1, CreatedAt: now, UpdatedAt: now}).Error; err != nil {
				return err
			}
			hooks++
		}
		return writeAuditIn(tx, now, t.ID, w.ID, actor, "workspace.seeded", workspaceTarget(w), Changes{
			"secrets": {After: secrets}, "extension_scripts": {After: scripts}, "webhooks": {After: hooks},
		})
	})
	return secrets, scripts, hooks, err
}
