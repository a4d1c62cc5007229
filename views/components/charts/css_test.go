package charts_test

import (
	"os"
	"path/filepath"
	"testing"
)

func readCSS(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "static", "css", "app.css"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
