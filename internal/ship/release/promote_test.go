package release_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iamstack/iamstack/internal/ship/release"
)

// gitRepo makes a repository with releases v0.1.0 and v0.2.0 on two commits,
// and a bare remote named origin.
func gitRepo(t *testing.T) (release.Repo, map[string]string) {
	t.Helper()
	dir, remote := t.TempDir(), t.TempDir()
	for _, args := range [][]string{{"init", "--quiet", "--bare", remote}} {
		if out, err := exec.Command("git", args...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	r := release.Repo{Dir: dir}
	must := func(args ...string) string {
		out, err := r.Git(args...)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	must("init", "--quiet", "--initial-branch", "main")
	must("config", "user.email", "test@example.com")
	must("config", "user.name", "iamstack test")
	must("remote", "add", "origin", remote)
	commits := map[string]string{}
	for _, v := range []string{"v0.1.0", "v0.2.0"} {
		os.WriteFile(filepath.Join(dir, "iamstack.yaml"), []byte("# "+v+"\n"), 0o644)
		must("add", ".")
		must("commit", "--quiet", "-m", v)
		must("tag", "--annotate", v, "-m", "release "+v)
		commits[v] = must("rev-parse", "HEAD")
	}
	return r, commits
}

func TestPromote(t *testing.T) {
	r, commits := gitRepo(t)
	at := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	v1, v2 := release.Version{Minor: 1}, release.Version{Minor: 2}

	what, err := r.Promote("dev", v2, release.Manifest{Commit: commits["v0.2.0"]}, at, false)
	if err != nil || what != "promoted v0.2.0 to dev (was nothing): branch env/dev, audit tag env/dev/20261122-100000-v0.2.0" {
		t.Fatalf("%q %v", what, err)
	}
	if cur, has, err := r.Current("dev"); err != nil || !has || cur != v2 {
		t.Errorf("dev runs %v %v %v", cur, has, err)
	}
	if out, err := r.Git("ls-remote", "origin"); err != nil || !strings.Contains(out, "refs/heads/env/dev") || !strings.Contains(out, "refs/tags/env/dev/20261122-100000-v0.2.0") {
		t.Errorf("the remote lacks the promotion: %v\n%s", err, out)
	}
	if what, err := r.Promote("dev", v2, release.Manifest{Commit: commits["v0.2.0"]}, at.Add(time.Hour), false); err != nil || what != "dev already runs v0.2.0: nothing to change" {
		t.Errorf("a repeated promotion: %q %v", what, err)
	}
	if _, err := r.Promote("dev", v1, release.Manifest{Commit: commits["v0.1.0"]}, at.Add(time.Hour), false); err == nil || !strings.Contains(err.Error(), "would move it backwards: pass --rollback") {
		t.Errorf("going back without --rollback: %v", err)
	}
	if what, err := r.Promote("dev", v1, release.Manifest{Commit: commits["v0.1.0"]}, at.Add(time.Hour), true); err != nil || !strings.Contains(what, "(was v0.2.0)") {
		t.Errorf("a rollback: %q %v", what, err)
	}
	hist, err := r.History()
	if err != nil || len(hist) != 2 {
		t.Errorf("history %v %v", hist, err)
	}
}

// A remote that refuses the push leaves the checkout as it was (no branch
// moved, no audit tag), and the promotion converges once the remote
// accepts; an environment moved here but never pushed is pushed.
func TestPromoteConvergesAfterARefusal(t *testing.T) {
	r, commits := gitRepo(t)
	remote, err := r.Git("remote", "get-url", "origin")
	if err != nil {
		t.Fatal(err)
	}
	hook := filepath.Join(remote, "hooks", "pre-receive")
	if err := os.WriteFile(hook, []byte("#!/bin/sh\necho refused by policy >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	v2 := release.Version{Minor: 2}
	m := release.Manifest{Commit: commits["v0.2.0"]}
	at := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	if _, err := r.Promote("dev", v2, m, at, false); err == nil || !strings.Contains(err.Error(), "the remote refused the promotion, and nothing changed here") {
		t.Fatalf("a refused push: %v", err)
	}
	if _, has, _ := r.Current("dev"); has {
		t.Error("the refused promotion moved env/dev here")
	}
	if tags, _ := r.Git("tag", "--list", "env/*"); tags != "" {
		t.Errorf("the refused promotion left audit tags: %s", tags)
	}
	os.Remove(hook)
	if what, err := r.Promote("dev", v2, m, at.Add(time.Minute), false); err != nil || !strings.HasPrefix(what, "promoted v0.2.0 to dev (was nothing)") {
		t.Fatalf("once the remote accepts: %q %v", what, err)
	}
	if out, _ := r.Git("ls-remote", "origin", "refs/heads/env/dev"); !strings.HasPrefix(out, commits["v0.2.0"]) {
		t.Errorf("the remote's env/dev: %q", out)
	}

	// A checkout that moved env/prod without pushing (what a promotion did
	// before it pushed first): promoting the same release pushes it.
	if _, err := r.Git("branch", "--force", "env/prod", commits["v0.2.0"]); err != nil {
		t.Fatal(err)
	}
	what, err := r.Promote("prod", v2, m, at.Add(2*time.Minute), false)
	if err != nil || !strings.Contains(what, "(was v0.2.0 here, not yet on the remote)") {
		t.Errorf("reconcile: %q %v", what, err)
	}
	if out, _ := r.Git("ls-remote", "origin", "refs/heads/env/prod"); !strings.HasPrefix(out, commits["v0.2.0"]) {
		t.Errorf("the remote's env/prod: %q", out)
	}
	if what, _ := r.Promote("prod", v2, m, at.Add(3*time.Minute), false); !strings.Contains(what, "already runs v0.2.0: nothing to change") {
		t.Errorf("a third time: %q", what)
	}
}
