package web

import (
	"net/http"

	"gatehouse/handlers"
	"gatehouse/models/authz"
	gm "gatehouse/web/middleware"

	"github.com/labstack/echo/v4"
)

// apiWorkspaceResourceRoutes are the management API's routes of a
// workspace's application resources (services with their scopes and APIs,
// clients, policies, authorizers, claims, custom apps) and the deletion
// of workspaces and organizations: each with the permission and the
// loaders of its console page (web/routes_wsres.go, web/routes.go).
func apiWorkspaceResourceRoutes(a apiTable, h *handlers.Handler, guards *gm.Guards) {
	const get, post, patch, del = http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete
	type d = handlers.APIDoc
	load := guards.WSResLoaders()
	const ws = "/workspaces/:workspace"
	type res struct {
		path, tag, noun, nouns       string
		read, manage                 authz.Permission
		list, create, get, upd, dele echo.HandlerFunc
		param                        gm.Loader
		response, request, update    any
	}
	for _, r := range []res{
		{"/services", "Services", "a service", "services", authz.ReadServicesInWorkspace, authz.ManageServicesInWorkspace,
			h.APIServiceList, h.APIServiceCreate, h.APIServiceGet, h.APIServiceUpdate, h.APIServiceDelete, load.Service,
			handlers.APIService{}, handlers.APIServiceInput{}, handlers.APIServiceUpdate{}},
		{"/clients", "Clients", "a client", "clients", authz.ReadClients, authz.ManageClients,
			h.APIClientList, h.APIClientCreate, h.APIClientGet, h.APIClientUpdate, h.APIClientDelete, load.Client,
			handlers.APIClient{}, handlers.APIClientInput{}, handlers.APIClientUpdate{}},
		{"/policies", "Policies", "a policy", "policies", authz.ReadWorkspacePolicies, authz.ManageWorkspacePolicies,
			h.APIPolicyList, h.APIPolicyCreate, h.APIPolicyGet, h.APIPolicyUpdate, h.APIPolicyDelete, load.Policy,
			handlers.APIPolicy{}, handlers.APIPolicyInput{}, handlers.APIPolicyUpdate{}},
		{"/authorizers", "Authorizers", "an authorizer", "authorizers", authz.ReadWorkspaceAuthorizers, authz.ManageWorkspaceAuthorizers,
			h.APIAuthorizerList, h.APIAuthorizerCreate, h.APIAuthorizerGet, h.APIAuthorizerUpdate, h.APIAuthorizerDelete, load.Authorizer,
			handlers.APIAuthorizer{}, handlers.APIAuthorizerInput{}, handlers.APIAuthorizerUpdate{}},
		{"/claims", "Claims", "a claim", "claims", authz.ReadWorkspaceClaims, authz.ManageWorkspaceClaims,
			h.APIClaimList, h.APIClaimCreate, h.APIClaimGet, h.APIClaimUpdate, h.APIClaimDelete, load.Claim,
			handlers.APIClaim{}, handlers.APIClaimInput{}, handlers.APIClaimUpdate{}},
		{"/custom-apps", "Custom apps", "a custom app", "custom apps", authz.ReadCustomApps, authz.ManageCustomApps,
			h.APICustomAppList, h.APICustomAppCreate, h.APICustomAppGet, h.APICustomAppUpdate, h.APICustomAppDelete, load.CustomApp,
			handlers.APICustomApp{}, handlers.APICustomAppInput{}, handlers.APICustomAppUpdate{}},
	} {
		base, item := ws+r.path, ws+r.path+"/:"+r.param.Param
		listed := r.response
		if r.path == "/services" {
			listed = handlers.APIServiceSummary{} // without its scopes and APIs
		}
		a.needIn(get, base, r.list, r.read, d{Summary: "List the workspace's " + r.nouns + " by name", Tag: r.tag, Response: listed, List: true, Query: []string{"q"}})
		a.needIn(post, base, r.create, r.manage, d{Summary: "Create " + r.noun, Tag: r.tag, Request: r.request, Response: r.response, Status: 201})
		a.needIn(get, item, r.get, r.read, d{Summary: "Get " + r.noun, Tag: r.tag, Response: r.response}, r.param)
		a.needIn(patch, item, r.upd, r.manage, d{Summary: "Update " + r.noun + " (the fields sent; optimistic locking with version)", Tag: r.tag, Request: r.update, Response: r.response}, r.param)
		a.needIn(del, item, r.dele, r.manage, d{Summary: "Delete " + r.noun, Tag: r.tag, Status: 204}, r.param)
	}
	svc := ws + "/services/:service"
	a.needIn(post, svc+"/scopes", h.APIServiceAddScope, authz.ManageServicesInWorkspace, d{Summary: "Add a scope to a service", Tag: "Services", Request: handlers.APIScopeInput{}, Response: handlers.APIScope{}, Status: 201}, load.Service)
	a.needIn(del, svc+"/scopes/:scope", h.APIServiceRemoveScope, authz.ManageServicesInWorkspace, d{Summary: "Remove a scope no API requires", Tag: "Services", Status: 204}, load.Service, load.Scope)
	a.needIn(post, svc+"/apis", h.APIServiceAddAPI, authz.ManageWorkspaceAPIs, d{Summary: "Add an API to a service", Tag: "Services", Request: handlers.APIServiceAPIInput{}, Response: handlers.APIServiceAPI{}, Status: 201}, load.Service)
	a.needIn(del, svc+"/apis/:api", h.APIServiceRemoveAPI, authz.ManageWorkspaceAPIs, d{Summary: "Remove an API of a service", Tag: "Services", Status: 204}, load.Service, load.API)
	a.needIn(post, svc+"/import", h.APIServiceImport, authz.ManageWorkspaceAPIs, d{Summary: "Import an OpenAPI 3 document into a service's APIs (in one transaction)", Tag: "Services", Request: handlers.APIImportInput{}, Response: handlers.APIImportResult{}}, load.Service)
	a.needIn(post, ws+"/clients/:client/rotate", h.APIClientRotate, authz.ManageClients, d{Summary: "Rotate a client's secret (the new one is in this answer only)", Tag: "Clients", Request: handlers.APIRotateInput{}, Response: handlers.APIClient{}}, load.Client)
	// Test changes nothing: reading the policy is enough, as on its page.
	a.needIn(post, ws+"/policies/:policy/test", h.APIPolicyTest, authz.ReadWorkspacePolicies, d{Summary: "Test a policy (or a definition) against an input; changes nothing", Tag: "Policies", Request: handlers.APIPolicyTestInput{}, Response: handlers.APIPolicyTestResult{}}, load.Policy)

	// Deleting a workspace or an organization: the console's rules (typed
	// confirmation, step-up, never the Admin workspace).
	a.needIn(del, ws, h.APIWorkspaceDelete, authz.DeleteWorkspace, d{Summary: "Delete a workspace with its resources (confirm with its slug; step-up)", Tag: "Workspaces", Request: handlers.APIDeleteInput{}, Response: handlers.APIDeleted{}})
	a.need(del, "/organizations/:org", h.APIOrgDelete, authz.ManageOrganizations, d{Summary: "Delete an organization with its members, invitations and connections (confirm with its name; step-up)", Tag: "Organizations", Request: handlers.APIDeleteInput{}, Response: handlers.APIDeleted{}}, guards.Loaders().Org)
}
