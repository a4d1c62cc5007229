// Package authz owns who may do what in Gatehouse: the permission catalog
// (the 53 actions of SecureAuth's administrator role matrix, then the
// permissions Auth0's dashboard editor roles add for organizations, users,
// end-user roles, connections and logs), the eight built-in roles, and the one
// decision function, Can.
//
// A viewer's role bindings are turned once per request into a Set with NewSet;
// route guards, object loaders, model rules and views then ask the Set. Tenant
// roles apply tenant-wide; workspace roles (Workspace Admin, Workspace Auditor)
// apply only inside the workspace they are bound to.
//
// The package is pure: no I/O, no globals that change after start, nothing
// beyond the standard library. The built-in roles are tested cell by cell
// against testdata/secureauth-role-matrix.csv, a copy of the spec's matrix.
package authz
