package middleware

import (
	"context"

	"gatehouse/models"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// WSResLoaders load the application resources of the request's workspace
// (loaded before them by the workspace guard): one of another workspace
// is 404 like an unknown one.
type WSResLoaders struct {
	Service, Client, Policy, Authorizer, Claim, CustomApp Loader
	// API loads an API of the service loaded before it (Service first):
	// another service's API is 404.
	API Loader
	// Scope is the kit's ID("scope"): the operation finds it inside the
	// loaded service (render.ParamID(c, "scope")).
	Scope Loader
}

// inWorkspace loads an object of the request's workspace by id.
func inWorkspace[T any](param string, set func(echo.Context, T), find func(ctx context.Context, tenantID, wsID, id int64) (T, error)) Loader {
	return loadID(param, set, func(ctx context.Context, c echo.Context, v *models.Viewer, id int64) (T, error) {
		w, ok := render.Workspace(c)
		if !ok {
			var zero T
			return zero, models.ErrNotFound
		}
		return find(ctx, v.Tenant.ID, w.ID, id)
	})
}

// WSResLoaders returns the loaders of workspace resources.
func (g *Guards) WSResLoaders() WSResLoaders {
	m := g.Models
	return WSResLoaders{
		Service:    inWorkspace("service", render.SetService, m.ServiceByID),
		Client:     inWorkspace("client", render.SetClient, m.ClientByID),
		Policy:     inWorkspace("policy", render.SetPolicy, m.PolicyByID),
		Authorizer: inWorkspace("authorizer", render.SetAuthorizer, m.AuthorizerByID),
		Claim:      inWorkspace("claim", render.SetClaim, m.ClaimByID),
		CustomApp:  inWorkspace("app", render.SetCustomApp, m.CustomAppByID),
		Scope:      ID("scope"),
		API: loadID("api", render.SetAPI, func(ctx context.Context, c echo.Context, v *models.Viewer, id int64) (models.ServiceAPI, error) {
			w, ok := render.Workspace(c)
			sv := render.Service(c)
			if !ok || sv.ID == 0 || sv.WorkspaceID != w.ID {
				return models.ServiceAPI{}, models.ErrNotFound
			}
			return m.ServiceAPIByID(ctx, v.Tenant.ID, w.ID, sv.ID, id)
		}),
	}
}
