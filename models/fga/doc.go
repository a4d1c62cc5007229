// Package fga owns Gatehouse's Permission Systems: authorization models
// written in the OpenFGA modeling language, relationship tuples, and the
// Check that answers whether a subject has a relation to an object, with
// the path that allowed it.
//
// Parse reads a model with OpenFGA's official Go parser
// (github.com/openfga/language/pkg/go): syntax errors come back with their
// line and column, and the parsed model is then validated the way OpenFGA
// validates a model on write (every type and relation a definition names
// exists, tuple-to-userset relations go through direct relations, every
// relation can be reached from some tuple, reserved names are not used).
// Conditions and modular models are refused: Check does not evaluate them.
//
// A Tuple is an object ("document:plan"), a relation ("viewer") and a
// subject: an object ("user:ann"), a userset ("group:eng#member") or a
// wildcard ("user:*"). (*Model).ValidateTuple checks one against the model
// (types and relation exist, the relation is directly assignable, the
// subject's type is allowed by the relation's type restrictions).
//
// Check implements OpenFGA's check: direct tuples, wildcards, usersets,
// computed usersets, tuple-to-userset (`viewer from parent`), union,
// intersection and exclusion (`but not`). Resolution depth is bounded
// (MaxDepth, as OpenFGA's default of 25), cycles resolve to "not related",
// and the number of sub-checks is bounded (MaxDispatches). An allowed Result
// carries the path as human-readable steps. The package is pure: no I/O.
package fga
