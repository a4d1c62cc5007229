package handlers

import (
	"net/http"
	"strconv"

	"gatehouse/models"
	"gatehouse/views/components/charts"
	"gatehouse/views/layout"
	"gatehouse/views/pages"
	"gatehouse/web/render"

	"github.com/labstack/echo/v4"
)

// analyticsBarsMax is how many identity providers or clients a chart
// draws; the rest are added up as "Others".
const analyticsBarsMax = 12

// Analytics is /t/{tenant}/workspaces/{workspace}/analytics: sign-ins per
// day (successes and failures) over ?days=7, 30 or 90, by identity
// provider and by client, as SVG charts with their numbers in tables.
func (h *Handler) Analytics(c echo.Context) error {
	v := render.Viewer(c)
	w, err := currentWorkspace(c)
	if err != nil {
		return err
	}
	days, _ := strconv.Atoi(c.QueryParam("days"))
	r, err := h.Models.WorkspaceAnalytics(c.Request().Context(), *v, w.ID, days)
	if err != nil {
		return outcome(err)
	}
	base := wsHref(c, w, "/analytics")
	d := pages.AnalyticsData{Header: h.workspaceHeader(c, v, w, "Analytics"), Days: r.Days,
		From: r.From.Format("Mon 2 Jan 2006"), To: r.To.Format("Mon 2 Jan 2006"),
		APIPath: "/api/v1/workspaces/" + w.Slug + "/events"}
	for _, n := range models.AnalyticsPeriods {
		d.Periods = append(d.Periods, pages.AnalyticsPeriod{Label: strconv.Itoa(n) + " days", Href: base + "?days=" + strconv.Itoa(n), Current: n == r.Days})
	}
	style := charts.StackedBars
	daily := make([]charts.Day, len(r.Daily))
	for i, x := range r.Daily {
		daily[i] = charts.Day{Date: x.Day, Successes: int(x.Successes), Failures: int(x.Failures)}
		d.Successes += x.Successes
		d.Failures += x.Failures
	}
	d.Daily = charts.DailyChart{ID: "daily", Title: "Sign-ins per day, last " + strconv.Itoa(r.Days) + " days", Days: daily, Style: style,
		Empty: "No sign-ins in the last " + strconv.Itoa(r.Days) + " days."}
	d.ByIDP = charts.BarChart{ID: "by-idp", Title: "Sign-ins by identity provider", LabelHeader: "Identity provider", ValueHeader: "Sign-ins",
		Bars: topBars(r.ByIDP), Empty: "No sign-ins in this period."}
	d.ByClient = charts.BarChart{ID: "by-client", Title: "Sign-ins by client", LabelHeader: "Client", ValueHeader: "Sign-ins",
		Bars: topBars(r.ByClient), Empty: "No sign-ins in this period."}
	p := h.resPage(c, w, "Analytics · "+w.Name, layout.Crumb{Label: "Analytics"})
	return render.Render(c, http.StatusOK, pages.Analytics(p, d))
}

// topBars keeps the largest analyticsBarsMax entries (sorted largest
// first by the model) and adds up the rest as "Others".
func topBars(rows []models.NamedCount) []charts.Bar {
	var out []charts.Bar
	var others int64
	for i, r := range rows {
		if i < analyticsBarsMax {
			out = append(out, charts.Bar{Label: r.Name, Value: int(r.Total())})
			continue
		}
		others += r.Total()
	}
	if others > 0 {
		out = append(out, charts.Bar{Label: "Others (" + strconv.Itoa(len(rows)-analyticsBarsMax) + ")", Value: int(others)})
	}
	return out
}
