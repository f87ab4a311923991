package keys

import (
	"slices"
	"testing"
)

func TestSortedUnion(t *testing.T) {
	got := SortedUnion(map[string]int{"b": 1, "a": 2}, map[string]int{"c": 3, "a": 4}, nil)
	if !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("got %v", got)
	}
}
