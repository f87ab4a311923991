// Package jsonstream writes JSON arrays an element at a time, byte for byte
// as encoding/json's Encoder with a two-space indent writes the whole list:
// iamstack's access matrix is millions of entries at 5,000 people and 500
// accounts, and encoding it whole held gigabytes beside it.
package jsonstream

import (
	"bufio"
	"encoding/json"
	"io"
	"iter"
)

// Appender is an element that writes its own JSON, as
// json.MarshalIndent(element, "  ", "  ") writes it: faster than encoding/json's
// reflection, for elements written by the million.
type Appender interface {
	AppendJSONElement(b []byte) []byte
}

// WriteArray writes items as a JSON array indented by two spaces, with a
// final newline; "[]" when there are none.
func WriteArray[T any](w io.Writer, items iter.Seq[T]) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	n := 0
	var buf []byte
	for it := range items {
		var b []byte
		if a, ok := any(it).(Appender); ok {
			buf = a.AppendJSONElement(buf[:0])
			b = buf
		} else {
			var err error
			if b, err = json.MarshalIndent(it, "  ", "  "); err != nil {
				return err
			}
		}
		if n == 0 {
			bw.WriteString("[\n  ")
		} else {
			bw.WriteString(",\n  ")
		}
		bw.Write(b)
		n++
	}
	if n == 0 {
		bw.WriteString("[]\n")
	} else {
		bw.WriteString("\n]\n")
	}
	return bw.Flush()
}
