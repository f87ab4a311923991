// Command iamstack is the iamstack CLI: every command other than the CDK app
// itself. Each subcommand lives in its own file.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/spf13/cobra"

	"github.com/iamstack/iamstack/internal/check"
	"github.com/iamstack/iamstack/internal/jsiiexit"
	"github.com/iamstack/iamstack/internal/load"
	"github.com/iamstack/iamstack/internal/quiet"
	"github.com/iamstack/iamstack/internal/version"
)

func main() {
	var err error
	if len(os.Args) > 1 && slices.Contains(synthesizing, os.Args[1]) && !quiet.IsSet(os.Environ()) {
		err = quietly()
	} else {
		err = newRootCmd(os.Stdout).Execute()
	}
	var failed *check.Failure
	var silent *silentExit
	switch {
	case err == nil, errors.As(err, &silent):
	case errors.As(err, &failed) && errors.Unwrap(err) == nil: // the check printed its failure
	default:
		fmt.Fprintln(os.Stderr, "iamstack:", err)
	}
	// jsii unpacks its runtime into a temporary directory as the program
	// starts, whatever the command: Close removes it. Last, and not
	// deferred: it leaves stderr filtered (see jsiiexit).
	jsiiexit.Close()
	os.Exit(exitCode(err))
}

// synthesizing are the commands that synthesize through the CDK in their
// own process: they run again in a child with the quiet settings (quietly),
// which jsii reads before main runs.
var synthesizing = []string{"synth", "check", "release", "promote"}

// globalFlags are the flags the commands that read a model share.
type globalFlags struct {
	model   string
	example bool
}

// modelFlags adds --model and --example to a command that reads a model.
func (g *globalFlags) modelFlags(cmd *cobra.Command) *cobra.Command {
	cmd.Flags().StringVarP(&g.model, "model", "m", "", "identity model file (default: $"+load.EnvModel+", then ./iamstack.yaml; without either the command fails)")
	cmd.Flags().BoolVar(&g.example, "example", false, "use the example model built into iamstack (its account IDs are not yours)")
	return cmd
}

// filePath is the model's file for what reads it in the repository: ""
// (iamstack.yaml) for the built-in example, whose repository copy it is.
func filePath(source string) string {
	if source == load.Example {
		return ""
	}
	return source
}

// source is the model the flags name: a path, "" for ./iamstack.yaml, or
// load.Example.
func (g *globalFlags) source() string {
	if g.example {
		return load.Example
	}
	return load.Source(g.model)
}

func newRootCmd(out io.Writer) *cobra.Command {
	g := &globalFlags{}
	root := &cobra.Command{
		Use:   "iamstack",
		Short: "Run AWS identity across accounts from one declarative model",
		Long: `Run AWS identity across accounts from one declarative model.

Exit codes: 0 success; 1 a failed check, a difference asked to fail
(access diff --exit-code) or work that failed; 2 a wrong command line or
input (unknown command or flag, wrong arguments, a model that does not load).`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.Version = version.Get().String()
	root.SetOut(out)
	for _, cmd := range []*cobra.Command{newValidateCmd(g), newSynthCmd(g), newAccessCmd(g), newCheckCmd(g),
		newAdoptCmd(g), newAWSConfigCmd(g), newConstCmd(g), newRenderCmd(g), newOnboardCmd(g), newReleaseCmd(g), newDriftCmd(g)} {
		root.AddCommand(g.modelFlags(cmd))
	}
	root.AddCommand(newPromoteCmd(), newHistoryCmd(), newVersionCmd(), newInitCmd(), newIdentityCenterCmd(g), newBaselineCmd(g))
	usageErrors(root)
	return root
}
