package fga

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/openfga/language/pkg/go/validation"
)

// Tuple is a relationship: Subject has Relation to Object, e.g.
// {"document:plan", "viewer", "user:ann"}.
type Tuple struct {
	Object   string
	Relation string
	Subject  string
}

// String renders the tuple as OpenFGA does: object#relation@subject.
func (t Tuple) String() string { return t.Object + "#" + t.Relation + "@" + t.Subject }

// The syntax of names and ids, from OpenFGA's own validation rules.
var (
	objectRe   = regexp.MustCompile("^(" + string(validation.RuleType) + "):(" + string(validation.RuleID) + ")$")
	relationRe = regexp.MustCompile("^" + string(validation.RuleRelation) + "$")
	typeRe     = regexp.MustCompile("^" + string(validation.RuleType) + "$")
)

// Object is a typed object, "type:id".
type Object struct {
	Type string
	ID   string
}

func (o Object) String() string { return o.Type + ":" + o.ID }

// Subject is who a tuple or a check is about: an object ("user:ann"), a
// wildcard ("user:*", ID "*") or a userset ("group:eng#member").
type Subject struct {
	Type     string
	ID       string
	Relation string
}

func (s Subject) String() string {
	if s.Relation != "" {
		return s.Type + ":" + s.ID + "#" + s.Relation
	}
	return s.Type + ":" + s.ID
}

// IsWildcard tells whether the subject is "type:*".
func (s Subject) IsWildcard() bool { return s.ID == "*" && s.Relation == "" }

// IsUserset tells whether the subject is "type:id#relation".
func (s Subject) IsUserset() bool { return s.Relation != "" }

func (s Subject) object() Object { return Object{Type: s.Type, ID: s.ID} }

// objectLength applies OpenFGA's rule for a whole object,
// validation.RuleObject ([^\s]{2,256}), without a regular expression: the
// counted repetition makes that one slow to match.
func objectLength(s string) bool {
	if len(s) < 2 || utf8.RuneCountInString(s) > 256 {
		return false
	}
	return !strings.ContainsAny(s, "\t\n\f\r ")
}

// ParseObject reads "type:id".
func ParseObject(s string) (Object, error) {
	m := objectRe.FindStringSubmatch(s)
	if m == nil || !objectLength(s) {
		return Object{}, &FieldError{Field: "object", Message: fmt.Sprintf("%q is not an object: write type:id, like document:plan", s)}
	}
	return Object{Type: m[1], ID: m[2]}, nil
}

// ParseSubject reads "type:id", "type:*" or "type:id#relation".
func ParseSubject(s string) (Subject, error) {
	bad := &FieldError{Field: "subject", Message: fmt.Sprintf("%q is not a subject: write type:id (user:ann), type:* (user:*) or type:id#relation (group:eng#member)", s)}
	base, rel, isUserset := strings.Cut(s, "#")
	if isUserset && !relationRe.MatchString(rel) {
		return Subject{}, bad
	}
	if typ, ok := strings.CutSuffix(base, ":*"); ok && !isUserset {
		if !typeRe.MatchString(typ) {
			return Subject{}, bad
		}
		return Subject{Type: typ, ID: "*"}, nil
	}
	o, err := ParseObject(base)
	if err != nil {
		return Subject{}, bad
	}
	return Subject{Type: o.Type, ID: o.ID, Relation: rel}, nil
}

// ValidateTuple checks a tuple against the model: the object's type and
// the relation exist, the relation can be assigned directly, and the
// subject is of a type its restrictions allow. Errors are *FieldError.
func (m *Model) ValidateTuple(t Tuple) error {
	_, _, _, err := m.resolveTuple(t)
	return err
}

func (m *Model) resolveTuple(t Tuple) (Object, *relationDef, Subject, error) {
	obj, err := ParseObject(t.Object)
	if err != nil {
		return Object{}, nil, Subject{}, err
	}
	td := m.types[obj.Type]
	if td == nil {
		return Object{}, nil, Subject{}, &FieldError{Field: "object", Message: fmt.Sprintf("the model has no type %q", obj.Type)}
	}
	rel := td.relations[t.Relation]
	if rel == nil {
		return Object{}, nil, Subject{}, &FieldError{Field: "relation", Message: fmt.Sprintf("%s has no relation %q%s", obj.Type, t.Relation, relationHint(td))}
	}
	if !rel.assignable() {
		return Object{}, nil, Subject{}, &FieldError{Field: "relation", Message: fmt.Sprintf("%s of %s cannot be assigned directly: it is computed from other relations", t.Relation, obj.Type)}
	}
	subj, err := ParseSubject(t.Subject)
	if err != nil {
		return Object{}, nil, Subject{}, err
	}
	if !allows(rel, subj) {
		allowed := make([]string, len(rel.direct))
		for i, st := range rel.direct {
			allowed[i] = st.String()
		}
		return Object{}, nil, Subject{}, &FieldError{Field: "subject", Message: fmt.Sprintf("%s of %s allows only %s, not %s", t.Relation, obj.Type, strings.Join(allowed, ", "), subjectKind(subj))}
	}
	return obj, rel, subj, nil
}

func relationHint(td *typeDef) string {
	if len(td.order) == 0 {
		return " (it has no relations)"
	}
	return " (it has " + strings.Join(td.order, ", ") + ")"
}

// subjectKind names the type restriction a subject would need.
func subjectKind(s Subject) string {
	switch {
	case s.IsWildcard():
		return s.Type + ":*"
	case s.IsUserset():
		return s.Type + "#" + s.Relation
	}
	return s.Type
}

// allows tells whether the relation's type restrictions admit the subject.
func allows(r *relationDef, s Subject) bool {
	for _, st := range r.direct {
		switch {
		case s.IsWildcard():
			if st.Wildcard && st.Type == s.Type {
				return true
			}
		case s.IsUserset():
			if st.Relation == s.Relation && st.Type == s.Type {
				return true
			}
		default:
			if !st.Wildcard && st.Relation == "" && st.Type == s.Type {
				return true
			}
		}
	}
	return false
}
