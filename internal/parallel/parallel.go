// Package parallel runs independent pieces of pure Go work on every core.
package parallel

import (
	"runtime"
	"sync"
)

// For calls f(i) for every i in [0, n), on as many goroutines as there are
// cores, and returns when every call has. f must not depend on the order
// of the calls: each writes only its own index's result.
func For(n int, f func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Go(func() {
			for i := range next {
				f(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// Each calls f(i) for every i in [0, n), at most limit at a time, and
// returns, once every call has, the error of the first index whose call
// failed: for calls that wait on something else (an API), not on a core.
func Each(n, limit int, f func(i int) error) error {
	errs := make([]error, n)
	slots := make(chan struct{}, max(1, limit))
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			errs[i] = f(i)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// ceded is how many cores the process has left to child processes (Cede),
// and how many it ran on before: GOMAXPROCS is the process's, so the
// cores left are counted across callers.
var ceded struct {
	sync.Mutex
	cores, procs int
}

// Cede leaves n cores to child processes this one runs, until the function
// it returns is called: the process's goroutines run meanwhile on the
// others, at least one. A child that runs on a core of its own (cfn-lint,
// in the gate) else shares every core with the process's busy goroutines
// and their garbage collection, and on a small machine ends long after the
// work beside it. Calls may overlap; the last restore gives the cores back.
func Cede(n int) (restore func()) {
	if n <= 0 {
		return func() {}
	}
	ceded.Lock()
	if ceded.cores == 0 {
		ceded.procs = runtime.GOMAXPROCS(0)
	}
	ceded.cores += n
	runtime.GOMAXPROCS(max(1, ceded.procs-ceded.cores))
	ceded.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			ceded.Lock()
			defer ceded.Unlock()
			ceded.cores -= n
			runtime.GOMAXPROCS(max(1, ceded.procs-ceded.cores))
		})
	}
}
