package progress

import (
	"bytes"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// A meter draws on its writer, rewriting one line, no more often than
// redraw but always at the end, and clears it when done.
func TestMeterDraws(t *testing.T) {
	var b bytes.Buffer
	m := New(&b, "analysing principals")
	clock := m.start
	m.now = func() time.Time { return clock }
	m.Update(1, 2077)
	m.Update(2, 2077) // within redraw: not drawn
	clock = clock.Add(4100 * time.Millisecond)
	m.Update(1204, 2077)
	m.Update(2077, 2077) // the end is drawn at once
	m.Done()
	want := "\r  analysing principals 1/2,077 (0%), 0s\x1b[K" +
		"\r  analysing principals 1,204/2,077 (57%), 4.1s\x1b[K" +
		"\r  analysing principals 2,077/2,077 (100%), 4.1s\x1b[K" +
		"\r\x1b[K"
	if b.String() != want {
		t.Errorf("drew %q\nwant %q", b.String(), want)
	}
}

// Without a total, a meter counts.
func TestMeterCounts(t *testing.T) {
	var b bytes.Buffer
	m := New(&b, "users written")
	m.Update(1234567, 0)
	if !strings.Contains(b.String(), "users written 1,234,567, ") {
		t.Errorf("drew %q", b.String())
	}
}

// Nothing is drawn where nothing should be: a nil writer (not a
// terminal), a nil meter, a file that is not a terminal, a dumb terminal.
func TestNothingOffATerminal(t *testing.T) {
	var m *Meter
	m.Update(1, 2)
	m.Done()
	if m.Func() != nil {
		t.Error("a nil meter reports")
	}
	if New(nil, "x") != nil {
		t.Error("a meter on no writer")
	}
	f, err := os.CreateTemp(t.TempDir(), "log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if Terminal(f) != nil {
		t.Error("a file is taken for a terminal")
	}
	t.Setenv("TERM", "dumb")
	if Terminal(os.Stderr) != nil {
		t.Error("a dumb terminal is drawn on")
	}
}

// A ticker redraws the line with the last count until stopped, and draws
// nothing after.
func TestTicker(t *testing.T) {
	var b syncBuffer
	m := New(&b, "cfn-lint")
	stop := m.Ticker()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(b.String(), "cfn-lint, ") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	m.Done()
	got := b.String()
	if !strings.HasPrefix(got, "\r  cfn-lint, ") || !strings.HasSuffix(got, "\r\x1b[K") {
		t.Errorf("drew %q", got)
	}
	time.Sleep(1100 * time.Millisecond)
	if b.String() != got {
		t.Error("drawn after stop")
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A line printed above the meter clears it first.
func TestAbove(t *testing.T) {
	var b bytes.Buffer
	m := New(&b, "rules")
	m.now = func() time.Time { return m.start }
	m.Update(1, 2)
	m.Above(func() { b.WriteString("  warning: x\n") })
	if want := "\r  rules 1/2 (50%), 0s\x1b[K\r\x1b[K  warning: x\n"; b.String() != want {
		t.Errorf("drew %q\nwant %q", b.String(), want)
	}
	var none *Meter
	printed := false
	none.Above(func() { printed = true })
	if !printed {
		t.Error("a nil meter did not print")
	}
}
