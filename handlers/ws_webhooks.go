package handlers

import (
	"fmt"
	"net/http"
	"strconv"

	"gatehouse/models"
	"gatehouse/models/authz"
	"gatehouse/views/layout"
	"gatehouse/views/pages"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// WebhookList is /t/{tenant}/workspaces/{workspace}/webhooks.
func (h *Handler) WebhookList(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	lq := resListParams(c)
	rows, next, err := h.Models.ListWebhooks(c.Request().Context(), *v, w.ID, lq)
	if err != nil {
		return outcome(err)
	}
	base := wsHref(c, w, "/webhooks")
	d := pages.ResListData{Title: "Webhooks", Noun: "webhook", ListHref: base, Search: lq.Search, SearchLabel: "Search by URL or event",
		Intro:   "URLs that receive this workspace's audit events as signed JSON POSTs (header Gatehouse-Signature), retried until they answer 2xx.",
		Columns: []string{"URL", "Events", "Enabled"}}
	if v.Perms.CanIn(authz.ManageWebhooks, w.ID) {
		d.NewHref, d.NewLabel = base+"/new", "Create Webhook"
	}
	for _, x := range rows {
		d.Rows = append(d.Rows, []pages.ResCell{{Text: x.URL, Href: base + "/" + strconv.FormatInt(x.ID, 10)},
			{Text: webhookEventsText(x), Muted: x.AllEvents()}, {Text: yesNo(x.Enabled)}})
	}
	d.NextHref, d.FirstHref = resPageLinks(base, lq, next)
	return h.renderList(c, w, d)
}

func webhookEventsText(x models.Webhook) string {
	if x.AllEvents() {
		return "All events"
	}
	evs := x.EventList()
	if len(evs) > 3 {
		return fmt.Sprintf("%s, %s and %d more", evs[0], evs[1], len(evs)-2)
	}
	return joinOr(evs, "None")
}

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

func webhookFields(st *formState, id string, x models.Webhook, choices []string) []pages.ResField {
	chosen := x.EventList()
	if x.AllEvents() {
		chosen = []string{models.WebhookAllEvents}
	}
	events := append([]pages.ResOption{{Value: models.WebhookAllEvents, Label: "All events (including those added later)"}}, options(choices)...)
	for i := range events {
		for _, c := range st.vals(id, "events", chosen) {
			if c == events[i].Value {
				events[i].Selected = true
			}
		}
	}
	enabled := "false"
	if x.Enabled {
		enabled = "true"
	}
	return []pages.ResField{
		{Label: "URL", Name: "url", Value: st.val(id, "url", x.URL), Error: st.err(id, "url"), MaxLength: 2048,
			Help: "An https URL on the public internet (loopback, private, link-local and cloud metadata addresses are refused, also after DNS resolution). Redirects are not followed."},
		{Kind: "checkboxes", Label: "Events", Name: "events", Options: events, Error: st.err(id, "events"),
			Help: "The audit events of this workspace to send."},
		// Unchecked, the box sends nothing: the hidden field says the form
		// was sent without it (a request without either keeps the default).
		{Kind: "hidden", Name: "enabled", Value: "false"},
		{Kind: "checkboxes", Label: "Enabled", Name: "enabled", Options: []pages.ResOption{{Value: "true", Label: "Send events to this URL", Selected: st.val(id, "enabled", enabled) == "true"}},
			Optional: true, Help: "A disabled webhook sends nothing; what it had still to send is dropped."},
	}
}

// webhookInput reads the form; enabled is on when any of its values says
// so, and keeps def when the request has none at all.
func webhookInput(c echo.Context, def bool) models.WebhookInput {
	form, _ := c.FormParams()
	enabled := def
	if vals, ok := form["enabled"]; ok {
		enabled = false
		for _, v := range vals {
			if v == "true" || v == "on" || v == "1" || v == "yes" {
				enabled = true
			}
		}
	}
	return models.WebhookInput{URL: c.FormValue("url"), Events: form["events"], Enabled: enabled, Version: formVersion(c)}
}

// formEnabled is the enabled box as typed, for a form shown again.
func formEnabled(st *formState) {
	if st == nil {
		return
	}
	on := "false"
	for _, v := range st.Values["enabled"] {
		if v == "true" {
			on = "true"
		}
	}
	st.Values.Set("enabled", on)
}

// WebhookNewForm is Create Webhook.
func (h *Handler) WebhookNewForm(c echo.Context) error {
	return h.renderWebhookNew(c, http.StatusOK, nil)
}

func (h *Handler) renderWebhookNew(c echo.Context, status int, st *formState) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	choices, err := h.Models.WebhookEventChoices(c.Request().Context(), v.Tenant.ID, w.ID)
	if err != nil {
		return err
	}
	formEnabled(st)
	base := wsHref(c, w, "/webhooks")
	d := pages.ResNewData{Header: h.workspaceHeader(c, v, w, "Webhooks"), Title: "Create Webhook", ListHref: base,
		Intro: "Each delivery is signed with a secret shown once, after creation: Gatehouse-Signature: t=<unix>,v1=<hex HMAC-SHA256 of \"t.body\">.",
		Form:  pages.ResForm{Action: base + "/new", Submit: "Create Webhook", Fields: webhookFields(st, "new", models.Webhook{Events: "*", Enabled: true}, choices)}}
	p := h.resPage(c, w, "Create Webhook", layout.Crumb{Label: "Webhooks", Href: base}, layout.Crumb{Label: "Create Webhook"})
	return render.Render(c, status, pages.ResNew(p, d))
}

// WebhookCreate creates a webhook and shows its signing secret, once.
func (h *Handler) WebhookCreate(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	x, secret, err := h.Models.CreateWebhook(c.Request().Context(), *v, w.ID, webhookInput(c, true), actor(c))
	if st, ok := failed(c, "new", err); ok {
		return h.renderWebhookNew(c, statusOf(st), st)
	}
	if err != nil {
		return outcome(err)
	}
	return h.renderWebhook(c, http.StatusCreated, x, nil, &pages.ResSecret{Label: "Signing secret", Value: secret,
		Note: "Receivers verify each delivery's Gatehouse-Signature header with it."})
}

// WebhookShow is a webhook's page with its delivery log.
func (h *Handler) WebhookShow(c echo.Context) error {
	return h.renderWebhook(c, http.StatusOK, render.Webhook(c), nil, nil)
}

func deliveryStatus(d models.WebhookDelivery) string {
	switch d.Status {
	case models.DeliveryDelivered:
		return fmt.Sprintf("Delivered (%d)", d.ResponseStatus)
	case models.DeliveryCancelled:
		return "Cancelled"
	}
	failed := ""
	if d.Attempts > 0 {
		if d.ResponseStatus > 0 {
			failed = fmt.Sprintf("Failed (%d)", d.ResponseStatus)
		} else {
			failed = "Failed (no answer)"
		}
	}
	if d.Status == models.DeliveryFailed {
		return failed + ", gave up"
	}
	if failed != "" {
		return failed + ", will retry"
	}
	return "Pending"
}

func (h *Handler) renderWebhook(c echo.Context, status int, x models.Webhook, st *formState, secret *pages.ResSecret) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	deliveries, err := h.Models.WebhookDeliveries(ctx, *v, w.ID, x.ID)
	if err != nil {
		return outcome(err)
	}
	base := wsHref(c, w, "/webhooks/"+strconv.FormatInt(x.ID, 10))
	manage := v.Perms.CanIn(authz.ManageWebhooks, w.ID)
	events := x.EventList()
	if x.AllEvents() {
		events = []string{"All events"}
	}
	d := pages.ResShowData{Header: h.workspaceHeader(c, v, w, "Webhooks"), Title: x.URL, Noun: "webhook", Secret: secret,
		ListHref: wsHref(c, w, "/webhooks"), ListLabel: "Webhooks", ReadOnly: !manage,
		Details: []pages.ResDetail{
			{Label: "URL", Value: x.URL, Code: true}, {Label: "Events", List: events}, {Label: "Enabled", Value: yesNo(x.Enabled)},
			{Label: "Signing secret", Value: "Set " + fmtTime(&x.CreatedAt, "") + " (shown only once)"},
			{Label: "Created", Value: fmtTime(&x.CreatedAt, "")}, {Label: "Last updated", Value: fmtTime(&x.UpdatedAt, "")},
		}}
	if st != nil && st.Conflict {
		d.Conflict = conflictMessage
		st = nil
	}
	log := pages.ResTableSection{ID: "deliveries", Title: "Deliveries", Columns: []string{"Event", "Status", "Attempts", "Time", "Last error"},
		Intro: fmt.Sprintf("The latest %d deliveries, newest first. A failed attempt is retried with growing waits, up to %d attempts.", models.WebhookDeliveriesShown, models.WebhookMaxAttempts),
		Empty: "No deliveries yet."}
	for _, dl := range deliveries {
		at := dl.LastAttemptAt
		if at == nil {
			at = &dl.CreatedAt
		}
		log.Rows = append(log.Rows, []pages.ResCell{{Text: dl.Event, Code: true}, {Text: deliveryStatus(dl)}, {Text: strconv.Itoa(dl.Attempts)},
			{Text: fmtTime(at, "")}, {Text: dl.LastError, Muted: true}})
	}
	d.Tables = append(d.Tables, log)
	if manage {
		choices, err := h.Models.WebhookEventChoices(ctx, v.Tenant.ID, w.ID)
		if err != nil {
			return err
		}
		d.Forms = append(d.Forms, pages.ResForm{ID: "send-test", Title: "Send test event", Action: base + "/test", Submit: "Send test event",
			Intro: "Queues a signed webhook.test event to this URL now; its delivery shows below."})
		formEnabled(st)
		d.After = append(d.After, pages.ResForm{ID: "settings", Title: "Settings", Action: base, Submit: "Save",
			Fields: append(webhookFields(st, "settings", x, choices), versionField(st, "settings", x.Version))})
		d.DeleteHref = base + "/delete"
	}
	p := h.resPage(c, w, x.URL, layout.Crumb{Label: "Webhooks", Href: wsHref(c, w, "/webhooks")}, layout.Crumb{Label: x.URL})
	return render.Render(c, status, pages.ResShow(p, d))
}

// WebhookUpdate saves a webhook's settings.
func (h *Handler) WebhookUpdate(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	x := render.Webhook(c)
	_, err = h.Models.UpdateWebhook(c.Request().Context(), *v, w.ID, x.ID, webhookInput(c, x.Enabled), actor(c))
	if st, ok := failed(c, "settings", err); ok {
		if st.Conflict {
			if fresh, gerr := h.Models.WebhookByID(c.Request().Context(), v.Tenant.ID, w.ID, x.ID); gerr == nil {
				x = fresh
			}
		}
		return h.renderWebhook(c, statusOf(st), x, st, nil)
	}
	if err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The webhook was saved.")
	return render.Redirect(c, wsHref(c, w, "/webhooks/"+strconv.FormatInt(x.ID, 10)))
}

// WebhookSendTest queues a test event to the webhook.
func (h *Handler) WebhookSendTest(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	x := render.Webhook(c)
	if _, err := h.Models.SendWebhookTest(c.Request().Context(), *v, w.ID, x.ID, actor(c)); err != nil {
		return outcome(err)
	}
	if h.WakeMail != nil {
		h.WakeMail()
	}
	h.Flashes.Set(c, "success", "A test event was queued; reload to see its delivery.")
	return render.Redirect(c, wsHref(c, w, "/webhooks/"+strconv.FormatInt(x.ID, 10))+"#deliveries")
}

// WebhookDeleteForm confirms the deletion of a webhook.
func (h *Handler) WebhookDeleteForm(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	x := render.Webhook(c)
	base := wsHref(c, w, "/webhooks/"+strconv.FormatInt(x.ID, 10))
	d := pages.ResDeleteData{Header: h.workspaceHeader(c, v, w, "Webhooks"), Title: "Delete the webhook to " + x.URL + "?", Action: base + "/delete", Submit: "Delete webhook", BackHref: base,
		Lines: []string{"No more events will be sent to " + x.URL + "; deliveries not made yet are dropped, and the delivery log is deleted."}}
	p := h.resPage(c, w, "Delete webhook", layout.Crumb{Label: "Webhooks", Href: wsHref(c, w, "/webhooks")}, layout.Crumb{Label: x.URL, Href: base}, layout.Crumb{Label: "Delete"})
	return render.Render(c, http.StatusOK, pages.ResDelete(p, d))
}

// WebhookDelete deletes a webhook.
func (h *Handler) WebhookDelete(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	x := render.Webhook(c)
	if err := h.Models.DeleteWebhook(c.Request().Context(), *v, w.ID, x.ID, actor(c)); err != nil {
		return outcome(err)
	}
	h.Flashes.Set(c, "success", "The webhook to "+x.URL+" was deleted.")
	return render.Redirect(c, wsHref(c, w, "/webhooks"))
}
