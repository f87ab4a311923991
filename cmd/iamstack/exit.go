package main

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/spf13/cobra"

	"github.com/iamstack/iamstack/internal/load"
	"github.com/iamstack/iamstack/model"
)

// The exit codes (docs/operations.md, "Exit codes"): 0 when the command did
// what it was asked and found nothing wrong; 1 when a check failed, a
// difference was asked to fail (access diff --exit-code) or the work
// itself failed; 2 when the command line or its input is wrong: an unknown
// command or flag, a wrong number of arguments, a flag value out of its
// set, a model that does not load.
const (
	exitFailed = 1
	exitUsage  = 2
)

// usageError is a mistake in the command line.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// exitCode is the code a command's error exits with.
func exitCode(err error) int {
	var silent *silentExit
	var usage usageError
	var bad *model.Error
	switch {
	case err == nil:
		return 0
	case errors.As(err, &silent):
		return silent.code
	case errors.As(err, &usage), errors.As(err, &bad), errors.Is(err, fs.ErrNotExist), errors.Is(err, load.ErrNoModel):
		return exitUsage
	default:
		return exitFailed
	}
}

// usageErrors makes every argument and flag mistake of the command tree a
// usageError, and an unknown command one too.
func usageErrors(root *cobra.Command) {
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	// A root that runs nothing of its own shows its help for any
	// argument, and exits 0; an unknown command is a mistake.
	root.Args = cobra.ArbitraryArgs
	root.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 {
			return usagef("unknown command %q for %q; run %s --help", args[0], cmd.CommandPath(), cmd.CommandPath())
		}
		return cmd.Help()
	}
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		if args := c.Args; args != nil && c != root {
			c.Args = func(cmd *cobra.Command, a []string) error {
				if err := args(cmd, a); err != nil {
					return usageError{err}
				}
				return nil
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
