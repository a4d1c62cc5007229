package fga

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// driveModel is the classic model of OpenFGA's documentation: documents in
// folders (tuple-to-userset through parent), groups with nested membership
// (usersets), public documents (wildcard), a block list ("but not") and an
// intersection.
const driveModel = `model
  schema 1.1

# people and teams
type user

type group
  relations
    define member: [user, group#member]

type folder
  relations
    define owner: [user]
    define parent: [folder]
    define viewer: [user, group#member] or owner or viewer from parent

type document
  relations
    define parent: [folder]
    define owner: [user]
    define editor: [user, group#member] or owner
    define viewer: [user, user:*, group#member] or editor or viewer from parent
    define blocked: [user, group#member]
    define can_view: viewer but not blocked
    define can_share: owner and editor
    define approver: [user]
    define can_publish: ((editor or owner) and approver) but not blocked
`

func mustParse(t testing.TB, dsl string) *Model {
	t.Helper()
	m, err := Parse(dsl)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return m
}

func tuples(lines ...string) []Tuple {
	out := make([]Tuple, 0, len(lines))
	for _, l := range lines {
		objRel, subj, ok := strings.Cut(l, "@")
		obj, rel, ok2 := strings.Cut(objRel, "#")
		if !ok || !ok2 {
			panic("bad tuple " + l)
		}
		out = append(out, Tuple{Object: obj, Relation: rel, Subject: subj})
	}
	return out
}

func TestParseModel(t *testing.T) {
	m := mustParse(t, driveModel)
	types := m.Types()
	var names []string
	for _, ti := range types {
		names = append(names, ti.Name)
	}
	if got := strings.Join(names, ","); got != "user,group,folder,document" {
		t.Errorf("types = %s", got)
	}
	doc := types[3]
	var rels []string
	for _, r := range doc.Relations {
		var assignable []string
		for _, st := range r.Assignable {
			assignable = append(assignable, st.String())
		}
		rels = append(rels, r.Name+"["+strings.Join(assignable, " ")+"]")
	}
	want := "approver[user],blocked[user group#member],can_publish[],can_share[],can_view[],editor[user group#member],owner[user],parent[folder],viewer[user user:* group#member]"
	if got := strings.Join(rels, ","); got != want {
		t.Errorf("document relations =\n%s\nwant\n%s", got, want)
	}
	js, err := m.JSON()
	if err != nil || !strings.Contains(string(js), `"schema_version":"1.1"`) {
		t.Errorf("JSON = %s, %v", js, err)
	}
	dsl, err := m.DSL()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(dsl); err != nil {
		t.Errorf("the model written back does not parse: %v\n%s", err, dsl)
	}
}

func TestParseErrorsAtLineAndColumn(t *testing.T) {
	const head = "model\n  schema 1.1\ntype user\ntype document\n  relations\n"
	tests := []struct {
		name         string
		dsl          string
		line, column int
		contains     string
	}{
		{"missing colon", head + "    define viewer [user]", 6, 19, "missing ':'"},
		{"relation defined twice", head + "    define viewer: [user]\n    define viewer: [user]", 7, 12, "'viewer' is already defined in 'document'"},
		{"unknown type in a restriction", head + "    define viewer: [usr]", 6, 21, `allows the type "usr", which is not defined`},
		{"unknown userset relation", head + "    define viewer: [document#editor]", 6, 21, `document has no relation "editor"`},
		{"unknown computed relation", head + "    define viewer: [user] or editr", 6, 30, `refers to "editr", which is not a relation of document`},
		{"unknown tupleset", head + "    define viewer: [user] or viewer from parent", 6, 42, `refers to "parent" in "viewer from parent"`},
		{"tupleset not direct", head + "    define owner: [user]\n    define parent: owner\n    define viewer: viewer from parent", 8, 32, "must be a direct relation"},
		{"tupleset with a userset", head + "    define parent: [document#viewer]\n    define viewer: [user] or viewer from parent", 7, 42, "may only allow plain types"},
		{"computed relation on no tupleset type", head + "    define parent: [user]\n    define viewer: [user] or viewer from parent", 7, 30, `none of the types parent allows has a relation "viewer"`},
		{"cycle without entrypoint", head + "    define viewer: editor\n    define editor: viewer", 7, 12, "editor of document can never be satisfied"},
		{"intersection with an impossible part", head + "    define a: [user] and b\n    define b: b", 6, 12, "a of document can never be satisfied"},
		{"type defined twice", "model\n  schema 1.1\ntype user\ntype document\ntype user", 5, 6, `the type "user" is defined twice`},
		{"reserved relation name", head + "    define this: [user]", 6, 12, `"this" is a reserved word`},
		{"old schema", "model\n  schema 1.0\ntype user", 2, 3, "schema 1.0 is not supported"},
		{"condition", head + "    define viewer: [user with in_office]\n\ncondition in_office(ip: ipaddress) {\n  ip.in_cidr(\"10.0.0.0/8\")\n}", 8, 1, "conditions are not supported"},
		{"no model header", "type user", 1, 1, ""},
		{"comments keep positions", "# a model\nmodel\n  schema 1.1  # the version\ntype user # people\ntype document\n  relations\n    define viewer: [user] # who reads\n    define owner [user]", 8, 18, "missing ':'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.dsl)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v (%T), want *ParseError", err, err)
			}
			is := pe.Issues[0]
			if is.Line != tc.line || is.Column != tc.column {
				t.Errorf("first issue at %d:%d, want %d:%d (all: %v)", is.Line, is.Column, tc.line, tc.column, pe)
			}
			if !strings.Contains(is.Message, tc.contains) {
				t.Errorf("message %q does not contain %q", is.Message, tc.contains)
			}
		})
	}
}

func TestParseRefusesEmptyAndOversized(t *testing.T) {
	for _, dsl := range []string{"", "  \n ", strings.Repeat("#", MaxModelBytes+1)} {
		_, err := Parse(dsl)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%.20q) = %v", dsl, err)
		}
	}
	_, err := Parse("model\n  schema 1.1\ntype user\ntype document\n  relations\n    define viewer [user]")
	if got := err.Error(); got != "line 6, column 19: missing ':' at '['" {
		t.Errorf("Error() = %q", got)
	}
}

func TestValidateTuple(t *testing.T) {
	m := mustParse(t, driveModel)
	for _, tu := range tuples(
		"document:plan#viewer@user:ann",
		"document:plan#viewer@user:*",
		"document:plan#viewer@group:eng#member",
		"document:plan#parent@folder:specs",
		"group:eng#member@group:backend#member",
		"folder:specs#viewer@group:eng#member",
		"document:a/b.c-d_e#owner@user:ann@example.com",
	) {
		if err := m.ValidateTuple(tu); err != nil {
			t.Errorf("ValidateTuple(%s) = %v", tu, err)
		}
	}
	bad := []struct {
		tuple    Tuple
		field    string
		contains string
	}{
		{Tuple{"plan", "viewer", "user:ann"}, "object", "not an object"},
		{Tuple{"document:", "viewer", "user:ann"}, "object", "not an object"},
		{Tuple{"document:*", "viewer", "user:ann"}, "object", "not an object"},
		{Tuple{"doc:plan", "viewer", "user:ann"}, "object", `no type "doc"`},
		{Tuple{"document:plan", "reader", "user:ann"}, "relation", `document has no relation "reader"`},
		{Tuple{"document:plan", "can_view", "user:ann"}, "relation", "cannot be assigned directly"},
		{Tuple{"document:plan", "owner", "group:eng#member"}, "subject", "owner of document allows only user, not group#member"},
		{Tuple{"document:plan", "owner", "user:*"}, "subject", "allows only user, not user:*"},
		{Tuple{"document:plan", "viewer", "folder:specs"}, "subject", "not folder"},
		{Tuple{"document:plan", "parent", "folder:*"}, "subject", "not folder:*"},
		{Tuple{"document:plan", "viewer", "ann"}, "subject", "not a subject"},
		{Tuple{"document:plan", "viewer", "user:ann#"}, "subject", "not a subject"},
		{Tuple{"document:plan", "viewer", "user:a b"}, "subject", "not a subject"},
	}
	for _, tc := range bad {
		err := m.ValidateTuple(tc.tuple)
		var fe *FieldError
		if !errors.As(err, &fe) {
			t.Errorf("ValidateTuple(%s) = %v, want *FieldError", tc.tuple, err)
			continue
		}
		if fe.Field != tc.field || !strings.Contains(fe.Message, tc.contains) {
			t.Errorf("ValidateTuple(%s) = %s: %s; want %s containing %q", tc.tuple, fe.Field, fe.Message, tc.field, tc.contains)
		}
	}
}

func kinds(path []Step) string {
	parts := make([]string, len(path))
	for i, s := range path {
		parts[i] = fmt.Sprintf("%d:%s", s.Depth, s.Kind)
	}
	return strings.Join(parts, " ")
}

func TestCheckClassicExamples(t *testing.T) {
	m := mustParse(t, driveModel)
	c := m.NewChecker(tuples(
		// direct and computed
		"document:plan#viewer@user:ann",
		"document:plan#owner@user:olga",
		"document:plan#owner@user:oscar",
		// usersets, nested groups
		"document:plan#viewer@group:eng#member",
		"group:eng#member@user:bob",
		"group:eng#member@group:backend#member",
		"group:backend#member@user:carl",
		// tuple-to-userset through two folders
		"document:plan#parent@folder:specs",
		"folder:specs#parent@folder:root",
		"folder:specs#viewer@user:dana",
		"folder:root#owner@user:erin",
		// wildcard
		"document:public#viewer@user:*",
		// but not
		"document:plan#blocked@user:ann",
		"document:plan#blocked@group:contractors#member",
		"group:contractors#member@user:carl",
		// intersection
		"document:plan#editor@user:olga",
		"document:plan#editor@user:fred",
		"document:plan#approver@user:olga",
		"document:plan#approver@user:fred",
	))
	tests := []struct {
		relation, object, subject string
		allowed                   bool
		path                      string // step kinds with depths
		texts                     []string
	}{
		{"viewer", "document:plan", "user:ann", true, "0:direct",
			[]string{"user:ann is viewer of document:plan (tuple document:plan#viewer@user:ann)"}},
		{"viewer", "document:plan", "user:oscar", true, "0:computed 1:computed 2:direct",
			[]string{
				"viewer of document:plan includes every editor of document:plan (computed from editor)",
				"editor of document:plan includes every owner of document:plan (computed from owner)",
				"user:oscar is owner of document:plan (tuple document:plan#owner@user:oscar)",
			}},
		{"viewer", "document:plan", "user:olga", true, "0:computed 1:direct", nil}, // the first branch that allows
		{"viewer", "document:plan", "user:bob", true, "0:userset 1:direct",
			[]string{
				"every member of group:eng is viewer of document:plan (tuple document:plan#viewer@group:eng#member)",
				"user:bob is member of group:eng (tuple group:eng#member@user:bob)",
			}},
		{"viewer", "document:plan", "user:carl", true, "0:userset 1:userset 2:direct", nil},
		{"viewer", "document:plan", "user:dana", true, "0:tuple_to_userset 1:direct",
			[]string{
				"viewer of document:plan includes every viewer of its parent folder:specs (tuple document:plan#parent@folder:specs)",
				"user:dana is viewer of folder:specs (tuple folder:specs#viewer@user:dana)",
			}},
		{"viewer", "document:plan", "user:erin", true, "0:tuple_to_userset 1:tuple_to_userset 2:computed 3:direct", nil},
		{"viewer", "document:plan", "user:zoe", false, "", nil},
		{"viewer", "document:public", "user:zoe", true, "0:wildcard",
			[]string{"every user is viewer of document:public (tuple document:public#viewer@user:*)"}},
		{"viewer", "document:public", "user:*", true, "0:direct", nil},
		{"viewer", "document:plan", "user:*", false, "", nil},
		{"viewer", "document:public", "group:eng#member", false, "", nil},
		// a userset as the subject
		{"viewer", "document:plan", "group:eng#member", true, "0:direct", nil},
		{"viewer", "document:plan", "group:backend#member", true, "0:userset 1:direct", nil},
		{"member", "group:eng", "group:eng#member", true, "0:self",
			[]string{"group:eng#member is by definition member of group:eng"}},
		// but not
		{"can_view", "document:plan", "user:ann", false, "", nil},
		{"can_view", "document:plan", "user:carl", false, "", nil}, // viewer through eng, blocked through contractors
		{"can_view", "document:plan", "user:bob", true, "0:exclusion 1:computed 2:userset 3:direct",
			[]string{`user:bob is not excluded from can_view of document:plan ("but not blocked" does not hold)`}},
		{"can_view", "document:plan", "user:dana", true, "0:exclusion 1:computed 2:tuple_to_userset 3:direct", nil},
		// and
		{"can_share", "document:plan", "user:olga", true, "0:intersection 1:computed 2:direct 1:computed 2:direct",
			[]string{"can_share of document:plan requires all of: owner and editor; each holds"}},
		{"can_share", "document:plan", "user:fred", false, "", nil}, // editor, not owner
		{"can_publish", "document:plan", "user:fred", true, "0:exclusion 1:intersection 2:computed 3:direct 2:computed 3:direct", nil},
		{"can_publish", "document:plan", "user:bob", false, "", nil},
		{"can_publish", "document:plan", "user:ann", false, "", nil},
		// nothing known about the object
		{"viewer", "document:unknown", "user:ann", false, "", nil},
		{"viewer", "folder:root", "user:erin", true, "0:computed 1:direct", nil},
		{"viewer", "folder:root", "user:dana", false, "", nil}, // viewers of a child do not see the parent
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s#%s@%s", tc.object, tc.relation, tc.subject), func(t *testing.T) {
			res, err := c.Check(tc.object, tc.relation, tc.subject)
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if res.Allowed != tc.allowed {
				t.Fatalf("Allowed = %v, want %v (path %v)", res.Allowed, tc.allowed, res.Path)
			}
			if got := kinds(res.Path); got != tc.path {
				t.Errorf("path = %s, want %s\n%v", got, tc.path, res.Path)
			}
			for i, text := range tc.texts {
				if i >= len(res.Path) || res.Path[i].Text != text {
					t.Errorf("step %d = %v, want %q", i, res.Path, text)
				}
			}
			if res.Dispatches == 0 {
				t.Error("no dispatches counted")
			}
		})
	}
}

func TestCheckPathFields(t *testing.T) {
	m := mustParse(t, driveModel)
	res, err := Check(m, tuples("document:plan#parent@folder:specs", "folder:specs#viewer@user:dana"), "document:plan", "viewer", "user:dana")
	if err != nil || !res.Allowed || len(res.Path) != 2 {
		t.Fatalf("Check = %+v, %v", res, err)
	}
	ttu, direct := res.Path[0], res.Path[1]
	if ttu.Object != "document:plan" || ttu.Relation != "viewer" || ttu.Via != "parent" || ttu.Tuple != "document:plan#parent@folder:specs" {
		t.Errorf("tuple-to-userset step = %+v", ttu)
	}
	if direct.Object != "folder:specs" || direct.Relation != "viewer" || direct.Tuple != "folder:specs#viewer@user:dana" || direct.Depth != 1 {
		t.Errorf("direct step = %+v", direct)
	}
}

func TestCheckIsCycleSafe(t *testing.T) {
	m := mustParse(t, driveModel)
	c := m.NewChecker(tuples(
		"group:a#member@group:b#member",
		"group:b#member@group:c#member",
		"group:c#member@group:a#member",
		"group:c#member@user:ann",
		"folder:x#parent@folder:y",
		"folder:y#parent@folder:x",
		"folder:y#owner@user:bob",
		"document:d#viewer@document:d#viewer", // refused by the model: ignored
	))
	for _, tc := range []struct {
		object, relation, subject string
		allowed                   bool
	}{
		{"group:a", "member", "user:ann", true},
		{"group:b", "member", "user:ann", true},
		{"group:a", "member", "user:zed", false},
		{"folder:x", "viewer", "user:bob", true},
		{"folder:x", "viewer", "user:zed", false},
		{"folder:y", "viewer", "user:zed", false},
	} {
		res, err := c.Check(tc.object, tc.relation, tc.subject)
		if err != nil {
			t.Errorf("Check(%s#%s@%s): %v", tc.object, tc.relation, tc.subject, err)
			continue
		}
		if res.Allowed != tc.allowed {
			t.Errorf("Check(%s#%s@%s) = %v, want %v", tc.object, tc.relation, tc.subject, res.Allowed, tc.allowed)
		}
	}
	if ign := c.Ignored(); len(ign) != 1 || ign[0].Object != "document:d" {
		t.Errorf("Ignored = %v", ign)
	}
}

func TestCheckDepthIsBounded(t *testing.T) {
	m := mustParse(t, driveModel)
	chain := func(n int) []Tuple {
		var ts []Tuple
		for i := 0; i < n; i++ {
			ts = append(ts, Tuple{fmt.Sprintf("group:g%d", i), "member", fmt.Sprintf("group:g%d#member", i+1)})
		}
		return append(ts, Tuple{fmt.Sprintf("group:g%d", n), "member", "user:deep"})
	}
	res, err := Check(m, chain(MaxDepth), "group:g0", "member", "user:deep")
	if err != nil || !res.Allowed || len(res.Path) != MaxDepth+1 {
		t.Fatalf("a chain of %d: %+v, %v", MaxDepth, res.Allowed, err)
	}
	_, err = Check(m, chain(MaxDepth+1), "group:g0", "member", "user:deep")
	if !errors.Is(err, ErrDepthExceeded) || !IsLimit(err) {
		t.Fatalf("a chain of %d: err = %v, want ErrDepthExceeded", MaxDepth+1, err)
	}
	// A deep branch does not matter when another branch allows.
	ts := append(chain(MaxDepth+1), Tuple{"group:g0", "member", "user:deep"})
	res, err = Check(m, ts, "group:g0", "member", "user:deep")
	if err != nil || !res.Allowed {
		t.Fatalf("with a short branch: %+v, %v", res, err)
	}
}

func TestCheckDispatchesAreBounded(t *testing.T) {
	m := mustParse(t, driveModel)
	// A wide fan-out of groups that do not contain the user.
	var ts []Tuple
	for i := 0; i < MaxDispatches+10; i++ {
		ts = append(ts, Tuple{"group:root", "member", fmt.Sprintf("group:g%d#member", i)})
	}
	_, err := Check(m, ts, "group:root", "member", "user:nobody")
	if !errors.Is(err, ErrTooComplex) {
		t.Fatalf("err = %v, want ErrTooComplex", err)
	}
}

func TestCheckRequestErrors(t *testing.T) {
	m := mustParse(t, driveModel)
	c := m.NewChecker(nil)
	for _, tc := range []struct {
		object, relation, subject, field, contains string
	}{
		{"plan", "viewer", "user:ann", "object", "not an object"},
		{"doc:plan", "viewer", "user:ann", "object", `no type "doc"`},
		{"document:plan", "reader", "user:ann", "relation", `document has no relation "reader" (it has approver, blocked`},
		{"document:plan", "viewer", "ann", "subject", "not a subject"},
		{"document:plan", "viewer", "robot:r2", "subject", `no type "robot"`},
		{"document:plan", "viewer", "group:eng#admin", "subject", `group has no relation "admin"`},
		{"document:plan", "viewer", "user:ann#member", "subject", `user has no relation "member" (it has no relations)`},
	} {
		_, err := c.Check(tc.object, tc.relation, tc.subject)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field || !strings.Contains(fe.Message, tc.contains) {
			t.Errorf("Check(%s, %s, %s) = %v; want %s error containing %q", tc.object, tc.relation, tc.subject, err, tc.field, tc.contains)
		}
	}
}

func TestCheckIgnoresTuplesOutsideTheModel(t *testing.T) {
	m := mustParse(t, driveModel)
	c := m.NewChecker(tuples(
		"document:plan#owner@group:eng#member", // owner allows only users
		"group:eng#member@user:ann",
		"document:plan#viewer@user:bob",
		"document:plan#viewer@user:bob", // duplicate
	))
	res, err := c.Check("document:plan", "owner", "user:ann")
	if err != nil || res.Allowed {
		t.Errorf("a tuple the model refuses allowed: %+v, %v", res, err)
	}
	if len(c.Ignored()) != 1 {
		t.Errorf("Ignored = %v", c.Ignored())
	}
	if res, _ := c.Check("document:plan", "viewer", "user:bob"); !res.Allowed {
		t.Error("bob denied")
	}
}

func BenchmarkCheck(b *testing.B) {
	m := mustParse(b, driveModel)
	var ts []Tuple
	// 200 folders in a chain of parents, 1,000 documents, 50 groups of 20.
	for i := 1; i < 200; i++ {
		ts = append(ts, Tuple{fmt.Sprintf("folder:f%d", i), "parent", fmt.Sprintf("folder:f%d", i/2)})
	}
	ts = append(ts, Tuple{"folder:f0", "viewer", "group:g7#member"})
	for g := 0; g < 50; g++ {
		for u := 0; u < 20; u++ {
			ts = append(ts, Tuple{fmt.Sprintf("group:g%d", g), "member", fmt.Sprintf("user:u%d", g*20+u)})
		}
	}
	for d := 0; d < 1000; d++ {
		ts = append(ts, Tuple{fmt.Sprintf("document:d%d", d), "parent", fmt.Sprintf("folder:f%d", d%200)})
		ts = append(ts, Tuple{fmt.Sprintf("document:d%d", d), "owner", fmt.Sprintf("user:u%d", d)})
	}
	c := m.NewChecker(ts)
	b.Run("allowed through folders and a group", func(b *testing.B) {
		for b.Loop() {
			res, err := c.Check("document:d199", "can_view", "user:u145")
			if err != nil || !res.Allowed {
				b.Fatal(res, err)
			}
		}
	})
	b.Run("denied", func(b *testing.B) {
		for b.Loop() {
			res, err := c.Check("document:d199", "can_view", "user:u999999")
			if err != nil || res.Allowed {
				b.Fatal(res, err)
			}
		}
	})
	b.Run("index 3,400 tuples", func(b *testing.B) {
		for b.Loop() {
			m.NewChecker(ts)
		}
	})
}
