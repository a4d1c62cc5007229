package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"gatehouse/models"
)

// seedWorkspaceResources is seed's --workspace W --services N --clients N.
func seedWorkspaceResources(ctx context.Context, store *models.Store, t models.Tenant, slug string, services, clients, events int, stdout io.Writer) error {
	if services == 0 && clients == 0 {
		if slug != "" && events == 0 {
			return usageError{"--workspace needs --services, --clients or --events"}
		}
		return nil
	}
	if slug == "" {
		return usageError{"--services and --clients need --workspace (a workspace's slug)"}
	}
	if services < 0 || clients < 0 {
		return usageError{"counts must not be negative"}
	}
	w, err := store.WorkspaceBySlug(ctx, t.ID, slug)
	if errors.Is(err, models.ErrNotFound) {
		return usageError{fmt.Sprintf("no workspace %q in %s", slug, t.Slug)}
	}
	if err != nil {
		return err
	}
	start := time.Now()
	ns, nc, err := store.SeedWorkspaceResources(ctx, t, w, services, clients, models.Actor{Email: "gatehouse seed", IP: "cli"})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Added %d services and %d clients to the workspace %s of %s in %s.\n", ns, nc, w.Slug, t.Slug, time.Since(start).Round(time.Millisecond))
	nt, ni, err := store.SeedIDPsAndThemes(ctx, t, w, models.Actor{Email: "gatehouse seed", IP: "cli"})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Added %d themes to %s and %d identity providers to the workspace %s.\n", nt, t.Slug, ni, w.Slug)
	nsec, nscr, nwh, err := store.SeedSecretsScriptsWebhooks(ctx, t, w, models.Actor{Email: "gatehouse seed", IP: "cli"})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Added %d secrets, %d extension scripts and %d webhooks (disabled) to the workspace %s.\n", nsec, nscr, nwh, w.Slug)
	return nil
}
