package webtest

import (
	"net/http"
	"strings"
	"sync"
	"testing"
)

// Queries counts the statements the app's database runs (queries, raw
// statements, row reads, inserts, updates, deletes), keeping their SQL.
type Queries struct {
	mu  sync.Mutex
	sql []string
}

// CountQueries starts counting the statements of the app's database.
// Register it once per App (models.Store.OnStatement: GORM's statements
// and those the store runs past GORM).
func (a *App) CountQueries(t testing.TB) *Queries {
	t.Helper()
	q := &Queries{}
	err := a.Store.OnStatement("webtest:count-queries", func(sql string) {
		q.mu.Lock()
		q.sql = append(q.sql, sql)
		q.mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// Reset forgets the statements counted so far.
func (q *Queries) Reset() { q.mu.Lock(); q.sql = nil; q.mu.Unlock() }

// SQL returns the statements counted since the last Reset.
func (q *Queries) SQL() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]string(nil), q.sql...)
}

// Page gets path with c (which must answer 200) and returns the
// statements it cost.
func (q *Queries) Page(t testing.TB, c *Client, path string) []string {
	t.Helper()
	q.Reset()
	if r := c.Get(path); r.Status != http.StatusOK {
		t.Fatalf("%s: %d", path, r.Status)
	}
	return q.SQL()
}

// Describe lists statements one a line, for failure messages.
func Describe(sql []string) string { return "\n\t" + strings.Join(sql, "\n\t") }
