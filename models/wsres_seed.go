package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// seedServiceNames name the seeded services (then "Service N").
var seedServiceNames = []string{"Accounts", "Payments", "Orders", "Catalog", "Invoices", "Shipping", "Reviews", "Inventory", "Notifications", "Reports"}

// SeedWorkspaceResources adds demo services (each with read and write
// scopes and four APIs) and clients (web, spa, native and service in turn,
// with valid settings; secrets random and kept by nobody) to a workspace,
// in one transaction with one audit event. Names already taken are skipped
// by numbering on. With services it also adds what a real workspace has
// around them (seedCompanions): policies, the DELETE APIs guarded by one,
// an authorizer protecting the services, claims and a custom login page.
// It returns how many services and clients it added.
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
		var svcIDs []int64
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
			svcIDs = append(svcIDs, sv.ID)
			for _, a := range []ServiceAPI{{Method: "GET", Path: "/" + res, Scopes: read, Summary: "List " + strings.ToLower(name)},
				{Method: "GET", Path: "/" + res + "/{id}", Scopes: read, Summary: "Get one"},
				{Method: "POST", Path: "/" + res, Scopes: write, Summary: "Create one"},
				{Method: "DELETE", Path: "/" + res + "/{id}", Scopes: write, Summary: "Delete one"}} {
				a.TenantID, a.WorkspaceID, a.ServiceID, a.Version, a.CreatedAt, a.UpdatedAt = t.ID, w.ID, sv.ID, 1, now, now
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
		ch := Changes{"services": {After: nsvc}, "clients": {After: ncl}}
		if len(svcIDs) > 0 {
			n, err := s.seedCompanions(tx, t, w, svcIDs, scopes, now)
			if err != nil {
				return err
			}
			for k, v := range n {
				ch[k] = Change{After: v}
			}
		}
		return writeAuditIn(tx, now, t.ID, w.ID, actor, "workspace.seeded", workspaceTarget(w), ch)
	})
	if err != nil {
		return 0, 0, err
	}
	return nsvc, ncl, nil
}

// seedPolicies are the demo policies: each compiles (TestSeedWorkspaceResources).
var seedPolicies = []Policy{
	{Name: "Administrators only", Description: "Changes reserved to users with the admin role.", Definition: "'admin' in user.roles"},
	{Name: "Read or administer", Description: "Anyone may read; changing needs the admin role.",
		Definition: "request.method == 'GET' ||\n  'admin' in user.roles"},
	{Name: "Machine clients with a write scope", Description: "Service clients only, and only with a write scope.",
		Definition: "client.type == 'service' &&\n  scopes.exists(s, s.startsWith('write:'))"},
}

// seedClaims are the demo claims; scopes "" means always released.
var seedClaims = []Claim{
	{Name: "email", SourceType: "user_attribute", Source: "email", Token: "id"},
	{Name: "given_name", SourceType: "user_attribute", Source: "given_name", Token: "id"},
	{Name: "family_name", SourceType: "user_attribute", Source: "family_name", Token: "id"},
	{Name: "department", SourceType: "user_attribute", Source: "attributes.department", Token: "access"},
	{Name: "plan", SourceType: "metadata", Source: "plan", Token: "access"},
	{Name: "tenant_region", SourceType: "static", Source: "eu-west", Token: "access"},
}

// seedCompanions adds, in the seed's transaction, the resources that go
// with seeded services (names already taken are left alone): the demo
// policies, the first guarding every seeded DELETE API; an authorizer
// (standalone) protecting the seeded services; the demo claims (the
// department claim released by the first read scope); a custom login page.
// It returns how many of each it added, for the audit event.
func (s *Store) seedCompanions(tx *gorm.DB, t Tenant, w Workspace, svcIDs []int64, scopes []string, now time.Time) (map[string]int, error) {
	n := map[string]int{}
	var guard int64
	for i, p := range seedPolicies {
		if taken, err := nameTaken(tx, &Policy{}, t.ID, w.ID, 0, p.Name); err != nil || taken {
			if err != nil {
				return nil, err
			}
			continue
		}
		p.TenantID, p.WorkspaceID, p.Version, p.CreatedAt, p.UpdatedAt = t.ID, w.ID, 1, now, now
		if err := tx.Create(&p).Error; err != nil {
			return nil, err
		}
		if i == 0 {
			guard = p.ID
		}
		n["policies"]++
	}
	if guard != 0 {
		if err := tx.Model(&ServiceAPI{}).Where("tenant_id = ? AND service_id IN ? AND method = ?", t.ID, svcIDs, "DELETE").Update("policy_id", guard).Error; err != nil {
			return nil, err
		}
	}
	if taken, err := nameTaken(tx, &Authorizer{}, t.ID, w.ID, 0, "Edge gateway"); err != nil {
		return nil, err
	} else if !taken {
		cred, err := s.newPublicID("az_")
		if err != nil {
			return nil, err
		}
		_, hash, err := s.newToken()
		if err != nil {
			return nil, err
		}
		a := Authorizer{TenantID: t.ID, WorkspaceID: w.ID, Name: "Edge gateway", Type: "standalone", ServiceIDs: idsString(svcIDs),
			CredentialID: cred, SecretHash: hash, SecretCreatedAt: &now, Version: 1, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&a).Error; err != nil {
			return nil, err
		}
		n["authorizers"]++
	}
	for _, c := range seedClaims {
		if taken, err := nameTaken(tx, &Claim{}, t.ID, w.ID, 0, c.Name); err != nil || taken {
			if err != nil {
				return nil, err
			}
			continue
		}
		if c.Name == "department" && len(scopes) > 0 {
			c.Scopes = scopes[0]
		}
		c.TenantID, c.WorkspaceID, c.Version, c.CreatedAt, c.UpdatedAt = t.ID, w.ID, 1, now, now
		if err := tx.Create(&c).Error; err != nil {
			return nil, err
		}
		n["claims"]++
	}
	if taken, err := nameTaken(tx, &CustomApp{}, t.ID, w.ID, 0, "Branded login"); err != nil {
		return nil, err
	} else if !taken {
		id, err := s.newPublicID("app_")
		if err != nil {
			return nil, err
		}
		_, hash, err := s.newToken()
		if err != nil {
			return nil, err
		}
		a := CustomApp{TenantID: t.ID, WorkspaceID: w.ID, Name: "Branded login", Type: "login", URL: "https://login." + w.Slug + ".example/",
			AppID: id, SecretHash: hash, SecretCreatedAt: &now, Version: 1, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&a).Error; err != nil {
			return nil, err
		}
		n["custom_apps"]++
	}
	return n, nil
}

// SeedPolicyDefinitions are the seeded policies' definitions (tests
// compile them).
func SeedPolicyDefinitions() []PolicyInput {
	out := make([]PolicyInput, len(seedPolicies))
	for i, p := range seedPolicies {
		out[i] = PolicyInput{Name: p.Name, Description: p.Description, Definition: p.Definition}
	}
	return out
}
