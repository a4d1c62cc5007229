package middleware

import (
	"context"

	"gatehouse/models"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// IDPThemeLoaders load a workspace's identity provider (inside the
// request's workspace: one of another workspace is 404 like an unknown one)
// and a theme of the viewer's tenant.
type IDPThemeLoaders struct {
	IDP, Theme Loader
}

// IDPThemeLoaders returns the loaders of identity providers and themes.
func (g *Guards) IDPThemeLoaders() IDPThemeLoaders {
	m := g.Models
	return IDPThemeLoaders{
		IDP: inWorkspace("idp", render.SetIDP, m.IDPByID),
		Theme: loadID("theme", render.SetTheme, func(ctx context.Context, _ echo.Context, v *models.Viewer, id int64) (models.Theme, error) {
			return m.ThemeByID(ctx, v.Tenant.ID, id)
		}),
	}
}
