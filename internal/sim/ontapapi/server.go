package ontapapi

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Defaults of Config.
const (
	DefaultAdminUser     = "admin"
	DefaultAdminPassword = "sim-admin-1"
	// DefaultMaxSVMJobs is ONTAP's documented limit of parallel SVM jobs.
	DefaultMaxSVMJobs   = 5
	DefaultJobRetention = 5 * time.Minute
)

// Config configures a simulator.
type Config struct {
	// Addr is the listen address, "127.0.0.1:0" (an ephemeral port) when empty.
	Addr string
	// AdminUser and AdminPassword are the cluster administrator's credentials
	// (DefaultAdminUser / DefaultAdminPassword when empty).
	AdminUser     string
	AdminPassword string
	// Seed is the initial cluster; DefaultSeed() when nil. Ignored when
	// StateFile already holds a state.
	Seed *Seed
	// StateFile, when set, is loaded at start if it exists and rewritten after
	// every change, so a restarted simulator keeps its objects. It holds the
	// accounts' passwords in clear (mode 0600): it is a simulator's file.
	StateFile string
	// JobDelay is how long an asynchronous job runs. Zero completes jobs at
	// the first poll (or right away in the background).
	JobDelay time.Duration
	// JobRetention is how long finished jobs stay visible (ONTAP: 300 s).
	JobRetention time.Duration
	// MaxSVMJobs limits parallel SVM create/modify/delete jobs.
	MaxSVMJobs int
	// Hosts are extra DNS names or IPs for the server certificate, besides
	// 127.0.0.1, ::1 and localhost.
	Hosts []string
	// Logf, when set, receives one line per request (never bodies).
	Logf func(format string, args ...any)
}

// Server is a running simulator.
type Server struct {
	cfg   Config
	url   string
	addr  string
	caPEM []byte

	httpSrv  *http.Server
	listener net.Listener
	mux      *http.ServeMux

	mu     sync.Mutex // guards st, jobs, closed
	st     *state
	jobs   map[string]*jobRec
	timers []*time.Timer
	closed bool

	metaMu sync.Mutex // guards faults and calls
	faults []*faultRec
	calls  []Call

	done chan struct{}
}

// Start runs a simulator until ctx ends or Close is called.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.AdminUser == "" {
		cfg.AdminUser = DefaultAdminUser
	}
	if cfg.AdminPassword == "" {
		cfg.AdminPassword = DefaultAdminPassword
	}
	if cfg.JobRetention == 0 {
		cfg.JobRetention = DefaultJobRetention
	}
	if cfg.MaxSVMJobs == 0 {
		cfg.MaxSVMJobs = DefaultMaxSVMJobs
	}

	st, err := loadOrSeed(cfg)
	if err != nil {
		return nil, err
	}
	st.ensureAdmin(cfg.AdminUser, cfg.AdminPassword)

	hosts := append([]string{"127.0.0.1", "::1", "localhost"}, cfg.Hosts...)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", cfg.Addr, err)
	}
	if host, _, err := net.SplitHostPort(ln.Addr().String()); err == nil && !slices.Contains(hosts, host) {
		hosts = append(hosts, host)
	}
	cert, caPEM, err := newTLSMaterial(hosts)
	if err != nil {
		_ = ln.Close()
		return nil, err
	}

	s := &Server{
		cfg:      cfg,
		caPEM:    caPEM,
		listener: ln,
		mux:      http.NewServeMux(),
		st:       st,
		jobs:     map[string]*jobRec{},
		done:     make(chan struct{}),
	}
	s.persistLocked()
	s.addr = ln.Addr().String()
	s.url = "https://" + s.addr
	s.routes()
	s.httpSrv = &http.Server{
		Handler:           s.mux,
		ReadHeaderTimeout: 10 * time.Second,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		// HTTP/1.1 only: dropped responses close the connection the way a
		// lost answer from a real cluster does.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
		ErrorLog:     log.New(logWriter{cfg.Logf}, "", 0),
	}
	go func() {
		defer close(s.done)
		_ = s.httpSrv.ServeTLS(ln, "", "")
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

// URL is the base URL, e.g. https://127.0.0.1:43121 (the API is under /api).
func (s *Server) URL() string { return s.url }

// Address is host:port of the listener, the form of a cluster management
// address.
func (s *Server) Address() string { return s.addr }

// CACert is the PEM of the CA that signed the server certificate.
func (s *Server) CACert() []byte { return slices.Clone(s.caPEM) }

// AdminCredentials returns the cluster administrator's user and password.
func (s *Server) AdminCredentials() (user, password string) {
	return s.cfg.AdminUser, s.cfg.AdminPassword
}

// Close stops the server and its job timers.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for _, t := range s.timers {
		t.Stop()
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.httpSrv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = s.httpSrv.Close()
	}
	<-s.done
	return err
}

// SetClusterName renames the cluster as GET /api/cluster reports it, e.g. to
// "X-mc" the way a MetroCluster switchover shows the surviving site.
func (s *Server) SetClusterName(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.Cluster.Name = name
	s.persistLocked()
}

// principal is an authenticated caller.
type principal struct {
	user string
	// owner is the SVM UUID of an SVM-scoped account, empty for cluster scope.
	owner string
	role  string
}

func (p principal) cluster() bool { return p.owner == "" }

// sees reports whether the caller may see objects of the SVM.
func (p principal) sees(svmUUID string) bool { return p.owner == "" || p.owner == svmUUID }

// reqCtx carries one request through a handler. Handlers run with s.mu held.
type reqCtx struct {
	s      *Server
	r      *http.Request
	p      principal
	body   []byte
	fault  *Fault
	header http.Header
}

type handlerFunc func(rc *reqCtx) (int, any, *apiError)

func (rc *reqCtx) query() url.Values { return rc.r.URL.Query() }

// decode reads the request body into a wire model, rejecting unknown fields
// the way ONTAP rejects unexpected arguments.
func (rc *reqCtx) decode(v any) *apiError {
	if len(strings.TrimSpace(string(rc.body))) == 0 {
		return badRequest(CodeMissingField, "", "request body is required")
	}
	dec := json.NewDecoder(strings.NewReader(string(rc.body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest(CodeUnexpectedField, "", "invalid request body: %v", err)
	}
	return nil
}

// bodyKeys returns the top-level keys of the JSON body.
func (rc *reqCtx) bodyKeys() []string {
	m := map[string]json.RawMessage{}
	_ = json.Unmarshal(rc.body, &m)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// onlyKeys rejects a PATCH that tries to change fields the simulator (and
// ONTAP) does not modify through this endpoint.
func (rc *reqCtx) onlyKeys(allowed ...string) *apiError {
	for _, k := range rc.bodyKeys() {
		if !slices.Contains(allowed, k) {
			return badRequest(CodeUnexpectedField, k, "Field %q cannot be set in this operation.", k)
		}
	}
	return nil
}

// routeNames turns the mux's wildcard names into the path parameter names of
// ONTAP's API (and trident's generated client), e.g. {owner.uuid}.
var routeNames = strings.NewReplacer("{owner_uuid}", "{owner.uuid}", "{svm_uuid}", "{svm.uuid}", "{id}/rules", "{policy.id}/rules")

func (s *Server) handle(pattern string, h handlerFunc) {
	route := routeNames.Replace(pattern[strings.Index(pattern, " ")+1:])
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, route, h) })
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, route string, h handlerFunc) {
	call := Call{Method: r.Method, Route: route, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Time: time.Now()}
	f := s.takeFault(r.Method, r.URL.Path, route)
	if f != nil && f.Latency > 0 {
		t := time.NewTimer(f.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
		}
	}
	if f != nil && f.DropRequest {
		call.Dropped = true
		s.record(call)
		panic(http.ErrAbortHandler)
	}
	if f != nil && f.Status != 0 {
		code, msg := f.Code, f.Message
		if code == "" {
			code = CodeInjected
		}
		if msg == "" {
			msg = fmt.Sprintf("injected failure (%d)", f.Status)
		}
		call.Status = f.Status
		s.record(call)
		s.write(w, r, f.Status, errorBody(code, msg, ""))
		return
	}

	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		call.Status = http.StatusBadRequest
		s.record(call)
		s.write(w, r, http.StatusBadRequest, errorBody(CodeInvalidValue, "reading request body failed", ""))
		return
	}
	rc := &reqCtx{s: s, r: r, body: body, fault: f, header: w.Header()}
	var (
		status int
		resp   any
		aerr   *apiError
	)
	s.mu.Lock()
	rc.p, aerr = s.authenticateLocked(r)
	if aerr == nil {
		call.User = rc.p.user
		status, resp, aerr = h(rc)
		if aerr == nil && r.Method != http.MethodGet {
			s.persistLocked()
		}
	}
	s.mu.Unlock()
	if aerr != nil {
		status, resp = aerr.status, errorBody(aerr.code, aerr.message, aerr.target)
		if aerr.status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="ONTAP simulator"`)
		}
	}
	if f != nil && f.DropResponse {
		call.Status, call.Dropped = status, true
		s.record(call)
		panic(http.ErrAbortHandler)
	}
	if f != nil && f.RewriteStatus != 0 && status < 400 {
		status = f.RewriteStatus
	}
	call.Status = status
	s.record(call)
	s.write(w, r, status, resp)
}

func (s *Server) write(w http.ResponseWriter, r *http.Request, status int, body any) {
	ct := "application/json"
	if strings.Contains(r.Header.Get("Accept"), "application/hal+json") {
		ct = "application/hal+json"
	}
	raw, err := json.Marshal(body)
	if err != nil {
		status = http.StatusInternalServerError
		raw, _ = json.Marshal(errorBody(CodeInvalidValue, "encoding response failed", ""))
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(status)
	_, _ = w.Write(raw)
	if s.cfg.Logf != nil {
		s.cfg.Logf("%s %s -> %d", r.Method, r.URL.Path, status)
	}
}

// authenticateLocked checks basic auth against the accounts. An account name
// may exist in several SVMs; the one whose password matches wins.
func (s *Server) authenticateLocked(r *http.Request) (principal, *apiError) {
	user, pass, ok := r.BasicAuth()
	unauthorized := &apiError{status: http.StatusUnauthorized, code: CodeAuthentication, message: "Authentication failed."}
	if !ok {
		return principal{}, unauthorized
	}
	// Deterministic choice when one name and password fit several accounts.
	var match *accountRec
	for _, a := range s.st.Accounts {
		if a.Name != user || a.Locked || !a.canLogin() {
			continue
		}
		if subtle.ConstantTimeCompare([]byte(a.Password), []byte(pass)) == 1 && (match == nil || a.key() < match.key()) {
			match = a
		}
	}
	if match != nil {
		owner := match.OwnerUUID
		if owner == s.st.Cluster.UUID {
			owner = ""
		}
		return principal{user: user, owner: owner, role: match.Role}, nil
	}
	return principal{}, unauthorized
}

// persistLocked writes the state file when one is configured.
func (s *Server) persistLocked() {
	if s.cfg.StateFile == "" {
		return
	}
	raw, err := json.MarshalIndent(s.st, "", "  ")
	if err == nil {
		tmp := s.cfg.StateFile + ".tmp"
		if err = os.WriteFile(tmp, raw, 0o600); err == nil {
			err = os.Rename(tmp, s.cfg.StateFile)
		}
	}
	if err != nil && s.cfg.Logf != nil {
		s.cfg.Logf("writing state file %s: %v", s.cfg.StateFile, err)
	}
}

func loadOrSeed(cfg Config) (*state, error) {
	if cfg.StateFile != "" {
		raw, err := os.ReadFile(cfg.StateFile)
		switch {
		case err == nil:
			st := &state{}
			if err := json.Unmarshal(raw, st); err != nil {
				return nil, fmt.Errorf("reading state file %s: %w", cfg.StateFile, err)
			}
			st.afterLoad()
			return st, nil
		case !errors.Is(err, os.ErrNotExist):
			return nil, fmt.Errorf("reading state file %s: %w", cfg.StateFile, err)
		}
		if err := os.MkdirAll(filepath.Dir(cfg.StateFile), 0o755); err != nil {
			return nil, fmt.Errorf("creating directory of state file: %w", err)
		}
	}
	seed := DefaultSeed()
	if cfg.Seed != nil {
		seed = *cfg.Seed
	}
	if err := seed.Validate(); err != nil {
		return nil, err
	}
	return newState(seed), nil
}

// logWriter sends the HTTP server's own messages (TLS handshake failures of
// clients that do not trust the CA, ...) to Config.Logf, or nowhere.
type logWriter struct {
	logf func(format string, args ...any)
}

func (w logWriter) Write(p []byte) (int, error) {
	if w.logf != nil {
		w.logf("%s", strings.TrimSpace(string(p)))
	}
	return len(p), nil
}
