package handlers

import (
	"net/http"
	"strconv"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/views/layout"
	"gatehouse/views/pages"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// PolicyList is /t/{tenant}/workspaces/{workspace}/policies.
func (h *Handler) PolicyList(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	lp, lq := resList(c)
	rows, next, err := h.Models.ListPolicies(c.Request().Context(), *v, w.ID, lq)
	if err != nil {
		return outcome(err)
	}
	base := wsHref(c, w, "/policies")
	d := pages.ResListData{Title: "Policies", Noun: "policy", ListHref: base, Search: lq.Search, SearchLabel: "Search by name or description",
		Intro:   "CEL expressions over request, user, client and scopes that allow (true) or deny (false); an API may name one.",
		Columns: []string{"Name", "Description", "Last updated"}}
	if v.Perms.CanIn(authz.ManageWorkspacePolicies, w.ID) {
		d.NewHref, d.NewLabel = base+"/new", "Create Policy"
	}
	for _, p := range rows {
		d.Rows = append(d.Rows, []pages.ResCell{{Text: p.Name, Href: base + "/" + strconv.FormatInt(p.ID, 10)}, {Text: p.Description, Muted: true}, {Text: fmtTime(&p.UpdatedAt, "")}})
	}
	d.Pager = lp.Pager(base, next, len(rows))
	return h.renderList(c, w, d)
}

const policyHelp = "A CEL expression that yields true (allow) or false (deny), over request, user, client (maps) and scopes (a list of strings), " +
	"like 'admin' in user.roles && request.method == 'GET'. It is compiled when saved."

func policyFields(st *formState, id string, p models.Policy) []pages.ResField {
	return []pages.ResField{
		{Label: "Name", Name: "name", Value: st.val(id, "name", p.Name), Error: st.err(id, "name"), MaxLength: models.ResourceNameMax},
		{Kind: "textarea", Label: "Description", Name: "description", Value: st.val(id, "description", p.Description), Error: st.err(id, "description"), Optional: true, Rows: 2, MaxLength: models.PolicyDescriptionMax},
		{Kind: "textarea", Label: "Definition", Name: "definition", Value: st.val(id, "definition", p.Definition), Error: st.err(id, "definition"), Rows: 8, Mono: true, Help: policyHelp},
	}
}

// PolicyNewForm is Create Policy.
func (h *Handler) PolicyNewForm(c echo.Context) error {
	return h.renderPolicyNew(c, http.StatusOK, nil)
}

func (h *Handler) renderPolicyNew(c echo.Context, status int, st *formState) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	base := wsHref(c, w, "/policies")
	d := pages.ResNewData{Header: h.workspaceHeader(c, v, w, "Policies"), Title: "Create Policy", ListHref: base,
		Form: pages.ResForm{Action: base + "/new", Submit: "Create Policy", Fields: policyFields(st, "new", models.Policy{})}}
	p := h.resPage(c, w, "Create Policy", layout.Crumb{Label: "Policies", Href: base}, layout.Crumb{Label: "Create Policy"})
	return render.Render(c, status, pages.ResNew(p, d))
}

func policyInput(c echo.Context) models.PolicyInput {
	return models.PolicyInput{Name: c.FormValue("name"), Description: c.FormValue("description"), Definition: c.FormValue("definition"), Version: formVersion(c)}
}

// PolicyCreate compiles and creates a policy.
func (h *Handler) PolicyCreate(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	p, err := h.Models.CreatePolicy(c.Request().Context(), *v, w.ID, policyInput(c), actor(c))
	if st, ok := failed(c, "new", err); ok {
		return h.renderPolicyNew(c, statusOf(st), st)
	}
	if err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The policy "+p.Name+" was created. Try it with Test.")
	return render.Redirect(c, wsHref(c, w, "/policies/"+strconv.FormatInt(p.ID, 10)))
}

func (h *Handler) loadPolicy(c echo.Context) (models.Workspace, models.Policy, error) {
	w, err := currentWorkspace(c)
	return w, render.Policy(c), err
}

// PolicyShow is a policy's page, with Test.
func (h *Handler) PolicyShow(c echo.Context) error {
	return h.renderPolicy(c, http.StatusOK, nil, nil)
}

const sampleInput = `{
  "request": {"method": "GET", "path": "/accounts/42"},
  "user": {"id": "42", "roles": ["admin"]},
  "client": {"id": "web"},
  "scopes": ["read:accounts"]
}`

func (h *Handler) renderPolicy(c echo.Context, status int, st *formState, result *pages.ResResult) error {
	v := render.Viewer(c)
	w, p, err := h.loadPolicy(c)
	if err != nil {
		return err
	}
	users, err := h.Models.PolicyUsers(c.Request().Context(), v.Tenant.ID, p.ID)
	if err != nil {
		return err
	}
	base := wsHref(c, w, "/policies/"+strconv.FormatInt(p.ID, 10))
	manage := v.Perms.CanIn(authz.ManageWorkspacePolicies, w.ID)
	d := pages.ResShowData{Header: h.workspaceHeader(c, v, w, "Policies"), Title: p.Name, Noun: "policy",
		ListHref: wsHref(c, w, "/policies"), ListLabel: "Policies", ReadOnly: !manage,
		Details: []pages.ResDetail{
			{Label: "Name", Value: p.Name}, {Label: "Description", Value: p.Description}, {Label: "Definition", Value: p.Definition, Code: true},
			{Label: "Used by", List: users},
			{Label: "Created", Value: fmtTime(&p.CreatedAt, "")}, {Label: "Last updated", Value: fmtTime(&p.UpdatedAt, "")},
		}}
	if result != nil {
		d.Results = append(d.Results, *result)
	}
	if st != nil && st.Conflict {
		d.Conflict = conflictMessage
		st = nil
	}
	d.Forms = append(d.Forms, pages.ResForm{ID: "test", Title: "Test", Action: base + "/test", Submit: "Test",
		Intro: "Evaluates the definition against a JSON input with the keys request, user, client and scopes. Nothing is saved.",
		Fields: []pages.ResField{
			{Kind: "hidden", Name: "definition", Value: st.val("test", "definition", p.Definition)},
			{Kind: "textarea", Label: "Input", Name: "input", Value: st.val("test", "input", sampleInput), Error: st.err("test", "input"), Rows: 7, Mono: true},
		}, Error: st.err("test", "definition")})
	if manage {
		d.Forms = append(d.Forms, pages.ResForm{ID: "settings", Title: "Settings", Action: base, Submit: "Save",
			Fields: append(policyFields(st, "settings", p), versionField(st, "settings", p.Version))})
		d.DeleteHref = base + "/delete"
	}
	pg := h.resPage(c, w, p.Name, layout.Crumb{Label: "Policies", Href: wsHref(c, w, "/policies")}, layout.Crumb{Label: p.Name})
	return render.Render(c, status, pages.ResShow(pg, d))
}

// PolicyUpdate compiles and saves a policy.
func (h *Handler) PolicyUpdate(c echo.Context) error {
	v := render.Viewer(c)
	w, p, err := h.loadPolicy(c)
	if err != nil {
		return err
	}
	up, err := h.Models.UpdatePolicy(c.Request().Context(), *v, w.ID, p.ID, policyInput(c), actor(c))
	if st, ok := failed(c, "settings", err); ok {
		return h.renderPolicy(c, statusOf(st), st, nil)
	}
	if err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The policy "+up.Name+" was saved.")
	return render.Redirect(c, wsHref(c, w, "/policies/"+strconv.FormatInt(p.ID, 10)))
}

// PolicyTest evaluates the policy against the typed input.
func (h *Handler) PolicyTest(c echo.Context) error {
	v := render.Viewer(c)
	w, p, err := h.loadPolicy(c)
	if err != nil {
		return err
	}
	def := c.FormValue("definition")
	if def == "" {
		def = p.Definition
	}
	res, err := h.Models.TestPolicy(c.Request().Context(), *v, w.ID, def, c.FormValue("input"))
	if st, ok := failed(c, "test", err); ok {
		return h.renderPolicy(c, http.StatusUnprocessableEntity, st, nil)
	}
	if err != nil {
		return outcome(err)
	}
	r := pages.ResResult{ID: "result", Kind: "deny", Title: "Deny", Lines: []string{"The policy yields false for this input."}}
	switch {
	case res.Error != "":
		r = pages.ResResult{ID: "result", Kind: "error", Title: "Evaluation error", Lines: []string{res.Error}}
	case res.Allowed:
		r = pages.ResResult{ID: "result", Kind: "allow", Title: "Allow", Lines: []string{"The policy yields true for this input."}}
	}
	form, _ := c.FormParams()
	return h.renderPolicy(c, http.StatusOK, &formState{ID: "test", Values: form, Errors: map[string]string{}}, &r)
}

// PolicyDeleteForm confirms the deletion of a policy.
func (h *Handler) PolicyDeleteForm(c echo.Context) error {
	return h.renderPolicyDelete(c, http.StatusOK, "")
}

func (h *Handler) renderPolicyDelete(c echo.Context, status int, msg string) error {
	v := render.Viewer(c)
	w, p, err := h.loadPolicy(c)
	if err != nil {
		return err
	}
	base := wsHref(c, w, "/policies/"+strconv.FormatInt(p.ID, 10))
	d := pages.ResDeleteData{Header: h.workspaceHeader(c, v, w, "Policies"), Title: "Delete " + p.Name + "?", Action: base + "/delete", Submit: "Delete policy", BackHref: base,
		Lines: []string{"The policy " + p.Name + " will be deleted. A policy that an API names cannot be deleted."}, Error: msg}
	pg := h.resPage(c, w, "Delete "+p.Name, layout.Crumb{Label: "Policies", Href: wsHref(c, w, "/policies")}, layout.Crumb{Label: p.Name, Href: base}, layout.Crumb{Label: "Delete"})
	return render.Render(c, status, pages.ResDelete(pg, d))
}

// PolicyDelete deletes a policy no API names.
func (h *Handler) PolicyDelete(c echo.Context) error {
	v := render.Viewer(c)
	w, p, err := h.loadPolicy(c)
	if err != nil {
		return err
	}
	err = h.Models.DeletePolicy(c.Request().Context(), *v, w.ID, p.ID, actor(c))
	if st, ok := failed(c, "delete", err); ok {
		return h.renderPolicyDelete(c, http.StatusUnprocessableEntity, st.Errors["policy"])
	}
	if err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The policy "+p.Name+" was deleted.")
	return render.Redirect(c, wsHref(c, w, "/policies"))
}
