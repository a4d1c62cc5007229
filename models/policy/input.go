package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

// ParseInput reads the JSON object a person types to test a policy:
//
//	{"request": {...}, "user": {...}, "client": {...}, "scopes": ["read", ...]}
//
// Every key is optional; any other key is refused. Numbers written without
// a fraction or exponent become integers (int64), the others doubles, so
// that `user.age >= 18` and `request.score > 0.5` both read naturally.
// Sizes are bounded (MaxInputBytes, MaxCollectionSize, MaxStringLength,
// MaxInputDepth). Errors are *InputError.
func ParseInput(data []byte) (map[string]any, error) {
	if len(data) > MaxInputBytes {
		return nil, &InputError{Message: fmt.Sprintf("the input is %d bytes; at most %d are accepted", len(data), MaxInputBytes)}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, &InputError{Message: "not valid JSON: " + jsonMessage(err)}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &InputError{Message: "not valid JSON: unexpected data after the object"}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, &InputError{Message: `the input must be a JSON object with the keys "request", "user", "client" and "scopes"`}
	}
	// normalizeInput checks keys, shapes and sizes, and converts numbers.
	vars, err := normalizeInput(obj)
	if err != nil {
		return nil, err
	}
	return vars, nil
}

func jsonMessage(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s (at byte %d)", se.Error(), se.Offset)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "unexpected end of input"
	}
	return err.Error()
}

// normalizeInput checks an input given to Evaluate and returns the four
// variables of the environment with canonical Go values (int64, uint64,
// float64, string, bool, nil, []any, []string, map[string]any).
func normalizeInput(input map[string]any) (map[string]any, error) {
	vars := map[string]any{
		VarRequest: map[string]any{},
		VarUser:    map[string]any{},
		VarClient:  map[string]any{},
		VarScopes:  []string{},
	}
	for k, v := range input {
		switch k {
		case VarRequest, VarUser, VarClient:
			if v == nil {
				continue
			}
			nv, err := normalizeValue(v, k, 1)
			if err != nil {
				return nil, err
			}
			m, ok := nv.(map[string]any)
			if !ok {
				return nil, &InputError{Path: k, Message: "must be an object"}
			}
			vars[k] = m
		case VarScopes:
			if v == nil {
				continue
			}
			scopes, err := normalizeScopes(v)
			if err != nil {
				return nil, err
			}
			vars[k] = scopes
		default:
			return nil, &InputError{Path: k, Message: `unknown key: expected "request", "user", "client" or "scopes"`}
		}
	}
	return vars, nil
}

func normalizeScopes(v any) ([]string, error) {
	var list []any
	switch s := v.(type) {
	case []string:
		list = make([]any, len(s))
		for i, x := range s {
			list[i] = x
		}
	case []any:
		list = s
	default:
		return nil, &InputError{Path: VarScopes, Message: "must be a list of strings"}
	}
	if len(list) > MaxCollectionSize {
		return nil, tooMany(VarScopes, len(list))
	}
	out := make([]string, len(list))
	for i, x := range list {
		str, ok := x.(string)
		if !ok {
			return nil, &InputError{Path: fmt.Sprintf("%s[%d]", VarScopes, i), Message: "must be a string"}
		}
		if len(str) > MaxStringLength {
			return nil, tooLong(fmt.Sprintf("%s[%d]", VarScopes, i), len(str))
		}
		out[i] = str
	}
	return out, nil
}

func tooMany(path string, n int) error {
	return &InputError{Path: path, Message: fmt.Sprintf("has %d entries; at most %d are accepted", n, MaxCollectionSize)}
}

func tooLong(path string, n int) error {
	return &InputError{Path: path, Message: fmt.Sprintf("is %d bytes long; at most %d are accepted", n, MaxStringLength)}
}

func normalizeValue(v any, path string, depth int) (any, error) {
	if depth > MaxInputDepth {
		return nil, &InputError{Path: path, Message: fmt.Sprintf("nested deeper than %d levels", MaxInputDepth)}
	}
	switch x := v.(type) {
	case nil, bool, float64, int64, uint64:
		return x, nil
	case string:
		if len(x) > MaxStringLength {
			return nil, tooLong(path, len(x))
		}
		return x, nil
	case int:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case uint:
		return uint64(x), nil
	case uint32:
		return uint64(x), nil
	case float32:
		return float64(x), nil
	case json.Number:
		return convertNumber(x, path)
	case map[string]any:
		if len(x) > MaxCollectionSize {
			return nil, tooMany(path, len(x))
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			if len(k) > MaxStringLength {
				return nil, tooLong(path+" (a key)", len(k))
			}
			ne, err := normalizeValue(e, path+"."+k, depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = ne
		}
		return out, nil
	case map[string]string:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = e
		}
		return normalizeValue(m, path, depth)
	case []any:
		if len(x) > MaxCollectionSize {
			return nil, tooMany(path, len(x))
		}
		out := make([]any, len(x))
		for i, e := range x {
			ne, err := normalizeValue(e, fmt.Sprintf("%s[%d]", path, i), depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = ne
		}
		return out, nil
	case []string:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = e
		}
		return normalizeValue(l, path, depth)
	}
	return nil, &InputError{Path: path, Message: fmt.Sprintf("unsupported value of Go type %T", v)}
}

func convertNumber(n json.Number, path string) (any, error) {
	s := string(n)
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return nil, &InputError{Path: path, Message: fmt.Sprintf("the number %s is out of range", s)}
	}
	return f, nil
}
