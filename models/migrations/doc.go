// Package migrations owns the database schema: versioned migrations run with
// gormigrate, each with a frozen copy of the structs it creates so that old
// migrations never change when models do. Run takes a PostgreSQL advisory
// lock so that replicas starting together migrate once.
package migrations
