package openapiimport_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v4"

	"gatehouse/models/openapiimport"
)

// petstore is a realistic document: global oauth2 security, operations that
// override it (with more scopes, with none, with alternatives), shared
// components reached by internal references, and a path item summary.
const petstore = `openapi: 3.0.3
info:
  title: Swagger Petstore
  version: 1.0.7
  description: A sample API that uses a petstore as an example.
servers:
  - url: https://petstore.example.com/v1
security:
  - petstore_auth: [read:pets]
tags:
  - name: pets
paths:
  /pets:
    get:
      tags: [pets]
      summary: List all pets
      operationId: listPets
      parameters:
        - $ref: '#/components/parameters/Limit'
      responses:
        '200':
          description: A paged array of pets
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Pets'
              example:
                - {id: 1, name: Rex}
        default:
          $ref: '#/components/responses/Error'
    post:
      summary: '  Create a pet  '
      operationId: createPet
      security:
        - petstore_auth: [write:pets, read:pets]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/Pet'
      responses:
        '201':
          description: Created
        default:
          $ref: '#/components/responses/Error'
  /pets/{petId}:
    summary: One pet
    parameters:
      - name: petId
        in: path
        required: true
        schema: {type: string}
    get:
      operationId: showPetById
      security:
        - petstore_auth: [read:pets]
        - api_key: []
      responses:
        '200':
          description: The pet
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Pet'
    delete:
      summary: Delete a pet
      operationId: deletePet
      deprecated: true
      security:
        - petstore_auth: [admin:pets]
        - oidc: [openid, pets.admin]
      responses:
        '204':
          description: Deleted
    put:
      summary: Replace a pet
      operationId: replacePet
      security:
        - petstore_auth: [write:pets]
          api_key: []
      responses:
        '200':
          description: Replaced
  /pets/{petId}/photo:
    parameters:
      - name: petId
        in: path
        required: true
        schema: {type: string}
    get:
      summary: A pet's photo, for anyone; signed-in users see more
      security:
        - {}
        - petstore_auth: [read:pets]
      responses:
        '200':
          description: JPEG
  /health:
    get:
      summary: Health check
      security: []
      responses:
        '200':
          description: OK
components:
  parameters:
    Limit:
      name: limit
      in: query
      schema: {type: integer, format: int32, maximum: 100}
  responses:
    Error:
      description: unexpected error
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/Error'
  schemas:
    Pet:
      type: object
      required: [id, name]
      properties:
        id: {type: integer, format: int64}
        name: {type: string}
        tag: {type: string}
    Pets:
      type: array
      maxItems: 100
      items:
        $ref: '#/components/schemas/Pet'
    Error:
      type: object
      required: [code, message]
      properties:
        code: {type: integer, format: int32}
        message: {type: string}
  securitySchemes:
    petstore_auth:
      type: oauth2
      flows:
        authorizationCode:
          authorizationUrl: https://auth.example.com/authorize
          tokenUrl: https://auth.example.com/token
          scopes:
            read:pets: Read your pets
            write:pets: Modify pets in your account
        clientCredentials:
          tokenUrl: https://auth.example.com/token
          scopes:
            read:pets: ''
            admin:pets: Administer all pets
    api_key:
      type: apiKey
      name: X-API-Key
      in: header
    oidc:
      type: openIdConnect
      openIdConnectUrl: https://auth.example.com/.well-known/openid-configuration
`

var wantPetstore = []openapiimport.Operation{
	{Method: "GET", Path: "/health", Summary: "Health check", Public: true, FromOperation: true},
	{Method: "GET", Path: "/pets", OperationID: "listPets", Summary: "List all pets", Scopes: []string{"read:pets"}, Alternatives: 1},
	{Method: "POST", Path: "/pets", OperationID: "createPet", Summary: "Create a pet", Scopes: []string{"read:pets", "write:pets"}, FromOperation: true, Alternatives: 1},
	// Alternatives: oauth2 or an API key. Only the oauth2 one carries scopes.
	{Method: "GET", Path: "/pets/{petId}", OperationID: "showPetById", Summary: "One pet", Scopes: []string{"read:pets"}, FromOperation: true, Alternatives: 1},
	// Both schemes of one requirement object: the API key adds no scope.
	{Method: "PUT", Path: "/pets/{petId}", OperationID: "replacePet", Summary: "Replace a pet", Scopes: []string{"write:pets"}, FromOperation: true, Alternatives: 1},
	// Two alternatives with scopes: merged, and said so.
	{Method: "DELETE", Path: "/pets/{petId}", OperationID: "deletePet", Summary: "Delete a pet", Scopes: []string{"admin:pets", "openid", "pets.admin"}, FromOperation: true, Alternatives: 2, Deprecated: true},
	{Method: "GET", Path: "/pets/{petId}/photo", Summary: "A pet's photo, for anyone; signed-in users see more", Scopes: []string{"read:pets"}, Public: true, FromOperation: true, Alternatives: 1},
}

var wantPetstoreScopes = []openapiimport.Scope{
	{Name: "admin:pets", Description: "Administer all pets", Declared: true},
	{Name: "openid"},
	{Name: "pets.admin"},
	// Declared by two flows; the description is the one given.
	{Name: "read:pets", Description: "Read your pets", Declared: true},
	{Name: "write:pets", Description: "Modify pets in your account", Declared: true},
}

func checkPetstore(t *testing.T, doc *openapiimport.Document) {
	t.Helper()
	if doc.OpenAPI != "3.0.3" || doc.Title != "Swagger Petstore" || doc.Version != "1.0.7" {
		t.Errorf("header = %q %q %q", doc.OpenAPI, doc.Title, doc.Version)
	}
	if len(doc.Operations) != len(wantPetstore) {
		t.Fatalf("%d operations, want %d: %+v", len(doc.Operations), len(wantPetstore), doc.Operations)
	}
	for i, want := range wantPetstore {
		if got := doc.Operations[i]; !reflect.DeepEqual(got, want) {
			t.Errorf("operation %d:\n got %+v\nwant %+v", i, got, want)
		}
	}
	if !reflect.DeepEqual(doc.Scopes, wantPetstoreScopes) {
		t.Errorf("scopes:\n got %+v\nwant %+v", doc.Scopes, wantPetstoreScopes)
	}
}

func TestImportPetstoreYAML(t *testing.T) {
	doc, err := openapiimport.Import(context.Background(), []byte(petstore))
	if err != nil {
		t.Fatal(err)
	}
	checkPetstore(t, doc)
}

func TestImportPetstoreJSON(t *testing.T) {
	var v any
	if err := yaml.Unmarshal([]byte(petstore), &v); err != nil {
		t.Fatal(err)
	}
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(data) || data[0] != '{' {
		t.Fatalf("not JSON: %.40s", data)
	}
	doc, err := openapiimport.Import(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	checkPetstore(t, doc)
}

func TestImportIsDeterministic(t *testing.T) {
	first, err := openapiimport.Import(context.Background(), []byte(petstore))
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		again, err := openapiimport.Import(context.Background(), []byte(petstore))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(first, again) {
			t.Fatal("two imports of one document differ")
		}
	}
}

func TestImportWithoutGlobalSecurity(t *testing.T) {
	doc := strings.Replace(petstore, "security:\n  - petstore_auth: [read:pets]\ntags:", "tags:", 1)
	got, err := openapiimport.Import(context.Background(), []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	var list *openapiimport.Operation
	for i := range got.Operations {
		if got.Operations[i].OperationID == "listPets" {
			list = &got.Operations[i]
		}
	}
	if list == nil || !list.Public || len(list.Scopes) != 0 || list.FromOperation {
		t.Fatalf("listPets without any security = %+v, want public", list)
	}
}

func TestImportMethodOrder(t *testing.T) {
	doc := `openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /b:
    patch: {responses: {'200': {description: ok}}}
    delete: {responses: {'200': {description: ok}}}
    post: {responses: {'200': {description: ok}}}
    head: {responses: {'200': {description: ok}}}
    get: {responses: {'200': {description: ok}}}
  /a/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    options: {responses: {'200': {description: ok}}}
    put: {responses: {'200': {description: ok}}}
  /a:
    trace: {responses: {'200': {description: ok}}}
`
	got, err := openapiimport.Import(context.Background(), []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	var seq []string
	for _, op := range got.Operations {
		seq = append(seq, op.Method+" "+op.Path)
	}
	want := []string{"TRACE /a", "PUT /a/{id}", "OPTIONS /a/{id}", "GET /b", "POST /b", "DELETE /b", "HEAD /b", "PATCH /b"}
	if !reflect.DeepEqual(seq, want) {
		t.Errorf("order:\n got %q\nwant %q", seq, want)
	}
}

func wantKind(t *testing.T, err error, kind error) *openapiimport.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("Import succeeded, want %v", kind)
	}
	if !errors.Is(err, kind) {
		t.Fatalf("error %q is not %v", err, kind)
	}
	var e *openapiimport.Error
	if !errors.As(err, &e) || e.Message == "" || e.Error() != e.Message {
		t.Fatalf("error %T %q is not an *openapiimport.Error with a message", err, err)
	}
	return e
}

func importErr(doc string) error {
	_, err := openapiimport.Import(context.Background(), []byte(doc))
	return err
}

const head = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n"

func TestImportRefusesInvalidDocuments(t *testing.T) {
	for name, tc := range map[string]struct {
		doc  string
		kind error
		says []string // the parser's or validator's own words
	}{
		"empty":     {"  \n", openapiimport.ErrEmpty, []string{"Paste"}},
		"too large": {head + "paths: {}\n#" + strings.Repeat("x", openapiimport.MaxSize), openapiimport.ErrTooLarge, []string{"2048 KB"}},
		"yaml syntax": {head + "paths:\n  /x: [\n", openapiimport.ErrUnreadable,
			[]string{"yaml", "line 5"}},
		"bad internal ref": {head + "paths:\n  /x:\n    get:\n      responses:\n        '200': {$ref: '#/components/responses/Nope'}\n",
			openapiimport.ErrUnreadable, []string{"#/components/responses/Nope"}},
		"swagger 2": {"swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n", openapiimport.ErrVersion, []string{"Swagger 2.0"}},
		"openapi 4": {"openapi: 4.0.0\ninfo: {title: t, version: '1'}\npaths: {}\n", openapiimport.ErrVersion, []string{`"4.0.0"`}},
		"no info":   {"openapi: 3.0.3\npaths: {}\n", openapiimport.ErrInvalid, []string{"info"}},
		"path parameter not declared": {head + "paths:\n  /accounts/{id}:\n    get:\n      responses:\n        '200': {description: ok}\n",
			openapiimport.ErrInvalid, []string{"GET /accounts/{id}", "path parameters", "id"}},
		"no responses": {head + "paths:\n  /x:\n    get:\n      summary: hi\n", openapiimport.ErrInvalid, []string{"responses"}},
		"undefined scheme": {head + "security: [{nope: [a]}]\npaths:\n  /x:\n    get:\n      responses:\n        '200': {description: ok}\n",
			openapiimport.ErrInvalid, []string{`undefined security scheme "nope"`}},
		"duplicate operationId": {head + "paths:\n  /x:\n    get: {operationId: a, responses: {'200': {description: ok}}}\n    post: {operationId: a, responses: {'200': {description: ok}}}\n",
			openapiimport.ErrInvalid, []string{"same operation id", `"a"`}},
		"no operations":      {head + "paths: {}\n", openapiimport.ErrNoOperations, []string{"no operations"}},
		"json without paths": {`{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}`, openapiimport.ErrNoOperations, []string{"no operations"}},
		"a list, not a doc":  {"- a\n- b\n", openapiimport.ErrUnreadable, []string{"unmarshal"}},
		"plain text":         {"hello world", openapiimport.ErrUnreadable, []string{"unmarshal"}},
	} {
		t.Run(name, func(t *testing.T) {
			e := wantKind(t, importErr(tc.doc), tc.kind)
			for _, s := range tc.says {
				if !strings.Contains(e.Message, s) {
					t.Errorf("message %q does not say %q", e.Message, s)
				}
			}
		})
	}
}

// listen counts the connections made to a local address.
func listen(t *testing.T) (string, *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	n := new(atomic.Int32)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			c.Close()
		}
	}()
	return ln.Addr().String(), n
}

// fifoDir makes a directory holding other.yaml as a named pipe and makes it
// the working directory: a loader that opened the file would block there
// (no writer ever comes), which importWithin turns into a failure.
func fifoDir(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range names {
		if err := syscall.Mkfifo(filepath.Join(dir, name), 0o600); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
	}
	t.Chdir(dir)
	return dir
}

func importWithin(t *testing.T, doc string) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- importErr(doc) }()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		// Unblock the reader so the goroutine ends, then fail.
		if f, err := os.OpenFile("other.yaml", os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
		t.Fatal("Import blocked: it opened a file the document named")
		return nil
	}
}

func TestImportRefusesExternalRefsWithoutFetching(t *testing.T) {
	addr, accepted := listen(t)
	dir := fifoDir(t, "other.yaml", "schemas.json")
	ok := "        '200': {description: ok}\n"
	for name, tc := range map[string]struct{ doc, ref string }{
		"response ref to port 1":     {head + "paths:\n  /x:\n    get:\n      responses:\n        '200': {$ref: 'http://127.0.0.1:1/x'}\n", "http://127.0.0.1:1/x"},
		"response ref to a listener": {head + "paths:\n  /x:\n    get:\n      responses:\n        '200': {$ref: 'http://" + addr + "/x#/Resp'}\n", "http://" + addr + "/x"},
		"path item in a file":        {head + "paths:\n  /x:\n    $ref: './other.yaml'\n", "other.yaml"},
		"schema in a file": {head + "paths:\n  /x:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: 'schemas.json#/Pet'}\n",
			"schemas.json"},
		"absolute file":       {head + "paths:\n  /x:\n    get:\n      parameters: [{$ref: 'file://" + dir + "/other.yaml'}]\n      responses:\n" + ok, dir + "/other.yaml"},
		"security scheme url": {head + "components:\n  securitySchemes:\n    a: {$ref: 'https://" + addr + "/schemes.yaml#/a'}\npaths:\n  /x:\n    get:\n      responses:\n" + ok, addr + "/schemes.yaml"},
		"metadata endpoint":   {head + "paths:\n  /x:\n    get:\n      responses:\n        '200': {$ref: 'http://169.254.169.254/latest/meta-data/#/x'}\n", "169.254.169.254/latest/meta-data/"},
	} {
		t.Run(name, func(t *testing.T) {
			e := wantKind(t, importWithin(t, tc.doc), openapiimport.ErrExternalRef)
			if !strings.Contains(e.Ref, tc.ref) || !strings.Contains(e.Message, tc.ref) {
				t.Errorf("Ref %q, message %q: want them to name %q", e.Ref, e.Message, tc.ref)
			}
			if !strings.Contains(e.Message, "nothing is fetched") {
				t.Errorf("message %q", e.Message)
			}
		})
	}
	if n := accepted.Load(); n != 0 {
		t.Fatalf("Import connected %d times to an address a $ref named", n)
	}
}

func TestImportOpenAPI31(t *testing.T) {
	dir := fifoDir(t, "meta.json")
	// 3.1: paths optional (webhooks), type arrays, JSON Schema keywords such
	// as $schema naming a meta-schema in a file, and an example that would
	// make a JSON Schema engine load it (kin-openapi validates a 3.1
	// document's examples and defaults with santhosh-tekuri/jsonschema, whose
	// default loader reads file: URLs). Examples and defaults are not
	// validated, so nothing is read.
	doc := `openapi: 3.1.0
info: {title: Accounts, version: '2.0', summary: Accounts of the bank}
jsonSchemaDialect: https://spec.openapis.org/oas/3.1/dialect/base
security:
  - oauth: [accounts.read]
webhooks:
  accountOpened:
    post:
      responses:
        '200': {description: ok}
paths:
  /accounts/{id}:
    get:
      summary: Get an account
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200':
          description: The account
          content:
            application/json:
              schema:
                $schema: 'file://` + dir + `/meta.json'
                type: object
                properties:
                  nickname: {type: [string, 'null']}
                example: {nickname: null}
                default: {nickname: Main}
components:
  securitySchemes:
    oauth:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: https://auth.example.com/token
          scopes: {accounts.read: Read accounts}
`
	done := make(chan struct{})
	var got *openapiimport.Document
	var err error
	go func() { got, err = openapiimport.Import(context.Background(), []byte(doc)); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		if f, e := os.OpenFile("meta.json", os.O_WRONLY|syscall.O_NONBLOCK, 0); e == nil {
			f.Close()
		}
		t.Fatal("Import blocked reading the meta-schema file")
	}
	if err != nil {
		t.Fatal(err)
	}
	want := []openapiimport.Operation{{Method: "GET", Path: "/accounts/{id}", Summary: "Get an account", Scopes: []string{"accounts.read"}, Alternatives: 1}}
	if got.OpenAPI != "3.1.0" || !reflect.DeepEqual(got.Operations, want) {
		t.Errorf("3.1 document: %+v", got)
	}

	// A 3.1 document with webhooks only has nothing to import.
	wantKind(t, importErr("openapi: 3.1.0\ninfo: {title: t, version: '1'}\nwebhooks:\n  a:\n    post:\n      responses:\n        '200': {description: ok}\n"), openapiimport.ErrNoOperations)
}

func TestImportRefusesAliasBombQuickly(t *testing.T) {
	var b strings.Builder
	b.WriteString(head + "x-bomb:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		b.WriteString("  " + n + ": &" + n + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n")
		prev = n
	}
	b.WriteString("paths:\n  /x:\n    get:\n      responses:\n        '200': {description: ok}\n")
	start := time.Now()
	err := importErr(b.String())
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("a YAML alias bomb took %v", d)
	}
	e := wantKind(t, err, openapiimport.ErrUnreadable)
	t.Log(e.Message)
}

func TestImportTooManyOperations(t *testing.T) {
	var b strings.Builder
	b.WriteString(head + "paths:\n")
	for i := range openapiimport.MaxOperations + 1 {
		b.WriteString("  /r" + strconv.Itoa(i) + ":\n    get: {responses: {'200': {description: ok}}}\n")
	}
	wantKind(t, importErr(b.String()), openapiimport.ErrTooManyOps)
}
