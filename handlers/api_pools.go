package handlers

import (
	"net/http"

	"gatehouse/models"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// Management API: identity pools and their users (the same operations as
// the console's Identity Pools pages).

// APIIdentityPool is an identity pool.
type APIIdentityPool struct {
	ID          int64  `json:"id"`
	Slug        string `json:"slug"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Kind        string `json:"kind" doc:"administrators, users or custom"`
	Users       *int64 `json:"users" doc:"how many users it has (lists only)"`
	CreatedAt   string `json:"created_at"`
}

// APIPoolUser is a user of an identity pool.
type APIPoolUser struct {
	ID           int64             `json:"id"`
	Email        string            `json:"email"`
	Username     string            `json:"username"`
	GivenName    string            `json:"given_name"`
	FamilyName   string            `json:"family_name"`
	Status       string            `json:"status" doc:"new, active or inactive"`
	Attributes   map[string]string `json:"attributes"`
	Metadata     map[string]string `json:"metadata"`
	LastSignInAt *string           `json:"last_sign_in_at"`
	CreatedAt    string            `json:"created_at"`
}

// APIPoolUserInput creates a pool user (in the Administrators pool: invites
// an administrator, with no role until one is assigned).
type APIPoolUserInput struct {
	Email      string `json:"email"`
	GivenName  string `json:"given_name,omitempty"`
	FamilyName string `json:"family_name,omitempty"`
}

func apiPool(p models.IdentityPool, users *int64) APIIdentityPool {
	return APIIdentityPool{ID: p.ID, Slug: p.Slug, Name: p.Name, Description: p.Description, Kind: string(p.Kind), Users: users, CreatedAt: tsv(p.CreatedAt)}
}

func apiPoolUser(u models.PoolUser) APIPoolUser {
	return APIPoolUser{ID: u.ID, Email: u.Email, Username: u.Username, GivenName: u.GivenName, FamilyName: u.FamilyName, Status: string(u.Status),
		Attributes: pairsMap(u.Attributes), Metadata: pairsMap(u.Metadata), LastSignInAt: ts(u.LastSignInAt), CreatedAt: tsv(u.CreatedAt)}
}

// APIPoolList lists the tenant's identity pools (a single page: a tenant
// has few).
func (h *Handler) APIPoolList(c echo.Context) error {
	if _, _, err := apiListParams(c); err != nil {
		return err
	}
	v := render.Viewer(c)
	items, err := h.Models.ListIdentityPools(c.Request().Context(), v.Tenant.ID)
	if err != nil {
		return err
	}
	out := make([]APIIdentityPool, 0, len(items))
	for _, it := range items {
		n := it.Users
		out = append(out, apiPool(it.Pool, &n))
	}
	return c.JSON(http.StatusOK, page(out, ""))
}

// APIPoolGet is one identity pool.
func (h *Handler) APIPoolGet(c echo.Context) error {
	p, err := currentPool(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiPool(p, nil))
}

// APIPoolUserList lists a pool's users.
func (h *Handler) APIPoolUserList(c echo.Context) error {
	p, err := currentPool(c)
	if err != nil {
		return err
	}
	limit, cursor, err := apiListParams(c)
	if err != nil {
		return err
	}
	pg, err := h.Models.ListPoolUsers(c.Request().Context(), p, models.PoolUserListQuery{Search: c.QueryParam("q"), After: cursor, Limit: limit})
	if err != nil {
		return err
	}
	out := make([]APIPoolUser, 0, len(pg.Items))
	for _, u := range pg.Items {
		out = append(out, apiPoolUser(u))
	}
	return c.JSON(http.StatusOK, page(out, pg.Next))
}

// APIPoolUserCreate adds a user to a pool.
func (h *Handler) APIPoolUserCreate(c echo.Context) error {
	p, err := currentPool(c)
	if err != nil {
		return err
	}
	var in APIPoolUserInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	v := render.Viewer(c)
	u, err := h.Models.CreatePoolUser(c.Request().Context(), *v, p, models.CreatePoolUserInput{Email: in.Email, GivenName: in.GivenName, FamilyName: in.FamilyName}, actor(c))
	if err != nil {
		return err
	}
	h.wakeMail()
	return c.JSON(http.StatusCreated, apiPoolUser(u))
}

// APIPoolUserGet is one user of a pool.
func (h *Handler) APIPoolUserGet(c echo.Context) error {
	p, err := currentPool(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	u, err := h.Models.PoolUserByID(c.Request().Context(), p, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiPoolUser(u))
}

// APIPoolUserSetStatus sets a pool user's status (new, active, inactive).
func (h *Handler) APIPoolUserSetStatus(c echo.Context) error {
	p, err := currentPool(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := h.Models.PoolUserByID(c.Request().Context(), p, id); err != nil {
		return err // another tenant's user, or nobody: 404 whatever the body says
	}
	var in APIStatusInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	v := render.Viewer(c)
	ctx := c.Request().Context()
	if err := h.Models.SetPoolUserStatus(ctx, *v, p, id, models.UserStatus(in.Status), actor(c)); err != nil {
		return err
	}
	h.wakeMail()
	u, err := h.Models.PoolUserByID(ctx, p, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiPoolUser(u))
}
