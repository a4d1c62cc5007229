package middleware

import "gatehouse/web/render"

// WS14aLoaders load a workspace's secrets, extension scripts and webhooks
// (one of another workspace is 404 like an unknown one).
type WS14aLoaders struct {
	Secret, Script, Webhook Loader
}

// WS14aLoaders returns those loaders.
func (g *Guards) WS14aLoaders() WS14aLoaders {
	m := g.Models
	return WS14aLoaders{
		Secret:  inWorkspace("secret", render.SetSecret, m.SecretByID),
		Script:  inWorkspace("script", render.SetScript, m.ScriptByID),
		Webhook: inWorkspace("webhook", render.SetWebhook, m.WebhookByID),
	}
}
