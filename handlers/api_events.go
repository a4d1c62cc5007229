package handlers

import (
	"net/http"

	"gatehouse/models"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// APIEvent is one authentication event for Analytics.
type APIEvent struct {
	Time             string `json:"time" doc:"when it happened, RFC 3339 (at most a year ago, not in the future)"`
	Outcome          string `json:"outcome" doc:"success or failure"`
	IdentityProvider string `json:"identity_provider" doc:"the identity provider used, 1 to 100 characters"`
	Client           string `json:"client" doc:"the client signed in to, 1 to 100 characters"`
}

// APIEventsInput is a batch of authentication events (1 to 1,000).
type APIEventsInput struct {
	Events []APIEvent `json:"events"`
}

// APIEventsAccepted says how many events were stored.
type APIEventsAccepted struct {
	Accepted int `json:"accepted"`
}

// APIEventsIngest stores a batch of the workspace's authentication events
// (all valid, or none stored: 422 with each bad field named
// events[i].field).
func (h *Handler) APIEventsIngest(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	var in APIEventsInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	events := make([]models.AuthEventInput, len(in.Events))
	for i, e := range in.Events {
		events[i] = models.AuthEventInput{Time: e.Time, Outcome: e.Outcome, IdentityProvider: e.IdentityProvider, Client: e.Client}
	}
	n, err := h.Models.IngestAuthEvents(c.Request().Context(), *render.Viewer(c), w.ID, events)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, APIEventsAccepted{Accepted: n})
}
