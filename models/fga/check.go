package fga

import (
	"errors"
	"fmt"
	"strings"

	openfgav1 "github.com/openfga/api/proto/openfga/v1"
)

const (
	// MaxDepth bounds nested sub-checks (a userset, a computed relation or
	// a tuple-to-userset each go one level deeper), as OpenFGA's default
	// resolve-node limit.
	MaxDepth = 25
	// MaxDispatches bounds the sub-checks of one Check.
	MaxDispatches = 10_000
)

// StepKind classifies a step of a Check's path.
type StepKind string

// The kinds of Step.
const (
	StepDirect         StepKind = "direct"           // a tuple names the subject
	StepWildcard       StepKind = "wildcard"         // a tuple names every object of the subject's type
	StepUserset        StepKind = "userset"          // a tuple names a userset the subject belongs to
	StepSelf           StepKind = "self"             // the subject is the userset asked about
	StepComputed       StepKind = "computed"         // the relation includes another relation of the object
	StepTupleToUserset StepKind = "tuple_to_userset" // the relation includes a relation of a related object
	StepIntersection   StepKind = "intersection"     // every part of an "and" holds
	StepExclusion      StepKind = "exclusion"        // the base holds and the "but not" part does not
)

// Step is one step of the path that allowed a Check. The path is a tree
// written out in order: the steps at Depth n+1 that follow a step at Depth
// n explain it.
type Step struct {
	Kind  StepKind
	Depth int
	// Object and Relation are what the step shows the subject has.
	Object   string
	Relation string
	// Tuple is the tuple the step uses, as object#relation@subject (direct,
	// wildcard, userset and tuple-to-userset steps).
	Tuple string
	// Via is the relation a computed step comes from, or the tupleset
	// relation of a tuple-to-userset step.
	Via string
	// Text says the step in words.
	Text string
}

func (s Step) String() string { return s.Text }

// Result is the answer of a Check.
type Result struct {
	Allowed bool
	// Path explains an allowed answer; it is empty when denied.
	Path []Step
	// Dispatches is the number of sub-checks made.
	Dispatches int
}

type objRel struct {
	object   Object
	relation string
}

// Checker answers checks against a model and a set of tuples. It is
// immutable and safe for concurrent use.
type Checker struct {
	m       *Model
	index   map[objRel][]Subject
	ignored []Tuple
}

// NewChecker indexes tuples for checks against the model. Tuples that do
// not fit the model (ValidateTuple fails, e.g. written against an older
// model) take no part in checks and are listed by Ignored; duplicates count
// once.
func (m *Model) NewChecker(tuples []Tuple) *Checker {
	c := &Checker{m: m, index: make(map[objRel][]Subject, len(tuples))}
	seen := make(map[Tuple]bool, len(tuples))
	for _, t := range tuples {
		if seen[t] {
			continue
		}
		seen[t] = true
		obj, rel, subj, err := m.resolveTuple(t)
		if err != nil {
			c.ignored = append(c.ignored, t)
			continue
		}
		k := objRel{obj, rel.name}
		c.index[k] = append(c.index[k], subj)
	}
	return c
}

// Ignored lists the tuples that did not fit the model.
func (c *Checker) Ignored() []Tuple { return append([]Tuple(nil), c.ignored...) }

// Check answers whether subject has relation to object given the tuples:
// m.NewChecker(tuples).Check(object, relation, subject).
func Check(m *Model, tuples []Tuple, object, relation, subject string) (Result, error) {
	return m.NewChecker(tuples).Check(object, relation, subject)
}

// Check answers whether subject ("user:ann", "group:eng#member" or
// "user:*") has relation to object ("document:plan"). A request that does
// not fit the model is a *FieldError; a check that needs more than MaxDepth
// nested or MaxDispatches sub-checks fails with ErrDepthExceeded or
// ErrTooComplex.
func (c *Checker) Check(object, relation, subject string) (Result, error) {
	obj, err := ParseObject(object)
	if err != nil {
		return Result{}, err
	}
	td := c.m.types[obj.Type]
	if td == nil {
		return Result{}, &FieldError{Field: "object", Message: fmt.Sprintf("the model has no type %q", obj.Type)}
	}
	if td.relations[relation] == nil {
		return Result{}, &FieldError{Field: "relation", Message: fmt.Sprintf("%s has no relation %q%s", obj.Type, relation, relationHint(td))}
	}
	subj, err := ParseSubject(subject)
	if err != nil {
		return Result{}, err
	}
	st := c.m.types[subj.Type]
	if st == nil {
		return Result{}, &FieldError{Field: "subject", Message: fmt.Sprintf("the model has no type %q", subj.Type)}
	}
	if subj.IsUserset() && st.relations[subj.Relation] == nil {
		return Result{}, &FieldError{Field: "subject", Message: fmt.Sprintf("%s has no relation %q%s", subj.Type, subj.Relation, relationHint(st))}
	}
	r := &resolver{c: c, subj: subj, visiting: map[objRel]bool{}, memo: map[objRel]outcome{}}
	o := r.check(obj, relation, 0)
	if o.err != nil {
		return Result{Dispatches: r.dispatches}, o.err
	}
	res := Result{Allowed: o.allowed, Dispatches: r.dispatches}
	if o.allowed {
		res.Path = o.path
	}
	return res, nil
}

// outcome is the answer to one sub-check or rewrite.
type outcome struct {
	allowed bool
	path    []Step
	err     error
	// cyclic: the answer is false only because a cycle was cut, so it
	// may not be remembered.
	cyclic bool
}

type resolver struct {
	c          *Checker
	subj       Subject
	visiting   map[objRel]bool
	memo       map[objRel]outcome
	dispatches int
}

func allowed(steps ...Step) outcome { return outcome{allowed: true, path: steps} }

// nest puts a sub-answer's steps one level under a step.
func nest(head Step, sub []Step) []Step {
	out := make([]Step, 0, len(sub)+1)
	out = append(out, head)
	for _, s := range sub {
		s.Depth++
		out = append(out, s)
	}
	return out
}

// check resolves relation of obj for the subject: one dispatch.
func (r *resolver) check(obj Object, relation string, depth int) outcome {
	if depth > MaxDepth {
		return outcome{err: ErrDepthExceeded}
	}
	k := objRel{obj, relation}
	if o, ok := r.memo[k]; ok {
		return o
	}
	if r.visiting[k] {
		return outcome{cyclic: true}
	}
	r.dispatches++
	if r.dispatches > MaxDispatches {
		return outcome{err: ErrTooComplex}
	}
	td := r.c.m.types[obj.Type]
	rd := td.relations[relation]
	if rd == nil {
		// A tuple-to-userset reached a type without this relation.
		return outcome{}
	}
	if r.subj.IsUserset() && r.subj.object() == obj && r.subj.Relation == relation {
		return allowed(Step{Kind: StepSelf, Object: obj.String(), Relation: relation,
			Text: fmt.Sprintf("%s is by definition %s of %s", r.subj, relation, obj)})
	}
	r.visiting[k] = true
	o := r.rewrite(obj, td, rd, rd.rewrite, depth)
	delete(r.visiting, k)
	if o.err == nil && !o.cyclic {
		r.memo[k] = o
	}
	return o
}

// rewrite evaluates one node of relation rd's definition.
func (r *resolver) rewrite(obj Object, td *typeDef, rd *relationDef, u *openfgav1.Userset, depth int) outcome {
	switch kindOf(u) {
	case kindThis:
		return r.direct(obj, rd, depth)
	case kindComputed:
		via := u.GetComputedUserset().GetRelation()
		sub := r.check(obj, via, depth+1)
		if !sub.allowed {
			return sub
		}
		return allowed(nest(Step{Kind: StepComputed, Object: obj.String(), Relation: rd.name, Via: via,
			Text: fmt.Sprintf("%s of %s includes every %s of %s (computed from %s)", rd.name, obj, via, obj, via)}, sub.path)...)
	case kindTupleToUserset:
		return r.tupleToUserset(obj, rd, u.GetTupleToUserset(), depth)
	case kindUnion:
		var failed outcome
		for _, child := range u.GetUnion().GetChild() {
			o := r.rewrite(obj, td, rd, child, depth)
			if o.allowed {
				return o
			}
			failed = merge(failed, o)
		}
		return failed
	case kindIntersection:
		children := u.GetIntersection().GetChild()
		head := Step{Kind: StepIntersection, Object: obj.String(), Relation: rd.name,
			Text: fmt.Sprintf("%s of %s requires all of: %s; each holds", rd.name, obj, describeAll(children, " and "))}
		path := []Step{head}
		var failed outcome
		for _, child := range children {
			o := r.rewrite(obj, td, rd, child, depth)
			if !o.allowed {
				if o.err == nil {
					return outcome{cyclic: o.cyclic} // one part is false: the whole is
				}
				failed = merge(failed, o)
				continue
			}
			for _, s := range o.path {
				s.Depth++
				path = append(path, s)
			}
		}
		if failed.err != nil {
			return failed
		}
		return allowed(path...)
	case kindDifference:
		d := u.GetDifference()
		base := r.rewrite(obj, td, rd, d.GetBase(), depth)
		if !base.allowed {
			return base
		}
		sub := r.rewrite(obj, td, rd, d.GetSubtract(), depth)
		switch {
		case sub.err != nil:
			return sub
		case sub.allowed:
			return outcome{}
		case sub.cyclic:
			// "but not" a relation that is false only because of a cycle
			// cut: remember nothing, but answer as OpenFGA does.
			o := allowed(nest(exclusionStep(obj, rd, r.subj, d.GetSubtract()), base.path)...)
			o.cyclic = true
			return o
		}
		return allowed(nest(exclusionStep(obj, rd, r.subj, d.GetSubtract()), base.path)...)
	}
	return outcome{}
}

func exclusionStep(obj Object, rd *relationDef, subj Subject, subtract *openfgav1.Userset) Step {
	return Step{Kind: StepExclusion, Object: obj.String(), Relation: rd.name,
		Text: fmt.Sprintf("%s is not excluded from %s of %s (\"but not %s\" does not hold)", subj, rd.name, obj, describe(subtract))}
}

// merge keeps the first error and whether any part was cut by a cycle.
func merge(a, b outcome) outcome {
	if a.err == nil {
		a.err = b.err
	}
	a.cyclic = a.cyclic || b.cyclic
	return a
}

// direct evaluates the direct assignments of rd on obj.
func (r *resolver) direct(obj Object, rd *relationDef, depth int) outcome {
	subjects := r.c.index[objRel{obj, rd.name}]
	tuple := func(s Subject) string { return obj.String() + "#" + rd.name + "@" + s.String() }
	for _, s := range subjects {
		if s == r.subj {
			return allowed(Step{Kind: StepDirect, Object: obj.String(), Relation: rd.name, Tuple: tuple(s),
				Text: fmt.Sprintf("%s is %s of %s (tuple %s)", s, rd.name, obj, tuple(s))})
		}
	}
	if !r.subj.IsUserset() && !r.subj.IsWildcard() {
		for _, s := range subjects {
			if s.IsWildcard() && s.Type == r.subj.Type {
				return allowed(Step{Kind: StepWildcard, Object: obj.String(), Relation: rd.name, Tuple: tuple(s),
					Text: fmt.Sprintf("every %s is %s of %s (tuple %s)", s.Type, rd.name, obj, tuple(s))})
			}
		}
	}
	var failed outcome
	for _, s := range subjects {
		if !s.IsUserset() {
			continue
		}
		sub := r.check(s.object(), s.Relation, depth+1)
		if sub.allowed {
			return allowed(nest(Step{Kind: StepUserset, Object: obj.String(), Relation: rd.name, Tuple: tuple(s),
				Text: fmt.Sprintf("every %s of %s is %s of %s (tuple %s)", s.Relation, s.object(), rd.name, obj, tuple(s))}, sub.path)...)
		}
		failed = merge(failed, sub)
	}
	return failed
}

// tupleToUserset evaluates "computed from tupleset" on obj: the computed
// relation of every object related to obj by tupleset.
func (r *resolver) tupleToUserset(obj Object, rd *relationDef, ttu *openfgav1.TupleToUserset, depth int) outcome {
	tupleset, computed := ttu.GetTupleset().GetRelation(), ttu.GetComputedUserset().GetRelation()
	var failed outcome
	for _, s := range r.c.index[objRel{obj, tupleset}] {
		if s.IsUserset() || s.IsWildcard() {
			continue
		}
		target := s.object()
		if r.c.m.types[target.Type].relations[computed] == nil {
			continue
		}
		sub := r.check(target, computed, depth+1)
		if sub.allowed {
			t := obj.String() + "#" + tupleset + "@" + s.String()
			return allowed(nest(Step{Kind: StepTupleToUserset, Object: obj.String(), Relation: rd.name, Tuple: t, Via: tupleset,
				Text: fmt.Sprintf("%s of %s includes every %s of its %s %s (tuple %s)", rd.name, obj, computed, tupleset, target, t)}, sub.path)...)
		}
		failed = merge(failed, sub)
	}
	return failed
}

// describe writes a rewrite back in the modeling language's terms.
func describe(u *openfgav1.Userset) string {
	switch kindOf(u) {
	case kindThis:
		return "a direct assignment"
	case kindComputed:
		return u.GetComputedUserset().GetRelation()
	case kindTupleToUserset:
		return u.GetTupleToUserset().GetComputedUserset().GetRelation() + " from " + u.GetTupleToUserset().GetTupleset().GetRelation()
	case kindUnion:
		return "(" + describeAll(u.GetUnion().GetChild(), " or ") + ")"
	case kindIntersection:
		return "(" + describeAll(u.GetIntersection().GetChild(), " and ") + ")"
	case kindDifference:
		return "(" + describe(u.GetDifference().GetBase()) + " but not " + describe(u.GetDifference().GetSubtract()) + ")"
	}
	return "?"
}

func describeAll(us []*openfgav1.Userset, sep string) string {
	parts := make([]string, len(us))
	for i, u := range us {
		parts[i] = describe(u)
	}
	return strings.Join(parts, sep)
}

// IsLimit tells whether err is one of Check's bounds (depth or size) rather
// than an error of the request.
func IsLimit(err error) bool {
	return errors.Is(err, ErrDepthExceeded) || errors.Is(err, ErrTooComplex)
}
