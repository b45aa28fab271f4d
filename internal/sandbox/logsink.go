// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package sandbox

import (
	"sync"
	"sync/atomic"

	"github.com/go-logr/logr"
	"k8s.io/klog/v2"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
)

// processLogger is the logger behind the two global loggers, controller-runtime's and klog's (which
// machine-controller-manager writes to): the latest sandbox's. Both are set once per process and then only this
// pointer changes, because neither may be set again while it is in use: klog reads its logger without
// synchronisation from goroutines (informers of machine-controller-manager) that may outlive an earlier sandbox, and
// two concurrent calls of controller-runtime's SetLogger race. Tests run several sandboxes, some at the same time;
// their controllers log through the loggers the sandbox hands them, so only what a library logs globally may land in
// another sandbox's log.
var (
	processLogger     atomic.Pointer[logr.Logger]
	processLoggerOnce sync.Once
)

// setProcessLogger makes the global loggers write to l; klog's under the name machine-controller-manager.
func setProcessLogger(l logr.Logger) {
	processLogger.Store(&l)
	processLoggerOnce.Do(func() {
		logf.SetLogger(logr.New(&switchSink{}))
		klog.SetLogger(logr.New(&switchSink{names: []string{"machine-controller-manager"}}))
	})
}

// switchSink is a logr.LogSink that writes to the logger in processLogger at the time of each call, with the names and
// values added to it.
type switchSink struct {
	names  []string
	values []any
}

func (s *switchSink) current() logr.Logger {
	p := processLogger.Load()
	if p == nil {
		return logr.Discard()
	}
	l := *p
	for _, n := range s.names {
		l = l.WithName(n)
	}
	if len(s.values) > 0 {
		l = l.WithValues(s.values...)
	}
	return l
}

func (s *switchSink) Init(logr.RuntimeInfo) {}

func (s *switchSink) Enabled(level int) bool { return s.current().V(level).Enabled() }

func (s *switchSink) Info(level int, msg string, keysAndValues ...any) {
	s.current().V(level).Info(msg, keysAndValues...)
}

func (s *switchSink) Error(err error, msg string, keysAndValues ...any) {
	s.current().Error(err, msg, keysAndValues...)
}

func (s *switchSink) WithValues(keysAndValues ...any) logr.LogSink {
	return &switchSink{names: s.names, values: append(append([]any{}, s.values...), keysAndValues...)}
}

func (s *switchSink) WithName(name string) logr.LogSink {
	return &switchSink{names: append(append([]string{}, s.names...), name), values: s.values}
}
