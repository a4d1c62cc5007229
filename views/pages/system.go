package pages

// SystemData is one of the System pages (Templates, Services, APIs,
// Environment, Notifications): read-only views of what Gatehouse has.
type SystemData struct {
	Title   string
	Intro   string
	Tabs    []WorkspaceTab // the System pages the viewer may read
	Details []ResDetail
	Notices []OverviewNotification
	Tables  []ResTableSection
	Preview *SystemTemplatePreview
}

// SystemTemplatePreview is one e-mail template rendered with sample values.
type SystemTemplatePreview struct {
	Name, When, Subject, Text string
	HTMLHref                  string // the HTML part, framed
	Error                     string
}
