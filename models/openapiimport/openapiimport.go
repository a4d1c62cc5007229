package openapiimport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// MaxSize is the largest document Import reads, in bytes.
const MaxSize = 2 << 20

// MaxOperations is the most operations one import may create.
const MaxOperations = 2000

// The kinds of Error, for errors.Is.
var (
	ErrEmpty         = errors.New("openapiimport: empty document")
	ErrTooLarge      = errors.New("openapiimport: document too large")
	ErrUnreadable    = errors.New("openapiimport: not readable") // neither JSON nor YAML, or an internal $ref that leads nowhere
	ErrExternalRef   = errors.New("openapiimport: external reference")
	ErrVersion       = errors.New("openapiimport: not OpenAPI 3")
	ErrInvalid       = errors.New("openapiimport: invalid document")
	ErrNoOperations  = errors.New("openapiimport: no operations")
	ErrTooManyOps    = errors.New("openapiimport: too many operations")
	errRefusedToRead = errors.New("reading other documents is not allowed")
)

// Error is every error Import returns. Message is a sentence for the form,
// carrying the parser's or validator's own words where there are any.
type Error struct {
	Kind    error  // one of the Err* sentinels
	Message string // for the user, beside the openapi field
	Ref     string // for ErrExternalRef: the location that was refused
	Err     error  // the library's error, if any
}

func (e *Error) Error() string { return e.Message }

// Is makes errors.Is(err, ErrExternalRef) and the like work.
func (e *Error) Is(target error) bool { return target == e.Kind }

// Unwrap returns the library's error, if any.
func (e *Error) Unwrap() error { return e.Err }

func fail(kind, cause error, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...), Err: cause}
}

// Document is what Import found in an OpenAPI document.
type Document struct {
	OpenAPI string // the version the document declares, e.g. "3.0.3"
	Title   string
	Version string // info.version
	// Operations in path order (as strings), then by method in the order
	// GET, PUT, POST, DELETE, OPTIONS, HEAD, PATCH, TRACE, QUERY, then any
	// other method alphabetically.
	Operations []Operation
	// Scopes are the scopes the document's oauth2 flows declare, and then
	// any scope an operation requires without a declaration (Declared false,
	// e.g. the scopes of an openIdConnect scheme), sorted by name.
	Scopes []Scope
}

// Operation is one method on one path.
type Operation struct {
	Method      string // upper case: "GET"
	Path        string // as written in the document: "/accounts/{id}"
	OperationID string
	Summary     string // the operation's summary, else its path item's
	// Scopes are the oauth2/openIdConnect scopes the operation requires,
	// sorted, without duplicates: the union over Alternatives (see the
	// package documentation). Empty for a public operation.
	Scopes []string
	// Public is true when no security requirement applies (none anywhere,
	// `security: []`), or when one alternative is the empty requirement {},
	// which makes authentication optional.
	Public bool
	// FromOperation is true when the operation's own security list applies,
	// false when it inherits the document's.
	FromOperation bool
	// Alternatives is how many requirement objects carrying scopes were
	// merged into Scopes; more than 1 means the document accepted any one
	// of them and Gatehouse will ask for all.
	Alternatives int
	// Deprecated is the operation's deprecated flag.
	Deprecated bool
}

// Scope is one OAuth scope.
type Scope struct {
	Name        string
	Description string // from the first flow that declares it with one
	Declared    bool   // declared by an oauth2 flow of the document
}

// Import parses, validates and reads an OpenAPI 3 document. ctx bounds the
// work (validation of a large document takes a few milliseconds); nothing is
// read from the network or the file system.
func Import(ctx context.Context, data []byte) (*Document, error) {
	if len(data) > MaxSize {
		return nil, fail(ErrTooLarge, nil, "The document is too large (%d KB); at most %d KB is accepted.", (len(data)+1023)/1024, MaxSize/1024)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fail(ErrEmpty, nil, "Paste an OpenAPI 3 document, in JSON or YAML.")
	}

	var refused []string
	loader := &openapi3.Loader{
		Context:               ctx,
		IsExternalRefsAllowed: false,
		// Never consulted for a document that refers only to itself. The
		// loader skips its IsExternalRefsAllowed check when this is set, so
		// this func is the whole policy: refuse everything.
		ReadFromURIFunc: func(_ *openapi3.Loader, location *url.URL) ([]byte, error) {
			refused = append(refused, location.String())
			return nil, errRefusedToRead
		},
	}
	doc, err := loader.LoadFromData(data)
	var disallowed *openapi3.DisallowedExternalRefError
	switch {
	case len(refused) > 0:
		return nil, &Error{Kind: ErrExternalRef, Ref: refused[0], Err: err,
			Message: fmt.Sprintf("The document refers to another document (%q); only references inside the document (\"#/...\") are allowed, and nothing is fetched.", refused[0])}
	case errors.As(err, &disallowed):
		return nil, &Error{Kind: ErrExternalRef, Ref: disallowed.Ref, Err: err,
			Message: fmt.Sprintf("The document refers to another document (%q); only references inside the document (\"#/...\") are allowed, and nothing is fetched.", disallowed.Ref)}
	case err != nil:
		return nil, fail(ErrUnreadable, err, "The document could not be read: %s.", trimDot(err.Error()))
	}

	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		if doc.OpenAPI == "" {
			return nil, fail(ErrVersion, nil, "This is not an OpenAPI 3 document: it has no \"openapi\" field (Swagger 2.0 documents must be converted to OpenAPI 3 first).")
		}
		return nil, fail(ErrVersion, nil, "This is not an OpenAPI 3 document: it declares openapi %q.", doc.OpenAPI)
	}

	if err := doc.Validate(ctx,
		openapi3.DisableExamplesValidation(),
		openapi3.DisableSchemaDefaultsValidation(),
	); err != nil {
		return nil, fail(ErrInvalid, err, "The document is not valid OpenAPI: %s.", trimDot(err.Error()))
	}
	return read(doc)
}

func trimDot(s string) string { return strings.TrimRight(strings.TrimSpace(s), ".") }

var methodOrder = map[string]int{
	"GET": 0, "PUT": 1, "POST": 2, "DELETE": 3, "OPTIONS": 4, "HEAD": 5, "PATCH": 6, "TRACE": 7,
	openapi3.MethodQuery: 8, "CONNECT": 9,
}

func read(doc *openapi3.T) (*Document, error) {
	out := &Document{OpenAPI: doc.OpenAPI}
	if doc.Info != nil {
		out.Title, out.Version = doc.Info.Title, doc.Info.Version
	}

	schemes := map[string]*openapi3.SecurityScheme{}
	declared := map[string]*Scope{}
	if doc.Components != nil {
		for _, name := range sortedKeys(doc.Components.SecuritySchemes) {
			ref := doc.Components.SecuritySchemes[name]
			if ref == nil || ref.Value == nil {
				continue
			}
			schemes[name] = ref.Value
			for _, flow := range oauthFlows(ref.Value) {
				for _, scope := range sortedKeys(flow.Scopes) {
					desc := strings.TrimSpace(flow.Scopes[scope])
					if s, ok := declared[scope]; ok {
						if s.Description == "" {
							s.Description = desc
						}
						continue
					}
					declared[scope] = &Scope{Name: scope, Description: desc, Declared: true}
				}
			}
		}
	}

	if doc.Paths != nil {
		paths := doc.Paths.Map()
		for _, path := range sortedKeys(paths) {
			item := paths[path]
			if item == nil {
				continue
			}
			ops := item.Operations()
			methods := sortedKeys(ops)
			sort.SliceStable(methods, func(i, j int) bool { return rank(methods[i]) < rank(methods[j]) })
			for _, method := range methods {
				op := ops[method]
				o := Operation{
					Method:      strings.ToUpper(method),
					Path:        path,
					OperationID: op.OperationID,
					Summary:     strings.TrimSpace(op.Summary),
					Deprecated:  op.Deprecated,
				}
				if o.Summary == "" {
					o.Summary = strings.TrimSpace(item.Summary)
				}
				reqs := doc.Security
				if op.Security != nil {
					reqs, o.FromOperation = *op.Security, true
				}
				o.Scopes, o.Public, o.Alternatives = requiredScopes(reqs, schemes)
				for _, s := range o.Scopes {
					if _, ok := declared[s]; !ok {
						declared[s] = &Scope{Name: s}
					}
				}
				out.Operations = append(out.Operations, o)
				if len(out.Operations) > MaxOperations {
					return nil, fail(ErrTooManyOps, nil, "The document describes more than %d operations; import it in parts.", MaxOperations)
				}
			}
		}
	}
	if len(out.Operations) == 0 {
		return nil, fail(ErrNoOperations, nil, "The document describes no operations (its \"paths\" are empty), so there is nothing to import.")
	}
	for _, name := range sortedKeys(declared) {
		out.Scopes = append(out.Scopes, *declared[name])
	}
	return out, nil
}

func rank(method string) int {
	if r, ok := methodOrder[strings.ToUpper(method)]; ok {
		return r
	}
	return len(methodOrder)
}

// requiredScopes merges a security requirement list into Gatehouse's single
// set of required scopes (see the package documentation).
func requiredScopes(reqs openapi3.SecurityRequirements, schemes map[string]*openapi3.SecurityScheme) (scopes []string, public bool, alternatives int) {
	if len(reqs) == 0 {
		return nil, true, 0
	}
	set := map[string]bool{}
	for _, req := range reqs {
		if len(req) == 0 {
			public = true
			continue
		}
		carries := false
		for name, names := range req {
			scheme := schemes[name]
			if scheme == nil || (scheme.Type != "oauth2" && scheme.Type != "openIdConnect") {
				continue
			}
			for _, s := range names {
				if s = strings.TrimSpace(s); s != "" {
					set[s], carries = true, true
				}
			}
		}
		if carries {
			alternatives++
		}
	}
	for s := range set {
		scopes = append(scopes, s)
	}
	slices.Sort(scopes)
	return scopes, public, alternatives
}

func oauthFlows(s *openapi3.SecurityScheme) []*openapi3.OAuthFlow {
	if s.Type != "oauth2" || s.Flows == nil {
		return nil
	}
	var flows []*openapi3.OAuthFlow
	for _, f := range []*openapi3.OAuthFlow{s.Flows.AuthorizationCode, s.Flows.ClientCredentials, s.Flows.Implicit, s.Flows.Password} {
		if f != nil {
			flows = append(flows, f)
		}
	}
	return flows
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
