// Package handlers holds one Handler with a method per action, one file per
// area. Handlers parse the request, call one operation of models and
// render; they hold no business rules.
package handlers
