package passwords

import (
	_ "embed"
	"strings"
	"sync"
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
// the bundled list of the most common passwords.
func IsCommon(password string) bool {
	_, ok := commonPasswords()[strings.ToLower(password)]
	return ok
}
