package models

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxEmailBytes is the longest e-mail address taken, in bytes (RFC 5321's
// path limit less its angle brackets).
const MaxEmailBytes = 254

// CheckEmail is the one check of an e-mail address typed anywhere (Create
// New, Manage Access, users, organization members and invitations,
// sign-in, the command line). It returns the address normalised (trimmed,
// lowercased) and "" when raw is acceptable, or a message to show beside
// the field. In order: raw must be valid UTF-8 (checked before anything
// is normalised, so no byte is silently replaced); after trimming, it
// must hold no control or format character and no space, be at most
// MaxEmailBytes bytes, and be a plain address (no display name, no
// comment) with a local part and a domain.
func CheckEmail(raw string) (string, string) {
	if !utf8.ValidString(raw) {
		return "", "The e-mail address contains bytes that are not valid text (UTF-8)."
	}
	e := strings.TrimSpace(raw)
	if e == "" {
		return "", "Enter an e-mail address, like name@example.com."
	}
	for _, r := range e {
		switch {
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			return "", "The e-mail address contains a control or invisible character."
		case unicode.IsSpace(r):
			return "", "An e-mail address has no spaces."
		}
	}
	if len(e) > MaxEmailBytes {
		return "", "An e-mail address is at most 254 bytes long."
	}
	at := strings.LastIndexByte(e, '@')
	if at <= 0 || at == len(e)-1 {
		return "", "Enter an e-mail address with a name, an @ and a domain, like name@example.com."
	}
	e = strings.ToLower(e)
	if a, err := mail.ParseAddress(e); err != nil || a.Address != e {
		return "", "Enter a valid e-mail address, like name@example.com."
	}
	return e, ""
}

// ValidEmail reports whether e is an acceptable e-mail address as typed
// (CheckEmail says nothing against it).
func ValidEmail(e string) bool {
	_, msg := CheckEmail(e)
	return msg == ""
}
