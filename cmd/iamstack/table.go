package main

import (
	"bufio"
	"io"
	"strings"
	"unicode/utf8"
)

// writeTable writes rows in columns aligned as text/tabwriter aligns them
// (left-aligned, padded by two, the last cell of a row unpadded) without
// holding the table: rows runs twice, once to measure the columns and once
// to write them. Reports of millions of rows stream; tabwriter kept every
// row until the end. Every row has the same number of cells.
func writeTable(out io.Writer, rows func(row func(cells ...string))) error {
	var width []int
	rows(func(cells ...string) {
		for i, c := range cells[:len(cells)-1] {
			if i == len(width) {
				width = append(width, 0)
			}
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	})
	w := bufio.NewWriter(out)
	rows(func(cells ...string) {
		for i, c := range cells[:len(cells)-1] {
			w.WriteString(c)
			pad(w, width[i]-utf8.RuneCountInString(c)+2)
		}
		w.WriteString(cells[len(cells)-1])
		w.WriteByte('\n')
	})
	return w.Flush()
}

// spaces pads cells without making a string of spaces for each.
var spaces = strings.Repeat(" ", 64)

// pad writes n spaces.
func pad(w *bufio.Writer, n int) {
	for ; n > len(spaces); n -= len(spaces) {
		w.WriteString(spaces)
	}
	w.WriteString(spaces[:n])
}
