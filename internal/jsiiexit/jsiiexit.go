// Package jsiiexit shuts the jsii runtime down without a false alarm.
//
// jsii-runtime-go (v1.139) waits for its node process twice: once in Close and
// once in a watcher goroutine started with the process. Whichever Wait loses
// the race gets ECHILD from waitid, and when the watcher loses it prints
// "Runtime process exited abnormally: waitid: no child processes" although
// node exited cleanly and the cloud assembly is complete. On our machines that
// is about one run in four. Close filters exactly that message from stderr
// while the runtime shuts down and forwards everything else.
package jsiiexit

import (
	"bufio"
	"bytes"
	"io"

	"github.com/aws/jsii-runtime-go"
)

// falseAlarm is what the losing watcher prints, without a trailing newline.
var falseAlarm = []byte("Runtime process exited abnormally: waitid: no child processes")

// Close stops the jsii runtime. Call it once, after synthesis, as the last
// thing before the program exits, and never in a defer: stderr stays
// silenced afterwards, because the watcher may print its false alarm after
// Close returns, and a deferred Close would silence a panic's message too.
func Close() {
	restore, err := redirectStderr()
	if err != nil {
		jsii.Close() // no filter possible: the message may show
		return
	}
	jsii.Close()
	restore()
}

// filter copies r to w without the false alarm, and signals done at EOF.
func filter(r io.Reader, w io.Writer, done chan<- struct{}) {
	defer close(done)
	data, _ := io.ReadAll(bufio.NewReader(r))
	if rest := bytes.ReplaceAll(data, falseAlarm, nil); len(rest) > 0 {
		w.Write(rest)
	}
}
