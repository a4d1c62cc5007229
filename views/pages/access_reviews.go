package pages

// AccessReviewRow is one review in the list.
type AccessReviewRow struct {
	Href    string
	Name    string
	Scope   string
	Due     string
	Status  string
	Started string
}

// AccessReviewsData is Tenant Settings > Access Reviews.
type AccessReviewsData struct {
	Rows     []AccessReviewRow
	CanStart bool
	Name     string
	Due      string
	Scope    string
	MinDate  string
	Errors   map[string]string
	NextHref string
}

// ReviewItemRow is one item of a review.
type ReviewItemRow struct {
	ID        int64
	Holder    string
	Role      string
	Scope     string
	Decision  string
	Reviewer  string
	DecidedAt string
	Note      string
	DecideURL string // "" when the viewer may not decide it
	Own       bool
}

// AccessReviewData is one review's page.
type AccessReviewData struct {
	Name      string
	Scope     string
	Due       string
	Status    string
	Started   string
	Items     []ReviewItemRow
	Decided   int
	Total     int
	CSVHref   string
	SHA256    string
	Errors    map[string]string
	NextHref  string
	FirstHref string
}
