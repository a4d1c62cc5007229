package webtest

// Fixtures for the Organizations tests: organizations and what they draw on
// (users of the Users pool, end-user roles, connections), made through the
// store.

import (
	"gatehouse/models"
)

// Organization creates an organization of tenant through the store.
func (a *App) Organization(tenant models.Tenant, name, displayName string) models.Organization {
	a.T.Helper()
	o, err := a.Store.CreateOrganization(Ctx(), tenant.ID, models.CreateOrgInput{Name: name, DisplayName: displayName}, models.Actor{Email: "test"})
	if err != nil {
		a.T.Fatal(err)
	}
	return o
}

// OrgUser creates an end user in tenant's Users pool through the store.
func (a *App) OrgUser(tenant models.Tenant, email, given, family string) models.User {
	a.T.Helper()
	u, err := a.Store.CreateUser(Ctx(), tenant.ID, models.CreateUserInput{Email: email, GivenName: given, FamilyName: family}, models.Actor{Email: "test"})
	if err != nil {
		a.T.Fatal(err)
	}
	return u
}

// OrgRole creates an end-user role of tenant through the store.
func (a *App) OrgRole(tenant models.Tenant, name, description string) models.EndUserRole {
	a.T.Helper()
	r, err := a.Store.CreateEndUserRole(Ctx(), tenant.ID, models.EndUserRoleInput{Name: name, Description: description}, models.Actor{Email: "test"})
	if err != nil {
		a.T.Fatal(err)
	}
	return r
}

// OrgConnection creates a connection of tenant through the store.
func (a *App) OrgConnection(tenant models.Tenant, name, strategy, displayName string) models.Connection {
	a.T.Helper()
	c, err := a.Store.CreateConnection(Ctx(), tenant.ID, models.CreateConnectionInput{Name: name, Strategy: strategy, DisplayName: displayName}, models.Actor{Email: "test"})
	if err != nil {
		a.T.Fatal(err)
	}
	return c
}
