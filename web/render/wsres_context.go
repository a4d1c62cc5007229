package render

import (
	"gatehouse/models"

	"github.com/labstack/echo/v4"
)

// The workspace resources the loaders of web/middleware/wsres_loaders.go
// found inside the request's workspace.

const (
	keyService    ctxKey = "gatehouse.service"
	keyClient     ctxKey = "gatehouse.client"
	keyPolicy     ctxKey = "gatehouse.policy"
	keyAuthorizer ctxKey = "gatehouse.authorizer"
	keyClaim      ctxKey = "gatehouse.claim"
	keyCustomApp  ctxKey = "gatehouse.custom_app"
	keyAPI        ctxKey = "gatehouse.service_api"
)

// SetService records the service of the :service parameter.
func SetService(c echo.Context, v models.Service) { set(c, keyService, v) }

// Service is the service of the :service parameter.
func Service(c echo.Context) models.Service { return get[models.Service](c, keyService) }

// SetClient records the client of the :client parameter.
func SetClient(c echo.Context, v models.Client) { set(c, keyClient, v) }

// Client is the client of the :client parameter.
func Client(c echo.Context) models.Client { return get[models.Client](c, keyClient) }

// SetPolicy records the policy of the :policy parameter.
func SetPolicy(c echo.Context, v models.Policy) { set(c, keyPolicy, v) }

// Policy is the policy of the :policy parameter.
func Policy(c echo.Context) models.Policy { return get[models.Policy](c, keyPolicy) }

// SetAuthorizer records the authorizer of the :authorizer parameter.
func SetAuthorizer(c echo.Context, v models.Authorizer) { set(c, keyAuthorizer, v) }

// Authorizer is the authorizer of the :authorizer parameter.
func Authorizer(c echo.Context) models.Authorizer { return get[models.Authorizer](c, keyAuthorizer) }

// SetClaim records the claim of the :claim parameter.
func SetClaim(c echo.Context, v models.Claim) { set(c, keyClaim, v) }

// Claim is the claim of the :claim parameter.
func Claim(c echo.Context) models.Claim { return get[models.Claim](c, keyClaim) }

// SetCustomApp records the custom app of the :app parameter.
func SetCustomApp(c echo.Context, v models.CustomApp) { set(c, keyCustomApp, v) }

// CustomApp is the custom app of the :app parameter.
func CustomApp(c echo.Context) models.CustomApp { return get[models.CustomApp](c, keyCustomApp) }

// SetAPI records the API of the :api parameter (one of the :service's).
func SetAPI(c echo.Context, v models.ServiceAPI) { set(c, keyAPI, v) }

// API is the API of the :api parameter.
func API(c echo.Context) models.ServiceAPI { return get[models.ServiceAPI](c, keyAPI) }
