package charts_test

import (
	"bytes"
	"context"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"gatehouse/views/components/charts"
)

var march1 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

func renderHTML(t *testing.T, render func(*bytes.Buffer) error) *goquery.Document {
	t.Helper()
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	// The CSP forbids inline style and script: nothing may carry them.
	if n := doc.Find("[style], script, style").Length(); n != 0 {
		t.Fatalf("%d elements with a style attribute, a script or a style element", n)
	}
	doc.Find("*").Each(func(_ int, s *goquery.Selection) {
		for _, a := range s.Nodes[0].Attr {
			if strings.HasPrefix(strings.ToLower(a.Key), "on") {
				t.Errorf("event handler attribute %s", a.Key)
			}
		}
	})
	return doc
}

func daily(t *testing.T, c charts.DailyChart) *goquery.Document {
	return renderHTML(t, func(b *bytes.Buffer) error { return charts.Daily(c).Render(context.Background(), b) })
}

func barsDoc(t *testing.T, c charts.BarChart) *goquery.Document {
	return renderHTML(t, func(b *bytes.Buffer) error { return charts.Bars(c).Render(context.Background(), b) })
}

func texts(s *goquery.Selection) []string {
	var out []string
	s.Each(func(_ int, e *goquery.Selection) { out = append(out, strings.TrimSpace(e.Text())) })
	return out
}

func attrFloat(t *testing.T, s *goquery.Selection, name string) float64 {
	t.Helper()
	v, ok := s.Attr(name)
	if !ok {
		t.Fatalf("no %s attribute on %s", name, goquery.NodeName(s))
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, v, err)
	}
	return f
}

func sampleDays(n int) []charts.Day {
	days := charts.FillDays(march1, n, nil)
	for i := range days {
		days[i].Successes = 40 + (i*37)%50
		days[i].Failures = (i * 13) % 9
	}
	return days
}

func TestNiceTicks(t *testing.T) {
	for _, tc := range []struct {
		max, n int
		want   []int
	}{
		{0, 5, []int{0, 1}},
		{-3, 5, []int{0, 1}},
		{1, 5, []int{0, 1}},
		{3, 5, []int{0, 1, 2, 3}},
		{7, 5, []int{0, 2, 4, 6, 8}},
		{10, 5, []int{0, 2, 4, 6, 8, 10}},
		{87, 5, []int{0, 20, 40, 60, 80, 100}},
		{95, 5, []int{0, 20, 40, 60, 80, 100}},
		{100, 5, []int{0, 20, 40, 60, 80, 100}},
		{101, 5, []int{0, 50, 100, 150}},
		{1234, 5, []int{0, 500, 1000, 1500}},
		{48_213, 4, []int{0, 20000, 40000, 60000}},
		{9_876_543, 5, []int{0, 2_000_000, 4_000_000, 6_000_000, 8_000_000, 10_000_000}},
	} {
		if got := charts.NiceTicks(tc.max, tc.n); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("NiceTicks(%d, %d) = %v, want %v", tc.max, tc.n, got, tc.want)
		}
	}
}

func TestFormatCountAndFillDays(t *testing.T) {
	for n, want := range map[int]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := charts.FormatCount(n); got != want {
			t.Errorf("FormatCount(%d) = %q", n, got)
		}
	}
	// Gaps are zero days; rows are matched by UTC date and added up; rows
	// outside the range are dropped.
	paris := time.FixedZone("CET", 3600)
	days := charts.FillDays(time.Date(2026, 3, 1, 15, 0, 0, 0, paris), 3, []charts.Day{
		{Date: time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC), Successes: 5, Failures: 1},
		{Date: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), Successes: 2},
		{Date: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Successes: 1, Failures: 3},
		{Date: time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC), Successes: 99},
	})
	want := []charts.Day{
		{Date: march1, Successes: 3, Failures: 3},
		{Date: march1.AddDate(0, 0, 1)},
		{Date: march1.AddDate(0, 0, 2), Successes: 5, Failures: 1},
	}
	if !reflect.DeepEqual(days, want) {
		t.Errorf("FillDays = %+v", days)
	}
}

func TestDailyStackedBars(t *testing.T) {
	days := sampleDays(30)
	days[4] = charts.Day{Date: days[4].Date} // a day without sign-ins
	days[6].Failures = 0
	doc := daily(t, charts.DailyChart{ID: "signins", Title: "Sign-ins per day, last 30 days", Days: days})

	fig := doc.Find("figure#signins.chart")
	if fig.Length() != 1 {
		t.Fatal("no figure#signins")
	}
	svg := fig.Find("svg[role=img]")
	if svg.Length() != 1 {
		t.Fatal("no svg role=img")
	}
	if got, _ := svg.Attr("aria-labelledby"); got != "signins-title signins-desc" {
		t.Errorf("aria-labelledby = %q", got)
	}
	if got := strings.TrimSpace(svg.Find("title#signins-title").Text()); got != "Sign-ins per day, last 30 days" {
		t.Errorf("title = %q", got)
	}
	total := 0
	failures := 0
	for _, d := range days {
		total += d.Successes
		failures += d.Failures
	}
	desc := svg.Find("desc#signins-desc").Text()
	for _, want := range []string{"30 days", "Sun 1 Mar 2026", "Mon 30 Mar 2026", charts.FormatCount(total) + " successful sign-ins", charts.FormatCount(failures) + " failed sign-ins"} {
		if !strings.Contains(desc, want) {
			t.Errorf("desc %q does not say %q", desc, want)
		}
	}

	// One group per day; a bar per non-zero value.
	groups := svg.Find("g.chart-day")
	if groups.Length() != 30 {
		t.Fatalf("%d day groups, want 30", groups.Length())
	}
	if d, _ := groups.Eq(4).Attr("data-date"); d != "2026-03-05" || groups.Eq(4).Find("rect").Length() != 0 {
		t.Errorf("the empty day 2026-03-05: %q with %d bars", d, groups.Eq(4).Find("rect").Length())
	}
	wantOK, wantKO := 0, 0
	for _, d := range days {
		if d.Successes > 0 {
			wantOK++
		}
		if d.Failures > 0 {
			wantKO++
		}
	}
	if n := svg.Find("rect.chart-bar.chart-series-success").Length(); n != wantOK {
		t.Errorf("%d success bars, want %d", n, wantOK)
	}
	if n := svg.Find("rect.chart-bar.chart-series-failure").Length(); n != wantKO {
		t.Errorf("%d failure bars, want %d", n, wantKO)
	}

	// Y ticks are round numbers covering the highest day.
	if got := texts(svg.Find("text.chart-tick-y")); !reflect.DeepEqual(got, []string{"0", "20", "40", "60", "80", "100"}) {
		t.Errorf("y ticks %q", got)
	}
	// At most 8 date labels, the last day always among them.
	xs := texts(svg.Find("text.chart-tick-x"))
	if len(xs) > 8 || len(xs) < 4 || xs[len(xs)-1] != "30 Mar" {
		t.Errorf("x labels %q", xs)
	}

	// Heights are to scale: a bar's height over the plot height is its value
	// over the top tick (100). The plot runs from the 0 gridline to the top.
	grid := svg.Find("line.chart-gridline")
	zero := attrFloat(t, grid.First(), "y1")
	hundred := attrFloat(t, grid.Last(), "y1")
	first := groups.Eq(1).Find("rect.chart-series-success")
	if h := attrFloat(t, first, "height"); abs(h-(zero-hundred)*float64(days[1].Successes)/100) > 0.2 {
		t.Errorf("bar of %d is %.1f high on a plot of %.1f", days[1].Successes, h, zero-hundred)
	}
	// Failures sit on top of successes.
	ko := groups.Eq(1).Find("rect.chart-series-failure")
	if y := attrFloat(t, first, "y"); abs(attrFloat(t, ko, "y")+attrFloat(t, ko, "height")-y) > 0.2 {
		t.Error("the failure bar is not stacked on the success bar")
	}
	if got := strings.TrimSpace(first.Find("title").Text()); got != "Mon 2 Mar 2026: 77 successes" {
		t.Errorf("bar tooltip %q", got)
	}

	// The table beside: one row per day and the totals.
	rows := fig.Find("table.chart-table tbody tr")
	if rows.Length() != 30 {
		t.Fatalf("%d table rows", rows.Length())
	}
	if got := texts(rows.Eq(1).Find("th, td")); !reflect.DeepEqual(got, []string{"Mon 2 Mar 2026", "77", "4", "81"}) {
		t.Errorf("row 2 = %q", got)
	}
	if dt, _ := rows.Eq(1).Find("time").Attr("datetime"); dt != "2026-03-02" {
		t.Errorf("datetime %q", dt)
	}
	foot := texts(fig.Find("table.chart-table tfoot tr").Find("th, td"))
	if !reflect.DeepEqual(foot, []string{"Total", charts.FormatCount(total), charts.FormatCount(failures), charts.FormatCount(total + failures)}) {
		t.Errorf("totals %q", foot)
	}
	if got := texts(fig.Find("table caption")); len(got) != 1 || !strings.HasPrefix(got[0], "Sign-ins per day") {
		t.Errorf("caption %q", got)
	}
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

func TestDailyLines(t *testing.T) {
	days := sampleDays(7)
	doc := daily(t, charts.DailyChart{ID: "week", Title: "Last 7 days", Days: days, Style: charts.Lines})
	svg := doc.Find("#week svg")
	lines := svg.Find("polyline.chart-line")
	if lines.Length() != 2 {
		t.Fatalf("%d lines", lines.Length())
	}
	for i, class := range []string{"chart-series-success", "chart-series-failure"} {
		if !lines.Eq(i).HasClass(class) {
			t.Errorf("line %d is not %s", i, class)
		}
		pts, _ := lines.Eq(i).Attr("points")
		if n := len(strings.Fields(pts)); n != 7 {
			t.Errorf("line %d has %d points", i, n)
		}
	}
	if n := svg.Find("circle.chart-point").Length(); n != 14 {
		t.Errorf("%d points, want 14", n)
	}
	if n := svg.Find("rect").Length(); n != 0 {
		t.Errorf("%d rects in a line chart", n)
	}
	// Every day is labelled when there are 7.
	if got := texts(svg.Find("text.chart-tick-x")); !reflect.DeepEqual(got, []string{"1 Mar", "2 Mar", "3 Mar", "4 Mar", "5 Mar", "6 Mar", "7 Mar"}) {
		t.Errorf("x labels %q", got)
	}
	// The scale follows the higher series, not the sum.
	if got := texts(svg.Find("text.chart-tick-y")); !reflect.DeepEqual(got, []string{"0", "20", "40", "60", "80", "100"}) {
		t.Errorf("y ticks %q", got)
	}
	if doc.Find("#week table tbody tr").Length() != 7 {
		t.Error("table rows")
	}
}

func TestDaily90DaysAndLargeNumbers(t *testing.T) {
	days := charts.FillDays(march1, 90, nil)
	for i := range days {
		days[i].Successes = 100_000 + i*1000
		days[i].Failures = 2_500
	}
	doc := daily(t, charts.DailyChart{ID: "q", Title: "90 days", Days: days})
	if n := doc.Find("g.chart-day").Length(); n != 90 {
		t.Errorf("%d day groups", n)
	}
	if n := doc.Find("text.chart-tick-x").Length(); n > 8 {
		t.Errorf("%d date labels for 90 days", n)
	}
	if got := texts(doc.Find("text.chart-tick-y")); !reflect.DeepEqual(got, []string{"0", "50k", "100k", "150k", "200k"}) {
		t.Errorf("y ticks %q", got)
	}
	if doc.Find("table tbody tr").Length() != 90 {
		t.Error("table rows")
	}
	// No bar leaves the plot.
	doc.Find("rect.chart-bar").Each(func(_ int, r *goquery.Selection) {
		if attrFloat(t, r, "y") < 0 || attrFloat(t, r, "height") < 0 || attrFloat(t, r, "x")+attrFloat(t, r, "width") > 720 {
			t.Errorf("bar outside the plot: %v", r.Nodes[0].Attr)
		}
	})
}

func TestDailyEmpty(t *testing.T) {
	for name, days := range map[string][]charts.Day{
		"no days":      nil,
		"only zeroes":  charts.FillDays(march1, 30, nil),
		"zero-day set": {{Date: march1}},
	} {
		t.Run(name, func(t *testing.T) {
			doc := daily(t, charts.DailyChart{ID: "d", Title: "Sign-ins per day", Days: days})
			empty := doc.Find("#d.chart-empty")
			if empty.Length() != 1 || strings.TrimSpace(empty.Find("p").Text()) != "No sign-ins in this period." || strings.TrimSpace(empty.Find("h3").Text()) != "Sign-ins per day" {
				t.Errorf("empty state: %q", empty.Text())
			}
			if doc.Find("svg, table").Length() != 0 {
				t.Error("a chart or a table with nothing in it")
			}
		})
	}
	doc := daily(t, charts.DailyChart{ID: "d", Days: nil, Empty: "No sign-ins in the last 7 days."})
	if got := strings.TrimSpace(doc.Find(".chart-empty p").Text()); got != "No sign-ins in the last 7 days." {
		t.Errorf("custom empty text %q", got)
	}
	// A single failure is not empty.
	doc = daily(t, charts.DailyChart{ID: "d", Days: []charts.Day{{Date: march1, Failures: 1}}})
	if doc.Find("rect.chart-series-failure").Length() != 1 || doc.Find(".chart-empty").Length() != 0 {
		t.Error("one failure: not drawn")
	}
	if got := texts(doc.Find("text.chart-tick-y")); !reflect.DeepEqual(got, []string{"0", "1"}) {
		t.Errorf("y ticks %q", got)
	}
}

func TestBars(t *testing.T) {
	doc := barsDoc(t, charts.BarChart{
		ID: "by-idp", Title: "Sign-ins by identity provider", LabelHeader: "Identity provider", ValueHeader: "Sign-ins",
		Bars: []charts.Bar{
			{Label: "GitHub", Value: 0},
			{Label: "Built in Admin IDP", Value: 87},
			{Label: "Google", Value: 1200},
			{Label: "Okta SAML for the Very Long Enterprise Name Inc.", Value: 640},
			{Label: "<script>alert(1)</script>", Value: 87},
		},
	})
	fig := doc.Find("figure#by-idp.chart-bars")
	svg := fig.Find("svg[role=img]")
	if svg.Length() != 1 {
		t.Fatal("no svg")
	}
	if got, _ := svg.Attr("aria-labelledby"); got != "by-idp-title by-idp-desc" {
		t.Errorf("aria-labelledby %q", got)
	}
	desc := svg.Find("desc").Text()
	if !strings.Contains(desc, "2,014 in all") || !strings.Contains(desc, "Google with 1,200 (60%)") {
		t.Errorf("desc %q", desc)
	}

	// Largest first, ties by label; zero keeps its row but draws no bar.
	rows := svg.Find("g.chart-row")
	if rows.Length() != 5 {
		t.Fatalf("%d rows", rows.Length())
	}
	labels := []string{}
	rows.Each(func(_ int, r *goquery.Selection) {
		labels = append(labels, strings.TrimSpace(r.Find("text.chart-label").Contents().First().Text()))
	})
	want := []string{"Google", "Okta SAML for the Very Long…", "<script>alert(1)</script>", "Built in Admin IDP", "GitHub"}
	if !reflect.DeepEqual(labels, want) {
		t.Errorf("labels %q, want %q", labels, want)
	}
	// A shortened label keeps the full one as its tooltip.
	if got := strings.TrimSpace(rows.Eq(1).Find("text.chart-label title").Text()); got != "Okta SAML for the Very Long Enterprise Name Inc." {
		t.Errorf("full label %q", got)
	}
	if rows.Eq(0).Find("text.chart-label title").Length() != 0 {
		t.Error("a short label has a tooltip")
	}
	if n := svg.Find("rect.chart-bar").Length(); n != 4 {
		t.Errorf("%d bars, want 4 (no bar for 0)", n)
	}
	if rows.Eq(4).Find("rect").Length() != 0 || strings.TrimSpace(rows.Eq(4).Find("text.chart-value").Text()) != "0" {
		t.Error("the zero row")
	}

	// Widths are to scale against the round top tick (1,500).
	if got := texts(svg.Find("text.chart-tick-x")); !reflect.DeepEqual(got, []string{"0", "500", "1,000", "1,500"}) {
		t.Errorf("ticks %q", got)
	}
	grid := svg.Find("line.chart-gridline")
	plot := attrFloat(t, grid.Last(), "x1") - attrFloat(t, grid.First(), "x1")
	for i, v := range []float64{1200, 640, 87, 87} {
		w := attrFloat(t, rows.Eq(i).Find("rect"), "width")
		if abs(w-plot*v/1500) > 0.2 {
			t.Errorf("bar %d: width %.1f for %v on %.1f", i, w, v, plot)
		}
	}

	// The table: same order, values and shares, escaped labels.
	trs := fig.Find("table.chart-table tbody tr")
	if trs.Length() != 5 {
		t.Fatalf("%d table rows", trs.Length())
	}
	if got := texts(trs.Eq(0).Find("th, td")); !reflect.DeepEqual(got, []string{"Google", "1,200", "60%"}) {
		t.Errorf("row 1 %q", got)
	}
	if got := texts(trs.Eq(3).Find("th, td")); !reflect.DeepEqual(got, []string{"Built in Admin IDP", "87", "4.3%"}) {
		t.Errorf("row 4 %q", got)
	}
	if got := texts(fig.Find("thead th")); !reflect.DeepEqual(got, []string{"Identity provider", "Sign-ins", "Share"}) {
		t.Errorf("headers %q", got)
	}
	if got := texts(fig.Find("tfoot tr").Find("th, td")); !reflect.DeepEqual(got, []string{"Total", "2,014", "100%"}) {
		t.Errorf("totals %q", got)
	}
	if doc.Find("script").Length() != 0 {
		t.Fatal("a label became a script element")
	}
}

func TestBarsEmpty(t *testing.T) {
	for name, bars := range map[string][]charts.Bar{
		"none":   nil,
		"zeroes": {{Label: "Google"}, {Label: "GitHub"}},
	} {
		t.Run(name, func(t *testing.T) {
			doc := barsDoc(t, charts.BarChart{ID: "by-client", Title: "Sign-ins by client", Bars: bars})
			if doc.Find("#by-client.chart-empty").Length() != 1 || doc.Find("svg, table").Length() != 0 {
				t.Error("no empty state")
			}
			if got := strings.TrimSpace(doc.Find(".chart-empty p").Text()); got != "Nothing to show for this period." {
				t.Errorf("empty text %q", got)
			}
		})
	}
}

// Every mark the charts draw (shapes, text, legend swatches) has a class
// styled in the Charts section of app.css: the CSP leaves no other way to
// colour them. (Grouping classes such as chart-day are hooks, not styled.)
func TestChartMarksAreStyled(t *testing.T) {
	css := readCSS(t)
	start := strings.Index(css, "Charts (views/components/charts)")
	if start < 0 || !strings.Contains(css[start:], "End of Charts") {
		t.Fatal("no Charts section at the end of app.css")
	}
	section := css[start:]
	days := sampleDays(7)
	docs := []*goquery.Document{
		daily(t, charts.DailyChart{ID: "a", Title: "a", Days: days}),
		daily(t, charts.DailyChart{ID: "b", Title: "b", Days: days, Style: charts.Lines}),
		barsDoc(t, charts.BarChart{ID: "c", Title: "c", Bars: []charts.Bar{{Label: "x", Value: 3}}}),
	}
	marks := 0
	for _, doc := range docs {
		doc.Find("rect, line, polyline, circle, text, .chart-swatch, svg, figcaption").Each(func(_ int, s *goquery.Selection) {
			marks++
			cls, _ := s.Attr("class")
			for _, c := range strings.Fields(cls) {
				if strings.Contains(section, "."+c+" ") || strings.Contains(section, "."+c+",") || strings.Contains(section, "."+c+".") || strings.Contains(section, "."+c+":") {
					return
				}
			}
			t.Errorf("<%s class=%q> has no class styled in the Charts section", goquery.NodeName(s), cls)
		})
	}
	if marks < 50 {
		t.Errorf("only %d marks", marks)
	}
}
