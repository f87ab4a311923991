package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/iamstack/iamstack"
	"github.com/iamstack/iamstack/internal/analyze/access"
	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/catalog"
	"github.com/iamstack/iamstack/internal/plan"
	"github.com/iamstack/iamstack/internal/ship/deploy"
	"github.com/iamstack/iamstack/internal/ship/release"
	"github.com/iamstack/iamstack/model"
)

// artifactDir is where a release's artifact lives in a checkout.
func artifactDir(root string, v release.Version) string {
	return filepath.Join(root, ".iamstack", "releases", v.String())
}

func repoRoot() (release.Repo, error) {
	root, err := release.Repo{}.Git("rev-parse", "--show-toplevel")
	if err != nil {
		return release.Repo{}, fmt.Errorf("not in a git checkout: releases are git tags")
	}
	return release.Repo{Dir: root}, nil
}

func newReleaseCmd(g *globalFlags) *cobra.Command {
	var bump, version, golden string
	cmd := &cobra.Command{
		Use:   "release",
		Short: "Cut a release: check, synthesize, tag vX.Y.Z with the artifact's checksums",
		Long: `Release refuses a dirty working tree, an existing version and a failing check.
It synthesizes the model into .iamstack/releases/<version>/ (the cloud assembly,
manifest.json with the SHA-256 of every template, access.json with the access
matrix, RELEASE_NOTES.md with the access diff against the previous release) and
creates the annotated tag <version>, whose message records the manifest: the
artifact can be rebuilt from the tag on any machine and verified.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRelease(cmd.OutOrStdout(), g.model, bump, version, golden)
		},
	}
	cmd.Flags().StringVar(&bump, "bump", "patch", "part of the latest version to bump: patch, minor or major")
	cmd.Flags().StringVar(&version, "version", "", "the version to release, such as v1.2.0 (instead of --bump)")
	cmd.Flags().StringVar(&golden, "golden", "", "golden templates for the check (as make check)")
	return cmd
}

func runRelease(out io.Writer, modelPath, bump, version, golden string) error {
	repo, err := repoRoot()
	if err != nil {
		return err
	}
	if dirty, err := repo.Dirty(); err != nil || dirty {
		return fmt.Errorf("the working tree has uncommitted changes: commit or stash them, a release must be a commit")
	}
	versions, err := repo.Versions()
	if err != nil {
		return err
	}
	var v release.Version
	switch {
	case version != "":
		if v, err = release.ParseVersion(version); err != nil {
			return err
		}
	case len(versions) == 0:
		v = release.Version{Minor: 1}
	default:
		if v, err = versions[len(versions)-1].Bump(bump); err != nil {
			return err
		}
	}
	if slices.Contains(versions, v) {
		return fmt.Errorf("release %s exists already; releases are immutable: choose another version", v)
	}
	rel, err := modelRelPath(repo.Dir, modelPath)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "releasing %s of %s\n", v, rel)
	if err := runCheck(out, modelPath, &checkFlags{golden: golden}); err != nil {
		return fmt.Errorf("release refused: %w", err)
	}
	dir := artifactDir(repo.Dir, v)
	os.RemoveAll(dir)
	asm := filepath.Join(dir, "assembly")
	if err := synthesizeChild(asm, modelPath, false); err != nil {
		return err
	}
	inv, err := assembly.Read(asm)
	if err != nil {
		return err
	}
	rep := access.Analyze(inv)
	commit, err := repo.Git("rev-parse", "HEAD")
	if err != nil {
		return err
	}
	hashes, err := release.Hashes(asm)
	if err != nil {
		return err
	}
	m := release.Manifest{Version: v.String(), Commit: commit, Model: rel, Templates: hashes, Catalog: catalog.Get().Versions()}
	notes := fmt.Sprintf("iamstack release %s\n\n", v)
	if prev := previous(versions, v); prev != nil {
		prevDir, err := ensureArtifact(out, repo, *prev)
		if err != nil {
			return fmt.Errorf("the previous release %s: %w", prev, err)
		}
		prevInv, err := assembly.Read(prevDir)
		if err != nil {
			return err
		}
		notes += fmt.Sprintf("Access changes since %s:\n", prev)
		changes := access.Diff(access.Analyze(prevInv), rep)
		if len(changes) == 0 {
			notes += "  no change in access\n"
		}
		for _, c := range changes {
			notes += "  " + c.Text + "\n"
		}
	} else {
		notes += "First release.\n"
	}
	if err := writeJSONFile(filepath.Join(dir, "manifest.json"), m); err != nil {
		return err
	}
	if err := writeJSONFile(filepath.Join(dir, "access.json"), nonNilEntries(rep.Entries)); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "RELEASE_NOTES.md"), []byte(notes), 0o644); err != nil {
		return err
	}
	if _, err := repo.Git("tag", "--annotate", v.String(), "--message", release.TagMessage(notes, m), commit); err != nil {
		return err
	}
	if repo.HasRemote() {
		if _, err := repo.Git("push", "origin", "refs/tags/"+v.String()); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "%s\nreleased %s: tag %s, artifact %s\n", notes, v, v, dir)
	return nil
}

func previous(versions []release.Version, v release.Version) *release.Version {
	var prev *release.Version
	for i := range versions {
		if versions[i].Less(v) {
			prev = &versions[i]
		}
	}
	return prev
}

func modelRelPath(root, modelPath string) (string, error) {
	if modelPath == "" {
		return iamstack.ExampleFile, nil
	}
	abs, err := filepath.Abs(modelPath)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil || strings.HasPrefix(rel, "..") {
		return "", fmt.Errorf("the model %s is outside the repository: a release must be rebuildable from its tag", modelPath)
	}
	return rel, nil
}

func writeJSONFile(path string, v any) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := writeJSON(f, v); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ensureArtifact returns the verified cloud assembly of a release: the one
// in the checkout, or, when there is none, one rebuilt from the tag.
func ensureArtifact(out io.Writer, repo release.Repo, v release.Version) (string, error) {
	m, err := repo.Manifest(v)
	if err != nil {
		return "", err
	}
	asm := filepath.Join(artifactDir(repo.Dir, v), "assembly")
	if _, err := os.Stat(asm); err == nil {
		if err := release.Verify(asm, m); err != nil {
			return "", fmt.Errorf("refusing a tampered artifact: %w\n(delete %s to rebuild it from the tag)", err, artifactDir(repo.Dir, v))
		}
		return asm, nil
	}
	fmt.Fprintf(out, "no artifact for %s in this checkout: rebuilding it from the tag\n", v)
	built, cleanup, err := repo.SynthesizeAt(v.String(), m.Model)
	if err != nil {
		return "", fmt.Errorf("rebuild %s: %w", v, err)
	}
	defer cleanup()
	if built == "" {
		return "", fmt.Errorf("rebuild %s: the tag has no %s", v, m.Model)
	}
	if err := release.Verify(built, m); err != nil {
		return "", fmt.Errorf("the rebuilt artifact differs from the release (is synthesis still deterministic?): %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(asm), 0o755); err != nil {
		return "", err
	}
	if err := os.CopyFS(asm, os.DirFS(built)); err != nil {
		return "", err
	}
	return asm, nil
}

type promoteFlags struct {
	deploy, rollback, plan bool
}

func newPromoteCmd() *cobra.Command {
	f := &promoteFlags{}
	cmd := &cobra.Command{
		Use:   "promote ENV VERSION",
		Short: "Point env/<ENV> at a release, record it, and deploy it when asked",
		Long: `Promote refuses an unknown environment or version, an artifact that does not
match the release's checksums, and moving an environment to an older release
without --rollback. It points the branch env/<ENV> at the release's commit, adds
the audit tag env/<ENV>/<UTC date>-<time>-<VERSION>, and pushes both when a
remote named origin exists. Promoting the release an environment already runs
changes nothing. With --deploy, and only then, it deploys the release's stacks
for the environment's accounts with the cdk CLI, member accounts first, then
the user-only account; see the README for credentials.
--plan only prints what the promotion would change.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPromote(cmd.OutOrStdout(), args[0], args[1], f)
		},
	}
	cmd.Flags().BoolVar(&f.deploy, "deploy", false, "deploy the release's stacks after promoting")
	cmd.Flags().BoolVar(&f.rollback, "rollback", false, "allow moving the environment to an older release")
	cmd.Flags().BoolVar(&f.plan, "plan", false, "print the access diff (and cdk diff with credentials) and change nothing")
	return cmd
}

func runPromote(out io.Writer, env, version string, f *promoteFlags) error {
	repo, err := repoRoot()
	if err != nil {
		return err
	}
	v, err := release.ParseVersion(version)
	if err != nil {
		return err
	}
	m, err := repo.Manifest(v)
	if err != nil {
		versions, _ := repo.Versions()
		return fmt.Errorf("%v; releases: %v", err, versions)
	}
	md, err := modelAt(repo, v, m.Model)
	if err != nil {
		return err
	}
	if !slices.Contains(md.EnvironmentNames(), env) {
		return fmt.Errorf("release %s knows no environment %q; environments: %s", v, env, strings.Join(md.EnvironmentNames(), ", "))
	}
	asm, err := ensureArtifact(out, repo, v)
	if err != nil {
		return err
	}
	p, stacks, err := releaseStacks(md, env)
	if err != nil {
		return err
	}
	if f.plan {
		current, has, err := repo.Current(env)
		if err != nil {
			return err
		}
		if err := planPromotion(out, repo, env, v, current, has, asm); err != nil {
			return err
		}
		var base []deploy.OUPlan
		if has {
			if base, err = stackSetPlansAt(repo, current, env); err != nil {
				// The access diff above compared the two; only the
				// per-OU summary lacks its "was".
				fmt.Fprintf(out, "StackSets not compared with %s: %v\n", current, err)
			}
		}
		deploy.PrintStackSetPlans(out, deploy.StackSetPlans(p, stacks), base)
		ambient := os.Getenv("AWS_ACCESS_KEY_ID") != "" || os.Getenv("AWS_PROFILE") != ""
		return deployer(repo, md, asm).Diffs(out, stacks, ambient)
	}
	what, err := repo.Promote(env, v, m, time.Now(), f.rollback)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, what)
	if !f.deploy {
		fmt.Fprintf(out, "not deployed: pass --deploy (DEPLOY=1) to deploy %s to %s\n", v, env)
		return nil
	}
	record, err := deployer(repo, md, asm).Run(out, env, v.String(), stacks)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "deployed %s to %s; record: %s\n", v, env, record)
	return nil
}

// modelAt loads the model as it was at a release.
func modelAt(repo release.Repo, v release.Version, path string) (*model.Model, error) {
	data, err := repo.Git("show", v.String()+":"+path)
	if err != nil {
		return nil, fmt.Errorf("release %s has no %s: %w", v, path, err)
	}
	return model.Parse(v.String()+":"+path, []byte(data))
}

func planPromotion(out io.Writer, repo release.Repo, env string, v, current release.Version, has bool, asm string) error {
	inv, err := assembly.Read(asm)
	if err != nil {
		return err
	}
	head := access.Analyze(inv)
	base := access.Report{}
	if has {
		curAsm, err := ensureArtifact(out, repo, current)
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

// deployer is the deploy of a release's assembly with the cdk CLI: credentials
// per account from IAMSTACK_PROFILE_<ACCOUNT>, extra cdk arguments from
// IAMSTACK_CDK_DEPLOY_ARGS and IAMSTACK_CDK_DIFF_ARGS, the CLI from
// IAMSTACK_CDK or the checkout's pinned one (README, "Deploying").
func deployer(repo release.Repo, md *model.Model, asm string) deploy.Deployer {
	return deploy.Deployer{
		CDK: deploy.CLI{Path: cdkCLI(repo), Dir: repo.Dir, Assembly: asm,
			DeployArgs: strings.Fields(os.Getenv("IAMSTACK_CDK_DEPLOY_ARGS")), DiffArgs: strings.Fields(os.Getenv("IAMSTACK_CDK_DIFF_ARGS"))},
		Store:     func(profile string) release.ObjectStore { return release.AWSCLI{Profile: profile, Region: md.Region} },
		Profile:   func(account string) string { return os.Getenv("IAMSTACK_PROFILE_" + envVar(account)) },
		Assembly:  asm,
		Region:    md.Region,
		RecordDir: filepath.Join(repo.Dir, ".iamstack", "deploys"),
		Now:       time.Now,
		CredentialsHint: func(account string) string {
			return "set IAMSTACK_PROFILE_" + envVar(account)
		},
		StackSets: deploy.StackSetCLI{Region: md.Region},
	}
}

// releaseStacks plans the release's model and lists the stacks of an
// environment, in deploy order.
func releaseStacks(md *model.Model, env string) (*plan.Plan, []deploy.Step, error) {
	p, err := plan.New(md)
	if err != nil {
		return nil, nil, err
	}
	return p, deploy.Order(p, md, env), nil
}

// stackSetPlansAt is what each OU of an environment gets from release v,
// which the environment runs: the base of a promotion's plan.
func stackSetPlansAt(repo release.Repo, v release.Version, env string) ([]deploy.OUPlan, error) {
	m, err := repo.Manifest(v)
	if err != nil {
		return nil, err
	}
	md, err := modelAt(repo, v, m.Model)
	if err != nil {
		return nil, fmt.Errorf("the release %s runs: %w", env, err)
	}
	p, stacks, err := releaseStacks(md, env)
	if err != nil {
		return nil, fmt.Errorf("the release %s runs: %w", env, err)
	}
	return deploy.StackSetPlans(p, stacks), nil
}

// cdkCLI is the cdk CLI to run: $IAMSTACK_CDK, else the checkout's pinned
// one, else whatever is on PATH.
func cdkCLI(repo release.Repo) string {
	if cdk := os.Getenv("IAMSTACK_CDK"); cdk != "" {
		return cdk
	}
	cdk := filepath.Join(repo.Dir, "node_modules", ".bin", "cdk")
	if _, err := os.Stat(cdk); err == nil {
		return cdk
	}
	return "cdk"
}

func envVar(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' {
			return r - 'a' + 'A'
		}
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, s)
}

func newHistoryCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "history",
		Short: "What each environment ran, and when, from the audit tags",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			repo, err := repoRoot()
			if err != nil {
				return err
			}
			ps, err := repo.History()
			if err != nil {
				return err
			}
			if len(ps) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "no promotion yet")
				return nil
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ENVIRONMENT\tSINCE (UTC)\tRELEASE\tCOMMIT")
			for _, p := range ps {
				fmt.Fprintf(w, "%s\t%s\t%s\t%.12s\n", p.Env, p.At.Format("2006-01-02 15:04:05"), p.Version, p.Commit)
			}
			return w.Flush()
		},
	}
}
