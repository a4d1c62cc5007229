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

// tenantPath is a path under the request's tenant.
func tenantPath(c echo.Context, rest string) string {
	t, _ := render.Tenant(c)
	return "/t/" + t.Slug + rest
}

// cursorParam parses a numeric ?after= cursor; anything else is the first page.
func cursorParam(c echo.Context) int64 {
	n, err := strconv.ParseInt(c.QueryParam("after"), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// searchParam is the trimmed ?q= search, at most max bytes.
func searchParam(c echo.Context, max int) string {
	q := strings.TrimSpace(c.QueryParam("q"))
	if len(q) > max {
		q = strings.ToValidUTF8(q[:max], "")
	}
	return q
}

// pageLinks builds the Next and First page links of a keyset-paginated list.
func pageLinks(base string, keep url.Values, next int64, after int64) (nextHref, firstHref string) {
	if next > 0 {
		v := url.Values{}
		for k, vs := range keep {
			v[k] = vs
		}
		v.Set("after", strconv.FormatInt(next, 10))
		nextHref = base + "?" + v.Encode()
	}
	if after > 0 {
		firstHref = base
		if len(keep) > 0 {
			firstHref += "?" + keep.Encode()
		}
	}
	return nextHref, firstHref
}

func usersPath(c echo.Context, rest string) string { return tenantPath(c, "/users"+rest) }

func userCrumbs(c echo.Context, more ...layout.Crumb) []layout.Crumb {
	return append([]layout.Crumb{{Label: "User Management"}, {Label: "Users", Href: usersPath(c, "")}}, more...)
}

// UserList is User Management > Users.
func (h *Handler) UserList(c echo.Context) error {
	v := render.Viewer(c)
	q, after := searchParam(c, 200), cursorParam(c)
	page, err := h.Models.ListUsers(c.Request().Context(), v.Tenant.ID, models.UserListQuery{Search: q, After: after})
	if err != nil {
		return err
	}
	d := pages.UserListData{Search: q, CanCreate: v.Can(authz.ManageUsers), Partial: page.Partial, Window: thousands(int64(models.UserSearchWindow))}
	for _, u := range page.Items {
		d.Rows = append(d.Rows, pages.UserRow{
			Href: usersPath(c, "/"+strconv.FormatInt(u.ID, 10)), Name: u.DisplayName(), Email: u.Email, Username: u.Username,
			Status: string(u.Status), Blocked: u.Blocked, LastLogin: fmtTime(u.LastLoginAt, "Never"),
		})
	}
	keep := url.Values{}
	if q != "" {
		keep.Set("q", q)
	}
	d.NextHref, d.FirstHref = pageLinks(usersPath(c, ""), keep, page.Next, after)
	return render.Render(c, http.StatusOK, pages.UserList(h.R.Page(c, "Users", userCrumbs(c)...), d))
}

// UserNewForm shows Create User.
func (h *Handler) UserNewForm(c echo.Context) error {
	p := h.R.Page(c, "Create User", userCrumbs(c, layout.Crumb{Label: "Create User"})...)
	return render.Render(c, http.StatusOK, pages.UserNew(p, pages.UserNewData{Errors: map[string]string{}}))
}

// UserCreate creates the user and opens their page.
func (h *Handler) UserCreate(c echo.Context) error {
	v := render.Viewer(c)
	in := models.CreateUserInput{Email: c.FormValue("email"), Username: c.FormValue("username"),
		GivenName: c.FormValue("given_name"), FamilyName: c.FormValue("family_name")}
	u, err := h.Models.CreateUser(c.Request().Context(), v.Tenant.ID, in, actor(c))
	var verr *models.ValidationError
	switch {
	case errors.As(err, &verr):
		d := pages.UserNewData{Email: strings.TrimSpace(in.Email), Username: strings.TrimSpace(in.Username),
			GivenName: in.GivenName, FamilyName: in.FamilyName, Errors: verr.Fields}
		p := h.R.Page(c, "Create User", userCrumbs(c, layout.Crumb{Label: "Create User"})...)
		return render.Render(c, http.StatusUnprocessableEntity, pages.UserNew(p, d))
	case err != nil:
		return err
	}
	h.Flashes.Set(c, "success", fmt.Sprintf("%s was created.", u.DisplayName()))
	return render.Redirect(c, usersPath(c, "/"+strconv.FormatInt(u.ID, 10)))
}

// UserShow is a user's page.
func (h *Handler) UserShow(c echo.Context) error {
	u := render.User(c)
	return h.renderUser(c, http.StatusOK, u, userFormOf(u))
}

// blankPairRows is how many empty rows the key/value editors offer.
const blankPairRows = 3

func pairRows(kvs []models.KeyValue, max int) []pages.KeyValueRow {
	rows := make([]pages.KeyValueRow, 0, len(kvs)+blankPairRows)
	for _, kv := range kvs {
		if kv.Key != "" || kv.Value != "" {
			rows = append(rows, pages.KeyValueRow{Key: kv.Key, Value: kv.Value})
		}
	}
	for i := 0; i < blankPairRows && len(rows) < max+blankPairRows; i++ {
		rows = append(rows, pages.KeyValueRow{})
	}
	return rows
}

func userFormOf(u models.User) pages.UserForm {
	return pages.UserForm{
		Email: u.Email, EmailVerified: u.EmailVerified, Username: u.Username, Phone: u.Phone, PhoneVerified: u.PhoneVerified,
		GivenName: u.GivenName, FamilyName: u.FamilyName, Status: string(u.Status),
		Attributes: pairRows(models.ParsePairs(u.Attributes), models.UserPairLimits.MaxPairs),
		Metadata:   pairRows(models.ParsePairs(u.Metadata), models.UserPairLimits.MaxPairs),
		Errors:     map[string]string{},
	}
}

func (h *Handler) renderUser(c echo.Context, status int, u models.User, form pages.UserForm) error {
	v := render.Viewer(c)
	kv := func(stored string) []pages.KeyValueRow {
		var out []pages.KeyValueRow
		for _, p := range models.ParsePairs(stored) {
			out = append(out, pages.KeyValueRow{Key: p.Key, Value: p.Value})
		}
		return out
	}
	d := pages.UserShowData{
		BaseURL: usersPath(c, "/"+strconv.FormatInt(u.ID, 10)), Name: u.DisplayName(), Identifier: u.Identifier(),
		Email: u.Email, EmailVerified: u.EmailVerified, Username: u.Username, Phone: u.Phone, PhoneVerified: u.PhoneVerified,
		GivenName: u.GivenName, FamilyName: u.FamilyName, Status: string(u.Status), Blocked: u.Blocked, Pool: "Users",
		LastLogin: fmtTime(u.LastLoginAt, "Never"), Created: fmtTime(&u.CreatedAt, ""), Updated: fmtTime(&u.UpdatedAt, ""),
		Attributes: kv(u.Attributes), Metadata: kv(u.Metadata), MaxPairs: models.UserPairLimits.MaxPairs,
		CanManage: v.Can(authz.ManageUsers), Form: form,
	}
	p := h.R.Page(c, u.DisplayName(), userCrumbs(c, layout.Crumb{Label: u.DisplayName()})...)
	return render.Render(c, status, pages.UserShow(p, d))
}

// formPairs reads the rows of a key/value editor (<name>_key, <name>_value).
func formPairs(form url.Values, name string) []models.KeyValue {
	keys, vals := form[name+"_key"], form[name+"_value"]
	n := min(max(len(keys), len(vals)), 200)
	out := make([]models.KeyValue, 0, n)
	for i := 0; i < n; i++ {
		var kv models.KeyValue
		if i < len(keys) {
			kv.Key = keys[i]
		}
		if i < len(vals) {
			kv.Value = vals[i]
		}
		out = append(out, kv)
	}
	return out
}

// UserUpdate saves the edit form.
func (h *Handler) UserUpdate(c echo.Context) error {
	v, stored := render.Viewer(c), render.User(c)
	form, err := c.FormParams()
	if err != nil {
		return echo.ErrBadRequest
	}
	in := models.UpdateUserInput{
		Email: form.Get("email"), EmailVerified: form.Get("email_verified") == "true",
		Username: form.Get("username"), Phone: form.Get("phone"), PhoneVerified: form.Get("phone_verified") == "true",
		GivenName: form.Get("given_name"), FamilyName: form.Get("family_name"), Status: models.UserStatus(form.Get("status")),
		Attributes: formPairs(form, "attribute"), Metadata: formPairs(form, "metadata"),
	}
	u, err := h.Models.UpdateUser(c.Request().Context(), v.Tenant.ID, stored.ID, in, actor(c))
	var verr *models.ValidationError
	switch {
	case errors.As(err, &verr):
		if _, ok := verr.Fields["_form"]; !ok {
			verr.Fields["_form"] = "Nothing was saved: correct the fields marked below."
		}
		typed := pages.UserForm{
			Email: strings.TrimSpace(in.Email), EmailVerified: in.EmailVerified, Username: strings.TrimSpace(in.Username),
			Phone: strings.TrimSpace(in.Phone), PhoneVerified: in.PhoneVerified, GivenName: in.GivenName, FamilyName: in.FamilyName,
			Status: string(in.Status), Attributes: pairRows(in.Attributes, models.UserPairLimits.MaxPairs),
			Metadata: pairRows(in.Metadata, models.UserPairLimits.MaxPairs), Errors: verr.Fields,
		}
		return h.renderUser(c, http.StatusUnprocessableEntity, stored, typed)
	case err != nil:
		return err
	}
	h.Flashes.Set(c, "success", fmt.Sprintf("%s was saved.", u.DisplayName()))
	return render.Redirect(c, usersPath(c, "/"+strconv.FormatInt(u.ID, 10)))
}

// UserBlock blocks the user.
func (h *Handler) UserBlock(c echo.Context) error {
	return h.setUserBlocked(c, true)
}

// UserUnblock unblocks the user.
func (h *Handler) UserUnblock(c echo.Context) error {
	return h.setUserBlocked(c, false)
}

func (h *Handler) setUserBlocked(c echo.Context, blocked bool) error {
	v := render.Viewer(c)
	op, msg := h.Models.UnblockUser, "%s was unblocked and can sign in again."
	if blocked {
		op, msg = h.Models.BlockUser, "%s was blocked and can no longer sign in."
	}
	u, err := op(c.Request().Context(), v.Tenant.ID, render.User(c).ID, actor(c))
	if err != nil {
		return err
	}
	h.Flashes.Set(c, "success", fmt.Sprintf(msg, u.DisplayName()))
	return render.Redirect(c, usersPath(c, "/"+strconv.FormatInt(u.ID, 10)))
}

// UserDeleteForm is the confirmation before a user is deleted.
func (h *Handler) UserDeleteForm(c echo.Context) error {
	u := render.User(c)
	base := usersPath(c, "/"+strconv.FormatInt(u.ID, 10))
	d := pages.UserDeleteData{BaseURL: base, Name: u.DisplayName(), Identifier: u.Identifier(), Email: u.Email, Username: u.Username,
		Phone: u.Phone, Attributes: len(models.ParsePairs(u.Attributes)), Metadata: len(models.ParsePairs(u.Metadata))}
	p := h.R.Page(c, "Delete "+u.DisplayName(), userCrumbs(c, layout.Crumb{Label: u.DisplayName(), Href: base}, layout.Crumb{Label: "Delete"})...)
	return render.Render(c, http.StatusOK, pages.UserDelete(p, d))
}

// UserDelete deletes the user and returns to the list.
func (h *Handler) UserDelete(c echo.Context) error {
	v := render.Viewer(c)
	u, err := h.Models.DeleteUser(c.Request().Context(), v.Tenant.ID, render.User(c).ID, actor(c))
	if err != nil {
		return err
	}
	h.Flashes.Set(c, "success", fmt.Sprintf("%s was deleted.", u.DisplayName()))
	return render.Redirect(c, usersPath(c, ""))
}
