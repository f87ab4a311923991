// Command iamstack is the iamstack CLI: every command other than the CDK app
// itself. Each subcommand lives in its own file.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/iamstack/iamstack/internal/load"
)

func main() {
	if err := newRootCmd(os.Stdout).Execute(); err != nil {
		var failed *checkFailure
		if !errors.As(err, &failed) || errors.Unwrap(err) != nil { // a check's own failure is printed already
			fmt.Fprintln(os.Stderr, "iamstack:", err)
		}
		os.Exit(1)
	}
}

// globalFlags are the flags every subcommand shares.
type globalFlags struct {
	model string
}

func newRootCmd(out io.Writer) *cobra.Command {
	g := &globalFlags{}
	root := &cobra.Command{
		Use:           "iamstack",
		Short:         "Run AWS identity across accounts from one declarative model",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(out)
	root.PersistentFlags().StringVarP(&g.model, "model", "m", "", "identity model file (default: $"+load.EnvModel+", then ./iamstack.yaml, then the embedded example)")
	root.AddCommand(newValidateCmd(g), newSynthCmd(g), newAccessCmd(g), newCheckCmd(g),
		newAWSConfigCmd(g), newConstCmd(g), newRenderCmd(g), newOnboardCmd(g),
		newReleaseCmd(g), newPromoteCmd(), newHistoryCmd())
	return root
}
