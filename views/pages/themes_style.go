package pages

import (
	"regexp"
	"strings"
)

var hexColor = regexp.MustCompile(`^#[0-9a-f]{6}$`)

// themeStyle is the preview's style element: custom properties from the
// theme's colours and font, nothing else. Each value is checked here again
// (a colour is # and six hex digits; the font stack comes from the fixed
// list and holds no character that could end the rule or the element), so
// a value that got past the model still cannot inject CSS or markup.
func themeStyle(d ThemePreviewData) string {
	css := "body.public.themed{"
	if hexColor.MatchString(d.PrimaryColor) {
		css += "--primary:" + d.PrimaryColor + ";--primary-hover:" + d.PrimaryColor + ";--primary-active:" + d.PrimaryColor + ";--link:" + d.PrimaryColor + ";"
	}
	if hexColor.MatchString(d.BgColor) {
		css += "--canvas:" + d.BgColor + ";background:" + d.BgColor + ";"
	}
	if d.FontStack != "" && !strings.ContainsAny(d.FontStack, "{};<>\\/:@") {
		css += "--font:" + d.FontStack + ";font-family:" + d.FontStack + ";"
	}
	css += "}"
	if !isNonce(d.Nonce) {
		return ""
	}
	return `<style nonce="` + d.Nonce + `">` + css + `</style>`
}

func isNonce(s string) bool {
	if len(s) < 16 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '+' || r == '/' || r == '=' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}
