package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"gatehouse/models"
)

// exitStatus ends the command with a status and nothing more to say (what
// there was to say is on stdout already).
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// auditVerify checks a tenant's whole hash-chained audit log: "ok N events",
// or the first event that breaks the chain and exit status 1.
func auditVerify(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, logger *slog.Logger) error {
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	slug := fs.String("tenant", "", "the tenant's slug")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if *slug == "" {
		return usageError{"--tenant is required"}
	}
	a, err := open(ctx, getenv, logger)
	if err != nil {
		return err
	}
	defer models.Close(a.db)
	t, err := a.store.TenantBySlug(ctx, *slug)
	if errors.Is(err, models.ErrNotFound) {
		return usageError{fmt.Sprintf("no tenant %q", *slug)}
	}
	if err != nil {
		return err
	}
	v, err := a.store.VerifyAuditChain(ctx, t.ID)
	if err != nil {
		return err
	}
	if v.OK() {
		fmt.Fprintf(stdout, "ok %d events\n", v.Events)
		return nil
	}
	fmt.Fprintf(stdout, "broken at %s (%d events before it verified)\n", v.Break, v.Events)
	return exitStatus(1)
}
