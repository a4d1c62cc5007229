package handlers

import (
	"net/http"
	"strings"

	"gatehouse/models"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// Management API: deleting a workspace or an organization, with the
// console's rules: the name (slug) typed again in confirm, and a step-up —
// the password (or a TOTP code) of the administrator who made the token,
// checked as the console's step-up checks it (wrong ones count towards
// their lockout); the Admin workspace is never deleted.

// APIDeleteInput confirms a deletion.
type APIDeleteInput struct {
	Confirm  string `json:"confirm" doc:"the workspace's slug or the organization's name, typed again"`
	Password string `json:"password,omitempty" doc:"step-up: the password of the administrator who made the token"`
	Code     string `json:"code,omitempty" doc:"step-up: a code from that administrator's authenticator app, instead of the password"`
}

// APIDeleted says what a deletion removed with the object.
type APIDeleted struct {
	Deleted string           `json:"deleted"`
	Removed map[string]int64 `json:"removed"`
}

// deleteInput reads a deletion's body (an empty body is an empty input:
// the model then asks for each field) and applies its step-up to the
// request's viewer, whose copy it returns.
func (h *Handler) deleteInput(c echo.Context) (models.Viewer, APIDeleteInput, error) {
	var in APIDeleteInput
	v := *render.Viewer(c)
	if c.Request().ContentLength != 0 {
		if err := bindJSON(c, &in); err != nil {
			return v, in, err
		}
	}
	if in.Password == "" && strings.TrimSpace(in.Code) == "" {
		return v, in, nil
	}
	if err := h.Models.StepUp(c.Request().Context(), v.Tenant, v.Administrator.ID, in.Password, strings.TrimSpace(in.Code), actor(c)); err != nil {
		return v, in, err
	}
	v.SteppedUpAt = h.Models.Now().UTC()
	return v, in, nil
}

// APIWorkspaceDelete deletes a workspace with its resources and access.
func (h *Handler) APIWorkspaceDelete(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	v, in, err := h.deleteInput(c)
	if err != nil {
		return err
	}
	n, err := h.Models.DeleteWorkspace(c.Request().Context(), v, w.ID, in.Confirm, actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, APIDeleted{Deleted: w.Slug, Removed: map[string]int64{"access_bindings": n}})
}

// APIOrgDelete deletes an organization with its members, invitations and
// connections.
func (h *Handler) APIOrgDelete(c echo.Context) error {
	o := render.Org(c)
	v, in, err := h.deleteInput(c)
	if err != nil {
		return err
	}
	n, err := h.Models.DeleteOrganization(c.Request().Context(), v, o.ID, in.Confirm, actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, APIDeleted{Deleted: o.Name, Removed: map[string]int64{"members": n.Members,
		"pending_invitations": n.PendingInvitations, "connections": n.Connections}})
}
