// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package sandbox

import (
	"sync"
	"sync/atomic"

	"github.com/go-logr/logr"
	"k8s.io/klog/v2"
)

// klogLogger is the logger klog writes to: the current sandbox's. klog's logger is set once per process and then
// only this pointer changes, because klog reads its logger without synchronisation from goroutines (informers of
// machine-controller-manager) that may outlive an earlier sandbox of the same process (tests run several).
var (
	klogLogger atomic.Pointer[logr.Logger]
	klogOnce   sync.Once
)

// setKlogLogger makes klog write to l.
func setKlogLogger(l logr.Logger) {
	klogLogger.Store(&l)
	klogOnce.Do(func() { klog.SetLogger(logr.New(&switchSink{})) })
}

// switchSink is a logr.LogSink that writes to the logger in klogLogger at the time of each call, with the names and
// values added to it.
type switchSink struct {
	names  []string
	values []any
}

func (s *switchSink) current() logr.Logger {
	p := klogLogger.Load()
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
