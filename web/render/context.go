package render

import (
	"gatehouse/models"

	"github.com/labstack/echo/v4"
)

// The objects a route's loaders (web/middleware/loaders.go) found for the
// request's path parameters, inside the viewer's tenant. A handler on a
// route that names the loader reads them here; it never parses an id itself.

type ctxKey string

const (
	keyOrg        ctxKey = "gatehouse.organization"
	keyAdmin      ctxKey = "gatehouse.administrator"
	keyUser       ctxKey = "gatehouse.user"
	keyConnection ctxKey = "gatehouse.connection"
	keyRole       ctxKey = "gatehouse.end_user_role"
	keyPasskey    ctxKey = "gatehouse.passkey"
	keyBinding    ctxKey = "gatehouse.binding_id"
	keySession    ctxKey = "gatehouse.session_id"
	keyOrgInvite  ctxKey = "gatehouse.org_invitation_id"
	keyAPIToken   ctxKey = "gatehouse.api_token_id"
	keyAdminRole  ctxKey = "gatehouse.admin_role_key"
)

func set[T any](c echo.Context, k ctxKey, v T) { c.Set(string(k), v) }

// get returns the value a loader recorded; a handler on a route without
// that loader is a programming error, caught by the route table's test.
func get[T any](c echo.Context, k ctxKey) T {
	v, _ := c.Get(string(k)).(T)
	return v
}

// SetOrg records the organization of the :org parameter.
func SetOrg(c echo.Context, o models.Organization) { set(c, keyOrg, o) }

// Org is the organization of the :org parameter.
func Org(c echo.Context) models.Organization { return get[models.Organization](c, keyOrg) }

// SetAdmin records the administrator of the :admin parameter.
func SetAdmin(c echo.Context, a models.Administrator) { set(c, keyAdmin, a) }

// Admin is the administrator of the :admin parameter.
func Admin(c echo.Context) models.Administrator { return get[models.Administrator](c, keyAdmin) }

// SetUser records the user of the :user parameter.
func SetUser(c echo.Context, u models.User) { set(c, keyUser, u) }

// User is the user of the :user parameter.
func User(c echo.Context) models.User { return get[models.User](c, keyUser) }

// SetConnection records the connection of the :connection parameter.
func SetConnection(c echo.Context, cn models.Connection) { set(c, keyConnection, cn) }

// Connection is the connection of the :connection parameter.
func Connection(c echo.Context) models.Connection { return get[models.Connection](c, keyConnection) }

// SetRole records the end users' role of the :role parameter.
func SetRole(c echo.Context, r models.EndUserRole) { set(c, keyRole, r) }

// Role is the end users' role of the :role parameter.
func Role(c echo.Context) models.EndUserRole { return get[models.EndUserRole](c, keyRole) }

// SetPasskey records the viewer's own passkey of the :passkey parameter.
func SetPasskey(c echo.Context, p models.Passkey) { set(c, keyPasskey, p) }

// Passkey is the viewer's own passkey of the :passkey parameter.
func Passkey(c echo.Context) models.Passkey { return get[models.Passkey](c, keyPasskey) }

// SetBindingID records the role binding id of the :binding parameter.
func SetBindingID(c echo.Context, id int64) { set(c, keyBinding, id) }

// BindingID is the role binding id of the :binding parameter (the model
// operation checks it belongs to the loaded administrator or workspace).
func BindingID(c echo.Context) int64 { return get[int64](c, keyBinding) }

// SetSessionID records the session id of the :session parameter.
func SetSessionID(c echo.Context, id string) { set(c, keySession, id) }

// SessionID is the session id of the :session parameter (the model
// operation checks whose it is).
func SessionID(c echo.Context) string { return get[string](c, keySession) }

// SetOrgInvitationID records the invitation id of the :invitation parameter.
func SetOrgInvitationID(c echo.Context, id int64) { set(c, keyOrgInvite, id) }

// OrgInvitationID is the organization invitation id of the :invitation
// parameter (the model operation checks it belongs to the loaded organization).
func OrgInvitationID(c echo.Context) int64 { return get[int64](c, keyOrgInvite) }

// SetAPITokenID records the :token of Tenant Settings > API Tokens (an id;
// the model finds it inside the viewer's tenant or answers not found).
func SetAPITokenID(c echo.Context, id int64) { set(c, keyAPIToken, id) }

// APITokenID is the :token the loader read.
func APITokenID(c echo.Context) int64 { return get[int64](c, keyAPIToken) }

// SetAdminRoleKey records the :role of Tenant Settings > Roles: the key of
// a built-in or custom administrator role of the viewer's tenant.
func SetAdminRoleKey(c echo.Context, key string) { set(c, keyAdminRole, key) }

// AdminRoleKey is the :role the loader found.
func AdminRoleKey(c echo.Context) string { return get[string](c, keyAdminRole) }

// SetParamID records a numeric path parameter a loader checked (a positive
// number; the model looking it up scopes it to the tenant and its parent
// object, 404 otherwise).
func SetParamID(c echo.Context, param string, id int64) { c.Set("gatehouse.param."+param, id) }

// ParamID is the numeric path parameter param a loader checked (0 when no
// loader did).
func ParamID(c echo.Context, param string) int64 {
	id, _ := c.Get("gatehouse.param." + param).(int64)
	return id
}
