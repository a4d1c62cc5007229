package handlers

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gatehouse/views/components"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// List parameters shared by every list: ?q= (the search), ?after= (the
// keyset cursor), ?prev= (the cursors of the pages before, for Previous),
// ?page= (the page's number, for "Showing 26–50") and ?limit= (the page
// size, remembered for the viewer in a cookie).
const (
	SearchMaxRunes  = 200
	PageSizeDefault = 25
	PageSizeMin     = 10
	PageSizeMax     = 100
	pageSizeCookie  = "gatehouse_page_size"
	// prevMax bounds the cursors a link carries back: Previous from
	// deeper than that returns to the first page.
	prevMax = 30
)

// ListParams are a list request's search, cursor and page size.
type ListParams struct {
	Search string // trimmed, at most SearchMaxRunes characters
	After  string // the keyset cursor, as sent ("" on the first page)
	Limit  int    // the page size, PageSizeMin..PageSizeMax
	Page   int    // 1-based
	prev   []string
	keep   url.Values // search and filters the list's links carry
}

// listParams reads a list request's parameters. A page size sent in ?limit=
// is remembered (a cookie for the tenant's pages); without one the
// remembered size, else PageSizeDefault.
func listParams(c echo.Context) ListParams {
	p := ListParams{Search: searchText(c.QueryParam("q")), After: c.QueryParam("after"), keep: url.Values{}}
	if len(p.After) > 200 {
		p.After = ""
	}
	if p.Search != "" {
		p.keep.Set("q", p.Search)
	}
	p.Limit = pageSize(c)
	if p.After != "" {
		qs := c.QueryParams()["prev"]
		for _, v := range qs {
			if v != "" && len(v) <= 200 {
				p.prev = append(p.prev, v)
			}
		}
		if len(p.prev) > prevMax {
			p.prev = p.prev[len(p.prev)-prevMax:]
		}
		p.Page = len(p.prev) + 2
		if n, err := strconv.Atoi(c.QueryParam("page")); err == nil && n >= p.Page && n <= 1_000_000 {
			p.Page = n
		}
	} else {
		p.Page = 1
	}
	return p
}

// searchText trims a search and cuts it at SearchMaxRunes characters,
// never inside one.
func searchText(q string) string {
	q = strings.ToValidUTF8(strings.TrimSpace(q), "")
	if utf8.RuneCountInString(q) > SearchMaxRunes {
		q = string([]rune(q)[:SearchMaxRunes])
	}
	return strings.TrimSpace(q)
}

// pageSize is the requested page size, remembered when sent.
func pageSize(c echo.Context) int {
	if raw := c.QueryParam("limit"); raw != "" {
		if n, err := strconv.Atoi(raw); err == nil {
			n = min(max(n, PageSizeMin), PageSizeMax)
			path := "/"
			if t, ok := render.Tenant(c); ok {
				path = "/t/" + t.Slug
			}
			c.SetCookie(&http.Cookie{Name: pageSizeCookie, Value: strconv.Itoa(n), Path: path, MaxAge: 365 * 24 * 3600,
				HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.Scheme() == "https"})
			return n
		}
	}
	if ck, err := c.Cookie(pageSizeCookie); err == nil {
		if n, err := strconv.Atoi(ck.Value); err == nil && n >= PageSizeMin && n <= PageSizeMax {
			return n
		}
	}
	return PageSizeDefault
}

// First is the same list's first page (after a form was re-rendered).
func (p ListParams) First() ListParams {
	p.After, p.prev, p.Page = "", nil, 1
	return p
}

// AfterID is the cursor as a positive id (0: the first page).
func (p ListParams) AfterID() int64 {
	n, err := strconv.ParseInt(p.After, 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// Keep makes the list's links (pages, page size) carry a filter; an empty
// value is left out.
func (p ListParams) Keep(name, value string) ListParams {
	k := url.Values{}
	for n, vs := range p.keep {
		k[n] = vs
	}
	if value != "" {
		k.Set(name, value)
	} else {
		k.Del(name)
	}
	p.keep = k
	return p
}

// Offset is how many rows come before this page (for "Showing 26–50").
func (p ListParams) Offset() int { return (p.Page - 1) * p.Limit }

// Pager builds the list's navigation: base is the list's URL, next the
// cursor of the next page ("" on the last page), shown the rows on this one.
func (p ListParams) Pager(base, next string, shown int) components.Pager {
	pg := components.Pager{SizeAction: base, Size: p.Limit}
	if shown > 0 {
		pg.From, pg.To = p.Offset()+1, p.Offset()+shown
	}
	for _, n := range slices.Sorted(maps.Keys(p.keep)) {
		for _, v := range p.keep[n] {
			pg.SizeKeep = append(pg.SizeKeep, [2]string{n, v})
		}
	}
	link := func(after string, prev []string, page int) string {
		v := url.Values{}
		for k, vs := range p.keep {
			v[k] = vs
		}
		if after != "" {
			v.Set("after", after)
			if len(prev) > 0 {
				v["prev"] = prev
			}
			v.Set("page", strconv.Itoa(page))
		}
		if len(v) == 0 {
			return base
		}
		return base + "?" + v.Encode()
	}
	if next != "" {
		prev := p.prev
		if p.After != "" {
			prev = append(append([]string(nil), p.prev...), p.After)
		}
		pg.NextHref = link(next, prev, p.Page+1)
	}
	if p.After != "" {
		if n := len(p.prev); n > 0 {
			pg.PrevHref = link(p.prev[n-1], p.prev[:n-1], p.Page-1)
		} else {
			pg.PrevHref = link("", nil, 1)
		}
	}
	return pg
}

// cursor writes a numeric next-page cursor ("" for none).
func cursor(id int64) string {
	if id <= 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}
