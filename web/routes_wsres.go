package web

import (
	"net/http"

	"gatehouse/handlers"
	"gatehouse/models/authz"
	gm "gatehouse/web/middleware"

	"github.com/labstack/echo/v4"
)

// workspaceResourceRoutes are the application resources inside a workspace
// (one is "/workspaces/:workspace"): each list, form and show page needs the
// resource's read permission, each change its manage permission, held in
// that workspace (needIn). Creating posts to /new or to the list.
func workspaceResourceRoutes(t tenantRoutes, h *handlers.Handler, one string) {
	load := t.guards.WSResLoaders()
	type res struct {
		path                       string
		read, manage               authz.Permission
		list, newForm, create      echo.HandlerFunc
		show, update, delForm, del echo.HandlerFunc
		param                      string
		loader                     gm.Loader
	}
	for _, r := range []res{
		{"/services", authz.ReadServicesInWorkspace, authz.ManageServicesInWorkspace, h.ServiceList, h.ServiceNewForm, h.ServiceCreate, h.ServiceShow, h.ServiceUpdate, h.ServiceDeleteForm, h.ServiceDelete, ":service", load.Service},
		{"/clients", authz.ReadClients, authz.ManageClients, h.ClientList, h.ClientNewForm, h.ClientCreate, h.ClientShow, h.ClientUpdate, h.ClientDeleteForm, h.ClientDelete, ":client", load.Client},
		{"/policies", authz.ReadWorkspacePolicies, authz.ManageWorkspacePolicies, h.PolicyList, h.PolicyNewForm, h.PolicyCreate, h.PolicyShow, h.PolicyUpdate, h.PolicyDeleteForm, h.PolicyDelete, ":policy", load.Policy},
		{"/authorizers", authz.ReadWorkspaceAuthorizers, authz.ManageWorkspaceAuthorizers, h.AuthorizerList, h.AuthorizerNewForm, h.AuthorizerCreate, h.AuthorizerShow, h.AuthorizerUpdate, h.AuthorizerDeleteForm, h.AuthorizerDelete, ":authorizer", load.Authorizer},
		{"/claims", authz.ReadWorkspaceClaims, authz.ManageWorkspaceClaims, h.ClaimList, h.ClaimNewForm, h.ClaimCreate, h.ClaimShow, h.ClaimUpdate, h.ClaimDeleteForm, h.ClaimDelete, ":claim", load.Claim},
		{"/custom-apps", authz.ReadCustomApps, authz.ManageCustomApps, h.CustomAppList, h.CustomAppNewForm, h.CustomAppCreate, h.CustomAppShow, h.CustomAppUpdate, h.CustomAppDeleteForm, h.CustomAppDelete, ":app", load.CustomApp},
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
	svc := one + "/services/:service"
	t.needIn(http.MethodPost, svc+"/scopes", h.ServiceAddScope, authz.ManageServicesInWorkspace, load.Service)
	t.needIn(http.MethodPost, svc+"/scopes/:scope/delete", h.ServiceRemoveScope, authz.ManageServicesInWorkspace, load.Service, load.Scope)
	t.needIn(http.MethodPost, svc+"/apis", h.ServiceAddAPI, authz.ManageWorkspaceAPIs, load.Service)
	t.needIn(http.MethodGet, svc+"/apis/:api", h.ServiceAPIShow, authz.ReadWorkspaceAPIs, load.Service, load.API)
	t.needIn(http.MethodPost, svc+"/apis/:api", h.ServiceAPIUpdate, authz.ManageWorkspaceAPIs, load.Service, load.API)
	t.needIn(http.MethodPost, svc+"/apis/:api/delete", h.ServiceRemoveAPI, authz.ManageWorkspaceAPIs, load.Service, load.API)
	t.needIn(http.MethodPost, svc+"/import", h.ServiceImport, authz.ManageWorkspaceAPIs, load.Service)
	t.needIn(http.MethodPost, one+"/clients/:client/rotate", h.ClientRotate, authz.ManageClients, load.Client)
	t.needIn(http.MethodPost, one+"/authorizers/:authorizer/rotate", h.AuthorizerRotate, authz.ManageWorkspaceAuthorizers, load.Authorizer)
	t.needIn(http.MethodPost, one+"/custom-apps/:app/rotate", h.CustomAppRotate, authz.ManageCustomApps, load.CustomApp)
	// Preview changes nothing: reading the claims is enough. Registered
	// before /claims/:claim would match "preview".
	t.needIn(http.MethodGet, one+"/claims/preview", h.ClaimPreview, authz.ReadWorkspaceClaims)
	t.needIn(http.MethodPost, one+"/claims/preview", h.ClaimPreview, authz.ReadWorkspaceClaims)
	// Test changes nothing: reading the policy is enough.
	t.needIn(http.MethodPost, one+"/policies/:policy/test", h.PolicyTest, authz.ReadWorkspacePolicies, load.Policy)
}
