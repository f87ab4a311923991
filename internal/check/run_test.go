package check_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/iamstack/iamstack"
	"github.com/iamstack/iamstack/internal/check"
	"github.com/iamstack/iamstack/internal/plan"
	"github.com/iamstack/iamstack/internal/ship/release"
)

// goldenSynth "synthesizes" the example by copying its golden assembly, and
// with nag writes a cdk-nag report holding nagRows, so that the gate's
// workflow runs in the unit tier.
type goldenSynth struct {
	err     error
	nagRows []string
	// differ makes a template other than iamstack's Go rendering of it.
	differ bool
}

func (g goldenSynth) Synthesize(_ *plan.Plan, dir string, nag bool) error {
	if g.err != nil {
		return g.err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(goldenDir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(goldenDir, e.Name()))
		if err != nil {
			return err
		}
		if g.differ && e.Name() == "infra-dev.template.json" {
			b = append(b, '\n')
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			return err
		}
	}
	if !nag {
		return nil
	}
	report := append([]string{"Rule ID,Resource ID,Compliance,Exception Reason,Rule Level,Rule Info"}, g.nagRows...)
	return os.WriteFile(filepath.Join(dir, "AwsSolutions-infra-dev-NagReport.csv"), []byte(strings.Join(report, "\n")+"\n"), 0o644)
}

func cleanLint(string, map[string]bool) (errs, warnings []string, err error) { return nil, nil, nil }

func repo(t *testing.T) release.Repo {
	t.Helper()
	root, err := release.Repo{}.Git("rev-parse", "--show-toplevel")
	if err != nil {
		t.Fatal(err)
	}
	return release.Repo{Dir: root}
}

// The gate fails closed: a base comparison that cannot run fails the check
// at its step, unless NoBase says to skip it, and then the result says so.
func TestBaseComparisonFailsClosed(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "model.yaml")
	for _, tc := range []struct {
		name string
		opts check.Options
		repo bool
		want string
	}{
		{"outside a git checkout", check.Options{}, false,
			"the base comparison cannot run outside a git checkout"},
		{"a model outside the repository", check.Options{ModelPath: outside}, true,
			"is outside the repository, so its version in"},
		{"a base ref that does not exist", check.Options{Base: "no-such-ref"}, true,
			"synthesize the base no-such-ref"},
		{"a base without the model", check.Options{Base: "HEAD", BaseModel: "models/none.yaml"}, true,
			"has no models/none.yaml: if the model moved, pass --base-model"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Model, tc.opts.ExampleFile = exampleModel(), iamstack.ExampleFile
			deps := check.Deps{Synth: goldenSynth{}, Lint: cleanLint}
			if tc.repo {
				deps.Repo = repo(t)
			}
			res, err := check.Run(tc.opts, deps)
			if err != nil || res.Failed == nil || res.Failed.Step != "compare with the base" || !strings.Contains(res.Failed.Message, tc.want) {
				t.Errorf("got %+v, %v; want a failure at the base comparison: %s", res.Failed, err, tc.want)
			}
		})
	}

	// A base that has the model is the model as it was, rendered in Go:
	// compared, with the access diff and the removals.
	res, err := check.Run(check.Options{Model: exampleModel(), Base: "HEAD", ExampleFile: iamstack.ExampleFile},
		check.Deps{Synth: goldenSynth{}, Lint: cleanLint, Repo: repo(t)})
	if err != nil || res.Failed != nil || res.Base != "HEAD" || res.BaseSkipped {
		t.Errorf("base HEAD: %+v, %v", res, err)
	}

	var progress bytes.Buffer
	res, err = check.Run(check.Options{Model: exampleModel(), NoBase: true, Golden: goldenDir},
		check.Deps{Synth: goldenSynth{}, Lint: cleanLint, Progress: &progress})
	if err != nil || res.Failed != nil || !res.BaseSkipped || !res.GoldenCompared {
		t.Errorf("--no-base: %+v, %v", res, err)
	}
	for _, want := range []string{"[1/6] synthesize with cdk-nag", "SKIPPED (--no-base)", "[6/6] golden templates"} {
		if !strings.Contains(progress.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, progress.String())
		}
	}
}

// Each step's failure stops the run there, with what the step found; later
// steps do not run.
func TestRunStopsAtTheFailingStep(t *testing.T) {
	lintErr := func(string, map[string]bool) ([]string, []string, error) {
		return []string{"E3002 infra-dev: bad property"}, nil, nil
	}
	for _, tc := range []struct {
		name     string
		synth    goldenSynth
		lint     func(string, map[string]bool) ([]string, []string, error)
		golden   string
		wantStep string
		want     string
	}{
		{"synthesis", goldenSynth{err: errors.New("exit status 1")}, cleanLint, "", "synthesize with cdk-nag", "synthesis: exit status 1"},
		{"cfn-lint", goldenSynth{}, lintErr, "", "cfn-lint", "cfn-lint found 1 error(s):\n  E3002 infra-dev: bad property"},
		{"cdk-nag", goldenSynth{nagRows: []string{"AwsSolutions-IAM4,infra-dev/OpsR/Resource,Non-Compliant,N/A,Error,The IAM user uses AWS managed policies."}}, cleanLint, "",
			"cdk-nag (AwsSolutions)", "1 cdk-nag finding(s) without a suppression"},
		{"golden files", goldenSynth{}, cleanLint, mutate(t, "infra-dev", func(r map[string]any) { delete(r, "RoleAdminR") }),
			"golden templates", "the templates differ from"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var progress bytes.Buffer
			res, err := check.Run(check.Options{Model: exampleModel(), NoBase: true, Golden: tc.golden},
				check.Deps{Synth: tc.synth, Lint: tc.lint, Progress: &progress})
			if err != nil || res.Failed == nil || res.Failed.Step != tc.wantStep || !strings.Contains(res.Failed.Message, tc.want) {
				t.Fatalf("got %+v, %v; want a failure at %s: %s", res.Failed, err, tc.wantStep, tc.want)
			}
			var failed *check.Failure
			if !errors.As(error(res.Failed), &failed) {
				t.Error("a Failure is an error")
			}
			for i, step := range check.Steps {
				ran := strings.Contains(progress.String(), step)
				if after := i > slices.Index(check.Steps, tc.wantStep); ran == after {
					t.Errorf("step %q ran: %v", step, ran)
				}
			}
		})
	}
}

// cfn-lint starts on the head rendered in Go while the CDK synthesizes it;
// its verdicts stand for the CDK's templates only when they are that
// rendering, byte for byte: else it reads the CDK's.
func TestLintReadsWhatTheCDKWrote(t *testing.T) {
	for _, differ := range []bool{false, true} {
		var mu sync.Mutex
		var read []string
		lint := func(dir string, _ map[string]bool) ([]string, []string, error) {
			mu.Lock()
			defer mu.Unlock()
			read = append(read, dir)
			return nil, nil, nil
		}
		out := filepath.Join(t.TempDir(), "out")
		var progress bytes.Buffer
		res, err := check.Run(check.Options{Model: exampleModel(), NoBase: true, Out: out},
			check.Deps{Synth: goldenSynth{differ: differ}, Lint: lint, Progress: &progress})
		if err != nil || res.Failed != nil {
			t.Fatalf("differ %v: %+v, %v", differ, res.Failed, err)
		}
		noted := strings.Contains(progress.String(), "the synthesized templates differ from iamstack's rendering: checking them instead")
		switch {
		case !differ && (len(read) != 1 || read[0] == out || noted):
			t.Errorf("the rendering is the CDK's: cfn-lint read %q, noted %v", read, noted)
		case differ && (len(read) != 2 || read[1] != out || !noted):
			t.Errorf("the CDK's templates differ: cfn-lint read %q, noted %v", read, noted)
		}
	}
}

// With Timings, a run writes at the end when each of its parts started and
// ended, the ones running in the background included, in the order they
// started.
func TestRunWritesItsTimeline(t *testing.T) {
	var timings, progress bytes.Buffer
	res, err := check.Run(check.Options{Model: exampleModel(), NoBase: true},
		check.Deps{Synth: goldenSynth{}, Lint: cleanLint, Progress: &progress, Timings: &timings})
	if err != nil || res.Failed != nil {
		t.Fatalf("%+v, %v", res.Failed, err)
	}
	lines := strings.Split(strings.TrimSpace(timings.String()), "\n")
	var parts []string
	for _, l := range lines[1 : len(lines)-1] {
		f := strings.Fields(l)
		var start, end float64
		if len(f) < 4 || f[1] != "-" {
			t.Fatalf("part line %q", l)
		}
		if _, err := fmt.Sscan(f[0], &start); err != nil {
			t.Error(err)
		}
		if _, err := fmt.Sscan(f[2], &end); err != nil || end < start {
			t.Errorf("part line %q: ends before it starts, or %v", l, err)
		}
		parts = append(parts, strings.Join(f[3:], " "))
	}
	for _, want := range []string{"synthesize the head (CDK)", "render the head in Go", "cfn-lint", "analyze the head",
		"plan what cdk-nag reads", "synthesize with cdk-nag (CDK)", "iamstack's rules"} {
		if !slices.Contains(parts, want) {
			t.Errorf("no part %q in the timeline:\n%s", want, timings.String())
		}
	}
	if !strings.HasPrefix(lines[0], "timings") || !strings.HasSuffix(lines[len(lines)-1], "total") {
		t.Errorf("timeline:\n%s", timings.String())
	}
	if strings.Contains(progress.String(), "timings") {
		t.Error("the timeline went to the progress")
	}
}
