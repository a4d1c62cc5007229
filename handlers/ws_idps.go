package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/views/layout"
	"gatehouse/views/pages"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// IDPList is /t/{tenant}/workspaces/{workspace}/idps: the workspace's
// identity providers (the Admin workspace's Built in Admin IDP among them).
func (h *Handler) IDPList(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	lq := resListParams(c)
	rows, next, err := h.Models.ListIDPs(c.Request().Context(), *v, w.ID, lq)
	if err != nil {
		return outcome(err)
	}
	base := wsHref(c, w, "/idps")
	d := pages.ResListData{Title: "Identity Providers", Noun: "identity provider", ListHref: base, Search: lq.Search,
		SearchLabel: "Search by name, method, issuer or entity id",
		Intro:       "How the end users of this workspace sign in: an identity pool, an OpenID Connect or SAML provider, or a social login.",
		Columns:     []string{"Name", "Method", "Provider", "Status"}}
	if v.Perms.CanIn(authz.ManageWorkspaceIDPs, w.ID) {
		d.NewHref, d.NewLabel = base+"/new", "Create Identity Provider"
	}
	now := h.Models.Now()
	pools := map[int64]string{}
	for _, p := range rows {
		provider := ""
		switch {
		case p.Method == models.IDPIdentityPool && p.PoolID != nil:
			name, ok := pools[*p.PoolID]
			if !ok {
				if pool, err := h.Models.PoolByID(c.Request().Context(), v.Tenant.ID, *p.PoolID); err == nil {
					name = pool.Name + " pool"
				} else {
					name = "(pool deleted)"
				}
				pools[*p.PoolID] = name
			}
			provider = name
		case p.UsesClient():
			provider = p.IssuerURL
		case p.Method == models.IDPSAML:
			provider = p.EntityID
			if p.CertExpiresAt != nil {
				provider += " · certificate " + certState(p, now)
			}
		}
		status := map[bool]string{true: "Enabled", false: "Disabled"}[p.Enabled]
		if p.BuiltIn {
			status += " · Built in"
		}
		d.Rows = append(d.Rows, []pages.ResCell{{Text: p.Name, Href: base + "/" + strconv.FormatInt(p.ID, 10)}, {Text: p.Method, Code: true},
			{Text: provider}, {Text: status, Muted: !p.Enabled}})
	}
	d.NextHref, d.FirstHref = resPageLinks(base, lq, next)
	return h.renderList(c, w, d)
}

// certState is the SAML signing certificate's expiry as the pages say it.
func certState(p models.IDP, now time.Time) string {
	if p.CertExpiresAt == nil {
		return ""
	}
	day := p.CertExpiresAt.UTC().Format("2006-01-02")
	switch {
	case !p.CertExpiresAt.After(now):
		return "expired " + day
	case p.CertExpiringSoon(now):
		return "expires " + day + " (expiring soon)"
	}
	return "expires " + day
}

func idpEnabled(c echo.Context) bool {
	switch strings.ToLower(strings.TrimSpace(c.FormValue("enabled"))) {
	case "true", "on", "1", "yes":
		return true
	}
	return false
}

func idpInput(c echo.Context) models.IDPInput {
	return models.IDPInput{Name: c.FormValue("name"), Method: c.FormValue("method"), Pool: c.FormValue("pool"),
		IssuerURL: c.FormValue("issuer_url"), ClientID: c.FormValue("client_id"), ClientSecret: c.FormValue("client_secret"),
		MetadataXML: c.FormValue("metadata_xml"), Enabled: idpEnabled(c), Version: formVersion(c)}
}

// idpFields is the IDP form; the client secret is never filled in.
func (h *Handler) idpFields(c echo.Context, st *formState, id string, p models.IDP) ([]pages.ResField, error) {
	v := render.Viewer(c)
	pools, err := h.Models.IDPPoolOptions(c.Request().Context(), v.Tenant.ID)
	if err != nil {
		return nil, err
	}
	storedPool := ""
	for _, pl := range pools {
		if p.PoolID != nil && pl.ID == *p.PoolID {
			storedPool = pl.Slug
		}
	}
	chosen := st.val(id, "pool", storedPool)
	poolOpts := []pages.ResOption{{Value: "", Label: "Choose a pool…"}}
	for _, pl := range pools {
		poolOpts = append(poolOpts, pages.ResOption{Value: pl.Slug, Label: pl.Name, Selected: pl.Slug == chosen})
	}
	enabled := "true"
	if !p.Enabled {
		enabled = ""
	}
	secretHelp := "Given by the provider with the client ID. It is stored encrypted and never shown again."
	if p.HasSecret() {
		secretHelp = "A secret is stored (never shown). Leave blank to keep it; type a new one to replace it."
	}
	return []pages.ResField{
		{Label: "Name", Name: "name", Value: st.val(id, "name", p.Name), Error: st.err(id, "name"), MaxLength: models.ResourceNameMax},
		{Kind: "select", Label: "Method", Name: "method", Options: options(models.IDPMethods, st.val(id, "method", p.Method)), Error: st.err(id, "method"),
			Help: "identity_pool: users of one of the tenant's identity pools; oidc: an OpenID Connect provider; saml: a SAML 2.0 identity provider; google, github, microsoft: social login."},
		{Kind: "select", Label: "Identity pool", Name: "pool", Options: poolOpts, Error: st.err(id, "pool"), Help: "For identity_pool only."},
		{Kind: "url", Label: "Issuer URL", Name: "issuer_url", Value: st.val(id, "issuer_url", p.IssuerURL), Error: st.err(id, "issuer_url"), MaxLength: models.IDPIssuerMax,
			Help: "For oidc and the social methods: the provider's https address. Left blank, google, github and microsoft use their own."},
		{Label: "Client ID", Name: "client_id", Value: st.val(id, "client_id", p.ClientID), Error: st.err(id, "client_id"), MaxLength: models.IDPClientIDMax,
			Help: "For oidc and the social methods."},
		{Kind: "password", Label: "Client secret", Name: "client_secret", Error: st.err(id, "client_secret"), Help: secretHelp},
		{Kind: "textarea", Label: "SAML metadata (XML)", Name: "metadata_xml", Value: st.val(id, "metadata_xml", p.MetadataXML), Error: st.err(id, "metadata_xml"),
			Rows: 8, Mono: true, Optional: true,
			Help: "For saml: paste the identity provider's metadata. It is read on save (entity id, sign-in URL, signing certificate); a DOCTYPE is refused and nothing it names is fetched."},
		{Kind: "checkboxes", Label: "Status", Name: "enabled", Options: []pages.ResOption{{Value: "true", Label: "Enabled", Selected: st.val(id, "enabled", enabled) != ""}},
			Error: st.err(id, "enabled")},
	}, nil
}

// IDPNewForm is Create Identity Provider.
func (h *Handler) IDPNewForm(c echo.Context) error {
	return h.renderIDPNew(c, http.StatusOK, nil)
}

func (h *Handler) renderIDPNew(c echo.Context, status int, st *formState) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	fields, err := h.idpFields(c, st, "new", models.IDP{Method: models.IDPOIDC, Enabled: true})
	if err != nil {
		return err
	}
	base := wsHref(c, w, "/idps")
	d := pages.ResNewData{Header: h.workspaceHeader(c, v, w, "Identity Providers"), Title: "Create Identity Provider", ListHref: base,
		Intro: "Fill in the fields of the chosen method; the others are ignored.",
		Form:  pages.ResForm{Action: base + "/new", Submit: "Create Identity Provider", Fields: fields}}
	p := h.resPage(c, w, "Create Identity Provider", layout.Crumb{Label: "Identity Providers", Href: base}, layout.Crumb{Label: "Create Identity Provider"})
	return render.Render(c, status, pages.ResNew(p, d))
}

// IDPCreate creates an identity provider and opens it.
func (h *Handler) IDPCreate(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	p, err := h.Models.CreateIDP(c.Request().Context(), *v, w.ID, idpInput(c), actor(c))
	if st, ok := failed(c, "new", err); ok {
		return h.renderIDPNew(c, statusOf(st), st)
	}
	if err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The identity provider "+p.Name+" was created.")
	return render.Redirect(c, wsHref(c, w, "/idps/"+strconv.FormatInt(p.ID, 10)))
}

// IDPShow is an identity provider's page.
func (h *Handler) IDPShow(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	return h.renderIDP(c, http.StatusOK, w, render.IDP(c), nil)
}

func (h *Handler) renderIDP(c echo.Context, status int, w models.Workspace, p models.IDP, st *formState) error {
	v := render.Viewer(c)
	ctx := c.Request().Context()
	base := wsHref(c, w, "/idps/"+strconv.FormatInt(p.ID, 10))
	manage := v.Perms.CanIn(authz.ManageWorkspaceIDPs, w.ID)
	now := h.Models.Now()
	d := pages.IDPShowData{Header: h.workspaceHeader(c, v, w, "Identity Providers"), Name: p.Name, ListHref: wsHref(c, w, "/idps"),
		BuiltIn: p.BuiltIn, ReadOnly: !manage}
	d.Details = append(d.Details, pages.ResDetail{Label: "Name", Value: p.Name}, pages.ResDetail{Label: "Method", Value: p.Method, Code: true})
	if p.BuiltIn {
		d.Details = append(d.Details, pages.ResDetail{Label: "Type", Value: "Built-in"})
	}
	switch {
	case p.Method == models.IDPIdentityPool:
		pool := "None"
		if p.PoolID != nil {
			if pl, err := h.Models.PoolByID(ctx, v.Tenant.ID, *p.PoolID); err == nil {
				n, err := h.Models.CountPoolUsers(ctx, pl)
				if err != nil {
					return err
				}
				pool = pl.Name + " (" + pluralWord(n, "user", "users") + ")"
				if v.Can(authz.ReadIdentityPools) {
					d.PoolHref = poolPath(c, pl, "")
				}
			} else {
				pool = "The pool was deleted"
			}
		}
		d.Details = append(d.Details, pages.ResDetail{Label: "Identity pool", Value: pool})
	case p.UsesClient():
		secret := "Not set"
		if p.HasSecret() {
			secret = "Set (stored encrypted; never shown)"
		}
		d.Details = append(d.Details, pages.ResDetail{Label: "Issuer URL", Value: p.IssuerURL, Code: true},
			pages.ResDetail{Label: "Client ID", Value: p.ClientID, Code: true}, pages.ResDetail{Label: "Client secret", Value: secret})
	case p.Method == models.IDPSAML:
		exp := ""
		if p.CertExpiresAt != nil {
			exp = fmtTime(p.CertExpiresAt, "")
			switch {
			case !p.CertExpiresAt.After(now):
				d.CertNote = "Expired: the signing certificate expired on " + exp + ". Sign-ins through this provider fail until its metadata is updated."
			case p.CertExpiringSoon(now):
				d.CertNote = "Expiring soon: the signing certificate expires on " + exp + ", within 30 days. Paste the provider's new metadata before then."
			}
		}
		d.Details = append(d.Details, pages.ResDetail{Label: "Entity ID", Value: p.EntityID, Code: true},
			pages.ResDetail{Label: "Sign-in URL", Value: p.SSOURL, Code: true},
			pages.ResDetail{Label: "Signing certificate expires", Value: exp})
	}
	d.Details = append(d.Details, pages.ResDetail{Label: "Status", Value: map[bool]string{true: "Enabled", false: "Disabled"}[p.Enabled]},
		pages.ResDetail{Label: "Created", Value: fmtTime(&p.CreatedAt, "")}, pages.ResDetail{Label: "Last updated", Value: fmtTime(&p.UpdatedAt, "")})
	if st != nil && st.Conflict {
		d.Conflict = conflictMessage
		st = nil
	}
	if manage && !p.BuiltIn {
		fields, err := h.idpFields(c, st, "settings", p)
		if err != nil {
			return err
		}
		d.Form = &pages.ResForm{ID: "settings", Title: "Settings", Action: base, Submit: "Save", Fields: append(fields, versionField(st, "settings", p.Version))}
		d.DeleteHref = base + "/delete"
	}
	if st != nil && p.BuiltIn { // a refused change of the Built in Admin IDP
		msgs := []string{}
		for _, k := range []string{"name", "method", "enabled"} {
			if m := st.Errors[k]; m != "" {
				msgs = append(msgs, m)
			}
		}
		d.Conflict = strings.Join(msgs, " ")
	}
	pg := h.resPage(c, w, p.Name, layout.Crumb{Label: "Identity Providers", Href: wsHref(c, w, "/idps")}, layout.Crumb{Label: p.Name})
	return render.Render(c, status, pages.IDPShow(pg, d))
}

// IDPUpdate saves an identity provider's settings.
func (h *Handler) IDPUpdate(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	p := render.IDP(c)
	up, err := h.Models.UpdateIDP(c.Request().Context(), *v, w.ID, p.ID, idpInput(c), actor(c))
	if st, ok := failed(c, "settings", err); ok {
		if st.Conflict {
			if fresh, gerr := h.Models.GetIDP(c.Request().Context(), *v, w.ID, p.ID); gerr == nil {
				p = fresh
			}
		}
		return h.renderIDP(c, statusOf(st), w, p, st)
	}
	if err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The identity provider "+up.Name+" was saved.")
	return render.Redirect(c, wsHref(c, w, "/idps/"+strconv.FormatInt(p.ID, 10)))
}

// IDPDeleteForm confirms the deletion of an identity provider.
func (h *Handler) IDPDeleteForm(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	p := render.IDP(c)
	if p.BuiltIn {
		return outcome(models.ErrBuiltInIDP)
	}
	base := wsHref(c, w, "/idps/"+strconv.FormatInt(p.ID, 10))
	d := pages.ResDeleteData{Header: h.workspaceHeader(c, v, w, "Identity Providers"), Title: "Delete " + p.Name + "?", Action: base + "/delete",
		Submit: "Delete identity provider", BackHref: base,
		Lines: []string{"The identity provider " + p.Name + " (" + p.Method + ") will be removed: its users can no longer sign in to this workspace through it. Its stored secret is deleted with it."}}
	pg := h.resPage(c, w, "Delete "+p.Name, layout.Crumb{Label: "Identity Providers", Href: wsHref(c, w, "/idps")}, layout.Crumb{Label: p.Name, Href: base}, layout.Crumb{Label: "Delete"})
	return render.Render(c, http.StatusOK, pages.ResDelete(pg, d))
}

// IDPDelete deletes an identity provider.
func (h *Handler) IDPDelete(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	p := render.IDP(c)
	if err := h.Models.DeleteIDP(c.Request().Context(), *v, w.ID, p.ID, actor(c)); err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The identity provider "+p.Name+" was deleted.")
	return render.Redirect(c, wsHref(c, w, "/idps"))
}
