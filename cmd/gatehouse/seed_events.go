package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"gatehouse/models"
)

// seedAuthEvents is seed's --workspace W --events N: authentication events
// for the workspace's Analytics, with their daily rollups.
func seedAuthEvents(ctx context.Context, store *models.Store, t models.Tenant, slug string, events int, stdout io.Writer) error {
	if events == 0 {
		return nil
	}
	if events < 0 {
		return usageError{"counts must not be negative"}
	}
	if slug == "" {
		return usageError{"--events needs --workspace (a workspace's slug)"}
	}
	w, err := store.WorkspaceBySlug(ctx, t.ID, slug)
	if errors.Is(err, models.ErrNotFound) {
		return usageError{fmt.Sprintf("no workspace %q in %s", slug, t.Slug)}
	}
	if err != nil {
		return err
	}
	start := time.Now()
	n, err := store.SeedAuthEvents(ctx, t, w, events, models.Actor{Email: "gatehouse seed", IP: "cli"})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Added %d authentication events to the workspace %s of %s in %s.\n", n, w.Slug, t.Slug, time.Since(start).Round(time.Millisecond))
	return nil
}
