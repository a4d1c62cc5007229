package mail

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"gatehouse/models"

	"gorm.io/gorm"
)

// Worker delivers the outbox: it claims due messages, sends them and marks
// them sent, or failed with a next attempt that backs off exponentially up to
// MaxBackoff. A message is retried until it goes out; nothing is dropped.
// Several workers (one per replica) can share a database. The zero values of
// the tuning fields mean the defaults.
type Worker struct {
	DB     *gorm.DB
	Sender Sender
	// SMS delivers the outbox's text messages (models.ChannelSMS); nil:
	// they are written to the log.
	SMS SMSSender
	// Webhooks delivers the outbox's webhook deliveries
	// (models.ChannelWebhook): a *models.Store. Nil: they wait (released
	// unattempted) for a worker that has it.
	Webhooks WebhookDeliverer
	Logger   *slog.Logger
	Now      func() time.Time

	Interval    time.Duration // how often to look for due mail; default 2s
	BaseBackoff time.Duration // wait after the first failure; default 2s
	MaxBackoff  time.Duration // cap of the wait between attempts; default 1 min
	Batch       int           // messages claimed at once; default 20
	Lease       time.Duration // how long a claim holds; default 2 min
	// Drain is how long a delivery under way may go on once the worker is
	// told to stop (its context cancelled: shutdown), before it is cut
	// off; default 15 s. The rest of the batch is handed back at once.
	Drain time.Duration

	once sync.Once
	wake chan struct{}
}

// Defaults of the Worker's tuning fields.
const (
	DefaultInterval    = 2 * time.Second
	DefaultBaseBackoff = 2 * time.Second
	DefaultMaxBackoff  = time.Minute
	DefaultBatch       = 20
	DefaultLease       = 2 * time.Minute
	DefaultDrain       = 15 * time.Second
)

func (w *Worker) init() {
	w.once.Do(func() { w.wake = make(chan struct{}, 1) })
}

// Wake makes a running worker look at the outbox now instead of at its next
// tick (a handler that just queued mail calls it). It never blocks.
func (w *Worker) Wake() {
	w.init()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *Worker) now() time.Time {
	if w.Now != nil {
		return w.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

func (w *Worker) logger() *slog.Logger {
	if w.Logger != nil {
		return w.Logger
	}
	return slog.Default()
}

func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// backoff is the wait before the next attempt after the given number of
// failed attempts (1 for the first failure): base, 2·base, 4·base, ...,
// never more than max.
func backoff(attempts int, base, max time.Duration) time.Duration {
	d := base
	for i := 1; i < attempts; i++ {
		if d >= max {
			break
		}
		d *= 2
	}
	if d > max {
		d = max
	}
	return d
}

// jitter takes up to 10% off d at random, so replicas that failed together
// do not retry in lockstep, while max stays a true cap (mail flows within
// MaxBackoff of the server's return).
func jitter(d time.Duration) time.Duration {
	if d <= 10 {
		return d
	}
	return d - rand.N(d/10+1)
}

// retryDelay is the jittered wait after attempts failures.
func (w *Worker) retryDelay(attempts int) time.Duration {
	return jitter(backoff(attempts, orDefault(w.BaseBackoff, DefaultBaseBackoff), orDefault(w.MaxBackoff, DefaultMaxBackoff)))
}

// RunOnce claims one batch of due messages and tries each once. It returns
// how many were sent and how many failed (and were rescheduled). err reports
// database trouble or a cancelled ctx; messages it did not get to are handed
// back for the next run. A delivery under way when ctx is cancelled gets up
// to Drain to finish and is recorded; nothing new starts after it.
func (w *Worker) RunOnce(ctx context.Context) (sent, failed int, err error) {
	lease := orDefault(w.Lease, DefaultLease)
	now := w.now()
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	// The claim is not cut short by ctx. Cancelled in the middle of its
	// commit, it could be kept by the database while this worker, told it
	// failed, neither sent nor handed back what it had claimed: those
	// messages waited out the lease (bench/loadfault found invitations two
	// minutes late after a replica was stopped). Claimed, they are handed
	// back below when ctx is done.
	rows, err := models.ClaimOutbox(context.WithoutCancel(ctx), w.DB, now, orDefault(w.Batch, DefaultBatch), lease)
	if err != nil {
		return 0, 0, err
	}
	leaseEnd := now.Add(lease)
	// Stop starting new sends well before the lease ends, so no other worker
	// can claim a message while it is being sent.
	stopAt := leaseEnd.Add(-lease / 4)
	log := w.logger()
	// Recording an outcome must survive a cancelled ctx: a message that went
	// out but was not marked would be sent again.
	record := context.WithoutCancel(ctx)
	var errs []error

	for i, row := range rows {
		if ctx.Err() != nil || !w.now().Before(stopAt) {
			w.release(record, rows[i:], leaseEnd)
			if ctx.Err() != nil {
				errs = append(errs, ctx.Err())
			}
			break
		}
		sendCtx, endSend := w.sendContext(ctx)
		sendErr := w.deliver(sendCtx, row)
		endSend()
		if errors.Is(sendErr, errNoWebhooks) {
			w.release(record, rows[i:i+1], leaseEnd)
			continue
		}
		if sendErr != nil && ctx.Err() != nil {
			// Interrupted by shutdown, not the mail server's fault: no attempt counted.
			w.release(record, rows[i:], leaseEnd)
			errs = append(errs, ctx.Err())
			break
		}
		if sendErr == nil {
			if err := models.MarkOutboxSent(record, w.DB, row.ID, w.now()); err != nil {
				log.Error("outbox: message sent but not marked; it may be sent again", "id", row.ID, "err", err)
				errs = append(errs, err)
			}
			sent++
			continue
		}
		failed++
		attempts := row.Attempts + 1
		delay := w.retryDelay(attempts)
		log.Warn("outbox: delivery failed, will retry",
			"id", row.ID, "to", row.ToAddr, "attempt", attempts, "retry_in", delay.Round(time.Millisecond), "err", sendErr)
		if err := models.MarkOutboxFailed(record, w.DB, row.ID, attempts, w.now().Add(delay), sendErr.Error()); err != nil {
			log.Error("outbox: could not record failed attempt", "id", row.ID, "err", err)
			errs = append(errs, err)
		}
	}
	return sent, failed, errors.Join(errs...)
}

// sendContext is the context of one delivery: it outlives ctx by up to
// Drain, so that stopping the worker lets the message being sent go out
// (and be marked) instead of cutting the SMTP exchange in the middle.
func (w *Worker) sendContext(ctx context.Context) (context.Context, context.CancelFunc) {
	sendCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var timer *time.Timer
	var mu sync.Mutex
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		timer = time.AfterFunc(orDefault(w.Drain, DefaultDrain), cancel)
	})
	return sendCtx, func() {
		stop()
		mu.Lock()
		if timer != nil {
			timer.Stop()
		}
		mu.Unlock()
		cancel()
	}
}

func (w *Worker) release(ctx context.Context, rows []models.OutboxEmail, leaseEnd time.Time) {
	ids := make([]int64, len(rows))
	for i := range rows {
		ids[i] = rows[i].ID
	}
	if err := models.ReleaseOutbox(ctx, w.DB, ids, leaseEnd); err != nil {
		w.logger().Warn("outbox: could not release claimed messages; they return when the lease ends", "ids", ids, "err", err)
	}
}

// Run delivers the outbox until ctx is done: a batch every Interval, at once
// after Wake, and back to back while full batches keep coming.
func (w *Worker) Run(ctx context.Context) {
	w.init()
	interval := orDefault(w.Interval, DefaultInterval)
	batch := orDefault(w.Batch, DefaultBatch)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-w.wake:
			if !timer.Stop() {
				select {
				case <-timer.C:
				default:
				}
			}
		}
		sent, failed, err := w.RunOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			w.logger().Error("outbox: run failed", "err", err)
		}
		next := interval
		if err == nil && sent+failed >= batch {
			next = 0 // more may be waiting
		}
		timer.Reset(next)
	}
}

// WebhookDeliverer makes one attempt at a webhook delivery of the outbox
// (models.Store.DeliverWebhook): nil when done, an error to retry.
type WebhookDeliverer interface {
	DeliverWebhook(ctx context.Context, row models.OutboxEmail) error
}

// errNoWebhooks is a webhook delivery met by a worker without Webhooks.
var errNoWebhooks = errors.New("outbox: this worker does not deliver webhooks")

// deliver hands one outbox row to its channel's sender.
func (w *Worker) deliver(ctx context.Context, row models.OutboxEmail) error {
	if row.Channel == models.ChannelWebhook {
		if w.Webhooks == nil {
			return errNoWebhooks
		}
		return w.Webhooks.DeliverWebhook(ctx, row)
	}
	if row.Channel == models.ChannelSMS {
		sms := w.SMS
		if sms == nil {
			sms = &LogSMSSender{Logger: w.logger()}
		}
		return sms.SendSMS(ctx, SMS{To: row.ToAddr, Text: row.TextBody})
	}
	return w.Sender.Send(ctx, Message{To: row.ToAddr, Subject: row.Subject, Text: row.TextBody, HTML: row.HTMLBody})
}
