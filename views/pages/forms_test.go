package pages

import "testing"

func TestStop(t *testing.T) {
	for in, want := range map[string]string{"Acme": ".", "Acme Capital B.V.": "", "Acme B.V. ": "", "": "."} {
		if got := stop(in); got != want {
			t.Errorf("stop(%q) = %q, want %q", in, got, want)
		}
	}
}
