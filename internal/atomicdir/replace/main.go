// Command replace runs a command that writes a directory into a fresh
// directory beside it, and puts the result in the directory's place in one
// step when the command succeeds (atomicdir.Write): the Makefile's
// synthesis, which the cdk CLI writes, never leaves half an assembly, an
// earlier model's templates beside a new one's, or no assembly at all.
// The command's {} is the fresh directory.
//
//	go run ./internal/atomicdir/replace cdk.out -- cdk synth --output {}
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"

	"github.com/iamstack/iamstack/internal/atomicdir"
	"github.com/iamstack/iamstack/internal/child"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "replace:", err)
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			os.Exit(exit.ExitCode())
		}
		os.Exit(2)
	}
}

func run(args []string) error {
	if len(args) < 3 || args[1] != "--" || !slices.Contains(args[2:], "{}") {
		return errors.New("usage: replace DIR -- COMMAND ARGS..., one of them {} (the fresh directory)")
	}
	return atomicdir.Write(args[0], func(tmp string) error {
		argv := slices.Clone(args[2:])
		for i, a := range argv {
			if a == "{}" {
				argv[i] = tmp
			}
		}
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		defer child.DieWithParent(cmd)()
		return cmd.Run()
	})
}
