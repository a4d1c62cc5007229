package charts

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Day is one day of sign-ins.
type Day struct {
	Date      time.Time // the day (its date in UTC is used)
	Successes int
	Failures  int
}

// Total is successes plus failures.
func (d Day) Total() int { return d.Successes + d.Failures }

// Style of a Daily chart.
type Style int

const (
	// StackedBars draws one bar per day, failures stacked on successes.
	StackedBars Style = iota
	// Lines draws one line per series, with a point per day.
	Lines
)

// DailyChart is the input of Daily.
type DailyChart struct {
	// ID is unique on the page; it prefixes the ids of the chart's parts.
	ID    string
	Title string // e.g. "Sign-ins per day, last 30 days"
	Days  []Day  // oldest first, one per day (FillDays makes them so)
	Style Style
	// Empty is shown instead of chart and table when every count is zero;
	// default "No sign-ins in this period.".
	Empty string
}

// Bar is one row of a horizontal bar chart.
type Bar struct {
	Label string
	Value int
}

// BarChart is the input of Bars.
type BarChart struct {
	ID          string
	Title       string // e.g. "Sign-ins by identity provider"
	LabelHeader string // header of the label column of the table, e.g. "Identity provider"
	ValueHeader string // header of the value column, e.g. "Sign-ins"
	// Bars are drawn largest first (ties by label); zero values are kept
	// in the table but draw no bar.
	Bars  []Bar
	Empty string // default "Nothing to show for this period."
}

// FillDays returns one Day per date from first for n days, taking the counts
// of rows (matched by UTC date; several rows of one date are added up) and
// zero elsewhere. Rows outside the range are ignored.
func FillDays(first time.Time, n int, rows []Day) []Day {
	start := dateOf(first)
	out := make([]Day, n)
	index := make(map[time.Time]int, n)
	for i := range out {
		out[i].Date = start.AddDate(0, 0, i)
		index[out[i].Date] = i
	}
	for _, r := range rows {
		if i, ok := index[dateOf(r.Date)]; ok {
			out[i].Successes += r.Successes
			out[i].Failures += r.Failures
		}
	}
	return out
}

func dateOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// NiceTicks returns round tick values from 0 to at least max: a step of 1, 2
// or 5 times a power of ten (never below 1, counts being whole), chosen so
// that there are at most maxTicks intervals. max <= 0 gives 0 and 1.
func NiceTicks(max, maxTicks int) []int {
	if maxTicks < 1 {
		maxTicks = 1
	}
	if max <= 0 {
		return []int{0, 1}
	}
	step := 1
	for pow := 1; ; pow *= 10 {
		found := false
		for _, m := range []int{1, 2, 5} {
			step = m * pow
			if (max+step-1)/step <= maxTicks {
				found = true
				break
			}
		}
		if found || pow > math.MaxInt/100 {
			break
		}
	}
	n := (max + step - 1) / step
	ticks := make([]int, n+1)
	for i := range ticks {
		ticks[i] = i * step
	}
	return ticks
}

// FormatCount writes n with thousands separators: 12,345.
func FormatCount(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// shortCount writes a tick value compactly: 800, 1,500, 25k, 1.5M.
func shortCount(n int) string {
	switch {
	case n >= 1_000_000 && n%100_000 == 0:
		return trimZero(fmt.Sprintf("%.1f", float64(n)/1e6)) + "M"
	case n >= 10_000 && n%1_000 == 0:
		return strconv.Itoa(n/1000) + "k"
	default:
		return FormatCount(n)
	}
}

func trimZero(s string) string { return strings.TrimSuffix(s, ".0") }

// Geometry of the daily chart, in viewBox units.
const (
	dailyWidth  = 720
	dailyHeight = 260
	dailyLeft   = 56 // room for tick labels
	dailyRight  = 12
	dailyTop    = 12
	dailyBottom = 36 // room for date labels
	maxXLabels  = 8
	maxYTicks   = 5
)

type tick struct {
	Pos   float64 // y (daily) or x (bars) of the grid line
	Label string
}

type xLabel struct {
	X     float64
	Label string
}

type rect struct {
	X, Y, W, H float64
	Class      string
	Title      string
}

type point struct {
	X, Y  float64
	Class string
	Title string
}

type series struct {
	Class  string
	Name   string
	Points string // "x,y x,y ..." for a polyline
}

type dayGroup struct {
	Date  string // 2006-01-02, for data-date
	Rects []rect
}

type dailyLayout struct {
	ID, Title, Desc string
	Width, Height   int
	Left, Right     float64
	Top, Bottom     float64
	YTicks          []tick
	XLabels         []xLabel
	Groups          []dayGroup // StackedBars
	Series          []series   // Lines
	Points          []point    // Lines
	Days            []Day
	TotalSuccesses  int
	TotalFailures   int
}

func (c DailyChart) empty() bool {
	for _, d := range c.Days {
		if d.Successes != 0 || d.Failures != 0 {
			return false
		}
	}
	return true
}

func (c DailyChart) emptyText() string {
	if c.Empty != "" {
		return c.Empty
	}
	return "No sign-ins in this period."
}

func chartID(id string) string {
	if id == "" {
		return "chart"
	}
	return id
}

func dayLabel(t time.Time) string { return t.UTC().Format("2 Jan") }
func dayLong(t time.Time) string  { return t.UTC().Format("Mon 2 Jan 2006") }
func f(v float64) string          { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

func plural(n int, one, many string) string {
	if n == 1 {
		return FormatCount(n) + " " + one
	}
	return FormatCount(n) + " " + many
}

func (c DailyChart) layout() dailyLayout {
	l := dailyLayout{
		ID: chartID(c.ID), Title: c.Title, Days: c.Days,
		Width: dailyWidth, Height: dailyHeight,
		Left: dailyLeft, Right: dailyWidth - dailyRight,
		Top: dailyTop, Bottom: dailyHeight - dailyBottom,
	}
	n := len(c.Days)
	maxV := 0
	busiest := -1
	for i, d := range c.Days {
		l.TotalSuccesses += d.Successes
		l.TotalFailures += d.Failures
		v := d.Total()
		if c.Style == Lines {
			v = max(d.Successes, d.Failures)
		}
		maxV = max(maxV, v)
		if busiest < 0 || d.Total() > c.Days[busiest].Total() {
			busiest = i
		}
	}
	ticks := NiceTicks(maxV, maxYTicks)
	top := ticks[len(ticks)-1]
	plotH := l.Bottom - l.Top
	y := func(v int) float64 { return l.Bottom - float64(v)/float64(top)*plotH }
	for _, t := range ticks {
		l.YTicks = append(l.YTicks, tick{Pos: y(t), Label: shortCount(t)})
	}

	band := (l.Right - l.Left) / float64(max(n, 1))
	center := func(i int) float64 { return l.Left + band*(float64(i)+0.5) }
	every := (n + maxXLabels - 1) / maxXLabels
	for i := n - 1; i >= 0; i -= max(every, 1) { // the latest day is always labelled
		l.XLabels = append(l.XLabels, xLabel{X: center(i), Label: dayLabel(c.Days[i].Date)})
	}
	slices.Reverse(l.XLabels)

	switch c.Style {
	case Lines:
		var ok, ko []string
		for i, d := range c.Days {
			x := center(i)
			ok = append(ok, f(x)+","+f(y(d.Successes)))
			ko = append(ko, f(x)+","+f(y(d.Failures)))
			l.Points = append(l.Points,
				point{X: x, Y: y(d.Successes), Class: "chart-point chart-series-success", Title: dayLong(d.Date) + ": " + plural(d.Successes, "success", "successes")},
				point{X: x, Y: y(d.Failures), Class: "chart-point chart-series-failure", Title: dayLong(d.Date) + ": " + plural(d.Failures, "failure", "failures")})
		}
		l.Series = []series{
			{Class: "chart-line chart-series-success", Name: "Successes", Points: strings.Join(ok, " ")},
			{Class: "chart-line chart-series-failure", Name: "Failures", Points: strings.Join(ko, " ")},
		}
	default:
		w := band * 0.7
		if band-w > 8 {
			w = band - 8
		}
		for i, d := range c.Days {
			g := dayGroup{Date: d.Date.UTC().Format(time.DateOnly)}
			x := center(i) - w/2
			if d.Successes > 0 {
				g.Rects = append(g.Rects, rect{X: x, Y: y(d.Successes), W: w, H: l.Bottom - y(d.Successes),
					Class: "chart-bar chart-series-success", Title: dayLong(d.Date) + ": " + plural(d.Successes, "success", "successes")})
			}
			if d.Failures > 0 {
				g.Rects = append(g.Rects, rect{X: x, Y: y(d.Total()), W: w, H: y(d.Successes) - y(d.Total()),
					Class: "chart-bar chart-series-failure", Title: dayLong(d.Date) + ": " + plural(d.Failures, "failure", "failures")})
			}
			l.Groups = append(l.Groups, g)
		}
	}

	if n > 0 {
		l.Desc = fmt.Sprintf("%s from %s to %s: %s and %s.", plural(n, "day", "days"),
			dayLong(c.Days[0].Date), dayLong(c.Days[n-1].Date),
			plural(l.TotalSuccesses, "successful sign-in", "successful sign-ins"),
			plural(l.TotalFailures, "failed sign-in", "failed sign-ins"))
		if busiest >= 0 {
			b := c.Days[busiest]
			l.Desc += fmt.Sprintf(" The busiest day was %s, with %s.", dayLong(b.Date), plural(b.Total(), "sign-in", "sign-ins"))
		}
	}
	return l
}

// Geometry of the horizontal bar chart.
const (
	barsWidth     = 720
	barsLeft      = 200 // room for labels
	barsRight     = 64  // room for the value after the longest bar
	barsTop       = 28  // room for tick labels
	barsRow       = 28
	barsThickness = 18
	barsBottom    = 8
	maxLabelRunes = 28
)

type barRow struct {
	Y        float64 // top of the row
	LabelY   float64 // baseline of label and value
	Label    string  // possibly shortened
	Full     string
	Value    string
	ValueX   float64
	Bar      rect
	HasBar   bool
	Position int
}

type barsLayout struct {
	ID, Title, Desc string
	Width, Height   int
	Left, Right     float64
	Top, Bottom     float64
	XTicks          []tick
	Rows            []barRow
	Bars            []Bar // sorted, as in the table
	LabelHeader     string
	ValueHeader     string
	Total           int
}

func (c BarChart) sorted() []Bar {
	bars := slices.Clone(c.Bars)
	slices.SortStableFunc(bars, func(a, b Bar) int {
		if a.Value != b.Value {
			return b.Value - a.Value
		}
		return strings.Compare(a.Label, b.Label)
	})
	return bars
}

func (c BarChart) empty() bool {
	for _, b := range c.Bars {
		if b.Value != 0 {
			return false
		}
	}
	return true
}

func (c BarChart) emptyText() string {
	if c.Empty != "" {
		return c.Empty
	}
	return "Nothing to show for this period."
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

func (c BarChart) layout() barsLayout {
	bars := c.sorted()
	l := barsLayout{
		ID: chartID(c.ID), Title: c.Title, Bars: bars,
		LabelHeader: c.LabelHeader, ValueHeader: c.ValueHeader,
		Width: barsWidth, Left: barsLeft, Right: barsWidth - barsRight, Top: barsTop,
	}
	if l.LabelHeader == "" {
		l.LabelHeader = "Name"
	}
	if l.ValueHeader == "" {
		l.ValueHeader = "Count"
	}
	l.Bottom = l.Top + float64(len(bars)*barsRow)
	l.Height = int(l.Bottom) + barsBottom
	maxV := 0
	for _, b := range bars {
		maxV = max(maxV, b.Value)
		l.Total += b.Value
	}
	ticks := NiceTicks(maxV, maxYTicks)
	top := ticks[len(ticks)-1]
	x := func(v int) float64 { return l.Left + float64(v)/float64(top)*(l.Right-l.Left) }
	for _, t := range ticks {
		l.XTicks = append(l.XTicks, tick{Pos: x(t), Label: shortCount(t)})
	}
	for i, b := range bars {
		rowY := l.Top + float64(i*barsRow)
		r := barRow{
			Y: rowY, LabelY: rowY + barsRow/2 + 4, Full: b.Label, Label: shorten(b.Label, maxLabelRunes),
			Value: FormatCount(b.Value), ValueX: x(b.Value) + 6, Position: i + 1,
		}
		if b.Value > 0 {
			r.HasBar = true
			r.Bar = rect{X: l.Left, Y: rowY + (barsRow-barsThickness)/2, W: x(b.Value) - l.Left, H: barsThickness,
				Class: "chart-bar chart-series-single", Title: b.Label + ": " + FormatCount(b.Value)}
		}
		l.Rows = append(l.Rows, r)
	}
	if len(bars) > 0 {
		lead := bars[0]
		l.Desc = fmt.Sprintf("%s in all, over %s. The largest is %s with %s (%s).",
			FormatCount(l.Total), plural(len(bars), "entry", "entries"), lead.Label, FormatCount(lead.Value), percent(lead.Value, l.Total))
	}
	return l
}

func percent(v, total int) string {
	if total == 0 {
		return "0%"
	}
	p := float64(v) * 100 / float64(total)
	if p < 10 && p != math.Trunc(p) {
		return trimZero(fmt.Sprintf("%.1f", p)) + "%"
	}
	return fmt.Sprintf("%.0f%%", p)
}

func itoa(n int) string { return strconv.Itoa(n) }
