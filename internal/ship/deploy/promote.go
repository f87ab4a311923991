package deploy

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/iamstack/iamstack/internal/analyze/access"
	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/check"
	"github.com/iamstack/iamstack/internal/plan"
	"github.com/iamstack/iamstack/internal/ship/release"
	"github.com/iamstack/iamstack/model"
)

// PromoteOptions say which release goes to which environment.
type PromoteOptions struct {
	Env     string
	Version string
	// Deploy deploys the release's stacks after promoting; without it the
	// promotion only moves the environment's branch.
	Deploy bool
	// Rollback allows moving the environment to an older release.
	Rollback bool
	// Now is the promotion's time, for its audit tag.
	Now time.Time
}

// PromoteDeps are what a promotion calls out to.
type PromoteDeps struct {
	Repo release.Repo
	// Deployer deploys the assembly asm of the release's model md.
	Deployer func(md *model.Model, asm string) Deployer
	// Synth rebuilds a release's artifact that the checkout lacks.
	Synth check.Synthesizer
	// Progress receives what the promotion does as it goes.
	Progress io.Writer
}

func (d PromoteDeps) out() io.Writer {
	if d.Progress == nil {
		return io.Discard
	}
	return d.Progress
}

// A release to promote: its model, its verified artifact and the stacks of
// the environment, in deploy order.
type promotion struct {
	v      release.Version
	m      release.Manifest
	md     *model.Model
	asm    string
	plan   *plan.Plan
	stacks []Step
}

// open refuses an unknown version or environment and an artifact that does
// not match the release's checksums.
func open(opts PromoteOptions, deps PromoteDeps) (promotion, error) {
	repo := deps.Repo
	v, err := release.ParseVersion(opts.Version)
	if err != nil {
		return promotion{}, err
	}
	m, err := repo.Manifest(v)
	if err != nil {
		versions, _ := repo.Versions()
		return promotion{}, fmt.Errorf("%v; releases: %v", err, versions)
	}
	md, err := repo.ModelAt(v, m.Model)
	if err != nil {
		return promotion{}, err
	}
	if !slices.Contains(md.EnvironmentNames(), opts.Env) {
		return promotion{}, fmt.Errorf("release %s knows no environment %q; environments: %s", v, opts.Env, strings.Join(md.EnvironmentNames(), ", "))
	}
	asm, err := repo.Artifact(deps.out(), v, deps.Synth)
	if err != nil {
		return promotion{}, err
	}
	p, stacks, err := releaseStacks(md, opts.Env)
	if err != nil {
		return promotion{}, err
	}
	return promotion{v, m, md, asm, p, stacks}, nil
}

// Promote points env/<env> at the release, records it with an audit tag
// and, with Deploy, deploys the release's stacks for the environment's
// accounts. It returns what it did, in a line each.
func Promote(opts PromoteOptions, deps PromoteDeps) ([]string, error) {
	pr, err := open(opts, deps)
	if err != nil {
		return nil, err
	}
	if !opts.Rollback {
		if err := NoStepBack(deps.Repo, pr.md, opts.Env, pr.v); err != nil {
			return nil, err
		}
	}
	what, err := deps.Repo.Promote(opts.Env, pr.v, pr.m, opts.Now, opts.Rollback)
	if err != nil {
		return nil, err
	}
	if !opts.Deploy {
		return []string{what, fmt.Sprintf("not deployed: pass --deploy (DEPLOY=1) to deploy %s to %s", pr.v, opts.Env)}, nil
	}
	fmt.Fprintln(deps.out(), what)
	record, err := deps.Deployer(pr.md, pr.asm).Run(deps.out(), opts.Env, pr.v.String(), pr.stacks)
	if err != nil {
		return nil, err
	}
	return []string{fmt.Sprintf("deployed %s to %s; record: %s", pr.v, opts.Env, record)}, nil
}

// Preview writes what promoting the release would change, and changes
// nothing: the access diff against the release the environment runs, what
// each OU's StackSet instances would get, and, with credentials (ambient:
// in the environment), cdk diff of every stack.
func Preview(opts PromoteOptions, deps PromoteDeps, ambient bool) error {
	pr, err := open(opts, deps)
	if err != nil {
		return err
	}
	out, repo := deps.out(), deps.Repo
	if !opts.Rollback {
		if err := NoStepBack(repo, pr.md, opts.Env, pr.v); err != nil {
			fmt.Fprintf(out, "the promotion would be refused: %v\n", err)
		}
	}
	current, has, err := repo.Current(opts.Env)
	if err != nil {
		return err
	}
	if err := accessChanges(out, repo, deps.Synth, opts.Env, pr.v, current, has, pr.asm); err != nil {
		return err
	}
	var base []OUPlan
	if has {
		if base, err = stackSetPlansAt(repo, current, opts.Env); err != nil {
			// The access diff above compared the two; only the per-OU
			// summary lacks its "was".
			fmt.Fprintf(out, "StackSets not compared with %s: %v\n", current, err)
		}
	}
	PrintStackSetPlans(out, StackSetPlans(pr.plan, pr.stacks), base)
	return deps.Deployer(pr.md, pr.asm).Diffs(out, pr.stacks, ambient)
}

func accessChanges(out io.Writer, repo release.Repo, synth check.Synthesizer, env string, v, current release.Version, has bool, asm string) error {
	inv, err := assembly.Read(asm)
	if err != nil {
		return err
	}
	head := access.Analyze(inv)
	base := access.Report{}
	if has {
		curAsm, err := repo.Artifact(out, current, synth)
		if err != nil {
			return err
		}
		curInv, err := assembly.Read(curAsm)
		if err != nil {
			return err
		}
		base = access.Analyze(curInv)
		fmt.Fprintf(out, "plan: %s runs %s; promoting %s changes access:\n", env, current, v)
	} else {
		fmt.Fprintf(out, "plan: %s has never been promoted; %s grants:\n", env, v)
	}
	changes := access.Diff(base, head)
	if len(changes) == 0 {
		fmt.Fprintln(out, "  no change in access")
	}
	for _, c := range changes {
		fmt.Fprintln(out, "  "+c.Text)
	}
	return nil
}

// releaseStacks plans the release's model and lists the stacks of an
// environment, in deploy order.
func releaseStacks(md *model.Model, env string) (*plan.Plan, []Step, error) {
	p, err := plan.New(md)
	if err != nil {
		return nil, nil, err
	}
	return p, Order(p, md, env), nil
}

// stackSetPlansAt is what each OU of an environment gets from release v,
// which the environment runs: the base of a promotion's preview.
func stackSetPlansAt(repo release.Repo, v release.Version, env string) ([]OUPlan, error) {
	m, err := repo.Manifest(v)
	if err != nil {
		return nil, err
	}
	md, err := repo.ModelAt(v, m.Model)
	if err != nil {
		return nil, fmt.Errorf("the release %s runs: %w", env, err)
	}
	p, stacks, err := releaseStacks(md, env)
	if err != nil {
		return nil, fmt.Errorf("the release %s runs: %w", env, err)
	}
	return StackSetPlans(p, stacks), nil
}

// NoStepBack refuses a promotion that would move an account back to an
// older release than another environment put there: environments may
// overlap (prod: [all] holds dev's accounts), and each account runs what
// the last deploy to it gave it, whichever environment that was.
func NoStepBack(repo release.Repo, md *model.Model, env string, v release.Version) error {
	mine := md.EnvironmentAccounts(env)
	var back []string
	for _, other := range md.EnvironmentNames() {
		if other == env {
			continue
		}
		runs, has, err := repo.Current(other)
		if err != nil {
			return err
		}
		if !has || !v.Less(runs) {
			continue
		}
		for _, a := range md.EnvironmentAccounts(other) {
			if slices.Contains(mine, a) {
				back = append(back, fmt.Sprintf("%s runs %s (environment %s)", a, runs, other))
			}
		}
	}
	if len(back) == 0 {
		return nil
	}
	slices.Sort(back)
	return fmt.Errorf("promoting %s to %s would move accounts back to an older release: %s; promote a newer release, or pass --rollback (ROLLBACK=1) if that is intended",
		v, env, strings.Join(slices.Compact(back), ", "))
}
