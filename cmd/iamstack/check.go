package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/iamstack/iamstack"
	"github.com/iamstack/iamstack/internal/analyze/access"
	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/check"
	"github.com/iamstack/iamstack/internal/load"
	"github.com/iamstack/iamstack/internal/ship/adopt"
	"github.com/iamstack/iamstack/internal/ship/release"
	"github.com/iamstack/iamstack/internal/synth"
	"github.com/iamstack/iamstack/model"
)

type checkFlags struct {
	base      string
	baseModel string
	noBase    bool
	out       string
	golden    string
	existing  []string
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
  6. the templates against golden files (--golden), if given`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCheck(cmd.OutOrStdout(), g.model, f)
		},
	}
	cmd.Flags().StringVar(&f.base, "base", "", "git ref to compare with (default: merge base of HEAD and main)")
	cmd.Flags().StringVar(&f.baseModel, "base-model", "", "the model's path in the base, when it moved or lives outside the repository")
	cmd.Flags().BoolVar(&f.noBase, "no-base", false, "skip the base comparison (a new model); the output says it was skipped")
	cmd.Flags().StringVar(&f.out, "out", "", "where to write the cloud assembly (default: a temporary directory)")
	cmd.Flags().StringVar(&f.golden, "golden", "", "directory of golden templates to compare with")
	cmd.Flags().StringArrayVar(&f.existing, "existing", nil, "output of `aws iam get-account-authorization-details` for one account (repeat for more): a change that creates a resource it lists fails")
	return cmd
}

// checkFailure is a failed check whose problems are already printed; it
// carries them for callers that report the check in their own words.
type checkFailure struct{ problems string }

func (f *checkFailure) Error() string { return "the check failed: " + f.problems }

// failCheck prints a failure of the check and returns it.
func failCheck(out io.Writer, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	fmt.Fprintln(out, "FAIL: "+msg)
	return &checkFailure{msg}
}

func runCheck(out io.Writer, modelPath string, f *checkFlags) error {
	step := func(n int, name string) { fmt.Fprintf(out, "[%d/6] %s\n", n, name) }
	fail := func(format string, args ...any) error { return failCheck(out, format, args...) }
	m, err := load.Model(load.Source(modelPath))
	if err != nil {
		return err
	}
	listings, err := readListings(f.existing)
	if err != nil {
		return err
	}

	step(1, "synthesize with cdk-nag")
	dir := f.out
	if dir == "" {
		tmp, err := os.MkdirTemp("", "iamstack-check-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	// The base synthesizes on the other core meanwhile.
	baseDone := make(chan baseAssembly, 1)
	go func() { baseDone <- synthesizeBase(modelPath, f) }()
	headErr := synthesizeChild(dir, modelPath, true)
	base := <-baseDone
	defer base.cleanup()
	if headErr != nil {
		return fail("synthesis: %v", headErr)
	}

	step(2, "cfn-lint")
	var linted map[string]bool
	if base.linted {
		if linted, err = check.SameTemplates(dir, base.dir); err != nil {
			return fail("%v", err)
		}
	}
	if len(linted) > 0 {
		fmt.Fprintf(out, "  %d template(s) identical to the base's, linted when it passed: skipped\n", len(linted))
	}
	errs, warnings, err := check.CfnLint(dir, linted)
	if err != nil {
		return fail("%v", err)
	}
	for _, w := range warnings {
		fmt.Fprintln(out, "  warning: "+w)
	}
	if len(errs) > 0 {
		return fail("cfn-lint found %d error(s):\n  %s", len(errs), strings.Join(errs, "\n  "))
	}

	step(3, "cdk-nag (AwsSolutions)")
	nag, err := check.Nag(dir)
	if err != nil {
		return fail("%v", err)
	}
	if len(nag) > 0 {
		lines := make([]string, len(nag))
		for i, v := range nag {
			lines[i] = v.String()
		}
		return fail("%d cdk-nag finding(s) without a suppression; accept one by design with a waiver on its role or CI/CD user in the model (README: \"make check\"):\n  %s", len(nag), strings.Join(lines, "\n  "))
	}

	step(4, "iamstack rules")
	inv, err := assembly.Read(dir)
	if err != nil {
		return fail("%v", err)
	}
	rep := access.Analyze(inv)
	violations := append(check.Templates(m, inv, rep), check.Lint(m)...)
	for _, v := range violations {
		switch {
		case v.Waived != "":
			fmt.Fprintln(out, "  waived: "+v.String())
		case v.Severity == check.Warning:
			fmt.Fprintln(out, "  warning: "+v.String())
		}
	}
	if failures := check.Failures(violations); len(failures) > 0 {
		lines := make([]string, len(failures))
		for i, v := range failures {
			lines[i] = v.String()
		}
		return fail("%d rule violation(s):\n  %s", len(failures), strings.Join(lines, "\n  "))
	}

	step(5, "compare with the base")
	if err := compareWithBase(out, m, base, f, rep, inv); err != nil {
		return err
	}
	if err := existingResources(out, dir, base.dir, listings); err != nil {
		return err
	}

	step(6, "golden templates")
	if f.golden == "" {
		fmt.Fprintln(out, "  skipped: no --golden directory")
	} else {
		diffs, err := check.Golden(dir, f.golden)
		if err != nil {
			return fail("%v", err)
		}
		if len(diffs) > 0 {
			return fail("the templates differ from %s:\n%s\nIf the change is intended, run `make golden` and commit the new golden files.", f.golden, strings.Join(diffs, "\n"))
		}
	}
	if f.noBase {
		fmt.Fprintln(out, "check passed, WITHOUT a base comparison (--no-base)")
		return nil
	}
	fmt.Fprintln(out, "check passed")
	return nil
}

// synthesizeChild synthesizes the model into dir by running this program's
// synth command, with aws-cdk-lib's validator off (see the README, "Speed").
func synthesizeChild(dir, modelPath string, nag bool) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	args := []string{"synth", "--out", dir}
	if modelPath != "" {
		args = append(args, "--model", modelPath)
	}
	if nag {
		args = append(args, "--nag")
	}
	c := exec.Command(self, args...)
	c.Env = synth.QuietEnv(os.Environ())
	c.Stdout, c.Stderr = os.Stderr, os.Stderr
	return c.Run()
}

// baseAssembly is the base's synthesis, which the check makes while it
// synthesizes the head: it serves the base comparison, and templates
// identical to the base's were linted when the base passed the check.
type baseAssembly struct {
	ref, dir string
	cleanup  func()
	// linted is whether the base is an earlier commit, which passed the
	// check to get there; the check of HEAD itself lints everything.
	linted bool
	// failure says why there is none: the check fails closed on it.
	failure string
}

// synthesizeBase synthesizes the model as it is in the base; with --no-base
// it does nothing.
func synthesizeBase(modelPath string, f *checkFlags) baseAssembly {
	none := func(format string, args ...any) baseAssembly {
		return baseAssembly{cleanup: func() {}, failure: fmt.Sprintf(format, args...)}
	}
	if f.noBase {
		return baseAssembly{cleanup: func() {}}
	}
	skip := "; or pass --no-base to skip the comparison (the output then says so)"
	root, err := release.Repo{}.Git("rev-parse", "--show-toplevel")
	if err != nil {
		return none("the base comparison cannot run outside a git checkout: run the check in the repository%s", skip)
	}
	base := f.base
	if base == "" {
		if base, err = (release.Repo{Dir: root}).Git("merge-base", "HEAD", "main"); err != nil {
			return none("no --base given and no branch main to take the merge base with: pass --base <ref>%s", skip)
		}
	}
	rel := f.baseModel
	if rel == "" {
		rel = iamstack.ExampleFile
		if modelPath != "" {
			abs, err := filepath.Abs(modelPath)
			if err != nil {
				return none("%v", err)
			}
			if rel, err = filepath.Rel(root, abs); err != nil || strings.HasPrefix(rel, "..") {
				return none("the model %s is outside the repository, so its version in %s is unknown: pass --base-model <its path in %s>%s", modelPath, short(base), short(base), skip)
			}
		}
	}
	baseDir, cleanup, err := release.Repo{Dir: root}.SynthesizeAt(base, rel)
	if err != nil {
		return none("synthesize the base %s: %v", base, err)
	}
	if baseDir == "" {
		cleanup()
		return none("%s has no %s: if the model moved, pass --base-model <its path in %s>; if it is new, pass --no-base", short(base), rel, short(base))
	}
	repo := release.Repo{Dir: root}
	baseCommit, err1 := repo.Git("rev-parse", base+"^{commit}")
	head, err2 := repo.Git("rev-parse", "HEAD^{commit}")
	return baseAssembly{ref: base, dir: baseDir, cleanup: cleanup, linted: err1 == nil && err2 == nil && baseCommit != head}
}

// compareWithBase fails closed: a base comparison that cannot run fails the
// check, unless --no-base says to skip it, which the output then names.
func compareWithBase(out io.Writer, m *model.Model, b baseAssembly, f *checkFlags, headRep access.Report, headInv *assembly.Inventory) error {
	if f.noBase {
		fmt.Fprintln(out, "  SKIPPED (--no-base): not compared with a base, so deleted or replaced users, groups and roles are not detected")
		return nil
	}
	if b.failure != "" {
		return failCheck(out, "%s", b.failure)
	}
	base, baseDir := b.ref, b.dir
	baseInv, err := assembly.Read(baseDir)
	if err != nil {
		return fmt.Errorf("base %s: %w", base, err)
	}
	changes := access.Diff(access.Analyze(baseInv), headRep)
	fmt.Fprintf(out, "  access diff against %s:\n", short(base))
	if len(changes) == 0 {
		fmt.Fprintln(out, "    no change in access")
	}
	for _, c := range changes {
		fmt.Fprintln(out, "    "+c.Text)
	}
	var unacknowledged []string
	for _, r := range check.Removals(baseInv, headInv, m) {
		if r.Acknowledged != "" {
			fmt.Fprintln(out, "  "+r.String())
		} else {
			unacknowledged = append(unacknowledged, r.String())
		}
	}
	if len(unacknowledged) > 0 {
		return failCheck(out, "the change deletes or replaces identities:\n  %s", strings.Join(unacknowledged, "\n  "))
	}
	return nil
}

// existingResources fails the check for every resource the change creates
// (every resource, without a base) that a listing shows to exist already:
// CloudFormation cannot create it, and the deploy would fail.
func existingResources(out io.Writer, headDir, baseDir string, listings []*adopt.Listing) error {
	if len(listings) == 0 {
		return nil
	}
	found, err := adopt.Collisions(headDir, baseDir, listings)
	if err != nil {
		return failCheck(out, "compare with the listed accounts: %v", err)
	}
	if len(found) > 0 {
		lines := make([]string, len(found))
		for i, fd := range found {
			lines[i] = fd.String()
		}
		return failCheck(out, "the change creates %d resource(s) that already exist:\n  %s", len(found), strings.Join(lines, "\n  "))
	}
	fmt.Fprintf(out, "  nothing the change creates exists in the %d listed account(s)\n", len(listings))
	return nil
}

func short(ref string) string {
	if len(ref) == 40 {
		return ref[:12]
	}
	return ref
}
