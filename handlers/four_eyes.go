package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/views/pages"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// Four eyes: Tenant Settings > Approvals, and what a change that waits for
// approval answers.

// pendingOutcome answers a change that was recorded for approval instead
// of being made (err a *models.PendingError): the requester is taken to
// Approvals, where they see it pending. ok is false for any other err.
func (h *Handler) pendingOutcome(c echo.Context, err error) (bool, error) {
	var pe *models.PendingError
	if !errors.As(err, &pe) {
		return false, nil
	}
	h.wakeMail()
	h.Flashes.Set(c, "info", "Your change waits for another Tenant Admin's approval (within 72 hours); nothing changed yet. "+pe.Change.Summary+".")
	return true, render.Redirect(c, settingsPath(c, "/approvals"))
}

// Approvals is Tenant Settings > Approvals.
func (h *Handler) Approvals(c echo.Context) error {
	return h.renderApprovals(c, http.StatusOK, nil)
}

func (h *Handler) renderApprovals(c echo.Context, status int, errs map[string]string) error {
	v := render.Viewer(c)
	ctx := c.Request().Context()
	t, err := h.Models.TenantByID(ctx, v.Tenant.ID)
	if err != nil {
		return err
	}
	d := pages.ApprovalsData{On: t.RequireApproval, CanDecide: v.Token == nil && v.HoldsTenantAdmin(), OwnOnly: !v.Can(authz.ReadTenantRoles), Errors: errs}
	var only int64
	if d.OwnOnly {
		only = v.Administrator.ID
	}
	pending, err := h.Models.PendingChanges(ctx, v.Tenant.ID, only, true, 100)
	if err != nil {
		return err
	}
	recent, err := h.Models.PendingChanges(ctx, v.Tenant.ID, only, false, 50)
	if err != nil {
		return err
	}
	d.Pending, d.Recent = h.approvalRows(c, pending, d.CanDecide), h.approvalRows(c, recent, false)
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	p := h.R.Page(c, "Approvals", settingsCrumbs("Approvals")...)
	return render.Render(c, status, pages.Approvals(p, d))
}

func (h *Handler) approvalRows(c echo.Context, rows []models.PendingChangeRow, decide bool) []pages.ApprovalRow {
	v := render.Viewer(c)
	now := h.Models.Now()
	out := make([]pages.ApprovalRow, 0, len(rows))
	for _, r := range rows {
		pc := r.Change
		row := pages.ApprovalRow{ID: pc.ID, Kind: models.KindLabel(pc.Kind), Summary: pc.Summary, Requester: r.Requester.DisplayName(),
			Email: r.Requester.Email, Requested: fmtTime(&pc.CreatedAt, ""), Expires: fmtTime(&pc.ExpiresAt, ""), Status: pc.Status,
			DecidedBy: r.DecidedBy, Note: pc.Note, Mine: pc.RequesterID == v.Administrator.ID}
		if pc.Expired(now) {
			row.Status = models.ChangeExpired
		}
		if decide && row.Status == models.ChangePending && !row.Mine {
			base := settingsPath(c, "/approvals/"+strconv.FormatInt(pc.ID, 10))
			row.ApproveURL, row.RejectURL = base+"/approve", base+"/reject"
			row.AskStepUp = !v.SteppedUp(now.UTC())
		}
		out = append(out, row)
	}
	return out
}

func (h *Handler) decideChange(c echo.Context, approve bool) error {
	v := render.Viewer(c)
	id, perr := paramID(c, "change")
	if perr != nil {
		return perr
	}
	if approve {
		stepErrs, err := h.stepUpCheck(c)
		if err != nil {
			return err
		}
		if stepErrs != nil {
			return h.renderApprovals(c, http.StatusUnprocessableEntity, stepErrs)
		}
	}
	pc, err := h.Models.DecideChange(c.Request().Context(), *v, id, approve, c.FormValue("note"), actor(c))
	var verr *models.ValidationError
	switch {
	case errors.As(err, &verr):
		errs := map[string]string{}
		for k, m := range verr.Fields {
			if k != "password" && k != "code" {
				k = "_form"
			}
			errs[k] = m
		}
		return h.renderApprovals(c, http.StatusUnprocessableEntity, errs)
	case err != nil:
		return outcome(err)
	}
	h.wakeMail()
	msg := "The change was rejected; nothing changed."
	if approve {
		msg = "The change was approved and applied: " + pc.Summary + "."
	}
	h.Flashes.Set(c, "success", msg)
	return render.Redirect(c, settingsPath(c, "/approvals"))
}

// ApprovalApprove approves a pending change, which applies it.
func (h *Handler) ApprovalApprove(c echo.Context) error { return h.decideChange(c, true) }

// ApprovalReject rejects a pending change.
func (h *Handler) ApprovalReject(c echo.Context) error { return h.decideChange(c, false) }

// APIPendingChange is the management API's answer (202 Accepted) to a
// change that waits for another Tenant Admin's approval.
type APIPendingChange struct {
	Status    string `json:"status"` // "pending"
	ID        int64  `json:"id"`
	Kind      string `json:"kind"`
	Summary   string `json:"summary"`
	ExpiresAt string `json:"expires_at"`
	URL       string `json:"url"`
}

// apiPending is pendingOutcome for the management API: 202 with the
// pending change.
func (h *Handler) apiPending(c echo.Context, err error) (bool, error) {
	var pe *models.PendingError
	if !errors.As(err, &pe) {
		return false, nil
	}
	h.wakeMail()
	pc := pe.Change
	return true, c.JSON(http.StatusAccepted, APIPendingChange{Status: pc.Status, ID: pc.ID, Kind: pc.Kind, Summary: pc.Summary,
		ExpiresAt: pc.ExpiresAt.UTC().Format(time.RFC3339), URL: settingsPath(c, "/approvals")})
}
