package middleware

import (
	"context"
	"strconv"

	"gatehouse/models"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// WS14aLoaders load a workspace's secrets, extension scripts and webhooks
// (one of another workspace is 404 like an unknown one).
type WS14aLoaders struct {
	Secret, Script, Webhook Loader
}

// WS14aLoaders returns those loaders. A secret is named in the path by its
// id (the console's links) or by its name (the management API's
// /secrets/{name}): names start with a letter, so the two never meet.
func (g *Guards) WS14aLoaders() WS14aLoaders {
	m := g.Models
	return WS14aLoaders{
		Secret: load("secret", render.SetSecret, func(ctx context.Context, c echo.Context, v *models.Viewer, raw string) (models.Secret, error) {
			w, ok := render.Workspace(c)
			if !ok {
				return models.Secret{}, models.ErrNotFound
			}
			if id, err := strconv.ParseInt(raw, 10, 64); err == nil {
				if id <= 0 {
					return models.Secret{}, models.ErrNotFound
				}
				return m.SecretByID(ctx, v.Tenant.ID, w.ID, id)
			}
			return m.SecretByName(ctx, v.Tenant.ID, w.ID, raw)
		}),
		Script:  inWorkspace("script", render.SetScript, m.ScriptByID),
		Webhook: inWorkspace("webhook", render.SetWebhook, m.WebhookByID),
	}
}
