//go:build !unix

package atomicdir

// alive assumes a process exists where it cannot ask: nothing is removed.
func alive(int) bool { return true }
