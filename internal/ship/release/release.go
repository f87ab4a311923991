// Package release makes iamstack's releases and promotions verifiable: a
// release is an annotated git tag whose message records the SHA-256 of every
// synthesized template, so that the artifact can be rebuilt from the tag on
// any machine and checked; a promotion points the branch env/<env> at a
// release and leaves an audit tag env/<env>/<UTC time>-<version>.
package release

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/mod/semver"

	"github.com/iamstack/iamstack/internal/keys"
	"github.com/iamstack/iamstack/internal/quiet"
)

// Version is a semantic version tag: v1.2.3.
type Version struct{ Major, Minor, Patch int }

// ParseVersion reads "v1.2.3": a semantic version (golang.org/x/mod/semver)
// in its canonical form, without pre-release or build: releases are tags
// that promotions order.
func ParseVersion(s string) (Version, error) {
	if !semver.IsValid(s) || semver.Canonical(s) != s || semver.Prerelease(s) != "" {
		return Version{}, fmt.Errorf("%q is not a version such as v1.2.3", s)
	}
	var v Version
	fmt.Sscanf(s, "v%d.%d.%d", &v.Major, &v.Minor, &v.Patch)
	return v, nil
}

func (v Version) String() string { return fmt.Sprintf("v%d.%d.%d", v.Major, v.Minor, v.Patch) }

// Less orders versions as semantic versions.
func (v Version) Less(w Version) bool { return semver.Compare(v.String(), w.String()) < 0 }

// Bump returns the next version: "patch", "minor" or "major".
func (v Version) Bump(part string) (Version, error) {
	switch part {
	case "patch", "":
		return Version{v.Major, v.Minor, v.Patch + 1}, nil
	case "minor":
		return Version{v.Major, v.Minor + 1, 0}, nil
	case "major":
		return Version{v.Major + 1, 0, 0}, nil
	}
	return Version{}, fmt.Errorf("BUMP=%s: use patch, minor or major", part)
}

// Manifest records what a release is: recorded in its tag, checked on promotion.
type Manifest struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	// Model is the model file, relative to the repository.
	Model string `json:"model"`
	// Templates maps each template file to its SHA-256.
	Templates map[string]string `json:"templates"`
	// Catalog names the IAM catalog the release was validated and analysed
	// with (catalog.Data.Versions).
	Catalog string `json:"catalog,omitempty"`
	// Iamstack is the program that made the release: its version, commit
	// and what it embeds (version.Info.String).
	Iamstack string `json:"iamstack,omitempty"`
}

const manifestMarker = "\n-----BEGIN IAMSTACK MANIFEST-----\n"

// TagMessage is the annotated tag's message: the notes, then the manifest.
func TagMessage(notes string, m Manifest) string {
	b, _ := json.MarshalIndent(m, "", "  ")
	return strings.TrimRight(notes, "\n") + "\n" + manifestMarker + string(b) + "\n-----END IAMSTACK MANIFEST-----\n"
}

// ParseTagMessage extracts the manifest from a release tag's message.
func ParseTagMessage(msg string) (Manifest, error) {
	_, rest, ok := strings.Cut(msg, strings.TrimPrefix(manifestMarker, "\n"))
	if !ok {
		return Manifest{}, fmt.Errorf("the tag records no iamstack manifest: it was not made by `make release`")
	}
	body, _, _ := strings.Cut(rest, "-----END IAMSTACK MANIFEST-----")
	var m Manifest
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		return Manifest{}, fmt.Errorf("the tag's manifest: %w", err)
	}
	return m, nil
}

// Hashes computes the SHA-256 of every template of a cloud assembly.
func Hashes(assemblyDir string) (map[string]string, error) {
	files, err := filepath.Glob(filepath.Join(assemblyDir, "*.template.json"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no templates in %s", assemblyDir)
	}
	out := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		out[filepath.Base(f)] = hex.EncodeToString(sum[:])
	}
	return out, nil
}

// Verify checks an assembly against a manifest: same templates, same bytes.
func Verify(assemblyDir string, m Manifest) error {
	got, err := Hashes(assemblyDir)
	if err != nil {
		return err
	}
	var problems []string
	for _, name := range keys.SortedUnion(m.Templates, got) {
		want, ok1 := m.Templates[name]
		have, ok2 := got[name]
		switch {
		case !ok2:
			problems = append(problems, name+" is missing")
		case !ok1:
			problems = append(problems, name+" is not part of the release")
		case want != have:
			problems = append(problems, fmt.Sprintf("%s has SHA-256 %s, the release recorded %s", name, have[:12], want[:12]))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("the artifact does not match release %s:\n  %s", m.Version, strings.Join(problems, "\n  "))
	}
	return nil
}

// Repo runs git in one repository.
type Repo struct{ Dir string }

// Git runs a git command and returns its trimmed output.
func (r Repo) Git(args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = r.Dir
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(out.String()), nil
}

// Show returns the file at path as it is at ref; found is false when ref
// has no such file (an unknown ref is an error).
func (r Repo) Show(ref, path string) (data []byte, found bool, err error) {
	if _, err := r.Git("rev-parse", "--verify", "--quiet", ref+"^{commit}"); err != nil {
		return nil, false, fmt.Errorf("no commit %s: %w", ref, err)
	}
	if _, err := r.Git("cat-file", "-e", ref+":"+path); err != nil {
		return nil, false, nil
	}
	cmd := exec.Command("git", "show", ref+":"+path)
	cmd.Dir = r.Dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	data, err = cmd.Output()
	if err != nil {
		return nil, false, fmt.Errorf("git show %s:%s: %v: %s", ref, path, err, strings.TrimSpace(stderr.String()))
	}
	return data, true, nil
}

// Versions lists the release tags, oldest first.
func (r Repo) Versions() ([]Version, error) {
	out, err := r.Git("tag", "--list", "v*")
	if err != nil {
		return nil, err
	}
	var vs []Version
	for _, t := range strings.Fields(out) {
		if v, err := ParseVersion(t); err == nil {
			vs = append(vs, v)
		}
	}
	sort.Slice(vs, func(i, j int) bool { return vs[i].Less(vs[j]) })
	return vs, nil
}

// Manifest reads the manifest recorded in a release tag.
func (r Repo) Manifest(v Version) (Manifest, error) {
	if _, err := r.Git("rev-parse", "--verify", "--quiet", "refs/tags/"+v.String()); err != nil {
		return Manifest{}, fmt.Errorf("no release %s", v)
	}
	msg, err := r.Git("tag", "--list", "--format=%(contents)", v.String())
	if err != nil {
		return Manifest{}, err
	}
	return ParseTagMessage(msg)
}

// Dirty tells whether the working tree has uncommitted changes.
func (r Repo) Dirty() (bool, error) {
	out, err := r.Git("status", "--porcelain", "--untracked-files=normal")
	return out != "", err
}

// HasRemote tells whether a remote named origin is configured.
func (r Repo) HasRemote() bool {
	_, err := r.Git("remote", "get-url", "origin")
	return err == nil
}

// SynthesizeAt checks ref out in a temporary worktree and synthesizes the
// model at path there, with that ref's own code (`go run ./cmd/synth`), so
// that a base or an old release is built as it was. It returns "" when the
// ref has no such model; cleanup removes the worktree.
func (r Repo) SynthesizeAt(ref, path string) (dir string, cleanup func(), err error) {
	tmp, err := os.MkdirTemp("", "iamstack-base-")
	if err != nil {
		return "", nil, err
	}
	tree := filepath.Join(tmp, "tree")
	cleanup = func() {
		r.Git("worktree", "remove", "--force", tree)
		os.RemoveAll(tmp)
	}
	if _, err := r.Git("worktree", "add", "--detach", tree, ref); err != nil {
		cleanup()
		return "", nil, err
	}
	if _, err := os.Stat(filepath.Join(tree, path)); err != nil {
		return "", cleanup, nil
	}
	out := filepath.Join(tmp, "cdk.out")
	c := exec.Command("go", "run", "./cmd/synth", "-model", path, "-out", out)
	c.Dir = tree
	c.Env = quiet.Env(os.Environ())
	if b, err := c.CombinedOutput(); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("synthesize %s at %s: %v\n%s", path, ref, err, b)
	}
	return out, cleanup, nil
}

// Root is the top of the repository's working tree.
func (r Repo) Root() string { return r.Dir }
