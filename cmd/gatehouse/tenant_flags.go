package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"gatehouse/models"
)

// cliActor is who the command line acts as in the audit log.
var cliActor = models.Actor{Email: "gatehouse cli", IP: "cli"}

// tenantFlags lists a tenant's feature flags, one line each ("NAME on" or
// "NAME off"), after changing one with --set NAME=on|off (audited).
func tenantFlags(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, logger *slog.Logger) error {
	fs := flag.NewFlagSet("tenant flags", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	slug := fs.String("slug", "", "the tenant's slug")
	set := fs.String("set", "", "NAME=on or NAME=off")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if *slug == "" {
		return usageError{"--slug is required"}
	}
	var flagName models.FeatureFlag
	var on bool
	if *set != "" {
		name, value, ok := strings.Cut(*set, "=")
		f, known := models.ParseFeatureFlag(name)
		if !ok || !known || (value != "on" && value != "off") {
			var names []string
			for _, f := range models.FeatureFlags() {
				names = append(names, string(f))
			}
			return usageError{fmt.Sprintf("--set takes NAME=on or NAME=off, NAME one of %s", strings.Join(names, ", "))}
		}
		flagName, on = f, value == "on"
	}
	a, err := open(ctx, getenv, logger)
	if err != nil {
		return err
	}
	defer models.Close(a.db)
	t, err := a.store.TenantBySlug(ctx, *slug)
	if flagName != "" && err == nil {
		t, _, err = a.store.SetTenantFlag(ctx, *slug, flagName, on, cliActor)
	}
	switch {
	case errors.Is(err, models.ErrNotFound):
		return usageError{fmt.Sprintf("no tenant %q", *slug)}
	case err != nil:
		return err
	}
	for _, f := range t.Flags() {
		state := "off"
		if f.On {
			state = "on"
		}
		fmt.Fprintf(stdout, "%s %s\n", f.Flag, state)
	}
	return nil
}
