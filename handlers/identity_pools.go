package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/views/layout"
	"gatehouse/views/pages"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// currentPool is the request's identity pool, loaded by the route table's
// pool guard.
func currentPool(c echo.Context) (models.IdentityPool, error) {
	p, ok := render.IdentityPool(c)
	if !ok {
		return p, echo.ErrNotFound
	}
	return p, nil
}

func poolsPath(c echo.Context, rest string) string { return tenantPath(c, "/identity-pools"+rest) }

func poolPath(c echo.Context, p models.IdentityPool, rest string) string {
	return poolsPath(c, "/"+p.Slug+rest)
}

func poolUserPath(c echo.Context, p models.IdentityPool, id int64, rest string) string {
	return poolPath(c, p, "/users/"+strconv.FormatInt(id, 10)+rest)
}

// poolCrumbs are the breadcrumbs of a pool's pages; the pool's own pages
// are links only for those who may read pools (Editor - Users reaches the
// Users tab of end-user pools only).
func poolCrumbs(c echo.Context, v *models.Viewer, p models.IdentityPool, more ...layout.Crumb) []layout.Crumb {
	cr := []layout.Crumb{{Label: "User Management"}}
	if v.Can(authz.ReadIdentityPools) {
		cr = append(cr, layout.Crumb{Label: "Identity Pools", Href: poolsPath(c, "")}, layout.Crumb{Label: p.Name, Href: poolPath(c, p, "")})
	} else {
		cr = append(cr, layout.Crumb{Label: p.Name})
	}
	return append(cr, more...)
}

// poolHeader is the top of a pool's pages with the tabs the viewer may open.
func poolHeader(c echo.Context, v *models.Viewer, p models.IdentityPool, active string) pages.PoolHeader {
	h := pages.PoolHeader{Name: p.Name, Slug: p.Slug, Description: p.Description, BuiltIn: p.BuiltIn()}
	if v.Can(authz.ReadIdentityPools) {
		for _, t := range []struct{ label, path string }{{"Settings", ""}, {"User Attributes", "/attributes"}, {"Metadata Attributes", "/metadata"}} {
			h.Tabs = append(h.Tabs, pages.PoolTab{Label: t.label, Href: poolPath(c, p, t.path), Active: t.label == active})
		}
	}
	if v.CanPoolUsers(p, false) {
		h.Tabs = append(h.Tabs, pages.PoolTab{Label: "Users", Href: poolPath(c, p, "/users"), Active: active == "Users"})
	}
	return h
}

// PoolList is Identity Pools.
func (h *Handler) PoolList(c echo.Context) error {
	v := render.Viewer(c)
	list, err := h.Models.ListIdentityPools(c.Request().Context(), v.Tenant.ID)
	if err != nil {
		return err
	}
	d := pages.PoolListData{CanCreate: v.Can(authz.ManageIdentityPools)}
	for _, it := range list {
		d.Rows = append(d.Rows, pages.PoolRow{Href: poolPath(c, it.Pool, ""), Name: it.Pool.Name, Slug: it.Pool.Slug,
			Description: it.Pool.Description, BuiltIn: it.Pool.BuiltIn(), Users: it.Users})
	}
	p := h.R.Page(c, "Identity Pools", layout.Crumb{Label: "User Management"}, layout.Crumb{Label: "Identity Pools"})
	return render.Render(c, http.StatusOK, pages.PoolList(p, d))
}

func (h *Handler) renderPoolNew(c echo.Context, status int, f pages.PoolForm) error {
	p := h.R.Page(c, "Create Pool", layout.Crumb{Label: "User Management"}, layout.Crumb{Label: "Identity Pools", Href: poolsPath(c, "")}, layout.Crumb{Label: "Create Pool"})
	return render.Render(c, status, pages.PoolNew(p, f))
}

// PoolNewForm shows Create Pool.
func (h *Handler) PoolNewForm(c echo.Context) error {
	return h.renderPoolNew(c, http.StatusOK, pages.PoolForm{Errors: map[string]string{}})
}

// PoolCreate creates an end-user pool and opens it.
func (h *Handler) PoolCreate(c echo.Context) error {
	v := render.Viewer(c)
	in := models.PoolInput{Name: c.FormValue("name"), Slug: c.FormValue("slug"), Description: c.FormValue("description")}
	pool, err := h.Models.CreateIdentityPool(c.Request().Context(), v.Tenant.ID, in, actor(c))
	var verr *models.ValidationError
	switch {
	case errors.As(err, &verr):
		return h.renderPoolNew(c, http.StatusUnprocessableEntity, pages.PoolForm{Name: in.Name, Slug: in.Slug, Description: in.Description, Errors: verr.Fields})
	case err != nil:
		return err
	}
	h.Flashes.Set(c, "success", pool.Name+" was created.")
	return render.Redirect(c, poolPath(c, pool, ""))
}

func (h *Handler) renderPoolSettings(c echo.Context, status int, pool models.IdentityPool, f pages.PoolForm) error {
	v := render.Viewer(c)
	manage := v.Can(authz.ManageIdentityPools)
	d := pages.PoolSettingsData{Header: poolHeader(c, v, pool, "Settings"), BaseURL: poolPath(c, pool, ""),
		CanManage: manage, CanDelete: manage && !pool.BuiltIn(), Form: f}
	p := h.R.Page(c, pool.Name, poolCrumbs(c, v, pool, layout.Crumb{Label: "Settings"})...)
	return render.Render(c, status, pages.PoolSettings(p, d))
}

// PoolShow is a pool's Settings tab.
func (h *Handler) PoolShow(c echo.Context) error {
	pool, err := currentPool(c)
	if err != nil {
		return err
	}
	return h.renderPoolSettings(c, http.StatusOK, pool, pages.PoolForm{Name: pool.Name, Description: pool.Description, Errors: map[string]string{}})
}

// PoolUpdate saves a pool's name and description.
func (h *Handler) PoolUpdate(c echo.Context) error {
	pool, err := currentPool(c)
	if err != nil {
		return err
	}
	in := models.PoolInput{Name: c.FormValue("name"), Description: c.FormValue("description")}
	updated, err := h.Models.UpdateIdentityPool(c.Request().Context(), pool, in, actor(c))
	var verr *models.ValidationError
	switch {
	case errors.As(err, &verr):
		return h.renderPoolSettings(c, http.StatusUnprocessableEntity, pool, pages.PoolForm{Name: in.Name, Description: in.Description, Errors: verr.Fields})
	case err != nil:
		return err
	}
	h.Flashes.Set(c, "success", "The pool was saved.")
	return render.Redirect(c, poolPath(c, updated, ""))
}

// PoolDeleteForm is the confirmation page naming the pool's user count.
// Built-in pools cannot be deleted (403).
func (h *Handler) PoolDeleteForm(c echo.Context) error {
	pool, err := currentPool(c)
	if err != nil {
		return err
	}
	if pool.BuiltIn() {
		return echo.NewHTTPError(http.StatusForbidden, models.ErrBuiltInPool.Error())
	}
	n, err := h.Models.CountPoolUsers(c.Request().Context(), pool)
	if err != nil {
		return err
	}
	v := render.Viewer(c)
	p := h.R.Page(c, "Delete "+pool.Name, poolCrumbs(c, v, pool, layout.Crumb{Label: "Delete"})...)
	return render.Render(c, http.StatusOK, pages.PoolDelete(p, pages.PoolDeleteData{Header: poolHeader(c, v, pool, ""), BaseURL: poolPath(c, pool, ""), Users: n}))
}

// PoolDelete deletes a created pool with its users.
func (h *Handler) PoolDelete(c echo.Context) error {
	pool, err := currentPool(c)
	if err != nil {
		return err
	}
	n, err := h.Models.DeleteIdentityPool(c.Request().Context(), pool, actor(c))
	switch {
	case errors.Is(err, models.ErrBuiltInPool):
		return echo.NewHTTPError(http.StatusForbidden, err.Error())
	case errors.Is(err, models.ErrNotFound):
		return echo.ErrNotFound
	case err != nil:
		return err
	}
	h.Flashes.Set(c, "success", fmt.Sprintf("%s was deleted with its %d users.", pool.Name, n))
	return render.Redirect(c, poolsPath(c, ""))
}

// schemaOf tells which schema a schema route is about, by its path.
func schemaOf(c echo.Context) (schema, title, path string) {
	if strings.Contains(c.Path(), "/metadata") {
		return models.SchemaMetadata, "Metadata Attributes", "/metadata"
	}
	return models.SchemaUser, "User Attributes", "/attributes"
}

func (h *Handler) renderPoolSchema(c echo.Context, status int, pool models.IdentityPool, f pages.AttributeForm) error {
	v := render.Viewer(c)
	schema, title, path := schemaOf(c)
	attrs, err := h.Models.PoolAttributes(c.Request().Context(), pool, schema)
	if err != nil {
		return err
	}
	d := pages.PoolSchemaData{Header: poolHeader(c, v, pool, title), Title: title, Action: poolPath(c, pool, path),
		Types: models.AttributeTypes, CanManage: v.Can(authz.ManageIdentityPools), Form: f}
	for _, a := range attrs {
		d.Rows = append(d.Rows, pages.AttributeRow{Name: a.Name, Type: a.Type, Required: a.Required, Description: a.Description,
			RemoveURL: poolPath(c, pool, path+"/"+strconv.FormatInt(a.ID, 10)+"/delete")})
	}
	if d.Form.Errors == nil {
		d.Form.Errors = map[string]string{}
	}
	p := h.R.Page(c, title+" · "+pool.Name, poolCrumbs(c, v, pool, layout.Crumb{Label: title})...)
	return render.Render(c, status, pages.PoolSchema(p, d))
}

// PoolSchema is the User Attributes or Metadata Attributes tab.
func (h *Handler) PoolSchema(c echo.Context) error {
	pool, err := currentPool(c)
	if err != nil {
		return err
	}
	return h.renderPoolSchema(c, http.StatusOK, pool, pages.AttributeForm{Type: "string"})
}

// PoolAddAttribute adds an attribute to the tab's schema.
func (h *Handler) PoolAddAttribute(c echo.Context) error {
	pool, err := currentPool(c)
	if err != nil {
		return err
	}
	schema, _, path := schemaOf(c)
	in := models.AttributeInput{Name: c.FormValue("attr_name"), Type: c.FormValue("attr_type"),
		Required: c.FormValue("attr_required") != "", Description: c.FormValue("attr_description")}
	a, err := h.Models.AddPoolAttribute(c.Request().Context(), pool, schema, in, actor(c))
	var verr *models.ValidationError
	switch {
	case errors.As(err, &verr):
		return h.renderPoolSchema(c, http.StatusUnprocessableEntity, pool, pages.AttributeForm{Name: in.Name, Type: in.Type,
			Required: in.Required, Description: in.Description, Errors: verr.Fields})
	case err != nil:
		return err
	}
	h.Flashes.Set(c, "success", a.Name+" was added.")
	return render.Redirect(c, poolPath(c, pool, path))
}

// PoolRemoveAttribute removes one attribute of the tab's schema.
func (h *Handler) PoolRemoveAttribute(c echo.Context) error {
	pool, err := currentPool(c)
	if err != nil {
		return err
	}
	schema, _, path := schemaOf(c)
	id, perr := paramID(c, "attr")
	if perr != nil {
		return perr
	}
	if err := h.Models.RemovePoolAttribute(c.Request().Context(), pool, schema, id, actor(c)); err != nil {
		return err
	}
	h.Flashes.Set(c, "success", "The attribute was removed.")
	return render.Redirect(c, poolPath(c, pool, path))
}

// keyset cursor helpers for the pool users list (administrators page by
// e-mail, end users by id).
func poolPageLinks(base string, keep url.Values, next, after string) (nextHref, firstHref string) {
	if next != "" {
		v := url.Values{}
		for k, vs := range keep {
			v[k] = vs
		}
		v.Set("after", next)
		nextHref = base + "?" + v.Encode()
	}
	if after != "" {
		firstHref = base
		if len(keep) > 0 {
			firstHref += "?" + keep.Encode()
		}
	}
	return nextHref, firstHref
}
