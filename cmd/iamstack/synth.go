package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/iamstack/iamstack/internal/atomicdir"
	"github.com/iamstack/iamstack/internal/child"
	"github.com/iamstack/iamstack/internal/jsiiexit"
	"github.com/iamstack/iamstack/internal/load"
	"github.com/iamstack/iamstack/internal/quiet"
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
environment of this process (see docs/architecture.md, "Speed").`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			inPlace := false
			if out == "" {
				// The cdk CLI owns its output directory (it locks it while the
				// app runs): write into it.
				out, inPlace = os.Getenv("CDK_OUTDIR"), true
			}
			if out == "" {
				return usagef("--out is required (or $CDK_OUTDIR, which the cdk CLI sets)")
			}
			model := g.source()
			if model == "" {
				model = load.Source(load.ContextValue(os.Getenv("CDK_CONTEXT_JSON"), "model")) // cdk synth -c model=...
			}
			_, p, err := load.Plan(model)
			if err != nil {
				return err
			}
			// --out is written aside and swapped into place: a kill at any
			// moment leaves the earlier assembly or the new one, and no
			// template of an earlier model stays beside the new ones.
			write := func(dir string) error { return (synth.InProcess{}).Synthesize(p, dir, nag) }
			if inPlace {
				err = write(out)
			} else if err = replaceableAssembly(out); err == nil {
				err = atomicdir.Write(out, write)
			}
			jsiiexit.Close() // not deferred: a panic's message must stay visible
			return err
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "cloud assembly `DIR` to write (default: $CDK_OUTDIR, which the cdk CLI sets: cdk.json's app can be iamstack synth)")
	cmd.Long += `

Unless the environment sets them, synth runs itself again with CDK_VALIDATION=false
and jsii's end-of-life banner for Node 20 off: jsii reads them before main runs.`
	cmd.Flags().BoolVar(&nag, "nag", false, "run cdk-nag's AwsSolutions rules; unaccepted findings become errors in the assembly")
	return cmd
}

// quietly runs this very command line again in a child process with the
// quiet defaults in its environment (quiet.Env), and exits as it does.
// main calls it for synth, which starts the jsii runtime.
func quietly() error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	c := exec.Command(self, os.Args[1:]...)
	c.Env = quiet.Env(os.Environ())
	// The child dies with this process: a kill of the command kills the
	// synthesis it runs, which must not go on writing.
	defer child.DieWithParent(c)()
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := c.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return &silentExit{code: exit.ExitCode()}
		}
		return err
	}
	return nil
}

// silentExit ends the program with a code, its reason already printed by a
// child process.
type silentExit struct{ code int }

func (e *silentExit) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// replaceableAssembly refuses to replace a directory that holds anything
// but a cloud assembly: --out is replaced whole, and a directory named by
// mistake (the checkout, a home) would go with it.
func replaceableAssembly(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) == 0 {
		return nil // none yet, or unreadable: atomicdir says why
	}
	if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err == nil {
		return nil
	}
	return usagef("%s holds files and no cloud assembly (manifest.json): it would be replaced whole; name a new directory", dir)
}
