package models_test

import (
	"context"
	"errors"
	"testing"

	"gatehouse/models"
	"gatehouse/models/modelstest"
)

// TestIDPsModel: who may read and change a workspace's IDPs, the sealed
// secret (a blank one keeps it; a method without a client drops it), the
// Built in Admin IDP's rules, the deletion of a workspace taking its IDPs
// and theme binding along, and the demo seed (run twice: nothing doubled).
func TestIDPsModel(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		w := newWSResWorld(t, db)
		ctx := context.Background()
		in := models.IDPInput{Name: " Google ", Method: "google", ClientID: "g-1", ClientSecret: "g-secret", Enabled: true}
		p, err := w.s.CreateIDP(ctx, w.wsAdmin, w.ws.ID, in, w.actor)
		if err != nil {
			t.Fatal(err)
		}
		if p.Name != "Google" || p.IssuerURL != "https://accounts.google.com" || string(p.ClientSecret) == "g-secret" {
			t.Fatalf("created %+v", p)
		}
		if _, err := w.s.CreateIDP(ctx, w.wsAud, w.ws.ID, in, w.actor); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("auditor create: %v", err)
		}
		if _, err := w.s.GetIDP(ctx, w.oth, w.ws.ID, p.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("other workspace's admin: %v", err)
		}
		if _, err := w.s.CreateIDP(ctx, w.wsAdmin, w.ws.ID, in, w.actor); wsFields(err)["name"] == "" {
			t.Fatalf("duplicate name: %v", err)
		}
		// Blank keeps; saml drops.
		up, err := w.s.UpdateIDP(ctx, w.wsAdmin, w.ws.ID, p.ID, models.IDPInput{Name: "Google", Method: "google", ClientID: "g-2", Enabled: false, Version: 1}, w.actor)
		if err != nil {
			t.Fatal(err)
		}
		if s, _ := w.s.OpenIDPSecret(up); s != "g-secret" || up.Enabled || up.Version != 2 {
			t.Fatalf("after blank: %q %+v", s, up)
		}
		if _, err := w.s.UpdateIDP(ctx, w.wsAdmin, w.ws.ID, p.ID, models.IDPInput{Name: "Google", Method: "saml", MetadataXML: "<x/>", Version: 2}, w.actor); wsFields(err)["metadata_xml"] == "" {
			t.Fatalf("bad metadata: %v", err)
		}
		if _, err := w.s.UpdateIDP(ctx, w.wsAdmin, w.ws.ID, p.ID, models.IDPInput{Name: "Google", Method: "google", ClientID: "g-3", Version: 1}, w.actor); !errors.Is(err, models.ErrChangedSince) {
			t.Fatalf("stale: %v", err)
		}
		// Seed twice.
		nt, ni, err := w.s.SeedIDPsAndThemes(ctx, w.tn, w.ws, w.actor)
		if err != nil || nt != 3 || ni != 1 { // Google is taken
			t.Fatalf("seed: %d %d %v", nt, ni, err)
		}
		if nt, ni, err = w.s.SeedIDPsAndThemes(ctx, w.tn, w.ws, w.actor); err != nil || nt != 0 || ni != 0 {
			t.Fatalf("seed again: %d %d %v", nt, ni, err)
		}
		if th, ok, err := w.s.WorkspaceTheme(ctx, w.tn.ID, w.ws.ID); err != nil || !ok || th.Name != "Daylight" {
			t.Fatalf("seeded binding: %v %v %v", th.Name, ok, err)
		}
		// The workspace's deletion takes its IDPs and binding along.
		if _, err := w.s.DeleteWorkspace(ctx, w.owner, w.ws.ID, "shop", w.actor); err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"idps", "workspace_theme_bindings"} {
			if n := modelstest.Count(t, db.DB.Table(table).Where("workspace_id = ?", w.ws.ID)); n != 0 {
				t.Errorf("%d %s left", n, table)
			}
		}
	})
}
