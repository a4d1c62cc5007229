package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gatehouse/models/authz"
	"gatehouse/web/webhook"

	"gorm.io/gorm"
)

// Webhook sends the audit events of its workspace that match Events ("*":
// all) as signed JSON POSTs to URL, through the outbox. The signing
// secret is sealed at rest (it must be read to sign) and shown once, at
// creation.
type Webhook struct {
	ID           int64 `gorm:"primaryKey"`
	TenantID     int64
	WorkspaceID  int64
	URL          string `gorm:"column:url"`
	Events       string // "*" or space-separated audit actions
	Enabled      bool
	SecretSealed []byte
	Version      int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// WebhookDelivery is one event sent (or being sent) to a webhook: the
// delivery log of its page.
type WebhookDelivery struct {
	ID             int64 `gorm:"primaryKey"`
	TenantID       int64
	WorkspaceID    int64
	WebhookID      int64
	AuditEventID   *int64
	Event          string
	Status         string // pending, delivered, failed, cancelled
	Attempts       int
	ResponseStatus int
	LastError      string
	LastAttemptAt  *time.Time
	DeliveredAt    *time.Time
	CreatedAt      time.Time
}

// Delivery statuses. A failed attempt leaves the delivery pending (the
// outbox retries it with the mail's backoff) until WebhookMaxAttempts.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
	DeliveryCancelled = "cancelled" // the webhook was disabled or deleted first
)

// ChannelWebhook is the outbox channel of webhook deliveries: ToAddr holds
// the delivery's id, Subject the event and TextBody the JSON body.
const ChannelWebhook = "webhook"

// WebhookTestEvent is the event of Send test event.
const WebhookTestEvent = "webhook.test"

// Webhook limits.
const (
	// WebhookMaxAttempts bounds the attempts of one delivery: with the
	// outbox's backoff (2 s doubling to 1 min) about ten minutes of
	// retries, after which the delivery is recorded as failed.
	WebhookMaxAttempts = 15
	// WebhooksPerWorkspaceMax bounds the fan-out of one event.
	WebhooksPerWorkspaceMax = 20
	// WebhookDeliveriesShown is the length of a webhook's delivery log.
	WebhookDeliveriesShown = 25
)

// WebhookOutcome is how one delivery attempt ended, for the Observer.
type WebhookOutcome string

// Webhook delivery outcomes.
const (
	WebhookDelivered WebhookOutcome = "delivered"
	WebhookFailed    WebhookOutcome = "failed"
)

// workspaceAuditActions are the audit actions that happen inside a
// workspace, offered to webhooks besides those the workspace has seen.
var workspaceAuditActions = []string{
	"authorizer.created", "authorizer.deleted", "authorizer.updated",
	"claim.created", "claim.deleted", "claim.updated",
	"client.created", "client.deleted", "client.secret_rotated", "client.updated",
	"custom_app.created", "custom_app.deleted", "custom_app.updated",
	"extension_script.created", "extension_script.deleted", "extension_script.updated",
	"policy.created", "policy.deleted", "policy.updated",
	"secret.created", "secret.deleted", "secret.updated",
	"service.api_added", "service.api_removed", "service.apis_imported", "service.created", "service.deleted",
	"service.scope_added", "service.scope_removed", "service.updated",
	"webhook.created", "webhook.deleted", "webhook.updated",
	"workspace.access_granted", "workspace.access_removed", "workspace.updated",
}

// WebhookAllEvents is the choice of every event.
const WebhookAllEvents = "all"

// EventList is the webhook's events; nil means all.
func (w Webhook) EventList() []string {
	if w.Events == "*" {
		return nil
	}
	return strings.Fields(w.Events)
}

// AllEvents reports whether the webhook takes every event.
func (w Webhook) AllEvents() bool { return w.Events == "*" }

func (w Webhook) matches(action string) bool {
	if w.Events == "*" {
		return true
	}
	return slices.Contains(strings.Fields(w.Events), action)
}

func webhookTarget(w Webhook) Target {
	return Target{Type: "webhook", ID: fmt.Sprint(w.ID), Label: w.URL}
}

// WebhookEventChoices are the events a webhook of the workspace may take:
// the workspace's audit actions (known ones and those it has seen).
func (s *Store) WebhookEventChoices(ctx context.Context, tenantID, wsID int64) ([]string, error) {
	seen, err := s.WorkspaceAuditActions(ctx, tenantID, wsID)
	if err != nil {
		return nil, err
	}
	out := append([]string(nil), workspaceAuditActions...)
	for _, a := range seen {
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return out, nil
}

// WebhookInput is the webhook form.
type WebhookInput struct {
	URL     string
	Events  []string // "all", or audit actions
	Enabled bool
	Version int64
}

// checkWebhook validates the form; the URL is checked by the SSRF-safe
// client (https, and every address its host resolves to public unless
// private addresses are allowed).
func (s *Store) checkWebhook(ctx context.Context, f fieldErrors, in *WebhookInput, choices []string) string {
	in.URL = strings.TrimSpace(in.URL)
	if err := s.webhooks().ValidateURL(ctx, in.URL); err != nil {
		var we *webhook.Error
		if errors.As(err, &we) {
			f.add("url", we.Message)
		} else {
			f.add("url", "The URL could not be checked: "+err.Error())
		}
	}
	evs := dedupe(in.Events)
	if len(evs) == 0 {
		f.add("events", "Choose the events to send, or All events.")
		return ""
	}
	if slices.Contains(evs, WebhookAllEvents) || slices.Contains(evs, "*") {
		return "*"
	}
	for _, e := range evs {
		if !slices.Contains(choices, e) {
			f.add("events", "“"+truncate(e, 100)+"” is not an event of this workspace.")
		}
	}
	sort.Strings(evs)
	return strings.Join(evs, " ")
}

// webhooks is the client that checks URLs and delivers.
func (s *Store) webhooks() *webhook.Client {
	if s.Webhooks != nil {
		return s.Webhooks
	}
	return defaultWebhookClient
}

var defaultWebhookClient = webhook.NewClient(webhook.Options{})

func webhookIn(tx *gorm.DB, tenantID, wsID, id int64) (Webhook, error) {
	var w Webhook
	err := tx.Where("tenant_id = ? AND workspace_id = ? AND id = ?", tenantID, wsID, id).Take(&w).Error
	return w, notFound(err)
}

// WebhookByID loads a webhook of a workspace for the route loader.
func (s *Store) WebhookByID(ctx context.Context, tenantID, wsID, id int64) (Webhook, error) {
	return webhookIn(s.DB.WithContext(ctx), tenantID, wsID, id)
}

// ListWebhooks returns a page of the workspace's webhooks by URL.
func (s *Store) ListWebhooks(ctx context.Context, v Viewer, wsID int64, lq ResourceList) ([]Webhook, string, error) {
	if err := allowedIn(v, authz.ReadWebhooks, wsID); err != nil {
		return nil, "", err
	}
	if lq.Limit <= 0 || lq.Limit > 100 {
		lq.Limit = 25
	}
	q := s.DB.WithContext(ctx).Omit("secret_sealed").Where("tenant_id = ? AND workspace_id = ?", v.Tenant.ID, wsID)
	if search := strings.ToLower(strings.TrimSpace(lq.Search)); search != "" {
		like := "%" + escapeLike(search) + "%"
		q = q.Where("(LOWER(url) LIKE ? ESCAPE '\\' OR LOWER(events) LIKE ? ESCAPE '\\')", like, like)
	}
	if lq.After != "" {
		q = q.Where("url > ?", lq.After)
	}
	var rows []Webhook
	if err := q.Order("url").Limit(lq.Limit + 1).Find(&rows).Error; err != nil {
		return nil, "", err
	}
	next := ""
	if len(rows) > lq.Limit {
		rows = rows[:lq.Limit]
		next = rows[len(rows)-1].URL
	}
	return rows, next, nil
}

func urlTaken(tx *gorm.DB, tenantID, wsID, exceptID int64, u string) (bool, error) {
	var n int64
	err := tx.Model(&Webhook{}).Where("tenant_id = ? AND workspace_id = ? AND url = ? AND id <> ?", tenantID, wsID, u, exceptID).Count(&n).Error
	return n > 0, err
}

// CreateWebhook checks and creates a webhook with a new signing secret,
// returned here only.
func (s *Store) CreateWebhook(ctx context.Context, v Viewer, wsID int64, in WebhookInput, actor Actor) (Webhook, string, error) {
	if err := allowedIn(v, authz.ManageWebhooks, wsID); err != nil {
		return Webhook{}, "", err
	}
	choices, err := s.WebhookEventChoices(ctx, v.Tenant.ID, wsID)
	if err != nil {
		return Webhook{}, "", err
	}
	f := fieldErrors{}
	events := s.checkWebhook(ctx, f, &in, choices)
	if err := f.err(); err != nil {
		return Webhook{}, "", err
	}
	secret, err := webhook.NewSecret(s.Random)
	if err != nil {
		return Webhook{}, "", err
	}
	sealed, err := s.sealPurpose(purposeWebhookSecrets, secret)
	if err != nil {
		return Webhook{}, "", err
	}
	now := s.now()
	w := Webhook{TenantID: v.Tenant.ID, WorkspaceID: wsID, URL: in.URL, Events: events, Enabled: in.Enabled, SecretSealed: sealed, Version: 1, CreatedAt: now, UpdatedAt: now}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		w.ID = 0
		if taken, err := urlTaken(tx, v.Tenant.ID, wsID, 0, in.URL); err != nil {
			return err
		} else if taken {
			return &ValidationError{Fields: map[string]string{"url": "A webhook of this workspace already sends to this URL."}}
		}
		var n int64
		if err := tx.Model(&Webhook{}).Where("tenant_id = ? AND workspace_id = ?", v.Tenant.ID, wsID).Count(&n).Error; err != nil {
			return err
		}
		if n >= WebhooksPerWorkspaceMax {
			return &ValidationError{Fields: map[string]string{"url": fmt.Sprintf("A workspace has at most %d webhooks.", WebhooksPerWorkspaceMax)}}
		}
		if err := tx.Create(&w).Error; err != nil {
			return err
		}
		return writeAuditIn(tx, now, v.Tenant.ID, wsID, actor, "webhook.created", webhookTarget(w), Changes{
			"url": {After: w.URL}, "events": {After: eventsLabel(w.Events)}, "enabled": {After: w.Enabled}})
	})
	if err != nil {
		return Webhook{}, "", err
	}
	return w, secret, nil
}

func eventsLabel(events string) string {
	if events == "*" {
		return "all"
	}
	return events
}

// UpdateWebhook saves a webhook's form (optimistic locking on version).
// Disabling it cancels its pending deliveries.
func (s *Store) UpdateWebhook(ctx context.Context, v Viewer, wsID, id int64, in WebhookInput, actor Actor) (Webhook, error) {
	if err := allowedIn(v, authz.ManageWebhooks, wsID); err != nil {
		return Webhook{}, err
	}
	choices, err := s.WebhookEventChoices(ctx, v.Tenant.ID, wsID)
	if err != nil {
		return Webhook{}, err
	}
	f := fieldErrors{}
	events := s.checkWebhook(ctx, f, &in, choices)
	if err := f.err(); err != nil {
		return Webhook{}, err
	}
	var out Webhook
	err = s.tx(ctx, func(tx *gorm.DB) error {
		cur, err := webhookIn(tx, v.Tenant.ID, wsID, id)
		if err != nil {
			return err
		}
		if taken, err := urlTaken(tx, v.Tenant.ID, wsID, id, in.URL); err != nil {
			return err
		} else if taken {
			return &ValidationError{Fields: map[string]string{"url": "A webhook of this workspace already sends to this URL."}}
		}
		if cur.Version != in.Version {
			return ErrChangedSince
		}
		ch := Changes{}
		diff(ch, "url", cur.URL, in.URL)
		diff(ch, "events", eventsLabel(cur.Events), eventsLabel(events))
		diff(ch, "enabled", cur.Enabled, in.Enabled)
		out = cur
		if len(ch) == 0 {
			return nil
		}
		now := s.now()
		if err := bumpVersion(tx, &Webhook{}, cur.ID, cur.Version, map[string]any{"url": in.URL, "events": events, "enabled": in.Enabled, "updated_at": now}); err != nil {
			return err
		}
		if !in.Enabled {
			if err := cancelDeliveries(tx, cur.ID, now); err != nil {
				return err
			}
		}
		out.URL, out.Events, out.Enabled, out.Version, out.UpdatedAt = in.URL, events, in.Enabled, cur.Version+1, now
		return writeAuditIn(tx, now, v.Tenant.ID, wsID, actor, "webhook.updated", webhookTarget(out), ch)
	})
	if err != nil {
		return Webhook{}, err
	}
	return out, nil
}

// cancelDeliveries marks a webhook's pending deliveries cancelled and takes
// them out of the outbox.
func cancelDeliveries(tx *gorm.DB, webhookID int64, now time.Time) error {
	var ids []int64
	if err := tx.Model(&WebhookDelivery{}).Where("webhook_id = ? AND status = ?", webhookID, DeliveryPending).Pluck("id", &ids).Error; err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	addrs := make([]string, len(ids))
	for i, id := range ids {
		addrs[i] = strconv.FormatInt(id, 10)
	}
	if err := tx.Where("channel = ? AND sent_at IS NULL AND to_addr IN ?", ChannelWebhook, addrs).Delete(&OutboxEmail{}).Error; err != nil {
		return err
	}
	return tx.Model(&WebhookDelivery{}).Where("id IN ?", ids).Updates(map[string]any{"status": DeliveryCancelled, "last_attempt_at": now}).Error
}

// DeleteWebhook deletes a webhook with its delivery log; what was still to
// be sent is dropped from the outbox.
func (s *Store) DeleteWebhook(ctx context.Context, v Viewer, wsID, id int64, actor Actor) error {
	if err := allowedIn(v, authz.ManageWebhooks, wsID); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		w, err := webhookIn(tx, v.Tenant.ID, wsID, id)
		if err != nil {
			return err
		}
		now := s.now()
		if err := cancelDeliveries(tx, w.ID, now); err != nil {
			return err
		}
		if err := tx.Where("webhook_id = ?", w.ID).Delete(&WebhookDelivery{}).Error; err != nil {
			return err
		}
		if err := tx.Delete(&Webhook{}, w.ID).Error; err != nil {
			return err
		}
		return writeAuditIn(tx, now, v.Tenant.ID, wsID, actor, "webhook.deleted", webhookTarget(w), Changes{"url": {Before: w.URL}})
	})
}

// WebhookDeliveries is the latest deliveries of a webhook, newest first
// (the page's log: the first WebhookDeliveriesShown of WebhookDeliveryPage).
func (s *Store) WebhookDeliveries(ctx context.Context, v Viewer, wsID, webhookID int64) ([]WebhookDelivery, error) {
	rows, _, err := s.WebhookDeliveryPage(ctx, v, wsID, webhookID, 0, WebhookDeliveriesShown)
	return rows, err
}

// WebhookDeliveryPage is a page of a webhook's delivery log, newest first
// (keyset on the id: beforeID is the next of the previous page, 0 for the
// first); next is 0 on the last page.
func (s *Store) WebhookDeliveryPage(ctx context.Context, v Viewer, wsID, webhookID, beforeID int64, limit int) (rows []WebhookDelivery, next int64, err error) {
	if err := allowedIn(v, authz.ReadWebhooks, wsID); err != nil {
		return nil, 0, err
	}
	if limit <= 0 || limit > MaxPageSize {
		limit = WebhookDeliveriesShown
	}
	q := s.DB.WithContext(ctx).Where("tenant_id = ? AND workspace_id = ? AND webhook_id = ?", v.Tenant.ID, wsID, webhookID)
	if beforeID > 0 {
		q = q.Where("id < ?", beforeID)
	}
	if err := q.Order("id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, 0, err
	}
	if len(rows) > limit {
		rows = rows[:limit]
		next = rows[len(rows)-1].ID
	}
	return rows, next, nil
}

// webhookPayload is the JSON body of a delivery.
type webhookPayload struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	CreatedAt time.Time       `json:"created_at"`
	Tenant    payloadRef      `json:"tenant"`
	Workspace payloadRef      `json:"workspace"`
	Actor     *payloadActor   `json:"actor,omitempty"`
	Target    *payloadTarget  `json:"target,omitempty"`
	Changes   json.RawMessage `json:"changes,omitempty"`
	Test      bool            `json:"test,omitempty"`
}

type payloadRef struct {
	ID   int64  `json:"id"`
	Slug string `json:"slug"`
}

type payloadActor struct {
	Email string `json:"email,omitempty"`
	IP    string `json:"ip,omitempty"`
}

type payloadTarget struct {
	Type  string `json:"type"`
	ID    string `json:"id,omitempty"`
	Label string `json:"label,omitempty"`
}

// enqueueDelivery writes a delivery and its outbox message.
func enqueueDelivery(tx *gorm.DB, now time.Time, w Webhook, auditID *int64, p webhookPayload) (WebhookDelivery, error) {
	d := WebhookDelivery{TenantID: w.TenantID, WorkspaceID: w.WorkspaceID, WebhookID: w.ID, AuditEventID: auditID, Event: p.Type,
		Status: DeliveryPending, CreatedAt: now}
	if err := tx.Create(&d).Error; err != nil {
		return WebhookDelivery{}, err
	}
	p.ID = "dlv_" + strconv.FormatInt(d.ID, 10)
	body, err := json.Marshal(p)
	if err != nil {
		return WebhookDelivery{}, err
	}
	tenantID := w.TenantID
	return d, tx.Create(&OutboxEmail{TenantID: &tenantID, ToAddr: strconv.FormatInt(d.ID, 10), Subject: p.Type, TextBody: string(body),
		Channel: ChannelWebhook, NextAttemptAt: now, CreatedAt: now}).Error
}

// workspaceRefs reads the slugs of a workspace and its tenant.
func workspaceRefs(tx *gorm.DB, tenantID, wsID int64) (payloadRef, payloadRef, error) {
	var t Tenant
	if err := tx.Select("id", "slug").Where("id = ?", tenantID).Take(&t).Error; err != nil {
		return payloadRef{}, payloadRef{}, err
	}
	var w Workspace
	if err := tx.Select("id", "slug").Where("tenant_id = ? AND id = ?", tenantID, wsID).Take(&w).Error; err != nil {
		return payloadRef{}, payloadRef{}, err
	}
	return payloadRef{ID: t.ID, Slug: t.Slug}, payloadRef{ID: w.ID, Slug: w.Slug}, nil
}

// enqueueWebhookDeliveries queues, in the transaction that writes them, a
// delivery of each workspace audit event to every enabled webhook of its
// workspace that takes it. Called by chainAudit once the events have ids.
func enqueueWebhookDeliveries(tx *gorm.DB, evs []*AuditEvent) error {
	var wsIDs []int64
	for _, ev := range evs {
		if ev.WorkspaceID != nil && !slices.Contains(wsIDs, *ev.WorkspaceID) {
			wsIDs = append(wsIDs, *ev.WorkspaceID)
		}
	}
	if len(wsIDs) == 0 {
		return nil
	}
	var hooks []Webhook
	if err := tx.Select("id", "tenant_id", "workspace_id", "events").Where("workspace_id IN ? AND enabled = ?", wsIDs, true).Order("id").Find(&hooks).Error; err != nil {
		return err
	}
	if len(hooks) == 0 {
		return nil
	}
	type wsKey struct{ tenant, ws int64 }
	refs := map[wsKey][2]payloadRef{}
	for _, ev := range evs {
		if ev.WorkspaceID == nil {
			continue
		}
		for _, h := range hooks {
			if h.TenantID != ev.TenantID || h.WorkspaceID != *ev.WorkspaceID || !h.matches(ev.Action) {
				continue
			}
			k := wsKey{h.TenantID, h.WorkspaceID}
			r, ok := refs[k]
			if !ok {
				t, w, err := workspaceRefs(tx, h.TenantID, h.WorkspaceID)
				if err != nil {
					return err
				}
				r = [2]payloadRef{t, w}
				refs[k] = r
			}
			p := webhookPayload{Type: ev.Action, CreatedAt: ev.CreatedAt, Tenant: r[0], Workspace: r[1],
				Actor:  &payloadActor{Email: ev.ActorEmail, IP: ev.IP},
				Target: &payloadTarget{Type: ev.TargetType, ID: ev.TargetID, Label: ev.TargetLabel}}
			if ev.Changes != "" {
				p.Changes = json.RawMessage(ev.Changes)
			}
			id := ev.ID
			if _, err := enqueueDelivery(tx, ev.CreatedAt, h, &id, p); err != nil {
				return err
			}
		}
	}
	return nil
}

// SendWebhookTest queues a test event to the webhook (enabled or not),
// delivered like any other; it is in the delivery log as webhook.test.
// It returns the queued delivery.
func (s *Store) SendWebhookTest(ctx context.Context, v Viewer, wsID, id int64, actor Actor) (WebhookDelivery, error) {
	if err := allowedIn(v, authz.ManageWebhooks, wsID); err != nil {
		return WebhookDelivery{}, err
	}
	var d WebhookDelivery
	err := s.tx(ctx, func(tx *gorm.DB) error {
		w, err := webhookIn(tx, v.Tenant.ID, wsID, id)
		if err != nil {
			return err
		}
		t, ws, err := workspaceRefs(tx, w.TenantID, w.WorkspaceID)
		if err != nil {
			return err
		}
		now := s.now()
		d, err = enqueueDelivery(tx, now, w, nil, webhookPayload{Type: WebhookTestEvent, CreatedAt: now, Tenant: t, Workspace: ws, Test: true,
			Actor:  &payloadActor{Email: actor.Email},
			Target: &payloadTarget{Type: "webhook", ID: fmt.Sprint(w.ID), Label: w.URL}})
		return err
	})
	if err != nil {
		return WebhookDelivery{}, err
	}
	return d, nil
}

// DeliverWebhook makes one attempt at an outbox message of ChannelWebhook
// (the mail worker's webhook channel): it signs and POSTs the body to the
// webhook's URL through the SSRF-safe client and records the attempt in the
// delivery log. A nil error is a delivery done (or cancelled, or given up
// after WebhookMaxAttempts); an error is a failed attempt to retry.
func (s *Store) DeliverWebhook(ctx context.Context, row OutboxEmail) error {
	id, err := strconv.ParseInt(row.ToAddr, 10, 64)
	if err != nil {
		return nil // not a delivery: nothing to send, ever
	}
	db := s.DB.WithContext(context.WithoutCancel(ctx))
	var d WebhookDelivery
	if err := db.Where("id = ?", id).Take(&d).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil // its webhook was deleted
		}
		return err
	}
	if d.Status != DeliveryPending {
		return nil
	}
	var w Webhook
	err = db.Where("id = ? AND tenant_id = ?", d.WebhookID, d.TenantID).Take(&w).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && !w.Enabled && d.Event != WebhookTestEvent) {
		return db.Model(&WebhookDelivery{}).Where("id = ?", d.ID).Updates(map[string]any{"status": DeliveryCancelled, "last_attempt_at": s.now()}).Error
	}
	if err != nil {
		return err
	}
	secret, err := s.openPurpose(purposeWebhookSecrets, w.SecretSealed)
	if err != nil {
		return fmt.Errorf("webhook %d: signing secret cannot be decrypted (was GATEHOUSE_SECRET_KEY changed?): %w", w.ID, err)
	}
	status, sendErr := s.webhooks().Deliver(ctx, w.URL, secret, []byte(row.TextBody))
	now := s.now()
	attempts := d.Attempts + 1
	set := map[string]any{"attempts": attempts, "response_status": status, "last_attempt_at": now, "last_error": ""}
	if sendErr == nil {
		set["status"], set["delivered_at"] = DeliveryDelivered, now
		s.observer().WebhookDelivery(WebhookDelivered)
	} else {
		set["last_error"] = cleanOutboxError(sendErr.Error())
		if attempts >= WebhookMaxAttempts {
			set["status"] = DeliveryFailed
		}
		s.observer().WebhookDelivery(WebhookFailed)
	}
	if err := db.Model(&WebhookDelivery{}).Where("id = ?", d.ID).Updates(set).Error; err != nil {
		return err
	}
	if sendErr != nil && attempts < WebhookMaxAttempts {
		return sendErr
	}
	return nil
}
