package main

import (
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/iamstack/iamstack/internal/analyze/access"
	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/jsonstream"
	"github.com/iamstack/iamstack/internal/load"
	"github.com/iamstack/iamstack/internal/progress"
)

type accessFlags struct {
	assembly string
	format   string
	classify bool
	quiet    bool
	verbose  bool
}

func newAccessCmd(g *globalFlags) *cobra.Command {
	f := &accessFlags{}
	cmd := &cobra.Command{
		Use:   "access",
		Short: "Who can assume what, where, and who can raise their own access: computed from the templates",
		Long: `Access reads a cloud assembly (--assembly, or a fresh synth of the model) and
evaluates, with iamstack's own IAM policy evaluator, every request that
matters: each user assuming each role in each account, once without and once
with an MFA session; what each user can do directly in their own account; and
the known privilege-escalation methods every principal's policies allow.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(f.format); err != nil {
				return err
			}
			dir, cleanup, err := assemblyDir(f.assembly, g.source())
			if err != nil {
				return err
			}
			defer cleanup()
			if f.classify {
				return writeClasses(cmd.OutOrStdout(), dir, f.format)
			}
			var term io.Writer
			if !f.quiet {
				term = progress.Terminal(os.Stderr)
			}
			timings := timings{on: f.verbose, w: cmd.ErrOrStderr(), start: time.Now()}
			inv, err := assembly.Read(dir)
			if err != nil {
				return err
			}
			timings.lap("read the assembly: %d roles, %d users", len(inv.Roles), len(inv.Users))
			meter := progress.New(term, "escalation search, principals")
			rep := access.AnalyzeWith(inv, meter.Func())
			meter.Done()
			timings.lap("escalation search: %d findings, %d administrators", len(rep.Findings), len(rep.Admins))
			// The matrix is computed as it is written: its progress is the
			// users written, each twice for the text table, which measures
			// its columns first.
			meter = progress.New(term, "access matrix, users")
			passes := map[bool]int{true: 1, false: 2}[f.format == "json"]
			entries := countUsers(rep.Entries(), meter, passes*rep.Users())
			if f.format == "json" {
				err = jsonstream.WriteArray(cmd.OutOrStdout(), entries)
			} else {
				err = writeReport(cmd.OutOrStdout(), rep, entries)
			}
			meter.Done()
			timings.lap("access matrix of %d users written", rep.Users())
			return err
		},
	}
	cmd.Flags().StringVar(&f.assembly, "assembly", "", "cloud assembly directory (default: synthesize the model into a temporary directory)")
	cmd.Flags().StringVar(&f.format, "format", "text", "output format: text or json")
	cmd.Flags().BoolVar(&f.classify, "classify", false, "classify what each role may do by access level and risk, from the IAM catalog")
	cmd.Flags().BoolVarP(&f.quiet, "quiet", "q", false, "draw no progress line on the terminal (none is drawn when stderr is not a terminal)")
	cmd.Flags().BoolVarP(&f.verbose, "verbose", "v", false, "say on stderr how long reading, the escalation search and the matrix took")
	cmd.AddCommand(newAccessDiffCmd())
	return cmd
}

func newAccessDiffCmd() *cobra.Command {
	var format string
	var exitOnChange bool
	cmd := &cobra.Command{
		Use:   "diff BASE HEAD",
		Short: "What changes in access between two cloud assemblies",
		Long: `Diff analyzes two cloud assemblies and prints what the second grants that the
first did not (+), what it revokes (-), where the MFA requirement changed (~),
and escalation findings that appear (!) or go away (=). With --exit-code it
exits 1 when anything changed, as git diff --exit-code does.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format); err != nil {
				return err
			}
			base, err := analyze(args[0])
			if err != nil {
				return err
			}
			head, err := analyze(args[1])
			if err != nil {
				return err
			}
			changes := access.Diff(base, head)
			if err := writeChanges(cmd.OutOrStdout(), changes, format); err != nil {
				return err
			}
			if exitOnChange && len(changes) > 0 {
				return &silentExit{code: exitFailed}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&exitOnChange, "exit-code", false, "exit 1 when access changes, 0 when it does not")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}

// writeChanges prints access changes, a line each or as JSON.
func writeChanges(out io.Writer, changes []access.Change, format string) error {
	if format == "json" {
		if changes == nil {
			changes = []access.Change{}
		}
		return writeJSON(out, changes)
	}
	if len(changes) == 0 {
		fmt.Fprintln(out, "no change in access")
	}
	for _, c := range changes {
		fmt.Fprintln(out, c.Text)
	}
	return nil
}

func checkFormat(f string) error {
	if f != "text" && f != "json" {
		return usagef("--format must be text or json, not %q", f)
	}
	return nil
}

func analyze(dir string) (access.Report, error) {
	inv, err := assembly.Read(dir)
	if err != nil {
		return access.Report{}, err
	}
	return access.Analyze(inv), nil
}

// assemblyDir returns the assembly to analyze: the one named, or the
// model's templates as the plan renders them, byte for byte the ones the
// CDK would write, in Go alone (no Node, milliseconds).
func assemblyDir(named, model string) (string, func(), error) {
	if named != "" {
		return named, func() {}, nil
	}
	_, p, err := load.Plan(model)
	if err != nil {
		return "", nil, err
	}
	tmp, err := os.MkdirTemp("", "iamstack-access-")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { os.RemoveAll(tmp) }
	dir := filepath.Join(tmp, "templates")
	if err := p.WriteTemplates(dir); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("render the model's templates: %w", err)
	}
	return dir, cleanup, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// matrixHeader names the matrix's columns.
var matrixHeader = [6]string{"USER", "ACCOUNT", "ROLE / CAPABILITY", "MFA", "MAX SESSION", "FINDINGS"}

// matrixRow is an entry's row of the matrix.
func matrixRow(e access.Entry) [6]string {
	what, session := e.Role, strconv.Itoa(e.MaxSessionSeconds/3600)+"h"
	if e.Type == "direct" {
		what, session = e.Capability+" (direct)", "-"
	}
	if len(e.Through) > 0 {
		what += " (through " + strings.Join(e.Through, ", ") + ")"
	}
	if e.MaxSessionSeconds%3600 != 0 {
		session = strconv.Itoa(e.MaxSessionSeconds/60) + "m"
	}
	mfa := "required"
	if !e.MFA {
		mfa = "no"
	}
	switch {
	case slices.Equal(e.SignIn, []string{access.SignInIdentityCenter}):
		what += " (Identity Center)"
		mfa = "at sign-in (declared)"
	case slices.Contains(e.SignIn, access.SignInIdentityCenter):
		what += " (IAM user and Identity Center)"
	}
	user := e.User
	if e.UserKind == "cicd" {
		user += " (CI/CD)"
	}
	return [6]string{user, e.Account, what, mfa, session, strconv.Itoa(len(e.Findings))}
}

// countUsers yields entries, telling the meter how many of total users it
// has yielded so far, over every read.
func countUsers(entries iter.Seq[access.Entry], meter *progress.Meter, total int) iter.Seq[access.Entry] {
	if meter == nil {
		return entries
	}
	n := 0
	return func(yield func(access.Entry) bool) {
		last := ""
		for e := range entries {
			if e.User != last {
				n, last = n+1, e.User
				meter.Update(n, total)
			}
			if !yield(e) {
				return
			}
		}
	}
}

// timings says, with --verbose, how long each part of a command took.
type timings struct {
	on    bool
	w     io.Writer
	start time.Time
}

// lap says what the part since the last lap did and how long it took.
func (t *timings) lap(format string, args ...any) {
	if !t.on {
		return
	}
	now := time.Now()
	fmt.Fprintf(t.w, "%s (%s)\n", fmt.Sprintf(format, args...), now.Sub(t.start).Round(10*time.Millisecond))
	t.start = now
}

// writeReport writes the report as text, the matrix's rows from entries
// (rep.Entries, or the same counted).
func writeReport(out io.Writer, rep access.Report, entries iter.Seq[access.Entry]) error {
	err := writeTable(out, func(row func(...string)) {
		row(matrixHeader[:]...)
		for e := range entries {
			r := matrixRow(e)
			row(r[:]...)
		}
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nAdministrators (full power, no escalation to find): %s\n", strings.Join(rep.Admins, ", "))
	byDesign := map[string]int{}
	var open []access.Finding
	for _, f := range rep.Findings {
		if f.ByDesign != "" {
			byDesign[f.Principal+": "+f.ByDesign]++
		} else {
			open = append(open, f)
		}
	}
	fmt.Fprintf(out, "\nEscalation findings: %d open, %d by design\n", len(open), len(rep.Findings)-len(open))
	for _, f := range open {
		fmt.Fprintln(out, "  ! "+f.String())
	}
	for _, k := range slices.Sorted(maps.Keys(byDesign)) {
		fmt.Fprintf(out, "  = %s (%d methods)\n", k, byDesign[k])
	}
	if len(rep.External) > 0 {
		fmt.Fprintf(out, "\nTrusted from outside the templates:\n")
		for _, x := range rep.External {
			fmt.Fprintf(out, "  %s/%s trusts %s %s", x.Account, x.Role, x.Type, x.Principal)
			if len(x.Conditions) > 0 {
				fmt.Fprintf(out, " when %s", strings.Join(x.Conditions, " and "))
			}
			fmt.Fprintln(out)
		}
	}
	if len(rep.Unknown) > 0 {
		fmt.Fprintf(out, "\nNot evaluated (no document for these AWS managed policies): %s\n", strings.Join(rep.Unknown, ", "))
	}
	return nil
}

// writeClasses prints what each role of the assembly may do, by access level
// and risk (access.Classify).
func writeClasses(out io.Writer, dir, format string) error {
	inv, err := assembly.Read(dir)
	if err != nil {
		return err
	}
	var classes []access.Class
	for _, r := range inv.Roles {
		classes = append(classes, access.Classify(inv, r))
	}
	if format == "json" {
		return writeJSON(out, classes)
	}
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ROLE\tLIST\tREAD\tWRITE\tPERMISSIONS\tTAGGING\tRISKS (actions)")
	for _, c := range classes {
		var risks []string
		for _, r := range []string{access.RiskPrivilegeEscalation, access.RiskResourceExposure, access.RiskCredentialsExposure,
			access.RiskDataExfiltration, access.RiskInfrastructureModification} {
			if n := len(c.Risks[r]); n > 0 {
				risks = append(risks, fmt.Sprintf("%s %d", r, n))
			}
		}
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%d\t%s\n", c.Principal, c.Levels["List"], c.Levels["Read"], c.Levels["Write"],
			c.Levels["Permissions management"], c.Levels["Tagging"], strings.Join(risks, ", "))
	}
	return w.Flush()
}
