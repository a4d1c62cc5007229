package webhook_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"gatehouse/web/webhook"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) // Unix 1767225600

func TestSignKnownVector(t *testing.T) {
	// Computed independently: python3 -c 'import hmac,hashlib;
	// print(hmac.new(b"whsec_test", b"1767225600.{...}", hashlib.sha256).hexdigest())'
	body := []byte(`{"event":"user.created","id":"evt_1"}`)
	want := "t=1767225600,v1=39d47af09e624613e8395dbcb807553ae0bdfcec087fceacff73ce1d8e715472"
	if got := webhook.Sign("whsec_test", t0, body); got != want {
		t.Fatalf("Sign = %q\nwant  %q", got, want)
	}
	if err := webhook.Verify(want, "whsec_test", body, t0.Add(time.Minute), webhook.DefaultTolerance); err != nil {
		t.Fatal(err)
	}
}

func TestVerify(t *testing.T) {
	body := []byte(`{"event":"webhook.test"}`)
	good := webhook.Sign("s3cret", t0, body)
	other := webhook.Sign("old-secret", t0, body)
	v1 := func(h string) string { _, v, _ := strings.Cut(h, ",v1="); return v }

	for name, tc := range map[string]struct {
		header, secret string
		body           []byte
		now            time.Time
		want           error
	}{
		"valid":                  {good, "s3cret", body, t0, nil},
		"at the tolerance":       {good, "s3cret", body, t0.Add(webhook.DefaultTolerance), nil},
		"clock behind":           {good, "s3cret", body, t0.Add(-webhook.DefaultTolerance), nil},
		"spaces and unknown key": {"t=1767225600, v0=abc , v1=" + v1(good), "s3cret", body, t0, nil},
		"rolled secret":          {"t=1767225600,v1=" + v1(other) + ",v1=" + v1(good), "s3cret", body, t0, nil},
		"tampered body":          {good, "s3cret", append(bytes.Clone(body), ' '), t0, webhook.ErrSignatureMismatch},
		"wrong secret":           {good, "S3cret", body, t0, webhook.ErrSignatureMismatch},
		"timestamp changed":      {strings.Replace(good, "t=1767225600", "t=1767225601", 1), "s3cret", body, t0, webhook.ErrSignatureMismatch},
		"too old":                {good, "s3cret", body, t0.Add(webhook.DefaultTolerance + time.Second), webhook.ErrSignatureTimestamp},
		"from the future":        {good, "s3cret", body, t0.Add(-webhook.DefaultTolerance - time.Second), webhook.ErrSignatureTimestamp},
		"empty":                  {"", "s3cret", body, t0, webhook.ErrSignatureMalformed},
		"no v1":                  {"t=1767225600", "s3cret", body, t0, webhook.ErrSignatureMalformed},
		"no t":                   {"v1=" + v1(good), "s3cret", body, t0, webhook.ErrSignatureMalformed},
		"two t":                  {"t=1767225600,t=1,v1=" + v1(good), "s3cret", body, t0, webhook.ErrSignatureMalformed},
		"t not a number":         {"t=yesterday,v1=" + v1(good), "s3cret", body, t0, webhook.ErrSignatureMalformed},
		"t with a plus":          {"t=+1767225600,v1=" + v1(good), "s3cret", body, t0, webhook.ErrSignatureMalformed},
		"v1 not hex":             {"t=1767225600,v1=zz", "s3cret", body, t0, webhook.ErrSignatureMalformed},
		"v1 truncated":           {"t=1767225600,v1=" + v1(good)[:32], "s3cret", body, t0, webhook.ErrSignatureMalformed},
		"not key=value":          {"sha256=" + v1(good) + ",garbage", "s3cret", body, t0, webhook.ErrSignatureMalformed},
	} {
		t.Run(name, func(t *testing.T) {
			err := webhook.Verify(tc.header, tc.secret, tc.body, tc.now, webhook.DefaultTolerance)
			if tc.want == nil && err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestNewSecret(t *testing.T) {
	a, err := webhook.NewSecret(bytes.NewReader(bytes.Repeat([]byte{1}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	if a != "whsec_AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE" {
		t.Errorf("secret = %q", a)
	}
	if _, err := webhook.NewSecret(bytes.NewReader(make([]byte, 31))); err == nil {
		t.Error("a short random source gave a secret")
	}
}
