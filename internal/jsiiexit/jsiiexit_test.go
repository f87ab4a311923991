package jsiiexit

import (
	"bytes"
	"strings"
	"testing"
)

func TestFilterDropsOnlyTheFalseAlarm(t *testing.T) {
	cases := map[string]string{
		"Runtime process exited abnormally: waitid: no child processes":             "",
		"warning: x\nRuntime process exited abnormally: waitid: no child processes": "warning: x\n",
		"Runtime process exited abnormally: exit status 1":                          "Runtime process exited abnormally: exit status 1",
		"could not clean up temporary directory: permission denied\n":               "could not clean up temporary directory: permission denied\n",
	}
	for in, want := range cases {
		var out bytes.Buffer
		done := make(chan struct{})
		filter(strings.NewReader(in), &out, done)
		<-done
		if out.String() != want {
			t.Errorf("filter(%q) = %q, want %q", in, out.String(), want)
		}
	}
}
