//go:build integration

package test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// A team installs the binary, runs iamstack init, and keeps only its model
// in its repository: validate, synth, check, release, plan, promote and
// history work there with no Go toolchain on PATH; a second release's notes
// carry the access diff, and its check compares with the first release.
func TestModelOnlyRepository(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and releases twice; skipped with -short")
	}
	t.Parallel() // its own repositories and servers
	bin := t.TempDir()
	if err := os.Symlink(iamstackBinary(t), filepath.Join(bin, "iamstack")); err != nil {
		t.Fatal(err)
	}

	// PATH: the binary and what it runs (git, node, make, cfn-lint), no go.
	path := []string{bin}
	for _, tool := range []string{"git", "node", "make", "cfn-lint"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			t.Fatalf("%s is not on PATH", tool)
		}
		path = append(path, filepath.Dir(p))
	}
	goBin, _ := exec.LookPath("go")
	env := []string{"PATH=" + strings.Join(path, string(os.PathListSeparator)), "HOME=" + t.TempDir(),
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com"}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PYENV") || strings.HasPrefix(kv, "TMPDIR=") {
			env = append(env, kv)
		}
	}
	dir := filepath.Join(t.TempDir(), "identity")
	remote := filepath.Join(t.TempDir(), "remote.git")
	sh := func(want bool, name string, args ...string) string {
		t.Helper()
		if name == "iamstack" {
			name = filepath.Join(bin, name) // exec looks a name up in the test's own PATH
		}
		cmd := exec.Command(name, args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if (err == nil) != want {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
		return string(out)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if goBin != "" && strings.HasPrefix(sh(false, "sh", "-c", "command -v go"), "/") {
		t.Fatal("go is on the test's PATH")
	}

	// A development build pins nothing by itself: it is told the release.
	if out := sh(false, "iamstack", "init", "--github", "acme/identity"); !strings.Contains(out, "pass --pin") {
		t.Errorf("init by a development build:\n%s", out)
	}
	sh(true, "iamstack", "init", "--github", "acme/identity", "--pin", "v1.2.3")
	run(t, "", "git", "init", "--quiet", "--bare", remote)
	sh(true, "git", "init", "--quiet", "-b", "main")
	sh(true, "git", "remote", "add", "origin", remote)
	sh(true, "git", "add", "-A")
	sh(true, "git", "commit", "--quiet", "-m", "iamstack init")
	sh(true, "git", "push", "--quiet", "origin", "main")

	if out := sh(true, "iamstack", "validate"); !strings.Contains(out, "first.person") {
		t.Errorf("validate:\n%s", out)
	}
	sh(true, "make", "-s", "synth")
	if _, err := os.Stat(filepath.Join(dir, "cdk.out", "infra-identity.template.json")); err != nil {
		t.Errorf("make synth wrote no template: %v", err)
	}
	if out := sh(true, "make", "-s", "check"); !strings.Contains(out, "check passed") {
		t.Errorf("make check:\n%s", out)
	}
	// The deploy role reaches the CDK bootstrap's deploy and file-publishing
	// roles, through which deploying is full power by design (waived), and
	// nothing else: every finding of the check is one of those.
	var result struct {
		Passed     bool
		Violations []struct{ Rule, Resource, Message, Waived string }
	}
	check := exec.Command(filepath.Join(bin, "iamstack"), "check", "--no-base", "--format", "json")
	check.Dir, check.Env = dir, env
	stdout, err := check.Output() // the steps go to stderr
	if err == nil {
		err = json.Unmarshal(stdout, &result)
	}
	if err != nil || !result.Passed {
		t.Fatalf("check --format json: %v %+v\n%s", err, result, stdout)
	}
	bootstrap := regexp.MustCompile(` on cdk-hnb659fds-(deploy|file-publishing)-role-111111111111-eu-west-1[ (]`)
	deployFindings := 0
	for _, v := range result.Violations {
		if v.Resource == "DeployR in identity" && v.Rule == "IAMSTACK-ESCALATION" && v.Waived != "" && bootstrap.MatchString(v.Message) {
			deployFindings++
			continue
		}
		t.Errorf("a finding beyond the deploy role's path to the CDK bootstrap roles: %+v", v)
	}
	if deployFindings == 0 {
		t.Error("the deploy role's path to the CDK bootstrap roles is not found")
	}
	if out := sh(true, "make", "-s", "release"); !strings.Contains(out, "v0.1.0 is the first release") || !strings.Contains(out, "released v0.1.0") {
		t.Errorf("first release:\n%s", out)
	}
	sh(true, "make", "-s", "promote/dev/v0.1.0")
	if out := run(t, remote, "git", "rev-parse", "refs/heads/env/dev"); strings.TrimSpace(out) == "" {
		t.Error("env/dev was not pushed")
	}

	// A change of the model, checked against main and released: the notes
	// and the release's check carry the access diff.
	model := filepath.Join(dir, "iamstack.yaml")
	b, _ := os.ReadFile(model)
	changed := strings.Replace(string(b), "platform: {grants: {OpsR: [dev], ReadR: [all]}}", "platform: {grants: {OpsR: [dev, prod], ReadR: [all]}}", 1)
	if changed == string(b) {
		t.Fatal("the starter model's team changed shape: update this test")
	}
	os.WriteFile(model, []byte(changed), 0o644)
	sh(true, "git", "commit", "--quiet", "-am", "platform gets OpsR in prod")
	out := sh(true, "make", "-s", "release")
	const diff = "+ first.person can assume OpsR in prod (MFA)"
	if _, check, _ := strings.Cut(out, "access diff against v0.1.0:"); !strings.Contains(check, diff) {
		t.Errorf("the second release's check lacks the diff against v0.1.0:\n%s", out)
	}
	if notes, _ := os.ReadFile(filepath.Join(dir, ".iamstack/releases/v0.1.1/RELEASE_NOTES.md")); !strings.Contains(string(notes), diff) {
		t.Errorf("release notes lack the access diff:\n%s", notes)
	}
	if out := sh(true, "make", "-s", "plan/prod/v0.1.1"); !strings.Contains(out, diff) {
		t.Errorf("plan:\n%s", out)
	}
	sh(true, "make", "-s", "promote/prod/v0.1.1")
	// A fresh clone has no artifacts: the binary rebuilds the release from
	// its tag's model and verifies it against the tag's manifest.
	if err := os.RemoveAll(filepath.Join(dir, ".iamstack")); err != nil {
		t.Fatal(err)
	}
	if out := sh(true, "make", "-s", "plan/prod/v0.1.1"); !strings.Contains(out, "rebuilding it from the tag") {
		t.Errorf("no rebuild from the tag:\n%s", out)
	}
	if out := sh(true, "make", "-s", "history"); !strings.Contains(out, "prod") || !strings.Contains(out, "v0.1.1") {
		t.Errorf("history:\n%s", out)
	}
	// A usage mistake exits 2 through make too.
	cmd := exec.Command(filepath.Join(bin, "iamstack"), "validate", "--no-such-flag")
	cmd.Dir, cmd.Env = dir, env
	if err := cmd.Run(); err == nil || cmd.ProcessState.ExitCode() != 2 {
		t.Errorf("a usage mistake exits %d", cmd.ProcessState.ExitCode())
	}
}
