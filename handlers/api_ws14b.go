package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"gatehouse/models"
	"gatehouse/models/fga"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// Management API: a workspace's identity providers
// (/api/v1/workspaces/{workspace}/idps), the tenant's themes (/api/v1/themes)
// with each workspace's theme binding (/api/v1/workspaces/{workspace}/theme),
// and the tenant's permission systems (/api/v1/permission-systems) with
// their tuples and Check. The routes load the objects as the console's
// pages do (404 outside the token's tenant or the path's workspace); the
// handlers call the same models operations as the pages. Updates are
// PATCH with version (a stale one answers 409). An IDP's client secret is
// write-only: no answer ever holds it.

// apiTenantListOf answers a page of a tenant-wide list by name.
func apiTenantListOf[M, T any](c echo.Context, list func(models.Viewer, models.ResourceList) ([]M, string, error), conv func([]M) ([]T, error)) error {
	lq, err := resourceList(c)
	if err != nil {
		return err
	}
	rows, next, err := list(*render.Viewer(c), lq)
	if err != nil {
		return err
	}
	out, err := conv(rows)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page(out, next))
}

// ---- Identity providers ----

// APIIDP is an identity provider of a workspace (never its client secret).
type APIIDP struct {
	ID              int64   `json:"id"`
	Name            string  `json:"name"`
	Method          string  `json:"method" doc:"identity_pool, oidc, saml, google, github or microsoft"`
	PoolID          *int64  `json:"pool_id" doc:"identity_pool: the pool whose users sign in"`
	IssuerURL       string  `json:"issuer_url"`
	ClientID        string  `json:"client_id"`
	ClientSecretSet bool    `json:"client_secret_set" doc:"a client secret is stored (encrypted); it is write-only and never returned"`
	MetadataXML     string  `json:"metadata_xml" doc:"saml: the metadata as saved"`
	EntityID        string  `json:"entity_id" doc:"saml: read from the metadata"`
	SSOURL          string  `json:"sso_url" doc:"saml: read from the metadata"`
	CertExpiresAt   *string `json:"cert_expires_at" doc:"saml: when the signing certificate expires"`
	Enabled         bool    `json:"enabled"`
	BuiltIn         bool    `json:"built_in" doc:"the Admin workspace's Built in Admin IDP: neither deleted nor renamed nor turned off"`
	Version         int64   `json:"version" doc:"send it back with an update: a stale one answers 409"`
	CreatedAt       string  `json:"created_at"`
	UpdatedAt       string  `json:"updated_at"`
}

// APIIDPInput creates an identity provider: the fields of its method (the
// others are ignored).
type APIIDPInput struct {
	Name         string `json:"name"`
	Method       string `json:"method" doc:"identity_pool, oidc, saml, google, github or microsoft"`
	Pool         string `json:"pool,omitempty" doc:"identity_pool: the slug (or id) of an end-user pool"`
	IssuerURL    string `json:"issuer_url,omitempty" doc:"oidc and social: the provider's https address (google, github and microsoft have a default)"`
	ClientID     string `json:"client_id,omitempty" doc:"oidc and social"`
	ClientSecret string `json:"client_secret,omitempty" doc:"oidc and social; write-only: stored encrypted, never returned"`
	MetadataXML  string `json:"metadata_xml,omitempty" doc:"saml: the identity provider's metadata, as XML text (no DOCTYPE; nothing it names is fetched)"`
	Enabled      *bool  `json:"enabled,omitempty" doc:"default true"`
}

// APIIDPUpdate changes an identity provider: the fields sent (a client
// secret not sent keeps the stored one).
type APIIDPUpdate struct {
	Version      int64   `json:"version"`
	Name         *string `json:"name,omitempty"`
	Method       *string `json:"method,omitempty"`
	Pool         *string `json:"pool,omitempty" doc:"the slug (or id) of an end-user pool"`
	IssuerURL    *string `json:"issuer_url,omitempty"`
	ClientID     *string `json:"client_id,omitempty"`
	ClientSecret *string `json:"client_secret,omitempty" doc:"a new secret; write-only. Not sent or empty: the stored one is kept"`
	MetadataXML  *string `json:"metadata_xml,omitempty"`
	Enabled      *bool   `json:"enabled,omitempty"`
}

func apiIDP(p models.IDP) APIIDP {
	return APIIDP{ID: p.ID, Name: p.Name, Method: p.Method, PoolID: p.PoolID, IssuerURL: p.IssuerURL, ClientID: p.ClientID,
		ClientSecretSet: p.HasSecret(), MetadataXML: p.MetadataXML, EntityID: p.EntityID, SSOURL: p.SSOURL, CertExpiresAt: ts(p.CertExpiresAt),
		Enabled: p.Enabled, BuiltIn: p.BuiltIn, Version: p.Version, CreatedAt: tsv(p.CreatedAt), UpdatedAt: tsv(p.UpdatedAt)}
}

// APIIDPList lists the workspace's identity providers by name.
func (h *Handler) APIIDPList(c echo.Context) error {
	return apiListOf(c, func(v models.Viewer, ws int64, lq models.ResourceList) ([]models.IDP, string, error) {
		return h.Models.ListIDPs(c.Request().Context(), v, ws, lq)
	}, apiIDP)
}

// APIIDPCreate creates an identity provider.
func (h *Handler) APIIDPCreate(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	var in APIIDPInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	p, err := h.Models.CreateIDP(c.Request().Context(), *render.Viewer(c), w.ID, models.IDPInput{Name: in.Name, Method: in.Method, Pool: in.Pool,
		IssuerURL: in.IssuerURL, ClientID: in.ClientID, ClientSecret: in.ClientSecret, MetadataXML: in.MetadataXML, Enabled: or(in.Enabled, true)}, actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, apiIDP(p))
}

// APIIDPGet is an identity provider.
func (h *Handler) APIIDPGet(c echo.Context) error {
	return c.JSON(http.StatusOK, apiIDP(render.IDP(c)))
}

// APIIDPUpdate changes an identity provider.
func (h *Handler) APIIDPUpdate(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	cur := render.IDP(c)
	var in APIIDPUpdate
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	pool := ""
	if cur.PoolID != nil {
		pool = strconv.FormatInt(*cur.PoolID, 10)
	}
	p, err := h.Models.UpdateIDP(c.Request().Context(), *render.Viewer(c), w.ID, cur.ID, models.IDPInput{Version: in.Version,
		Name: or(in.Name, cur.Name), Method: or(in.Method, cur.Method), Pool: or(in.Pool, pool), IssuerURL: or(in.IssuerURL, cur.IssuerURL),
		ClientID: or(in.ClientID, cur.ClientID), ClientSecret: or(in.ClientSecret, ""), MetadataXML: or(in.MetadataXML, cur.MetadataXML),
		Enabled: or(in.Enabled, cur.Enabled)}, actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiIDP(p))
}

// APIIDPDelete deletes an identity provider; the Built in Admin IDP is
// refused (409), as on its page.
func (h *Handler) APIIDPDelete(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	err = h.Models.DeleteIDP(c.Request().Context(), *render.Viewer(c), w.ID, render.IDP(c).ID, actor(c))
	if errors.Is(err, models.ErrBuiltInIDP) {
		return &apiErr{status: http.StatusConflict, code: "conflict",
			message: "The Built in Admin IDP cannot be deleted: the tenant's administrators sign in through it."}
	}
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// ---- Themes and the workspace's theme ----

// APITheme is a theme of the tenant.
type APITheme struct {
	ID              int64  `json:"id"`
	Name            string `json:"name"`
	LogoURL         string `json:"logo_url"`
	PrimaryColor    string `json:"primary_color"`
	BackgroundColor string `json:"background_color"`
	Font            string `json:"font"`
	Version         int64  `json:"version" doc:"send it back with an update: a stale one answers 409"`
	CreatedAt       string `json:"created_at"`
	UpdatedAt       string `json:"updated_at"`
}

// APIThemeInput creates a theme.
type APIThemeInput struct {
	Name            string `json:"name"`
	LogoURL         string `json:"logo_url,omitempty" doc:"an https address of the logo image"`
	PrimaryColor    string `json:"primary_color" doc:"# and six hexadecimal digits, like #2451c6"`
	BackgroundColor string `json:"background_color" doc:"# and six hexadecimal digits, like #f4f6f9"`
	Font            string `json:"font" doc:"System, Inter, Roboto, Open Sans, Helvetica, Arial, Verdana, Georgia, Times New Roman or Courier New"`
}

// APIThemeUpdate changes a theme: the fields sent.
type APIThemeUpdate struct {
	Version         int64   `json:"version"`
	Name            *string `json:"name,omitempty"`
	LogoURL         *string `json:"logo_url,omitempty" doc:"empty: no logo"`
	PrimaryColor    *string `json:"primary_color,omitempty"`
	BackgroundColor *string `json:"background_color,omitempty"`
	Font            *string `json:"font,omitempty"`
}

// APIThemeRef names a theme.
type APIThemeRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// APIWorkspaceTheme is a workspace's theme binding.
type APIWorkspaceTheme struct {
	Theme *APIThemeRef `json:"theme" doc:"the theme of the workspace's sign-in page; null: the default look"`
}

// APIWorkspaceThemeInput sets a workspace's theme.
type APIWorkspaceThemeInput struct {
	Theme *string `json:"theme" doc:"a theme's id or name; null or empty: the default look"`
}

func apiTheme(t models.Theme) APITheme {
	return APITheme{ID: t.ID, Name: t.Name, LogoURL: t.LogoURL, PrimaryColor: t.PrimaryColor, BackgroundColor: t.BackgroundColor,
		Font: t.Font, Version: t.Version, CreatedAt: tsv(t.CreatedAt), UpdatedAt: tsv(t.UpdatedAt)}
}

// APIThemeList lists the tenant's themes by name.
func (h *Handler) APIThemeList(c echo.Context) error {
	return apiTenantListOf(c, func(v models.Viewer, lq models.ResourceList) ([]models.Theme, string, error) {
		return h.Models.ListThemes(c.Request().Context(), v, lq)
	}, func(rows []models.Theme) ([]APITheme, error) {
		out := make([]APITheme, 0, len(rows))
		for _, t := range rows {
			out = append(out, apiTheme(t))
		}
		return out, nil
	})
}

// APIThemeCreate creates a theme.
func (h *Handler) APIThemeCreate(c echo.Context) error {
	var in APIThemeInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	t, err := h.Models.CreateTheme(c.Request().Context(), *render.Viewer(c), models.ThemeInput{Name: in.Name, LogoURL: in.LogoURL,
		PrimaryColor: in.PrimaryColor, BackgroundColor: in.BackgroundColor, Font: in.Font}, actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, apiTheme(t))
}

// APIThemeGet is a theme.
func (h *Handler) APIThemeGet(c echo.Context) error {
	return c.JSON(http.StatusOK, apiTheme(render.Theme(c)))
}

// APIThemeUpdate changes a theme.
func (h *Handler) APIThemeUpdate(c echo.Context) error {
	cur := render.Theme(c)
	var in APIThemeUpdate
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	t, err := h.Models.UpdateTheme(c.Request().Context(), *render.Viewer(c), cur.ID, models.ThemeInput{Version: in.Version,
		Name: or(in.Name, cur.Name), LogoURL: or(in.LogoURL, cur.LogoURL), PrimaryColor: or(in.PrimaryColor, cur.PrimaryColor),
		BackgroundColor: or(in.BackgroundColor, cur.BackgroundColor), Font: or(in.Font, cur.Font)}, actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiTheme(t))
}

// APIThemeDelete deletes a theme (the workspaces that used it go back to
// the default look).
func (h *Handler) APIThemeDelete(c echo.Context) error {
	if err := h.Models.DeleteTheme(c.Request().Context(), *render.Viewer(c), render.Theme(c).ID, actor(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// workspaceThemeAnswer answers the workspace's theme binding as it is now.
func (h *Handler) workspaceThemeAnswer(c echo.Context, w models.Workspace) error {
	t, ok, err := h.Models.WorkspaceTheme(c.Request().Context(), render.Viewer(c).Tenant.ID, w.ID)
	if err != nil {
		return err
	}
	var out APIWorkspaceTheme
	if ok {
		out.Theme = &APIThemeRef{ID: t.ID, Name: t.Name}
	}
	return c.JSON(http.StatusOK, out)
}

// APIWorkspaceThemeGet is the workspace's theme binding.
func (h *Handler) APIWorkspaceThemeGet(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	return h.workspaceThemeAnswer(c, w)
}

// APIWorkspaceThemeSet sets the workspace's theme (or the default look).
func (h *Handler) APIWorkspaceThemeSet(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	var in APIWorkspaceThemeInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	v := render.Viewer(c)
	id, ok := h.themeChoice(c, v.Tenant.ID, or(in.Theme, ""))
	if !ok {
		return invalidField("theme", themeChoiceMessage)
	}
	if err := h.Models.BindWorkspaceTheme(c.Request().Context(), *v, w.ID, id, actor(c)); err != nil {
		return err
	}
	return h.workspaceThemeAnswer(c, w)
}

// ---- Permission systems ----

// APIPermissionSystem is a permission system of the tenant.
type APIPermissionSystem struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Model       string `json:"model" doc:"the OpenFGA modeling language, schema 1.1"`
	Tuples      int64  `json:"tuples" doc:"how many relationship tuples it holds"`
	Version     int64  `json:"version" doc:"send it back with an update: a stale one answers 409"`
	CreatedAt   string `json:"created_at"`
	UpdatedAt   string `json:"updated_at"`
}

// APIPermissionSystemInput creates a permission system.
type APIPermissionSystemInput struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Model       string `json:"model" doc:"the OpenFGA modeling language, schema 1.1; an invalid one answers 422 with the line and column in fields.model"`
}

// APIPermissionSystemUpdate changes a permission system: the fields sent.
type APIPermissionSystemUpdate struct {
	Version     int64   `json:"version"`
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
	Model       *string `json:"model,omitempty" doc:"tuples that no longer fit it are kept but take no part in checks"`
}

// APIPermissionTuple is a relationship tuple: subject has relation to object.
type APIPermissionTuple struct {
	ID        int64  `json:"id"`
	Object    string `json:"object"`
	Relation  string `json:"relation"`
	Subject   string `json:"subject"`
	FitsModel bool   `json:"fits_model" doc:"false: the model changed since; the tuple takes no part in checks"`
	CreatedAt string `json:"created_at"`
}

// APITupleInput is a tuple to add, or a check to make.
type APITupleInput struct {
	Object   string `json:"object" doc:"type:id, like document:plan"`
	Relation string `json:"relation" doc:"like viewer"`
	Subject  string `json:"subject" doc:"user:ann, group:eng#member or user:*"`
}

// APICheckResult is a check's answer, with the path that allowed it.
type APICheckResult struct {
	Allowed bool           `json:"allowed"`
	Path    []APICheckStep `json:"path" doc:"the steps that allowed it, in order (a step at depth n+1 explains the one before at depth n); empty when denied"`
}

// APICheckStep is one step of a check's path.
type APICheckStep struct {
	Kind     string `json:"kind" doc:"direct, wildcard, userset, self, computed, tuple_to_userset, intersection or exclusion"`
	Depth    int    `json:"depth"`
	Object   string `json:"object"`
	Relation string `json:"relation"`
	Tuple    string `json:"tuple" doc:"the tuple used, as object#relation@subject, when one is"`
	Via      string `json:"via"`
	Text     string `json:"text" doc:"the step in words"`
}

func apiPermissionSystem(p models.PermissionSystem, tuples int64) APIPermissionSystem {
	return APIPermissionSystem{ID: p.ID, Name: p.Name, Description: p.Description, Model: p.Model, Tuples: tuples, Version: p.Version,
		CreatedAt: tsv(p.CreatedAt), UpdatedAt: tsv(p.UpdatedAt)}
}

// permSystemAnswer answers a permission system with its tuple count.
func (h *Handler) permSystemAnswer(c echo.Context, status int, p models.PermissionSystem) error {
	counts, err := h.Models.CountPermissionTuples(c.Request().Context(), render.Viewer(c).Tenant.ID, []int64{p.ID})
	if err != nil {
		return err
	}
	return c.JSON(status, apiPermissionSystem(p, counts[p.ID]))
}

// APIPermSystemList lists the tenant's permission systems by name.
func (h *Handler) APIPermSystemList(c echo.Context) error {
	ctx := c.Request().Context()
	return apiTenantListOf(c, func(v models.Viewer, lq models.ResourceList) ([]models.PermissionSystem, string, error) {
		return h.Models.ListPermissionSystems(ctx, v, lq)
	}, func(rows []models.PermissionSystem) ([]APIPermissionSystem, error) {
		ids := make([]int64, len(rows))
		for i, r := range rows {
			ids[i] = r.ID
		}
		counts, err := h.Models.CountPermissionTuples(ctx, render.Viewer(c).Tenant.ID, ids)
		if err != nil {
			return nil, err
		}
		out := make([]APIPermissionSystem, 0, len(rows))
		for _, r := range rows {
			out = append(out, apiPermissionSystem(r, counts[r.ID]))
		}
		return out, nil
	})
}

// APIPermSystemCreate creates a permission system.
func (h *Handler) APIPermSystemCreate(c echo.Context) error {
	var in APIPermissionSystemInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	p, err := h.Models.CreatePermissionSystem(c.Request().Context(), *render.Viewer(c),
		models.PermissionSystemInput{Name: in.Name, Description: in.Description, Model: in.Model}, actor(c))
	if err != nil {
		return err
	}
	return h.permSystemAnswer(c, http.StatusCreated, p)
}

// APIPermSystemGet is a permission system.
func (h *Handler) APIPermSystemGet(c echo.Context) error {
	return h.permSystemAnswer(c, http.StatusOK, render.PermissionSystem(c))
}

// APIPermSystemUpdate changes a permission system.
func (h *Handler) APIPermSystemUpdate(c echo.Context) error {
	cur := render.PermissionSystem(c)
	var in APIPermissionSystemUpdate
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	p, err := h.Models.UpdatePermissionSystem(c.Request().Context(), *render.Viewer(c), cur.ID, models.PermissionSystemInput{Version: in.Version,
		Name: or(in.Name, cur.Name), Description: or(in.Description, cur.Description), Model: or(in.Model, cur.Model)}, actor(c))
	if err != nil {
		return err
	}
	return h.permSystemAnswer(c, http.StatusOK, p)
}

// APIPermSystemDelete deletes a permission system with its tuples.
func (h *Handler) APIPermSystemDelete(c echo.Context) error {
	if err := h.Models.DeletePermissionSystem(c.Request().Context(), *render.Viewer(c), render.PermissionSystem(c).ID, actor(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func apiTuple(t models.PermissionTuple, m *fga.Model) APIPermissionTuple {
	return APIPermissionTuple{ID: t.ID, Object: t.Object, Relation: t.Relation, Subject: t.Subject,
		FitsModel: m != nil && m.ValidateTuple(t.Tuple()) == nil, CreatedAt: tsv(t.CreatedAt)}
}

// systemModel is the system's parsed model (nil when the saved one is no
// longer valid: no tuple fits it).
func systemModel(p models.PermissionSystem) *fga.Model {
	m, err := fga.Parse(p.Model)
	if err != nil {
		return nil
	}
	return m
}

// APIPermTupleList lists a permission system's tuples in the order written.
func (h *Handler) APIPermTupleList(c echo.Context) error {
	limit, cursor, err := apiListParams(c)
	if err != nil {
		return err
	}
	after, err := cursorID(cursor)
	if err != nil {
		return err
	}
	p := render.PermissionSystem(c)
	rows, next, err := h.Models.PermissionTuplesPage(c.Request().Context(), *render.Viewer(c), p.ID, after, limit)
	if err != nil {
		return err
	}
	m := systemModel(p)
	out := make([]APIPermissionTuple, 0, len(rows))
	for _, t := range rows {
		out = append(out, apiTuple(t, m))
	}
	return c.JSON(http.StatusOK, pageID(out, next))
}

// APIPermTupleAdd adds a tuple (checked against the model).
func (h *Handler) APIPermTupleAdd(c echo.Context) error {
	var in APITupleInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	p := render.PermissionSystem(c)
	t, err := h.Models.AddPermissionTuple(c.Request().Context(), *render.Viewer(c), p.ID,
		models.TupleInput{Object: in.Object, Relation: in.Relation, Subject: in.Subject}, actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, apiTuple(t, systemModel(p)))
}

// APIPermTupleRemove removes a tuple of the system.
func (h *Handler) APIPermTupleRemove(c echo.Context) error {
	id, err := pathID(c, "tuple")
	if err != nil {
		return err
	}
	if err := h.Models.RemovePermissionTuple(c.Request().Context(), *render.Viewer(c), render.PermissionSystem(c).ID, id, actor(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// APIPermCheck answers whether the subject has the relation to the object,
// with the path that allowed it; it changes nothing.
func (h *Handler) APIPermCheck(c echo.Context) error {
	var in APITupleInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	res, err := h.Models.CheckPermission(c.Request().Context(), *render.Viewer(c), render.PermissionSystem(c).ID,
		models.CheckInput{Object: in.Object, Relation: in.Relation, Subject: in.Subject})
	if err != nil {
		return err
	}
	out := APICheckResult{Allowed: res.Allowed, Path: []APICheckStep{}}
	for _, s := range res.Path {
		out.Path = append(out.Path, APICheckStep{Kind: string(s.Kind), Depth: s.Depth, Object: s.Object, Relation: s.Relation,
			Tuple: s.Tuple, Via: s.Via, Text: strings.TrimSpace(s.Text)})
	}
	return c.JSON(http.StatusOK, out)
}
