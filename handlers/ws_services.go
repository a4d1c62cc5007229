package handlers

import (
	"errors"
	"fmt"
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

// ServiceList is /t/{tenant}/workspaces/{workspace}/services.
func (h *Handler) ServiceList(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	lp, lq := resList(c)
	rows, next, err := h.Models.ListServices(c.Request().Context(), *v, w.ID, lq)
	if err != nil {
		return outcome(err)
	}
	base := wsHref(c, w, "/services")
	d := pages.ResListData{Title: "Services", Noun: "service", ListHref: base, Search: lq.Search, SearchLabel: "Search by name or audience",
		Intro:   "Resource servers: the audience of their access tokens, their scopes and their APIs.",
		Columns: []string{"Name", "Audience", "Description"}}
	if v.Perms.CanIn(authz.ManageServicesInWorkspace, w.ID) {
		d.NewHref, d.NewLabel = base+"/new", "Create Service"
	}
	for _, sv := range rows {
		d.Rows = append(d.Rows, []pages.ResCell{{Text: sv.Name, Href: base + "/" + strconv.FormatInt(sv.ID, 10)}, {Text: sv.Audience, Code: true}, {Text: sv.Description, Muted: true}})
	}
	d.Pager = lp.Pager(base, next, len(rows))
	return h.renderList(c, w, d)
}

func serviceFields(st *formState, id string, sv models.Service) []pages.ResField {
	return []pages.ResField{
		{Label: "Name", Name: "name", Value: st.val(id, "name", sv.Name), Error: st.err(id, "name"), MaxLength: models.ResourceNameMax, Help: "Like “Accounts API”."},
		{Label: "Audience", Name: "audience", Value: st.val(id, "audience", sv.Audience), Error: st.err(id, "audience"), MaxLength: models.ServiceAudienceMax,
			Help: "The aud of its access tokens: an absolute URI, unique in the workspace, like https://api.example.com/accounts."},
		{Kind: "textarea", Label: "Description", Name: "description", Value: st.val(id, "description", sv.Description), Error: st.err(id, "description"),
			Optional: true, Rows: 3, MaxLength: models.ServiceDescriptionMax},
	}
}

// ServiceNewForm is Create Service.
func (h *Handler) ServiceNewForm(c echo.Context) error {
	return h.renderServiceNew(c, http.StatusOK, nil)
}

func (h *Handler) renderServiceNew(c echo.Context, status int, st *formState) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	base := wsHref(c, w, "/services")
	d := pages.ResNewData{Header: h.workspaceHeader(c, v, w, "Services"), Title: "Create Service", ListHref: base,
		Intro: "A service is an API that accepts the workspace's access tokens.",
		Form:  pages.ResForm{Action: base + "/new", Submit: "Create Service", Fields: serviceFields(st, "new", models.Service{})}}
	p := h.resPage(c, w, "Create Service", layout.Crumb{Label: "Services", Href: base}, layout.Crumb{Label: "Create Service"})
	return render.Render(c, status, pages.ResNew(p, d))
}

// ServiceCreate creates a service and opens it.
func (h *Handler) ServiceCreate(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	in := models.ServiceInput{Name: c.FormValue("name"), Audience: c.FormValue("audience"), Description: c.FormValue("description")}
	sv, err := h.Models.CreateService(c.Request().Context(), *v, w.ID, in, actor(c))
	if st, ok := failed(c, "new", err); ok {
		return h.renderServiceNew(c, http.StatusUnprocessableEntity, st)
	}
	if err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The service "+sv.Name+" was created. Add its scopes and APIs, or import them from an OpenAPI document.")
	return render.Redirect(c, wsHref(c, w, "/services/"+strconv.FormatInt(sv.ID, 10)))
}

// loadService is the service the URL names, loaded by the route.
func (h *Handler) loadService(c echo.Context) (models.Workspace, models.Service, error) {
	w, err := currentWorkspace(c)
	return w, render.Service(c), err
}

// ServiceShow is a service's page: details, settings, scopes and APIs.
func (h *Handler) ServiceShow(c echo.Context) error {
	return h.renderService(c, http.StatusOK, nil, nil)
}

func (h *Handler) renderService(c echo.Context, status int, st *formState, result *pages.ResResult) error {
	v := render.Viewer(c)
	w, sv, err := h.loadService(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	scopes, err := h.Models.ServiceScopes(ctx, v.Tenant.ID, sv.ID)
	if err != nil {
		return err
	}
	base := wsHref(c, w, "/services/"+strconv.FormatInt(sv.ID, 10))
	manage := v.Perms.CanIn(authz.ManageServicesInWorkspace, w.ID)
	manageAPIs := v.Perms.CanIn(authz.ManageWorkspaceAPIs, w.ID)
	d := pages.ResShowData{Header: h.workspaceHeader(c, v, w, "Services"), Title: sv.Name, Noun: "service",
		ListHref: wsHref(c, w, "/services"), ListLabel: "Services", ReadOnly: !manage,
		Details: []pages.ResDetail{
			{Label: "Name", Value: sv.Name}, {Label: "Audience", Value: sv.Audience, Code: true}, {Label: "Description", Value: sv.Description},
			{Label: "Created", Value: fmtTime(&sv.CreatedAt, "")}, {Label: "Last updated", Value: fmtTime(&sv.UpdatedAt, "")},
		}}
	if result != nil {
		d.Results = append(d.Results, *result)
	}
	if st != nil && st.Conflict {
		d.Conflict = conflictMessage
		st = nil
	}
	if manage {
		d.Forms = append(d.Forms, pages.ResForm{ID: "settings", Title: "Settings", Action: base, Submit: "Save",
			Fields: append(serviceFields(st, "settings", sv), versionField(st, "settings", sv.Version))})
		d.DeleteHref = base + "/delete"
	}
	ts := pages.ResTableSection{ID: "scopes", Title: "Scopes", Columns: []string{"Scope", "Description"},
		Empty: "No scopes yet.", Intro: "What a client may be granted on this service.", Error: st.err("scopes-remove", "scope")}
	var scopeNames []string
	for _, sc := range scopes {
		scopeNames = append(scopeNames, sc.Scope)
		ts.Rows = append(ts.Rows, []pages.ResCell{{Text: sc.Scope, Code: true}, {Text: sc.Description, Muted: true}})
		if manage {
			ts.RemoveHrefs = append(ts.RemoveHrefs, base+"/scopes/"+strconv.FormatInt(sc.ID, 10)+"/delete")
		}
	}
	d.Tables = append(d.Tables, ts)
	if manage {
		d.Tables[0].Title = "Scopes"
		d.After = append(d.After, pages.ResForm{ID: "add-scope", Title: "Add scope", Action: base + "/scopes", Submit: "Add scope", Fields: []pages.ResField{
			{Label: "Scope", Name: "scope", Value: st.val("add-scope", "scope", ""), Error: st.err("add-scope", "scope"), MaxLength: 100, Help: "Like read:accounts."},
			{Label: "Description", Name: "description", Value: st.val("add-scope", "description", ""), Error: st.err("add-scope", "description"), MaxLength: models.ScopeDescriptionMax},
		}})
	}
	if v.Perms.CanIn(authz.ReadWorkspaceAPIs, w.ID) {
		apis, err := h.Models.ServiceAPIs(ctx, v.Tenant.ID, sv.ID)
		if err != nil {
			return err
		}
		policies, err := h.Models.AllPolicies(ctx, v.Tenant.ID, w.ID)
		if err != nil {
			return err
		}
		policyName := map[int64]string{}
		for _, p := range policies {
			policyName[p.ID] = p.Name
		}
		ta := pages.ResTableSection{ID: "apis", Title: "APIs", Columns: []string{"Method", "Path", "Required scopes", "Policy", "Summary"},
			Empty: "No APIs yet: add one, or import them from an OpenAPI 3 document."}
		for _, a := range apis {
			pol := pages.ResCell{Text: "None", Muted: true}
			if a.PolicyID != nil {
				pol = pages.ResCell{Text: policyName[*a.PolicyID], Href: wsHref(c, w, "/policies/"+strconv.FormatInt(*a.PolicyID, 10))}
			}
			ta.Rows = append(ta.Rows, []pages.ResCell{{Text: a.Method, Code: true}, {Text: a.Path, Href: base + "/apis/" + strconv.FormatInt(a.ID, 10)}, {Text: joinOr(a.ScopeList(), "None (public)")}, pol, {Text: a.Summary, Muted: true}})
			if manageAPIs {
				ta.RemoveHrefs = append(ta.RemoveHrefs, base+"/apis/"+strconv.FormatInt(a.ID, 10)+"/delete")
			}
		}
		d.Tables = append(d.Tables, ta)
		if manageAPIs {
			d.After = append(d.After, pages.ResForm{ID: "add-api", Title: "Add API", Action: base + "/apis", Submit: "Add API",
				Fields: apiFields(st, "add-api", models.ServiceAPI{Method: "GET"}, scopeNames, policies)})
			if manage {
				d.After = append(d.After, pages.ResForm{ID: "import", Title: "Import from OpenAPI 3", Action: base + "/import", Submit: "Import",
					Intro:  "Paste an OpenAPI 3 document (JSON or YAML): each operation becomes an API with the scopes its security requirements name; missing scopes are added to the service. Only references inside the document are followed; nothing is fetched.",
					Fields: []pages.ResField{{Kind: "textarea", Label: "OpenAPI document", Name: "openapi", Value: st.val("import", "openapi", ""), Error: st.err("import", "openapi"), Rows: 12, Mono: true}}})
			}
		}
	}
	p := h.resPage(c, w, sv.Name, layout.Crumb{Label: "Services", Href: wsHref(c, w, "/services")}, layout.Crumb{Label: sv.Name})
	return render.Render(c, status, pages.ResShow(p, d))
}

// ServiceUpdate saves a service's settings.
func (h *Handler) ServiceUpdate(c echo.Context) error {
	v := render.Viewer(c)
	w, sv, err := h.loadService(c)
	if err != nil {
		return err
	}
	in := models.ServiceInput{Name: c.FormValue("name"), Audience: c.FormValue("audience"), Description: c.FormValue("description"), Version: formVersion(c)}
	up, err := h.Models.UpdateService(c.Request().Context(), *v, w.ID, sv.ID, in, actor(c))
	if st, ok := failed(c, "settings", err); ok {
		return h.renderService(c, statusOf(st), st, nil)
	}
	if err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The service "+up.Name+" was saved.")
	return render.Redirect(c, wsHref(c, w, "/services/"+strconv.FormatInt(sv.ID, 10)))
}

// statusOf is 409 for a conflict, 422 for invalid input.
func statusOf(st *formState) int {
	if st.Conflict {
		return http.StatusConflict
	}
	return http.StatusUnprocessableEntity
}

// ServiceDeleteForm confirms the deletion of a service.
func (h *Handler) ServiceDeleteForm(c echo.Context) error {
	v := render.Viewer(c)
	w, sv, err := h.loadService(c)
	if err != nil {
		return err
	}
	n, err := h.Models.CountServiceParts(c.Request().Context(), v.Tenant.ID, sv.ID)
	if err != nil {
		return err
	}
	base := wsHref(c, w, "/services/"+strconv.FormatInt(sv.ID, 10))
	d := pages.ResDeleteData{Header: h.workspaceHeader(c, v, w, "Services"), Title: "Delete " + sv.Name + "?", Action: base + "/delete", Submit: "Delete service", BackHref: base,
		Lines: []string{fmt.Sprintf("This deletes the service %s (%s) with its %d %s and %d %s. Tokens for its audience will no longer be issued.",
			sv.Name, sv.Audience, n.Scopes, pluralWord(n.Scopes, "scope", "scopes"), n.APIs, pluralWord(n.APIs, "API", "APIs"))}}
	p := h.resPage(c, w, "Delete "+sv.Name, layout.Crumb{Label: "Services", Href: wsHref(c, w, "/services")}, layout.Crumb{Label: sv.Name, Href: base}, layout.Crumb{Label: "Delete"})
	return render.Render(c, http.StatusOK, pages.ResDelete(p, d))
}

// ServiceDelete deletes a service.
func (h *Handler) ServiceDelete(c echo.Context) error {
	v := render.Viewer(c)
	w, sv, err := h.loadService(c)
	if err != nil {
		return err
	}
	if err := h.Models.DeleteService(c.Request().Context(), *v, w.ID, sv.ID, actor(c)); err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The service "+sv.Name+" was deleted.")
	return render.Redirect(c, wsHref(c, w, "/services"))
}

// ServiceAddScope adds a scope to a service.
func (h *Handler) ServiceAddScope(c echo.Context) error {
	v := render.Viewer(c)
	w, sv, err := h.loadService(c)
	if err != nil {
		return err
	}
	sc, err := h.Models.AddServiceScope(c.Request().Context(), *v, w.ID, sv.ID, models.ScopeInput{Scope: c.FormValue("scope"), Description: c.FormValue("description")}, actor(c))
	if st, ok := failed(c, "add-scope", err); ok {
		return h.renderService(c, statusOf(st), st, nil)
	}
	if err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The scope "+sc.Scope+" was added.")
	return render.Redirect(c, wsHref(c, w, "/services/"+strconv.FormatInt(sv.ID, 10)+"#scopes"))
}

// ServiceRemoveScope removes a scope no API requires.
func (h *Handler) ServiceRemoveScope(c echo.Context) error {
	v := render.Viewer(c)
	w, sv, err := h.loadService(c)
	if err != nil {
		return err
	}
	err = h.Models.RemoveServiceScope(c.Request().Context(), *v, w.ID, sv.ID, render.ParamID(c, "scope"), actor(c))
	if st, ok := failed(c, "scopes-remove", err); ok {
		return h.renderService(c, statusOf(st), st, nil)
	}
	if err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The scope was removed.")
	return render.Redirect(c, wsHref(c, w, "/services/"+strconv.FormatInt(sv.ID, 10)+"#scopes"))
}

// ServiceAddAPI adds an API to a service.
func (h *Handler) ServiceAddAPI(c echo.Context) error {
	v := render.Viewer(c)
	w, sv, err := h.loadService(c)
	if err != nil {
		return err
	}
	api, err := h.Models.AddServiceAPI(c.Request().Context(), *v, w.ID, sv.ID, apiInput(c), actor(c))
	if st, ok := failed(c, "add-api", err); ok {
		return h.renderService(c, statusOf(st), st, nil)
	}
	if err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The API "+api.Method+" "+api.Path+" was added.")
	return render.Redirect(c, wsHref(c, w, "/services/"+strconv.FormatInt(sv.ID, 10)+"#apis"))
}

// ServiceRemoveAPI removes an API.
func (h *Handler) ServiceRemoveAPI(c echo.Context) error {
	v := render.Viewer(c)
	w, sv, err := h.loadService(c)
	if err != nil {
		return err
	}
	api := render.API(c)
	if err := h.Models.RemoveServiceAPI(c.Request().Context(), *v, w.ID, sv.ID, api.ID, actor(c)); err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The API "+api.Method+" "+api.Path+" was removed.")
	return render.Redirect(c, wsHref(c, w, "/services/"+strconv.FormatInt(sv.ID, 10)+"#apis"))
}

// ServiceImport imports APIs from an OpenAPI 3 document.
func (h *Handler) ServiceImport(c echo.Context) error {
	v := render.Viewer(c)
	w, sv, err := h.loadService(c)
	if err != nil {
		return err
	}
	res, err := h.Models.ImportServiceAPIs(c.Request().Context(), *v, w.ID, sv.ID, c.FormValue("openapi"), actor(c))
	if st, ok := failed(c, "import", err); ok {
		return h.renderService(c, statusOf(st), st, nil)
	}
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return outcome(err)
	}
	if err != nil {
		return echo.ErrNotFound
	}
	msg := fmt.Sprintf("Imported %s: %d %s created, %d updated, %d unchanged; %d %s added.", strings.TrimSpace(res.Title),
		res.Created, pluralWord(int64(res.Created), "API", "APIs"), res.Updated, res.Unchanged, res.ScopesCreated, pluralWord(int64(res.ScopesCreated), "scope", "scopes"))
	h.Flashes.Set(c, "success", msg)
	return render.Redirect(c, wsHref(c, w, "/services/"+strconv.FormatInt(sv.ID, 10)+"#apis"))
}

// apiFields is the form of an API (Add API, or an API's page).
func apiFields(st *formState, id string, a models.ServiceAPI, scopeNames []string, policies []models.Policy) []pages.ResField {
	stored := ""
	if a.PolicyID != nil {
		stored = strconv.FormatInt(*a.PolicyID, 10)
	}
	chosen := st.val(id, "policy", stored)
	polOpts := []pages.ResOption{{Value: "", Label: "None"}}
	for _, p := range policies {
		pid := strconv.FormatInt(p.ID, 10)
		polOpts = append(polOpts, pages.ResOption{Value: pid, Label: p.Name, Selected: pid == chosen})
	}
	return []pages.ResField{
		{Kind: "select", Label: "Method", Name: "method", Options: options(models.APIMethods, st.val(id, "method", a.Method)), Error: st.err(id, "method")},
		{Label: "Path", Name: "path", Value: st.val(id, "path", a.Path), Error: st.err(id, "path"), MaxLength: models.APIPathMax, Help: "Like /accounts/{id}."},
		{Kind: "checkboxes", Label: "Required scopes", Name: "scopes", Options: options(scopeNames, st.vals(id, "scopes", a.ScopeList())...), Error: st.err(id, "scopes"), Optional: true,
			Help: "A token needs all of them; with none, the API is public."},
		{Kind: "select", Label: "Policy", Name: "policy", Options: polOpts, Error: st.err(id, "policy"), Help: "A policy of this workspace that decides access, or none."},
		{Label: "Summary", Name: "summary", Value: st.val(id, "summary", a.Summary), Error: st.err(id, "summary"), MaxLength: models.APISummaryMax, Optional: true},
	}
}

// apiInput reads an API's form.
func apiInput(c echo.Context) models.APIInput {
	form, _ := c.FormParams()
	in := models.APIInput{Method: c.FormValue("method"), Path: c.FormValue("path"), Scopes: form["scopes"], Summary: c.FormValue("summary"), Version: formVersion(c)}
	if p := strings.TrimSpace(c.FormValue("policy")); p != "" {
		id, perr := strconv.ParseInt(p, 10, 64)
		if perr != nil || id <= 0 {
			id = -1
		}
		in.PolicyID = id
	}
	return in
}

// ServiceAPIShow is an API's page: its details, and its form for those
// who manage APIs.
func (h *Handler) ServiceAPIShow(c echo.Context) error {
	return h.renderServiceAPI(c, http.StatusOK, render.API(c), nil)
}

func (h *Handler) renderServiceAPI(c echo.Context, status int, a models.ServiceAPI, st *formState) error {
	v := render.Viewer(c)
	w, sv, err := h.loadService(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	policies, err := h.Models.AllPolicies(ctx, v.Tenant.ID, w.ID)
	if err != nil {
		return err
	}
	svcHref := wsHref(c, w, "/services/"+strconv.FormatInt(sv.ID, 10))
	base := svcHref + "/apis/" + strconv.FormatInt(a.ID, 10)
	manage := v.Perms.CanIn(authz.ManageWorkspaceAPIs, w.ID)
	policy := ""
	for _, p := range policies {
		if a.PolicyID != nil && p.ID == *a.PolicyID {
			policy = p.Name
		}
	}
	title := a.Method + " " + a.Path
	d := pages.ResShowData{Header: h.workspaceHeader(c, v, w, "Services"), Title: title, Noun: "API",
		ListHref: svcHref + "#apis", ListLabel: sv.Name, ReadOnly: !manage,
		Details: []pages.ResDetail{
			{Label: "Service", Value: sv.Name}, {Label: "Method", Value: a.Method, Code: true}, {Label: "Path", Value: a.Path, Code: true},
			{Label: "Required scopes", List: a.ScopeList()}, {Label: "Policy", Value: policy}, {Label: "Summary", Value: a.Summary},
			{Label: "Created", Value: fmtTime(&a.CreatedAt, "")}, {Label: "Last updated", Value: fmtTime(&a.UpdatedAt, "")},
		}}
	if st != nil && st.Conflict {
		d.Conflict = conflictMessage
		st = nil
	}
	if manage {
		scopes, err := h.Models.ServiceScopes(ctx, v.Tenant.ID, sv.ID)
		if err != nil {
			return err
		}
		var names []string
		for _, sc := range scopes {
			names = append(names, sc.Scope)
		}
		d.Forms = append(d.Forms, pages.ResForm{ID: "settings", Title: "Settings", Action: base, Submit: "Save",
			Fields: append(apiFields(st, "settings", a, names, policies), versionField(st, "settings", a.Version))})
		d.After = append(d.After, pages.ResForm{ID: "remove", Title: "Remove", Action: base + "/delete", Submit: "Remove API", Danger: true,
			Intro: "The service no longer lists " + title + "; its authorizers stop recognising it."})
	}
	p := h.resPage(c, w, title+" · "+sv.Name, layout.Crumb{Label: "Services", Href: wsHref(c, w, "/services")}, layout.Crumb{Label: sv.Name, Href: svcHref}, layout.Crumb{Label: title})
	return render.Render(c, status, pages.ResShow(p, d))
}

// ServiceAPIUpdate saves an API's form.
func (h *Handler) ServiceAPIUpdate(c echo.Context) error {
	v := render.Viewer(c)
	w, sv, err := h.loadService(c)
	if err != nil {
		return err
	}
	a := render.API(c)
	up, err := h.Models.UpdateServiceAPI(c.Request().Context(), *v, w.ID, sv.ID, a.ID, apiInput(c), actor(c))
	if st, ok := failed(c, "settings", err); ok {
		if st.Conflict {
			if fresh, gerr := h.Models.ServiceAPIByID(c.Request().Context(), v.Tenant.ID, w.ID, sv.ID, a.ID); gerr == nil {
				a = fresh
			}
		}
		return h.renderServiceAPI(c, statusOf(st), a, st)
	}
	if err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The API "+up.Method+" "+up.Path+" was saved.")
	return render.Redirect(c, wsHref(c, w, "/services/"+strconv.FormatInt(sv.ID, 10)+"/apis/"+strconv.FormatInt(a.ID, 10)))
}
