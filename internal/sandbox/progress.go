// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// probeInterval is how often the progress looks at the resources it follows.
const probeInterval = 250 * time.Millisecond

// status is what a probe reports about a resource.
type status struct {
	// text is the resource's state in a few words.
	text string
	// done is true when the resource reached what the row waits for (ready, or gone).
	done bool
	// failed ends the wait with an error: the resource cannot get there.
	failed error
}

// probe looks at a resource, from the sandbox's cache of the seed or from a simulator.
type probe func(ctx context.Context) status

// row is one resource the progress follows: one line with its state and the time it took so far.
type row struct {
	group, name string
	probe       probe

	started  time.Time
	finished time.Time
	state    string
	err      error
	done     chan struct{}
}

func (r *row) elapsed(now time.Time) time.Duration {
	if !r.finished.IsZero() {
		now = r.finished
	}
	return now.Sub(r.started)
}

// progress follows resources and shows one line per resource: where it is and for how long. On a terminal (live)
// the lines are redrawn in place; otherwise a line is printed whenever a resource's state changes.
type progress struct {
	out  io.Writer
	live bool

	mu   sync.Mutex
	rows []*row
	// first is the first row of the current block (live); drawn is how many lines of it are on the screen.
	first, drawn int
}

func newProgress(out io.Writer, live bool) *progress {
	return &progress{out: out, live: live}
}

// follow adds a row and returns it; wait blocks until it is done.
func (p *progress) follow(group, name string, pr probe) *row {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := &row{group: group, name: name, probe: pr, started: time.Now(), state: "created", done: make(chan struct{})}
	p.rows = append(p.rows, r)
	if !p.live {
		p.printLine(r, time.Now())
	}
	return r
}

// note adds a row that is done already.
func (p *progress) note(group, name, state string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	r := &row{group: group, name: name, started: now, finished: now, state: state, done: make(chan struct{})}
	close(r.done)
	p.rows = append(p.rows, r)
	if !p.live {
		p.printLine(r, now)
	}
}

// run probes the open rows until ctx ends.
func (p *progress) run(ctx context.Context) {
	t := time.NewTicker(probeInterval)
	defer t.Stop()
	for {
		p.tick(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (p *progress) tick(ctx context.Context) {
	p.mu.Lock()
	open := make([]*row, 0, len(p.rows))
	for _, r := range p.rows {
		if r.finished.IsZero() {
			open = append(open, r)
		}
	}
	p.mu.Unlock()

	for _, r := range open {
		s := r.probe(ctx)
		if ctx.Err() != nil {
			return
		}
		now := time.Now()
		p.mu.Lock()
		changed := s.text != r.state || s.done || s.failed != nil
		r.state = s.text
		if s.done || s.failed != nil {
			r.finished, r.err = now, s.failed
			close(r.done)
		}
		if changed && !p.live {
			p.printLine(r, now)
		}
		p.mu.Unlock()
	}
	p.redraw()
}

// redraw draws the rows of the current block again in place. With many rows it draws one line per group (shoot)
// instead, so that the block fits on a screen.
func (p *progress) redraw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.live {
		return
	}
	now := time.Now()
	rows := p.rows[p.first:]
	var lines []string
	if len(rows) <= liveMaxRows {
		for _, r := range rows {
			lines = append(lines, p.line(r, now))
		}
	} else {
		lines = groupLines(rows, now)
	}

	var b strings.Builder
	if p.drawn > 0 {
		fmt.Fprintf(&b, "\033[%dA", p.drawn)
	}
	for _, l := range lines {
		fmt.Fprintf(&b, "\r\033[2K%s\n", truncate(l, liveWidth))
	}
	// A block that got shorter leaves lines below it: clear them and come back.
	if extra := p.drawn - len(lines); extra > 0 {
		b.WriteString(strings.Repeat("\r\033[2K\n", extra))
		fmt.Fprintf(&b, "\033[%dA", extra)
	}
	p.drawn = len(lines)
	_, _ = io.WriteString(p.out, b.String())
}

// groupLines renders one line per group: how many of its resources are done and where the first open one is.
func groupLines(rows []*row, now time.Time) []string {
	var (
		order  []string
		groups = map[string][]*row{}
	)
	for _, r := range rows {
		if _, ok := groups[r.group]; !ok {
			order = append(order, r.group)
		}
		groups[r.group] = append(groups[r.group], r)
	}
	var lines []string
	for _, g := range order {
		var (
			done  int
			open  *row
			start = groups[g][0].started
			end   time.Time
			mark  = "✓"
		)
		for _, r := range groups[g] {
			switch {
			case r.err != nil:
				mark = "✗"
			case !r.finished.IsZero():
				done++
			case open == nil:
				open = r
			}
			if r.finished.After(end) {
				end = r.finished
			}
		}
		text := fmt.Sprintf("%d/%d done", done, len(groups[g]))
		if open != nil {
			if mark != "✗" {
				mark = " "
			}
			end = now
			text += " · " + open.name + ": " + open.state
		}
		lines = append(lines, fmt.Sprintf("%s %7s  %-28s %s", mark, formatDuration(end.Sub(start)), g, text))
	}
	return lines
}

// flush probes once more and draws the final state. The block is done: what follows is printed below it, and the
// next rows start a new block.
func (p *progress) flush(ctx context.Context) {
	p.tick(ctx)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.drawn, p.first = 0, len(p.rows)
}

func (p *progress) printLine(r *row, now time.Time) {
	_, _ = fmt.Fprintln(p.out, p.line(r, now))
}

func (p *progress) line(r *row, now time.Time) string {
	mark := " "
	switch {
	case r.err != nil:
		mark = "✗"
	case !r.finished.IsZero():
		mark = "✓"
	}
	return fmt.Sprintf("%s %7s  %-28s %-40s %s", mark, formatDuration(r.elapsed(now)), r.group, r.name, r.state)
}

// wait blocks until every row is done, one failed, the timeout passes or ctx ends. The error names the resource
// that failed with its state, or those that are not done yet with theirs.
func (p *progress) wait(ctx context.Context, timeout time.Duration, rows ...*row) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for _, r := range rows {
		select {
		case <-r.done:
		case <-t.C:
			return p.notDone(fmt.Sprintf("not there within %s", timeout), rows)
		case <-ctx.Done():
			return p.notDone(context.Cause(ctx).Error(), rows)
		}
		p.mu.Lock()
		err := r.err
		p.mu.Unlock()
		if err != nil {
			return fmt.Errorf("%s: %s failed: %w", r.group, r.name, err)
		}
	}
	return nil
}

func (p *progress) notDone(why string, rows []*row) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	for _, r := range rows {
		if r.finished.IsZero() {
			errs = append(errs, fmt.Errorf("%s: %s %s; last state: %s", r.group, r.name, why, r.state))
		}
	}
	return errors.Join(errs...)
}

const (
	// liveWidth is the width a live line is cut to: a line that wraps would move the redrawn block.
	liveWidth = 140
	// liveMaxRows is the most rows a live block shows one by one; beyond, it shows one line per shoot.
	liveMaxRows = 30
)

// truncate cuts s to width runes.
func truncate(s string, width int) string {
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	return string([]rune(s)[:width-1]) + "…"
}

// formatDuration shows a duration with a tenth of a second.
func formatDuration(d time.Duration) string {
	if d >= time.Minute {
		return d.Round(time.Second).String()
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}
