package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/models/fga"
	"gatehouse/views/components"
	"gatehouse/views/layout"
	"gatehouse/views/pages"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

func permSystemsPath(c echo.Context, rest string) string {
	return tenantPath(c, "/permission-systems"+rest)
}

func permSystemPath(c echo.Context, p models.PermissionSystem, rest string) string {
	return permSystemsPath(c, "/"+strconv.FormatInt(p.ID, 10)+rest)
}

func permSystemCrumbs(c echo.Context, more ...layout.Crumb) []layout.Crumb {
	return append([]layout.Crumb{{Label: "Permission Systems", Href: permSystemsPath(c, "")}}, more...)
}

// PermSystemList is /t/{tenant}/permission-systems.
func (h *Handler) PermSystemList(c echo.Context) error {
	v := render.Viewer(c)
	ctx := c.Request().Context()
	lp := listParams(c)
	rows, next, err := h.Models.ListPermissionSystems(ctx, *v, models.ResourceList{Search: lp.Search, After: lp.After, Limit: lp.Limit})
	if err != nil {
		return outcome(err)
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	counts, err := h.Models.CountPermissionTuples(ctx, v.Tenant.ID, ids)
	if err != nil {
		return err
	}
	d := pages.PermSystemListData{Search: lp.Search}
	if v.Can(authz.ManagePermissionSystems) {
		d.NewHref = permSystemsPath(c, "/new")
	}
	for _, r := range rows {
		d.Rows = append(d.Rows, pages.PermSystemRow{Href: permSystemPath(c, r, ""), Name: r.Name, Description: r.Description,
			Tuples: counts[r.ID], Updated: fmtTime(&r.UpdatedAt, "")})
	}
	d.Pager = lp.Pager(permSystemsPath(c, ""), next, len(rows))
	return render.Render(c, http.StatusOK, pages.PermSystemList(h.R.Page(c, "Permission Systems", permSystemCrumbs(c)...), d))
}

func permSystemFields(st *formState, id string, p models.PermissionSystem) []pages.ResField {
	return []pages.ResField{
		{Label: "Name", Name: "name", Value: st.val(id, "name", p.Name), Error: st.err(id, "name"), MaxLength: models.ResourceNameMax},
		{Kind: "textarea", Label: "Description", Name: "description", Value: st.val(id, "description", p.Description), Error: st.err(id, "description"), Rows: 2, MaxLength: 500, Optional: true},
		{Kind: "textarea", Label: "Model", Name: "model", Value: st.val(id, "model", p.Model), Error: st.err(id, "model"), Rows: 18, Mono: true,
			Help: "The OpenFGA modeling language, schema 1.1: types, and relations defined by direct assignment ([user, group#member]), other relations (or editor), and relations of related objects (viewer from parent). Checked on save."},
	}
}

func permSystemInput(c echo.Context) models.PermissionSystemInput {
	return models.PermissionSystemInput{Name: c.FormValue("name"), Description: c.FormValue("description"), Model: c.FormValue("model"), Version: formVersion(c)}
}

// PermSystemNewForm is Create Permission System.
func (h *Handler) PermSystemNewForm(c echo.Context) error {
	return h.renderPermSystemNew(c, http.StatusOK, nil)
}

func (h *Handler) renderPermSystemNew(c echo.Context, status int, st *formState) error {
	def := models.PermissionSystem{Model: models.PermissionSystemModelExample}
	d := pages.PermSystemNewData{ListHref: permSystemsPath(c, ""),
		Form: pages.ResForm{Action: permSystemsPath(c, "/new"), Submit: "Create Permission System", Fields: permSystemFields(st, "new", def)}}
	p := h.R.Page(c, "Create Permission System", permSystemCrumbs(c, layout.Crumb{Label: "Create Permission System"})...)
	return render.Render(c, status, pages.PermSystemNew(p, d))
}

// PermSystemCreate creates a permission system and opens it.
func (h *Handler) PermSystemCreate(c echo.Context) error {
	v := render.Viewer(c)
	ps, err := h.Models.CreatePermissionSystem(c.Request().Context(), *v, permSystemInput(c), actor(c))
	if st, ok := failed(c, "new", err); ok {
		return h.renderPermSystemNew(c, statusOf(st), st)
	}
	if err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The permission system "+ps.Name+" was created.")
	return render.Redirect(c, permSystemPath(c, ps, ""))
}

// PermSystemShow is a permission system's page.
func (h *Handler) PermSystemShow(c echo.Context) error {
	return h.renderPermSystem(c, http.StatusOK, render.PermissionSystem(c), nil, nil)
}

func (h *Handler) renderPermSystem(c echo.Context, status int, ps models.PermissionSystem, st *formState, result *pages.PermCheckResult) error {
	v := render.Viewer(c)
	tuples, err := h.Models.PermissionTuples(c.Request().Context(), *v, ps.ID)
	if err != nil {
		return outcome(err)
	}
	manage := v.Can(authz.ManagePermissionSystems)
	d := pages.PermSystemShowData{Title: ps.Name, ListHref: permSystemsPath(c, ""), ReadOnly: !manage, Model: ps.Model, Result: result, MaxTuples: models.PermissionTuplesMax,
		Details: []pages.ResDetail{
			{Label: "Name", Value: ps.Name}, {Label: "Description", Value: ps.Description},
			{Label: "Tuples", Value: fmt.Sprint(len(tuples))},
			{Label: "Created", Value: fmtTime(&ps.CreatedAt, "")}, {Label: "Last updated", Value: fmtTime(&ps.UpdatedAt, "")},
		}}
	if st != nil && st.Conflict {
		d.Conflict = conflictMessage
		st = nil
	}
	model, merr := fga.Parse(ps.Model)
	if merr == nil {
		for _, t := range model.Types() {
			pt := pages.PermSystemType{Name: t.Name}
			for _, r := range t.Relations {
				s := r.Name
				if len(r.Assignable) > 0 {
					parts := make([]string, len(r.Assignable))
					for i, a := range r.Assignable {
						parts[i] = a.String()
					}
					s += " [" + strings.Join(parts, ", ") + "]"
				} else {
					s += " (computed)"
				}
				pt.Relations = append(pt.Relations, s)
			}
			d.Types = append(d.Types, pt)
		}
	}
	d.Check = pages.ResForm{ID: "check", Title: "Check", Action: permSystemPath(c, ps, "/check"), Submit: "Check",
		Intro: "Does the subject have the relation to the object? The answer comes with the path that allowed it.",
		Fields: []pages.ResField{
			{Label: "Object", Name: "object", Value: st.val("check", "object", ""), Error: st.err("check", "object"), MaxLength: 256, Help: "type:id, like document:plan"},
			{Label: "Relation", Name: "relation", Value: st.val("check", "relation", ""), Error: st.err("check", "relation"), MaxLength: 50, Help: "like viewer"},
			{Label: "Subject", Name: "subject", Value: st.val("check", "subject", ""), Error: st.err("check", "subject"), MaxLength: 300, Help: "user:ann, group:eng#member or user:*"},
		}}
	d.Tuples = pages.ResTableSection{ID: "tuples", Title: "Relationship tuples", Columns: []string{"Object", "Relation", "Subject"},
		Intro: "Each tuple says that the subject has the relation to the object.", Empty: "No tuples yet."}
	for _, t := range tuples {
		row := []pages.ResCell{{Text: t.Object, Code: true}, {Text: t.Relation, Code: true}, {Text: t.Subject, Code: true}}
		if merr == nil && model.ValidateTuple(t.Tuple()) != nil {
			d.Ignored++
			row[2].Text += " (does not fit the model)"
		}
		d.Tuples.Rows = append(d.Tuples.Rows, row)
		if manage {
			d.Tuples.RemoveHrefs = append(d.Tuples.RemoveHrefs, permSystemPath(c, ps, "/tuples/"+strconv.FormatInt(t.ID, 10)+"/delete"))
		}
	}
	if manage {
		d.AddTuple = &pages.ResForm{ID: "add-tuple", Title: "Add a tuple", Action: permSystemPath(c, ps, "/tuples"), Submit: "Add tuple",
			Intro: "Checked against the model: the relation must accept this kind of subject directly.",
			Fields: []pages.ResField{
				{Label: "Object", Name: "object", Value: st.val("add-tuple", "object", ""), Error: st.err("add-tuple", "object"), MaxLength: 256, Help: "type:id, like document:plan"},
				{Label: "Relation", Name: "relation", Value: st.val("add-tuple", "relation", ""), Error: st.err("add-tuple", "relation"), MaxLength: 50, Help: "like viewer"},
				{Label: "Subject", Name: "subject", Value: st.val("add-tuple", "subject", ""), Error: st.err("add-tuple", "subject"), MaxLength: 300, Help: "user:ann, group:eng#member or user:*"},
			}}
		d.Settings = &pages.ResForm{ID: "settings", Title: "Settings", Action: permSystemPath(c, ps, ""), Submit: "Save",
			Fields: append(permSystemFields(st, "settings", ps), versionField(st, "settings", ps.Version))}
		d.Danger = &components.DangerZone{ID: "danger-zone", Title: "Delete this permission system", Text: ": its model and tuples go; checks against it stop.",
			Href: permSystemPath(c, ps, "/delete"), Button: "Delete permission system…"}
	}
	p := h.R.Page(c, ps.Name, permSystemCrumbs(c, layout.Crumb{Label: ps.Name})...)
	return render.Render(c, status, pages.PermSystemShow(p, d))
}

// PermSystemUpdate saves name, description and model.
func (h *Handler) PermSystemUpdate(c echo.Context) error {
	v := render.Viewer(c)
	ps := render.PermissionSystem(c)
	up, err := h.Models.UpdatePermissionSystem(c.Request().Context(), *v, ps.ID, permSystemInput(c), actor(c))
	if st, ok := failed(c, "settings", err); ok {
		if st.Conflict {
			if fresh, gerr := h.Models.PermissionSystemByID(c.Request().Context(), v.Tenant.ID, ps.ID); gerr == nil {
				ps = fresh
			}
		}
		return h.renderPermSystem(c, statusOf(st), ps, st, nil)
	}
	if err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The permission system "+up.Name+" was saved.")
	return render.Redirect(c, permSystemPath(c, up, ""))
}

// PermSystemAddTuple adds a relationship tuple.
func (h *Handler) PermSystemAddTuple(c echo.Context) error {
	v := render.Viewer(c)
	ps := render.PermissionSystem(c)
	t, err := h.Models.AddPermissionTuple(c.Request().Context(), *v, ps.ID,
		models.TupleInput{Object: c.FormValue("object"), Relation: c.FormValue("relation"), Subject: c.FormValue("subject")}, actor(c))
	if st, ok := failed(c, "add-tuple", err); ok {
		return h.renderPermSystem(c, statusOf(st), ps, st, nil)
	}
	if err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The tuple "+t.Tuple().String()+" was added.")
	return render.Redirect(c, permSystemPath(c, ps, "#tuples"))
}

// PermSystemRemoveTuple removes a relationship tuple.
func (h *Handler) PermSystemRemoveTuple(c echo.Context) error {
	v := render.Viewer(c)
	ps := render.PermissionSystem(c)
	if err := h.Models.RemovePermissionTuple(c.Request().Context(), *v, ps.ID, render.ParamID(c, "tuple"), actor(c)); err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The tuple was removed.")
	return render.Redirect(c, permSystemPath(c, ps, "#tuples"))
}

// PermSystemCheck answers a check (changes nothing: reading the system is
// enough), with the path that allowed it.
func (h *Handler) PermSystemCheck(c echo.Context) error {
	v := render.Viewer(c)
	ps := render.PermissionSystem(c)
	in := models.CheckInput{Object: c.FormValue("object"), Relation: c.FormValue("relation"), Subject: c.FormValue("subject")}
	res, err := h.Models.CheckPermission(c.Request().Context(), *v, ps.ID, in)
	if st, ok := failed(c, "check", err); ok {
		return h.renderPermSystem(c, statusOf(st), ps, st, nil)
	}
	if err != nil {
		return outcome(err)
	}
	r := &pages.PermCheckResult{Allowed: res.Allowed, Query: strings.TrimSpace(in.Subject) + " " + strings.TrimSpace(in.Relation) + " " + strings.TrimSpace(in.Object)}
	for _, s := range res.Path {
		r.Steps = append(r.Steps, pages.PermCheckStep{Kind: string(s.Kind), Depth: s.Depth, Text: s.Text})
	}
	form, _ := c.FormParams()
	st := &formState{ID: "check", Values: form, Errors: map[string]string{}}
	return h.renderPermSystem(c, http.StatusOK, ps, st, r)
}

// PermSystemDeleteForm confirms the deletion.
func (h *Handler) PermSystemDeleteForm(c echo.Context) error {
	v := render.Viewer(c)
	ps := render.PermissionSystem(c)
	counts, err := h.Models.CountPermissionTuples(c.Request().Context(), v.Tenant.ID, []int64{ps.ID})
	if err != nil {
		return err
	}
	d := pages.PermSystemDeleteData{Name: ps.Name, Tuples: counts[ps.ID], Action: permSystemPath(c, ps, "/delete"), BackHref: permSystemPath(c, ps, "")}
	p := h.R.Page(c, "Delete "+ps.Name, permSystemCrumbs(c, layout.Crumb{Label: ps.Name, Href: permSystemPath(c, ps, "")}, layout.Crumb{Label: "Delete"})...)
	return render.Render(c, http.StatusOK, pages.PermSystemDelete(p, d))
}

// PermSystemDelete deletes the permission system and its tuples.
func (h *Handler) PermSystemDelete(c echo.Context) error {
	v := render.Viewer(c)
	ps := render.PermissionSystem(c)
	if err := h.Models.DeletePermissionSystem(c.Request().Context(), *v, ps.ID, actor(c)); err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The permission system "+ps.Name+" was deleted.")
	return render.Redirect(c, permSystemsPath(c, ""))
}
