package middleware

import (
	"context"
	"errors"
	"strconv"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// Loader loads the object one path parameter names, inside the signed-in
// viewer's tenant (and inside the objects loaded before it), and records it
// for the handler (render.Org, render.Admin, ...). A malformed value, an
// unknown object and another tenant's all answer 404, alike. Routes name
// their loaders in web/routes.go beside their permission; a test proves
// every path parameter has one.
type Loader struct {
	Param string // the path parameter it reads, e.g. "org" for /organizations/:org
	mw    echo.MiddlewareFunc
}

// Middleware is the loader as an echo middleware.
func (l Loader) Middleware() echo.MiddlewareFunc { return l.mw }

// Loaders are the loaders of every kind of object a tenant URL names.
type Loaders struct {
	Org        Loader // :org, an organization by name
	Admin      Loader // :admin, an administrator by id
	User       Loader // :user, an end user by id
	Connection Loader // :connection, a connection by id
	Role       Loader // :role, an end users' role by id
	Invitation Loader // :invitation, an invitation of the loaded :org
	Passkey    Loader // :passkey, one of the viewer's own passkeys
	// Binding and Session are parsed only: the operation that uses them
	// (RemoveRole, RemoveWorkspaceRole, EndSession) finds them inside the
	// loaded administrator or workspace under its own lock, and 404s
	// outside it; loading them first would read them twice.
	Binding Loader // :binding, a role binding id
	Session Loader // :session, a session id (64 hex digits)
	// APIToken is :token, an API token's id (revoking looks it up in the
	// viewer's tenant: not found there is 404).
	APIToken Loader
	// AdminRole is :role of Tenant Settings > Roles: an administrator
	// role's key, built in or custom to the viewer's tenant.
	AdminRole Loader
}

// Loaders returns the loaders, reading through g.Models.
func (g *Guards) Loaders() Loaders {
	m := g.Models
	return Loaders{
		Org: load("org", render.SetOrg, func(ctx context.Context, c echo.Context, v *models.Viewer, raw string) (models.Organization, error) {
			return m.OrganizationByName(ctx, v.Tenant.ID, raw)
		}),
		Admin: loadID("admin", render.SetAdmin, func(ctx context.Context, c echo.Context, v *models.Viewer, id int64) (models.Administrator, error) {
			return m.AdministratorByID(ctx, v.Tenant.ID, id)
		}),
		User: loadID("user", render.SetUser, func(ctx context.Context, c echo.Context, v *models.Viewer, id int64) (models.User, error) {
			return m.UserByID(ctx, v.Tenant.ID, id)
		}),
		Connection: loadID("connection", render.SetConnection, func(ctx context.Context, c echo.Context, v *models.Viewer, id int64) (models.Connection, error) {
			return m.ConnectionByID(ctx, v.Tenant.ID, id)
		}),
		Role: loadID("role", render.SetRole, func(ctx context.Context, c echo.Context, v *models.Viewer, id int64) (models.EndUserRole, error) {
			return m.EndUserRoleByID(ctx, v.Tenant.ID, id)
		}),
		Invitation: loadID("invitation", func(c echo.Context, inv models.OrganizationInvitation) { render.SetOrgInvitationID(c, inv.ID) },
			func(ctx context.Context, c echo.Context, v *models.Viewer, id int64) (models.OrganizationInvitation, error) {
				o := render.Org(c)
				if o.ID == 0 { // the route must load :org first
					return models.OrganizationInvitation{}, errors.New("the invitation loader needs the organization loader before it")
				}
				return m.OrganizationInvitationByID(ctx, v.Tenant.ID, o.ID, id)
			}),
		Passkey: loadID("passkey", render.SetPasskey, func(ctx context.Context, c echo.Context, v *models.Viewer, id int64) (models.Passkey, error) {
			return m.PasskeyOf(ctx, v.Tenant.ID, v.Administrator.ID, id)
		}),
		Binding: loadID("binding", render.SetBindingID, func(_ context.Context, _ echo.Context, _ *models.Viewer, id int64) (int64, error) {
			return id, nil
		}),
		APIToken: loadID("token", render.SetAPITokenID, func(_ context.Context, _ echo.Context, _ *models.Viewer, id int64) (int64, error) {
			return id, nil
		}),
		AdminRole: load("role", render.SetAdminRoleKey, func(ctx context.Context, _ echo.Context, v *models.Viewer, raw string) (string, error) {
			dir, err := m.RoleDirectory(ctx, v.Tenant.ID)
			if err != nil {
				return "", err
			}
			if _, ok := dir.Role(authz.RoleKey(raw)); !ok {
				return "", models.ErrNotFound
			}
			return raw, nil
		}),
		Session: load("session", render.SetSessionID, func(_ context.Context, _ echo.Context, _ *models.Viewer, raw string) (string, error) {
			if !isHex64(raw) {
				return "", models.ErrNotFound
			}
			return raw, nil
		}),
	}
}

// load builds a Loader for param: find turns its raw value into the object
// (models.ErrNotFound: 404) and set records it.
func load[T any](param string, set func(echo.Context, T), find func(context.Context, echo.Context, *models.Viewer, string) (T, error)) Loader {
	return Loader{Param: param, mw: func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			v := render.Viewer(c)
			if v == nil {
				return echo.ErrNotFound
			}
			obj, err := find(c.Request().Context(), c, v, c.Param(param))
			if errors.Is(err, models.ErrNotFound) {
				return echo.ErrNotFound
			}
			if err != nil {
				return err
			}
			set(c, obj)
			return next(c)
		}
	}}
}

// loadID is load for a positive numeric id; anything else is 404.
func loadID[T any](param string, set func(echo.Context, T), find func(context.Context, echo.Context, *models.Viewer, int64) (T, error)) Loader {
	return load(param, set, func(ctx context.Context, c echo.Context, v *models.Viewer, raw string) (T, error) {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 {
			var zero T
			return zero, models.ErrNotFound
		}
		return find(ctx, c, v, id)
	})
}

func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// ID is the loader of a numeric path parameter whose object the handler's
// model call finds inside its parent (a pool user's identifier, say): a
// positive number, else 404; render.ParamID reads it.
func ID(param string) Loader {
	return loadID(param, func(c echo.Context, id int64) { render.SetParamID(c, param, id) },
		func(_ context.Context, _ echo.Context, _ *models.Viewer, id int64) (int64, error) { return id, nil })
}
