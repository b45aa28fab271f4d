// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metalapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/metal-stack/metal-lib/httperrors"
	"github.com/metal-stack/security"
)

// Route describes one endpoint the simulator serves.
type Route struct {
	// Method is the HTTP method.
	Method string
	// Pattern is the path as metal-api.json spells it, e.g. "/v1/network/{id}".
	Pattern string
	// OperationID is the operationId in metal-api.json and the name of metal-go's client method.
	OperationID string
	// Read is true for calls that change nothing: GETs and the find/list POSTs.
	Read bool
	// Role is the least role that may call it; empty for the unauthenticated health and version.
	Role Role
}

type handlerFunc func(q *request) (status int, body any, err error)

type route struct {
	Route
	handle handlerFunc
}

// request is what a handler sees of an HTTP request.
type request struct {
	r  *http.Request
	id *identity
}

func (q *request) pathValue(name string) string { return q.r.PathValue(name) }

// decode reads the JSON body; a malformed body is a 400, as in metal-api.
func (q *request) decode(v any) error {
	data, err := io.ReadAll(q.r.Body)
	if err != nil {
		return badRequest("reading request body: %v", err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return badRequest("request body is empty")
	}
	if err := json.Unmarshal(data, v); err != nil {
		return badRequest("decoding request body: %v", err)
	}
	return nil
}

// Server is a running (or embeddable) metal-api simulator. It is safe for concurrent use.
type Server struct {
	cfg        Config
	st         *state
	mux        *http.ServeMux
	routes     []route
	creds      *security.UserCreds
	identities map[string]*identity
	calls      callLog
	faults     faultSet

	httpServer *http.Server
	url        string
	closeOnce  sync.Once
	closeErr   error
	done       chan struct{}
}

// New builds a simulator without listening; use it as an http.Handler (for example with
// httptest.NewServer) or call Start instead.
func New(cfg Config) (*Server, error) {
	cfg.defaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("invalid simulator config: %w", err)
	}
	st, err := newState(cfg.Seed, cfg.RandomSeed, cfg.Now)
	if err != nil {
		return nil, err
	}
	st.provisioningTime = cfg.ProvisioningTime
	s := &Server{
		cfg:    cfg,
		st:     st,
		mux:    http.NewServeMux(),
		done:   make(chan struct{}),
		faults: faultSet{seed: cfg.RandomSeed},
		calls:  callLog{limit: cfg.CallLogLimit},
	}
	s.setupAuth()
	s.routes = s.routeTable()
	for _, rt := range s.routes {
		h := s.wrap(rt)
		s.mux.HandleFunc(rt.Method+" "+rt.Pattern, h)
		if !strings.Contains(rt.Pattern, "{") {
			// go-restful serves a web service's root route with and without the trailing slash.
			s.mux.HandleFunc(rt.Method+" "+rt.Pattern+"/{$}", h)
		}
	}
	s.mux.HandleFunc("/", s.wrap(route{Route: Route{Pattern: ""}, handle: func(q *request) (int, any, error) {
		return 0, nil, notFound("no route for %s %s", q.r.Method, q.r.URL.Path)
	}}))
	return s, nil
}

// Start builds a simulator and serves it on cfg.ListenAddress (default an ephemeral port on 127.0.0.1)
// until ctx is done or Close is called.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	s, err := New(cfg)
	if err != nil {
		return nil, err
	}
	lis, err := net.Listen("tcp", s.cfg.ListenAddress)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", s.cfg.ListenAddress, err)
	}
	s.url = "http://" + lis.Addr().String()
	s.httpServer = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := s.httpServer.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.cfg.Logger.Error("metal-api simulator stopped serving", "error", err)
		}
	}()
	go func() {
		select {
		case <-ctx.Done():
			_ = s.Close()
		case <-s.done:
		}
	}()
	return s, nil
}

// URL is the base URL of a started simulator, e.g. http://127.0.0.1:34567; empty when built with New.
func (s *Server) URL() string { return s.url }

// Close stops a started simulator and closes all connections. It is safe to call more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		close(s.done)
		if s.httpServer != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			if err := s.httpServer.Shutdown(ctx); err != nil {
				s.closeErr = s.httpServer.Close()
			}
		}
	})
	return s.closeErr
}

// Done is closed when the simulator has been closed.
func (s *Server) Done() <-chan struct{} { return s.done }

// ServeHTTP makes the simulator an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Routes lists every endpoint the simulator serves.
func (s *Server) Routes() []Route {
	out := make([]Route, 0, len(s.routes))
	for _, rt := range s.routes {
		out = append(out, rt.Route)
	}
	return out
}

// wrap runs one call through accounting, authentication, authorization, faults and the handler.
func (s *Server) wrap(rt route) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec := s.calls.begin(rt.Route, r)
		status, dropped := s.serve(rt, w, r)
		s.calls.end(rec, status, dropped)
		s.cfg.Logger.Debug("metal-api simulator call", "method", r.Method, "path", r.URL.Path, "status", status, "dropped", dropped)
		if dropped {
			abortConnection(w)
		}
	}
}

func (s *Server) serve(rt route, w http.ResponseWriter, r *http.Request) (status int, dropped bool) {
	q := &request{r: r}
	if rt.Pattern != "" && rt.Role != "" {
		id, err := s.authenticate(r)
		if err != nil {
			return writeError(w, err), false
		}
		if id.role.rank() < rt.Role.rank() {
			return writeError(w, forbidden("you are not member in one of [%s]", rolesFrom(rt.Role))), false
		}
		q.id = id
	} else {
		q.id = anonymousAdmin
	}

	eff := s.faults.apply(rt.Route, r)
	if eff.latency > 0 {
		t := time.NewTimer(eff.latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
		}
	}
	if eff.status != 0 {
		msg := eff.message
		if msg == "" {
			msg = fmt.Sprintf("injected fault: %s %s fails with %d", r.Method, r.URL.Path, eff.status)
		}
		return writeError(w, newAPIError(eff.status, "%s", msg)), false
	}

	target := w
	if eff.drop {
		target = &bufferedWriter{header: http.Header{}}
	}
	code, body, err := rt.handle(q)
	if err != nil {
		status = writeError(target, err)
	} else {
		status = code
		writeJSON(target, code, body)
	}
	return status, eff.drop
}

// writeError answers with metal-lib's httperrors.HTTPErrorResponse exactly as metal-api puts it on the
// wire: go-restful JSON-encodes the *HTTPErrorResponse, which implements encoding.TextMarshaler, so the
// body is a JSON string holding the {"statuscode","message"} object. metal-go's client decodes it with
// HTTPErrorResponse.UnmarshalText and cannot decode a plain object.
func writeError(w http.ResponseWriter, err error) int {
	status := statusOf(err)
	writeJSON(w, status, &httperrors.HTTPErrorResponse{StatusCode: status, Message: err.Error()})
	return status
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	data, err := json.Marshal(body)
	if err != nil {
		status = http.StatusInternalServerError
		data, _ = json.Marshal(&httperrors.HTTPErrorResponse{StatusCode: status, Message: "encoding response: " + err.Error()})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

// bufferedWriter swallows a response that is going to be dropped.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header         { return b.header }
func (b *bufferedWriter) WriteHeader(status int)      { b.status = status }
func (b *bufferedWriter) Write(p []byte) (int, error) { return b.body.Write(p) }

// abortConnection closes the client connection without a response: the change is applied, the client
// sees a transport error.
func abortConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}
