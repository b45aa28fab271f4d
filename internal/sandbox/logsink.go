// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package sandbox

import (
	"io"
	"slices"
	"sync"

	"github.com/go-logr/logr"
	"k8s.io/klog/v2"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
)

// processLoggers guards activeLoggers, the loggers behind the two global loggers, controller-runtime's and klog's
// (which machine-controller-manager writes to): the global loggers write to the latest sandbox's that has not
// stopped yet. Both are set once per process and then only this list changes, because neither may be set again
// while it is in use: klog reads its logger without synchronisation from goroutines (informers of
// machine-controller-manager) that may outlive an earlier sandbox, and two concurrent calls of controller-runtime's
// SetLogger race. Tests run several sandboxes, some at the same time; their controllers log through the loggers the
// sandbox hands them, so only what a library logs globally may land in another sandbox's log, but never in the log
// of a sandbox that stopped (a test's output must not be written once the test is over). Each write holds the read
// lock, so a sandbox's release waits for writes to its log in flight.
var (
	processLoggers    sync.RWMutex
	activeLoggers     []*logr.Logger
	processLoggerOnce sync.Once
)

// setProcessLogger makes the global loggers write to l, klog's under the name machine-controller-manager, until the
// returned release is called; then they write to the latest logger set and not released, or nowhere.
func setProcessLogger(l logr.Logger) (release func()) {
	p := &l
	processLoggers.Lock()
	activeLoggers = append(activeLoggers, p)
	processLoggers.Unlock()
	processLoggerOnce.Do(func() {
		logf.SetLogger(logr.New(&switchSink{}))
		klog.SetLogger(logr.New(&switchSink{names: []string{"machine-controller-manager"}}))
	})
	return func() {
		processLoggers.Lock()
		defer processLoggers.Unlock()
		activeLoggers = slices.DeleteFunc(activeLoggers, func(q *logr.Logger) bool { return q == p })
	}
}

// switchSink is a logr.LogSink that writes to the latest active logger (see processLoggers) at the time of each call,
// with the names and values added to it.
type switchSink struct {
	names  []string
	values []any
}

// current is the logger to write to, with the sink's names and values; callers hold processLoggers' read lock.
func (s *switchSink) current() logr.Logger {
	if len(activeLoggers) == 0 {
		return logr.Discard()
	}
	l := *activeLoggers[len(activeLoggers)-1]
	for _, n := range s.names {
		l = l.WithName(n)
	}
	if len(s.values) > 0 {
		l = l.WithValues(s.values...)
	}
	return l
}

func (s *switchSink) Init(logr.RuntimeInfo) {}

func (s *switchSink) Enabled(level int) bool {
	processLoggers.RLock()
	defer processLoggers.RUnlock()
	return s.current().V(level).Enabled()
}

func (s *switchSink) Info(level int, msg string, keysAndValues ...any) {
	processLoggers.RLock()
	defer processLoggers.RUnlock()
	s.current().V(level).Info(msg, keysAndValues...)
}

func (s *switchSink) Error(err error, msg string, keysAndValues ...any) {
	processLoggers.RLock()
	defer processLoggers.RUnlock()
	s.current().Error(err, msg, keysAndValues...)
}

func (s *switchSink) WithValues(keysAndValues ...any) logr.LogSink {
	return &switchSink{names: s.names, values: append(append([]any{}, s.values...), keysAndValues...)}
}

func (s *switchSink) WithName(name string) logr.LogSink {
	return &switchSink{names: append(append([]string{}, s.names...), name), values: s.values}
}

// logGate passes what the sandbox logs on to its log until the sandbox stops, and drops it after that. Stop waits for
// what the sandbox started itself, but goroutines inside the libraries it runs (client-go's reflectors and retries,
// machine-controller-manager's workers) may still log a moment later, and once Run has returned its Options.Log, a
// test's output for instance, must not be written to any more.
type logGate struct {
	mu sync.Mutex
	w  io.Writer
}

func (g *logGate) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.w == nil {
		return len(p), nil
	}
	return g.w.Write(p)
}

// close drops every later write; it returns once no write to the log is in flight.
func (g *logGate) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.w = nil
}
