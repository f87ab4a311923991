package release

import (
	"os/exec"
	"strings"
	"testing"
)

// withRemote is a repository with one commit on main, pushed to a bare
// remote named origin, and git run in a directory as a test user.
func withRemote(t *testing.T) (dir, remote string, git func(dir string, args ...string) string) {
	t.Helper()
	dir, remote = t.TempDir(), t.TempDir()
	git = func(dir string, args ...string) string {
		t.Helper()
		out, err := exec.Command("git", append([]string{"-C", dir, "-c", "user.email=t@example.com", "-c", "user.name=t"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git(remote, "init", "--quiet", "--bare", "-b", "main")
	git(dir, "init", "--quiet", "-b", "main")
	git(dir, "commit", "--quiet", "--allow-empty", "-m", "one")
	git(dir, "remote", "add", "origin", remote)
	git(dir, "push", "--quiet", "origin", "main")
	return dir, remote, git
}

// Two releases cut at once: the second to tag finds the version taken,
// here or on the remote, and says so; no tag of its own stays behind.
func TestTagReleaseTakenMeanwhile(t *testing.T) {
	dir, remote, git := withRemote(t)
	other := t.TempDir()
	commit := git(dir, "rev-parse", "HEAD")

	// Another clone releases v0.1.0 first.
	git(other, "clone", "--quiet", remote, ".")
	git(other, "tag", "--annotate", "v0.1.0", "-m", "theirs")
	git(other, "push", "--quiet", "origin", "v0.1.0")

	r := Repo{Dir: dir}
	err := r.tagRelease(Version{Minor: 1}, "ours", commit)
	if err == nil || !strings.Contains(err.Error(), "release v0.1.0 was made meanwhile") {
		t.Fatalf("got %v", err)
	}
	if msg := git(dir, "tag", "--list", "--format=%(contents)", "v0.1.0"); strings.Contains(msg, "ours") {
		t.Error("our tag stays behind")
	}
	// Run again here: the version is taken locally now too, and said so.
	if err := r.tagRelease(Version{Minor: 1}, "ours", commit); err == nil || !strings.Contains(err.Error(), "made meanwhile") {
		t.Errorf("again: %v", err)
	}
	if err := r.tagRelease(Version{Minor: 1, Patch: 1}, "ours", commit); err != nil {
		t.Errorf("the next version: %v", err)
	}
}

// A release killed between its tag and the push leaves the tag here only:
// the next release pushes it first, and leaves a tag no release made
// alone.
func TestLeftTagsArePushed(t *testing.T) {
	dir, _, git := withRemote(t)
	r := Repo{Dir: dir}
	m := Manifest{Version: "v0.1.0", Commit: git(dir, "rev-parse", "HEAD"), Model: "iamstack.yaml", Templates: map[string]string{"infra-dev.template.json": "ab"}}
	git(dir, "tag", "--annotate", "v0.1.0", "-m", TagMessage("notes", m))
	git(dir, "tag", "--annotate", "v0.2.0", "-m", "someone's own tag")
	var out strings.Builder
	if err := r.pushLeftTags(&out); err != nil {
		t.Fatal(err)
	}
	listed := git(dir, "ls-remote", "--tags", "origin")
	if !strings.Contains(listed, "refs/tags/v0.1.0") || strings.Contains(listed, "refs/tags/v0.2.0") {
		t.Errorf("the remote's tags:\n%s", listed)
	}
	if !strings.Contains(out.String(), "pushed release v0.1.0, which an interrupted release left unpushed") {
		t.Errorf("said: %q", out.String())
	}
	out.Reset()
	if err := r.pushLeftTags(&out); err != nil || out.Len() != 0 {
		t.Errorf("again: %v %q", err, out.String())
	}
}
