package fga

import (
	"fmt"
	"sort"
	"strings"

	"github.com/antlr4-go/antlr/v4"
	parser "github.com/openfga/language/pkg/go/gen"
	"github.com/openfga/language/pkg/go/transformer"
	"google.golang.org/protobuf/encoding/protojson"

	openfgav1 "github.com/openfga/api/proto/openfga/v1"
)

// MaxModelBytes is the largest model Parse reads.
const MaxModelBytes = 64 << 10

// SchemaVersion is the only schema version of the modeling language that
// Parse accepts (1.0 has no type restrictions; 1.2 is for modular models).
const SchemaVersion = "1.1"

// Model is a parsed and validated authorization model. It is immutable and
// safe for concurrent use.
type Model struct {
	proto *openfgav1.AuthorizationModel
	types map[string]*typeDef
	order []string // type names as written
}

type typeDef struct {
	name      string
	relations map[string]*relationDef
	order     []string // relation names, sorted
}

type relationDef struct {
	name    string
	rewrite *openfgav1.Userset
	// direct are the type restrictions: who may be assigned directly.
	direct []SubjectType
}

// SubjectType is one type restriction of a relation: a type ("user"), a
// wildcard of a type ("user:*"), or a userset of a type ("group#member").
type SubjectType struct {
	Type     string
	Relation string
	Wildcard bool
}

func (s SubjectType) String() string {
	switch {
	case s.Wildcard:
		return s.Type + ":*"
	case s.Relation != "":
		return s.Type + "#" + s.Relation
	}
	return s.Type
}

// assignable tells whether subjects can be assigned to the relation by a
// tuple (its definition includes a direct type restriction).
func (r *relationDef) assignable() bool { return len(r.direct) > 0 }

// Parse reads a model in the OpenFGA modeling language and validates it.
// A model that does not parse or is not valid comes back as a *ParseError
// listing every issue with its line and column (1-based; 0 when the issue
// concerns no particular place).
func Parse(dsl string) (m *Model, err error) {
	if len(dsl) > MaxModelBytes {
		return nil, &ParseError{Issues: []Issue{{Message: fmt.Sprintf("the model is %d bytes; at most %d are accepted", len(dsl), MaxModelBytes)}}}
	}
	if strings.TrimSpace(dsl) == "" {
		return nil, &ParseError{Issues: []Issue{{Message: "the model is empty: start with \"model\", then \"schema 1.1\", then the types"}}}
	}
	if issues := syntaxIssues(dsl); len(issues) > 0 {
		return nil, &ParseError{Issues: issues}
	}
	proto, err := transformer.TransformDSLToProto(dsl)
	if err != nil {
		// syntaxIssues found nothing, so this is unexpected; keep the
		// parser's own words.
		return nil, &ParseError{Issues: []Issue{{Message: err.Error()}}}
	}
	m, issues := build(proto, strings.Split(dsl, "\n"))
	if len(issues) > 0 {
		return nil, &ParseError{Issues: issues}
	}
	return m, nil
}

// syntaxIssues runs OpenFGA's lexer, parser and DSL listener with an error
// listener of ours, so that each error keeps its line and column as
// numbers. Comments are blanked first exactly as the transformer does,
// which keeps lines and columns in place.
func syntaxIssues(dsl string) (issues []Issue) {
	defer func() {
		if r := recover(); r != nil {
			issues = append(issues, Issue{Message: fmt.Sprintf("the model could not be parsed: %v", r)})
		}
	}()
	collector := &errorCollector{DefaultErrorListener: antlr.NewDefaultErrorListener()}
	lexer := parser.NewOpenFGALexer(antlr.NewInputStream(stripComments(dsl)))
	lexer.RemoveErrorListeners()
	lexer.AddErrorListener(collector)
	p := parser.NewOpenFGAParser(antlr.NewCommonTokenStream(lexer, antlr.TokenDefaultChannel))
	p.RemoveErrorListeners()
	p.AddErrorListener(collector)
	// The transformer's listener reports semantic errors of the syntax
	// (a relation defined twice, extend outside a module) through the
	// parser's error listeners, hence through ours.
	antlr.ParseTreeWalkerDefault.Walk(new(transformer.OpenFgaDslListener), p.Main())
	return collector.issues
}

// stripComments blanks comment lines and cuts trailing " #" comments, as
// OpenFGA's transformer does before parsing.
func stripComments(dsl string) string {
	lines := strings.Split(dsl, "\n")
	for i, line := range lines {
		trimmed := strings.TrimLeft(line, " ")
		switch {
		case trimmed == "", strings.HasPrefix(trimmed, "#"):
			lines[i] = ""
		default:
			if j := strings.Index(line, " #"); j >= 0 {
				line = line[:j]
			}
			lines[i] = strings.TrimRight(line, " ")
		}
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n")
}

type errorCollector struct {
	*antlr.DefaultErrorListener
	issues []Issue
}

func (c *errorCollector) SyntaxError(_ antlr.Recognizer, _ any, line, column int, msg string, _ antlr.RecognitionException) {
	if len(c.issues) >= maxIssues {
		return
	}
	// ANTLR's lines are 1-based, its columns 0-based.
	c.issues = append(c.issues, Issue{Line: line, Column: column + 1, Message: msg})
}

// maxIssues bounds the issues reported for one model.
const maxIssues = 50

// reservedNames cannot name a type or a relation in OpenFGA.
var reservedNames = map[string]bool{"self": true, "this": true}

// build turns the parsed protobuf model into a Model, validating it.
func build(proto *openfgav1.AuthorizationModel, lines []string) (*Model, []Issue) {
	loc := locator{lines: lines}
	var issues []Issue
	add := func(is Issue) {
		if len(issues) < maxIssues {
			issues = append(issues, is)
		}
	}
	if v := proto.GetSchemaVersion(); v != SchemaVersion {
		line, col := loc.word(0, "schema")
		add(Issue{Line: line, Column: col, Message: fmt.Sprintf("schema %s is not supported: write \"schema %s\"", v, SchemaVersion)})
		return nil, issues
	}
	if len(proto.GetConditions()) > 0 {
		names := make([]string, 0, len(proto.GetConditions()))
		for n := range proto.GetConditions() {
			names = append(names, n)
		}
		sort.Strings(names)
		line, col := loc.word(0, "condition")
		add(Issue{Line: line, Column: col, Message: fmt.Sprintf("conditions are not supported in Gatehouse permission systems (found %s)", strings.Join(names, ", "))})
	}

	m := &Model{proto: proto, types: map[string]*typeDef{}}
	for _, td := range proto.GetTypeDefinitions() {
		name := td.GetType()
		typeLine := loc.typeLine(name)
		if reservedNames[name] {
			add(Issue{Line: typeLine + 1, Column: loc.col(typeLine, name), Message: fmt.Sprintf("%q is a reserved word and cannot name a type", name)})
		}
		if _, dup := m.types[name]; dup {
			// typeLine finds the first definition; point at the second.
			second := loc.typeLineAfter(name, typeLine+1)
			add(Issue{Line: second + 1, Column: loc.col(second, name), Message: fmt.Sprintf("the type %q is defined twice", name)})
			continue
		}
		t := &typeDef{name: name, relations: map[string]*relationDef{}}
		for rel, rw := range td.GetRelations() {
			r := &relationDef{name: rel, rewrite: rw}
			for _, ref := range td.GetMetadata().GetRelations()[rel].GetDirectlyRelatedUserTypes() {
				if ref.GetCondition() != "" {
					line := loc.relationLine(name, rel)
					add(Issue{Line: line + 1, Column: loc.col(line, "with"), Message: fmt.Sprintf("the condition %q in %s of %s is not supported", ref.GetCondition(), rel, name)})
				}
				r.direct = append(r.direct, SubjectType{Type: ref.GetType(), Relation: ref.GetRelation(), Wildcard: ref.GetWildcard() != nil})
			}
			t.relations[rel] = r
			t.order = append(t.order, rel)
		}
		sort.Strings(t.order)
		m.types[name] = t
		m.order = append(m.order, name)
	}
	if len(m.types) == 0 {
		add(Issue{Message: "the model defines no type"})
	}
	for _, typeName := range m.order {
		t := m.types[typeName]
		for _, relName := range t.order {
			r := t.relations[relName]
			for _, is := range m.validateRelation(t, r, loc) {
				add(is)
			}
		}
	}
	if len(issues) == 0 {
		for _, is := range m.entrypointIssues(loc) {
			add(is)
		}
	}
	if len(issues) > 0 {
		return nil, issues
	}
	return m, nil
}

// validateRelation checks the names a relation's definition refers to.
func (m *Model) validateRelation(t *typeDef, r *relationDef, loc locator) []Issue {
	var issues []Issue
	line := loc.relationLine(t.name, r.name)
	at := func(symbol, msg string) {
		issues = append(issues, Issue{Line: line + 1, Column: loc.colAfterColon(line, symbol), Message: msg})
	}
	if reservedNames[r.name] {
		issues = append(issues, Issue{Line: line + 1, Column: loc.col(line, r.name), Message: fmt.Sprintf("%q is a reserved word and cannot name a relation", r.name)})
	}
	for _, st := range r.direct {
		target, ok := m.types[st.Type]
		switch {
		case !ok:
			at(st.Type, fmt.Sprintf("%s of %s allows the type %q, which is not defined", r.name, t.name, st.Type))
		case st.Relation != "" && target.relations[st.Relation] == nil:
			at(st.String(), fmt.Sprintf("%s of %s allows %s, but %s has no relation %q", r.name, t.name, st, st.Type, st.Relation))
		}
	}
	walkRewrite(r.rewrite, func(u *openfgav1.Userset) {
		switch kindOf(u) {
		case kindComputed:
			name := u.GetComputedUserset().GetRelation()
			if t.relations[name] == nil {
				at(name, fmt.Sprintf("%s of %s refers to %q, which is not a relation of %s", r.name, t.name, name, t.name))
			}
		case kindTupleToUserset:
			ttu := u.GetTupleToUserset()
			tupleset, computed := ttu.GetTupleset().GetRelation(), ttu.GetComputedUserset().GetRelation()
			ts := t.relations[tupleset]
			if ts == nil {
				at(tupleset, fmt.Sprintf("%s of %s refers to %q in \"%s from %s\", which is not a relation of %s", r.name, t.name, tupleset, computed, tupleset, t.name))
				return
			}
			if kindOf(ts.rewrite) != kindThis {
				at(tupleset, fmt.Sprintf("%q in \"%s from %s\" must be a direct relation of %s (like \"define %s: [folder]\")", tupleset, computed, tupleset, t.name, tupleset))
				return
			}
			found := false
			for _, st := range ts.direct {
				if st.Relation != "" || st.Wildcard {
					at(tupleset, fmt.Sprintf("%q in \"%s from %s\" may only allow plain types, not %s", tupleset, computed, tupleset, st))
					return
				}
				if target := m.types[st.Type]; target != nil && target.relations[computed] != nil {
					found = true
				}
			}
			if !found {
				at(computed, fmt.Sprintf("in \"%s from %s\", none of the types %s allows has a relation %q", computed, tupleset, tupleset, computed))
			}
		}
	})
	return issues
}

// walkRewrite calls fn for every node of a rewrite.
func walkRewrite(u *openfgav1.Userset, fn func(*openfgav1.Userset)) {
	if u == nil {
		return
	}
	fn(u)
	switch kindOf(u) {
	case kindUnion:
		for _, c := range u.GetUnion().GetChild() {
			walkRewrite(c, fn)
		}
	case kindIntersection:
		for _, c := range u.GetIntersection().GetChild() {
			walkRewrite(c, fn)
		}
	case kindDifference:
		walkRewrite(u.GetDifference().GetBase(), fn)
		walkRewrite(u.GetDifference().GetSubtract(), fn)
	}
}

// entrypointIssues finds relations that no tuple can ever satisfy: a
// relation has an entrypoint when some chain of its definition ends at a
// direct assignment of a plain type or a wildcard. Relations defined only
// through each other (viewer: editor, editor: viewer) have none: OpenFGA
// refuses such models, and so do we.
func (m *Model) entrypointIssues(loc locator) []Issue {
	type key struct{ typ, rel string }
	has := map[key]bool{}
	// eval tells whether rewrite u of relation r of type t has an
	// entrypoint, given what is known so far.
	var eval func(t *typeDef, r *relationDef, u *openfgav1.Userset) bool
	eval = func(t *typeDef, r *relationDef, u *openfgav1.Userset) bool {
		switch kindOf(u) {
		case kindThis:
			for _, st := range r.direct {
				if st.Relation == "" || has[key{st.Type, st.Relation}] {
					return true
				}
			}
			return false
		case kindComputed:
			return has[key{t.name, u.GetComputedUserset().GetRelation()}]
		case kindTupleToUserset:
			ttu := u.GetTupleToUserset()
			for _, st := range t.relations[ttu.GetTupleset().GetRelation()].direct {
				if has[key{st.Type, ttu.GetComputedUserset().GetRelation()}] {
					return true
				}
			}
			return false
		case kindUnion:
			for _, c := range u.GetUnion().GetChild() {
				if eval(t, r, c) {
					return true
				}
			}
			return false
		case kindIntersection:
			for _, c := range u.GetIntersection().GetChild() {
				if !eval(t, r, c) {
					return false
				}
			}
			return len(u.GetIntersection().GetChild()) > 0
		case kindDifference:
			return eval(t, r, u.GetDifference().GetBase())
		}
		return false
	}
	for changed := true; changed; {
		changed = false
		for _, tn := range m.order {
			t := m.types[tn]
			for _, rn := range t.order {
				k := key{tn, rn}
				if !has[k] && eval(t, t.relations[rn], t.relations[rn].rewrite) {
					has[k] = true
					changed = true
				}
			}
		}
	}
	var issues []Issue
	for _, tn := range m.order {
		t := m.types[tn]
		for _, rn := range t.order {
			if !has[key{tn, rn}] {
				line := loc.relationLine(tn, rn)
				issues = append(issues, Issue{Line: line + 1, Column: loc.col(line, rn),
					Message: fmt.Sprintf("%s of %s can never be satisfied: no chain of its definition ends at a direct assignment (a cycle, or an intersection with such a relation)", rn, tn)})
			}
		}
	}
	return issues
}

// locator finds where a name appears in the model's text, for issues that
// come from validating the parsed model. Line indexes are 0-based; -1 when
// not found (the issue then has no line).
type locator struct{ lines []string }

func (l locator) typeLineAfter(name string, from int) int {
	for i := max(from, 0); i < len(l.lines); i++ {
		f := strings.Fields(l.lines[i])
		if len(f) >= 2 && f[0] == "type" && f[1] == name {
			return i
		}
	}
	return -1
}

func (l locator) typeLine(name string) int { return l.typeLineAfter(name, 0) }

func (l locator) relationLine(typ, rel string) int {
	start := l.typeLine(typ)
	if start < 0 {
		return -1
	}
	for i := start + 1; i < len(l.lines); i++ {
		f := strings.Fields(l.lines[i])
		if len(f) >= 1 && f[0] == "type" {
			break
		}
		if len(f) >= 2 && f[0] == "define" && strings.TrimSuffix(f[1], ":") == rel {
			return i
		}
	}
	return -1
}

// word finds the first line whose first word is w, from line index from.
func (l locator) word(from int, w string) (line, col int) {
	for i := from; i < len(l.lines); i++ {
		f := strings.Fields(l.lines[i])
		if len(f) >= 1 && f[0] == w {
			return i + 1, strings.Index(l.lines[i], w) + 1
		}
	}
	return 0, 0
}

// col is the 1-based column of the first occurrence of symbol as a whole
// word in line i, or 0.
func (l locator) col(i int, symbol string) int {
	if i < 0 || i >= len(l.lines) {
		return 0
	}
	return wordIndex(l.lines[i], symbol, 0) + 1
}

// colAfterColon is col, looking only past the line's first ':' (the
// definition, not the relation's name).
func (l locator) colAfterColon(i int, symbol string) int {
	if i < 0 || i >= len(l.lines) {
		return 0
	}
	line := l.lines[i]
	from := strings.IndexByte(line, ':') + 1
	return wordIndex(line, symbol, from) + 1
}

// wordIndex is the index of symbol in s at or after from, not inside a
// longer name; -1 when absent.
func wordIndex(s, symbol string, from int) int {
	isName := func(b byte) bool {
		return b == '_' || b == '-' || b == '.' || b == '/' || ('0' <= b && b <= '9') || ('a' <= b && b <= 'z') || ('A' <= b && b <= 'Z')
	}
	for i := from; i <= len(s)-len(symbol); {
		j := strings.Index(s[i:], symbol)
		if j < 0 {
			return -1
		}
		j += i
		end := j + len(symbol)
		if (j == 0 || !isName(s[j-1])) && (end == len(s) || !isName(s[end])) {
			return j
		}
		i = j + 1
	}
	return -1
}

// JSON is the model in OpenFGA's JSON form (what its API accepts).
func (m *Model) JSON() ([]byte, error) {
	return protojson.Marshal(m.proto)
}

// DSL is the model written back in the modeling language, normalized.
func (m *Model) DSL() (string, error) {
	// Through JSON: the transformer's own protobuf leaves the message of a
	// direct assignment nil, which its DSL writer does not recognize.
	js, err := m.JSON()
	if err != nil {
		return "", err
	}
	dsl, err := transformer.TransformJSONStringToDSL(string(js))
	if err != nil {
		return "", err
	}
	return *dsl, nil
}

// TypeInfo describes a type of the model, for forms and help.
type TypeInfo struct {
	Name      string
	Relations []RelationInfo
}

// RelationInfo describes a relation: who may be assigned to it directly
// (empty when it is only computed from other relations).
type RelationInfo struct {
	Name       string
	Assignable []SubjectType
}

// Types lists the model's types in the order written, each with its
// relations in alphabetical order.
func (m *Model) Types() []TypeInfo {
	out := make([]TypeInfo, 0, len(m.order))
	for _, tn := range m.order {
		t := m.types[tn]
		ti := TypeInfo{Name: tn}
		for _, rn := range t.order {
			ti.Relations = append(ti.Relations, RelationInfo{Name: rn, Assignable: append([]SubjectType(nil), t.relations[rn].direct...)})
		}
		out = append(out, ti)
	}
	return out
}

// rewriteKind is which of the oneof cases a rewrite node holds. The
// transformer leaves the message of a direct assignment nil
// (&Userset_This{}), so GetThis() cannot tell; the case's type can.
type rewriteKind int

const (
	kindNone rewriteKind = iota
	kindThis
	kindComputed
	kindTupleToUserset
	kindUnion
	kindIntersection
	kindDifference
)

func kindOf(u *openfgav1.Userset) rewriteKind {
	switch u.GetUserset().(type) {
	case *openfgav1.Userset_This:
		return kindThis
	case *openfgav1.Userset_ComputedUserset:
		return kindComputed
	case *openfgav1.Userset_TupleToUserset:
		return kindTupleToUserset
	case *openfgav1.Userset_Union:
		return kindUnion
	case *openfgav1.Userset_Intersection:
		return kindIntersection
	case *openfgav1.Userset_Difference:
		return kindDifference
	}
	return kindNone
}
