// Package openapiimport reads an OpenAPI 3 document (JSON or YAML) pasted into
// a service's Import form (field openapi) and lists what it describes: each
// operation's method, path, summary and the scopes its security requirements
// ask for, and the OAuth scopes the document declares. The screen then
// creates the service's APIs and scopes from this list in one transaction,
// so a refused document imports nothing.
//
// The document is untrusted. It is parsed and validated with
// github.com/getkin/kin-openapi; only references inside the document
// ("#/components/...") are followed. A $ref to a URL or a file is refused with
// an *Error of kind ErrExternalRef and is never read: the loader is given a
// reader that refuses every location, so not even a code path of the library
// that forgets IsExternalRefsAllowed can fetch anything. Example and default
// values are not validated: they do not affect the import, and kin-openapi
// validates those of a 3.1 document with santhosh-tekuri/jsonschema, whose
// default loader opens a file: URL that a schema's "$schema" names (seen in
// TestImportOpenAPI31 when either option is removed).
//
// Required scopes: an operation's own `security` replaces the document's
// (`security: []` makes it public); a requirement object's schemes must all
// be satisfied and the objects in the list are alternatives. Gatehouse's APIs
// hold one set of required scopes, so Scopes is the union of the
// oauth2/openIdConnect scopes over all alternatives — never fewer than any
// alternative asks for — and Alternatives tells the screen when that merged
// more than one alternative. Scopes of apiKey/http schemes (role names in
// 3.1) are not scopes and are left out.
//
// OpenAPI 3.0, 3.1 and 3.2 documents are accepted (as kin-openapi reads them);
// Swagger 2.0 and anything else is refused with ErrVersion.
package openapiimport
