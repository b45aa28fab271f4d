package ontapapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Query parameters that steer a request instead of filtering records.
var controlParams = map[string]bool{
	"fields":         true,
	"max_records":    true,
	"return_records": true,
	"return_timeout": true,
	"order_by":       true,
}

// toMap turns a wire model into a generic JSON object.
func toMap(v any) map[string]any {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("marshalling %T: %v", v, err))
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	out := map[string]any{}
	if err := dec.Decode(&out); err != nil {
		panic(fmt.Sprintf("decoding %T: %v", v, err))
	}
	return out
}

// withSelfLink adds ONTAP's _links.self to a record.
func withSelfLink(rec map[string]any, href string) map[string]any {
	rec["_links"] = map[string]any{"self": map[string]any{"href": href}}
	return rec
}

// valuesAt returns every value found at a dotted path; arrays on the way are
// flattened, so "services" or "aggregates.name" match any element.
func valuesAt(v any, path []string) []any {
	switch t := v.(type) {
	case []any:
		var out []any
		for _, e := range t {
			out = append(out, valuesAt(e, path)...)
		}
		return out
	case map[string]any:
		if len(path) == 0 {
			return []any{t}
		}
		child, ok := t[path[0]]
		if !ok {
			return nil
		}
		return valuesAt(child, path[1:])
	default:
		if len(path) == 0 {
			return []any{t}
		}
		return nil
	}
}

// matchesQuery applies ONTAP's query syntax to a record: every non-control
// parameter is a dotted field path; a value may hold alternatives separated by
// "|", each optionally negated with "!", using "*" wildcards or the
// comparisons <, <=, >, >=. Matching is case-insensitive.
func matchesQuery(rec map[string]any, q url.Values) bool {
	for key, patterns := range q {
		if controlParams[key] {
			continue
		}
		vals := valuesAt(rec, strings.Split(key, "."))
		for _, p := range patterns {
			if !matchAlternatives(vals, p) {
				return false
			}
		}
	}
	return true
}

func matchAlternatives(vals []any, pattern string) bool {
	for _, alt := range strings.Split(pattern, "|") {
		negate := strings.HasPrefix(alt, "!")
		alt = strings.TrimPrefix(alt, "!")
		hit := false
		for _, v := range vals {
			if matchValue(v, alt) {
				hit = true
				break
			}
		}
		if hit != negate {
			return true
		}
	}
	return false
}

func matchValue(v any, pattern string) bool {
	s := scalarString(v)
	for _, op := range []string{"<=", ">=", "<", ">"} {
		if rest, ok := strings.CutPrefix(pattern, op); ok {
			a, errA := strconv.ParseFloat(s, 64)
			b, errB := strconv.ParseFloat(rest, 64)
			if errA != nil || errB != nil {
				return false
			}
			switch op {
			case "<=":
				return a <= b
			case ">=":
				return a >= b
			case "<":
				return a < b
			default:
				return a > b
			}
		}
	}
	return globMatch(strings.ToLower(pattern), strings.ToLower(s))
}

func scalarString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	case bool:
		return strconv.FormatBool(t)
	case nil:
		return ""
	default:
		raw, _ := json.Marshal(t)
		return string(raw)
	}
}

// globMatch matches with "*" as the only wildcard ("/" is an ordinary
// character: LUN paths contain it).
func globMatch(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for i := 1; i < len(parts)-1; i++ {
		idx := strings.Index(s, parts[i])
		if idx < 0 {
			return false
		}
		s = s[idx+len(parts[i]):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

// requestedFields returns the fields= list, nil when absent.
func requestedFields(q url.Values) []string {
	var out []string
	for _, v := range q["fields"] {
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				out = append(out, f)
			}
		}
	}
	return out
}

// project keeps the key fields plus the requested ones, as ONTAP does for
// collection GETs. "*" and "**" select everything.
func project(rec map[string]any, fields, keys []string) map[string]any {
	for _, f := range fields {
		if f == "*" || f == "**" {
			return rec
		}
	}
	out := map[string]any{}
	if l, ok := rec["_links"]; ok {
		out["_links"] = l
	}
	for _, f := range append(append([]string{}, keys...), fields...) {
		copyPath(out, rec, strings.Split(f, "."))
	}
	return out
}

func copyPath(dst, src map[string]any, path []string) {
	v, ok := src[path[0]]
	if !ok {
		return
	}
	if len(path) == 1 {
		dst[path[0]] = v
		return
	}
	child, isMap := v.(map[string]any)
	if !isMap {
		// Arrays and scalars are copied whole.
		dst[path[0]] = v
		return
	}
	sub, ok := dst[path[0]].(map[string]any)
	if !ok {
		sub = map[string]any{}
		dst[path[0]] = sub
	}
	copyPath(sub, child, path[1:])
}
