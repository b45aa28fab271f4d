package ontapapi

import (
	"net/http"
	"path"
	"strings"
	"time"
)

// Fault describes how to disturb matching requests. Faults are matched in the
// order they were injected; the first one that matches and has calls left
// applies.
type Fault struct {
	// Method matches the HTTP method; empty matches every method.
	Method string
	// Path matches the request path ("/api/svm/svms/1234"), the route
	// as ONTAP names it ("/api/svm/svms/{uuid}",
	// "/api/security/accounts/{owner.uuid}/{name}"), or a prefix when it ends in "*"
	// ("/api/svm/*"); path.Match patterns work too. Empty matches every path.
	Path string
	// Times is how many matching calls the fault affects; 0 means every
	// matching call until ClearFaults.
	Times int

	// Latency delays the request before anything else happens.
	Latency time.Duration
	// Status answers with this HTTP status and an ONTAP error body instead
	// of handling the request (nothing is applied).
	Status int
	// Code and Message fill the ONTAP error of Status (defaults: CodeInjected,
	// "injected failure (<status>)").
	Code    string
	Message string
	// DropRequest closes the connection without handling the request: to
	// the client the cluster looks unreachable.
	DropRequest bool
	// DropResponse handles the request (a write is applied, a job started)
	// and then closes the connection without answering.
	DropResponse bool
	// RewriteStatus handles the request and answers with this status
	// instead of the regular success status, e.g. 200 where the client
	// expects 201.
	RewriteStatus int
	// JobFailure makes the job started by a matching asynchronous request
	// end in state "failure" with this message.
	JobFailure string
}

type faultRec struct {
	Fault
	left int
}

// InjectFault adds a fault.
func (s *Server) InjectFault(f Fault) {
	s.metaMu.Lock()
	defer s.metaMu.Unlock()
	s.faults = append(s.faults, &faultRec{Fault: f, left: f.Times})
}

// ClearFaults removes all faults.
func (s *Server) ClearFaults() {
	s.metaMu.Lock()
	defer s.metaMu.Unlock()
	s.faults = nil
}

// takeFault returns the fault for a request and uses up one of its calls.
func (s *Server) takeFault(method, urlPath, route string) *Fault {
	s.metaMu.Lock()
	defer s.metaMu.Unlock()
	for i, f := range s.faults {
		if f.Method != "" && !strings.EqualFold(f.Method, method) {
			continue
		}
		if f.Path != "" && !pathMatches(f.Path, urlPath, route) {
			continue
		}
		out := f.Fault
		if f.Times > 0 {
			f.left--
			if f.left <= 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		return &out
	}
	return nil
}

func pathMatches(pattern, urlPath, route string) bool {
	if pattern == urlPath || pattern == route {
		return true
	}
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok && (strings.HasPrefix(urlPath, prefix) || strings.HasPrefix(route, prefix)) {
		return true
	}
	ok, err := path.Match(pattern, urlPath)
	return err == nil && ok
}

// Call is one request the simulator received.
type Call struct {
	Method string
	// Route is the endpoint pattern with ONTAP's parameter names, e.g.
	// "/api/svm/svms/{uuid}" or "/api/protocols/nvme/services/{svm.uuid}".
	Route    string
	Path     string
	RawQuery string
	// User is the authenticated account, empty when authentication failed
	// or the request was dropped before it.
	User   string
	Status int
	// Dropped is set when the connection was closed instead of answering.
	Dropped bool
	Time    time.Time
}

// Endpoint is "METHOD route".
func (c Call) Endpoint() string { return c.Method + " " + c.Route }

// IsWrite reports whether the call is a POST, PATCH, PUT or DELETE.
func (c Call) IsWrite() bool {
	switch c.Method {
	case http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// Calls is a sequence of calls in arrival order.
type Calls []Call

// Mark is a position in the call log.
type Mark int

// Mark returns the current position of the call log.
func (s *Server) Mark() Mark {
	s.metaMu.Lock()
	defer s.metaMu.Unlock()
	return Mark(len(s.calls))
}

// CallsSince returns the calls received after the mark.
func (s *Server) CallsSince(m Mark) Calls {
	s.metaMu.Lock()
	defer s.metaMu.Unlock()
	if int(m) > len(s.calls) {
		return nil
	}
	return append(Calls(nil), s.calls[m:]...)
}

func (s *Server) record(c Call) {
	s.metaMu.Lock()
	defer s.metaMu.Unlock()
	s.calls = append(s.calls, c)
}

// Writes returns the POST, PATCH, PUT and DELETE calls.
func (cs Calls) Writes() Calls {
	var out Calls
	for _, c := range cs {
		if c.IsWrite() {
			out = append(out, c)
		}
	}
	return out
}

// Count counts calls with the method ("" for any) on the route or path ("" for
// any; a trailing "*" matches a prefix).
func (cs Calls) Count(method, route string) int {
	n := 0
	for _, c := range cs {
		if method != "" && !strings.EqualFold(method, c.Method) {
			continue
		}
		if route != "" && !pathMatches(route, c.Path, c.Route) {
			continue
		}
		n++
	}
	return n
}

// ByEndpoint counts calls per "METHOD route".
func (cs Calls) ByEndpoint() map[string]int {
	out := map[string]int{}
	for _, c := range cs {
		out[c.Endpoint()]++
	}
	return out
}

// Endpoints lists "METHOD route" of each call in order.
func (cs Calls) Endpoints() []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Endpoint()
	}
	return out
}
