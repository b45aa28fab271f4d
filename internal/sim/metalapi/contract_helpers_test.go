// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metalapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/go-openapi/loads"
	"github.com/go-openapi/spec"
	"github.com/go-openapi/strfmt"
	"github.com/go-openapi/validate"
	. "github.com/onsi/gomega"
)

// contract validates every response that passes through it against metal-go's metal-api.json, the
// OpenAPI 2 spec metal-go's client is generated from, and records which operations were exercised.
type contract struct {
	ops  []contractOp
	root *spec.Swagger

	mu       sync.Mutex
	covered  map[string]int
	failures []string
	checked  int
}

type contractOp struct {
	method, template string
	re               *regexp.Regexp
	params           int
	op               *spec.Operation
}

// quotedParamRE matches a path parameter after regexp.QuoteMeta escaped its braces.
var quotedParamRE = regexp.MustCompile(`\\\{[^}]+\\\}`)

// metalAPISpecPath locates metal-api.json in the module cache through the go tool.
func metalAPISpecPath() string {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/metal-stack/metal-go").Output()
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return filepath.Join(strings.TrimSpace(string(out)), "metal-api.json")
}

func loadContract() *contract {
	doc, err := loads.Spec(metalAPISpecPath())
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	// The schemas stay references into the document; the validator resolves them against it, which is
	// much cheaper than expanding the whole spec.
	c := &contract{covered: map[string]int{}, root: doc.Spec()}
	for path, item := range doc.Spec().Paths.Paths {
		for method, op := range map[string]*spec.Operation{
			http.MethodGet: item.Get, http.MethodPost: item.Post, http.MethodPut: item.Put, http.MethodDelete: item.Delete,
		} {
			if op == nil {
				continue
			}
			re := regexp.MustCompile("^" + quotedParamRE.ReplaceAllString(regexp.QuoteMeta(path), `[^/]+`) + "$")
			c.ops = append(c.ops, contractOp{method: method, template: path, re: re, params: strings.Count(path, "{"), op: op})
		}
	}
	return c
}

// operation finds the spec operation of a request; literal path segments win over parameters.
func (c *contract) operation(method, path string) *contractOp {
	var best *contractOp
	for i := range c.ops {
		o := &c.ops[i]
		if o.method != method || !o.re.MatchString(path) {
			continue
		}
		if best == nil || o.params < best.params {
			best = o
		}
	}
	return best
}

// wrap puts the contract check in front of a handler.
func (c *contract) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		c.check(r.Method, r.URL.Path, rec.Code, rec.Body.Bytes())
	})
}

func (c *contract) check(method, path string, status int, body []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	defer func() {
		if r := recover(); r != nil {
			c.failures = append(c.failures, fmt.Sprintf("%s %s: validator panicked: %v", method, path, r))
		}
	}()
	c.checked++
	o := c.operation(method, path)
	if o == nil {
		c.failures = append(c.failures, fmt.Sprintf("%s %s: no operation in metal-api.json", method, path))
		return
	}
	c.covered[o.op.ID]++
	var resp *spec.Response
	if o.op.Responses != nil {
		if r, ok := o.op.Responses.StatusCodeResponses[status]; ok {
			resp = &r
		} else if o.op.Responses.Default != nil {
			resp = o.op.Responses.Default
		}
	}
	if resp == nil {
		c.failures = append(c.failures, fmt.Sprintf("%s %s (%s): status %d is not declared", method, path, o.op.ID, status))
		return
	}
	if resp.Schema == nil {
		if len(bytes.TrimSpace(body)) > 0 {
			c.failures = append(c.failures, fmt.Sprintf("%s %s (%s): status %d declares no body but got %s", method, path, o.op.ID, status, body))
		}
		return
	}
	var data any
	if err := json.Unmarshal(body, &data); err != nil {
		c.failures = append(c.failures, fmt.Sprintf("%s %s (%s): response is no JSON: %v", method, path, o.op.ID, err))
		return
	}
	if isHTTPErrorSchema(c.resolve(resp.Schema)) {
		// metal-api's go-restful encodes *httperrors.HTTPErrorResponse through its MarshalText: the body
		// is a JSON string holding the object, and metal-go decodes it with UnmarshalText. A plain
		// object would break metal-go's client, so it is a contract violation here.
		text, ok := data.(string)
		if !ok {
			c.failures = append(c.failures, fmt.Sprintf("%s %s (%s) status %d: error body is not the text-encoded httperrors.HTTPErrorResponse metal-go expects: %s", method, path, o.op.ID, status, body))
			return
		}
		if err := json.Unmarshal([]byte(text), &data); err != nil {
			c.failures = append(c.failures, fmt.Sprintf("%s %s (%s): error text is no JSON: %v", method, path, o.op.ID, err))
			return
		}
	}
	if res := validate.NewSchemaValidator(resp.Schema, c.root, "", strfmt.Default).Validate(data); !res.IsValid() {
		c.failures = append(c.failures, fmt.Sprintf("%s %s (%s) status %d: %v\nbody: %.300s", method, path, o.op.ID, status, res.AsError(), body))
	}
}

// resolve follows a top-level reference to its definition.
func (c *contract) resolve(s *spec.Schema) *spec.Schema {
	name, ok := strings.CutPrefix(s.Ref.String(), "#/definitions/")
	if !ok {
		return s
	}
	if def, ok := c.root.Definitions[name]; ok {
		return &def
	}
	return s
}

// isHTTPErrorSchema recognises metal-lib's httperrors.HTTPErrorResponse by its x-go-type extension.
func isHTTPErrorSchema(s *spec.Schema) bool {
	ext, ok := s.Extensions["x-go-type"].(map[string]any)
	return ok && ext["type"] == "HTTPErrorResponse"
}

func (c *contract) takeFailures() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	f := c.failures
	c.failures = nil
	return f
}

func (c *contract) coveredOperations() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for k, v := range c.covered {
		out[k] = v
	}
	return out
}
