// Package components holds small reusable view parts: fields with their
// errors, badges, the CSRF input.
package components

import "strconv"

func inputType(t string) string {
	if t == "" {
		return "text"
	}
	return t
}

func itoa(n int) string { return strconv.Itoa(n) }

// id is what the field's ids are built from: ID, else Name.
func (in Input) id() string {
	if in.ID != "" {
		return in.ID
	}
	return in.Name
}
