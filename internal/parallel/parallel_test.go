package parallel

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
)

func TestForCallsEachIndexOnce(t *testing.T) {
	for _, n := range []int{0, 1, 2, 7, 1000} {
		calls := make([]int, n)
		For(n, func(i int) { calls[i]++ })
		for i, c := range calls {
			if c != 1 {
				t.Fatalf("n=%d: index %d called %d times", n, i, c)
			}
		}
	}
}

// Each calls every index once, never more than limit at a time, and
// returns the error of the first index that failed, whichever failed first.
func TestEachBoundsAndReportsTheFirstIndex(t *testing.T) {
	const n, limit = 40, 3
	var mu sync.Mutex
	running, most := 0, 0
	calls := make([]int, n)
	err := Each(n, limit, func(i int) error {
		mu.Lock()
		calls[i]++
		running++
		most = max(most, running)
		mu.Unlock()
		time.Sleep(time.Millisecond)
		mu.Lock()
		running--
		mu.Unlock()
		if i == 7 || i == 30 {
			return fmt.Errorf("call %d", i)
		}
		return nil
	})
	if err == nil || err.Error() != "call 7" {
		t.Errorf("error %v, want call 7's", err)
	}
	if most > limit {
		t.Errorf("%d calls at once, limit %d", most, limit)
	}
	for i, c := range calls {
		if c != 1 {
			t.Errorf("index %d called %d times", i, c)
		}
	}
}

// Cede runs the process on the cores its callers leave, one at least, and
// gives every core back once the last of overlapping callers is done.
func TestCedeCountsTheCoresLeftAcrossCallers(t *testing.T) {
	prev := runtime.GOMAXPROCS(8)
	defer runtime.GOMAXPROCS(prev)
	a := Cede(3)
	if got := runtime.GOMAXPROCS(0); got != 5 {
		t.Fatalf("one caller leaving 3 of 8 cores: GOMAXPROCS %d, want 5", got)
	}
	b := Cede(7)
	if got := runtime.GOMAXPROCS(0); got != 1 {
		t.Fatalf("callers leaving 10 of 8 cores: GOMAXPROCS %d, want 1", got)
	}
	a()
	a() // a second call restores nothing more
	if got := runtime.GOMAXPROCS(0); got != 1 {
		t.Fatalf("one caller left, leaving 7 of 8: GOMAXPROCS %d, want 1", got)
	}
	b()
	if got := runtime.GOMAXPROCS(0); got != 8 {
		t.Fatalf("no caller left: GOMAXPROCS %d, want 8", got)
	}
	Cede(0)()
	if got := runtime.GOMAXPROCS(0); got != 8 {
		t.Fatalf("leaving no core: GOMAXPROCS %d, want 8", got)
	}
}
