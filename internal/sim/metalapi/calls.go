// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metalapi

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Call is one request the simulator received.
type Call struct {
	// Seq orders calls by arrival, starting at 1.
	Seq uint64
	// Method and Path are the request's; Pattern is the matched route ("/v1/ip/{id}"), empty when no
	// route matched.
	Method, Pattern, Path string
	// OperationID is the route's operationId in metal-api.json.
	OperationID string
	// Read is true for calls that change nothing (GETs and find/list POSTs).
	Read bool
	// Status is the status the handler (or an injected fault) answered with.
	Status int
	// Dropped is true when the response was dropped by a fault after the call was applied.
	Dropped bool
	// Time is when the call arrived.
	Time time.Time
}

// Endpoint is "METHOD pattern", the key of Calls.ByEndpoint.
func (c Call) Endpoint() string {
	if c.Pattern == "" {
		return c.Method + " " + c.Path
	}
	return c.Method + " " + c.Pattern
}

// IsWrite reports whether the call may change state: a matched, non-read route. Unauthenticated and
// fault-failed calls count too: tests asserting "no writes" want to see attempts, not only successes.
func (c Call) IsWrite() bool { return c.Pattern != "" && !c.Read }

// Calls is a list of calls in arrival order.
type Calls []Call

// Mark is a position in the call log; see Server.Mark.
type Mark uint64

type callLog struct {
	mu    sync.Mutex
	seq   uint64
	calls []Call
	limit int
}

func (l *callLog) begin(rt Route, r *http.Request) *Call {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	return &Call{Seq: l.seq, Method: r.Method, Pattern: rt.Pattern, Path: r.URL.Path, OperationID: rt.OperationID, Read: rt.Read, Time: time.Now()}
}

func (l *callLog) end(c *Call, status int, dropped bool) {
	c.Status, c.Dropped = status, dropped
	l.mu.Lock()
	defer l.mu.Unlock()
	idx, _ := slices.BinarySearchFunc(l.calls, c.Seq, func(e Call, seq uint64) int {
		switch {
		case e.Seq < seq:
			return -1
		case e.Seq > seq:
			return 1
		}
		return 0
	})
	l.calls = slices.Insert(l.calls, idx, *c)
	if l.limit > 0 && len(l.calls) > l.limit {
		// Forget a tenth more than needed, so trimming happens rarely.
		drop := len(l.calls) - l.limit + l.limit/10
		l.calls = slices.Delete(l.calls, 0, min(drop, len(l.calls)))
	}
}

// Mark returns the current position of the call log; CallsSince(mark) returns the calls that arrived
// after it.
func (s *Server) Mark() Mark {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	return Mark(s.calls.seq)
}

// CallsSince returns the completed calls that arrived after the mark, in arrival order (as far as the
// call log still holds them, see Config.CallLogLimit).
func (s *Server) CallsSince(m Mark) Calls {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	idx, _ := slices.BinarySearchFunc(s.calls.calls, uint64(m)+1, func(e Call, seq uint64) int {
		switch {
		case e.Seq < seq:
			return -1
		case e.Seq > seq:
			return 1
		}
		return 0
	})
	return slices.Clone(s.calls.calls[idx:])
}

// AllCalls returns every completed call.
func (s *Server) AllCalls() Calls { return s.CallsSince(0) }

// Writes returns the calls that may change state (see Call.IsWrite).
func (c Calls) Writes() Calls {
	var out Calls
	for _, call := range c {
		if call.IsWrite() {
			out = append(out, call)
		}
	}
	return out
}

// Count returns how many calls match method and pattern; an empty method or pattern matches all.
func (c Calls) Count(method, pattern string) int {
	n := 0
	for _, call := range c {
		if (method == "" || strings.EqualFold(method, call.Method)) && (pattern == "" || pattern == call.Pattern) {
			n++
		}
	}
	return n
}

// ByEndpoint counts calls per "METHOD pattern".
func (c Calls) ByEndpoint() map[string]int {
	out := map[string]int{}
	for _, call := range c {
		out[call.Endpoint()]++
	}
	return out
}

// String lists the calls per endpoint, for test failure messages.
func (c Calls) String() string {
	counts := c.ByEndpoint()
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		fmt.Fprintf(&b, "%s: %d\n", k, counts[k])
	}
	return b.String()
}
