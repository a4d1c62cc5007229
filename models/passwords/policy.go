package passwords

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Bounds on policy settings and on password length.
const (
	// MinLengthLowerBound is the smallest minimum length a Policy may set;
	// Check never enforces less than this.
	MinLengthLowerBound = 8
	// MinLengthUpperBound is the largest minimum length a Policy may set.
	MinLengthUpperBound = 128
	// MaxPasswordLength is the longest password accepted, in bytes. Longer
	// ones are refused to bound the cost of hashing.
	MaxPasswordLength = 1024
)

// Rule names reported in Violation.Rule.
const (
	RuleMinLength        = "min_length"
	RuleMaxLength        = "max_length"
	RuleRequireLowercase = "require_lowercase"
	RuleRequireUppercase = "require_uppercase"
	RuleRequireDigit     = "require_digit"
	RuleRequireSymbol    = "require_symbol"
	RuleRejectCommon     = "reject_common"
)

// Policy is the set of rules a new password must satisfy.
type Policy struct {
	// MinLength is the minimum length in Unicode code points. Check clamps
	// it to [MinLengthLowerBound, MinLengthUpperBound].
	MinLength        int
	RequireLowercase bool
	RequireUppercase bool
	RequireDigit     bool
	// RequireSymbol requires a rune that is neither a letter nor a digit
	// (punctuation, symbols, spaces, ...).
	RequireSymbol bool
	// RejectCommon refuses passwords on the bundled common-password list.
	RejectCommon bool
	// History is how many previous passwords may not be reused (0 = no
	// restriction). Check does not enforce it: that needs the account's
	// previous hashes, which the caller compares with Verify.
	History int
}

// DefaultPolicy returns the default policy: at least 12 characters and
// not a common password.
func DefaultPolicy() Policy {
	return Policy{MinLength: 12, RejectCommon: true}
}

// Normalized returns p with MinLength clamped to
// [MinLengthLowerBound, MinLengthUpperBound] and History at least 0.
func (p Policy) Normalized() Policy {
	p.MinLength = min(max(p.MinLength, MinLengthLowerBound), MinLengthUpperBound)
	p.History = max(p.History, 0)
	return p
}

// Violation is one rule a password breaks.
type Violation struct {
	Rule    string // one of the Rule* constants
	Message string // human sentence, e.g. "Use at least 12 characters."
}

// Check returns every rule of p that password violates; an empty result
// means the password is acceptable. Length is counted in Unicode code
// points, except the MaxPasswordLength limit which is in bytes.
func (p Policy) Check(password string) []Violation {
	p = p.Normalized()
	var vs []Violation
	add := func(rule, msg string) { vs = append(vs, Violation{Rule: rule, Message: msg}) }

	if utf8.RuneCountInString(password) < p.MinLength {
		add(RuleMinLength, fmt.Sprintf("Use at least %d characters.", p.MinLength))
	}
	if len(password) > MaxPasswordLength {
		add(RuleMaxLength, fmt.Sprintf("Use no more than %d characters.", MaxPasswordLength))
	}

	var lower, upper, digit, symbol bool
	for _, r := range password {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		case !unicode.IsLetter(r):
			symbol = true
		}
	}
	if p.RequireLowercase && !lower {
		add(RuleRequireLowercase, "Add a lowercase letter.")
	}
	if p.RequireUppercase && !upper {
		add(RuleRequireUppercase, "Add an uppercase letter.")
	}
	if p.RequireDigit && !digit {
		add(RuleRequireDigit, "Add a digit.")
	}
	if p.RequireSymbol && !symbol {
		add(RuleRequireSymbol, "Add a symbol or punctuation mark, such as ! or #.")
	}
	if p.RejectCommon && IsCommon(password) {
		add(RuleRejectCommon, "This password is too common; choose another.")
	}
	return vs
}

// Describe returns one human line per rule of p, for help text under a
// password field.
func (p Policy) Describe() []string {
	p = p.Normalized()
	lines := []string{fmt.Sprintf("At least %d characters", p.MinLength)}
	if p.RequireLowercase {
		lines = append(lines, "At least one lowercase letter")
	}
	if p.RequireUppercase {
		lines = append(lines, "At least one uppercase letter")
	}
	if p.RequireDigit {
		lines = append(lines, "At least one digit")
	}
	if p.RequireSymbol {
		lines = append(lines, "At least one symbol or punctuation mark")
	}
	if p.RejectCommon {
		lines = append(lines, "Not one of the most common passwords")
	}
	switch {
	case p.History == 1:
		lines = append(lines, "Different from your previous password")
	case p.History > 1:
		lines = append(lines, fmt.Sprintf("Different from your last %d passwords", p.History))
	}
	return lines
}
