package middleware

import (
	"context"
	"slices"

	"gatehouse/models"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// PermSystemLoaders load the objects of the Permission Systems' and the
// System pages' URLs.
type PermSystemLoaders struct {
	System Loader // :system, a permission system of the viewer's tenant
	// Tuple is :tuple, parsed only: removing it finds it inside the loaded system.
	Tuple Loader
	// Template is :template, the key of an e-mail template Gatehouse sends.
	Template Loader
}

// PermSystemLoaders returns the loaders of the Permission Systems and System pages.
func (g *Guards) PermSystemLoaders() PermSystemLoaders {
	m := g.Models
	return PermSystemLoaders{
		System: loadID("system", render.SetPermissionSystem, func(ctx context.Context, _ echo.Context, v *models.Viewer, id int64) (models.PermissionSystem, error) {
			return m.PermissionSystemByID(ctx, v.Tenant.ID, id)
		}),
		Tuple: ID("tuple"),
		Template: load("template", render.SetEmailTemplate, func(_ context.Context, _ echo.Context, _ *models.Viewer, raw string) (string, error) {
			if !slices.Contains(models.EmailTemplateKeys, raw) {
				return "", models.ErrNotFound
			}
			return raw, nil
		}),
	}
}
