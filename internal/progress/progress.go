// Package progress shows, on a terminal, how far a long step has come: one
// line, rewritten in place, with a count and the time so far
// ("  analysing principals 1,204/2,077 (57%), 4.1s"). Off a terminal (a CI
// log, a pipe, a file) it writes nothing: the steps' own lines say when each
// ends, and a log full of carriage returns helps nobody.
package progress

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/mattn/go-isatty"
)

// Func hears how far a computation has come: done of total units. Callers
// pass nil for none.
type Func func(done, total int)

// Meter draws one step's line. The zero Meter and a nil one draw nothing.
type Meter struct {
	mu    sync.Mutex // a step's Update and its Ticker's
	w     io.Writer
	label string
	start time.Time
	last  time.Time
	drawn bool
	now   func() time.Time
	// done and total are the last count drawn.
	done, total int
}

// Terminal is f when it is a terminal that can rewrite a line, else nil:
// what New takes to draw on a terminal only.
func Terminal(f *os.File) io.Writer {
	if f == nil || os.Getenv("TERM") == "dumb" || !(isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())) {
		return nil
	}
	return f
}

// New starts a meter labelled label on w; nil w draws nothing.
func New(w io.Writer, label string) *Meter {
	if w == nil {
		return nil
	}
	return &Meter{w: w, label: label, start: time.Now(), now: time.Now}
}

// redraw is how often a line is redrawn at most: often enough to move, not
// so often that drawing costs.
const redraw = 100 * time.Millisecond

// Update draws done of total, at most every redraw.
func (m *Meter) Update(done, total int) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if m.drawn && now.Sub(m.last) < redraw && done < total {
		return
	}
	m.done, m.total = done, total
	m.draw(now)
}

// draw writes the line; m.mu held.
func (m *Meter) draw(now time.Time) {
	m.last, m.drawn = now, true
	line := "  " + m.label
	switch {
	case m.total > 0:
		line += " " + count(m.done) + "/" + count(m.total) + " (" + strconv.Itoa(m.done*100/m.total) + "%)"
	case m.done > 0:
		line += " " + count(m.done)
	}
	fmt.Fprintf(m.w, "\r%s, %s\x1b[K", line, now.Sub(m.start).Round(100*time.Millisecond))
}

// Ticker redraws the line every second, so that a step with nothing to
// count (a child process at work) still shows its time going by, until
// the returned stop is called.
func (m *Meter) Ticker() (stop func()) {
	if m == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				m.mu.Lock()
				m.draw(m.now())
				m.mu.Unlock()
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// Func is Update, to pass to a computation that reports.
func (m *Meter) Func() Func {
	if m == nil {
		return nil
	}
	return m.Update
}

// Done clears the line, leaving the terminal as it was.
func (m *Meter) Done() {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.drawn {
		return
	}
	fmt.Fprint(m.w, "\r\x1b[K")
	m.drawn = false
}

// Above runs print, which writes a line of its own to the terminal, with
// the meter's line cleared first and kept from being drawn meanwhile; the
// next update or tick draws it again, below.
func (m *Meter) Above(print func()) {
	if m == nil {
		print()
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.drawn {
		fmt.Fprint(m.w, "\r\x1b[K")
		m.drawn = false
	}
	print()
}

// count writes n with thousands separated: counts run to millions.
func count(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
