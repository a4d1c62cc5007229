// Package charts draws the Analytics charts as server-rendered SVG, with the
// same numbers in a table beside each chart:
//
//   - Daily: sign-ins per day, successes and failures, as stacked bars or as
//     two lines, over any number of days (7, 30 or 90 on the Analytics page);
//   - Bars: a horizontal bar chart of counts by label (by identity provider,
//     by client).
//
// The SVG is hand-written in templ. There is no script and no style
// attribute, so the CSP (style-src 'self', script-src 'self') holds: geometry
// is given by SVG presentation attributes and colours by CSS classes (the
// "Charts" section at the end of static/css/app.css). Each chart is a
// <figure> whose <svg role="img"> is labelled by its <title> and <desc> (a
// sentence with the totals), each mark carries a <title> that browsers show as
// a tooltip, and the table gives every number to screen readers and to those
// who prefer numbers. Axis ticks are round numbers (1, 2 or 5 times a power
// of ten). With nothing to draw, an empty state replaces chart and table.
//
// Layout is computed in Go (layout.go) and only rendered by the templates,
// so it can be tested without HTML; the tests also render the components and
// query the result with goquery.
package charts
