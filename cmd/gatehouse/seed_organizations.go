package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"gatehouse/models"
)

// seedOrganizations is the Organizations part of `seed`: n organizations,
// then members users of the tenant as members of the organization named
// orgName (the first by name when it is "").
func seedOrganizations(ctx context.Context, store *models.Store, t models.Tenant, n int, orgName string, members int, stdout io.Writer) error {
	if n < 0 || members < 0 {
		return usageError{"counts must not be negative"}
	}
	actor := models.Actor{Email: "gatehouse seed", IP: "cli"}
	if n > 0 {
		start := time.Now()
		added, err := store.SeedOrganizations(ctx, t, n, actor)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Added %d organizations to %s in %s.\n", added, t.Slug, time.Since(start).Round(time.Millisecond))
	}
	if members > 0 {
		start := time.Now()
		o, added, err := store.SeedOrganizationMembers(ctx, t, orgName, members, actor)
		switch {
		case errors.Is(err, models.ErrNoOrganization):
			if orgName != "" {
				return usageError{fmt.Sprintf("no organization %q in %s", orgName, t.Slug)}
			}
			return usageError{"the tenant has no organization yet: add some with --organizations"}
		case err != nil:
			return err
		}
		fmt.Fprintf(stdout, "Added %d members to the organization %s in %s.\n", added, o.Name, time.Since(start).Round(time.Millisecond))
		if added < members {
			fmt.Fprintf(stdout, "Only %d users of %s were not members yet: add more with --users.\n", added, t.Slug)
		}
	}
	return nil
}
