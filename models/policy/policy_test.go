package policy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func mustCompile(t testing.TB, def string) *Program {
	t.Helper()
	p, err := Compile(def)
	if err != nil {
		t.Fatalf("Compile(%q): %v", def, err)
	}
	return p
}

func mustInput(t testing.TB, js string) map[string]any {
	t.Helper()
	in, err := ParseInput([]byte(js))
	if err != nil {
		t.Fatalf("ParseInput(%s): %v", js, err)
	}
	return in
}

func TestEvaluateGoodExpressions(t *testing.T) {
	input := `{
		"request": {"method": "GET", "path": "/accounts/42", "headers": {"x-tenant": "acme"}, "amount": 250, "ratio": 0.75, "ip": "10.1.2.3"},
		"user": {"id": "u1", "email": "ann@example.com", "roles": ["admin", "billing"], "age": 34, "verified": true},
		"client": {"id": "c1", "type": "web"},
		"scopes": ["accounts:read", "accounts:write"]
	}`
	tests := []struct {
		def  string
		want bool
	}{
		{`true`, true},
		{`false`, false},
		{`request.method == "GET"`, true},
		{`request.method == "POST"`, false},
		{`"accounts:read" in scopes`, true},
		{`"admin:all" in scopes`, false},
		{`scopes.exists(s, s.startsWith("accounts:"))`, true},
		{`scopes.all(s, s.endsWith(":read"))`, false},
		{`"admin" in user.roles && user.verified`, true},
		{`user.age >= 18`, true},
		{`request.amount > 100 && request.amount < 1000`, true},
		{`request.ratio < 0.5`, false},
		{`request.amount == 250.0`, true}, // heterogeneous numeric equality
		{`request.path.matches("^/accounts/[0-9]+$")`, true},
		{`has(request.headers) && request.headers["x-tenant"] == "acme"`, true},
		{`has(user.manager)`, false},
		{`user.email.endsWith("@example.com") ? client.type == "web" : false`, true},
		{`size(scopes) == 2`, true},
		{`user.verified`, true}, // dyn output that turns out to be a boolean
		{"// multi-line with a comment\nrequest.method == 'GET' &&\n  client.id == 'c1'", true},
	}
	in := mustInput(t, input)
	for _, tc := range tests {
		t.Run(tc.def, func(t *testing.T) {
			p := mustCompile(t, tc.def)
			got, err := p.Evaluate(context.Background(), in)
			if err != nil {
				t.Fatalf("Evaluate: %v", err)
			}
			if got != tc.want {
				t.Fatalf("Evaluate = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCompileErrorsAtLineAndColumn(t *testing.T) {
	tests := []struct {
		name     string
		def      string
		line     int
		column   int
		contains string
		text     string // whole rendered issue, when exact
	}{
		{
			name: "undeclared variable on line 3",
			def:  "request.method == 'GET' &&\n  scopes.exists(s, s == 'read') &&\n      usr.email == 'x'",
			line: 3, column: 7,
			text: "line 3, column 7: undeclared reference to 'usr'",
		},
		{
			name: "missing operand at the end of line 2",
			def:  "request.method == 'GET' &&\n  client.id ==",
			line: 2, column: 15, contains: "Syntax error", // just past the end of the line
		},
		{
			name: "unknown function",
			def:  "true &&\nfoo(request.method)",
			line: 2, column: 4, contains: "undeclared reference to 'foo'",
		},
		{
			name: "type error",
			def:  "scopes == 3",
			line: 1, column: 8, contains: "found no matching overload for '_==_'",
		},
		{
			name: "unterminated string",
			def:  "request.method == 'GET",
			line: 1, column: 19, contains: "Syntax error",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compile(tc.def)
			var ce *CompileError
			if !errors.As(err, &ce) {
				t.Fatalf("Compile error = %v (%T), want *CompileError", err, err)
			}
			if ce.Kind != KindSyntax {
				t.Errorf("Kind = %v, want KindSyntax", ce.Kind)
			}
			if len(ce.Issues) == 0 {
				t.Fatal("no issues")
			}
			is := ce.Issues[0]
			if is.Line != tc.line || is.Column != tc.column {
				t.Errorf("issue at line %d column %d, want line %d column %d (%s)", is.Line, is.Column, tc.line, tc.column, is)
			}
			if tc.contains != "" && !strings.Contains(is.Message, tc.contains) {
				t.Errorf("message %q does not contain %q", is.Message, tc.contains)
			}
			if tc.text != "" && is.String() != tc.text {
				t.Errorf("issue = %q, want %q", is.String(), tc.text)
			}
		})
	}
}

func TestCompileReportsEveryIssue(t *testing.T) {
	_, err := Compile("usr.a == 1 &&\nclnt.b == 2")
	var ce *CompileError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v", err)
	}
	if len(ce.Issues) != 2 {
		t.Fatalf("issues = %v, want 2", ce.Issues)
	}
	if ce.Issues[0].Line != 1 || ce.Issues[1].Line != 2 {
		t.Errorf("lines = %d, %d; want 1, 2", ce.Issues[0].Line, ce.Issues[1].Line)
	}
	if got := ce.Error(); got != "line 1, column 1: undeclared reference to 'usr'; line 2, column 1: undeclared reference to 'clnt'" {
		t.Errorf("Error() = %q", got)
	}
}

func TestCompileRefusesNonBoolean(t *testing.T) {
	for def, typ := range map[string]string{
		`1 + 2`:                   "int",
		`"allow"`:                 "string",
		`scopes`:                  "list(string)",
		`request`:                 "map(string, dyn)",
		`user.age * 2.0`:          "double",
		`scopes.map(s, s.size())`: "list(int)",
	} {
		t.Run(def, func(t *testing.T) {
			_, err := Compile(def)
			var ce *CompileError
			if !errors.As(err, &ce) || ce.Kind != KindType {
				t.Fatalf("err = %v, want *CompileError of KindType", err)
			}
			want := "must yield a boolean (true allows, false denies), but this expression yields " + typ
			if !strings.Contains(ce.Error(), want) {
				t.Errorf("message %q does not contain %q", ce.Error(), want)
			}
		})
	}
}

func TestCompileRefusesEmptyAndOversized(t *testing.T) {
	for _, def := range []string{"", "   \n\t"} {
		_, err := Compile(def)
		var ce *CompileError
		if !errors.As(err, &ce) || !strings.Contains(ce.Error(), "the definition is empty") {
			t.Errorf("Compile(%q) = %v", def, err)
		}
	}
	long := "true" + strings.Repeat(" && true", MaxDefinitionLength/8)
	_, err := Compile(long)
	var ce *CompileError
	if !errors.As(err, &ce) {
		t.Fatalf("Compile(long) = %v, want *CompileError", err)
	}
	if !strings.Contains(ce.Error(), "size") {
		t.Errorf("message %q does not mention the size", ce.Error())
	}
}

func TestCompileRefusesExpensiveExpressions(t *testing.T) {
	refused := []string{
		// nested comprehensions over two input lists: ~10^8
		`request.items.all(x, request.items.all(y, x != y))`,
		`user.groups.exists(g, request.allowed.exists(a, a == g))`,
		// three levels
		`request.a.exists(x, request.b.exists(y, request.c.exists(z, x == y && y == z)))`,
		// one level, but a string operation over the longest strings inside
		`scopes.all(s, scopes.exists(t, t.contains(s)))`,
	}
	for _, def := range refused {
		t.Run(def, func(t *testing.T) {
			_, err := Compile(def)
			var ce *CompileError
			if !errors.As(err, &ce) || ce.Kind != KindCost {
				t.Fatalf("err = %v, want *CompileError of KindCost", err)
			}
			if ce.EstimatedCost <= DefaultLimits.MaxEstimatedCost {
				t.Errorf("EstimatedCost = %d, not above the limit", ce.EstimatedCost)
			}
			if !strings.Contains(ce.Error(), "too expensive") {
				t.Errorf("message %q", ce.Error())
			}
		})
	}
	accepted := []string{
		`request.items.all(x, x > 0)`,
		`scopes.exists(s, s == "read") && user.roles.exists(r, r == "admin")`,
		`request.path.matches("^/a/[0-9]+$")`,
	}
	for _, def := range accepted {
		p := mustCompile(t, def)
		if p.EstimatedCost() == 0 || p.EstimatedCost() > DefaultLimits.MaxEstimatedCost {
			t.Errorf("%s: EstimatedCost = %d", def, p.EstimatedCost())
		}
	}
}

func bigList(n int) []any {
	l := make([]any, n)
	for i := range l {
		l[i] = int64(i)
	}
	return l
}

func TestEvaluateStopsAtRuntimeCostLimit(t *testing.T) {
	// The estimate would refuse this; a caller that lifted it still gets
	// the runtime limit.
	p, err := CompileWithLimits(`request.items.all(x, request.items.all(y, x != y || x == y))`,
		Limits{MaxEstimatedCost: 1 << 62, MaxCost: 10_000, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = p.Evaluate(context.Background(), map[string]any{"request": map[string]any{"items": bigList(200)}})
	if !errors.Is(err, ErrCostLimitExceeded) {
		t.Fatalf("err = %v, want ErrCostLimitExceeded", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("stopped after %v", d)
	}
	// The same program on a small input runs within the limit.
	ok, err := p.Evaluate(context.Background(), map[string]any{"request": map[string]any{"items": bigList(10)}})
	if err != nil || !ok {
		t.Fatalf("small input: %v, %v", ok, err)
	}
}

func TestEvaluateHonoursDeadline(t *testing.T) {
	p, err := CompileWithLimits(`request.items.all(x, request.items.all(y, x != y || x == y))`,
		Limits{MaxEstimatedCost: 1 << 62, MaxCost: 1 << 62, Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = p.Evaluate(context.Background(), map[string]any{"request": map[string]any{"items": bigList(MaxCollectionSize)}})
	elapsed := time.Since(start)
	if !errors.Is(err, ErrTimedOut) {
		t.Fatalf("err = %v, want ErrTimedOut", err)
	}
	if elapsed > 500*time.Millisecond {
		t.Errorf("deadline of 50ms honoured only after %v", elapsed)
	}
	t.Logf("stopped after %v", elapsed)
}

func TestEvaluateCallerCancellation(t *testing.T) {
	p, err := CompileWithLimits(`request.items.all(x, request.items.all(y, x != y || x == y))`,
		Limits{MaxEstimatedCost: 1 << 62, MaxCost: 1 << 62, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(30*time.Millisecond, cancel)
	_, err = p.Evaluate(ctx, map[string]any{"request": map[string]any{"items": bigList(MaxCollectionSize)}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	// An already cancelled context evaluates nothing.
	_, err = mustCompile(t, "true").Evaluate(ctx, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestTimeoutIsCapped(t *testing.T) {
	p, err := CompileWithLimits("true", Limits{Timeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if p.limits.Timeout != MaxTimeout {
		t.Errorf("Timeout = %v, want %v", p.limits.Timeout, MaxTimeout)
	}
	p = mustCompile(t, "true")
	if p.limits != DefaultLimits {
		t.Errorf("limits = %+v, want %+v", p.limits, DefaultLimits)
	}
}

func TestEvaluationErrors(t *testing.T) {
	in := mustInput(t, `{"request": {"method": "GET", "count": "3", "tags": ["a"]}, "user": {"name": "ann"}}`)
	tests := []struct {
		def, contains string
	}{
		{`request.missing == "x"`, "no such key: missing"},
		{`user.role == "admin"`, "no such key: role"},
		{`request.count + 1 > 3`, "no such overload"},
		{`request.tags[3] == "a"`, "index out of bounds"},
		{`request.method`, "the policy yielded a value of type string, not a boolean"},
		{`user.name.startsWith(1 == 1 ? "a" : "b") && request.tags.size() / 0 == 0`, "division by zero"},
	}
	for _, tc := range tests {
		t.Run(tc.def, func(t *testing.T) {
			p := mustCompile(t, tc.def)
			allowed, err := p.Evaluate(context.Background(), in)
			var ee *EvalError
			if !errors.As(err, &ee) {
				t.Fatalf("err = %v (%T), want *EvalError", err, err)
			}
			if allowed {
				t.Error("an evaluation error allowed")
			}
			if !strings.Contains(ee.Message, tc.contains) {
				t.Errorf("message %q does not contain %q", ee.Message, tc.contains)
			}
		})
	}
}

func TestMissingVariablesAreEmpty(t *testing.T) {
	p := mustCompile(t, `size(scopes) == 0 && !has(user.id) && size(request) == 0 && size(client) == 0`)
	for _, in := range []map[string]any{nil, {}, {"user": nil, "scopes": nil}} {
		ok, err := p.Evaluate(context.Background(), in)
		if err != nil || !ok {
			t.Errorf("Evaluate(%v) = %v, %v", in, ok, err)
		}
	}
}

func TestEvaluateAcceptsGoValues(t *testing.T) {
	p := mustCompile(t, `user.age == 30 && "read" in scopes && request.headers["a"] == "b" && request.n == 2u && request.f > 1.0`)
	ok, err := p.Evaluate(context.Background(), map[string]any{
		"user":    map[string]any{"age": 30},
		"scopes":  []string{"read"},
		"request": map[string]any{"headers": map[string]string{"a": "b"}, "n": uint(2), "f": float32(1.5)},
	})
	if err != nil || !ok {
		t.Fatalf("Evaluate = %v, %v", ok, err)
	}
	_, err = p.Evaluate(context.Background(), map[string]any{"user": map[string]any{"at": time.Now()}})
	var ie *InputError
	if !errors.As(err, &ie) || ie.Path != "user.at" {
		t.Fatalf("err = %v, want *InputError at user.at", err)
	}
}

func TestParseInput(t *testing.T) {
	in := mustInput(t, `{"request": {"n": 3, "f": 3.0, "e": 1e3, "big": 12345678901234567890}, "scopes": ["a", "b"]}`)
	req := in[VarRequest].(map[string]any)
	if _, ok := req["n"].(int64); !ok {
		t.Errorf("3 parsed as %T, want int64", req["n"])
	}
	if _, ok := req["f"].(float64); !ok {
		t.Errorf("3.0 parsed as %T, want float64", req["f"])
	}
	if _, ok := req["e"].(float64); !ok {
		t.Errorf("1e3 parsed as %T, want float64", req["e"])
	}
	if _, ok := req["big"].(float64); !ok {
		t.Errorf("a number beyond int64 parsed as %T, want float64", req["big"])
	}
	if s := in[VarScopes].([]string); len(s) != 2 || s[1] != "b" {
		t.Errorf("scopes = %v", s)
	}
	if in, err := ParseInput([]byte("  ")); err != nil || len(in) != 0 {
		t.Errorf("empty input = %v, %v", in, err)
	}

	deep := strings.Repeat(`{"a":`, MaxInputDepth+1) + "1" + strings.Repeat("}", MaxInputDepth+1)
	manyScopes := `{"scopes": [` + strings.TrimSuffix(strings.Repeat(`"s",`, MaxCollectionSize+1), ",") + `]}`
	manyItems := `{"request": {"items": [` + strings.TrimSuffix(strings.Repeat(`1,`, MaxCollectionSize+1), ",") + `]}}`
	longString := `{"user": {"name": "` + strings.Repeat("x", MaxStringLength+1) + `"}}`
	bad := []struct {
		name, js, path, contains string
	}{
		{"not JSON", `{"request": }`, "", "not valid JSON"},
		{"truncated", `{"request": {"a": 1}`, "", "unexpected end of input"},
		{"trailing data", `{"request": {}} {}`, "", "unexpected data after the object"},
		{"array", `[1, 2]`, "", "must be a JSON object"},
		{"unknown key", `{"requests": {}}`, "requests", "unknown key"},
		{"request not an object", `{"request": "GET"}`, "request", "must be an object"},
		{"scopes not a list", `{"scopes": "read"}`, "scopes", "must be a list of strings"},
		{"scope not a string", `{"scopes": ["read", 2]}`, "scopes[1]", "must be a string"},
		{"too many scopes", manyScopes, "scopes", "at most 1000"},
		{"too many items", manyItems, "request.items", "at most 1000"},
		{"too long", longString, "user.name", "at most 8192"},
		{"too deep", `{"request": ` + deep + `}`, "", "nested deeper than 32"},
		{"out of range", `{"request": {"x": 1e400}}`, "request.x", "out of range"},
		{"too large", `{"request": {"x": "` + strings.Repeat("y", MaxInputBytes) + `"}}`, "", "at most 262144"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseInput([]byte(tc.js))
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("err = %v (%T), want *InputError", err, err)
			}
			if tc.path != "" && ie.Path != tc.path {
				t.Errorf("Path = %q, want %q", ie.Path, tc.path)
			}
			if !strings.Contains(ie.Message, tc.contains) {
				t.Errorf("Message %q does not contain %q", ie.Message, tc.contains)
			}
		})
	}
}

func TestConcurrentEvaluation(t *testing.T) {
	p := mustCompile(t, `user.n % 2 == 0 && "x" in scopes`)
	var wg sync.WaitGroup
	errs := make(chan error, 400)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				n := g*50 + i
				ok, err := p.Evaluate(context.Background(), map[string]any{"user": map[string]any{"n": n}, "scopes": []string{"x"}})
				if err != nil {
					errs <- err
					return
				}
				if ok != (n%2 == 0) {
					errs <- fmt.Errorf("n=%d: allowed=%v", n, ok)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func BenchmarkEvaluate(b *testing.B) {
	p := mustCompile(b, `request.method == "GET" && "accounts:read" in scopes && user.roles.exists(r, r == "admin") && client.type == "web"`)
	in := mustInput(b, `{"request": {"method": "GET", "path": "/accounts/42"}, "user": {"roles": ["billing", "admin"]}, "client": {"type": "web"}, "scopes": ["accounts:read"]}`)
	ctx := context.Background()
	for b.Loop() {
		ok, err := p.Evaluate(ctx, in)
		if err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}

func BenchmarkCompile(b *testing.B) {
	for b.Loop() {
		if _, err := Compile(`request.method == "GET" && "accounts:read" in scopes && user.roles.exists(r, r == "admin")`); err != nil {
			b.Fatal(err)
		}
	}
}
