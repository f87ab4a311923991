// Package keys lists map keys in a deterministic order.
package keys

import "sort"

// SortedUnion returns every key of the maps, once each, sorted.
func SortedUnion[V any](maps ...map[string]V) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range maps {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}
