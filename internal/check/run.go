package check

import (
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iamstack/iamstack/internal/analyze/access"
	"github.com/iamstack/iamstack/internal/analyze/adopt"
	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/plan"
	"github.com/iamstack/iamstack/internal/progress"
	"github.com/iamstack/iamstack/model"
)

// Options say what a run of the gate checks.
type Options struct {
	Model *model.Model
	// ModelPath is the model's file, "" for the embedded example (whose
	// path in a base is ExampleFile).
	ModelPath string
	// Base is the git ref to compare with; "" is the merge base of HEAD
	// and main.
	Base string
	// BaseModel is the model's path in the base, when it moved.
	BaseModel string
	// NoBase skips the base comparison; the result says so.
	NoBase bool
	// Out is where the head's cloud assembly goes; "" is a temporary
	// directory, removed at the end.
	Out string
	// Golden is a directory of golden templates to compare with, if any.
	Golden string
	// Listings are accounts' authorization details: a change that creates
	// a resource one lists fails.
	Listings []*adopt.Listing
	// ExampleFile is the embedded example's path in the repository, the
	// base's model when ModelPath is "".
	ExampleFile string
}

// Synthesizer writes a plan's cloud assembly to dir; nag runs cdk-nag's
// AwsSolutions rules and writes their reports beside it.
type Synthesizer interface {
	Synthesize(p *plan.Plan, dir string, nag bool) error
}

// Repo is the git repository the model lives in.
type Repo interface {
	// Root is the top of the working tree.
	Root() string
	Git(args ...string) (string, error)
	// Show returns the file at path as it is at ref; found is false when
	// ref has no such file.
	Show(ref, path string) (data []byte, found bool, err error)
}

// Deps are what a run calls out to.
type Deps struct {
	// Synth synthesizes the head, and with cdk-nag the part of it cdk-nag
	// reads (nagshapes.go). The base, which only the
	// analysis and the comparisons read, is rendered in Go
	// (plan.WriteTemplates): byte for byte the templates the CDK writes.
	Synth Synthesizer
	// Repo is nil outside a git checkout, where only --no-base can run.
	Repo Repo
	// Lint lints the templates of dir but those named in skip, as CfnLint
	// does (nil: CfnLint).
	Lint func(dir string, skip map[string]bool) (errs, warnings []string, err error)
	// Progress receives a line as each step starts and what it notes.
	Progress io.Writer
	// Terminal, when not nil, is a terminal to draw each step's progress
	// on while it runs (progress.Terminal): its time, and what it counts.
	Terminal io.Writer
	// Timings, when not nil, receives at the end when each part of the
	// run (renderings, syntheses, cfn-lint, analyses) started and ended.
	Timings io.Writer
}

// Steps are the gate's steps, in order; a run stops at the first that fails.
var Steps = []string{
	"synthesize with cdk-nag",
	"cfn-lint",
	"cdk-nag (AwsSolutions)",
	"iamstack rules",
	"compare with the base",
	"golden templates",
}

// Result is what a run found.
type Result struct {
	// Failed is the failure that stopped the run, nil when it passed.
	Failed *Failure `json:"failed,omitempty"`
	// Dir is the head's cloud assembly (removed at the end when Options.Out
	// is "").
	Dir string `json:"-"`
	// LintWarnings are cfn-lint's warnings; LintSkipped counts templates
	// identical to the base's, linted when it passed.
	LintWarnings []string `json:"lintWarnings"`
	LintSkipped  int      `json:"lintSkipped"`
	// Violations are the rules' findings that do not fail: waived ones and
	// warnings.
	Violations []Violation `json:"violations"`
	// Base is the ref compared with, "" when the comparison was skipped.
	Base string `json:"base,omitempty"`
	// BaseSkipped says --no-base skipped the comparison.
	BaseSkipped bool `json:"baseSkipped"`
	// Changes are the access changes against the base.
	Changes []access.Change `json:"changes"`
	// Acknowledged are the deletions and replacements the model
	// acknowledges.
	Acknowledged []Removal `json:"acknowledged"`
	// ListedAccounts counts the account listings the change was compared
	// with.
	ListedAccounts int `json:"listedAccounts"`
	// GoldenCompared says the templates were compared with golden files.
	GoldenCompared bool `json:"goldenCompared"`
}

// A Failure is the step a run stopped at and why.
type Failure struct {
	Step string `json:"step"`
	// Message is the failure as one text, its problems on indented lines.
	Message string `json:"message"`
}

func (f *Failure) Error() string { return "the check failed: " + f.Message }

// run is one run's state.
type run struct {
	opts  Options
	deps  Deps
	res   Result
	out   io.Writer
	step  int
	base  baseAssembly
	inv   *assembly.Inventory
	rep   access.Report
	clean []func()
	// meter draws the running step's progress on the terminal, if any.
	meter *progress.Meter
	// nagPlan is what cdk-nag read of the head, into nagDir.
	nagPlan *nagPlan
	nagDir  string
	// linting is cfn-lint's verdicts on the head rendered in Go, nil when
	// the CDK's templates are not that rendering.
	linting chan lintResult
	// analyzing is the analysis of the head rendered in Go, nil when the
	// CDK's assembly is not that rendering; analysisMeter is the meter of
	// the step waiting for it.
	analyzing     chan analysis
	analysisMeter atomic.Pointer[progress.Meter]
	// baseAnalyzing is the base's analysis, started once it is rendered;
	// baseMeter is the meter of the step waiting for it.
	baseAnalyzing chan analysis
	baseMeter     atomic.Pointer[progress.Meter]
	// timeline records the parts of the run for Deps.Timings; nil without.
	timeline *timeline
	// shapes are the shapes of the head's templates, for the plan of what
	// cdk-nag reads and for cfn-lint's.
	shapes *shapeMemo
}

// Run runs the gate. A failed check is a Result with Failed set; the error
// is for what kept the run from deciding (a model or listing it cannot
// read), and a failure of the gate's own tools fails the check.
func Run(opts Options, deps Deps) (Result, error) {
	r := &run{opts: opts, deps: deps, out: deps.Progress, shapes: newShapeMemo()}
	if r.out == nil {
		r.out = io.Discard
	}
	if r.deps.Lint == nil {
		// cfn-lint's plan reads the shapes the plan of what cdk-nag reads
		// found in the same rendering (synthesize).
		r.deps.Lint = func(dir string, skip map[string]bool) (errs, warnings []string, err error) {
			return cfnLint(dir, skip, true, r.shapes)
		}
	}
	if deps.Timings != nil {
		r.timeline = newTimeline()
	}
	defer func() {
		for _, c := range r.clean {
			c()
		}
		// After the clean-up, which waits for the work still running in
		// the background.
		if r.timeline != nil {
			r.timeline.write(deps.Timings)
		}
	}()
	err := r.run()
	return r.res, err
}

// fail ends the run at the current step.
func (r *run) fail(format string, args ...any) error {
	r.res.Failed = &Failure{Step: Steps[r.step-1], Message: fmt.Sprintf(format, args...)}
	return nil
}

func (r *run) next() {
	r.step++
	fmt.Fprintf(r.out, "[%d/%d] %s\n", r.step, len(Steps), Steps[r.step-1])
}

func (r *run) note(format string, args ...any) {
	r.meter.Above(func() { fmt.Fprintf(r.out, "  "+format+"\n", args...) })
}

func (r *run) run() error {
	for _, step := range []func() error{r.synthesize, r.cfnLint, r.nag, r.rules, r.compare, r.golden} {
		r.next()
		start := time.Now()
		r.meter = progress.New(r.deps.Terminal, Steps[r.step-1])
		stop := r.meter.Ticker()
		err := step()
		stop()
		r.meter.Done()
		// Each step says how long it took: at scale, a step runs for
		// minutes, and a person waiting sees where.
		r.note("(%s)", time.Since(start).Round(10*time.Millisecond))
		if err != nil || r.res.Failed != nil {
			return err
		}
	}
	return nil
}

func (r *run) synthesize() error {
	dir := r.opts.Out
	if dir == "" {
		tmp, err := os.MkdirTemp("", "iamstack-check-")
		if err != nil {
			return err
		}
		r.clean = append(r.clean, func() { os.RemoveAll(tmp) })
		dir = tmp
	}
	r.res.Dir = dir
	p, err := plan.New(r.opts.Model)
	if err != nil {
		return fmt.Errorf("%s does not fit AWS quotas: %w", r.opts.Model.File(), err)
	}
	tmp, err := os.MkdirTemp("", "iamstack-head-")
	if err != nil {
		return err
	}
	// Removed once the lint and the analysis that read it are done: they
	// may outlive a failed synthesis.
	linting, analyzing := make(chan lintResult, 1), make(chan analysis, 1)
	var background sync.WaitGroup
	r.clean = append(r.clean, func() { background.Wait(); os.RemoveAll(tmp) })
	// While the CDK synthesizes the head, on the other core: the base
	// renders, and its analysis starts; the head renders in Go (byte for
	// byte the CDK's templates), and cfn-lint, the head's analysis and the
	// plan of the part cdk-nag reads (nagshapes.go) start on it. Once the
	// CDK is done, its assembly is compared with the rendering: the same,
	// the verdicts on the rendering are its own; else cfn-lint and the
	// analysis read the CDK's (cfnLint, rules).
	var base baseAssembly
	baseDone := make(chan struct{})
	baseAnalyzing := make(chan analysis, 1)
	go func() {
		end := r.timeline.begin("render the base")
		base = r.synthesizeBase()
		end()
		// The base's analysis too, which the comparison needs; started
		// before baseDone, so that the clean-up, which follows it, waits
		// for it.
		if base.failure == "" && base.dir != "" {
			dir := base.dir
			background.Go(func() { baseAnalyzing <- r.analyze("the base", dir, &r.baseMeter) })
		}
		close(baseDone)
	}()
	type nagDone struct {
		n   *nagPlan
		err error
	}
	nagged := make(chan nagDone, 1)
	rendered := filepath.Join(tmp, "rendered")
	background.Go(func() {
		end := r.timeline.begin("render the head in Go")
		err := p.WriteTemplates(rendered)
		end()
		if err != nil {
			nagged <- nagDone{err: err}
			analyzing <- analysis{err: err}
			linting <- lintResult{err: err}
			return
		}
		// cfn-lint, the longest, first; the part cdk-nag reads is needed
		// only once the CDK is done.
		background.Go(func() { analyzing <- r.analyzeHead(rendered) })
		background.Go(func() {
			end := r.timeline.begin("plan what cdk-nag reads")
			n, err := newNagPlan(p, rendered, r.shapes)
			end()
			nagged <- nagDone{n, err}
		})
		<-baseDone
		linting <- r.lint(rendered, base)
	})
	end := r.timeline.begin("synthesize the head (CDK)")
	headErr := r.deps.Synth.Synthesize(p, dir, false)
	end()
	<-baseDone
	r.base = base
	r.clean = append(r.clean, r.base.cleanup)
	nag := <-nagged
	if headErr != nil {
		return r.fail("synthesis: %v", headErr)
	}
	if nag.err != nil {
		return r.fail("cdk-nag's stacks: %v", nag.err)
	}
	r.linting, r.analyzing, r.baseAnalyzing = linting, analyzing, baseAnalyzing
	if same, err := sameAssembly(dir, rendered); err != nil || !same {
		// The CDK's assembly is not the Go rendering cfn-lint and the
		// analysis started on (a bug of iamstack's): they read the CDK's.
		r.note("the synthesized templates differ from iamstack's rendering: checking them instead")
		r.linting = nil
		<-analyzing
		r.analyzing = nil
	}
	r.nagPlan, r.nagDir = nag.n, filepath.Join(tmp, "nag")
	end = r.timeline.begin("synthesize with cdk-nag (CDK)")
	err = r.deps.Synth.Synthesize(nag.n.plan, r.nagDir, true)
	end()
	if err != nil {
		return r.fail("synthesis with cdk-nag: %v", err)
	}
	return nil
}

// lintResult is what cfn-lint found in a head's templates.
type lintResult struct {
	errs, warnings []string
	// skipped counts the templates identical to the base's.
	skipped int
	err     error
}

// lint runs cfn-lint on the templates of dir but those identical to the
// base's, when it passed the check.
func (r *run) lint(dir string, base baseAssembly) lintResult {
	var skip map[string]bool
	if base.linted {
		var err error
		if skip, err = SameTemplates(dir, base.dir); err != nil {
			return lintResult{err: err}
		}
	}
	end := r.timeline.begin("cfn-lint")
	errs, warnings, err := r.deps.Lint(dir, skip)
	end()
	return lintResult{errs: errs, warnings: warnings, skipped: len(skip), err: err}
}

// sameAssembly tells whether two cloud assemblies are the same to the
// gate: the same stacks (assembly.StackFiles) with the same templates,
// byte for byte.
func sameAssembly(a, b string) (bool, error) {
	sa, err := assembly.StackFiles(a)
	if err != nil {
		return false, err
	}
	sb, err := assembly.StackFiles(b)
	if err != nil || !slices.Equal(sa, sb) {
		return false, err
	}
	fa, _ := filepath.Glob(filepath.Join(a, "*.template.json"))
	fb, _ := filepath.Glob(filepath.Join(b, "*.template.json"))
	if len(fa) != len(fb) {
		return false, nil
	}
	same, err := SameTemplates(a, b)
	return len(same) == len(fa), err
}

// analysis is an assembly's inventory, its access analysis and, the
// head's, what iamstack's rules find in them.
type analysis struct {
	inv        *assembly.Inventory
	rep        access.Report
	violations []Violation
	err        error
}

// analyze reads and analyzes the assembly in dir (what: the head or the
// base), telling the meter of the step that waits for it (one of r's, set
// when the step starts) how far it has come.
func (r *run) analyze(what, dir string, meter *atomic.Pointer[progress.Meter]) analysis {
	defer r.timeline.begin("analyze " + what)()
	inv, err := assembly.Read(dir)
	if err != nil {
		return analysis{err: err}
	}
	return analysis{inv: inv, rep: access.AnalyzeWith(inv, func(done, total int) { meter.Load().Update(done, total) })}
}

// analyzeHead is analyze for the head, with what iamstack's rules find.
func (r *run) analyzeHead(dir string) analysis {
	a := r.analyze("the head", dir, &r.analysisMeter)
	if a.err == nil {
		end := r.timeline.begin("iamstack's rules")
		a.violations = append(Templates(r.opts.Model, a.inv, a.rep), Lint(r.opts.Model)...)
		end()
	}
	return a
}

func (r *run) cfnLint() error {
	var l lintResult
	if r.linting != nil {
		l = <-r.linting
	} else {
		l = r.lint(r.res.Dir, r.base)
	}
	if r.res.LintSkipped = l.skipped; l.skipped > 0 {
		r.note("%d template(s) identical to the base's, linted when it passed: skipped", l.skipped)
	}
	if l.err != nil {
		return r.fail("%v", l.err)
	}
	r.res.LintWarnings = l.warnings
	for _, w := range l.warnings {
		r.note("warning: %s", w)
	}
	if len(l.errs) > 0 {
		return r.fail("cfn-lint found %d error(s):\n  %s", len(l.errs), strings.Join(l.errs, "\n  "))
	}
	return nil
}

func (r *run) nag() error {
	nag, err := Nag(r.nagDir)
	if err != nil {
		return r.fail("%v", err)
	}
	nag = r.nagPlan.expand(nag)
	if len(nag) > 0 {
		return r.fail("%d cdk-nag finding(s) without a suppression; accept one by design with a waiver on its role or CI/CD user in the model (docs/gate.md):\n  %s", len(nag), lines(nag))
	}
	return nil
}

func (r *run) rules() error {
	var a analysis
	r.analysisMeter.Store(r.meter)
	if r.analyzing != nil {
		a = <-r.analyzing
	} else {
		a = r.analyzeHead(r.res.Dir)
	}
	r.analysisMeter.Store(nil)
	if a.err != nil {
		return r.fail("%v", a.err)
	}
	r.inv, r.rep = a.inv, a.rep
	violations := a.violations
	for _, v := range violations {
		switch {
		case v.Waived != "":
			r.note("waived: %s", v)
		case v.Severity == Warning:
			r.note("warning: %s", v)
		default:
			continue
		}
		r.res.Violations = append(r.res.Violations, v)
	}
	if failures := Failures(violations); len(failures) > 0 {
		return r.fail("%d rule violation(s):\n  %s", len(failures), lines(failures))
	}
	return nil
}

// compare fails closed: a base comparison that cannot run fails the check,
// unless NoBase says to skip it, which the result then records.
func (r *run) compare() error {
	if err := r.compareWithBase(); err != nil || r.res.Failed != nil {
		return err
	}
	return r.existing()
}

func (r *run) compareWithBase() error {
	if r.opts.NoBase {
		r.res.BaseSkipped = true
		r.note("SKIPPED (--no-base): not compared with a base, so deleted or replaced users, groups and roles are not detected")
		return nil
	}
	if r.base.failure != "" {
		return r.fail("%s", r.base.failure)
	}
	r.baseMeter.Store(r.meter)
	b := <-r.baseAnalyzing
	r.baseMeter.Store(nil)
	if b.err != nil {
		return fmt.Errorf("base %s: %w", r.base.ref, b.err)
	}
	r.res.Base = r.base.ref
	baseInv, baseRep := b.inv, b.rep
	r.res.Changes = access.Diff(baseRep, r.rep)
	r.note("access diff against %s:", Short(r.base.ref))
	if len(r.res.Changes) == 0 {
		r.note("  no change in access")
	}
	for _, c := range r.res.Changes {
		r.note("  %s", c.Text)
	}
	var unacknowledged []Removal
	for _, rm := range Removals(baseInv, r.inv, r.opts.Model) {
		if rm.Acknowledged != "" {
			r.res.Acknowledged = append(r.res.Acknowledged, rm)
			r.note("%s", rm)
		} else {
			unacknowledged = append(unacknowledged, rm)
		}
	}
	if len(unacknowledged) > 0 {
		return r.fail("the change deletes or replaces identities:\n  %s", lines(unacknowledged))
	}
	if breaks := MigrationBreaks(r.res.Changes, Migrations(baseRep, r.rep)); len(breaks) > 0 {
		return r.fail("the change moves people between IAM users and Identity Center and changes what they reach; a migration keeps every (person, account, role), so change grants in a change of its own:\n  %s", strings.Join(breaks, "\n  "))
	}
	return nil
}

// existing fails the check for every resource the change creates (every
// resource, without a base) that a listing shows to exist already:
// CloudFormation cannot create it, and the deploy would fail.
func (r *run) existing() error {
	if len(r.opts.Listings) == 0 {
		return nil
	}
	found, err := adopt.Collisions(r.res.Dir, r.base.dir, r.opts.Listings)
	if err != nil {
		return r.fail("compare with the listed accounts: %v", err)
	}
	if len(found) > 0 {
		return r.fail("the change creates %d resource(s) that already exist:\n  %s", len(found), lines(found))
	}
	r.res.ListedAccounts = len(r.opts.Listings)
	r.note("nothing the change creates exists in the %d listed account(s)", len(r.opts.Listings))
	return nil
}

func (r *run) golden() error {
	if r.opts.Golden == "" {
		r.note("skipped: no --golden directory")
		return nil
	}
	diffs, err := Golden(r.res.Dir, r.opts.Golden)
	if err != nil {
		return r.fail("%v", err)
	}
	if len(diffs) > 0 {
		return r.fail("the templates differ from %s:\n%s\nIf the change is intended, run `make golden` and commit the new golden files.", r.opts.Golden, strings.Join(diffs, "\n"))
	}
	r.res.GoldenCompared = true
	return nil
}

// Beside reads the files beside a model at a git ref (its lock file), as
// the ref has them.
func Beside(repo Repo, ref, file string) model.Files {
	return func(name string) ([]byte, bool, error) {
		return repo.Show(ref, path.Join(path.Dir(file), name))
	}
}

// baseAssembly is the base's synthesis, which a run makes while it
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

// synthesizeBase synthesizes the model as it is in the base; with NoBase it
// does nothing.
func (r *run) synthesizeBase() baseAssembly {
	none := func(format string, args ...any) baseAssembly {
		return baseAssembly{cleanup: func() {}, failure: fmt.Sprintf(format, args...)}
	}
	if r.opts.NoBase {
		return baseAssembly{cleanup: func() {}}
	}
	skip := "; or pass --no-base to skip the comparison (the output then says so)"
	repo := r.deps.Repo
	if repo == nil {
		return none("the base comparison cannot run outside a git checkout: run the check in the repository%s", skip)
	}
	base := r.opts.Base
	if base == "" {
		var err error
		if base, err = repo.Git("merge-base", "HEAD", "main"); err != nil {
			return none("no --base given and no branch main to take the merge base with: pass --base <ref>%s", skip)
		}
	}
	rel := r.opts.BaseModel
	if rel == "" {
		rel = r.opts.ExampleFile
		if r.opts.ModelPath != "" {
			abs, err := filepath.Abs(r.opts.ModelPath)
			if err != nil {
				return none("%v", err)
			}
			if rel, err = filepath.Rel(repo.Root(), abs); err != nil || strings.HasPrefix(rel, "..") {
				return none("the model %s is outside the repository, so its version in %s is unknown: pass --base-model <its path in %s>%s", r.opts.ModelPath, Short(base), Short(base), skip)
			}
		}
	}
	data, found, err := repo.Show(base, rel)
	if err != nil {
		return none("synthesize the base %s: %v", base, err)
	}
	if !found {
		return none("%s has no %s: if the model moved, pass --base-model <its path in %s>; if it is new, pass --no-base", Short(base), rel, Short(base))
	}
	// The base is the model as it was, planned and rendered by this
	// program: what the change does to the model, whatever program made
	// the base's templates.
	m, err := model.ParseFiles(Short(base)+":"+rel, data, Beside(repo, base, rel))
	if err != nil {
		return none("the model in the base %s does not load with this iamstack: %v%s", Short(base), err, skip)
	}
	p, err := plan.New(m)
	if err != nil {
		return none("the model in the base %s does not fit AWS quotas: %v%s", Short(base), err, skip)
	}
	tmp, err := os.MkdirTemp("", "iamstack-base-")
	if err != nil {
		return none("%v", err)
	}
	cleanup := func() { os.RemoveAll(tmp) }
	dir := filepath.Join(tmp, "templates")
	if err := p.WriteTemplates(dir); err != nil {
		cleanup()
		return none("render the base %s: %v", base, err)
	}
	return baseAssembly{ref: base, dir: dir, cleanup: cleanup, linted: linted(repo, base, rel)}
}

// linted tells whether the base passed the check with these very
// templates, so that templates identical to its own need no lint again:
// it is an earlier commit, and nothing but the model changed since.
func linted(repo Repo, base, rel string) bool {
	baseCommit, err1 := repo.Git("rev-parse", base+"^{commit}")
	head, err2 := repo.Git("rev-parse", "HEAD^{commit}")
	if err1 != nil || err2 != nil || baseCommit == head {
		return false
	}
	changed, err := repo.Git("diff", "--name-only", baseCommit, head)
	if err != nil {
		return false
	}
	for _, f := range strings.Fields(changed) {
		if f != rel {
			return false
		}
	}
	return true
}

// Short abbreviates a commit ID as git does; other refs stay as they are.
func Short(ref string) string {
	if len(ref) == 40 {
		return ref[:12]
	}
	return ref
}

// lines renders problems one per indented line.
func lines[T fmt.Stringer](list []T) string {
	s := make([]string, len(list))
	for i, v := range list {
		s[i] = v.String()
	}
	return strings.Join(s, "\n  ")
}
