package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/iamstack/iamstack"
	"github.com/iamstack/iamstack/internal/check"
	"github.com/iamstack/iamstack/internal/load"
	"github.com/iamstack/iamstack/internal/progress"
	"github.com/iamstack/iamstack/internal/synth"
)

type checkFlags struct {
	base      string
	baseModel string
	noBase    bool
	out       string
	golden    string
	existing  []string
	rules     bool
	format    string
	quiet     bool
	verbose   bool
}

func newCheckCmd(g *globalFlags) *cobra.Command {
	f := &checkFlags{}
	cmd := &cobra.Command{
		Use:   "check",
		Short: "The gate before review: synth, cfn-lint, cdk-nag, iamstack's rules, base comparison, snapshots",
		Long: `Check runs, in order, and stops at the first class of problem:
  1. synthesize the model from scratch, with cdk-nag's AwsSolutions rules
  2. cfn-lint on every template (errors fail; warnings are listed)
  3. cdk-nag findings that no suppression accepts
  4. iamstack's own rules, on the access analysis of the templates
  5. against a base (--base, default: the merge base with main): the access
     diff, and a failure for every user, group or role the change deletes or
     replaces unless the model acknowledges it; with --existing, a failure
     for every resource the change creates that already exists
  6. the templates against golden files (--golden), if given
--rules lists iamstack's rules, each with its severity, where it is checked
and why it holds.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.rules {
				return writeRules(cmd.OutOrStdout())
			}
			return runCheck(cmd.OutOrStdout(), g.source(), f)
		},
	}
	cmd.Flags().StringVar(&f.base, "base", "", "git ref to compare with (default: merge base of HEAD and main)")
	cmd.Flags().StringVar(&f.baseModel, "base-model", "", "the model's path in the base, when it moved or lives outside the repository")
	cmd.Flags().BoolVar(&f.noBase, "no-base", false, "skip the base comparison (a new model); the output says it was skipped")
	cmd.Flags().StringVar(&f.out, "out", "", "where to write the cloud assembly (default: a temporary directory)")
	cmd.Flags().StringVar(&f.golden, "golden", "", "directory of golden templates to compare with")
	cmd.Flags().StringArrayVar(&f.existing, "existing", nil, "a `FILE` holding the output of aws iam get-account-authorization-details for one account (repeat for more): a change that creates a resource it lists fails")
	cmd.Flags().BoolVar(&f.rules, "rules", false, "list iamstack's rules and exit")
	cmd.Flags().StringVar(&f.format, "format", "text", "output format: text, or json (the result on stdout, the steps on stderr)")
	cmd.Flags().BoolVarP(&f.quiet, "quiet", "q", false, "draw no progress line on the terminal (none is drawn when stderr is not a terminal)")
	cmd.Flags().BoolVarP(&f.verbose, "verbose", "v", false, "say on stderr, at the end, when each part of the check (renderings, syntheses, cfn-lint, analyses) started and ended: most run side by side")
	return cmd
}

// checkReport is a run's result as --format json writes it.
type checkReport struct {
	Passed bool `json:"passed"`
	check.Result
}

func writeRules(out io.Writer) error {
	return writeTable(out, func(row func(cells ...string)) {
		row("RULE", "SEVERITY", "CHECKED IN", "WHY")
		for _, r := range check.Rules {
			row(r.ID, r.Severity, r.Stage, r.Rationale)
		}
	})
}

func runCheck(out io.Writer, modelPath string, f *checkFlags) error {
	if err := checkFormat(f.format); err != nil {
		return err
	}
	m, err := load.Model(modelPath)
	if err != nil {
		return err
	}
	listings, err := readListings(f.existing)
	if err != nil {
		return err
	}
	opts := check.Options{Model: m, ModelPath: filePath(modelPath), Base: f.base, BaseModel: f.baseModel, NoBase: f.noBase,
		Out: f.out, Golden: f.golden, Listings: listings, ExampleFile: iamstack.ExampleFile}
	deps := check.Deps{Synth: synth.InProcess{}, Progress: out}
	if !f.quiet {
		deps.Terminal = progress.Terminal(os.Stderr)
	}
	if f.format == "json" {
		deps.Progress = os.Stderr
	}
	if f.verbose {
		deps.Timings = os.Stderr
	}
	if repo, err := repoRoot(); err == nil {
		deps.Repo = repo
	}
	res, err := check.Run(opts, deps)
	if err == nil && f.format == "json" {
		if err := writeJSON(out, checkReport{res.Failed == nil, res}); err != nil {
			return err
		}
		if res.Failed != nil {
			return &silentExit{code: exitFailed}
		}
		return nil
	}
	switch {
	case err != nil:
		return err
	case res.Failed != nil:
		fmt.Fprintln(out, "FAIL: "+res.Failed.Message)
		return res.Failed
	case res.BaseSkipped:
		fmt.Fprintln(out, "check passed, WITHOUT a base comparison (--no-base)")
	default:
		fmt.Fprintln(out, "check passed")
	}
	return nil
}
