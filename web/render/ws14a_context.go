package render

import (
	"gatehouse/models"

	"github.com/labstack/echo/v4"
)

// The secrets, extension scripts and webhooks the loaders of
// web/middleware/ws14a_loaders.go found inside the request's workspace.

const (
	keySecret  ctxKey = "gatehouse.secret"
	keyScript  ctxKey = "gatehouse.extension_script"
	keyWebhook ctxKey = "gatehouse.webhook"
)

// SetSecret records the secret of the :secret parameter.
func SetSecret(c echo.Context, v models.Secret) { set(c, keySecret, v) }

// Secret is the secret of the :secret parameter.
func Secret(c echo.Context) models.Secret { return get[models.Secret](c, keySecret) }

// SetScript records the extension script of the :script parameter.
func SetScript(c echo.Context, v models.ExtensionScript) { set(c, keyScript, v) }

// Script is the extension script of the :script parameter.
func Script(c echo.Context) models.ExtensionScript { return get[models.ExtensionScript](c, keyScript) }

// SetWebhook records the webhook of the :webhook parameter.
func SetWebhook(c echo.Context, v models.Webhook) { set(c, keyWebhook, v) }

// Webhook is the webhook of the :webhook parameter.
func Webhook(c echo.Context) models.Webhook { return get[models.Webhook](c, keyWebhook) }
