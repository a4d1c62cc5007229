package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"gatehouse/models"
	"gatehouse/views/layout"
	"gatehouse/views/pages"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// This file holds what the pages of a workspace's application resources
// share: their URLs, list parameters, forms that keep what was typed, and
// the outcome of a model error.

// wsHref is a path inside the workspace.
func wsHref(c echo.Context, w models.Workspace, rest string) string {
	return workspacesPath(c, "/"+w.Slug+rest)
}

// resList reads a resource list's search, cursor and page size with the
// kit's listParams; the cursor is the last name of the previous page
// (names are unique in a workspace and at most ResourceNameMax
// characters: a longer cursor starts again from the first page). The list
// then sets ResListData.Pager with lp.Pager(base, next, len(rows)).
func resList(c echo.Context) (ListParams, models.ResourceList) {
	lp := listParams(c)
	if len([]rune(lp.After)) > models.ResourceNameMax {
		lp = lp.First()
	}
	return lp, models.ResourceList{Search: lp.Search, After: lp.After, Limit: lp.Limit}
}

// resListParams reads ?q= and ?after= of a resource list.
//
// Deprecated: lists written before the kit's Pagination use it with
// resPageLinks (First/Next); use resList and ResListData.Pager.
//
//lint:ignore U1000 kept for the workspace lists of branches being merged (secrets, scripts, webhooks, IDPs, themes)
func resListParams(c echo.Context) models.ResourceList {
	_, lq := resList(c)
	return lq
}

// resPageLinks are the Next and First links of a keyset list.
//
// Deprecated: use resList and ResListData.Pager.
//
//lint:ignore U1000 kept for the workspace lists of branches being merged
func resPageLinks(base string, lq models.ResourceList, next string) (nextHref, firstHref string) {
	if next != "" {
		v := url.Values{"after": {next}}
		if lq.Search != "" {
			v.Set("q", lq.Search)
		}
		nextHref = base + "?" + v.Encode()
	}
	if lq.After != "" {
		firstHref = base
		if lq.Search != "" {
			firstHref += "?" + url.Values{"q": {lq.Search}}.Encode()
		}
	}
	return nextHref, firstHref
}

// formState is what one form of a page was sent with when it failed:
// the typed values and the messages beside its fields.
type formState struct {
	ID       string
	Values   url.Values
	Errors   map[string]string
	Conflict bool
}

func (s *formState) is(id string) bool { return s != nil && s.ID == id }

// val is the typed value of a field when this form failed, else stored.
func (s *formState) val(id, name, stored string) string {
	if s.is(id) {
		return s.Values.Get(name)
	}
	return stored
}

func (s *formState) vals(id, name string, stored []string) []string {
	if s.is(id) {
		return s.Values[name]
	}
	return stored
}

func (s *formState) err(id, name string) string {
	if s.is(id) {
		return s.Errors[name]
	}
	return ""
}

// failed builds the state of a form whose save failed with err; ok is
// false when err is not a validation error or a conflict.
func failed(c echo.Context, id string, err error) (*formState, bool) {
	form, _ := c.FormParams()
	var verr *models.ValidationError
	switch {
	case errors.As(err, &verr):
		return &formState{ID: id, Values: form, Errors: verr.Fields}, true
	case errors.Is(err, models.ErrChangedSince):
		return &formState{ID: id, Values: form, Errors: map[string]string{}, Conflict: true}, true
	}
	return nil, false
}

func options(values []string, chosen ...string) []pages.ResOption {
	out := make([]pages.ResOption, len(values))
	for i, v := range values {
		out[i] = pages.ResOption{Value: v, Label: v}
		for _, c := range chosen {
			if c == v {
				out[i].Selected = true
			}
		}
	}
	return out
}

func versionField(st *formState, id string, stored int64) pages.ResField {
	return pages.ResField{Kind: "hidden", Name: "version", Value: st.val(id, "version", strconv.FormatInt(stored, 10))}
}

func formVersion(c echo.Context) int64 {
	n, _ := strconv.ParseInt(c.FormValue("version"), 10, 64)
	return n
}

const conflictMessage = "Someone else changed this since you opened it. The values now saved are shown; your changes were not saved: make them again."

// resPage is the layout of a resource page.
func (h *Handler) resPage(c echo.Context, w models.Workspace, title string, crumbs ...layout.Crumb) layout.Page {
	return h.R.Page(c, title, workspaceCrumbs(c, w, crumbs...)...)
}

// renderList renders a resource list.
func (h *Handler) renderList(c echo.Context, w models.Workspace, d pages.ResListData) error {
	v := render.Viewer(c)
	d.Header = h.workspaceHeader(c, v, w, d.Title)
	return render.Render(c, http.StatusOK, pages.ResList(h.resPage(c, w, d.Title+" · "+w.Name, layout.Crumb{Label: d.Title}), d))
}

// cellTime is a list cell with a time.
func joinOr(vals []string, none string) string {
	if len(vals) == 0 {
		return none
	}
	return strings.Join(vals, " ")
}
