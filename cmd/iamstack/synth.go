package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/iamstack/iamstack/internal/jsiiexit"
	"github.com/iamstack/iamstack/internal/load"
	"github.com/iamstack/iamstack/internal/synth"
)

func newSynthCmd(g *globalFlags) *cobra.Command {
	var out string
	var nag bool
	cmd := &cobra.Command{
		Use:   "synth",
		Short: "Synthesize the model into a cloud assembly (what `cdk synth` does, without the cdk CLI)",
		Long: `Synth plans the model and writes its cloud assembly to --out. aws-cdk-lib's
built-in template validator runs unless CDK_VALIDATION=false is set in the
environment of this process (see the README, "Speed").`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return fmt.Errorf("--out is required")
			}
			_, p, err := load.Plan(load.Source(g.model))
			if err != nil {
				return err
			}
			synth.Assembly(p, out, synth.Options{Nag: nag})
			jsiiexit.Close() // not deferred: a panic's message must stay visible
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "cloud assembly directory to write")
	cmd.Flags().BoolVar(&nag, "nag", false, "run cdk-nag's AwsSolutions rules; unaccepted findings become errors in the assembly")
	return cmd
}
