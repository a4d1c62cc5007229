package handlers

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
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

// PoolUserList is a pool's Users tab: search and keyset pages.
func (h *Handler) PoolUserList(c echo.Context) error {
	pool, err := currentPool(c)
	if err != nil {
		return err
	}
	v := render.Viewer(c)
	q := searchText(c.QueryParam("q"))
	after := strings.TrimSpace(c.QueryParam("after"))
	if len(after) > 320 {
		after = ""
	}
	page, err := h.Models.ListPoolUsers(c.Request().Context(), pool, models.PoolUserListQuery{Search: q, After: after})
	if err != nil {
		return err
	}
	d := pages.PoolUserListData{Header: poolHeader(c, v, pool, "Users"), BaseURL: poolPath(c, pool, "/users"), Admins: pool.Admins(),
		Search: q, Partial: page.Partial, CanCreate: v.CanPoolUsers(pool, true)}
	for _, u := range page.Items {
		d.Rows = append(d.Rows, pages.PoolUserRow{Href: poolUserPath(c, pool, u.ID, ""), Name: u.DisplayName(), Email: u.Email,
			Status: string(u.Status), LastLogin: fmtTime(u.LastSignInAt, "Never")})
	}
	keep := url.Values{}
	if q != "" {
		keep.Set("q", q)
	}
	d.NextHref, d.FirstHref = poolPageLinks(d.BaseURL, keep, page.Next, after)
	p := h.R.Page(c, "Users · "+pool.Name, poolCrumbs(c, v, pool, layout.Crumb{Label: "Users"})...)
	return render.Render(c, http.StatusOK, pages.PoolUserList(p, d))
}

func (h *Handler) renderPoolUserNew(c echo.Context, status int, pool models.IdentityPool, d pages.PoolUserNewData) error {
	v := render.Viewer(c)
	d.Header, d.BaseURL, d.Admins = poolHeader(c, v, pool, "Users"), poolPath(c, pool, "/users"), pool.Admins()
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	p := h.R.Page(c, "Create · "+pool.Name, poolCrumbs(c, v, pool, layout.Crumb{Label: "Users", Href: d.BaseURL}, layout.Crumb{Label: "Create"})...)
	return render.Render(c, status, pages.PoolUserNew(p, d))
}

// PoolUserNewForm is the Users tab's Create form.
func (h *Handler) PoolUserNewForm(c echo.Context) error {
	pool, err := currentPool(c)
	if err != nil {
		return err
	}
	return h.renderPoolUserNew(c, http.StatusOK, pool, pages.PoolUserNewData{})
}

// PoolUserCreate creates a pool user (in the Administrators pool: invites
// an administrator with no role) and opens their page.
func (h *Handler) PoolUserCreate(c echo.Context) error {
	pool, err := currentPool(c)
	if err != nil {
		return err
	}
	v := render.Viewer(c)
	in := models.CreatePoolUserInput{Email: c.FormValue("email"), GivenName: c.FormValue("given_name"), FamilyName: c.FormValue("family_name")}
	u, err := h.Models.CreatePoolUser(c.Request().Context(), *v, pool, in, actor(c))
	var verr *models.ValidationError
	switch {
	case errors.As(err, &verr):
		return h.renderPoolUserNew(c, http.StatusUnprocessableEntity, pool, pages.PoolUserNewData{Email: strings.TrimSpace(in.Email),
			GivenName: in.GivenName, FamilyName: in.FamilyName, Errors: verr.Fields})
	case err != nil:
		return err
	}
	msg := u.DisplayName() + " was created."
	if pool.Admins() {
		h.wakeMail()
		msg = u.DisplayName() + " was invited by e-mail. Assign a role on their Roles page."
	}
	h.Flashes.Set(c, "success", msg)
	return render.Redirect(c, poolUserPath(c, pool, u.ID, ""))
}

// attributeValues reads the fields attributes[NAME] (prefix "attributes")
// or metadata[NAME] of the posted form.
func attributeValues(c echo.Context, prefix string) map[string]string {
	out := map[string]string{}
	form, err := c.FormParams()
	if err != nil {
		return out
	}
	for k, vs := range form {
		if strings.HasPrefix(k, prefix+"[") && strings.HasSuffix(k, "]") && len(vs) > 0 && len(out) < 200 {
			out[k[len(prefix)+1:len(k)-1]] = vs[0]
		}
	}
	return out
}

func storedValues(stored string) map[string]string {
	m := map[string]string{}
	if stored != "" {
		_ = json.Unmarshal([]byte(stored), &m) // a malformed value reads as none
	}
	return m
}

// renderPoolUser renders a pool user's page; after a refused form, errs
// holds its messages and the form's typed values are kept.
func (h *Handler) renderPoolUser(c echo.Context, status int, errs map[string]string) error {
	pool, err := currentPool(c)
	if err != nil {
		return err
	}
	id, err := numericID(c)
	if err != nil {
		return err
	}
	v := render.Viewer(c)
	det, err := h.Models.PoolUserDetail(c.Request().Context(), pool, id)
	if err != nil {
		return err
	}
	if errs == nil {
		errs = map[string]string{}
	}
	base := poolUserPath(c, pool, det.ID, "")
	canManage := v.CanPoolUsers(pool, true)
	d := pages.PoolUserData{Header: poolHeader(c, v, pool, "Users"), BaseURL: base, Admins: pool.Admins(), Name: det.DisplayName(),
		Email: det.Email, Status: string(det.Status), LastLogin: fmtTime(det.LastSignInAt, "Never"), Created: fmtTime(&det.CreatedAt, ""),
		CanManage: canManage, IsSelf: pool.Admins() && det.ID == v.Administrator.ID, Errors: errs,
		IdentifierType: "email", AddressType: "email"}
	if pool.Admins() {
		d.RolesHref = base + "/roles"
	}
	if status != http.StatusOK {
		if t := c.FormValue("identifier_type"); t != "" {
			d.IdentifierType = t
		}
		if t := c.FormValue("address_type"); t != "" {
			d.AddressType = t
		}
		d.Identifier, d.Address = c.FormValue("identifier"), c.FormValue("address")
		if s := c.FormValue("status"); s != "" {
			d.Status = s
		}
	}
	for _, i := range det.Identifiers {
		d.Identifiers = append(d.Identifiers, pages.IdentifierRow{Type: i.Type, Value: i.Value,
			RemoveURL: base + "/identifiers/" + strconv.FormatInt(i.ID, 10) + "/delete"})
	}
	for _, a := range det.Addresses {
		r := pages.AddressRow{Type: a.Type, Value: a.Value, Verified: a.Verified(),
			RemoveURL: base + "/addresses/" + strconv.FormatInt(a.ID, 10) + "/delete"}
		if !a.Verified() {
			r.VerifyURL = base + "/addresses/" + strconv.FormatInt(a.ID, 10) + "/verify"
		}
		d.Addresses = append(d.Addresses, r)
	}
	fields := func(schema []models.PoolAttribute, prefix, stored string) []pages.AttributeField {
		vals := storedValues(stored)
		if status != http.StatusOK && strings.HasSuffix(c.Path(), "/"+prefix) {
			vals = attributeValues(c, prefix)
		}
		var out []pages.AttributeField
		for _, a := range schema {
			name := prefix + "[" + a.Name + "]"
			label := a.Name + " (" + a.Type + ")"
			if a.Required {
				label += " *"
			}
			out = append(out, pages.AttributeField{Name: name, Label: label, Type: a.Type, Required: a.Required,
				Description: a.Description, Value: vals[a.Name], Error: errs[name]})
		}
		return out
	}
	d.Attributes = fields(det.UserSchema, "attributes", det.Attributes)
	d.Metadata = fields(det.MetaSchema, "metadata", det.Metadata)
	p := h.R.Page(c, det.DisplayName(), poolCrumbs(c, v, pool, layout.Crumb{Label: "Users", Href: poolPath(c, pool, "/users")},
		layout.Crumb{Label: det.DisplayName()})...)
	return render.Render(c, status, pages.PoolUserShow(p, d))
}

// PoolUserShow is a pool user's page.
func (h *Handler) PoolUserShow(c echo.Context) error {
	return h.renderPoolUser(c, http.StatusOK, nil)
}

// poolUserOutcome turns a pool user mutation's result into a redirect to
// their page with a flash, a 403 or 404, or the page again with the
// messages beside their fields (rowField: the field a row action's
// message goes to instead of "_form").
func (h *Handler) poolUserOutcome(c echo.Context, err error, success string, keep ...string) error {
	var verr *models.ValidationError
	switch {
	case err == nil:
		h.Flashes.Set(c, "success", success)
		pool, _ := currentPool(c)
		id, _ := numericID(c)
		return render.Redirect(c, poolUserPath(c, pool, id, ""))
	case errors.Is(err, models.ErrNotFound):
		return echo.ErrNotFound
	case errors.Is(err, models.ErrEscalation), errors.Is(err, models.ErrForbidden):
		return echo.NewHTTPError(http.StatusForbidden, err.Error())
	case errors.Is(err, models.ErrLastTenantAdmin), errors.Is(err, models.ErrSelfDeactivation):
		return h.renderPoolUser(c, http.StatusForbidden, map[string]string{"_form": capitalise(err.Error()) + "."})
	case errors.As(err, &verr):
		errs := map[string]string{}
		for k, m := range verr.Fields {
			field := k
			if len(keep) > 0 && !contains(keep, k) && !strings.Contains(k, "[") {
				field = "_form"
			}
			errs[field] = m
		}
		return h.renderPoolUser(c, http.StatusUnprocessableEntity, errs)
	}
	return err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// paramID is the numeric path parameter name, checked by its route's
// loader (gm.ID); a route without one gets 404.
func paramID(c echo.Context, name string) (int64, error) {
	id := render.ParamID(c, name)
	if id <= 0 {
		return 0, echo.ErrNotFound
	}
	return id, nil
}

// numericID is the :id path parameter (paramID).
func numericID(c echo.Context) (int64, error) { return paramID(c, "id") }

// poolUserIDs are the request's pool and user id.
func poolUserIDs(c echo.Context) (models.IdentityPool, int64, error) {
	pool, err := currentPool(c)
	if err != nil {
		return pool, 0, err
	}
	id, err := numericID(c)
	return pool, id, err
}

// PoolUserAddIdentifier adds an identifier.
func (h *Handler) PoolUserAddIdentifier(c echo.Context) error {
	pool, id, err := poolUserIDs(c)
	if err != nil {
		return err
	}
	err = h.Models.AddIdentifier(c.Request().Context(), pool, id, c.FormValue("identifier_type"), c.FormValue("identifier"), actor(c))
	return h.poolUserOutcome(c, err, "The identifier was added.", "identifier_type", "identifier")
}

// PoolUserRemoveIdentifier removes an identifier (never the last one).
func (h *Handler) PoolUserRemoveIdentifier(c echo.Context) error {
	pool, id, err := poolUserIDs(c)
	if err != nil {
		return err
	}
	iid, err := paramID(c, "identifier")
	if err != nil {
		return err
	}
	err = h.Models.RemoveIdentifier(c.Request().Context(), pool, id, iid, actor(c))
	return h.poolUserOutcome(c, err, "The identifier was removed.", "_form")
}

// PoolUserAddAddress adds an address.
func (h *Handler) PoolUserAddAddress(c echo.Context) error {
	pool, id, err := poolUserIDs(c)
	if err != nil {
		return err
	}
	err = h.Models.AddAddress(c.Request().Context(), pool, id, c.FormValue("address_type"), c.FormValue("address"), actor(c))
	return h.poolUserOutcome(c, err, "The address was added.", "address_type", "address")
}

// PoolUserRemoveAddress removes an address.
func (h *Handler) PoolUserRemoveAddress(c echo.Context) error {
	pool, id, err := poolUserIDs(c)
	if err != nil {
		return err
	}
	aid, err := paramID(c, "address")
	if err != nil {
		return err
	}
	err = h.Models.RemoveAddress(c.Request().Context(), pool, id, aid, actor(c))
	return h.poolUserOutcome(c, err, "The address was removed.", "_form")
}

// PoolUserStartVerification is Start OTP verification: a single-use link
// /verify/{token} goes to the address.
func (h *Handler) PoolUserStartVerification(c echo.Context) error {
	pool, id, err := poolUserIDs(c)
	if err != nil {
		return err
	}
	aid, err := paramID(c, "address")
	if err != nil {
		return err
	}
	v := render.Viewer(c)
	_, err = h.Models.StartAddressVerification(c.Request().Context(), v.Tenant, pool, id, aid, actor(c))
	if err == nil {
		h.wakeMail()
	}
	return h.poolUserOutcome(c, err, "A verification link was sent; the address is verified once it is opened and confirmed.", "_form")
}

// PoolUserSaveAttributes saves the Attributes or Metadata form.
func (h *Handler) PoolUserSaveAttributes(c echo.Context) error {
	pool, id, err := poolUserIDs(c)
	if err != nil {
		return err
	}
	schema, prefix, what := models.SchemaUser, "attributes", "Attributes"
	if strings.HasSuffix(c.Path(), "/metadata") {
		schema, prefix, what = models.SchemaMetadata, "metadata", "Metadata"
	}
	err = h.Models.SavePoolUserAttributes(c.Request().Context(), pool, id, schema, attributeValues(c, prefix), actor(c))
	return h.poolUserOutcome(c, err, what+" saved.", "_form")
}

// PoolUserSetStatus is Manage: new, active or inactive.
func (h *Handler) PoolUserSetStatus(c echo.Context) error {
	pool, id, err := poolUserIDs(c)
	if err != nil {
		return err
	}
	v := render.Viewer(c)
	status := models.UserStatus(c.FormValue("status"))
	err = h.Models.SetPoolUserStatus(c.Request().Context(), *v, pool, id, status, actor(c))
	msg := "The status is now " + string(status) + "."
	if pool.Admins() && status == models.UserNew {
		msg = "The administrator was signed out everywhere and a fresh invitation was e-mailed."
	}
	if err == nil {
		h.wakeMail()
	}
	return h.poolUserOutcome(c, err, msg, "status")
}

// PoolUserPasswordReset e-mails an administrator a password reset link.
func (h *Handler) PoolUserPasswordReset(c echo.Context) error {
	pool, id, err := poolUserIDs(c)
	if err != nil {
		return err
	}
	v := render.Viewer(c)
	if !pool.Admins() {
		return h.poolUserOutcome(c, &models.ValidationError{Fields: map[string]string{"_form": "Password resets are for administrators: end users reset their password in your product."}}, "")
	}
	u, err := h.Models.PoolUserByID(c.Request().Context(), pool, id)
	if err != nil {
		return h.poolUserOutcome(c, err, "")
	}
	_, err = h.Models.SendPasswordReset(c.Request().Context(), v.Tenant, *u.Admin, actor(c))
	if errors.Is(err, models.ErrNotActive) {
		err = &models.ValidationError{Fields: map[string]string{"_form": u.DisplayName() + " is not active: only active administrators can reset their password. Set the status to new to send a fresh invitation instead."}}
	}
	if err == nil {
		h.wakeMail()
	}
	return h.poolUserOutcome(c, err, "A password reset link was sent to "+u.Email+".", "_form")
}

// renderPoolUserRoles is the Roles page of a user of the Administrators
// pool: the User Profile's roles, with all of its rules.
func (h *Handler) renderPoolUserRoles(c echo.Context, status int, errs map[string]string, role, expires string) error {
	pool, id, err := poolUserIDs(c)
	if err != nil {
		return err
	}
	v := render.Viewer(c)
	if _, err := h.Models.PoolUserByID(c.Request().Context(), pool, id); err != nil {
		return err
	}
	d, a, err := h.adminProfileData(c, id, poolUserPath(c, pool, id, "/roles"), errs, role, expires)
	if err != nil {
		return err
	}
	d.CanManage = v.CanPoolUsers(pool, true) && v.Can(authz.ManageTenantRoles)
	for i := range d.Bindings { // the binding URLs under this page
		d.Bindings[i].RemoveURL = d.BaseURL + "/" + strconv.FormatInt(d.Bindings[i].ID, 10) + "/delete"
	}
	data := pages.PoolUserRolesData{Header: poolHeader(c, v, pool, "Users"), UserHref: poolUserPath(c, pool, id, ""), Profile: d}
	p := h.R.Page(c, "Roles · "+a.DisplayName(), poolCrumbs(c, v, pool, layout.Crumb{Label: "Users", Href: poolPath(c, pool, "/users")},
		layout.Crumb{Label: a.DisplayName(), Href: data.UserHref}, layout.Crumb{Label: "Roles"})...)
	return render.Render(c, status, pages.PoolUserRoles(p, data))
}

// PoolUserRoles is the Roles page of a user of the Administrators pool.
func (h *Handler) PoolUserRoles(c echo.Context) error {
	return h.renderPoolUserRoles(c, http.StatusOK, nil, "", "")
}

// rolesOutcome is profileOutcomeOf for the Roles page.
func (h *Handler) rolesOutcome(c echo.Context, err error, success string) error {
	var verr *models.ValidationError
	switch {
	case err == nil:
		h.Flashes.Set(c, "success", success)
		pool, id, _ := poolUserIDs(c)
		return render.Redirect(c, poolUserPath(c, pool, id, "/roles"))
	case errors.Is(err, models.ErrNotFound):
		return echo.ErrNotFound
	case errors.Is(err, models.ErrEscalation):
		return echo.NewHTTPError(http.StatusForbidden, err.Error())
	case errors.Is(err, models.ErrLastTenantAdmin), errors.Is(err, models.ErrSelfDeactivation):
		return h.renderPoolUserRoles(c, http.StatusForbidden, map[string]string{"_form": capitalise(err.Error()) + "."}, "", "")
	case errors.As(err, &verr):
		errs := map[string]string{}
		for k, m := range verr.Fields {
			switch k {
			case "role", "expires_at":
				errs[k] = m
			case "password", "code":
				errs["role-"+k] = m
			default:
				errs["_form"] = m
			}
		}
		return h.renderPoolUserRoles(c, http.StatusUnprocessableEntity, errs, c.FormValue("role"), c.FormValue("expires_at"))
	}
	return err
}

// PoolUserAssignRole assigns a tenant role (optional expiry) and Saves:
// the User Profile's AssignRole, with its rules (no escalation, plan gate,
// step-up for Tenant Admin).
func (h *Handler) PoolUserAssignRole(c echo.Context) error {
	_, id, err := poolUserIDs(c)
	if err != nil {
		return err
	}
	v := render.Viewer(c)
	if !v.Can(authz.ManageTenantRoles) {
		return echo.ErrForbidden
	}
	var expires *time.Time
	if s := strings.TrimSpace(c.FormValue("expires_at")); s != "" {
		d, perr := time.Parse("2006-01-02", s)
		if perr != nil {
			return h.rolesOutcome(c, &models.ValidationError{Fields: map[string]string{"expires_at": "Enter a date like 2026-12-31."}}, "")
		}
		end := d.Add(24 * time.Hour)
		expires = &end
	}
	stepErrs, err := h.stepUpCheck(c)
	if err != nil {
		return err
	}
	if stepErrs != nil {
		return h.rolesOutcome(c, &models.ValidationError{Fields: stepErrs}, "")
	}
	err = h.Models.AssignRole(c.Request().Context(), *v, id, c.FormValue("role"), expires, actor(c))
	if ok, rerr := h.pendingOutcome(c, err); ok {
		return rerr
	}
	name := c.FormValue("role")
	if r, ok := authz.RoleByKey(authz.RoleKey(name)); ok {
		name = r.Name
	}
	return h.rolesOutcome(c, err, name+" was assigned.")
}

// PoolUserRemoveRole removes one role binding (the User Profile's RemoveRole).
func (h *Handler) PoolUserRemoveRole(c echo.Context) error {
	_, id, err := poolUserIDs(c)
	if err != nil {
		return err
	}
	v := render.Viewer(c)
	if !v.Can(authz.ManageTenantRoles) {
		return echo.ErrForbidden
	}
	bid, err := paramID(c, "binding")
	if err != nil {
		return err
	}
	err = h.Models.RemoveRole(c.Request().Context(), *v, id, bid, actor(c))
	return h.rolesOutcome(c, err, "The role was removed.")
}

// VerifyAddressShow is where a verification link leads: confirm (POST).
func (h *Handler) VerifyAddressShow(c echo.Context) error {
	token := c.Param("token")
	c.Response().Header().Set("Cache-Control", "no-store")
	p := h.R.Page(c, "Verify your address")
	pv, err := h.Models.AddressVerificationByToken(c.Request().Context(), token)
	if errors.Is(err, models.ErrInvalidToken) {
		return render.Render(c, http.StatusGone, pages.VerifyAddress(p, pages.VerifyAddressData{Invalid: true}))
	}
	if err != nil {
		return err
	}
	p.TenantName = pv.Tenant.Name
	return render.Render(c, http.StatusOK, pages.VerifyAddress(p, pages.VerifyAddressData{Address: pv.Address.Value,
		Mobile: pv.Address.Type == models.AddressMobile, Tenant: pv.Tenant.Name, FormPath: "/verify/" + token}))
}

// VerifyAddress confirms a verification link: the address is verified.
func (h *Handler) VerifyAddress(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	p := h.R.Page(c, "Verify your address")
	pv, err := h.Models.ConfirmAddressVerification(c.Request().Context(), c.Param("token"), actor(c))
	if errors.Is(err, models.ErrInvalidToken) {
		return render.Render(c, http.StatusGone, pages.VerifyAddress(p, pages.VerifyAddressData{Invalid: true}))
	}
	if err != nil {
		return err
	}
	p.TenantName = pv.Tenant.Name
	return render.Render(c, http.StatusOK, pages.VerifyAddress(p, pages.VerifyAddressData{Done: true, Address: pv.Address.Value}))
}
