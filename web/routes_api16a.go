package web

import (
	"net/http"

	"gatehouse/handlers"
	"gatehouse/models/authz"
	gm "gatehouse/web/middleware"

	"github.com/labstack/echo/v4"
)

// apiWS14aRoutes are the management API's routes of a workspace's secrets,
// extension scripts and webhooks: each with the permission and the loader
// of its console page (web/routes_ws14a.go). Testing a script changes
// nothing (read, as on its page); sending a webhook's test event sends
// traffic (manage).
func apiWS14aRoutes(a apiTable, h *handlers.Handler, guards *gm.Guards) {
	const get, post, patch, del = http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete
	type d = handlers.APIDoc
	load := guards.WS14aLoaders()
	const ws = "/workspaces/:workspace"
	type res struct {
		path, tag, noun, nouns, by   string
		read, manage                 authz.Permission
		list, create, get, upd, dele echo.HandlerFunc
		param                        gm.Loader
		listed, response             any
		request, update              any
	}
	for _, r := range []res{
		{"/secrets", "Secrets", "a secret (its value is write-only)", "secrets", "name", authz.ReadSecrets, authz.ManageSecrets,
			h.APISecretList, h.APISecretCreate, h.APISecretGet, h.APISecretUpdate, h.APISecretDelete, load.Secret,
			handlers.APISecret{}, handlers.APISecret{}, handlers.APISecretInput{}, handlers.APISecretUpdate{}},
		{"/scripts", "Extension scripts", "an extension script", "extension scripts", "name", authz.ReadWorkspaceExtensionScripts, authz.ManageWorkspaceExtensionScripts,
			h.APIScriptList, h.APIScriptCreate, h.APIScriptGet, h.APIScriptUpdate, h.APIScriptDelete, load.Script,
			handlers.APIScriptSummary{}, handlers.APIScript{}, handlers.APIScriptInput{}, handlers.APIScriptUpdate{}},
		{"/webhooks", "Webhooks", "a webhook", "webhooks", "URL", authz.ReadWebhooks, authz.ManageWebhooks,
			h.APIWebhookList, h.APIWebhookCreate, h.APIWebhookGet, h.APIWebhookUpdate, h.APIWebhookDelete, load.Webhook,
			handlers.APIWebhook{}, handlers.APIWebhook{}, handlers.APIWebhookInput{}, handlers.APIWebhookUpdate{}},
	} {
		base, item := ws+r.path, ws+r.path+"/:"+r.param.Param
		a.needIn(get, base, r.list, r.read, d{Summary: "List the workspace's " + r.nouns + " by " + r.by, Tag: r.tag, Response: r.listed, List: true, Query: []string{"q"}})
		a.needIn(post, base, r.create, r.manage, d{Summary: "Create " + r.noun, Tag: r.tag, Request: r.request, Response: r.response, Status: 201})
		a.needIn(get, item, r.get, r.read, d{Summary: "Get " + r.noun, Tag: r.tag, Response: r.response}, r.param)
		a.needIn(patch, item, r.upd, r.manage, d{Summary: "Update " + r.noun + " (the fields sent; optimistic locking with version)", Tag: r.tag, Request: r.update, Response: r.response}, r.param)
		a.needIn(del, item, r.dele, r.manage, d{Summary: "Delete " + r.noun, Tag: r.tag, Status: 204}, r.param)
	}
	a.needIn(post, ws+"/scripts/:script/test", h.APIScriptTest, authz.ReadWorkspaceExtensionScripts, d{Summary: "Run a script (or code sent in its place) in the sandbox against an input; nothing is saved",
		Tag: "Extension scripts", Request: handlers.APIScriptTestInput{}, Response: handlers.APIScriptTestResult{}}, load.Script)
	a.needIn(get, ws+"/webhooks/:webhook/deliveries", h.APIWebhookDeliveries, authz.ReadWebhooks, d{Summary: "List a webhook's deliveries, newest first",
		Tag: "Webhooks", Response: handlers.APIWebhookDelivery{}, List: true}, load.Webhook)
	a.needIn(post, ws+"/webhooks/:webhook/test", h.APIWebhookSendTest, authz.ManageWebhooks, d{Summary: "Queue a signed webhook.test event to a webhook; the answer is its delivery",
		Tag: "Webhooks", Response: handlers.APIWebhookDelivery{}, Status: 202}, load.Webhook)
}
