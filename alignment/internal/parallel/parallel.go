// Package parallel runs independent iterations of a loop on all cores.
package parallel

import (
	"runtime"
	"sync"
)

// For runs f(0), …, f(n−1) on GOMAXPROCS goroutines and returns the error
// of the lowest index that failed (every index runs regardless).
func For(n int, f func(i int) error) error {
	workers := min(runtime.GOMAXPROCS(0), n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs[i] = f(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
