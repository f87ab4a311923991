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
