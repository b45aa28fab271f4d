package ontapapi

import (
	"net/http"
	"net/url"
	"strings"
)

// listItem is one record of a collection with its own href. svmUUID and name,
// when set, let list skip records that an exact svm.uuid / owner.uuid / name
// query cannot match before rendering them.
type listItem struct {
	rec     any
	href    string
	svmUUID string
	name    string
}

// exactQuery returns the value of a query parameter that has no wildcard,
// alternative, negation or comparison.
func exactQuery(q url.Values, key string) (string, bool) {
	vals, ok := q[key]
	if !ok || len(vals) != 1 || strings.ContainsAny(vals[0], "*|!<>") {
		return "", false
	}
	return vals[0], true
}

// cannotMatch is a cheap pre-check; matchesQuery stays the authority.
func cannotMatch(it listItem, q url.Values) bool {
	if it.svmUUID != "" {
		for _, key := range []string{"svm.uuid", "owner.uuid"} {
			if v, ok := exactQuery(q, key); ok && !strings.EqualFold(v, it.svmUUID) {
				return true
			}
		}
	}
	if it.name != "" {
		if v, ok := exactQuery(q, "name"); ok && !strings.EqualFold(v, it.name) {
			return true
		}
	}
	return false
}

// list answers a collection GET: query filters, "fields" projection (key
// fields are always returned), num_records and _links.
func (rc *reqCtx) list(items []listItem, keys ...string) (int, any, *apiError) {
	q := rc.query()
	fields := requestedFields(q)
	records := []any{}
	for _, it := range items {
		if cannotMatch(it, q) {
			continue
		}
		m := withSelfLink(toMap(it.rec), it.href)
		if !matchesQuery(m, q) {
			continue
		}
		records = append(records, project(m, fields, keys))
	}
	return http.StatusOK, map[string]any{
		"records":     records,
		"num_records": len(records),
		"_links":      map[string]any{"self": map[string]any{"href": rc.r.URL.RequestURI()}},
	}, nil
}

// single answers a GET of one record; without "fields" every field is
// returned.
func (rc *reqCtx) single(rec any, href string, keys ...string) (int, any, *apiError) {
	m := withSelfLink(toMap(rec), href)
	if fields := requestedFields(rc.query()); len(fields) > 0 {
		m = project(m, fields, keys)
	}
	return http.StatusOK, m, nil
}

// created answers a synchronous POST: 201, Location, and the record when
// return_records=true.
func (rc *reqCtx) created(rec any, href string) (int, any, *apiError) {
	rc.header.Set("Location", href)
	if rc.query().Get("return_records") == "true" {
		return http.StatusCreated, map[string]any{
			"num_records": 1,
			"records":     []any{withSelfLink(toMap(rec), href)},
		}, nil
	}
	return http.StatusCreated, map[string]any{}, nil
}

func okEmpty() (int, any, *apiError) { return http.StatusOK, map[string]any{}, nil }
