package passwords

import (
	_ "embed"
	"strings"
	"sync"
	"unicode"
)

// commonPasswordsText is the bundled list of common passwords, one per line,
// lowercased; lines starting with '#' are comments.
//
//go:embed common_passwords.txt
var commonPasswordsText string

// commonPasswords is the bundled list as a set of lowercased entries,
// built on first use.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, strings.Count(commonPasswordsText, "\n")+1)
	for line := range strings.Lines(commonPasswordsText) {
		line = strings.TrimRight(line, "\r\n")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		set[strings.ToLower(line)] = struct{}{}
	}
	return set
})

// IsCommon reports whether password (compared case-insensitively) is on
// the bundled list of the most common passwords, or is one of them with
// digits or punctuation added before or after ("password123456",
// "!!qwertyuiop2024"), or one character repeated: what length rules alone
// let through.
func IsCommon(password string) bool {
	p := strings.ToLower(password)
	set := commonPasswords()
	if _, ok := set[p]; ok {
		return true
	}
	if len(p) >= 4 && strings.Count(p, p[:1]) == len(p) {
		return true
	}
	base := strings.TrimFunc(p, func(r rune) bool { return unicode.IsDigit(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) || r == ' ' })
	if base != p {
		if _, ok := set[base]; ok {
			return true
		}
	}
	return false
}
