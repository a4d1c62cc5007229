package models_test

import (
	"strings"
	"testing"

	"gatehouse/models"
)

func TestCheckEmail(t *testing.T) {
	long := strings.Repeat("a", 64) + "@" + strings.Repeat("b", 185) + ".test" // 255 bytes
	for _, c := range []struct {
		in, want string // want "" = refused
	}{
		{"ann@example.com", "ann@example.com"},
		{"  Ann.Smith+tag@Example.COM ", "ann.smith+tag@example.com"},
		{"ann@localhost", "ann@localhost"},
		{"josé@exämple.com", "josé@exämple.com"}, // valid UTF-8 (RFC 6532)
		{long[1:], long[1:]},                     // 254 bytes: the limit
		{long, ""},                               // 255 bytes
		{"ad\xffa@example.com", ""},              // invalid UTF-8
		{"ann@exa\xc3mple.com", ""},              // truncated sequence
		{"\xffann@example.com", ""},              // invalid before anything is trimmed
		{"ann@example.com\xff", ""},
		{"ann\x00@example.com", ""}, // control characters
		{"ann@example.com\r\nBcc: x@evil.test", ""},
		{"ann\t@example.com", ""},
		{"ann\u202e@example.com", ""}, // a bidi override (format character)
		{"ann\u200b@example.com", ""}, // zero-width space
		{"an n@example.com", ""},      // spaces
		{"ann@exa\u00a0mple.com", ""}, // no-break space
		{"", ""},
		{"   ", ""},
		{"@example.com", ""}, // no local part
		{"ann@", ""},         // no domain
		{"ann", ""},
		{"ann@@example.com", ""},
		{"Ann <ann@example.com>", ""}, // a display name
		{"ann@example.com (Ann)", ""}, // a comment
		{"ann@exa mple.com", ""},
	} {
		got, msg := models.CheckEmail(c.in)
		switch {
		case c.want == "" && msg == "":
			t.Errorf("CheckEmail(%q) = %q, accepted; want refused", c.in, got)
		case c.want != "" && (msg != "" || got != c.want):
			t.Errorf("CheckEmail(%q) = %q, %q; want %q", c.in, got, msg, c.want)
		}
		if models.ValidEmail(c.in) != (c.want != "") {
			t.Errorf("ValidEmail(%q) = %v", c.in, !(c.want != ""))
		}
	}
	if _, msg := models.CheckEmail("ad\xffa@example.com"); !strings.Contains(msg, "UTF-8") {
		t.Errorf("invalid UTF-8 is not named: %q", msg)
	}
}
