package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/iamstack/iamstack"
	"github.com/iamstack/iamstack/internal/analyze/access"
	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/ship/release"
	"github.com/iamstack/iamstack/model"
)

// artifactDir is where a release's artifact lives in a checkout.
func artifactDir(root string, v release.Version) string {
	return filepath.Join(root, ".iamstack", "releases", v.String())
}

func repoRoot() (release.Repo, error) {
	root, err := gitOutput("", "rev-parse", "--show-toplevel")
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
	m := release.Manifest{Version: v.String(), Commit: commit, Model: rel, Templates: hashes}
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
	built, cleanup, err := synthesizeRef(repo.Dir, v.String(), m.Model)
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
changes nothing. With --deploy (or in CI on the env/<ENV> branch) it deploys the
release's stacks for the environment's accounts with the cdk CLI, member
accounts first, then the user-only account; see the README for credentials.
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
	current, has, err := repo.Current(env)
	if err != nil {
		return err
	}
	if has && v.Less(current) && !f.rollback {
		return fmt.Errorf("%s runs %s; promoting %s would move it backwards: pass --rollback (ROLLBACK=1) if that is intended", env, current, v)
	}
	if f.plan {
		if err := planPromotion(out, repo, env, v, current, has, asm); err != nil {
			return err
		}
		return cdkDiffs(out, repo, md, env, asm)
	}
	if has && current == v {
		fmt.Fprintf(out, "%s already runs %s: nothing to change\n", env, v)
	} else {
		tag := release.AuditTag(env, time.Now(), v)
		if _, err := repo.Git("branch", "--force", release.EnvBranch(env), m.Commit); err != nil {
			return err
		}
		from := "nothing"
		if has {
			from = current.String()
		}
		if _, err := repo.Git("tag", "--annotate", tag, "--message", fmt.Sprintf("promote %s to %s (was %s)", v, env, from), m.Commit); err != nil {
			return err
		}
		if repo.HasRemote() {
			if _, err := repo.Git("push", "origin", "+refs/heads/"+release.EnvBranch(env)+":refs/heads/"+release.EnvBranch(env), "refs/tags/"+tag, "refs/tags/"+v.String()); err != nil {
				return err
			}
		}
		fmt.Fprintf(out, "promoted %s to %s (was %s): branch %s, audit tag %s\n", v, env, from, release.EnvBranch(env), tag)
	}
	onEnvBranch := os.Getenv("CI") != "" && os.Getenv("GITHUB_REF_NAME") == release.EnvBranch(env)
	if f.deploy || onEnvBranch {
		return deploy(out, repo, md, env, v, asm)
	}
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

// cdkDiffs prints `cdk diff` of every stack of the environment against what
// its account runs, for the accounts there are credentials for.
func cdkDiffs(out io.Writer, repo release.Repo, md *model.Model, env, asm string) error {
	order, err := deployOrder(md, env, asm)
	if err != nil {
		return err
	}
	ambient := os.Getenv("AWS_ACCESS_KEY_ID") != "" || os.Getenv("AWS_PROFILE") != ""
	for _, s := range order {
		args := []string{"diff", "--app", asm, s.id, "--exclusively"}
		if p := os.Getenv("IAMSTACK_PROFILE_" + envVar(s.account)); p != "" {
			args = append(args, "--profile", p)
		} else if !ambient {
			fmt.Fprintf(out, "cdk diff %s: skipped, no credentials for account %s (set IAMSTACK_PROFILE_%s)\n", s.id, s.account, envVar(s.account))
			continue
		}
		args = append(args, strings.Fields(os.Getenv("IAMSTACK_CDK_DIFF_ARGS"))...)
		c := exec.Command(cdkCLI(repo), args...)
		c.Dir = repo.Dir
		b, err := c.CombinedOutput()
		fmt.Fprintf(out, "cdk diff %s (account %s):\n%s\n", s.id, s.account, indentLines(lastLines(string(b), 60)))
		if err != nil {
			return fmt.Errorf("cdk diff %s: %w", s.id, err)
		}
	}
	return nil
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

func indentLines(s string) string { return "    " + strings.ReplaceAll(s, "\n", "\n    ") }

// stackRecord is one line of a deployment record.
type stackRecord struct {
	Stack   string `json:"stack"`
	Account string `json:"account"`
	Status  string `json:"status"` // deployed, unchanged, failed, not-deployed
	Detail  string `json:"detail,omitempty"`
}

func deploy(out io.Writer, repo release.Repo, md *model.Model, env string, v release.Version, asm string) error {
	order, err := deployOrder(md, env, asm)
	if err != nil {
		return err
	}
	cdk := cdkCLI(repo)
	records := make([]stackRecord, len(order))
	for i, s := range order {
		records[i] = stackRecord{Stack: s.id, Account: s.account, Status: "not-deployed"}
	}
	recordFile := filepath.Join(repo.Dir, ".iamstack", "deploys", fmt.Sprintf("%s-%s-%s.json", env, time.Now().UTC().Format("20060102-150405"), v))
	save := func() { os.MkdirAll(filepath.Dir(recordFile), 0o755); writeJSONFile(recordFile, records) }
	for i, s := range order {
		profile := os.Getenv("IAMSTACK_PROFILE_" + envVar(s.account))
		store := release.AWSCLI{Profile: profile, Region: md.Region}
		acct, _ := md.Account(s.account)
		// What CloudFormation will read must be the release's bytes (see release.VerifyStaged).
		staged, err := release.StagedFiles(asm, s.id, acct.ID, md.Region)
		if err == nil {
			err = release.VerifyStaged(store, staged)
		}
		if err != nil {
			records[i].Status, records[i].Detail = "refused", err.Error()
			save()
			return fmt.Errorf("deploying %s refused before anything changed: %w\nDeployed before it: %s. Not deployed: %s. Record: %s",
				s.id, err, statusList(records, "deployed", "unchanged"), statusList(records, "not-deployed", "refused"), recordFile)
		}
		args := []string{"deploy", "--app", asm, s.id, "--exclusively", "--require-approval", "never"}
		if profile != "" {
			args = append(args, "--profile", profile)
		}
		args = append(args, strings.Fields(os.Getenv("IAMSTACK_CDK_DEPLOY_ARGS"))...)
		fmt.Fprintf(out, "deploying %s (account %s)...\n", s.id, s.account)
		c := exec.Command(cdk, args...)
		c.Dir = repo.Dir
		b, err := c.CombinedOutput()
		text := string(b)
		switch {
		case err != nil:
			records[i].Status, records[i].Detail = "failed", lastLines(text, 15)
			save()
			return fmt.Errorf("deploying %s failed; stopped. Deployed before it: %s. Not deployed: %s.\nRecord: %s\n%s",
				s.id, statusList(records, "deployed", "unchanged"), statusList(records, "not-deployed", "failed"), recordFile, lastLines(text, 15))
		case strings.Contains(text, "(no changes)"):
			records[i].Status = "unchanged"
		default:
			records[i].Status = "deployed"
		}
		if err := release.VerifyDeployed(store, s.name, filepath.Join(asm, s.id+".template.json")); err != nil {
			records[i].Status, records[i].Detail = "tampered", err.Error()
			save()
			return fmt.Errorf("after deploying %s: %w; stopped. Record: %s", s.id, err, recordFile)
		}
		fmt.Fprintf(out, "  %s: %s\n", s.id, records[i].Status)
	}
	save()
	fmt.Fprintf(out, "deployed %s to %s; record: %s\n", v, env, recordFile)
	return nil
}

type deployStack struct{ id, account, name string }

// deployOrder lists the release's stacks in the environment's accounts:
// member accounts first, so roles exist before grants reach people, then the
// user-only account's main stack, then its extra user stacks.
func deployOrder(md *model.Model, env, asm string) ([]deployStack, error) {
	var out []deployStack
	userOnly := md.UserOnlyAccount().Name
	inEnv := md.EnvironmentAccounts(env)
	var members []string
	for _, a := range inEnv {
		if a != userOnly {
			members = append(members, a)
		}
	}
	ids, err := release.StackNames(asm)
	if err != nil {
		return nil, err
	}
	for _, a := range members {
		id := md.Scheme().StackID(a)
		if _, ok := ids[id]; !ok {
			return nil, fmt.Errorf("the release has no stack %s for account %s", id, a)
		}
		out = append(out, deployStack{id, a, ids[id]})
	}
	if slices.Contains(inEnv, userOnly) {
		main := md.Scheme().StackID(userOnly)
		out = append(out, deployStack{main, userOnly, ids[main]})
		var shards []string
		for id := range ids {
			if strings.HasPrefix(id, main+"-users-") {
				shards = append(shards, id)
			}
		}
		slices.Sort(shards)
		for _, id := range shards {
			out = append(out, deployStack{id, userOnly, ids[id]})
		}
	}
	return out, nil
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

func statusList(rs []stackRecord, statuses ...string) string {
	var out []string
	for _, r := range rs {
		if slices.Contains(statuses, r.Status) {
			out = append(out, r.Stack)
		}
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
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
