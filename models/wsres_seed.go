package models

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// seedServiceNames name the seeded services (then "Service N").
var seedServiceNames = []string{"Accounts", "Payments", "Orders", "Catalog", "Invoices", "Shipping", "Reviews", "Inventory", "Notifications", "Reports"}

// SeedWorkspaceResources adds demo services (each with read and write
// scopes and four APIs) and clients (web, spa, native and service in turn,
// with valid settings; secrets random and kept by nobody) to a workspace,
// in one transaction with one audit event. Names already taken are skipped
// by numbering on. It returns how many of each it added.
func (s *Store) SeedWorkspaceResources(ctx context.Context, t Tenant, w Workspace, services, clients int, actor Actor) (int, int, error) {
	if services < 0 || clients < 0 || services > 1000 || clients > 10000 {
		return 0, 0, fmt.Errorf("seed: counts must be between 0 and 1000 services, 10000 clients")
	}
	now := s.now()
	var nsvc, ncl int
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var existing int64
		if err := tx.Model(&Service{}).Where("tenant_id = ? AND workspace_id = ?", t.ID, w.ID).Count(&existing).Error; err != nil {
			return err
		}
		var scopes []string
		for i := int(existing); nsvc < services; i++ {
			name := fmt.Sprintf("Service %d", i+1)
			if i < len(seedServiceNames) {
				name = seedServiceNames[i]
			}
			res := strings.ToLower(strings.ReplaceAll(name, " ", "-"))
			if taken, err := nameTaken(tx, &Service{}, t.ID, w.ID, 0, name); err != nil {
				return err
			} else if taken {
				continue
			}
			sv := Service{TenantID: t.ID, WorkspaceID: w.ID, Name: name, Audience: "https://api." + w.Slug + ".example/" + res,
				Description: "The " + name + " API (demo data).", Version: 1, CreatedAt: now, UpdatedAt: now}
			if err := tx.Create(&sv).Error; err != nil {
				return err
			}
			read, write := "read:"+res, "write:"+res
			for _, sc := range []ServiceScope{{Scope: read, Description: "Read " + strings.ToLower(name)}, {Scope: write, Description: "Change " + strings.ToLower(name)}} {
				sc.TenantID, sc.WorkspaceID, sc.ServiceID, sc.CreatedAt = t.ID, w.ID, sv.ID, now
				if err := tx.Create(&sc).Error; err != nil {
					return err
				}
			}
			scopes = append(scopes, read, write)
			for _, a := range []ServiceAPI{{Method: "GET", Path: "/" + res, Scopes: read, Summary: "List " + strings.ToLower(name)},
				{Method: "GET", Path: "/" + res + "/{id}", Scopes: read, Summary: "Get one"},
				{Method: "POST", Path: "/" + res, Scopes: write, Summary: "Create one"},
				{Method: "DELETE", Path: "/" + res + "/{id}", Scopes: write, Summary: "Delete one"}} {
				a.TenantID, a.WorkspaceID, a.ServiceID, a.CreatedAt, a.UpdatedAt = t.ID, w.ID, sv.ID, now, now
				if err := tx.Create(&a).Error; err != nil {
					return err
				}
			}
			nsvc++
		}
		if len(scopes) == 0 {
			known, err := workspaceScopes(tx, t.ID, w.ID)
			if err != nil {
				return err
			}
			for sc := range known {
				scopes = append(scopes, sc)
			}
		}
		if err := tx.Model(&Client{}).Where("tenant_id = ? AND workspace_id = ?", t.ID, w.ID).Count(&existing).Error; err != nil {
			return err
		}
		kinds := []struct{ typ, auth, grants, uris string }{
			{"web", "client_secret_basic", "authorization_code refresh_token", "https://%s.example/callback"},
			{"spa", "none", "authorization_code refresh_token", "https://%s.example/app/callback"},
			{"native", "none", "authorization_code refresh_token", "http://127.0.0.1/callback"},
			{"service", "client_secret_post", "client_credentials", ""},
		}
		for i := int(existing); ncl < clients; i++ {
			k := kinds[i%len(kinds)]
			name := fmt.Sprintf("Demo %s client %d", k.typ, i+1)
			if taken, err := nameTaken(tx, &Client{}, t.ID, w.ID, 0, name); err != nil {
				return err
			} else if taken {
				continue
			}
			id, err := s.newPublicID("")
			if err != nil {
				return err
			}
			c := Client{TenantID: t.ID, WorkspaceID: w.ID, Name: name, Type: k.typ, ClientID: id, GrantTypes: k.grants, TokenEndpointAuthMethod: k.auth,
				Version: 1, CreatedAt: now, UpdatedAt: now}
			if k.uris != "" {
				c.RedirectURIs = strings.ReplaceAll(k.uris, "%s", fmt.Sprintf("app%d.%s", i+1, w.Slug))
			}
			if len(scopes) > 0 {
				c.Scopes = scopes[i%len(scopes)]
			}
			if usesSecret(k.auth) {
				_, hash, err := s.newToken()
				if err != nil {
					return err
				}
				c.SecretHash, c.SecretCreatedAt = hash, &now
			}
			if err := tx.Create(&c).Error; err != nil {
				return err
			}
			ncl++
		}
		return writeAuditIn(tx, now, t.ID, w.ID, actor, "workspace.seeded", workspaceTarget(w), Changes{
			"services": {After: nsvc}, "clients": {After: ncl},
		})
	})
	if err != nil {
		return 0, 0, err
	}
	return nsvc, ncl, nil
}
