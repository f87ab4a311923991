package check

import (
	"fmt"
	"io"
	"slices"
	"sync"
	"time"
)

// timeline records when each part of a run started and how long it took:
// most of the gate's work runs side by side in the background (run.go), so
// a step's own time says little of what it waited for. With --verbose the
// check writes it at the end.
type timeline struct {
	start time.Time
	mu    sync.Mutex
	parts []part
}

// part is one piece of work of a run, its times from the run's start.
type part struct {
	name        string
	start, took time.Duration
}

func newTimeline() *timeline { return &timeline{start: time.Now()} }

// begin starts a part; the function it returns ends it. A nil timeline
// records nothing.
func (t *timeline) begin(name string) (end func()) {
	if t == nil {
		return func() {}
	}
	start := time.Now()
	return func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		t.parts = append(t.parts, part{name, start.Sub(t.start), time.Since(start)})
	}
}

// write writes the parts in the order they started, each with its start
// and end in seconds from the run's start.
func (t *timeline) write(w io.Writer) {
	t.mu.Lock()
	defer t.mu.Unlock()
	parts := slices.Clone(t.parts)
	slices.SortStableFunc(parts, func(a, b part) int { return int(a.start - b.start) })
	fmt.Fprintf(w, "timings (seconds from the start of the check):\n")
	for _, p := range parts {
		fmt.Fprintf(w, "  %6.2f - %6.2f  %s\n", p.start.Seconds(), (p.start + p.took).Seconds(), p.name)
	}
	fmt.Fprintf(w, "  %6.2f            total\n", time.Since(t.start).Seconds())
}
