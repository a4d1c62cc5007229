package web_test

import "strings"

// ws14bRoute reports whether a route is an identity provider's or a
// workspace theme binding's (covered by TestIDPThemeRoutesByRole).
func ws14bRoute(key string) bool {
	for _, p := range []string{"/idps", "/theme"} {
		if strings.Contains(key, "/workspaces/:workspace"+p) {
			return true
		}
	}
	return false
}
