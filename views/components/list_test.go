package components

import (
	"bytes"
	"context"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"
)

func renderDoc(t *testing.T, c templ.Component) *goquery.Document {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestPaginationShowsRowsBothLinksAndThePageSize(t *testing.T) {
	doc := renderDoc(t, Pagination(Pager{PrevHref: "/l?q=a", NextHref: "/l?after=9&q=a", From: 26, To: 50,
		SizeAction: "/l", Size: 50, SizeKeep: [][2]string{{"q", "a"}}}))
	nav := doc.Find(`nav.pagination[aria-label="Pages"]`)
	if got := nav.Find(`[data-testid="showing"]`).Text(); got != "Showing 26–50" {
		t.Errorf("showing %q", got)
	}
	if h, _ := nav.Find(`a[rel="prev"]`).Attr("href"); h != "/l?q=a" || nav.Find(`a[rel="prev"]`).Text() != "← Previous" {
		t.Errorf("previous: %q %q", h, nav.Find(`a[rel="prev"]`).Text())
	}
	if h, _ := nav.Find(`a[rel="next"]`).Attr("href"); h != "/l?after=9&q=a" || nav.Find(`a[rel="next"]`).Text() != "Next →" {
		t.Errorf("next: %q", h)
	}
	form := nav.Find(`form.page-size[method="get"][action="/l"]`)
	if v, _ := form.Find(`select[name="limit"] option[selected]`).Attr("value"); v != "50" {
		t.Errorf("selected page size %q", v)
	}
	if form.Find(`option`).Length() != len(PageSizes) || form.Find(`input[type="hidden"][name="q"][value="a"]`).Length() != 1 {
		t.Error("page size chooser lacks its sizes or the search")
	}
	if form.Find(`label[for="f-limit"]`).Length() != 1 {
		t.Error("page size chooser has no label")
	}
	// An empty first page shows nothing at all.
	if doc := renderDoc(t, Pagination(Pager{SizeAction: "/l", Size: 25})); doc.Find("nav").Length() != 0 {
		t.Error("an empty list has a pagination")
	}
	if got := thousands(1234567); got != "1,234,567" {
		t.Errorf("thousands: %s", got)
	}
}

func TestConfirmAndDangerZone(t *testing.T) {
	doc := renderDoc(t, Confirm(DeleteConfirm{Title: "Delete Role", Action: "/r/1/delete", CSRF: "tok", Button: "Yes, delete this role", CancelHref: "/r/1",
		Typed: &Input{Label: "Type it", Name: "confirm"}}))
	s := doc.Find(`section.section-danger[data-testid="delete-confirm"]`)
	if s.Find("h2").Text() != "Delete Role" || s.Find(`form[method="post"][action="/r/1/delete"] input[name="_csrf"][value="tok"]`).Length() != 1 ||
		s.Find(`input[name="confirm"]`).Length() != 1 || s.Find(`button.button-danger`).Text() != "Yes, delete this role" ||
		s.Find(`a[href="/r/1"]`).Text() != "Cancel" {
		t.Errorf("confirmation: %s", must(s.Html()))
	}
	doc = renderDoc(t, Danger(DangerZone{ID: "danger-zone", Title: "Delete this role", Text: ": gone.", Href: "/r/1/delete", Button: "Delete role…"}))
	if z := doc.Find(`section#danger-zone`); z.Find("h2").Text() != "Danger zone" || z.Find(`a.button-danger[href="/r/1/delete"]`).Text() != "Delete role…" {
		t.Errorf("danger zone: %s", must(z.Html()))
	}
}

func must(s string, _ error) string { return s }
