// Package middleware holds Gatehouse's request guards: the tenant loader,
// the sign-in guard that loads the viewer once per request, the permission
// guard, the security headers and the cross-site request check.
package middleware
