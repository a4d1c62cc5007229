package mail

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"gatehouse/models"
	"gatehouse/models/modelstest"
)

// gateway is an in-process HTTP SMS gateway recording what it gets.
type gateway struct {
	mu       sync.Mutex
	got      []map[string]string
	auth     []string
	ctype    []string
	failNext int // answer 503 this many times first
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if r.Method != http.MethodPost || r.URL.Path != "/send" {
		http.Error(w, "no", http.StatusNotFound)
		return
	}
	if g.failNext > 0 {
		g.failNext--
		http.Error(w, "gateway busy", http.StatusServiceUnavailable)
		return
	}
	var m map[string]string
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	u, p, _ := r.BasicAuth()
	g.got = append(g.got, m)
	g.auth = append(g.auth, u+":"+p)
	g.ctype = append(g.ctype, r.Header.Get("Content-Type"))
	w.WriteHeader(http.StatusAccepted)
}

func TestHTTPSMSSenderPostsToTheGateway(t *testing.T) {
	t.Parallel()
	g := &gateway{failNext: 1}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	s, err := NewSMSSender(strings.Replace(srv.URL, "http://", "http://gh:s3cret@", 1)+"/send", testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(*HTTPSMSSender); !ok {
		t.Fatalf("NewSMSSender(url) = %T", s)
	}
	m := SMS{To: "+14155550123", Text: "Acme: confirm this number at http://x/verify/abc (valid 24 h)."}
	err = s.SendSMS(context.Background(), m)
	if err == nil || !strings.Contains(err.Error(), "503") || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("a busy gateway: %v", err)
	}
	if err := s.SendSMS(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.got) != 1 || g.got[0]["to"] != m.To || g.got[0]["text"] != m.Text || g.auth[0] != "gh:s3cret" || g.ctype[0] != "application/json" {
		t.Fatalf("gateway got %v %v %v", g.got, g.auth, g.ctype)
	}
}

func TestNewSMSSender(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"ftp://x/send", "not a url", "http://"} {
		if _, err := NewSMSSender(bad, testLogger(t)); err == nil {
			t.Errorf("NewSMSSender(%q) accepted", bad)
		}
	}
	var buf bytes.Buffer
	s, err := NewSMSSender("", slog.New(slog.NewTextHandler(&buf, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(*LogSMSSender); !ok {
		t.Fatalf("NewSMSSender(\"\") = %T, want *LogSMSSender", s)
	}
	if err := s.SendSMS(context.Background(), SMS{To: "+14155550123", Text: "confirm at http://x/verify/tok"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"+14155550123", "links=[http://x/verify/tok]", "GATEHOUSE_SMS_URL"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("log lacks %q: %s", want, buf.String())
		}
	}
}

// TestWorkerSendsTextMessagesThroughTheSMSSender: the outbox's SMS rows go
// to the SMS gateway (retried like e-mails when it fails), its e-mails to
// the mail sender.
func TestWorkerSendsTextMessagesThroughTheSMSSender(t *testing.T) {
	t.Parallel()
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		ctx := context.Background()
		clk := newClock()
		g := &gateway{failNext: 1}
		srv := httptest.NewServer(g)
		t.Cleanup(srv.Close)
		sms, err := NewSMSSender(srv.URL+"/send", testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		mail := &countingSender{}
		queue(t, db.DB, clk.Now(), "ann@example.com")
		text := models.OutboxEmail{ToAddr: "+14155550123", TextBody: "confirm at http://x/verify/tok", Channel: models.ChannelSMS,
			NextAttemptAt: clk.Now(), CreatedAt: clk.Now()}
		modelstest.Must(t, db.DB.Create(&text))
		w := &Worker{DB: db.DB, Sender: mail, SMS: sms, Logger: testLogger(t), Now: clk.Now}
		if sent, failed, err := w.RunOnce(ctx); err != nil || sent != 1 || failed != 1 {
			t.Fatalf("first run: %d sent, %d failed, %v", sent, failed, err)
		}
		clk.Advance(DefaultMaxBackoff)
		if sent, failed, err := w.RunOnce(ctx); err != nil || sent != 1 || failed != 0 {
			t.Fatalf("second run: %d sent, %d failed, %v", sent, failed, err)
		}
		if mail.total() != 1 || mail.count["+14155550123"] != 0 {
			t.Fatalf("mail sender got %v", mail.count)
		}
		g.mu.Lock()
		defer g.mu.Unlock()
		if len(g.got) != 1 || g.got[0]["to"] != "+14155550123" {
			t.Fatalf("gateway got %v", g.got)
		}
		if got := reload(t, db.DB, text.ID); got.SentAt == nil || got.Attempts != 2 {
			t.Fatalf("sms row %+v", got)
		}
	})
}
