package telemetry

import (
	"testing"

	"gatehouse/models"
)

// TestWebhookDeliveriesByOutcome: the store's webhook attempts are counted
// by outcome, both outcomes present from the start.
func TestWebhookDeliveriesByOutcome(t *testing.T) {
	m, err := NewMetrics(MetricsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	count := func() map[string]float64 {
		t.Helper()
		fams, err := m.Registry.Gather()
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]float64{}
		for _, f := range fams {
			if f.GetName() != "gatehouse_webhook_deliveries_total" {
				continue
			}
			for _, mt := range f.GetMetric() {
				for _, l := range mt.GetLabel() {
					if l.GetName() == "outcome" {
						out[l.GetValue()] = mt.GetCounter().GetValue()
					}
				}
			}
		}
		return out
	}
	if got := count(); len(got) != 2 || got["delivered"] != 0 || got["failed"] != 0 {
		t.Fatalf("at start %v", got)
	}
	var o models.Observer = m
	o.WebhookDelivery(models.WebhookDelivered)
	o.WebhookDelivery(models.WebhookFailed)
	o.WebhookDelivery(models.WebhookFailed)
	if got := count(); got["delivered"] != 1 || got["failed"] != 2 {
		t.Fatalf("after three attempts %v", got)
	}
}
