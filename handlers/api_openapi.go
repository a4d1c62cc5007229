package handlers

import (
	"encoding/json"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// APIDoc is what a management API route's registration says of it for the
// OpenAPI document: Request and Response are zero values of the body types
// (nil: none); List: the response is a page of Response; Status: the
// success status (200 when 0).
type APIDoc struct {
	Summary  string
	Tag      string
	Request  any
	Response any
	List     bool
	Status   int
	Query    []string // query parameters besides limit and cursor (lists)
}

// APIOperation is one route of the route table as the document shows it.
type APIOperation struct {
	Method, Path string // Path with {param}
	Params       []string
	Permission   string
	Scope        string
	Doc          APIDoc
}

// OpenAPIDocument is the OpenAPI 3.1 description of the management API,
// made from the route table: one operation per route, with its permission
// (x-permission), path parameters, the request and response bodies' JSON
// Schemas (from the Go types and their json tags) and the error answers.
func OpenAPIDocument(ops []APIOperation) ([]byte, error) {
	g := schemaGen{schemas: map[string]any{}}
	errRef := g.schema(reflect.TypeOf(APIErrorBody{}))
	errResp := func(desc string) map[string]any {
		return map[string]any{"description": desc, "content": map[string]any{"application/json": map[string]any{"schema": errRef}}}
	}
	paths := map[string]map[string]any{}
	for _, op := range ops {
		o := map[string]any{
			"summary":      op.Doc.Summary,
			"operationId":  operationID(op),
			"tags":         []string{op.Doc.Tag},
			"x-permission": op.Permission,
			"security":     []map[string][]string{{"bearerToken": {}}},
		}
		var params []any
		for _, p := range op.Params {
			params = append(params, map[string]any{"name": p, "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		if op.Doc.List {
			params = append(params,
				map[string]any{"name": "limit", "in": "query", "schema": map[string]any{"type": "integer", "minimum": 1, "maximum": 200, "default": 50}},
				map[string]any{"name": "cursor", "in": "query", "schema": map[string]any{"type": "string"}, "description": "next_cursor of the previous page"})
		}
		for _, q := range op.Doc.Query {
			params = append(params, map[string]any{"name": q, "in": "query", "schema": map[string]any{"type": "string"}})
		}
		if op.Method == http.MethodPost {
			params = append(params, map[string]any{"name": "Idempotency-Key", "in": "header", "schema": map[string]any{"type": "string", "maxLength": 200},
				"description": "A replay within 24 hours returns the first response."})
		}
		if len(params) > 0 {
			o["parameters"] = params
		}
		if op.Doc.Request != nil {
			o["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(op.Doc.Request))}}}
		}
		status := op.Doc.Status
		if status == 0 {
			status = http.StatusOK
		}
		ok := map[string]any{"description": http.StatusText(status)}
		if op.Doc.Response != nil {
			s := g.schema(reflect.TypeOf(op.Doc.Response))
			if op.Doc.List {
				s = map[string]any{"type": "object", "required": []string{"data", "next_cursor"}, "properties": map[string]any{
					"data":        map[string]any{"type": "array", "items": s},
					"next_cursor": map[string]any{"type": []string{"string", "null"}},
				}}
			}
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": s}}
		}
		responses := map[string]any{
			strconv.Itoa(status): ok,
			"401":                errResp("No valid API token"),
			"403":                errResp("The token's roles do not grant " + op.Permission),
			"404":                errResp("Not found in the token's tenant"),
			"429":                errResp("Rate limited; see Retry-After"),
		}
		if op.Method != http.MethodGet {
			responses["400"] = errResp("Malformed request")
			responses["409"] = errResp("Conflict (a stale version, a rule such as the last Tenant Admin)")
			responses["413"] = errResp("Body over 1 MB")
			responses["422"] = errResp("Invalid fields")
		}
		o["responses"] = responses
		if paths[op.Path] == nil {
			paths[op.Path] = map[string]any{}
		}
		paths[op.Path][strings.ToLower(op.Method)] = o
	}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "Gatehouse management API",
			"version": "1",
			"description": "Everything the console does, for scripts. Authenticate with a tenant's API token (Tenant Settings > API Tokens) " +
				"in Authorization: Bearer gh_…; the token names the tenant. Lists take limit and cursor and answer data and next_cursor.",
		},
		"servers":    []map[string]any{{"url": "/"}},
		"paths":      paths,
		"components": map[string]any{"schemas": g.schemas, "securitySchemes": map[string]any{"bearerToken": map[string]any{"type": "http", "scheme": "bearer"}}},
	}
	return json.MarshalIndent(doc, "", "  ")
}

func operationID(op APIOperation) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(op.Method))
	for _, p := range strings.Split(op.Path, "/") {
		p = strings.Trim(p, "{}")
		if p == "" || p == "api" || p == "v1" {
			continue
		}
		for _, w := range strings.FieldsFunc(p, func(r rune) bool { return r == '-' || r == '_' }) {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String()
}

// schemaGen makes JSON Schemas of Go types: structs become named
// components (by their json tags; omitempty fields are optional, the
// others required), pointers allow null.
type schemaGen struct {
	schemas map[string]any
}

func (g *schemaGen) schema(t reflect.Type) map[string]any {
	nullable := false
	for t.Kind() == reflect.Pointer {
		t, nullable = t.Elem(), true
	}
	var s map[string]any
	if t == reflect.TypeOf(json.RawMessage{}) {
		return map[string]any{"type": "object"}
	}
	switch t.Kind() {
	case reflect.String:
		s = map[string]any{"type": "string"}
	case reflect.Bool:
		s = map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int32, reflect.Int64:
		s = map[string]any{"type": "integer"}
	case reflect.Float64:
		s = map[string]any{"type": "number"}
	case reflect.Slice:
		s = map[string]any{"type": "array", "items": g.schema(t.Elem())}
	case reflect.Map:
		s = map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case reflect.Struct:
		name := t.Name()
		if _, ok := g.schemas[name]; !ok {
			g.schemas[name] = nil // reserve (recursive types)
			props := map[string]any{}
			var required []string
			for i := 0; i < t.NumField(); i++ {
				f := t.Field(i)
				tag := f.Tag.Get("json")
				if !f.IsExported() || tag == "-" {
					continue
				}
				jname, opts, _ := strings.Cut(tag, ",")
				if jname == "" {
					jname = f.Name
				}
				ps := g.schema(f.Type)
				if d := f.Tag.Get("doc"); d != "" {
					ps = withDescription(ps, d)
				}
				props[jname] = ps
				if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
					required = append(required, jname)
				}
			}
			sort.Strings(required)
			obj := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
			if len(required) > 0 {
				obj["required"] = required
			}
			g.schemas[name] = obj
		}
		ref := map[string]any{"$ref": "#/components/schemas/" + name}
		if nullable {
			return map[string]any{"oneOf": []any{ref, map[string]any{"type": "null"}}}
		}
		return ref
	default:
		s = map[string]any{}
	}
	if typ, ok := s["type"].(string); ok && nullable {
		s["type"] = []string{typ, "null"}
	}
	return s
}

func withDescription(s map[string]any, d string) map[string]any {
	if _, isRef := s["$ref"]; isRef {
		return map[string]any{"allOf": []any{s}, "description": d}
	}
	s["description"] = d
	return s
}
