package web

import (
	"net/http"

	"gatehouse/handlers"
	"gatehouse/models/authz"
	gm "gatehouse/web/middleware"

	"github.com/labstack/echo/v4"
)

// secretsScriptsWebhooksRoutes are a workspace's (one is
// "/workspaces/:workspace") secrets, extension scripts and webhooks, like
// the other workspace resources: lists, forms and pages need the read
// permission in the workspace, changes the manage one. Testing a script
// changes nothing (read); sending a webhook's test event sends traffic
// (manage).
func secretsScriptsWebhooksRoutes(t tenantRoutes, h *handlers.Handler, one string) {
	load := t.guards.WS14aLoaders()
	type res struct {
		path                       string
		read, manage               authz.Permission
		list, newForm, create      echo.HandlerFunc
		show, update, delForm, del echo.HandlerFunc
		param                      string
		loader                     gm.Loader
	}
	for _, r := range []res{
		{"/secrets", authz.ReadSecrets, authz.ManageSecrets, h.SecretList, h.SecretNewForm, h.SecretCreate, h.SecretShow, h.SecretUpdate, h.SecretDeleteForm, h.SecretDelete, ":secret", load.Secret},
		{"/scripts", authz.ReadWorkspaceExtensionScripts, authz.ManageWorkspaceExtensionScripts, h.ScriptList, h.ScriptNewForm, h.ScriptCreate, h.ScriptShow, h.ScriptUpdate, h.ScriptDeleteForm, h.ScriptDelete, ":script", load.Script},
		{"/webhooks", authz.ReadWebhooks, authz.ManageWebhooks, h.WebhookList, h.WebhookNewForm, h.WebhookCreate, h.WebhookShow, h.WebhookUpdate, h.WebhookDeleteForm, h.WebhookDelete, ":webhook", load.Webhook},
	} {
		base, item := one+r.path, one+r.path+"/"+r.param
		t.needIn(http.MethodGet, base, r.list, r.read)
		t.needIn(http.MethodGet, base+"/new", r.newForm, r.manage)
		t.needIn(http.MethodPost, base+"/new", r.create, r.manage)
		t.needIn(http.MethodPost, base, r.create, r.manage)
		t.needIn(http.MethodGet, item, r.show, r.read, r.loader)
		t.needIn(http.MethodPost, item, r.update, r.manage, r.loader)
		t.needIn(http.MethodGet, item+"/delete", r.delForm, r.manage, r.loader)
		t.needIn(http.MethodPost, item+"/delete", r.del, r.manage, r.loader)
	}
	t.needIn(http.MethodPost, one+"/scripts/:script/test", h.ScriptTest, authz.ReadWorkspaceExtensionScripts, load.Script)
	t.needIn(http.MethodPost, one+"/webhooks/:webhook/test", h.WebhookSendTest, authz.ManageWebhooks, load.Webhook)
}
