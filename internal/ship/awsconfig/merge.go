package awsconfig

import (
	"bytes"
	"fmt"
	"strings"
)

// Merge puts a person's generated block (WriteConfig's output) into the
// text of a config file: in place of the block between the person's
// markers if there is one, else at the end. Everything else in the file is
// kept byte for byte. Markers that do not pair up are an error naming the
// line: the file was edited by hand, and guessing could drop a profile.
func Merge(file string, existing []byte, user string, block []byte) ([]byte, error) {
	begin, end := beginMarker(user), endMarker(user)
	lines := strings.SplitAfter(string(existing), "\n")
	start, stop := -1, -1
	for i, l := range lines {
		switch strings.TrimRight(l, "\r\n") {
		case begin:
			if start >= 0 {
				return nil, fmt.Errorf("%s:%d: a second start of %s's iamstack block (the first is at line %d); remove one by hand", file, i+1, user, start+1)
			}
			start = i
		case end:
			if start < 0 || stop >= 0 {
				return nil, fmt.Errorf("%s:%d: an end of %s's iamstack block without its start; remove it by hand", file, i+1, user)
			}
			stop = i
		}
	}
	if start >= 0 && stop < 0 {
		return nil, fmt.Errorf("%s:%d: %s's iamstack block has no end marker (%q); restore it or remove the block by hand", file, start+1, user, end)
	}
	var out bytes.Buffer
	if start < 0 {
		out.Write(existing)
		if len(existing) > 0 && !bytes.HasSuffix(existing, []byte("\n")) {
			out.WriteByte('\n')
		}
		if len(existing) > 0 {
			out.WriteByte('\n')
		}
		out.Write(block)
		return out.Bytes(), nil
	}
	out.WriteString(strings.Join(lines[:start], ""))
	out.Write(block)
	out.WriteString(strings.Join(lines[stop+1:], ""))
	return out.Bytes(), nil
}
