package handlers

import (
	"net/http"
	"strconv"
	"strings"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/views/layout"
	"gatehouse/views/pages"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// ClientList is /t/{tenant}/workspaces/{workspace}/clients.
func (h *Handler) ClientList(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	lp, lq := resList(c)
	rows, next, err := h.Models.ListClients(c.Request().Context(), *v, w.ID, lq)
	if err != nil {
		return outcome(err)
	}
	base := wsHref(c, w, "/clients")
	d := pages.ResListData{Title: "Clients", Noun: "client", ListHref: base, Search: lq.Search, SearchLabel: "Search by name or client id",
		Intro:   "Applications that ask this workspace for tokens.",
		Columns: []string{"Name", "Type", "Client ID", "Authentication"}}
	if v.Perms.CanIn(authz.ManageClients, w.ID) {
		d.NewHref, d.NewLabel = base+"/new", "Create Client"
	}
	for _, cl := range rows {
		d.Rows = append(d.Rows, []pages.ResCell{{Text: cl.Name, Href: base + "/" + strconv.FormatInt(cl.ID, 10)}, {Text: cl.Type}, {Text: cl.ClientID, Code: true}, {Text: cl.TokenEndpointAuthMethod, Code: true}})
	}
	d.Pager = lp.Pager(base, next, len(rows))
	return h.renderList(c, w, d)
}

func clientFields(st *formState, id string, cl models.Client, scopes []string, withType bool) []pages.ResField {
	var fs []pages.ResField
	fs = append(fs, pages.ResField{Label: "Name", Name: "name", Value: st.val(id, "name", cl.Name), Error: st.err(id, "name"), MaxLength: models.ResourceNameMax})
	if withType {
		fs = append(fs, pages.ResField{Kind: "select", Label: "Type", Name: "type", Options: options(models.ClientTypes, st.val(id, "type", cl.Type)), Error: st.err(id, "type"),
			Help: "web: a server-side application; spa: a browser application; native: a desktop or mobile application; service: machine to machine. Fixed once created."})
	} else {
		fs = append(fs, pages.ResField{Kind: "readonly", Label: "Type", Name: "type", Value: cl.Type, Help: "The type does not change."})
	}
	fs = append(fs,
		pages.ResField{Kind: "checkboxes", Label: "Grant types", Name: "grant_types", Options: options(models.ClientGrantTypes, st.vals(id, "grant_types", cl.GrantTypeList())...), Error: st.err(id, "grant_types")},
		pages.ResField{Kind: "select", Label: "Token endpoint authentication", Name: "token_endpoint_auth_method", Options: options(models.ClientAuthMethods, st.val(id, "token_endpoint_auth_method", cl.TokenEndpointAuthMethod)),
			Error: st.err(id, "token_endpoint_auth_method"), Help: "spa and native clients are public: they use none. The others authenticate with a secret or a private key JWT."},
		pages.ResField{Kind: "textarea", Label: "Redirect URIs", Name: "redirect_uris", Value: st.val(id, "redirect_uris", cl.RedirectURIs), Error: st.err(id, "redirect_uris"), Rows: 4, Mono: true, Optional: true,
			Help: "One per line: absolute https URLs without fragment or wildcard; native clients may also use http://127.0.0.1, http://[::1] or http://localhost with any port."},
		pages.ResField{Kind: "checkboxes", Label: "Scopes", Name: "scopes", Options: options(scopes, st.vals(id, "scopes", cl.ScopeList())...), Error: st.err(id, "scopes"), Optional: true,
			Help: "The scopes of this workspace's services that the client may ask for."},
	)
	return fs
}

func clientInput(c echo.Context) models.ClientInput {
	form, _ := c.FormParams()
	return models.ClientInput{Name: c.FormValue("name"), Type: c.FormValue("type"), RedirectURIs: c.FormValue("redirect_uris"), GrantTypes: form["grant_types"],
		TokenEndpointAuthMethod: c.FormValue("token_endpoint_auth_method"), Scopes: form["scopes"], Version: formVersion(c)}
}

// ClientNewForm is Create Client.
func (h *Handler) ClientNewForm(c echo.Context) error {
	return h.renderClientNew(c, http.StatusOK, nil)
}

func (h *Handler) renderClientNew(c echo.Context, status int, st *formState) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	scopes, err := h.Models.WorkspaceScopeNames(c.Request().Context(), v.Tenant.ID, w.ID)
	if err != nil {
		return err
	}
	base := wsHref(c, w, "/clients")
	def := models.Client{Type: "web", GrantTypes: "authorization_code refresh_token", TokenEndpointAuthMethod: "client_secret_basic"}
	d := pages.ResNewData{Header: h.workspaceHeader(c, v, w, "Clients"), Title: "Create Client", ListHref: base,
		Intro: "The client id is generated; a client that authenticates with a secret gets one, shown once.",
		Form:  pages.ResForm{Action: base + "/new", Submit: "Create Client", Fields: clientFields(st, "new", def, scopes, true)}}
	p := h.resPage(c, w, "Create Client", layout.Crumb{Label: "Clients", Href: base}, layout.Crumb{Label: "Create Client"})
	return render.Render(c, status, pages.ResNew(p, d))
}

// ClientCreate creates a client and shows it with its secret, once.
func (h *Handler) ClientCreate(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	cl, secret, err := h.Models.CreateClient(c.Request().Context(), *v, w.ID, clientInput(c), actor(c))
	if st, ok := failed(c, "new", err); ok {
		return h.renderClientNew(c, statusOf(st), st)
	}
	if err != nil {
		return outcome(err)
	}
	if secret == "" {
		h.Flashes.Set(c, "success", "The client "+cl.Name+" was created.")
		return render.Redirect(c, wsHref(c, w, "/clients/"+strconv.FormatInt(cl.ID, 10)))
	}
	return h.renderClient(c, http.StatusCreated, w, cl, nil, &pages.ResSecret{Label: "Client secret", Value: secret,
		Note: "Gatehouse keeps only a hash of it. Lost, it can only be replaced: Rotate secret."})
}

func (h *Handler) loadClient(c echo.Context) (models.Workspace, models.Client, error) {
	w, err := currentWorkspace(c)
	return w, render.Client(c), err
}

// ClientShow is a client's page.
func (h *Handler) ClientShow(c echo.Context) error {
	w, cl, err := h.loadClient(c)
	if err != nil {
		return err
	}
	return h.renderClient(c, http.StatusOK, w, cl, nil, nil)
}

func (h *Handler) renderClient(c echo.Context, status int, w models.Workspace, cl models.Client, st *formState, secret *pages.ResSecret) error {
	v := render.Viewer(c)
	scopes, err := h.Models.WorkspaceScopeNames(c.Request().Context(), v.Tenant.ID, w.ID)
	if err != nil {
		return err
	}
	base := wsHref(c, w, "/clients/"+strconv.FormatInt(cl.ID, 10))
	manage := v.Perms.CanIn(authz.ManageClients, w.ID)
	secretState := "None (public client)"
	switch {
	case cl.UsesSecret() && cl.SecretCreatedAt != nil:
		secretState = "Set " + fmtTime(cl.SecretCreatedAt, "") + " (shown only once; stored as a hash)"
		if cl.PrevSecretExpiresAt != nil && cl.PrevSecretExpiresAt.After(h.Models.Now()) {
			secretState += "; the previous secret stays valid until " + fmtTime(cl.PrevSecretExpiresAt, "")
		}
	case cl.TokenEndpointAuthMethod == "private_key_jwt":
		secretState = "None (private key JWT)"
	}
	d := pages.ResShowData{Header: h.workspaceHeader(c, v, w, "Clients"), Title: cl.Name, Noun: "client", Secret: secret,
		ListHref: wsHref(c, w, "/clients"), ListLabel: "Clients", ReadOnly: !manage,
		Details: []pages.ResDetail{
			{Label: "Name", Value: cl.Name}, {Label: "Type", Value: cl.Type}, {Label: "Client ID", Value: cl.ClientID, Code: true},
			{Label: "Token endpoint authentication", Value: cl.TokenEndpointAuthMethod, Code: true},
			{Label: "Client secret", Value: secretState},
			{Label: "Grant types", List: cl.GrantTypeList()}, {Label: "Redirect URIs", List: cl.RedirectURIList()}, {Label: "Scopes", List: cl.ScopeList()},
			{Label: "Created", Value: fmtTime(&cl.CreatedAt, "")}, {Label: "Last updated", Value: fmtTime(&cl.UpdatedAt, "")},
		}}
	if st != nil && st.Conflict {
		d.Conflict = conflictMessage
		st = nil
	}
	if manage {
		if cl.UsesSecret() {
			d.Forms = append(d.Forms, pages.ResForm{ID: "rotate", Title: "Rotate secret", Action: base + "/rotate", Submit: "Rotate secret",
				Intro: "A new secret is generated and shown once. The current one keeps working for the grace period, so applications can switch without downtime.",
				Fields: []pages.ResField{{Kind: "number", Label: "Grace period (hours)", Name: "grace_hours", Value: st.val("rotate", "grace_hours", "24"), Error: st.err("rotate", "grace_hours"),
					Help: "0 to 168; 0 ends the current secret at once."}}})
		}
		d.Forms = append(d.Forms, pages.ResForm{ID: "settings", Title: "Settings", Action: base, Submit: "Save",
			Fields: append(clientFields(st, "settings", cl, scopes, false), versionField(st, "settings", cl.Version))})
		d.DeleteHref = base + "/delete"
	}
	p := h.resPage(c, w, cl.Name, layout.Crumb{Label: "Clients", Href: wsHref(c, w, "/clients")}, layout.Crumb{Label: cl.Name})
	return render.Render(c, status, pages.ResShow(p, d))
}

// ClientUpdate saves a client's settings.
func (h *Handler) ClientUpdate(c echo.Context) error {
	v := render.Viewer(c)
	w, cl, err := h.loadClient(c)
	if err != nil {
		return err
	}
	up, secret, err := h.Models.UpdateClient(c.Request().Context(), *v, w.ID, cl.ID, clientInput(c), actor(c))
	if st, ok := failed(c, "settings", err); ok {
		if st.Conflict {
			if fresh, gerr := h.Models.GetClient(c.Request().Context(), *v, w.ID, cl.ID); gerr == nil {
				cl = fresh
			}
		}
		return h.renderClient(c, statusOf(st), w, cl, st, nil)
	}
	if err != nil {
		return outcome(err)
	}
	if secret != "" {
		return h.renderClient(c, http.StatusOK, w, up, nil, &pages.ResSecret{Label: "Client secret", Value: secret, Note: "The client now authenticates with a secret; Gatehouse keeps only a hash of it."})
	}
	h.Flashes.Set(c, "success", "The client "+up.Name+" was saved.")
	return render.Redirect(c, wsHref(c, w, "/clients/"+strconv.FormatInt(cl.ID, 10)))
}

// ClientRotate gives the client a new secret, shown once.
func (h *Handler) ClientRotate(c echo.Context) error {
	v := render.Viewer(c)
	w, cl, err := h.loadClient(c)
	if err != nil {
		return err
	}
	grace, perr := strconv.Atoi(strings.TrimSpace(c.FormValue("grace_hours")))
	if perr != nil {
		grace = -1
	}
	up, secret, err := h.Models.RotateClientSecret(c.Request().Context(), *v, w.ID, cl.ID, grace, actor(c))
	if st, ok := failed(c, "rotate", err); ok {
		return h.renderClient(c, statusOf(st), w, cl, st, nil)
	}
	if err != nil {
		return outcome(err)
	}
	note := "The previous secret stopped working."
	if up.PrevSecretExpiresAt != nil {
		note = "The previous secret keeps working until " + fmtTime(up.PrevSecretExpiresAt, "") + "."
	}
	return h.renderClient(c, http.StatusOK, w, up, nil, &pages.ResSecret{Label: "New client secret", Value: secret, Note: note})
}

// ClientDeleteForm confirms the deletion of a client.
func (h *Handler) ClientDeleteForm(c echo.Context) error {
	v := render.Viewer(c)
	w, cl, err := h.loadClient(c)
	if err != nil {
		return err
	}
	base := wsHref(c, w, "/clients/"+strconv.FormatInt(cl.ID, 10))
	d := pages.ResDeleteData{Header: h.workspaceHeader(c, v, w, "Clients"), Title: "Delete " + cl.Name + "?", Action: base + "/delete", Submit: "Delete client", BackHref: base,
		Lines: []string{"The client " + cl.Name + " (" + cl.ClientID + ") will no longer get tokens; its secrets stop working at once."}}
	p := h.resPage(c, w, "Delete "+cl.Name, layout.Crumb{Label: "Clients", Href: wsHref(c, w, "/clients")}, layout.Crumb{Label: cl.Name, Href: base}, layout.Crumb{Label: "Delete"})
	return render.Render(c, http.StatusOK, pages.ResDelete(p, d))
}

// ClientDelete deletes a client.
func (h *Handler) ClientDelete(c echo.Context) error {
	v := render.Viewer(c)
	w, cl, err := h.loadClient(c)
	if err != nil {
		return err
	}
	if err := h.Models.DeleteClient(c.Request().Context(), *v, w.ID, cl.ID, actor(c)); err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The client "+cl.Name+" was deleted.")
	return render.Redirect(c, wsHref(c, w, "/clients"))
}
