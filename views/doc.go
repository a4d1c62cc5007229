// Package views holds Gatehouse's templ components: layout (the page
// shell), components (fields, tables, badges), pages (one screen a file)
// and emails. Views never touch the database or echo; they get typed data.
package views
