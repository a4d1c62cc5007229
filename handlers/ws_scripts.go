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

// ScriptList is /t/{tenant}/workspaces/{workspace}/scripts.
func (h *Handler) ScriptList(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	lq := resListParams(c)
	rows, next, err := h.Models.ListScripts(c.Request().Context(), *v, w.ID, lq)
	if err != nil {
		return outcome(err)
	}
	base := wsHref(c, w, "/scripts")
	d := pages.ResListData{Title: "Extension Scripts", Noun: "script", ListHref: base, Search: lq.Search, SearchLabel: "Search by name or event",
		Intro:   "JavaScript run at an event of the sign-in journey, in a sandbox without network or file system, for at most 100 ms.",
		Columns: []string{"Name", "Event", "Last updated"}}
	if v.Perms.CanIn(authz.ManageWorkspaceExtensionScripts, w.ID) {
		d.NewHref, d.NewLabel = base+"/new", "Create Script"
	}
	for _, x := range rows {
		d.Rows = append(d.Rows, []pages.ResCell{{Text: x.Name, Href: base + "/" + strconv.FormatInt(x.ID, 10)}, {Text: x.Event, Code: true}, {Text: fmtTime(&x.UpdatedAt, "")}})
	}
	d.NextHref, d.FirstHref = resPageLinks(base, lq, next)
	return h.renderList(c, w, d)
}

const scriptHelp = "JavaScript that defines function main(context) and returns the changed context. It reads the workspace's secrets as secrets.NAME; " +
	"it has no network, no file system and 100 ms. Checked when saved."

const sampleScript = `function main(context) {
  // context is what the event passes; return it changed.
  context.claims = context.claims || {};
  context.claims.tier = "gold";
  return context;
}
`

const sampleScriptInput = `{
  "user": {"id": "42", "email": "ann@example.com"},
  "claims": {}
}`

func scriptFields(st *formState, id string, x models.ExtensionScript) []pages.ResField {
	return []pages.ResField{
		{Label: "Name", Name: "name", Value: st.val(id, "name", x.Name), Error: st.err(id, "name"), MaxLength: models.ResourceNameMax},
		{Kind: "select", Label: "Event", Name: "event", Options: options(models.ScriptEvents, st.val(id, "event", x.Event)), Error: st.err(id, "event"),
			Help: "post_authentication: after a user signs in; token_minting: before a token is issued."},
		{Kind: "textarea", Label: "Code", Name: "code", Value: st.val(id, "code", x.Code), Error: st.err(id, "code"), Rows: 14, Mono: true, Help: scriptHelp},
	}
}

// ScriptNewForm is Create Script.
func (h *Handler) ScriptNewForm(c echo.Context) error {
	return h.renderScriptNew(c, http.StatusOK, nil)
}

func (h *Handler) renderScriptNew(c echo.Context, status int, st *formState) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	base := wsHref(c, w, "/scripts")
	d := pages.ResNewData{Header: h.workspaceHeader(c, v, w, "Extension Scripts"), Title: "Create Script", ListHref: base,
		Form: pages.ResForm{Action: base + "/new", Submit: "Create Script", Fields: scriptFields(st, "new", models.ExtensionScript{Event: "post_authentication", Code: sampleScript})}}
	p := h.resPage(c, w, "Create Script", layout.Crumb{Label: "Extension Scripts", Href: base}, layout.Crumb{Label: "Create Script"})
	return render.Render(c, status, pages.ResNew(p, d))
}

func scriptInput(c echo.Context) models.ScriptInput {
	return models.ScriptInput{Name: c.FormValue("name"), Event: c.FormValue("event"), Code: c.FormValue("code"), Version: formVersion(c)}
}

// ScriptCreate checks and stores a script.
func (h *Handler) ScriptCreate(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	x, err := h.Models.CreateScript(c.Request().Context(), *v, w.ID, scriptInput(c), actor(c))
	if st, ok := failed(c, "new", err); ok {
		return h.renderScriptNew(c, statusOf(st), st)
	}
	if err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The script "+x.Name+" was created. Try it with Test.")
	return render.Redirect(c, wsHref(c, w, "/scripts/"+strconv.FormatInt(x.ID, 10)))
}

// ScriptShow is a script's page, with Test.
func (h *Handler) ScriptShow(c echo.Context) error {
	return h.renderScript(c, http.StatusOK, render.Script(c), nil, nil)
}

func (h *Handler) renderScript(c echo.Context, status int, x models.ExtensionScript, st *formState, result *pages.ResResult) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	base := wsHref(c, w, "/scripts/"+strconv.FormatInt(x.ID, 10))
	manage := v.Perms.CanIn(authz.ManageWorkspaceExtensionScripts, w.ID)
	d := pages.ResShowData{Header: h.workspaceHeader(c, v, w, "Extension Scripts"), Title: x.Name, Noun: "script",
		ListHref: wsHref(c, w, "/scripts"), ListLabel: "Extension Scripts", ReadOnly: !manage,
		Details: []pages.ResDetail{
			{Label: "Name", Value: x.Name}, {Label: "Event", Value: x.Event, Code: true}, {Label: "Code", Value: x.Code, Code: true},
			{Label: "Secrets it names", List: models.SecretsNamedIn(x.Code)},
			{Label: "Created", Value: fmtTime(&x.CreatedAt, "")}, {Label: "Last updated", Value: fmtTime(&x.UpdatedAt, "")},
		}}
	if result != nil {
		d.Results = append(d.Results, *result)
	}
	if st != nil && st.Conflict {
		d.Conflict = conflictMessage
		st = nil
	}
	test := pages.ResForm{ID: "test", Title: "Test", Action: base + "/test", Submit: "Test",
		Intro: "Runs the saved script with this JSON input as its context and the workspace's secrets (their values are masked in the result). Nothing is saved.",
		Fields: []pages.ResField{
			{Kind: "textarea", Label: "Input", Name: "input", Value: st.val("test", "input", sampleScriptInput), Error: st.err("test", "input"), Rows: 6, Mono: true},
		}}
	// Who may change the script tests the code of Settings as typed (its
	// unsaved edits: copied in when sent; the saved code without
	// JavaScript), and keeps those edits in Settings after the test.
	edited := x
	if manage {
		test.Intro = "Runs the code of Settings below as typed (saved or not) with this JSON input as its context and the workspace's secrets (their values are masked in the result). Nothing is saved."
		test.Fields = append(test.Fields, pages.ResField{Kind: "hidden", Name: "code", Value: st.val("test", "code", x.Code), CopyFrom: "#settings #f-code"})
		test.Error = st.err("test", "code")
		if typed := st.val("test", "code", ""); typed != "" {
			edited.Code = typed
		}
	}
	d.Forms = append(d.Forms, test)
	if manage {
		d.Forms = append(d.Forms, pages.ResForm{ID: "settings", Title: "Settings", Action: base, Submit: "Save",
			Fields: append(scriptFields(st, "settings", edited), versionField(st, "settings", x.Version))})
		d.DeleteHref = base + "/delete"
	}
	p := h.resPage(c, w, x.Name, layout.Crumb{Label: "Extension Scripts", Href: wsHref(c, w, "/scripts")}, layout.Crumb{Label: x.Name})
	return render.Render(c, status, pages.ResShow(p, d))
}

// ScriptUpdate checks and saves a script.
func (h *Handler) ScriptUpdate(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	x := render.Script(c)
	up, err := h.Models.UpdateScript(c.Request().Context(), *v, w.ID, x.ID, scriptInput(c), actor(c))
	if st, ok := failed(c, "settings", err); ok {
		if st.Conflict {
			if fresh, gerr := h.Models.ScriptByID(c.Request().Context(), v.Tenant.ID, w.ID, x.ID); gerr == nil {
				x = fresh
			}
		}
		return h.renderScript(c, statusOf(st), x, st, nil)
	}
	if err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The script "+up.Name+" was saved.")
	return render.Redirect(c, wsHref(c, w, "/scripts/"+strconv.FormatInt(x.ID, 10)))
}

// ScriptTest runs the script against the typed input: the code the form
// sends (Settings as typed, for who may change it), else the saved code.
func (h *Handler) ScriptTest(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	x := render.Script(c)
	run, err := h.Models.TestScriptDraft(c.Request().Context(), *v, w.ID, x, c.FormValue("code"), c.FormValue("input"))
	if st, ok := failed(c, "test", err); ok {
		return h.renderScript(c, http.StatusUnprocessableEntity, x, st, nil)
	}
	if err != nil {
		return outcome(err)
	}
	var r pages.ResResult
	switch {
	case run.TimedOut:
		r = pages.ResResult{ID: "result", Kind: "error", Title: "Timed out", Lines: []string{run.Error}}
	case run.Error != "":
		r = pages.ResResult{ID: "result", Kind: "error", Title: "Error", Lines: []string{run.Error}}
	default:
		r = pages.ResResult{ID: "result", Kind: "allow", Title: "Output", Lines: []string{"main returned:"}, Code: run.Output}
	}
	if len(run.Logs) > 0 {
		r.Lines = append(r.Lines, "Console: "+strings.Join(run.Logs, " · "))
	}
	form, _ := c.FormParams()
	return h.renderScript(c, http.StatusOK, x, &formState{ID: "test", Values: form, Errors: map[string]string{}}, &r)
}

// ScriptDeleteForm confirms the deletion of a script.
func (h *Handler) ScriptDeleteForm(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	x := render.Script(c)
	base := wsHref(c, w, "/scripts/"+strconv.FormatInt(x.ID, 10))
	d := pages.ResDeleteData{Header: h.workspaceHeader(c, v, w, "Extension Scripts"), Title: "Delete " + x.Name + "?", Action: base + "/delete", Submit: "Delete script", BackHref: base,
		Lines: []string{"The script " + x.Name + " will no longer run at " + x.Event + "."}}
	p := h.resPage(c, w, "Delete "+x.Name, layout.Crumb{Label: "Extension Scripts", Href: wsHref(c, w, "/scripts")}, layout.Crumb{Label: x.Name, Href: base}, layout.Crumb{Label: "Delete"})
	return render.Render(c, http.StatusOK, pages.ResDelete(p, d))
}

// ScriptDelete deletes a script.
func (h *Handler) ScriptDelete(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	x := render.Script(c)
	if err := h.Models.DeleteScript(c.Request().Context(), *v, w.ID, x.ID, actor(c)); err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The script "+x.Name+" was deleted.")
	return render.Redirect(c, wsHref(c, w, "/scripts"))
}
