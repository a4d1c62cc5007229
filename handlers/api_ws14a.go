package handlers

import (
	"encoding/json"
	"net/http"

	"gatehouse/models"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// Management API: a workspace's secrets, extension scripts and webhooks
// under /api/v1/workspaces/{workspace}/, as their console pages
// (ws_secrets.go, ws_scripts.go, ws_webhooks.go): the route loads the
// workspace and the object (404 outside the token's tenant and
// workspaces), the handlers call the same models operations. A secret's
// value is write-only: no answer carries it. A webhook's signing secret
// is in the answer of create only, as the console shows it once.

// ---- Secrets ----

// APISecret is a secret's metadata (never its value).
type APISecret struct {
	ID         int64   `json:"id"`
	Name       string  `json:"name" doc:"scripts read it as secrets.NAME; fixed once created"`
	LastUsedAt *string `json:"last_used_at" doc:"the last run of a script that names it (null: never)"`
	Version    int64   `json:"version" doc:"send it back with an update: a stale one answers 409"`
	CreatedAt  string  `json:"created_at"`
	UpdatedAt  string  `json:"updated_at"`
}

// APISecretInput creates a secret.
type APISecretInput struct {
	Name  string `json:"name" doc:"an upper-case identifier: A–Z, digits and _, like STRIPE_API_KEY"`
	Value string `json:"value" doc:"write-only: stored encrypted, never returned"`
}

// APISecretUpdate replaces a secret's value (its name is fixed).
type APISecretUpdate struct {
	Version int64  `json:"version"`
	Value   string `json:"value" doc:"the new value, write-only: it replaces the stored one for every script"`
}

func apiSecret(x models.Secret) APISecret {
	return APISecret{ID: x.ID, Name: x.Name, LastUsedAt: ts(x.LastUsedAt), Version: x.Version, CreatedAt: tsv(x.CreatedAt), UpdatedAt: tsv(x.UpdatedAt)}
}

// APISecretList lists the workspace's secrets by name.
func (h *Handler) APISecretList(c echo.Context) error {
	return apiListOf(c, func(v models.Viewer, ws int64, lq models.ResourceList) ([]models.Secret, string, error) {
		return h.Models.ListSecrets(c.Request().Context(), v, ws, lq)
	}, apiSecret)
}

// APISecretCreate stores a secret (the answer is its metadata only).
func (h *Handler) APISecretCreate(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	var in APISecretInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	x, err := h.Models.CreateSecret(c.Request().Context(), *render.Viewer(c), w.ID, models.SecretInput{Name: in.Name, Value: in.Value}, actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, apiSecret(x))
}

// APISecretGet is a secret's metadata.
func (h *Handler) APISecretGet(c echo.Context) error {
	return c.JSON(http.StatusOK, apiSecret(render.Secret(c)))
}

// APISecretUpdate replaces a secret's value.
func (h *Handler) APISecretUpdate(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	var in APISecretUpdate
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	x, err := h.Models.UpdateSecret(c.Request().Context(), *render.Viewer(c), w.ID, render.Secret(c).ID, models.SecretInput{Version: in.Version, Value: in.Value}, actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiSecret(x))
}

// APISecretDelete deletes a secret.
func (h *Handler) APISecretDelete(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	if err := h.Models.DeleteSecret(c.Request().Context(), *render.Viewer(c), w.ID, render.Secret(c).ID, actor(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// ---- Extension scripts ----

// APIScriptSummary is a script as lists show it (without its code).
type APIScriptSummary struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Event     string `json:"event"`
	Version   int64  `json:"version" doc:"send it back with an update: a stale one answers 409"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

// APIScript is an extension script.
type APIScript struct {
	ID        int64    `json:"id"`
	Name      string   `json:"name"`
	Event     string   `json:"event" doc:"post_authentication or token_minting"`
	Code      string   `json:"code" doc:"JavaScript defining function main(context)"`
	Secrets   []string `json:"secrets" doc:"the names of the secrets its code reads"`
	Version   int64    `json:"version" doc:"send it back with an update: a stale one answers 409"`
	CreatedAt string   `json:"created_at"`
	UpdatedAt string   `json:"updated_at"`
}

// APIScriptInput creates a script.
type APIScriptInput struct {
	Name  string `json:"name"`
	Event string `json:"event" doc:"post_authentication or token_minting"`
	Code  string `json:"code" doc:"JavaScript that defines function main(context) and returns the changed context; checked when saved"`
}

// APIScriptUpdate changes a script: the fields sent.
type APIScriptUpdate struct {
	Version int64   `json:"version"`
	Name    *string `json:"name,omitempty"`
	Event   *string `json:"event,omitempty"`
	Code    *string `json:"code,omitempty"`
}

// APIScriptTestInput runs a script against an input.
type APIScriptTestInput struct {
	Input json.RawMessage `json:"input,omitempty" doc:"the context main receives: a JSON object ({} when absent)"`
	Code  *string         `json:"code,omitempty" doc:"code to run instead of the saved one (unsaved edits); needs the permission to change the script"`
}

// APIScriptTestResult is a test run's outcome: output when it returned,
// else error (timed_out when it ran too long).
type APIScriptTestResult struct {
	Output     string   `json:"output" doc:"what main returned, as indented JSON, the secrets' values masked (empty after an error)"`
	Error      string   `json:"error" doc:"the error, with its line when known (empty when it returned)"`
	TimedOut   bool     `json:"timed_out"`
	Logs       []string `json:"logs" doc:"what it wrote with console.log, masked"`
	DurationMS int64    `json:"duration_ms"`
}

func apiScriptSummary(x models.ExtensionScript) APIScriptSummary {
	return APIScriptSummary{ID: x.ID, Name: x.Name, Event: x.Event, Version: x.Version, CreatedAt: tsv(x.CreatedAt), UpdatedAt: tsv(x.UpdatedAt)}
}

func apiScript(x models.ExtensionScript) APIScript {
	return APIScript{ID: x.ID, Name: x.Name, Event: x.Event, Code: x.Code, Secrets: nonNil(models.SecretsNamedIn(x.Code)), Version: x.Version,
		CreatedAt: tsv(x.CreatedAt), UpdatedAt: tsv(x.UpdatedAt)}
}

// APIScriptList lists the workspace's scripts by name.
func (h *Handler) APIScriptList(c echo.Context) error {
	return apiListOf(c, func(v models.Viewer, ws int64, lq models.ResourceList) ([]models.ExtensionScript, string, error) {
		return h.Models.ListScripts(c.Request().Context(), v, ws, lq)
	}, apiScriptSummary)
}

// APIScriptCreate checks and stores a script.
func (h *Handler) APIScriptCreate(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	var in APIScriptInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	x, err := h.Models.CreateScript(c.Request().Context(), *render.Viewer(c), w.ID, models.ScriptInput{Name: in.Name, Event: in.Event, Code: in.Code}, actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, apiScript(x))
}

// APIScriptGet is a script with its code.
func (h *Handler) APIScriptGet(c echo.Context) error {
	return c.JSON(http.StatusOK, apiScript(render.Script(c)))
}

// APIScriptUpdate checks and saves a script.
func (h *Handler) APIScriptUpdate(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	cur := render.Script(c)
	var in APIScriptUpdate
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	x, err := h.Models.UpdateScript(c.Request().Context(), *render.Viewer(c), w.ID, cur.ID, models.ScriptInput{Version: in.Version,
		Name: or(in.Name, cur.Name), Event: or(in.Event, cur.Event), Code: or(in.Code, cur.Code)}, actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiScript(x))
}

// APIScriptDelete deletes a script.
func (h *Handler) APIScriptDelete(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	if err := h.Models.DeleteScript(c.Request().Context(), *render.Viewer(c), w.ID, render.Script(c).ID, actor(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// APIScriptTest runs the script (or the code sent) in the sandbox against
// an input; it changes nothing but the secrets' last use.
func (h *Handler) APIScriptTest(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	var in APIScriptTestInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	run, err := h.Models.TestScriptDraft(c.Request().Context(), *render.Viewer(c), w.ID, render.Script(c), or(in.Code, ""), string(in.Input))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, APIScriptTestResult{Output: run.Output, Error: run.Error, TimedOut: run.TimedOut, Logs: nonNil(run.Logs),
		DurationMS: run.Duration.Milliseconds()})
}

// ---- Webhooks ----

// APIWebhook is a webhook. SigningSecret is in the answer of create only.
type APIWebhook struct {
	ID            int64    `json:"id"`
	URL           string   `json:"url"`
	Events        []string `json:"events" doc:"the audit actions it sends, or [\"all\"]"`
	Enabled       bool     `json:"enabled"`
	SigningSecret string   `json:"signing_secret,omitempty" doc:"shown once: in the answer that made it, never again (an Idempotency-Key replay answers without it)"`
	Version       int64    `json:"version" doc:"send it back with an update: a stale one answers 409"`
	CreatedAt     string   `json:"created_at"`
	UpdatedAt     string   `json:"updated_at"`
}

// APIWebhookInput creates a webhook.
type APIWebhookInput struct {
	URL     string   `json:"url" doc:"an https URL on the public internet (checked after DNS resolution; redirects are not followed)"`
	Events  []string `json:"events" doc:"[\"all\"] (including events added later), or audit actions of the workspace"`
	Enabled *bool    `json:"enabled,omitempty" doc:"default true"`
}

// APIWebhookUpdate changes a webhook: the fields sent.
type APIWebhookUpdate struct {
	Version int64     `json:"version"`
	URL     *string   `json:"url,omitempty"`
	Events  *[]string `json:"events,omitempty"`
	Enabled *bool     `json:"enabled,omitempty" doc:"false cancels what it had still to send"`
}

// APIWebhookDelivery is one entry of a webhook's delivery log.
type APIWebhookDelivery struct {
	ID             int64   `json:"id"`
	Event          string  `json:"event"`
	Status         string  `json:"status" doc:"pending (retried until delivered), delivered, failed (gave up) or cancelled"`
	Attempts       int     `json:"attempts"`
	ResponseStatus *int    `json:"response_status" doc:"the HTTP status of the last answer (null: none)"`
	LastError      string  `json:"last_error"`
	LastAttemptAt  *string `json:"last_attempt_at"`
	DeliveredAt    *string `json:"delivered_at"`
	CreatedAt      string  `json:"created_at"`
}

func webhookEvents(x models.Webhook) []string {
	if x.AllEvents() {
		return []string{models.WebhookAllEvents}
	}
	return nonNil(x.EventList())
}

func apiWebhook(x models.Webhook, secret string) APIWebhook {
	return APIWebhook{ID: x.ID, URL: x.URL, Events: webhookEvents(x), Enabled: x.Enabled, SigningSecret: secret, Version: x.Version,
		CreatedAt: tsv(x.CreatedAt), UpdatedAt: tsv(x.UpdatedAt)}
}

func apiWebhookDelivery(d models.WebhookDelivery) APIWebhookDelivery {
	out := APIWebhookDelivery{ID: d.ID, Event: d.Event, Status: d.Status, Attempts: d.Attempts, LastError: d.LastError,
		LastAttemptAt: ts(d.LastAttemptAt), DeliveredAt: ts(d.DeliveredAt), CreatedAt: tsv(d.CreatedAt)}
	if d.ResponseStatus > 0 {
		s := d.ResponseStatus
		out.ResponseStatus = &s
	}
	return out
}

// APIWebhookList lists the workspace's webhooks by URL.
func (h *Handler) APIWebhookList(c echo.Context) error {
	return apiListOf(c, func(v models.Viewer, ws int64, lq models.ResourceList) ([]models.Webhook, string, error) {
		return h.Models.ListWebhooks(c.Request().Context(), v, ws, lq)
	}, func(x models.Webhook) APIWebhook { return apiWebhook(x, "") })
}

// APIWebhookCreate checks and creates a webhook (with its signing secret,
// shown once).
func (h *Handler) APIWebhookCreate(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	var in APIWebhookInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	x, secret, err := h.Models.CreateWebhook(c.Request().Context(), *render.Viewer(c), w.ID, models.WebhookInput{URL: in.URL, Events: in.Events, Enabled: or(in.Enabled, true)}, actor(c))
	if err != nil {
		return err
	}
	return secretAnswer(c, http.StatusCreated, apiWebhook(x, secret), apiWebhook(x, ""), secret)
}

// APIWebhookGet is a webhook (never its signing secret).
func (h *Handler) APIWebhookGet(c echo.Context) error {
	return c.JSON(http.StatusOK, apiWebhook(render.Webhook(c), ""))
}

// APIWebhookUpdate changes a webhook.
func (h *Handler) APIWebhookUpdate(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	cur := render.Webhook(c)
	var in APIWebhookUpdate
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	x, err := h.Models.UpdateWebhook(c.Request().Context(), *render.Viewer(c), w.ID, cur.ID, models.WebhookInput{Version: in.Version,
		URL: or(in.URL, cur.URL), Events: or(in.Events, webhookEvents(cur)), Enabled: or(in.Enabled, cur.Enabled)}, actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiWebhook(x, ""))
}

// APIWebhookDelete deletes a webhook with its delivery log.
func (h *Handler) APIWebhookDelete(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	if err := h.Models.DeleteWebhook(c.Request().Context(), *render.Viewer(c), w.ID, render.Webhook(c).ID, actor(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// APIWebhookDeliveries is a page of a webhook's delivery log, newest first.
func (h *Handler) APIWebhookDeliveries(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	limit, cursor, err := apiListParams(c)
	if err != nil {
		return err
	}
	before, err := cursorID(cursor)
	if err != nil {
		return err
	}
	rows, next, err := h.Models.WebhookDeliveryPage(c.Request().Context(), *render.Viewer(c), w.ID, render.Webhook(c).ID, before, limit)
	if err != nil {
		return err
	}
	out := make([]APIWebhookDelivery, 0, len(rows))
	for _, d := range rows {
		out = append(out, apiWebhookDelivery(d))
	}
	return c.JSON(http.StatusOK, pageID(out, next))
}

// APIWebhookSendTest queues a signed webhook.test event to the webhook;
// the answer is its delivery, pending.
func (h *Handler) APIWebhookSendTest(c echo.Context) error {
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	d, err := h.Models.SendWebhookTest(c.Request().Context(), *render.Viewer(c), w.ID, render.Webhook(c).ID, actor(c))
	if err != nil {
		return err
	}
	if h.WakeMail != nil {
		h.WakeMail()
	}
	return c.JSON(http.StatusAccepted, apiWebhookDelivery(d))
}
