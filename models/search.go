package models

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"
)

// SearchWindow is how many rows a search on PostgreSQL first walks in the
// list's order (through the list's covering index) before it turns to the
// trigram indexes for the rest (see trigramSearch); Store.SearchWindow
// overrides it.
const SearchWindow = 5000

func (s *Store) searchWindow() int {
	if s.SearchWindow > 0 {
		return s.SearchWindow
	}
	return SearchWindow
}

// usesTrigrams reports whether a search for term can use the trigram
// indexes of migration 0024: on PostgreSQL, for three characters or more
// (a trigram index cannot narrow a shorter term).
func usesTrigrams(db *gorm.DB, term string) bool {
	return db.Dialector.Name() == "postgres" && utf8.RuneCountInString(term) >= 3
}

// trigramSearch is a search whose time does not depend on where its
// matches lie: the keys (column key, unique in the tenant) of the first
// limit rows of table that are of the tenant, come after the cursor in the
// order of key, and satisfy cond (a condition whose ? placeholders are
// bound to likes).
//
// It walks the first window rows after the cursor in key order
// (windowCols: key and the columns cond reads, all in the list's covering
// index, so the walk reads no table rows), which fills the page at once
// when the term is common; only when that window holds fewer than limit
// matches does the second arm run, which takes the matches beyond the
// window through the trigram indexes (OFFSET 0 keeps the planner from
// walking key order instead; a term that matches little of the window
// matches little of the tenant, so that set is small). UNION ALL under
// LIMIT runs its arms in order and stops as soon as the page is full, so
// a common term never runs the second one.
//
// The trigram arm asks the indexes for narrow (the likes made of
// indexTerm(term), which every match also matches) and keeps the rows
// matching likes: a whole e-mail's domain is shared by the
// tenant's rows, and its trigrams would make the index read most of them.
//
// desc orders by key descending (the cursor is then an upper bound).
func trigramSearch(db *gorm.DB, window int, table, key string, desc bool, windowCols, cond string, likes, narrow []any,
	tenantID int64, after any, limit int) *gorm.DB {
	cmp, order, agg := ">", key, "MAX"
	if desc {
		cmp, order, agg = "<", key+" DESC", "MIN"
	}
	// Sizes are written out, not parameters (a prepared statement's generic
	// plan then walks the same indexes as a custom one).
	lim, win := " LIMIT "+strconv.Itoa(limit), " LIMIT "+strconv.Itoa(window)
	walk := "SELECT " + windowCols + " FROM " + table + " WHERE tenant_id = ? AND " + key + " " + cmp + " ? ORDER BY " + order + win
	sql := "SELECT " + key + " FROM (" +
		"(SELECT " + key + " FROM (" + walk + ") w WHERE " + cond + " ORDER BY " + order + lim + ")" +
		" UNION ALL " +
		"(SELECT " + key + " FROM (SELECT " + windowCols + " FROM " + table + " WHERE tenant_id = ? AND (" + cond + ") OFFSET 0) m" +
		" WHERE (" + cond + ") AND " + key + " " + cmp + " (SELECT " + agg + "(" + key + ") FROM (" + walk + ") w2) ORDER BY " + order + lim + ")" +
		") u" + lim
	args := []any{tenantID, after}
	args = append(args, likes...)
	args = append(args, tenantID)
	args = append(args, narrow...)
	args = append(args, likes...)
	args = append(args, tenantID, after)
	return db.Raw(sql, args...)
}

// indexTerm is the part of a search term the trigram indexes are asked
// for: the local part of something typed as an e-mail address (at least
// three characters before the @), else the whole term. Every row matching
// the term matches it.
func indexTerm(term string) string {
	if local, _, ok := strings.Cut(term, "@"); ok && utf8.RuneCountInString(local) >= 3 {
		return local
	}
	return term
}

// likeTerm is the LIKE pattern matching term anywhere (lowercased, its
// wildcards escaped), n times.
func likeTerm(term string, n int) []any {
	like := "%" + escapeLike(strings.ToLower(term)) + "%"
	out := make([]any, n)
	for i := range out {
		out[i] = like
	}
	return out
}
