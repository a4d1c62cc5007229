package handlers

import (
	"fmt"
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

// Authorizers, Claims (with Preview) and Custom Apps of a workspace.

// ---- Authorizers ----

// AuthorizerList is /t/{tenant}/workspaces/{workspace}/authorizers.
func (h *Handler) AuthorizerList(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	lp, lq := resList(c)
	rows, next, err := h.Models.ListAuthorizers(c.Request().Context(), *v, w.ID, lq)
	if err != nil {
		return outcome(err)
	}
	base := wsHref(c, w, "/authorizers")
	d := pages.ResListData{Title: "Authorizers", Noun: "authorizer", ListHref: base, Search: lq.Search, SearchLabel: "Search by name or type",
		Intro:   "Enforcement points in front of the services: they check tokens and policies where the traffic passes.",
		Columns: []string{"Name", "Type", "Credential ID"}}
	if v.Perms.CanIn(authz.ManageWorkspaceAuthorizers, w.ID) {
		d.NewHref, d.NewLabel = base+"/new", "Create Authorizer"
	}
	for _, a := range rows {
		d.Rows = append(d.Rows, []pages.ResCell{{Text: a.Name, Href: base + "/" + strconv.FormatInt(a.ID, 10)}, {Text: a.Type}, {Text: a.CredentialID, Code: true}})
	}
	d.Pager = lp.Pager(base, next, len(rows))
	return h.renderList(c, w, d)
}

func (h *Handler) authorizerFields(c echo.Context, w models.Workspace, st *formState, id string, a models.Authorizer) ([]pages.ResField, error) {
	svcs, err := h.Models.AllServices(c.Request().Context(), render.Viewer(c).Tenant.ID, w.ID)
	if err != nil {
		return nil, err
	}
	var stored []string
	for _, sid := range a.ServiceIDList() {
		stored = append(stored, strconv.FormatInt(sid, 10))
	}
	chosen := st.vals(id, "services", stored)
	var opts []pages.ResOption
	for _, sv := range svcs {
		sid := strconv.FormatInt(sv.ID, 10)
		o := pages.ResOption{Value: sid, Label: sv.Name + " (" + sv.Audience + ")"}
		for _, x := range chosen {
			o.Selected = o.Selected || x == sid
		}
		opts = append(opts, o)
	}
	typ := a.Type
	if typ == "" {
		typ = "standalone"
	}
	return []pages.ResField{
		{Label: "Name", Name: "name", Value: st.val(id, "name", a.Name), Error: st.err(id, "name"), MaxLength: models.ResourceNameMax},
		{Kind: "select", Label: "Type", Name: "type", Options: options(models.AuthorizerTypes, st.val(id, "type", typ)), Error: st.err(id, "type"),
			Help: "standalone: Gatehouse's own authorizer; istio, kong, aws_api_gateway: a plugin of that gateway."},
		{Kind: "checkboxes", Label: "Services", Name: "services", Options: opts, Error: st.err(id, "services"), Optional: true, Help: "The services it protects."},
	}, nil
}

func authorizerInput(c echo.Context) models.AuthorizerInput {
	form, _ := c.FormParams()
	in := models.AuthorizerInput{Name: c.FormValue("name"), Type: c.FormValue("type"), Version: formVersion(c)}
	for _, s := range form["services"] {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			id = -1
		}
		in.ServiceIDs = append(in.ServiceIDs, id)
	}
	return in
}

// AuthorizerNewForm is Create Authorizer.
func (h *Handler) AuthorizerNewForm(c echo.Context) error {
	return h.renderAuthorizerNew(c, http.StatusOK, nil)
}

func (h *Handler) renderAuthorizerNew(c echo.Context, status int, st *formState) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	fs, err := h.authorizerFields(c, w, st, "new", models.Authorizer{})
	if err != nil {
		return err
	}
	base := wsHref(c, w, "/authorizers")
	d := pages.ResNewData{Header: h.workspaceHeader(c, v, w, "Authorizers"), Title: "Create Authorizer", ListHref: base,
		Intro: "Its credential id is generated, and a secret shown once.", Form: pages.ResForm{Action: base + "/new", Submit: "Create Authorizer", Fields: fs}}
	p := h.resPage(c, w, "Create Authorizer", layout.Crumb{Label: "Authorizers", Href: base}, layout.Crumb{Label: "Create Authorizer"})
	return render.Render(c, status, pages.ResNew(p, d))
}

// AuthorizerCreate creates an authorizer and shows its secret once.
func (h *Handler) AuthorizerCreate(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	a, secret, err := h.Models.CreateAuthorizer(c.Request().Context(), *v, w.ID, authorizerInput(c), actor(c))
	if st, ok := failed(c, "new", err); ok {
		return h.renderAuthorizerNew(c, statusOf(st), st)
	}
	if err != nil {
		return outcome(err)
	}
	return h.renderAuthorizer(c, http.StatusCreated, w, a, nil, &pages.ResSecret{Label: "Authorizer secret", Value: secret, Note: "The authorizer signs in with its credential id and this secret; Gatehouse keeps only a hash of it."})
}

// AuthorizerShow is an authorizer's page.
func (h *Handler) AuthorizerShow(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	return h.renderAuthorizer(c, http.StatusOK, w, render.Authorizer(c), nil, nil)
}

func (h *Handler) renderAuthorizer(c echo.Context, status int, w models.Workspace, a models.Authorizer, st *formState, secret *pages.ResSecret) error {
	v := render.Viewer(c)
	svcs, err := h.Models.AllServices(c.Request().Context(), v.Tenant.ID, w.ID)
	if err != nil {
		return err
	}
	var names []string
	for _, sv := range svcs {
		for _, id := range a.ServiceIDList() {
			if id == sv.ID {
				names = append(names, sv.Name)
			}
		}
	}
	base := wsHref(c, w, "/authorizers/"+strconv.FormatInt(a.ID, 10))
	manage := v.Perms.CanIn(authz.ManageWorkspaceAuthorizers, w.ID)
	d := pages.ResShowData{Header: h.workspaceHeader(c, v, w, "Authorizers"), Title: a.Name, Noun: "authorizer", Secret: secret,
		ListHref: wsHref(c, w, "/authorizers"), ListLabel: "Authorizers", ReadOnly: !manage,
		Details: []pages.ResDetail{{Label: "Name", Value: a.Name}, {Label: "Type", Value: a.Type}, {Label: "Credential ID", Value: a.CredentialID, Code: true},
			{Label: "Secret", Value: secretSet(a.SecretCreatedAt, a.CreatedAt)}, {Label: "Services", List: names}, {Label: "Created", Value: fmtTime(&a.CreatedAt, "")}, {Label: "Last updated", Value: fmtTime(&a.UpdatedAt, "")}}}
	if st != nil && st.Conflict {
		d.Conflict = conflictMessage
		st = nil
	}
	if manage {
		fs, err := h.authorizerFields(c, w, st, "settings", a)
		if err != nil {
			return err
		}
		d.Forms = append(d.Forms, rotateForm(base, "The authorizer"), pages.ResForm{ID: "settings", Title: "Settings", Action: base, Submit: "Save", Fields: append(fs, versionField(st, "settings", a.Version))})
		d.DeleteHref = base + "/delete"
	}
	p := h.resPage(c, w, a.Name, layout.Crumb{Label: "Authorizers", Href: wsHref(c, w, "/authorizers")}, layout.Crumb{Label: a.Name})
	return render.Render(c, status, pages.ResShow(p, d))
}

// AuthorizerUpdate saves an authorizer.
func (h *Handler) AuthorizerUpdate(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	a := render.Authorizer(c)
	up, err := h.Models.UpdateAuthorizer(c.Request().Context(), *v, w.ID, a.ID, authorizerInput(c), actor(c))
	if st, ok := failed(c, "settings", err); ok {
		if fresh, gerr := h.Models.AuthorizerByID(c.Request().Context(), v.Tenant.ID, w.ID, a.ID); gerr == nil {
			a = fresh
		}
		return h.renderAuthorizer(c, statusOf(st), w, a, st, nil)
	}
	if err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The authorizer "+up.Name+" was saved.")
	return render.Redirect(c, wsHref(c, w, "/authorizers/"+strconv.FormatInt(a.ID, 10)))
}

// AuthorizerDeleteForm confirms the deletion of an authorizer.
func (h *Handler) AuthorizerDeleteForm(c echo.Context) error {
	return h.renderDeleteSimple(c, "Authorizers", "/authorizers", render.Authorizer(c).ID, render.Authorizer(c).Name, "authorizer",
		"The authorizer "+render.Authorizer(c).Name+" ("+render.Authorizer(c).CredentialID+") will no longer be able to sign in.")
}

// AuthorizerDelete deletes an authorizer.
func (h *Handler) AuthorizerDelete(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	a := render.Authorizer(c)
	if err := h.Models.DeleteAuthorizer(c.Request().Context(), *v, w.ID, a.ID, actor(c)); err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The authorizer "+a.Name+" was deleted.")
	return render.Redirect(c, wsHref(c, w, "/authorizers"))
}

// AuthorizerRotate gives the authorizer a new secret, shown once.
func (h *Handler) AuthorizerRotate(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	a, secret, err := h.Models.RotateAuthorizerSecret(c.Request().Context(), *v, w.ID, render.Authorizer(c).ID, actor(c))
	if err != nil {
		return outcome(err)
	}
	return h.renderAuthorizer(c, http.StatusOK, w, a, nil, &pages.ResSecret{Label: "New authorizer secret", Value: secret,
		Note: "The previous secret stopped working: give this one to the authorizer now. Gatehouse keeps only a hash of it."})
}

// rotateForm is Rotate secret of a resource whose secret is replaced at
// once (authorizers, custom apps).
func rotateForm(base, what string) pages.ResForm {
	return pages.ResForm{ID: "rotate", Title: "Rotate secret", Action: base + "/rotate", Submit: "Rotate secret",
		Intro: what + " gets a new secret, shown once; the current one stops working at once. Rotate when the secret may have leaked, or to replace it on schedule."}
}

// secretSet says when a generated secret was set.
func secretSet(rotated *time.Time, created time.Time) string {
	at := created
	if rotated != nil {
		at = *rotated
	}
	return "Set " + fmtTime(&at, "") + " (shown only once; stored as a hash)"
}

// renderDeleteSimple is the confirmation of a resource deleted alone.
func (h *Handler) renderDeleteSimple(c echo.Context, tab, path string, id int64, name, noun, line string) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	base := wsHref(c, w, path+"/"+strconv.FormatInt(id, 10))
	d := pages.ResDeleteData{Header: h.workspaceHeader(c, v, w, tab), Title: "Delete " + name + "?", Action: base + "/delete", Submit: "Delete " + noun, BackHref: base, Lines: []string{line}}
	p := h.resPage(c, w, "Delete "+name, layout.Crumb{Label: tab, Href: wsHref(c, w, path)}, layout.Crumb{Label: name, Href: base}, layout.Crumb{Label: "Delete"})
	return render.Render(c, http.StatusOK, pages.ResDelete(p, d))
}

// ---- Custom Apps ----

// CustomAppList is /t/{tenant}/workspaces/{workspace}/custom-apps.
func (h *Handler) CustomAppList(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	lp, lq := resList(c)
	rows, next, err := h.Models.ListCustomApps(c.Request().Context(), *v, w.ID, lq)
	if err != nil {
		return outcome(err)
	}
	base := wsHref(c, w, "/custom-apps")
	d := pages.ResListData{Title: "Custom Apps", Noun: "custom app", ListHref: base, Search: lq.Search, SearchLabel: "Search by name or URL",
		Intro:   "Pages of the sign-in journey that you host: login, consent, post-authentication.",
		Columns: []string{"Name", "Type", "URL", "App ID"}}
	if v.Perms.CanIn(authz.ManageCustomApps, w.ID) {
		d.NewHref, d.NewLabel = base+"/new", "Create Custom App"
	}
	for _, a := range rows {
		d.Rows = append(d.Rows, []pages.ResCell{{Text: a.Name, Href: base + "/" + strconv.FormatInt(a.ID, 10)}, {Text: a.Type}, {Text: a.URL, Code: true}, {Text: a.AppID, Code: true}})
	}
	d.Pager = lp.Pager(base, next, len(rows))
	return h.renderList(c, w, d)
}

func customAppFields(st *formState, id string, a models.CustomApp) []pages.ResField {
	typ := a.Type
	if typ == "" {
		typ = "login"
	}
	return []pages.ResField{
		{Label: "Name", Name: "name", Value: st.val(id, "name", a.Name), Error: st.err(id, "name"), MaxLength: models.ResourceNameMax},
		{Kind: "select", Label: "Type", Name: "type", Options: options(models.CustomAppTypes, st.val(id, "type", typ)), Error: st.err(id, "type")},
		{Label: "URL", Name: "url", Kind: "url", Value: st.val(id, "url", a.URL), Error: st.err(id, "url"), MaxLength: models.CustomAppURLMax, Help: "Where the page is: an https URL."},
	}
}

func customAppInput(c echo.Context) models.CustomAppInput {
	return models.CustomAppInput{Name: c.FormValue("name"), Type: c.FormValue("type"), URL: c.FormValue("url"), Version: formVersion(c)}
}

// CustomAppNewForm is Create Custom App.
func (h *Handler) CustomAppNewForm(c echo.Context) error {
	return h.renderCustomAppNew(c, http.StatusOK, nil)
}

func (h *Handler) renderCustomAppNew(c echo.Context, status int, st *formState) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	base := wsHref(c, w, "/custom-apps")
	d := pages.ResNewData{Header: h.workspaceHeader(c, v, w, "Custom Apps"), Title: "Create Custom App", ListHref: base,
		Intro: "Its app id is generated, and a secret shown once.", Form: pages.ResForm{Action: base + "/new", Submit: "Create Custom App", Fields: customAppFields(st, "new", models.CustomApp{})}}
	p := h.resPage(c, w, "Create Custom App", layout.Crumb{Label: "Custom Apps", Href: base}, layout.Crumb{Label: "Create Custom App"})
	return render.Render(c, status, pages.ResNew(p, d))
}

// CustomAppCreate creates a custom app and shows its secret once.
func (h *Handler) CustomAppCreate(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	a, secret, err := h.Models.CreateCustomApp(c.Request().Context(), *v, w.ID, customAppInput(c), actor(c))
	if st, ok := failed(c, "new", err); ok {
		return h.renderCustomAppNew(c, statusOf(st), st)
	}
	if err != nil {
		return outcome(err)
	}
	return h.renderCustomApp(c, http.StatusCreated, w, a, nil, &pages.ResSecret{Label: "App secret", Value: secret, Note: "Gatehouse keeps only a hash of it."})
}

// CustomAppShow is a custom app's page.
func (h *Handler) CustomAppShow(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	return h.renderCustomApp(c, http.StatusOK, w, render.CustomApp(c), nil, nil)
}

func (h *Handler) renderCustomApp(c echo.Context, status int, w models.Workspace, a models.CustomApp, st *formState, secret *pages.ResSecret) error {
	v := render.Viewer(c)
	base := wsHref(c, w, "/custom-apps/"+strconv.FormatInt(a.ID, 10))
	manage := v.Perms.CanIn(authz.ManageCustomApps, w.ID)
	d := pages.ResShowData{Header: h.workspaceHeader(c, v, w, "Custom Apps"), Title: a.Name, Noun: "custom app", Secret: secret,
		ListHref: wsHref(c, w, "/custom-apps"), ListLabel: "Custom Apps", ReadOnly: !manage,
		Details: []pages.ResDetail{{Label: "Name", Value: a.Name}, {Label: "Type", Value: a.Type}, {Label: "URL", Value: a.URL, Code: true},
			{Label: "App ID", Value: a.AppID, Code: true}, {Label: "Secret", Value: secretSet(a.SecretCreatedAt, a.CreatedAt)}, {Label: "Created", Value: fmtTime(&a.CreatedAt, "")}, {Label: "Last updated", Value: fmtTime(&a.UpdatedAt, "")}}}
	if st != nil && st.Conflict {
		d.Conflict = conflictMessage
		st = nil
	}
	if manage {
		d.Forms = append(d.Forms, rotateForm(base, "The custom app"), pages.ResForm{ID: "settings", Title: "Settings", Action: base, Submit: "Save", Fields: append(customAppFields(st, "settings", a), versionField(st, "settings", a.Version))})
		d.DeleteHref = base + "/delete"
	}
	p := h.resPage(c, w, a.Name, layout.Crumb{Label: "Custom Apps", Href: wsHref(c, w, "/custom-apps")}, layout.Crumb{Label: a.Name})
	return render.Render(c, status, pages.ResShow(p, d))
}

// CustomAppUpdate saves a custom app.
func (h *Handler) CustomAppUpdate(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	a := render.CustomApp(c)
	up, err := h.Models.UpdateCustomApp(c.Request().Context(), *v, w.ID, a.ID, customAppInput(c), actor(c))
	if st, ok := failed(c, "settings", err); ok {
		if fresh, gerr := h.Models.CustomAppByID(c.Request().Context(), v.Tenant.ID, w.ID, a.ID); gerr == nil {
			a = fresh
		}
		return h.renderCustomApp(c, statusOf(st), w, a, st, nil)
	}
	if err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The custom app "+up.Name+" was saved.")
	return render.Redirect(c, wsHref(c, w, "/custom-apps/"+strconv.FormatInt(a.ID, 10)))
}

// CustomAppRotate gives the custom app a new secret, shown once.
func (h *Handler) CustomAppRotate(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	a, secret, err := h.Models.RotateCustomAppSecret(c.Request().Context(), *v, w.ID, render.CustomApp(c).ID, actor(c))
	if err != nil {
		return outcome(err)
	}
	return h.renderCustomApp(c, http.StatusOK, w, a, nil, &pages.ResSecret{Label: "New app secret", Value: secret,
		Note: "The previous secret stopped working: give this one to the app now. Gatehouse keeps only a hash of it."})
}

// CustomAppDeleteForm confirms the deletion of a custom app.
func (h *Handler) CustomAppDeleteForm(c echo.Context) error {
	a := render.CustomApp(c)
	return h.renderDeleteSimple(c, "Custom Apps", "/custom-apps", a.ID, a.Name, "custom app", "The custom app "+a.Name+" ("+a.URL+") will be deleted; its credentials stop working.")
}

// CustomAppDelete deletes a custom app.
func (h *Handler) CustomAppDelete(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	a := render.CustomApp(c)
	if err := h.Models.DeleteCustomApp(c.Request().Context(), *v, w.ID, a.ID, actor(c)); err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The custom app "+a.Name+" was deleted.")
	return render.Redirect(c, wsHref(c, w, "/custom-apps"))
}

// ---- Claims ----

// ClaimList is /t/{tenant}/workspaces/{workspace}/claims.
func (h *Handler) ClaimList(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	lp, lq := resList(c)
	rows, next, err := h.Models.ListClaims(c.Request().Context(), *v, w.ID, lq)
	if err != nil {
		return outcome(err)
	}
	base := wsHref(c, w, "/claims")
	d := pages.ResListData{Title: "Claims", Noun: "claim", ListHref: base, Search: lq.Search, SearchLabel: "Search by name or source",
		Intro:     "Values put into access and ID tokens when one of their scopes is granted (always, when they have none).",
		Columns:   []string{"Name", "Source", "Token", "Scopes"},
		ExtraHref: base + "/preview", ExtraLabel: "Preview"}
	if v.Perms.CanIn(authz.ManageWorkspaceClaims, w.ID) {
		d.NewHref, d.NewLabel = base+"/new", "Create Claim"
	}
	for _, cl := range rows {
		d.Rows = append(d.Rows, []pages.ResCell{{Text: cl.Name, Href: base + "/" + strconv.FormatInt(cl.ID, 10)}, {Text: cl.SourceType + ": " + cl.Source}, {Text: cl.Token}, {Text: joinOr(cl.ScopeList(), "Always")}})
	}
	d.Pager = lp.Pager(base, next, len(rows))
	return h.renderList(c, w, d)
}

func (h *Handler) claimFields(c echo.Context, w models.Workspace, st *formState, id string, cl models.Claim) ([]pages.ResField, error) {
	scopes, err := h.Models.WorkspaceScopeNames(c.Request().Context(), render.Viewer(c).Tenant.ID, w.ID)
	if err != nil {
		return nil, err
	}
	src, tok := cl.SourceType, cl.Token
	if src == "" {
		src, tok = "user_attribute", "id"
	}
	return []pages.ResField{
		{Label: "Name", Name: "name", Value: st.val(id, "name", cl.Name), Error: st.err(id, "name"), MaxLength: models.ResourceNameMax, Help: "The claim's name in the token, like department."},
		{Kind: "select", Label: "Source type", Name: "source_type", Options: options(models.ClaimSourceTypes, st.val(id, "source_type", src)), Error: st.err(id, "source_type")},
		{Label: "Source", Name: "source", Value: st.val(id, "source", cl.Source), Error: st.err(id, "source"), MaxLength: models.ClaimSourceMax,
			Help: "user_attribute: " + strings.Join(models.ClaimUserFields, ", ") + " or attributes.NAME; metadata: the key; static: the value."},
		{Kind: "select", Label: "Token", Name: "token", Options: options(models.ClaimTokens, st.val(id, "token", tok)), Error: st.err(id, "token")},
		{Kind: "checkboxes", Label: "Scopes", Name: "scopes", Options: options(scopes, st.vals(id, "scopes", cl.ScopeList())...), Error: st.err(id, "scopes"), Optional: true,
			Help: "Released when one of them is granted; with none, always."},
	}, nil
}

func claimInput(c echo.Context) models.ClaimInput {
	form, _ := c.FormParams()
	return models.ClaimInput{Name: c.FormValue("name"), SourceType: c.FormValue("source_type"), Source: c.FormValue("source"), Token: c.FormValue("token"), Scopes: form["scopes"], Version: formVersion(c)}
}

// ClaimNewForm is Create Claim.
func (h *Handler) ClaimNewForm(c echo.Context) error { return h.renderClaimNew(c, http.StatusOK, nil) }

func (h *Handler) renderClaimNew(c echo.Context, status int, st *formState) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	fs, err := h.claimFields(c, w, st, "new", models.Claim{})
	if err != nil {
		return err
	}
	base := wsHref(c, w, "/claims")
	d := pages.ResNewData{Header: h.workspaceHeader(c, v, w, "Claims"), Title: "Create Claim", ListHref: base, Form: pages.ResForm{Action: base + "/new", Submit: "Create Claim", Fields: fs}}
	p := h.resPage(c, w, "Create Claim", layout.Crumb{Label: "Claims", Href: base}, layout.Crumb{Label: "Create Claim"})
	return render.Render(c, status, pages.ResNew(p, d))
}

// ClaimCreate creates a claim.
func (h *Handler) ClaimCreate(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	cl, err := h.Models.CreateClaim(c.Request().Context(), *v, w.ID, claimInput(c), actor(c))
	if st, ok := failed(c, "new", err); ok {
		return h.renderClaimNew(c, statusOf(st), st)
	}
	if err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The claim "+cl.Name+" was created.")
	return render.Redirect(c, wsHref(c, w, "/claims/"+strconv.FormatInt(cl.ID, 10)))
}

// ClaimShow is a claim's page.
func (h *Handler) ClaimShow(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	return h.renderClaim(c, http.StatusOK, w, render.Claim(c), nil)
}

func (h *Handler) renderClaim(c echo.Context, status int, w models.Workspace, cl models.Claim, st *formState) error {
	v := render.Viewer(c)
	base := wsHref(c, w, "/claims/"+strconv.FormatInt(cl.ID, 10))
	manage := v.Perms.CanIn(authz.ManageWorkspaceClaims, w.ID)
	d := pages.ResShowData{Header: h.workspaceHeader(c, v, w, "Claims"), Title: cl.Name, Noun: "claim",
		ListHref: wsHref(c, w, "/claims"), ListLabel: "Claims", ReadOnly: !manage,
		Details: []pages.ResDetail{{Label: "Name", Value: cl.Name}, {Label: "Source type", Value: cl.SourceType}, {Label: "Source", Value: cl.Source, Code: true},
			{Label: "Token", Value: cl.Token}, {Label: "Scopes", List: cl.ScopeList()},
			{Label: "Created", Value: fmtTime(&cl.CreatedAt, "")}, {Label: "Last updated", Value: fmtTime(&cl.UpdatedAt, "")}}}
	if st != nil && st.Conflict {
		d.Conflict = conflictMessage
		st = nil
	}
	if manage {
		fs, err := h.claimFields(c, w, st, "settings", cl)
		if err != nil {
			return err
		}
		d.Forms = append(d.Forms, pages.ResForm{ID: "settings", Title: "Settings", Action: base, Submit: "Save", Fields: append(fs, versionField(st, "settings", cl.Version))})
		d.DeleteHref = base + "/delete"
	}
	p := h.resPage(c, w, cl.Name, layout.Crumb{Label: "Claims", Href: wsHref(c, w, "/claims")}, layout.Crumb{Label: cl.Name})
	return render.Render(c, status, pages.ResShow(p, d))
}

// ClaimUpdate saves a claim.
func (h *Handler) ClaimUpdate(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	cl := render.Claim(c)
	up, err := h.Models.UpdateClaim(c.Request().Context(), *v, w.ID, cl.ID, claimInput(c), actor(c))
	if st, ok := failed(c, "settings", err); ok {
		if fresh, gerr := h.Models.ClaimByID(c.Request().Context(), v.Tenant.ID, w.ID, cl.ID); gerr == nil {
			cl = fresh
		}
		return h.renderClaim(c, statusOf(st), w, cl, st)
	}
	if err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The claim "+up.Name+" was saved.")
	return render.Redirect(c, wsHref(c, w, "/claims/"+strconv.FormatInt(cl.ID, 10)))
}

// ClaimDeleteForm confirms the deletion of a claim.
func (h *Handler) ClaimDeleteForm(c echo.Context) error {
	cl := render.Claim(c)
	return h.renderDeleteSimple(c, "Claims", "/claims", cl.ID, cl.Name, "claim", "The claim "+cl.Name+" will no longer be put into "+cl.Token+" tokens.")
}

// ClaimDelete deletes a claim.
func (h *Handler) ClaimDelete(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	cl := render.Claim(c)
	if err := h.Models.DeleteClaim(c.Request().Context(), *v, w.ID, cl.ID, actor(c)); err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The claim "+cl.Name+" was deleted.")
	return render.Redirect(c, wsHref(c, w, "/claims"))
}

// ClaimPreview is /claims/preview: the claims a user would get for chosen
// scopes (GET: the form; POST: the result).
func (h *Handler) ClaimPreview(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	scopes, err := h.Models.WorkspaceScopeNames(ctx, v.Tenant.ID, w.ID)
	if err != nil {
		return err
	}
	form, _ := c.FormParams()
	st := &formState{ID: "preview", Values: form, Errors: map[string]string{}}
	status := http.StatusOK
	var results []pages.ResResult
	if c.Request().Method == http.MethodPost {
		got, err := h.Models.PreviewClaims(ctx, *v, w.ID, c.FormValue("user"), form["scopes"])
		if fs, ok := failed(c, "preview", err); ok {
			st, status = fs, http.StatusUnprocessableEntity
		} else if err != nil {
			return outcome(err)
		} else {
			r := pages.ResResult{ID: "result", Kind: "info", Title: "Claims for " + strings.TrimSpace(c.FormValue("user"))}
			for _, p := range got {
				val := "(no value: left out)"
				if p.Value != nil {
					val = fmt.Sprint(p.Value)
				}
				r.Lines = append(r.Lines, p.Token+" token: "+p.Name+" = "+val)
			}
			if len(r.Lines) == 0 {
				r.Lines = []string{"No claim is released for these scopes."}
			}
			results = append(results, r)
		}
	}
	all, pools, err := h.Models.PreviewPools(ctx, *v, w.ID)
	if err != nil {
		return err
	}
	who, userHelp := "an end user of the tenant", "The e-mail address of an end user of the tenant."
	if !all {
		who, userHelp = "a user of the identity pools this workspace signs in with", "The e-mail address of a user of an identity pool this workspace signs in with (its identity providers of method identity_pool)."
		if len(pools) == 0 {
			userHelp = "This workspace signs in with no identity pool yet: add an identity provider of method identity_pool first."
		}
	}
	base := wsHref(c, w, "/claims")
	d := pages.ResShowData{Header: h.workspaceHeader(c, v, w, "Claims"), Title: "Preview", Noun: "preview", ListHref: base, ListLabel: "Claims",
		Details: []pages.ResDetail{{Label: "What it shows", Value: "The claims of this workspace that " + who + " would get in their tokens for the scopes chosen."}},
		Results: results,
		Forms: []pages.ResForm{{ID: "preview", Title: "Preview claims", Action: base + "/preview", Submit: "Preview", Fields: []pages.ResField{
			{Kind: "email", Label: "User", Name: "user", Value: st.val("preview", "user", ""), Error: st.err("preview", "user"), Help: userHelp},
			{Kind: "checkboxes", Label: "Scopes", Name: "scopes", Options: options(scopes, st.vals("preview", "scopes", nil)...), Optional: true},
		}}}}
	p := h.resPage(c, w, "Preview claims", layout.Crumb{Label: "Claims", Href: base}, layout.Crumb{Label: "Preview"})
	return render.Render(c, status, pages.ResShow(p, d))
}
