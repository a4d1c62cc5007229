package models

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// KeyValue is one pair of a key/value map as a form edits it (user
// attributes and metadata, Organization metadata).
type KeyValue struct {
	Key   string
	Value string
}

// PairLimits bound a key/value map.
type PairLimits struct {
	MaxPairs int // how many pairs at most
	MaxKey   int // characters per key
	MaxValue int // characters per value
}

// UserPairLimits bound a user's attributes and metadata.
var UserPairLimits = PairLimits{MaxPairs: 25, MaxKey: 64, MaxValue: 500}

var pairKeyRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// CleanPairs validates pairs typed into a form: rows with neither key nor
// value are dropped, keys and values trimmed; keys must be unique, made of
// letters, digits, "_", "." and "-", and within limits. It returns the
// pairs as a map, or a message naming the first problem (label is what the
// message calls the map, e.g. "Metadata").
func CleanPairs(label string, in []KeyValue, lim PairLimits) (map[string]string, string) {
	out := map[string]string{}
	for _, p := range in {
		k, v := strings.TrimSpace(p.Key), strings.TrimSpace(p.Value)
		switch {
		case k == "" && v == "":
			continue
		case k == "":
			return nil, fmt.Sprintf("%s: the value %q has no key.", label, clipMsg(v))
		case len([]rune(k)) > lim.MaxKey:
			return nil, fmt.Sprintf("%s: the key %q is longer than %d characters.", label, clipMsg(k), lim.MaxKey)
		case !pairKeyRE.MatchString(k):
			return nil, fmt.Sprintf("%s: the key %q may only contain letters, digits, \"_\", \".\" and \"-\".", label, clipMsg(k))
		case len([]rune(v)) > lim.MaxValue:
			return nil, fmt.Sprintf("%s: the value of %q is longer than %d characters.", label, k, lim.MaxValue)
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Sprintf("%s: the key %q appears twice.", label, k)
		}
		out[k] = v
	}
	if len(out) > lim.MaxPairs {
		return nil, fmt.Sprintf("%s: at most %d pairs (you entered %d).", label, lim.MaxPairs, len(out))
	}
	return out, ""
}

func clipMsg(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// PairsJSON is how a key/value map is stored: a JSON object with sorted keys.
func PairsJSON(m map[string]string) string {
	if len(m) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(m) // a map[string]string always marshals
	return string(b)
}

// ParsePairs reads a stored key/value map back as pairs sorted by key; a
// malformed value reads as no pairs.
func ParsePairs(stored string) []KeyValue {
	var m map[string]string
	if err := json.Unmarshal([]byte(stored), &m); err != nil {
		return nil
	}
	out := make([]KeyValue, 0, len(m))
	for k, v := range m {
		out = append(out, KeyValue{Key: k, Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}
