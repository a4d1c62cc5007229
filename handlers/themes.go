package handlers

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/views/components"
	"gatehouse/views/layout"
	"gatehouse/views/pages"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

func themesPath(c echo.Context, rest string) string { return tenantPath(c, "/themes"+rest) }

func themePath(c echo.Context, t models.Theme, rest string) string {
	return themesPath(c, "/"+strconv.FormatInt(t.ID, 10)+rest)
}

func themeCrumbs(c echo.Context, more ...layout.Crumb) []layout.Crumb {
	return append([]layout.Crumb{{Label: "Tenant Settings"}, {Label: "Themes", Href: themesPath(c, "")}}, more...)
}

// ThemeList is /t/{tenant}/themes.
func (h *Handler) ThemeList(c echo.Context) error {
	v := render.Viewer(c)
	lq := resListParams(c)
	rows, next, err := h.Models.ListThemes(c.Request().Context(), *v, lq)
	if err != nil {
		return outcome(err)
	}
	base := themesPath(c, "")
	d := pages.ThemeListData{Search: lq.Search, ListHref: base}
	if v.Can(authz.ManageThemes) {
		d.NewHref = base + "/new"
	}
	for _, t := range rows {
		d.Rows = append(d.Rows, pages.ThemeRow{Name: t.Name, Href: themePath(c, t, ""), PrimaryColor: t.PrimaryColor, BgColor: t.BackgroundColor,
			Font: t.Font, LogoURL: t.LogoURL})
	}
	nextHref, firstHref := resPageLinks(base, lq, next)
	d.Pager = components.Pager{NextHref: nextHref, PrevHref: firstHref, PrevLabel: "First page"}
	if len(rows) > 0 && lq.After == "" {
		d.Pager.From, d.Pager.To = 1, len(rows)
	}
	p := h.R.Page(c, "Themes", layout.Crumb{Label: "Tenant Settings"}, layout.Crumb{Label: "Themes"})
	return render.Render(c, http.StatusOK, pages.ThemeList(p, d))
}

func themeFields(st *formState, id string, t models.Theme) []pages.ResField {
	return []pages.ResField{
		{Label: "Name", Name: "name", Value: st.val(id, "name", t.Name), Error: st.err(id, "name"), MaxLength: models.ResourceNameMax},
		{Kind: "url", Label: "Logo URL", Name: "logo_url", Value: st.val(id, "logo_url", t.LogoURL), Error: st.err(id, "logo_url"), MaxLength: models.ThemeLogoURLMax,
			Help: "Optional: an https address of the logo image, like https://cdn.example.com/logo.png."},
		{Label: "Primary colour", Name: "primary_color", Value: st.val(id, "primary_color", t.PrimaryColor), Error: st.err(id, "primary_color"), MaxLength: 7,
			Help: "Buttons and links: # and six hexadecimal digits, like #2451c6."},
		{Label: "Background colour", Name: "background_color", Value: st.val(id, "background_color", t.BackgroundColor), Error: st.err(id, "background_color"), MaxLength: 7,
			Help: "The page behind the sign-in card: # and six hexadecimal digits, like #f4f6f9."},
		{Kind: "select", Label: "Font", Name: "font", Options: options(models.ThemeFontNames(), st.val(id, "font", t.Font)), Error: st.err(id, "font")},
	}
}

func themeInput(c echo.Context) models.ThemeInput {
	return models.ThemeInput{Name: c.FormValue("name"), LogoURL: c.FormValue("logo_url"), PrimaryColor: c.FormValue("primary_color"),
		BackgroundColor: c.FormValue("background_color"), Font: c.FormValue("font"), Version: formVersion(c)}
}

// ThemeNewForm is Create Theme.
func (h *Handler) ThemeNewForm(c echo.Context) error { return h.renderThemeNew(c, http.StatusOK, nil) }

func (h *Handler) renderThemeNew(c echo.Context, status int, st *formState) error {
	def := models.Theme{PrimaryColor: "#2451c6", BackgroundColor: "#f4f6f9", Font: "System"}
	d := pages.ThemeFormData{Title: "Create Theme", Action: themesPath(c, "/new"), Submit: "Create Theme", ListHref: themesPath(c, ""),
		Fields: themeFields(st, "new", def)}
	p := h.R.Page(c, "Create Theme", themeCrumbs(c, layout.Crumb{Label: "Create Theme"})...)
	return render.Render(c, status, pages.ThemeNew(p, d))
}

// ThemeCreate creates a theme and opens it.
func (h *Handler) ThemeCreate(c echo.Context) error {
	v := render.Viewer(c)
	t, err := h.Models.CreateTheme(c.Request().Context(), *v, themeInput(c), actor(c))
	if st, ok := failed(c, "new", err); ok {
		return h.renderThemeNew(c, statusOf(st), st)
	}
	if err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The theme "+t.Name+" was created.")
	return render.Redirect(c, themePath(c, t, ""))
}

// ThemeShow is a theme's page.
func (h *Handler) ThemeShow(c echo.Context) error {
	return h.renderTheme(c, http.StatusOK, render.Theme(c), nil)
}

func (h *Handler) renderTheme(c echo.Context, status int, t models.Theme, st *formState) error {
	v := render.Viewer(c)
	manage := v.Can(authz.ManageThemes)
	ws, err := h.Models.ThemeWorkspaces(c.Request().Context(), v.Tenant.ID, t.ID)
	if err != nil {
		return err
	}
	d := pages.ThemeShowData{Name: t.Name, ListHref: themesPath(c, ""), ReadOnly: !manage,
		Details: []pages.ResDetail{{Label: "Name", Value: t.Name}, {Label: "Logo URL", Value: t.LogoURL, Code: true},
			{Label: "Primary colour", Value: t.PrimaryColor}, {Label: "Background colour", Value: t.BackgroundColor}, {Label: "Font", Value: t.Font},
			{Label: "Created", Value: fmtTime(&t.CreatedAt, "")}, {Label: "Last updated", Value: fmtTime(&t.UpdatedAt, "")}}}
	for _, w := range ws {
		if v.CanSeeWorkspace(w.ID) {
			d.Workspaces = append(d.Workspaces, pages.ThemeWorkspace{Name: w.Name, Href: workspacesPath(c, "/"+w.Slug)})
		}
	}
	if st != nil && st.Conflict {
		d.Conflict = conflictMessage
		st = nil
	}
	if manage {
		d.Form = &pages.ResForm{ID: "settings", Title: "Settings", Action: themePath(c, t, ""), Submit: "Save",
			Fields: append(themeFields(st, "settings", t), versionField(st, "settings", t.Version))}
		d.DeleteHref = themePath(c, t, "/delete")
	}
	p := h.R.Page(c, t.Name, themeCrumbs(c, layout.Crumb{Label: t.Name})...)
	return render.Render(c, status, pages.ThemeShow(p, d))
}

// ThemeUpdate saves a theme's settings.
func (h *Handler) ThemeUpdate(c echo.Context) error {
	v := render.Viewer(c)
	t := render.Theme(c)
	up, err := h.Models.UpdateTheme(c.Request().Context(), *v, t.ID, themeInput(c), actor(c))
	if st, ok := failed(c, "settings", err); ok {
		if st.Conflict {
			if fresh, gerr := h.Models.ThemeByID(c.Request().Context(), v.Tenant.ID, t.ID); gerr == nil {
				t = fresh
			}
		}
		return h.renderTheme(c, statusOf(st), t, st)
	}
	if err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The theme "+up.Name+" was saved.")
	return render.Redirect(c, themePath(c, t, ""))
}

// ThemeDeleteForm confirms the deletion of a theme.
func (h *Handler) ThemeDeleteForm(c echo.Context) error {
	v := render.Viewer(c)
	t := render.Theme(c)
	ws, err := h.Models.ThemeWorkspaces(c.Request().Context(), v.Tenant.ID, t.ID)
	if err != nil {
		return err
	}
	d := pages.ThemeDeleteData{Name: t.Name, Action: themePath(c, t, "/delete"), CancelHref: themePath(c, t, "")}
	for _, w := range ws {
		d.Workspaces = append(d.Workspaces, pages.ThemeWorkspace{Name: w.Name})
	}
	p := h.R.Page(c, "Delete "+t.Name, themeCrumbs(c, layout.Crumb{Label: t.Name, Href: themePath(c, t, "")}, layout.Crumb{Label: "Delete"})...)
	return render.Render(c, http.StatusOK, pages.ThemeDelete(p, d))
}

// ThemeDelete deletes a theme.
func (h *Handler) ThemeDelete(c echo.Context) error {
	v := render.Viewer(c)
	t := render.Theme(c)
	if err := h.Models.DeleteTheme(c.Request().Context(), *v, t.ID, actor(c)); err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The theme "+t.Name+" was deleted.")
	return render.Redirect(c, themesPath(c, ""))
}

// workspaceThemeSection is the Theme section of a workspace's page (nil
// for those who may not read the binding); chosen is what was sent when
// saving it failed.
func (h *Handler) workspaceThemeSection(c echo.Context, v *models.Viewer, w models.Workspace, chosen *string, msg string) (*pages.WorkspaceThemeSection, error) {
	if !v.Perms.CanIn(authz.ReadWorkspaceThemeBinding, w.ID) {
		return nil, nil
	}
	ctx := c.Request().Context()
	cur, ok, err := h.Models.WorkspaceTheme(ctx, v.Tenant.ID, w.ID)
	if err != nil {
		return nil, err
	}
	s := &pages.WorkspaceThemeSection{PreviewHref: wsHref(c, w, "/theme/preview"), Error: msg}
	if ok {
		s.Current = cur.Name
		if v.Can(authz.ReadThemes) {
			s.CurrentHref = themePath(c, cur, "")
		}
	}
	if v.Perms.CanIn(authz.ManageWorkspaceThemeBinding, w.ID) {
		s.Action = wsHref(c, w, "/theme")
		themes, err := h.Models.AllThemes(ctx, v.Tenant.ID)
		if err != nil {
			return nil, err
		}
		sel := ""
		if ok {
			sel = strconv.FormatInt(cur.ID, 10)
		}
		if chosen != nil {
			sel = *chosen
		}
		s.Options = append(s.Options, pages.ResOption{Value: "", Label: "Default (no theme)", Selected: sel == ""})
		for _, t := range themes {
			id := strconv.FormatInt(t.ID, 10)
			s.Options = append(s.Options, pages.ResOption{Value: id, Label: t.Name, Selected: id == sel})
			s.Previews = append(s.Previews, pages.ThemePreviewLink{Name: t.Name, Href: wsHref(c, w, "/theme/preview/"+id)})
		}
	}
	return s, nil
}

// WorkspaceThemeSave sets the workspace's theme (the Theme section of its page).
func (h *Handler) WorkspaceThemeSave(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	raw := strings.TrimSpace(c.FormValue("theme"))
	id, ok := h.themeChoice(c, v.Tenant.ID, raw)
	if !ok {
		return h.renderWorkspaceTheme(c, &raw, themeChoiceMessage)
	}
	err = h.Models.BindWorkspaceTheme(c.Request().Context(), *v, w.ID, id, actor(c))
	if st, ok := failed(c, "theme", err); ok {
		return h.renderWorkspaceTheme(c, &raw, st.Errors["theme"])
	}
	if err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The workspace's theme was saved.")
	return render.Redirect(c, wsHref(c, w, "#theme"))
}

// themeChoiceMessage is the answer to a theme that is not one of the tenant's.
const themeChoiceMessage = "Choose one of the tenant's themes."

// themeChoice reads the theme chosen for a workspace (the console's form
// field and the API's): a theme's id or name, "" for none (0, the default
// look); ok false when it names none of the tenant's themes (an unknown id
// is refused by the model).
func (h *Handler) themeChoice(c echo.Context, tenantID int64, raw string) (int64, bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return 0, true
	}
	if n, err := strconv.ParseInt(raw, 10, 64); err == nil && n > 0 {
		return n, true
	}
	// A theme may also be named.
	if t, ok := h.themeNamed(c, tenantID, raw); ok {
		return t.ID, true
	}
	return 0, false
}

func (h *Handler) themeNamed(c echo.Context, tenantID int64, name string) (models.Theme, bool) {
	all, err := h.Models.AllThemes(c.Request().Context(), tenantID)
	if err != nil {
		return models.Theme{}, false
	}
	for _, t := range all {
		if strings.EqualFold(t.Name, name) {
			return t, true
		}
	}
	return models.Theme{}, false
}

func (h *Handler) renderWorkspaceTheme(c echo.Context, chosen *string, msg string) error {
	c.Set(keyThemeForm, themeFormState{chosen: chosen, msg: msg})
	return h.renderWorkspace(c, http.StatusUnprocessableEntity, nil)
}

const keyThemeForm = "gatehouse.theme_form"

type themeFormState struct {
	chosen *string
	msg    string
}

// workspacePageTheme is the Theme section of the workspace page being rendered.
func (h *Handler) workspacePageTheme(c echo.Context, v *models.Viewer, w models.Workspace) (*pages.WorkspaceThemeSection, error) {
	st, _ := c.Get(keyThemeForm).(themeFormState)
	return h.workspaceThemeSection(c, v, w, st.chosen, st.msg)
}

// ThemePreview is /t/{tenant}/workspaces/{workspace}/theme/preview: the
// workspace's sign-in page with its theme. The page keeps the app's
// Content-Security-Policy, widened only by what the theme needs: a nonce
// for its one style element, and its logo's origin for img-src.
func (h *Handler) ThemePreview(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	t, ok, err := h.Models.WorkspaceTheme(c.Request().Context(), v.Tenant.ID, w.ID)
	if err != nil {
		return err
	}
	return h.renderThemePreview(c, v, w, t, ok, nil)
}

// ThemePreviewOf is /t/{tenant}/workspaces/{workspace}/theme/preview/{theme}:
// the workspace's sign-in page with one of the tenant's themes, to see it
// before choosing it (nothing is bound).
func (h *Handler) ThemePreviewOf(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	cur, ok, err := h.Models.WorkspaceTheme(c.Request().Context(), v.Tenant.ID, w.ID)
	if err != nil {
		return err
	}
	current := ""
	if ok {
		current = cur.Name
	}
	return h.renderThemePreview(c, v, w, render.Theme(c), true, &current)
}

// renderThemePreview renders the sign-in page of w with t (ok false: the
// default look); current is the workspace's theme when t is a candidate
// previewed before it is chosen (nil: t is the workspace's).
func (h *Handler) renderThemePreview(c echo.Context, v *models.Viewer, w models.Workspace, t models.Theme, ok bool, current *string) error {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	nonce := base64.RawURLEncoding.EncodeToString(b)
	p := h.R.Page(c, "Preview")
	d := pages.ThemePreviewData{CSS: p.CSS, JS: p.JS, Nonce: nonce, Workspace: w.Name, Tenant: v.Tenant.Name, BackHref: wsHref(c, w, "#theme")}
	if current != nil {
		d.Candidate, d.Current = true, *current
	}
	hd := c.Response().Header()
	csp := strings.Replace(hd.Get("Content-Security-Policy"), "style-src 'self'", "style-src 'self' 'nonce-"+nonce+"'", 1)
	if ok {
		d.ThemeName, d.PrimaryColor, d.BgColor, d.FontStack = t.Name, t.PrimaryColor, t.BackgroundColor, t.FontStack()
		if o := t.LogoOrigin(); o != "" {
			if u, err := url.Parse(o); err == nil && u.Host != "" && !strings.ContainsAny(o, " ;'\"\r\n,") {
				d.LogoURL = t.LogoURL
				csp = strings.Replace(csp, "img-src 'self' data:", "img-src 'self' data: "+o, 1)
			}
		}
	}
	hd.Set("Content-Security-Policy", csp)
	return render.Render(c, http.StatusOK, pages.ThemePreview(d))
}
