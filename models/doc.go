// Package models owns Gatehouse's data: the GORM entities, their queries and
// the business operations on them (each in one transaction together with its
// audit event and any outbox e-mail), and the typed errors handlers turn into
// messages. It imports neither echo nor templ nor sessions.
package models
