package components

import "strconv"

// Pager is the navigation of a keyset-paginated list: Previous, Next,
// which rows are shown ("Showing 26–50") and the page size chooser.
// Build it with handlers' ListParams.Pager.
type Pager struct {
	PrevHref, NextHref string
	// PrevLabel and NextLabel replace "Previous" and "Next" (e.g. "Newer
	// events", "Search older users").
	PrevLabel, NextLabel string
	From, To             int    // the rows shown, 1-based; 0 when none
	Note                 string // a remark beside the counts
	// SizeAction is the list's URL the page size chooser submits to (""
	// offers no chooser), Size the current page size, SizeKeep the search
	// and filters it keeps (name, value pairs).
	SizeAction string
	Size       int
	SizeKeep   [][2]string
}

// PageSizes are the page sizes a list offers.
var PageSizes = []int{10, 25, 50, 100}

func (p Pager) visible() bool { return p.From > 0 || p.PrevHref != "" || p.NextHref != "" }

func (p Pager) prevLabel() string {
	if p.PrevLabel != "" {
		return p.PrevLabel
	}
	return "Previous"
}

func (p Pager) nextLabel() string {
	if p.NextLabel != "" {
		return p.NextLabel
	}
	return "Next"
}

func (p Pager) showing() string {
	if p.From <= 0 {
		return ""
	}
	return "Showing " + thousands(p.From) + "–" + thousands(p.To)
}

// thousands writes n with comma separators (12,345).
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
