package handlers

import (
	"encoding/json"
	"net/http"
	"strings"

	"gatehouse/models"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// Management API: the application resources of a workspace (services with
// their scopes and APIs, clients, policies, authorizers, claims, custom
// apps) under /api/v1/workspaces/{workspace}/. The route loads the
// workspace and the resource (404 outside the token's tenant and
// workspaces); the handlers call the same models operations as the
// console's pages. Updates are PATCH: the fields sent replace the stored
// ones, the others stay, and version (required) is the one read: a stale
// one answers 409. Secrets are in the answer that makes them only.

// resourceList is the API's list parameters as a workspace resource list
// (keyset on the name).
func resourceList(c echo.Context) (models.ResourceList, error) {
	limit, cursor, err := apiListParams(c)
	if err != nil {
		return models.ResourceList{}, err
	}
	return models.ResourceList{Search: strings.TrimSpace(c.QueryParam("q")), After: cursor, Limit: limit}, nil
}

// apiListOf answers a page of a workspace resource list.
func apiListOf[M, T any](c echo.Context, list func(models.Viewer, int64, models.ResourceList) ([]M, string, error), conv func(M) T) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	lq, err := resourceList(c)
	if err != nil {
		return err
	}
	rows, next, err := list(*render.Viewer(c), w.ID, lq)
	if err != nil {
		return err
	}
	out := make([]T, 0, len(rows))
	for _, r := range rows {
		out = append(out, conv(r))
	}
	return c.JSON(http.StatusOK, page(out, next))
}

// or is *p when the request sent it, else the stored value.
func or[T any](p *T, stored T) T {
	if p != nil {
		return *p
	}
	return stored
}

// nonNil makes a nil list an empty one (JSON [] rather than null).
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// ---- Services, with their scopes and APIs ----

// APIServiceSummary is a service as lists show it.
type APIServiceSummary struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Audience    string `json:"audience"`
	Description string `json:"description"`
	Version     int64  `json:"version" doc:"send it back with an update: a stale one answers 409"`
	CreatedAt   string `json:"created_at"`
	UpdatedAt   string `json:"updated_at"`
}

// APIService is a service with its scopes and APIs.
type APIService struct {
	ID          int64           `json:"id"`
	Name        string          `json:"name"`
	Audience    string          `json:"audience"`
	Description string          `json:"description"`
	Scopes      []APIScope      `json:"scopes"`
	APIs        []APIServiceAPI `json:"apis"`
	Version     int64           `json:"version" doc:"send it back with an update: a stale one answers 409"`
	CreatedAt   string          `json:"created_at"`
	UpdatedAt   string          `json:"updated_at"`
}

// APIScope is a scope a service defines.
type APIScope struct {
	ID          int64  `json:"id"`
	Scope       string `json:"scope"`
	Description string `json:"description"`
	CreatedAt   string `json:"created_at"`
}

// APIServiceAPI is one operation of a service.
type APIServiceAPI struct {
	ID       int64    `json:"id"`
	Method   string   `json:"method"`
	Path     string   `json:"path"`
	Scopes   []string `json:"scopes"`
	PolicyID *int64   `json:"policy_id"`
	Summary  string   `json:"summary"`
}

// APIServiceInput creates a service.
type APIServiceInput struct {
	Name        string `json:"name"`
	Audience    string `json:"audience" doc:"an absolute URI, like https://api.example.com/"`
	Description string `json:"description,omitempty"`
}

// APIServiceUpdate changes a service: the fields sent.
type APIServiceUpdate struct {
	Version     int64   `json:"version"`
	Name        *string `json:"name,omitempty"`
	Audience    *string `json:"audience,omitempty"`
	Description *string `json:"description,omitempty"`
}

// APIScopeInput adds a scope to a service.
type APIScopeInput struct {
	Scope       string `json:"scope" doc:"like read:accounts"`
	Description string `json:"description,omitempty"`
}

// APIServiceAPIInput adds an API to a service.
type APIServiceAPIInput struct {
	Method   string   `json:"method"`
	Path     string   `json:"path" doc:"like /accounts/{id}"`
	Scopes   []string `json:"scopes,omitempty" doc:"scopes of the service the API requires"`
	PolicyID int64    `json:"policy_id,omitempty" doc:"a policy of the workspace that decides access"`
	Summary  string   `json:"summary,omitempty"`
}

// APIImportInput is an OpenAPI 3 document (JSON or YAML) to import.
type APIImportInput struct {
	OpenAPI string `json:"openapi" doc:"the document's text"`
}

// APIImportResult is what an import did.
type APIImportResult struct {
	Title         string `json:"title"`
	Created       int    `json:"created"`
	Updated       int    `json:"updated"`
	Unchanged     int    `json:"unchanged"`
	ScopesCreated int    `json:"scopes_created"`
}

func apiServiceSummary(sv models.Service) APIServiceSummary {
	return APIServiceSummary{ID: sv.ID, Name: sv.Name, Audience: sv.Audience, Description: sv.Description, Version: sv.Version,
		CreatedAt: tsv(sv.CreatedAt), UpdatedAt: tsv(sv.UpdatedAt)}
}

func apiScope(sc models.ServiceScope) APIScope {
	return APIScope{ID: sc.ID, Scope: sc.Scope, Description: sc.Description, CreatedAt: tsv(sc.CreatedAt)}
}

func apiServiceAPI(a models.ServiceAPI) APIServiceAPI {
	return APIServiceAPI{ID: a.ID, Method: a.Method, Path: a.Path, Scopes: nonNil(a.ScopeList()), PolicyID: a.PolicyID, Summary: a.Summary}
}

// serviceAnswer is a service with its scopes and APIs, as they are now.
func (h *Handler) serviceAnswer(c echo.Context, status int, sv models.Service) error {
	ctx, v := c.Request().Context(), render.Viewer(c)
	scopes, err := h.Models.ServiceScopes(ctx, v.Tenant.ID, sv.ID)
	if err != nil {
		return err
	}
	apis, err := h.Models.ServiceAPIs(ctx, v.Tenant.ID, sv.ID)
	if err != nil {
		return err
	}
	out := APIService{ID: sv.ID, Name: sv.Name, Audience: sv.Audience, Description: sv.Description, Version: sv.Version,
		CreatedAt: tsv(sv.CreatedAt), UpdatedAt: tsv(sv.UpdatedAt), Scopes: []APIScope{}, APIs: []APIServiceAPI{}}
	for _, sc := range scopes {
		out.Scopes = append(out.Scopes, apiScope(sc))
	}
	for _, a := range apis {
		out.APIs = append(out.APIs, apiServiceAPI(a))
	}
	return c.JSON(status, out)
}

// APIServiceList lists the workspace's services by name.
func (h *Handler) APIServiceList(c echo.Context) error {
	return apiListOf(c, func(v models.Viewer, ws int64, lq models.ResourceList) ([]models.Service, string, error) {
		return h.Models.ListServices(c.Request().Context(), v, ws, lq)
	}, apiServiceSummary)
}

// APIServiceCreate creates a service.
func (h *Handler) APIServiceCreate(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	var in APIServiceInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	sv, err := h.Models.CreateService(c.Request().Context(), *render.Viewer(c), w.ID, models.ServiceInput{Name: in.Name, Audience: in.Audience, Description: in.Description}, actor(c))
	if err != nil {
		return err
	}
	return h.serviceAnswer(c, http.StatusCreated, sv)
}

// APIServiceGet is a service with its scopes and APIs.
func (h *Handler) APIServiceGet(c echo.Context) error {
	return h.serviceAnswer(c, http.StatusOK, render.Service(c))
}

// APIServiceUpdate changes a service.
func (h *Handler) APIServiceUpdate(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	cur := render.Service(c)
	var in APIServiceUpdate
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	sv, err := h.Models.UpdateService(c.Request().Context(), *render.Viewer(c), w.ID, cur.ID, models.ServiceInput{Version: in.Version,
		Name: or(in.Name, cur.Name), Audience: or(in.Audience, cur.Audience), Description: or(in.Description, cur.Description)}, actor(c))
	if err != nil {
		return err
	}
	return h.serviceAnswer(c, http.StatusOK, sv)
}

// APIServiceDelete deletes a service with its scopes and APIs.
func (h *Handler) APIServiceDelete(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	if err := h.Models.DeleteService(c.Request().Context(), *render.Viewer(c), w.ID, render.Service(c).ID, actor(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// APIServiceAddScope adds a scope to a service.
func (h *Handler) APIServiceAddScope(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	var in APIScopeInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	sc, err := h.Models.AddServiceScope(c.Request().Context(), *render.Viewer(c), w.ID, render.Service(c).ID, models.ScopeInput{Scope: in.Scope, Description: in.Description}, actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, apiScope(sc))
}

// APIServiceRemoveScope removes a scope no API requires.
func (h *Handler) APIServiceRemoveScope(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	if err := h.Models.RemoveServiceScope(c.Request().Context(), *render.Viewer(c), w.ID, render.Service(c).ID, render.ParamID(c, "scope"), actor(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// APIServiceAddAPI adds an API to a service.
func (h *Handler) APIServiceAddAPI(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	var in APIServiceAPIInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	a, err := h.Models.AddServiceAPI(c.Request().Context(), *render.Viewer(c), w.ID, render.Service(c).ID, models.APIInput{Method: in.Method, Path: in.Path,
		Scopes: in.Scopes, PolicyID: in.PolicyID, Summary: in.Summary}, actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, apiServiceAPI(a))
}

// APIServiceRemoveAPI removes an API of a service.
func (h *Handler) APIServiceRemoveAPI(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	if err := h.Models.RemoveServiceAPI(c.Request().Context(), *render.Viewer(c), w.ID, render.Service(c).ID, render.API(c).ID, actor(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// APIServiceImport imports an OpenAPI document into a service's APIs.
func (h *Handler) APIServiceImport(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	var in APIImportInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	res, err := h.Models.ImportServiceAPIs(c.Request().Context(), *render.Viewer(c), w.ID, render.Service(c).ID, in.OpenAPI, actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, APIImportResult{Title: res.Title, Created: res.Created, Updated: res.Updated, Unchanged: res.Unchanged, ScopesCreated: res.ScopesCreated})
}

// ---- Clients ----

// APIClient is a client. ClientSecret is in the answer that makes one
// only (create, an update that starts using a secret, rotate).
type APIClient struct {
	ID                      int64    `json:"id"`
	Name                    string   `json:"name"`
	Type                    string   `json:"type"`
	ClientID                string   `json:"client_id"`
	RedirectURIs            []string `json:"redirect_uris"`
	GrantTypes              []string `json:"grant_types"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	Scopes                  []string `json:"scopes"`
	SecretCreatedAt         *string  `json:"secret_created_at"`
	PreviousSecretExpiresAt *string  `json:"previous_secret_expires_at" doc:"after a rotation, when the previous secret stops working"`
	ClientSecret            string   `json:"client_secret,omitempty" doc:"shown once: in the answer that made it, never again (an Idempotency-Key replay answers without it)"`
	Version                 int64    `json:"version" doc:"send it back with an update: a stale one answers 409"`
	CreatedAt               string   `json:"created_at"`
	UpdatedAt               string   `json:"updated_at"`
}

// APIClientInput creates a client.
type APIClientInput struct {
	Name                    string   `json:"name"`
	Type                    string   `json:"type" doc:"web, spa, native or service; fixed once created"`
	RedirectURIs            []string `json:"redirect_uris,omitempty"`
	GrantTypes              []string `json:"grant_types"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	Scopes                  []string `json:"scopes,omitempty"`
}

// APIClientUpdate changes a client: the fields sent (its type stays).
type APIClientUpdate struct {
	Version                 int64     `json:"version"`
	Name                    *string   `json:"name,omitempty"`
	RedirectURIs            *[]string `json:"redirect_uris,omitempty"`
	GrantTypes              *[]string `json:"grant_types,omitempty"`
	TokenEndpointAuthMethod *string   `json:"token_endpoint_auth_method,omitempty"`
	Scopes                  *[]string `json:"scopes,omitempty"`
}

// APIRotateInput rotates a client's secret.
type APIRotateInput struct {
	GraceHours *int `json:"grace_hours,omitempty" doc:"0 to 168 (default 24): how long the previous secret keeps working"`
}

func apiClient(cl models.Client, secret string) APIClient {
	out := APIClient{ID: cl.ID, Name: cl.Name, Type: cl.Type, ClientID: cl.ClientID, RedirectURIs: nonNil(cl.RedirectURIList()),
		GrantTypes: nonNil(cl.GrantTypeList()), TokenEndpointAuthMethod: cl.TokenEndpointAuthMethod, Scopes: nonNil(cl.ScopeList()),
		SecretCreatedAt: ts(cl.SecretCreatedAt), ClientSecret: secret, Version: cl.Version, CreatedAt: tsv(cl.CreatedAt), UpdatedAt: tsv(cl.UpdatedAt)}
	if cl.PrevSecretExpiresAt != nil {
		out.PreviousSecretExpiresAt = ts(cl.PrevSecretExpiresAt)
	}
	return out
}

// secretAnswer answers a resource with the secret it shows once (body;
// without, the same without it): never cached, and an Idempotency-Key
// replay gets it without the secret, which is kept nowhere.
func secretAnswer(c echo.Context, status int, body, without any, secret string) error {
	if secret != "" {
		c.Response().Header().Set("Cache-Control", "no-store")
		b, err := json.Marshal(without)
		if err != nil {
			return err
		}
		render.SetReplayBody(c, b)
	}
	return c.JSON(status, body)
}

// APIClientList lists the workspace's clients by name.
func (h *Handler) APIClientList(c echo.Context) error {
	return apiListOf(c, func(v models.Viewer, ws int64, lq models.ResourceList) ([]models.Client, string, error) {
		return h.Models.ListClients(c.Request().Context(), v, ws, lq)
	}, func(cl models.Client) APIClient { return apiClient(cl, "") })
}

// APIClientCreate creates a client (with its secret, shown once).
func (h *Handler) APIClientCreate(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	var in APIClientInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	cl, secret, err := h.Models.CreateClient(c.Request().Context(), *render.Viewer(c), w.ID, models.ClientInput{Name: in.Name, Type: in.Type,
		RedirectURIs: strings.Join(in.RedirectURIs, "\n"), GrantTypes: in.GrantTypes, TokenEndpointAuthMethod: in.TokenEndpointAuthMethod, Scopes: in.Scopes}, actor(c))
	if err != nil {
		return err
	}
	return secretAnswer(c, http.StatusCreated, apiClient(cl, secret), apiClient(cl, ""), secret)
}

// APIClientGet is a client (never its secret).
func (h *Handler) APIClientGet(c echo.Context) error {
	return c.JSON(http.StatusOK, apiClient(render.Client(c), ""))
}

// APIClientUpdate changes a client.
func (h *Handler) APIClientUpdate(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	cur := render.Client(c)
	var in APIClientUpdate
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	cl, secret, err := h.Models.UpdateClient(c.Request().Context(), *render.Viewer(c), w.ID, cur.ID, models.ClientInput{Version: in.Version,
		Name: or(in.Name, cur.Name), RedirectURIs: strings.Join(or(in.RedirectURIs, cur.RedirectURIList()), "\n"),
		GrantTypes: or(in.GrantTypes, cur.GrantTypeList()), TokenEndpointAuthMethod: or(in.TokenEndpointAuthMethod, cur.TokenEndpointAuthMethod),
		Scopes: or(in.Scopes, cur.ScopeList())}, actor(c))
	if err != nil {
		return err
	}
	return secretAnswer(c, http.StatusOK, apiClient(cl, secret), apiClient(cl, ""), secret)
}

// APIClientRotate gives a client a new secret, in this answer only.
func (h *Handler) APIClientRotate(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	var in APIRotateInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	cl, secret, err := h.Models.RotateClientSecret(c.Request().Context(), *render.Viewer(c), w.ID, render.Client(c).ID, or(in.GraceHours, 24), actor(c))
	if err != nil {
		return err
	}
	return secretAnswer(c, http.StatusOK, apiClient(cl, secret), apiClient(cl, ""), secret)
}

// APIClientDelete deletes a client.
func (h *Handler) APIClientDelete(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	if err := h.Models.DeleteClient(c.Request().Context(), *render.Viewer(c), w.ID, render.Client(c).ID, actor(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// ---- Policies ----

// APIPolicy is a policy.
type APIPolicy struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Definition  string `json:"definition" doc:"a CEL expression"`
	Version     int64  `json:"version" doc:"send it back with an update: a stale one answers 409"`
	CreatedAt   string `json:"created_at"`
	UpdatedAt   string `json:"updated_at"`
}

// APIPolicyInput creates a policy.
type APIPolicyInput struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Definition  string `json:"definition"`
}

// APIPolicyUpdate changes a policy: the fields sent.
type APIPolicyUpdate struct {
	Version     int64   `json:"version"`
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
	Definition  *string `json:"definition,omitempty"`
}

// APIPolicyTestInput tests a policy against an input.
type APIPolicyTestInput struct {
	Input      json.RawMessage `json:"input" doc:"the request, user, client and scopes the definition reads"`
	Definition *string         `json:"definition,omitempty" doc:"a definition to test instead of the saved one"`
}

// APIPolicyTestResult is a test's outcome: allowed when error is empty.
type APIPolicyTestResult struct {
	Allowed bool   `json:"allowed"`
	Error   string `json:"error,omitempty"`
}

func apiPolicy(p models.Policy) APIPolicy {
	return APIPolicy{ID: p.ID, Name: p.Name, Description: p.Description, Definition: p.Definition, Version: p.Version,
		CreatedAt: tsv(p.CreatedAt), UpdatedAt: tsv(p.UpdatedAt)}
}

// APIPolicyList lists the workspace's policies by name.
func (h *Handler) APIPolicyList(c echo.Context) error {
	return apiListOf(c, func(v models.Viewer, ws int64, lq models.ResourceList) ([]models.Policy, string, error) {
		return h.Models.ListPolicies(c.Request().Context(), v, ws, lq)
	}, apiPolicy)
}

// APIPolicyCreate creates a policy.
func (h *Handler) APIPolicyCreate(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	var in APIPolicyInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	p, err := h.Models.CreatePolicy(c.Request().Context(), *render.Viewer(c), w.ID, models.PolicyInput{Name: in.Name, Description: in.Description, Definition: in.Definition}, actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, apiPolicy(p))
}

// APIPolicyGet is a policy.
func (h *Handler) APIPolicyGet(c echo.Context) error {
	return c.JSON(http.StatusOK, apiPolicy(render.Policy(c)))
}

// APIPolicyUpdate changes a policy.
func (h *Handler) APIPolicyUpdate(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	cur := render.Policy(c)
	var in APIPolicyUpdate
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	p, err := h.Models.UpdatePolicy(c.Request().Context(), *render.Viewer(c), w.ID, cur.ID, models.PolicyInput{Version: in.Version,
		Name: or(in.Name, cur.Name), Description: or(in.Description, cur.Description), Definition: or(in.Definition, cur.Definition)}, actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiPolicy(p))
}

// APIPolicyDelete deletes a policy.
func (h *Handler) APIPolicyDelete(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	if err := h.Models.DeletePolicy(c.Request().Context(), *render.Viewer(c), w.ID, render.Policy(c).ID, actor(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// APIPolicyTest evaluates the policy (or the definition sent) against an
// input; it changes nothing.
func (h *Handler) APIPolicyTest(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	var in APIPolicyTestInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	res, err := h.Models.TestPolicy(c.Request().Context(), *render.Viewer(c), w.ID, or(in.Definition, render.Policy(c).Definition), string(in.Input))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, APIPolicyTestResult{Allowed: res.Allowed, Error: res.Error})
}

// ---- Authorizers ----

// APIAuthorizer is an authorizer. Secret is in the answer of create only.
type APIAuthorizer struct {
	ID           int64   `json:"id"`
	Name         string  `json:"name"`
	Type         string  `json:"type"`
	Services     []int64 `json:"services" doc:"ids of the services it protects"`
	CredentialID string  `json:"credential_id"`
	Secret       string  `json:"secret,omitempty" doc:"shown once: in the answer that made it, never again (an Idempotency-Key replay answers without it)"`
	Version      int64   `json:"version" doc:"send it back with an update: a stale one answers 409"`
	CreatedAt    string  `json:"created_at"`
	UpdatedAt    string  `json:"updated_at"`
}

// APIAuthorizerInput creates an authorizer.
type APIAuthorizerInput struct {
	Name     string  `json:"name"`
	Type     string  `json:"type" doc:"standalone, istio, kong or aws_api_gateway"`
	Services []int64 `json:"services,omitempty" doc:"ids of this workspace's services"`
}

// APIAuthorizerUpdate changes an authorizer: the fields sent.
type APIAuthorizerUpdate struct {
	Version  int64    `json:"version"`
	Name     *string  `json:"name,omitempty"`
	Type     *string  `json:"type,omitempty"`
	Services *[]int64 `json:"services,omitempty"`
}

func apiAuthorizer(a models.Authorizer, secret string) APIAuthorizer {
	return APIAuthorizer{ID: a.ID, Name: a.Name, Type: a.Type, Services: nonNil(a.ServiceIDList()), CredentialID: a.CredentialID, Secret: secret,
		Version: a.Version, CreatedAt: tsv(a.CreatedAt), UpdatedAt: tsv(a.UpdatedAt)}
}

// APIAuthorizerList lists the workspace's authorizers by name.
func (h *Handler) APIAuthorizerList(c echo.Context) error {
	return apiListOf(c, func(v models.Viewer, ws int64, lq models.ResourceList) ([]models.Authorizer, string, error) {
		return h.Models.ListAuthorizers(c.Request().Context(), v, ws, lq)
	}, func(a models.Authorizer) APIAuthorizer { return apiAuthorizer(a, "") })
}

// APIAuthorizerCreate creates an authorizer (with its secret, shown once).
func (h *Handler) APIAuthorizerCreate(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	var in APIAuthorizerInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	a, secret, err := h.Models.CreateAuthorizer(c.Request().Context(), *render.Viewer(c), w.ID, models.AuthorizerInput{Name: in.Name, Type: in.Type, ServiceIDs: in.Services}, actor(c))
	if err != nil {
		return err
	}
	return secretAnswer(c, http.StatusCreated, apiAuthorizer(a, secret), apiAuthorizer(a, ""), secret)
}

// APIAuthorizerGet is an authorizer (never its secret).
func (h *Handler) APIAuthorizerGet(c echo.Context) error {
	return c.JSON(http.StatusOK, apiAuthorizer(render.Authorizer(c), ""))
}

// APIAuthorizerUpdate changes an authorizer.
func (h *Handler) APIAuthorizerUpdate(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	cur := render.Authorizer(c)
	var in APIAuthorizerUpdate
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	a, err := h.Models.UpdateAuthorizer(c.Request().Context(), *render.Viewer(c), w.ID, cur.ID, models.AuthorizerInput{Version: in.Version,
		Name: or(in.Name, cur.Name), Type: or(in.Type, cur.Type), ServiceIDs: or(in.Services, cur.ServiceIDList())}, actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiAuthorizer(a, ""))
}

// APIAuthorizerDelete deletes an authorizer.
func (h *Handler) APIAuthorizerDelete(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	if err := h.Models.DeleteAuthorizer(c.Request().Context(), *render.Viewer(c), w.ID, render.Authorizer(c).ID, actor(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// ---- Claims ----

// APIClaim is a claim.
type APIClaim struct {
	ID         int64    `json:"id"`
	Name       string   `json:"name"`
	SourceType string   `json:"source_type"`
	Source     string   `json:"source"`
	Token      string   `json:"token"`
	Scopes     []string `json:"scopes"`
	Version    int64    `json:"version" doc:"send it back with an update: a stale one answers 409"`
	CreatedAt  string   `json:"created_at"`
	UpdatedAt  string   `json:"updated_at"`
}

// APIClaimInput creates a claim.
type APIClaimInput struct {
	Name       string   `json:"name"`
	SourceType string   `json:"source_type" doc:"user_attribute, metadata or static"`
	Source     string   `json:"source"`
	Token      string   `json:"token" doc:"access or id"`
	Scopes     []string `json:"scopes,omitempty"`
}

// APIClaimUpdate changes a claim: the fields sent.
type APIClaimUpdate struct {
	Version    int64     `json:"version"`
	Name       *string   `json:"name,omitempty"`
	SourceType *string   `json:"source_type,omitempty"`
	Source     *string   `json:"source,omitempty"`
	Token      *string   `json:"token,omitempty"`
	Scopes     *[]string `json:"scopes,omitempty"`
}

func apiClaim(cl models.Claim) APIClaim {
	return APIClaim{ID: cl.ID, Name: cl.Name, SourceType: cl.SourceType, Source: cl.Source, Token: cl.Token, Scopes: nonNil(cl.ScopeList()),
		Version: cl.Version, CreatedAt: tsv(cl.CreatedAt), UpdatedAt: tsv(cl.UpdatedAt)}
}

// APIClaimList lists the workspace's claims by name.
func (h *Handler) APIClaimList(c echo.Context) error {
	return apiListOf(c, func(v models.Viewer, ws int64, lq models.ResourceList) ([]models.Claim, string, error) {
		return h.Models.ListClaims(c.Request().Context(), v, ws, lq)
	}, apiClaim)
}

// APIClaimCreate creates a claim.
func (h *Handler) APIClaimCreate(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	var in APIClaimInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	cl, err := h.Models.CreateClaim(c.Request().Context(), *render.Viewer(c), w.ID, models.ClaimInput{Name: in.Name, SourceType: in.SourceType,
		Source: in.Source, Token: in.Token, Scopes: in.Scopes}, actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, apiClaim(cl))
}

// APIClaimGet is a claim.
func (h *Handler) APIClaimGet(c echo.Context) error {
	return c.JSON(http.StatusOK, apiClaim(render.Claim(c)))
}

// APIClaimUpdate changes a claim.
func (h *Handler) APIClaimUpdate(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	cur := render.Claim(c)
	var in APIClaimUpdate
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	cl, err := h.Models.UpdateClaim(c.Request().Context(), *render.Viewer(c), w.ID, cur.ID, models.ClaimInput{Version: in.Version,
		Name: or(in.Name, cur.Name), SourceType: or(in.SourceType, cur.SourceType), Source: or(in.Source, cur.Source),
		Token: or(in.Token, cur.Token), Scopes: or(in.Scopes, cur.ScopeList())}, actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiClaim(cl))
}

// APIClaimDelete deletes a claim.
func (h *Handler) APIClaimDelete(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	if err := h.Models.DeleteClaim(c.Request().Context(), *render.Viewer(c), w.ID, render.Claim(c).ID, actor(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// ---- Custom apps ----

// APICustomApp is a custom app. Secret is in the answer of create only.
type APICustomApp struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Type      string `json:"type"`
	URL       string `json:"url"`
	AppID     string `json:"app_id"`
	Secret    string `json:"secret,omitempty" doc:"shown once: in the answer that made it, never again (an Idempotency-Key replay answers without it)"`
	Version   int64  `json:"version" doc:"send it back with an update: a stale one answers 409"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

// APICustomAppInput creates a custom app.
type APICustomAppInput struct {
	Name string `json:"name"`
	Type string `json:"type" doc:"login, consent or post_authentication"`
	URL  string `json:"url" doc:"an absolute https URL"`
}

// APICustomAppUpdate changes a custom app: the fields sent.
type APICustomAppUpdate struct {
	Version int64   `json:"version"`
	Name    *string `json:"name,omitempty"`
	Type    *string `json:"type,omitempty"`
	URL     *string `json:"url,omitempty"`
}

func apiCustomApp(a models.CustomApp, secret string) APICustomApp {
	return APICustomApp{ID: a.ID, Name: a.Name, Type: a.Type, URL: a.URL, AppID: a.AppID, Secret: secret, Version: a.Version,
		CreatedAt: tsv(a.CreatedAt), UpdatedAt: tsv(a.UpdatedAt)}
}

// APICustomAppList lists the workspace's custom apps by name.
func (h *Handler) APICustomAppList(c echo.Context) error {
	return apiListOf(c, func(v models.Viewer, ws int64, lq models.ResourceList) ([]models.CustomApp, string, error) {
		return h.Models.ListCustomApps(c.Request().Context(), v, ws, lq)
	}, func(a models.CustomApp) APICustomApp { return apiCustomApp(a, "") })
}

// APICustomAppCreate creates a custom app (with its secret, shown once).
func (h *Handler) APICustomAppCreate(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	var in APICustomAppInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	a, secret, err := h.Models.CreateCustomApp(c.Request().Context(), *render.Viewer(c), w.ID, models.CustomAppInput{Name: in.Name, Type: in.Type, URL: in.URL}, actor(c))
	if err != nil {
		return err
	}
	return secretAnswer(c, http.StatusCreated, apiCustomApp(a, secret), apiCustomApp(a, ""), secret)
}

// APICustomAppGet is a custom app (never its secret).
func (h *Handler) APICustomAppGet(c echo.Context) error {
	return c.JSON(http.StatusOK, apiCustomApp(render.CustomApp(c), ""))
}

// APICustomAppUpdate changes a custom app.
func (h *Handler) APICustomAppUpdate(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	cur := render.CustomApp(c)
	var in APICustomAppUpdate
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	a, err := h.Models.UpdateCustomApp(c.Request().Context(), *render.Viewer(c), w.ID, cur.ID, models.CustomAppInput{Version: in.Version,
		Name: or(in.Name, cur.Name), Type: or(in.Type, cur.Type), URL: or(in.URL, cur.URL)}, actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiCustomApp(a, ""))
}

// APICustomAppDelete deletes a custom app.
func (h *Handler) APICustomAppDelete(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	if err := h.Models.DeleteCustomApp(c.Request().Context(), *render.Viewer(c), w.ID, render.CustomApp(c).ID, actor(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
