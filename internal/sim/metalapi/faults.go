// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metalapi

import (
	"math/rand/v2"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
)

// Fault is an error, a delay or a lost response injected into matching calls.
type Fault struct {
	// Method matches the HTTP method; empty matches every method.
	Method string
	// Path matches the route pattern as in metal-api.json ("/v1/ip/free/{id}"), the concrete request
	// path ("/v1/ip/free/10.0.0.1") or a path.Match glob over the concrete path ("/v1/ip/free/*").
	// Empty matches every path.
	Path string
	// Times is how many matching calls the fault affects; zero or less means every matching call until
	// the fault is removed.
	Times int
	// Status, if set, answers matching calls with this status and a metal-api error body without
	// executing them.
	Status int
	// Message is the error message for Status; a default names the fault.
	Message string
	// Latency delays matching calls before they execute.
	Latency time.Duration
	// Jitter adds a random delay in [0, Jitter) from the seeded generator.
	Jitter time.Duration
	// DropResponse executes matching calls and then closes the connection without a response: the
	// change is applied, the client sees a transport error.
	DropResponse bool
}

// FaultID identifies an injected fault.
type FaultID uint64

type activeFault struct {
	id        FaultID
	fault     Fault
	remaining int
}

type faultEffect struct {
	latency time.Duration
	status  int
	message string
	drop    bool
}

type faultSet struct {
	mu     sync.Mutex
	seed   uint64
	rng    *rand.Rand
	nextID FaultID
	active []*activeFault
}

func (f Fault) matches(rt Route, r *http.Request) bool {
	if f.Method != "" && !strings.EqualFold(f.Method, r.Method) {
		return false
	}
	if f.Path == "" || f.Path == rt.Pattern || f.Path == r.URL.Path {
		return true
	}
	ok, err := path.Match(f.Path, r.URL.Path)
	return err == nil && ok
}

// apply consumes one use of every matching fault and returns their combined effect.
func (fs *faultSet) apply(rt Route, r *http.Request) faultEffect {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	var eff faultEffect
	kept := fs.active[:0]
	for _, af := range fs.active {
		if !af.fault.matches(rt, r) {
			kept = append(kept, af)
			continue
		}
		eff.latency += af.fault.Latency
		if af.fault.Jitter > 0 {
			if fs.rng == nil {
				fs.rng = rand.New(rand.NewPCG(fs.seed, fs.seed^0x5851f42d4c957f2d))
			}
			eff.latency += time.Duration(fs.rng.Int64N(int64(af.fault.Jitter)))
		}
		if af.fault.Status != 0 && eff.status == 0 {
			eff.status, eff.message = af.fault.Status, af.fault.Message
		}
		eff.drop = eff.drop || af.fault.DropResponse
		if af.remaining > 0 {
			af.remaining--
			if af.remaining == 0 {
				continue
			}
		}
		kept = append(kept, af)
	}
	clear(fs.active[len(kept):])
	fs.active = kept
	return eff
}

// InjectFault adds a fault; it stays until its Times are used up or it is removed.
func (s *Server) InjectFault(f Fault) FaultID {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.nextID++
	remaining := f.Times
	if remaining < 0 {
		remaining = 0
	}
	s.faults.active = append(s.faults.active, &activeFault{id: s.faults.nextID, fault: f, remaining: remaining})
	return s.faults.nextID
}

// RemoveFault removes a fault; removing an unknown or used-up fault does nothing.
func (s *Server) RemoveFault(id FaultID) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.active = slices.DeleteFunc(s.faults.active, func(af *activeFault) bool { return af.id == id })
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.active = nil
}

// ActiveFaults returns the faults still in effect with their remaining uses (0 = unlimited).
func (s *Server) ActiveFaults() map[FaultID]int {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	out := map[FaultID]int{}
	for _, af := range s.faults.active {
		out[af.id] = af.remaining
	}
	return out
}

// FailNext answers the next n calls matching method and path with status (see Fault for matching).
func (s *Server) FailNext(method, pathPattern string, n, status int) FaultID {
	return s.InjectFault(Fault{Method: method, Path: pathPattern, Times: n, Status: status})
}

// DropNextResponses executes the next n matching calls and drops their responses.
func (s *Server) DropNextResponses(method, pathPattern string, n int) FaultID {
	return s.InjectFault(Fault{Method: method, Path: pathPattern, Times: n, DropResponse: true})
}

// AddLatency delays every matching call by d until the fault is removed.
func (s *Server) AddLatency(method, pathPattern string, d time.Duration) FaultID {
	return s.InjectFault(Fault{Method: method, Path: pathPattern, Latency: d})
}
