package pages

import "gatehouse/views/components/charts"

// AnalyticsPeriod is one choice of period (7, 30 or 90 days).
type AnalyticsPeriod struct {
	Label   string
	Href    string
	Current bool
}

// AnalyticsData is a workspace's Analytics page.
type AnalyticsData struct {
	Header              WorkspaceHeader
	Days                int
	From, To            string
	Periods             []AnalyticsPeriod
	Successes, Failures int64
	Daily               charts.DailyChart
	ByIDP, ByClient     charts.BarChart
	APIPath             string // where the platform posts events
}
