package modelstest

import (
	"testing"

	"gorm.io/gorm"
)

// Must fails the test at once when the query q ran with an error. Every query a test makes goes through it (or checks .Error
// itself): a broken query must not read as "no rows" and let an assertion
// such as "no sessions left" pass.
//
//	modelstest.Must(t, db.DB.Where("action = ?", "x").Take(&ev))
func Must(t testing.TB, q *gorm.DB) {
	t.Helper()
	if q.Error != nil {
		t.Fatalf("query failed: %v", q.Error)
	}
}

// Count returns how many rows q matches, failing the test if the query fails.
//
//	n := modelstest.Count(t, db.DB.Model(&models.Session{}).Where("administrator_id = ?", id))
func Count(t testing.TB, q *gorm.DB) int64 {
	t.Helper()
	var n int64
	Must(t, q.Count(&n))
	return n
}

// Pluck returns column of the rows q matches, failing the test if the query fails.
//
//	actions := modelstest.Pluck[string](t, db.DB.Model(&models.AuditEvent{}).Order("id"), "action")
func Pluck[T any](t testing.TB, q *gorm.DB, column string) []T {
	t.Helper()
	var out []T
	Must(t, q.Pluck(column, &out))
	return out
}
