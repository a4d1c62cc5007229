package models_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"gatehouse/models"
	"gatehouse/models/modelstest"
)

// TestSeedSecretsScriptsWebhooks: the demo data are valid (secrets open,
// scripts run and read a secret, webhooks disabled) and seeding twice adds
// nothing.
func TestSeedSecretsScriptsWebhooks(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		w := newWSResWorld(t, db)
		ctx := context.Background()
		act := models.Actor{Email: "seed"}
		nsec, nscr, nwh, err := w.s.SeedSecretsScriptsWebhooks(ctx, w.tn, w.ws, act)
		if err != nil || nsec != 3 || nscr != 2 || nwh != 2 {
			t.Fatalf("seed: %d %d %d %v", nsec, nscr, nwh, err)
		}
		if n := w.count(t, &models.Webhook{}); n != 2 {
			t.Fatalf("webhooks %d", n)
		}
		if n := modelstest.Count(t, db.DB.Model(&models.Webhook{}).Where("enabled = ?", true)); n != 0 {
			t.Fatalf("enabled seeded webhooks %d", n)
		}
		scripts, _, err := w.s.ListScripts(ctx, w.wsAud, w.ws.ID, models.ResourceList{})
		if err != nil || len(scripts) != 2 {
			t.Fatalf("scripts %d %v", len(scripts), err)
		}
		for _, x := range scripts {
			full, err := w.s.ScriptByID(ctx, w.tn.ID, w.ws.ID, x.ID)
			if err != nil {
				t.Fatal(err)
			}
			run, err := w.s.TestScript(ctx, w.wsAud, w.ws.ID, full, `{"user": {"orders": 12, "countries": ["FR"]}, "country": "DE"}`)
			if err != nil || run.Error != "" {
				t.Fatalf("%s: %+v %v", x.Name, run, err)
			}
			if x.Name == "Flag new country" && (!strings.Contains(run.Output, `"risk": "review"`) || !strings.Contains(run.Output, `"geoip_configured": true`)) {
				t.Errorf("output %s", run.Output)
			}
		}
		if nsec, nscr, nwh, err := w.s.SeedSecretsScriptsWebhooks(ctx, w.tn, w.ws, act); err != nil || nsec+nscr+nwh != 0 {
			t.Fatalf("second seed: %d %d %d %v", nsec, nscr, nwh, err)
		}
	})
}

// TestSecretsScriptsWebhooksPermissionsInTheModel: the Workspace Auditor
// reads but cannot change (ErrForbidden); the admin of another workspace
// does not see them (ErrNotFound).
func TestSecretsScriptsWebhooksPermissionsInTheModel(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		w := newWSResWorld(t, db)
		ctx := context.Background()
		if _, err := w.s.CreateSecret(ctx, w.wsAdmin, w.ws.ID, models.SecretInput{Name: "K", Value: "v"}, w.actor); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			v    models.Viewer
			want error
		}{{w.wsAud, models.ErrForbidden}, {w.oth, models.ErrNotFound}} {
			if _, err := w.s.CreateSecret(ctx, c.v, w.ws.ID, models.SecretInput{Name: "X", Value: "v"}, w.actor); !errors.Is(err, c.want) {
				t.Errorf("create secret: %v, want %v", err, c.want)
			}
			if _, err := w.s.CreateScript(ctx, c.v, w.ws.ID, models.ScriptInput{Name: "X", Event: "token_minting", Code: "function main(c) { return c; }"}, w.actor); !errors.Is(err, c.want) {
				t.Errorf("create script: %v, want %v", err, c.want)
			}
			if _, _, err := w.s.CreateWebhook(ctx, c.v, w.ws.ID, models.WebhookInput{URL: "https://203.0.113.9/x", Events: []string{"all"}}, w.actor); !errors.Is(err, c.want) {
				t.Errorf("create webhook: %v, want %v", err, c.want)
			}
		}
		if rows, _, err := w.s.ListSecrets(ctx, w.wsAud, w.ws.ID, models.ResourceList{}); err != nil || len(rows) != 1 || rows[0].ValueSealed != nil {
			t.Errorf("auditor's list: %+v %v", rows, err)
		}
		if _, _, err := w.s.ListSecrets(ctx, w.oth, w.ws.ID, models.ResourceList{}); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("other admin's list: %v", err)
		}
	})
}
