package mail

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
)

// SMS is one text message to one mobile number (E.164).
type SMS struct {
	To   string
	Text string
}

// SMSSender delivers a text message or says why it could not. The outbox
// worker retries failures as it does e-mails.
type SMSSender interface {
	SendSMS(ctx context.Context, m SMS) error
}

// NewSMSSender returns the SMSSender for gatewayURL (GATEHOUSE_SMS_URL):
//
//   - "" : a LogSMSSender; messages are written to logger, links included.
//   - http(s)://[user:pass@]host/path : an HTTPSMSSender posting each
//     message as JSON {"to": "+14155550123", "text": "..."} to that URL,
//     with HTTP basic authentication when the URL carries credentials.
func NewSMSSender(gatewayURL string, logger *slog.Logger) (SMSSender, error) {
	if logger == nil {
		logger = slog.Default()
	}
	gatewayURL = strings.TrimSpace(gatewayURL)
	if gatewayURL == "" {
		return &LogSMSSender{Logger: logger}, nil
	}
	u, err := url.Parse(gatewayURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("mail: GATEHOUSE_SMS_URL must be an http:// or https:// URL")
	}
	if u.Scheme == "http" && u.User != nil {
		if h := u.Hostname(); h != "localhost" && h != "127.0.0.1" && h != "::1" {
			logger.Warn("GATEHOUSE_SMS_URL sends credentials over plain HTTP", "host", h)
		}
	}
	return &HTTPSMSSender{URL: u, Client: &http.Client{Timeout: Timeout}}, nil
}

// LogSMSSender writes text messages to the log instead of sending them, so
// that a newcomer without an SMS gateway can follow their links.
type LogSMSSender struct {
	Logger *slog.Logger
}

// SendSMS logs m at Info level with the links it contains.
func (s *LogSMSSender) SendSMS(ctx context.Context, m SMS) error {
	logger := s.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger.InfoContext(ctx, "text message not sent (GATEHOUSE_SMS_URL is unset); here it is",
		"to", m.To, "links", linkRE.FindAllString(m.Text, -1), "text", m.Text)
	return nil
}

// HTTPSMSSender posts text messages to an HTTP SMS gateway.
type HTTPSMSSender struct {
	URL    *url.URL
	Client *http.Client
}

// SendSMS posts {"to", "text"} as JSON; any answer but 2xx is an error (the
// outbox tries again later).
func (s *HTTPSMSSender) SendSMS(ctx context.Context, m SMS) error {
	body, err := json.Marshal(struct {
		To   string `json:"to"`
		Text string `json:"text"`
	}{m.To, m.Text})
	if err != nil {
		return err
	}
	target := *s.URL
	target.User = nil
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target.String(), bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if s.URL.User != nil {
		pass, _ := s.URL.User.Password()
		req.SetBasicAuth(s.URL.User.Username(), pass)
	}
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: Timeout}
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("sms gateway: %w", redactURLError(err))
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("sms gateway answered %s: %s", resp.Status, strings.TrimSpace(string(snippet)))
	}
	return nil
}

// redactURLError keeps a URL error's operation and cause without the URL
// (it never carries credentials here, but query strings may hold tokens).
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}
