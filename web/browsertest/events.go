package browsertest

import "github.com/chromedp/cdproto/page"

var pageLoad = page.LoadEventFired
