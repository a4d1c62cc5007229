package webtest

import (
	"strings"

	"gatehouse/models"
	"gatehouse/models/modelstest"
)

// Workspace inserts a workspace of tenant, bypassing the UI.
func (a *App) Workspace(tenant models.Tenant, slug, name string) models.Workspace {
	a.T.Helper()
	now := a.Store.Now().UTC()
	w := models.Workspace{TenantID: tenant.ID, Name: name, Slug: slug, Description: "The " + name + " workspace", CreatedAt: now, UpdatedAt: now}
	if err := a.DB.DB.Create(&w).Error; err != nil {
		a.T.Fatal(err)
	}
	return w
}

// BindInWorkspace gives admin the workspace roles (workspace_admin,
// workspace_auditor) in ws, bypassing the UI.
func (a *App) BindInWorkspace(admin models.Administrator, ws models.Workspace, roles ...string) {
	a.T.Helper()
	now := a.Store.Now().UTC()
	for _, r := range roles {
		id := ws.ID
		if err := a.DB.DB.Create(&models.RoleBinding{TenantID: ws.TenantID, AdministratorID: admin.ID, RoleKey: r,
			WorkspaceID: &id, CreatedAt: now}).Error; err != nil {
			a.T.Fatal(err)
		}
	}
}

// SignedInWithWorkspaceRole creates an administrator holding the tenant
// roles tenantRoles (tenant-wide) and role in ws, and returns a client
// signed in as them: e.g. a Tenant Member who is Workspace Admin of one
// workspace.
func (a *App) SignedInWithWorkspaceRole(tenant models.Tenant, email string, ws models.Workspace, role string, tenantRoles ...string) (*Client, models.Administrator) {
	a.T.Helper()
	admin := a.AdminWithRoles(tenant, email, tenantRoles...)
	if len(tenantRoles) == 0 {
		modelstest.Must(a.T, a.DB.DB.Model(&admin).Update("family_name", strings.ReplaceAll(role, "_", " ")))
	}
	a.BindInWorkspace(admin, ws, role)
	c := a.Client()
	c.SignIn(tenant.Slug, email, Password)
	return c, admin
}
