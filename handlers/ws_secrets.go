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

// SecretList is /t/{tenant}/workspaces/{workspace}/secrets.
func (h *Handler) SecretList(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	lq := resListParams(c)
	rows, next, err := h.Models.ListSecrets(c.Request().Context(), *v, w.ID, lq)
	if err != nil {
		return outcome(err)
	}
	base := wsHref(c, w, "/secrets")
	d := pages.ResListData{Title: "Secrets", Noun: "secret", ListHref: base, Search: lq.Search, SearchLabel: "Search by name",
		Intro:   "Values the workspace's extension scripts read as secrets.NAME. Encrypted at rest; never shown again once saved.",
		Columns: []string{"Name", "Created", "Updated", "Last used"}}
	if v.Perms.CanIn(authz.ManageSecrets, w.ID) {
		d.NewHref, d.NewLabel = base+"/new", "Create Secret"
	}
	for _, x := range rows {
		d.Rows = append(d.Rows, []pages.ResCell{{Text: x.Name, Href: base + "/" + strconv.FormatInt(x.ID, 10)},
			{Text: fmtTime(&x.CreatedAt, "")}, {Text: fmtTime(&x.UpdatedAt, "")}, {Text: fmtTime(x.LastUsedAt, "Never"), Muted: x.LastUsedAt == nil}})
	}
	d.NextHref, d.FirstHref = resPageLinks(base, lq, next)
	return h.renderList(c, w, d)
}

func secretValueField(st *formState, id, label string) pages.ResField {
	// The value is never sent back to the browser, not even after an error.
	return pages.ResField{Kind: "password", Label: label, Name: "value", Error: st.err(id, "value"), MaxLength: models.SecretValueMax,
		Help: "Stored encrypted; it is not shown again after saving."}
}

// SecretNewForm is Create Secret.
func (h *Handler) SecretNewForm(c echo.Context) error {
	return h.renderSecretNew(c, http.StatusOK, nil)
}

func (h *Handler) renderSecretNew(c echo.Context, status int, st *formState) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	base := wsHref(c, w, "/secrets")
	d := pages.ResNewData{Header: h.workspaceHeader(c, v, w, "Secrets"), Title: "Create Secret", ListHref: base,
		Intro: "Scripts read it as secrets.NAME. Once saved, the value can be replaced but never read back.",
		Form: pages.ResForm{Action: base + "/new", Submit: "Create Secret", Fields: []pages.ResField{
			{Label: "Name", Name: "name", Value: st.val("new", "name", ""), Error: st.err("new", "name"), MaxLength: models.SecretNameMax,
				Help: "An upper-case identifier: A–Z, digits and _, like STRIPE_API_KEY."},
			secretValueField(st, "new", "Value"),
		}}}
	p := h.resPage(c, w, "Create Secret", layout.Crumb{Label: "Secrets", Href: base}, layout.Crumb{Label: "Create Secret"})
	return render.Render(c, status, pages.ResNew(p, d))
}

func secretInput(c echo.Context) models.SecretInput {
	return models.SecretInput{Name: c.FormValue("name"), Value: c.FormValue("value"), Version: formVersion(c)}
}

// SecretCreate stores a secret.
func (h *Handler) SecretCreate(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	x, err := h.Models.CreateSecret(c.Request().Context(), *v, w.ID, secretInput(c), actor(c))
	if st, ok := failed(c, "new", err); ok {
		return h.renderSecretNew(c, statusOf(st), st)
	}
	if err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The secret "+x.Name+" was saved. Scripts read it as secrets."+x.Name+".")
	return render.Redirect(c, wsHref(c, w, "/secrets/"+strconv.FormatInt(x.ID, 10)))
}

// SecretShow is a secret's page (never its value).
func (h *Handler) SecretShow(c echo.Context) error {
	return h.renderSecret(c, http.StatusOK, render.Secret(c), nil)
}

func (h *Handler) renderSecret(c echo.Context, status int, x models.Secret, st *formState) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	base := wsHref(c, w, "/secrets/"+strconv.FormatInt(x.ID, 10))
	manage := v.Perms.CanIn(authz.ManageSecrets, w.ID)
	d := pages.ResShowData{Header: h.workspaceHeader(c, v, w, "Secrets"), Title: x.Name, Noun: "secret",
		ListHref: wsHref(c, w, "/secrets"), ListLabel: "Secrets", ReadOnly: !manage,
		Details: []pages.ResDetail{
			{Label: "Name", Value: x.Name, Code: true},
			{Label: "In scripts", Value: "secrets." + x.Name, Code: true},
			{Label: "Value", Value: "Set (encrypted; not shown)"},
			{Label: "Created", Value: fmtTime(&x.CreatedAt, "")}, {Label: "Updated", Value: fmtTime(&x.UpdatedAt, "")},
			{Label: "Last used", Value: fmtTime(x.LastUsedAt, "Never")},
		}}
	if st != nil && st.Conflict {
		d.Conflict = conflictMessage
		st = nil
	}
	if manage {
		d.Forms = append(d.Forms, pages.ResForm{ID: "settings", Title: "Replace value", Action: base, Submit: "Replace value",
			Intro:  "The new value replaces the stored one at once, for every script.",
			Fields: []pages.ResField{secretValueField(st, "settings", "New value"), versionField(st, "settings", x.Version)}})
		d.DeleteHref = base + "/delete"
	}
	p := h.resPage(c, w, x.Name, layout.Crumb{Label: "Secrets", Href: wsHref(c, w, "/secrets")}, layout.Crumb{Label: x.Name})
	return render.Render(c, status, pages.ResShow(p, d))
}

// SecretUpdate replaces a secret's value.
func (h *Handler) SecretUpdate(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	x := render.Secret(c)
	up, err := h.Models.UpdateSecret(c.Request().Context(), *v, w.ID, x.ID, secretInput(c), actor(c))
	if st, ok := failed(c, "settings", err); ok {
		if st.Conflict {
			if fresh, gerr := h.Models.SecretByID(c.Request().Context(), v.Tenant.ID, w.ID, x.ID); gerr == nil {
				x = fresh
			}
		}
		return h.renderSecret(c, statusOf(st), x, st)
	}
	if err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The value of "+up.Name+" was replaced.")
	return render.Redirect(c, wsHref(c, w, "/secrets/"+strconv.FormatInt(x.ID, 10)))
}

// SecretDeleteForm confirms the deletion of a secret.
func (h *Handler) SecretDeleteForm(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	x := render.Secret(c)
	base := wsHref(c, w, "/secrets/"+strconv.FormatInt(x.ID, 10))
	d := pages.ResDeleteData{Header: h.workspaceHeader(c, v, w, "Secrets"), Title: "Delete " + x.Name + "?", Action: base + "/delete", Submit: "Delete secret", BackHref: base,
		Lines: []string{"The secret " + x.Name + " will be deleted; scripts that read secrets." + x.Name + " get undefined from then on."}}
	p := h.resPage(c, w, "Delete "+x.Name, layout.Crumb{Label: "Secrets", Href: wsHref(c, w, "/secrets")}, layout.Crumb{Label: x.Name, Href: base}, layout.Crumb{Label: "Delete"})
	return render.Render(c, http.StatusOK, pages.ResDelete(p, d))
}

// SecretDelete deletes a secret.
func (h *Handler) SecretDelete(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	x := render.Secret(c)
	if err := h.Models.DeleteSecret(c.Request().Context(), *v, w.ID, x.ID, actor(c)); err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The secret "+x.Name+" was deleted.")
	return render.Redirect(c, wsHref(c, w, "/secrets"))
}
