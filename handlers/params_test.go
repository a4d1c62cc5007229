package handlers

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

func listRequest(query string, cookies ...*http.Cookie) (echo.Context, *httptest.ResponseRecorder) {
	req := httptest.NewRequest(http.MethodGet, "/t/acme/users?"+query, nil)
	for _, ck := range cookies {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	return echo.New().NewContext(req, rec), rec
}

func TestSearchTextCutsAtCharacters(t *testing.T) {
	long := strings.Repeat("é", 150) + strings.Repeat("ß", 100) // 250 two-byte characters
	got := searchText("  " + long + "  ")
	if !utf8.ValidString(got) || utf8.RuneCountInString(got) != SearchMaxRunes {
		t.Fatalf("cut to %d runes, valid %v", utf8.RuneCountInString(got), utf8.ValidString(got))
	}
	if searchText("  acme \xff") != "acme" {
		t.Fatalf("invalid bytes or spaces kept: %q", searchText("  acme \xff"))
	}
}

func TestPageSizeChosenAndRemembered(t *testing.T) {
	c, rec := listRequest("limit=50")
	if p := listParams(c); p.Limit != 50 {
		t.Fatalf("limit=50 gave %d", p.Limit)
	}
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 || cookies[0].Name != pageSizeCookie || cookies[0].Value != "50" || !cookies[0].HttpOnly {
		t.Fatalf("page size not remembered: %+v", cookies)
	}
	// The next list, without ?limit=, uses the remembered size.
	if c, _ := listRequest("", cookies[0]); listParams(c).Limit != 50 {
		t.Fatal("the remembered page size was not used")
	}
	for q, want := range map[string]int{"": PageSizeDefault, "limit=3": PageSizeMin, "limit=1000": PageSizeMax, "limit=x": PageSizeDefault} {
		if c, _ := listRequest(q); listParams(c).Limit != want {
			t.Errorf("%q: limit %d, want %d", q, listParams(c).Limit, want)
		}
	}
	if c, _ := listRequest("", &http.Cookie{Name: pageSizeCookie, Value: "5000"}); listParams(c).Limit != PageSizeDefault {
		t.Error("a forged cookie's size was used")
	}
}

// Walking forward with Next and back with Previous visits the same pages,
// and each says which rows it shows.
func TestPagerWalksBothWays(t *testing.T) {
	base := "/t/acme/users"
	c, _ := listRequest("q=ann&limit=25")
	p := listParams(c)
	pg := p.Pager(base, "c1", 25)
	if pg.PrevHref != "" || pg.From != 1 || pg.To != 25 || pg.Size != 25 {
		t.Fatalf("first page: %+v", pg)
	}
	hrefs := []string{base + "?q=ann"}
	cursors := []string{"c1", "c2", "c3", ""}
	for i := 0; i < 3; i++ {
		u, _ := url.Parse(pg.NextHref)
		if u.Query().Get("q") != "ann" || u.Query().Get("after") != cursors[i] {
			t.Fatalf("page %d: next %s", i+2, pg.NextHref)
		}
		hrefs = append(hrefs, pg.NextHref)
		c, _ := listRequest(u.RawQuery + "&limit=25")
		p = listParams(c)
		pg = p.Pager(base, cursors[i+1], 25)
		if want := (i+1)*25 + 1; pg.From != want || pg.To != want+24 {
			t.Fatalf("page %d shows %d–%d", i+2, pg.From, pg.To)
		}
	}
	if pg.NextHref != "" {
		t.Fatal("the last page offers Next")
	}
	// Back: each Previous is the link that led forward to the page before.
	for i := len(hrefs) - 2; i >= 0; i-- {
		if pg.PrevHref != hrefs[i] {
			t.Fatalf("previous of page %d = %s, want %s", i+2, pg.PrevHref, hrefs[i])
		}
		u, _ := url.Parse(pg.PrevHref)
		c, _ := listRequest(u.RawQuery + "&limit=25")
		p = listParams(c)
		pg = p.Pager(base, "x", 25)
	}
	if pg.PrevHref != "" || pg.From != 1 {
		t.Fatalf("back on the first page: %+v", pg)
	}
}
