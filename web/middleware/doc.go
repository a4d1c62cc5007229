// Package middleware holds Gatehouse's request guards: the tenant loader,
// the sign-in guard that loads the viewer once per request, the permission
// guard, the security headers and the CSRF defence (Origin check and a
// token bound to the server-side session, csrf.go).
package middleware
