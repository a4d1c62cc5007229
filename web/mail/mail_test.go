package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/mail/mailtest"

	"gorm.io/gorm"
)

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// clock is an injectable, settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().UTC().Truncate(time.Microsecond)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// freeAddr returns a loopback address where nothing listens.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

func queue(t *testing.T, db *gorm.DB, now time.Time, to string) models.OutboxEmail {
	t.Helper()
	row := models.OutboxEmail{
		ToAddr: to, Subject: "Invitation to Acme",
		TextBody:      "Accept: https://gatehouse.example/invitations/abc123\n",
		HTMLBody:      `<p><a href="https://gatehouse.example/invitations/abc123">Accept</a></p>`,
		NextAttemptAt: now, CreatedAt: now,
	}
	if err := db.Create(&row).Error; err != nil {
		t.Fatal(err)
	}
	return row
}

func reload(t *testing.T, db *gorm.DB, id int64) models.OutboxEmail {
	t.Helper()
	var row models.OutboxEmail
	if err := db.First(&row, id).Error; err != nil {
		t.Fatal(err)
	}
	return row
}

func pending(t *testing.T, db *gorm.DB) int64 {
	t.Helper()
	n, err := models.PendingOutboxCount(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// (a) The SMTP sender delivers a multipart text+HTML message.
func TestSMTPSenderDelivers(t *testing.T) {
	t.Parallel()
	link := "https://gatehouse.example/invitations/" + strings.Repeat("x", 90) + "?a=1&b=2"
	msg := Message{
		To:      "ann@example.com",
		Subject: "Einladung für Acme — bitte bestätigen",
		Text:    "Hello Ann,\n\nAccept your invitation: " + link + "\n\nSee you ✓\n",
		HTML:    `<p>Hello Ann,</p><p><a href="` + link + `">Accept your invitation</a></p>`,
	}
	check := func(t *testing.T, got mailtest.Received) {
		t.Helper()
		if got.From != "gatehouse@example.com" {
			t.Errorf("envelope from = %q", got.From)
		}
		if got.Header.Get("From") == "" || !strings.Contains(got.Header.Get("From"), "gatehouse@example.com") {
			t.Errorf("From header = %q", got.Header.Get("From"))
		}
		if got.Subject != msg.Subject {
			t.Errorf("subject = %q, want %q", got.Subject, msg.Subject)
		}
		if strings.TrimRight(got.Text, "\n") != strings.TrimRight(msg.Text, "\n") {
			t.Errorf("text = %q, want %q", got.Text, msg.Text)
		}
		if got.HTML != msg.HTML {
			t.Errorf("html = %q, want %q", got.HTML, msg.HTML)
		}
		if ct := got.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/alternative") {
			t.Errorf("content type = %q, want multipart/alternative", ct)
		}
	}

	t.Run("plain", func(t *testing.T) {
		srv := mailtest.Start(t)
		s, err := NewSender(srv.URL(), "gatehouse@example.com", testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Send(context.Background(), msg); err != nil {
			t.Fatal(err)
		}
		check(t, srv.WaitFor(t, "ann@example.com", 5*time.Second))
	})

	t.Run("auth without TLS on loopback", func(t *testing.T) {
		srv := mailtest.StartWith(t, mailtest.Options{Username: "relay", Password: "p@ss:w/rd"})
		s, err := NewSender(srv.URL(), "Gatehouse <gatehouse@example.com>", testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Send(context.Background(), msg); err != nil {
			t.Fatal(err)
		}
		got := srv.WaitFor(t, "ann@example.com", 5*time.Second)
		check(t, got)
		if got.Auth != "relay" {
			t.Errorf("authenticated as %q", got.Auth)
		}
	})

	t.Run("wrong password fails", func(t *testing.T) {
		srv := mailtest.StartWith(t, mailtest.Options{Username: "relay", Password: "right"})
		s, err := NewSender("smtp://relay:wrong@"+srv.Addr(), "gatehouse@example.com", testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Send(context.Background(), msg); err == nil {
			t.Fatal("want an authentication error")
		}
		if n := len(srv.Messages()); n != 0 {
			t.Fatalf("server got %d messages", n)
		}
	})

	t.Run("STARTTLS", func(t *testing.T) {
		srv := mailtest.StartWith(t, mailtest.Options{TLS: mailtest.StartTLS, Username: "relay", Password: "pw"})
		s, err := NewSender(srv.URL(), "gatehouse@example.com", testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		// An untrusted certificate is an error, never a silent downgrade.
		if err := s.Send(context.Background(), msg); err == nil {
			t.Fatal("want a certificate error from a self-signed STARTTLS server")
		}
		s.(*SMTPSender).rootCAs = srv.CertPool()
		if err := s.Send(context.Background(), msg); err != nil {
			t.Fatal(err)
		}
		check(t, srv.WaitFor(t, "ann@example.com", 5*time.Second))
	})

	t.Run("smtps", func(t *testing.T) {
		srv := mailtest.StartWith(t, mailtest.Options{TLS: mailtest.ImplicitTLS})
		if !strings.HasPrefix(srv.URL(), "smtps://") {
			t.Fatalf("URL = %q", srv.URL())
		}
		s, err := NewSender(srv.URL(), "gatehouse@example.com", testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		s.(*SMTPSender).rootCAs = srv.CertPool()
		if err := s.Send(context.Background(), msg); err != nil {
			t.Fatal(err)
		}
		check(t, srv.WaitFor(t, "ann@example.com", 5*time.Second))
	})
}

func TestParseSMTPURL(t *testing.T) {
	t.Parallel()
	good := []struct {
		url  string
		want smtpConfig
	}{
		{"smtp://mail.example.com", smtpConfig{host: "mail.example.com", port: 25}},
		{"smtp://mail.example.com:2525", smtpConfig{host: "mail.example.com", port: 2525}},
		{"smtps://mail.example.com", smtpConfig{host: "mail.example.com", port: 465, ssl: true}},
		{"SMTPS://u%40x:p%3Aw@[::1]:4650/", smtpConfig{host: "::1", port: 4650, ssl: true, user: "u@x", password: "p:w"}},
		{"smtp://apikey@relay:587", smtpConfig{host: "relay", port: 587, user: "apikey"}},
	}
	for _, tc := range good {
		got, err := parseSMTPURL(tc.url)
		if err != nil {
			t.Errorf("%s: %v", tc.url, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.url, got, tc.want)
		}
	}
	bad := []string{
		"http://mail.example.com", "mail.example.com:25", "smtp://", "smtp://:25",
		"smtp://h:0", "smtp://h:70000", "smtp://u:secret@h:port", "smtp://u:secret@h/path",
		"smtp://u:secret@h?x=1", "smtp://:secret@h", "smtp://u:secret@h:25\x7f",
	}
	for _, u := range bad {
		_, err := parseSMTPURL(u)
		if err == nil {
			t.Errorf("%q: want an error", u)
			continue
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("%q: the error shows the password: %v", u, err)
		}
	}
	if _, err := NewSender("smtp://h:25", "", nil); err == nil {
		t.Error("want an error for an empty From")
	}
	if _, err := NewSender("smtp://h:25", "not an address", nil); err == nil {
		t.Error("want an error for a bad From")
	}
}

// (b) Without GATEHOUSE_SMTP_URL, messages, links included, go to the log.
func TestLogSenderLogsLinks(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	s, err := NewSender("", "gatehouse@localhost", logger)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(*LogSender); !ok {
		t.Fatalf("NewSender(\"\") = %T, want *LogSender", s)
	}
	link := "http://127.0.0.1:8080/invitations/tok_ABC-123"
	err = s.Send(context.Background(), Message{To: "ann@example.com", Subject: "Invitation to Acme",
		Text: "Hello Ann,\nAccept: " + link + "\n", HTML: "<a href=\"" + link + "\">Accept</a>"})
	if err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"level=INFO", "ann@example.com", "Invitation to Acme", "links=[" + link + "]", "Hello Ann"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

// (c) A server that is down loses nothing: the message is retried with
// backoff and delivered exactly once when the server is back.
func TestWorkerRetriesUntilServerReturns(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		ctx := context.Background()
		clk := newClock()
		addr := freeAddr(t)
		sender, err := NewSender("smtp://"+addr, "gatehouse@example.com", testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		row := queue(t, db.DB, clk.Now(), "ann@example.com")
		w := &Worker{DB: db.DB, Sender: sender, Logger: testLogger(t), Now: clk.Now}

		sent, failed, err := w.RunOnce(ctx)
		if err != nil || sent != 0 || failed != 1 {
			t.Fatalf("RunOnce with the server down = %d sent, %d failed, %v; want 0, 1, nil", sent, failed, err)
		}
		got := reload(t, db.DB, row.ID)
		if got.SentAt != nil || got.Attempts != 1 || got.LastError == "" || got.LockedUntil != nil {
			t.Fatalf("after a failure: %+v", got)
		}
		if !got.NextAttemptAt.After(clk.Now()) || got.NextAttemptAt.After(clk.Now().Add(DefaultBaseBackoff)) {
			t.Fatalf("next attempt at %v, now %v: want within the first backoff", got.NextAttemptAt, clk.Now())
		}
		if n := pending(t, db.DB); n != 1 {
			t.Fatalf("pending = %d, want 1", n)
		}
		// Not due yet: nothing is tried.
		if sent, failed, err := w.RunOnce(ctx); err != nil || sent+failed != 0 {
			t.Fatalf("RunOnce before the retry time = %d, %d, %v", sent, failed, err)
		}

		srv := mailtest.StartOn(t, addr)
		clk.Advance(DefaultBaseBackoff + time.Second)
		sent, failed, err = w.RunOnce(ctx)
		if err != nil || sent != 1 || failed != 0 {
			t.Fatalf("RunOnce with the server back = %d sent, %d failed, %v; want 1, 0, nil", sent, failed, err)
		}
		m := srv.WaitFor(t, "ann@example.com", 5*time.Second)
		if m.Subject != "Invitation to Acme" || !strings.Contains(m.Text, "https://gatehouse.example/invitations/abc123") {
			t.Errorf("delivered %+v", m)
		}
		got = reload(t, db.DB, row.ID)
		if got.SentAt == nil || got.Attempts != 2 || got.LastError != "" || got.LockedUntil != nil {
			t.Fatalf("after delivery: %+v", got)
		}
		clk.Advance(time.Hour)
		if sent, failed, err := w.RunOnce(ctx); err != nil || sent+failed != 0 {
			t.Fatalf("RunOnce after delivery = %d, %d, %v", sent, failed, err)
		}
		if n := len(srv.Messages()); n != 1 {
			t.Fatalf("server got %d copies, want 1", n)
		}
		if n := pending(t, db.DB); n != 0 {
			t.Fatalf("pending = %d, want 0", n)
		}
	})
}

// (d) The wait between attempts doubles and is capped.
func TestBackoff(t *testing.T) {
	t.Parallel()
	base, max := 2*time.Second, time.Minute
	want := []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second, time.Minute, time.Minute}
	for i, w := range want {
		if got := backoff(i+1, base, max); got != w {
			t.Errorf("backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
	for _, n := range []int{0, -3} {
		if got := backoff(n, base, max); got != base {
			t.Errorf("backoff(%d) = %v, want %v", n, got, base)
		}
	}
	for _, n := range []int{64, 1000, 1 << 30} {
		if got := backoff(n, base, max); got != max {
			t.Errorf("backoff(%d) = %v, want the cap %v", n, got, max)
		}
	}
	w := &Worker{}
	for attempts := 1; attempts < 100; attempts++ {
		d := backoff(attempts, DefaultBaseBackoff, DefaultMaxBackoff)
		got := w.retryDelay(attempts)
		if got > d || got < d-d/10 {
			t.Fatalf("retryDelay(%d) = %v, want within 10%% below %v", attempts, got, d)
		}
		if got > DefaultMaxBackoff {
			t.Fatalf("retryDelay(%d) = %v exceeds the cap", attempts, got)
		}
	}
}

// countingSender records deliveries in memory.
type countingSender struct {
	mu    sync.Mutex
	count map[string]int
	delay time.Duration
	fail  func(Message) error
}

func (s *countingSender) Send(ctx context.Context, m Message) error {
	if s.delay > 0 {
		time.Sleep(s.delay)
	}
	if s.fail != nil {
		if err := s.fail(m); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.count == nil {
		s.count = map[string]int{}
	}
	s.count[m.To]++
	return nil
}

func (s *countingSender) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.count {
		n += c
	}
	return n
}

// (e) Two workers (two replicas) on the same queue deliver each message once.
func TestConcurrentWorkersDeliverOnce(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		const n = 60
		now := time.Now().UTC().Truncate(time.Microsecond)
		for i := range n {
			queue(t, db.DB, now, fmt.Sprintf("user%02d@example.com", i))
		}
		sender := &countingSender{delay: time.Millisecond}
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		did := make([]int, 4)
		for i := range 4 {
			w := &Worker{DB: db.DB, Sender: sender, Logger: testLogger(t), Batch: 4}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					sent, failed, err := w.RunOnce(context.Background())
					if err != nil {
						errs <- err
						return
					}
					if failed != 0 {
						errs <- fmt.Errorf("%d failed", failed)
						return
					}
					if sent == 0 {
						return
					}
					did[i] += sent
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		for i := range n {
			to := fmt.Sprintf("user%02d@example.com", i)
			if c := sender.count[to]; c != 1 {
				t.Errorf("%s delivered %d times, want 1", to, c)
			}
		}
		if p := pending(t, db.DB); p != 0 {
			t.Errorf("pending = %d, want 0", p)
		}
		t.Logf("messages per worker: %v", did)
	})
}

// Claims are leases: a claimed message is invisible to other claimers until
// it is marked, released, or its lease runs out.
func TestClaimLeaseAndRelease(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Microsecond)
		a := queue(t, db.DB, now, "a@example.com")
		b := queue(t, db.DB, now, "b@example.com")
		later := queue(t, db.DB, now.Add(time.Hour), "later@example.com")

		got, err := models.ClaimOutbox(ctx, db.DB, now, 1, time.Minute)
		if err != nil || len(got) != 1 || got[0].ID != a.ID {
			t.Fatalf("first claim = %v, %v; want [a]", got, err)
		}
		got2, err := models.ClaimOutbox(ctx, db.DB, now, 10, time.Minute)
		if err != nil || len(got2) != 1 || got2[0].ID != b.ID {
			t.Fatalf("second claim = %v, %v; want [b]", got2, err)
		}
		if got, err := models.ClaimOutbox(ctx, db.DB, now, 10, time.Minute); err != nil {
			t.Fatal(err)
		} else if len(got) != 0 {
			t.Fatalf("third claim got %d rows, want none", len(got))
		}
		// Released rows come back at once; a release with another lease's end does nothing.
		if err := models.ReleaseOutbox(ctx, db.DB, []int64{a.ID}, now.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if got, err := models.ClaimOutbox(ctx, db.DB, now, 10, time.Minute); err != nil {
			t.Fatal(err)
		} else if len(got) != 0 {
			t.Fatalf("a foreign release freed %d rows", len(got))
		}
		if err := models.ReleaseOutbox(ctx, db.DB, []int64{a.ID}, *got[0].LockedUntil); err != nil {
			t.Fatal(err)
		}
		if got, err := models.ClaimOutbox(ctx, db.DB, now, 10, time.Minute); err != nil {
			t.Fatal(err)
		} else if len(got) != 1 || got[0].ID != a.ID {
			t.Fatalf("after release claimed %v, want [a]", got)
		}
		// An expired lease (a worker died) makes the rows claimable again.
		got3, err := models.ClaimOutbox(ctx, db.DB, now.Add(time.Minute), 10, time.Minute)
		if err != nil || len(got3) != 2 {
			t.Fatalf("claim after lease = %v, %v; want a and b", got3, err)
		}
		// A long, invalid error message is stored cut and cleaned.
		long := "\xff\x00" + strings.Repeat("é", 3000)
		if err := models.MarkOutboxFailed(ctx, db.DB, a.ID, 3, now.Add(time.Minute), long); err != nil {
			t.Fatal(err)
		}
		row := reload(t, db.DB, a.ID)
		if n := len([]rune(row.LastError)); n != 2000 || row.Attempts != 3 || row.LockedUntil != nil {
			t.Fatalf("failed row: %d chars, attempts %d, locked %v", n, row.Attempts, row.LockedUntil)
		}
		if err := models.MarkOutboxSent(ctx, db.DB, b.ID, now); err != nil {
			t.Fatal(err)
		}
		if p := pending(t, db.DB); p != 2 {
			t.Fatalf("pending = %d, want 2 (a and later)", p)
		}
		_ = later
	})
}

// (f) Run stops when its context is cancelled, and Wake makes it look at once.
func TestRunStopsAndWakes(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		sender := &countingSender{}
		w := &Worker{DB: db.DB, Sender: sender, Logger: testLogger(t), Interval: time.Hour}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			w.Run(ctx)
			close(done)
		}()
		queue(t, db.DB, time.Now().UTC().Truncate(time.Microsecond), "ann@example.com")
		deadline := time.Now().Add(5 * time.Second)
		for sender.total() == 0 {
			if time.Now().After(deadline) {
				t.Fatal("Wake did not make the worker deliver")
			}
			w.Wake()
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not stop after cancel")
		}
		if n := sender.total(); n != 1 {
			t.Fatalf("delivered %d, want 1", n)
		}
	})
}

// A send interrupted by shutdown counts no attempt and hands the message back.
func TestCancelledSendIsReleased(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		now := time.Now().UTC().Truncate(time.Microsecond)
		row := queue(t, db.DB, now, "ann@example.com")
		ctx, cancel := context.WithCancel(context.Background())
		sender := &countingSender{fail: func(Message) error { cancel(); return errors.New("interrupted") }}
		w := &Worker{DB: db.DB, Sender: sender, Logger: testLogger(t)}
		if _, _, err := w.RunOnce(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		got := reload(t, db.DB, row.ID)
		if got.Attempts != 0 || got.LockedUntil != nil || got.SentAt != nil {
			t.Fatalf("after an interrupted send: %+v", got)
		}
	})
}

// blockingSender holds each Send until the test releases it, and reports
// whether the delivery's context was still alive when it went out.
type blockingSender struct {
	started  chan Message
	release  chan struct{}
	mu       sync.Mutex
	sent     []Message
	ctxAlive []bool
}

func newBlockingSender() *blockingSender {
	return &blockingSender{started: make(chan Message, 10), release: make(chan struct{})}
}

func (s *blockingSender) Send(ctx context.Context, m Message) error {
	s.started <- m
	select {
	case <-s.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, m)
	s.ctxAlive = append(s.ctxAlive, ctx.Err() == nil)
	return nil
}

// Shutdown lets the delivery under way finish and be recorded; the rest of
// the batch is handed back untouched, and Run returns.
func TestStopLetsTheDeliveryUnderWayFinish(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		now := time.Now().UTC().Truncate(time.Microsecond)
		first := queue(t, db.DB, now, "ann@example.com")
		second := queue(t, db.DB, now, "bob@example.com")
		sender := newBlockingSender()
		w := &Worker{DB: db.DB, Sender: sender, Logger: testLogger(t), Interval: time.Hour}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { w.Run(ctx); close(done) }()

		select {
		case m := <-sender.started:
			if m.To != "ann@example.com" {
				t.Fatalf("first delivery to %s", m.To)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no delivery started")
		}
		cancel() // SIGTERM arrives mid-delivery
		select {
		case <-done:
			t.Fatal("Run returned while a delivery was under way")
		case <-time.After(200 * time.Millisecond):
		}
		close(sender.release) // the SMTP server answers
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return after the delivery under way ended")
		}

		if len(sender.sent) != 1 || !sender.ctxAlive[0] {
			t.Fatalf("sent %d (context alive %v), want ann's message sent with a live context", len(sender.sent), sender.ctxAlive)
		}
		if got := reload(t, db.DB, first.ID); got.SentAt == nil || got.LockedUntil != nil || got.Attempts != 1 {
			t.Fatalf("delivered message not recorded: %+v", got)
		}
		if got := reload(t, db.DB, second.ID); got.SentAt != nil || got.LockedUntil != nil || got.Attempts != 0 {
			t.Fatalf("message not started should be handed back untouched: %+v", got)
		}
	})
}

// A delivery that hangs is cut off Drain after the stop, and handed back.
func TestStopCutsOffAHangingDeliveryAfterDrain(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		now := time.Now().UTC().Truncate(time.Microsecond)
		row := queue(t, db.DB, now, "ann@example.com")
		sender := newBlockingSender() // never released
		w := &Worker{DB: db.DB, Sender: sender, Logger: testLogger(t), Interval: time.Hour, Drain: 300 * time.Millisecond}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { w.Run(ctx); close(done) }()
		<-sender.started
		start := time.Now()
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("a hanging delivery kept Run from returning")
		}
		if d := time.Since(start); d < 250*time.Millisecond {
			t.Fatalf("delivery cut off after %v, before Drain", d)
		}
		if got := reload(t, db.DB, row.ID); got.SentAt != nil || got.LockedUntil != nil || got.Attempts != 0 {
			t.Fatalf("cut-off delivery should be handed back with no attempt counted: %+v", got)
		}
	})
}

// Shutdown in the middle of the claim: the claim is not cut short (cut
// during its commit, it could be kept by the database while the worker,
// told it failed, never handed the messages back: they waited out the
// lease); the worker hands the claimed messages straight back, sends
// nothing and counts no attempt.
func TestStopDuringTheClaimHandsTheClaimBack(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		now := time.Now().UTC().Truncate(time.Microsecond)
		row := queue(t, db.DB, now, "ann@example.com")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		claimed := false
		if err := db.DB.Callback().Update().After("gorm:update").Register("test:stop", func(tx *gorm.DB) {
			if tx.Statement.Table == "outbox_emails" && !claimed {
				claimed = true
				cancel() // SIGTERM arrives as the claim is written
			}
		}); err != nil {
			t.Fatal(err)
		}
		sender := &countingSender{}
		w := &Worker{DB: db.DB, Sender: sender, Logger: testLogger(t)}
		if _, _, err := w.RunOnce(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if !claimed {
			t.Fatal("the claim was not made")
		}
		if n := sender.total(); n != 0 {
			t.Fatalf("sent %d after the stop", n)
		}
		got := reload(t, db.DB, row.ID)
		if got.Attempts != 0 || got.LockedUntil != nil || got.SentAt != nil {
			t.Fatalf("after a stop during the claim: %+v", got)
		}
		// Stopped before it starts: no claim at all.
		if _, _, err := w.RunOnce(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("a stopped worker's run: %v", err)
		}
		if got := reload(t, db.DB, row.ID); got.LockedUntil != nil {
			t.Fatalf("a stopped worker claimed: %+v", got)
		}
	})
}
