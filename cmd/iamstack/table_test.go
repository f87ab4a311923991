package main

import (
	"strings"
	"testing"
	"text/tabwriter"
)

// writeTable aligns as text/tabwriter did with the same settings, so that
// reports did not change when they stopped holding every row.
func TestWriteTableAlignsAsTabwriter(t *testing.T) {
	for _, rows := range [][][]string{
		{{"USER", "ACCOUNT", "MAY ASSUME (WHY)"}, {"alice.martin [PowerG]", "dev", "AdminR (user)"}, {"", "prod", "OpsR (team ops)"}},
		{{"a", "b"}, {"", ""}, {"ünïcödé", "x"}, {"longer than the header", "y"}},
		{{"only"}, {"rows"}},
	} {
		var want, got strings.Builder
		w := tabwriter.NewWriter(&want, 0, 4, 2, ' ', 0)
		for _, r := range rows {
			w.Write([]byte(strings.Join(r, "\t") + "\n"))
		}
		w.Flush()
		if err := writeTable(&got, func(row func(...string)) {
			for _, r := range rows {
				row(r...)
			}
		}); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("got:\n%s\nwant (tabwriter):\n%s", got.String(), want.String())
		}
	}
}
