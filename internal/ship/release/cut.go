package release

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/iamstack/iamstack/internal/analyze/access"
	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/atomicdir"
	"github.com/iamstack/iamstack/internal/catalog"
	"github.com/iamstack/iamstack/internal/check"
	"github.com/iamstack/iamstack/internal/jsonstream"
	"github.com/iamstack/iamstack/internal/plan"
	"github.com/iamstack/iamstack/internal/version"
	"github.com/iamstack/iamstack/model"
)

// CutOptions say which release to cut, of which model.
type CutOptions struct {
	// Model is the model at ModelPath ("" for the embedded example, whose
	// path in the repository is ExampleFile).
	Model       *model.Model
	ModelPath   string
	ExampleFile string
	// Version is the version to release; "" bumps the latest one's Bump
	// part (patch, minor or major), or is v0.1.0 for the first release.
	Version string
	Bump    string
	// Golden is a directory of golden templates for the check, if any.
	Golden string
}

// Deps are what a workflow calls out to.
type Deps struct {
	Repo  Repo
	Synth check.Synthesizer
	// Progress receives what the workflow does as it goes.
	Progress io.Writer
}

func (d Deps) progress() io.Writer {
	if d.Progress == nil {
		return io.Discard
	}
	return d.Progress
}

// Released is a release Cut made.
type Released struct {
	Version  Version
	Manifest Manifest
	// Dir is the artifact: the cloud assembly, manifest.json, access.json
	// and RELEASE_NOTES.md.
	Dir   string
	Notes string
}

// ArtifactDir is where release v's artifact lives in a checkout.
func ArtifactDir(root string, v Version) string {
	return filepath.Join(root, ".iamstack", "releases", v.String())
}

// Cut refuses a dirty working tree, an existing version and a failing
// check (the error wraps its *check.Failure); otherwise it writes the
// artifact, tags the commit with the artifact's manifest and pushes the tag
// when the repository has a remote.
func Cut(opts CutOptions, deps Deps) (Released, error) {
	repo, out := deps.Repo, deps.progress()
	if dirty, err := repo.Dirty(); err != nil || dirty {
		return Released{}, fmt.Errorf("the working tree has uncommitted changes: commit or stash them, a release must be a commit")
	}
	if err := repo.pushLeftTags(out); err != nil {
		return Released{}, err
	}
	versions, err := repo.Versions()
	if err != nil {
		return Released{}, err
	}
	v, err := nextVersion(versions, opts.Version, opts.Bump)
	if err != nil {
		return Released{}, err
	}
	rel, err := modelRelPath(repo.Dir, opts.ModelPath, opts.ExampleFile)
	if err != nil {
		return Released{}, err
	}
	fmt.Fprintf(out, "releasing %s of %s\n", v, rel)
	// The check compares with the previous release, what the environments
	// will move from: on main, the merge base would be HEAD itself.
	copts := check.Options{Model: opts.Model, ModelPath: opts.ModelPath, Golden: opts.Golden, ExampleFile: opts.ExampleFile}
	prev := previous(versions, v)
	if prev == nil {
		fmt.Fprintf(out, "%s is the first release: nothing to compare with\n", v)
		copts.NoBase = true
	} else {
		m, err := repo.Manifest(*prev)
		if err != nil {
			return Released{}, fmt.Errorf("the previous release %s: %w", prev, err)
		}
		copts.Base, copts.BaseModel = prev.String(), m.Model
	}
	res, err := check.Run(copts, check.Deps{Synth: deps.Synth, Repo: repo, Progress: out})
	if err == nil && res.Failed != nil {
		err = res.Failed
	}
	if err != nil {
		return Released{}, fmt.Errorf("release refused: %w", err)
	}
	fmt.Fprintln(out, "check passed")

	// The artifact is built aside and swapped into place: an interrupted
	// release leaves no half artifact that a later promotion would refuse.
	dir := ArtifactDir(repo.Dir, v)
	p, err := plan.New(opts.Model)
	if err != nil {
		return Released{}, err
	}
	commit, err := repo.Git("rev-parse", "HEAD")
	if err != nil {
		return Released{}, err
	}
	var m Manifest
	var notes string
	err = atomicdir.Write(dir, func(tmp string) error {
		asm := filepath.Join(tmp, "assembly")
		if err := deps.Synth.Synthesize(p, asm, false); err != nil {
			return err
		}
		inv, err := assembly.Read(asm)
		if err != nil {
			return err
		}
		rep := access.Analyze(inv)
		hashes, err := Hashes(asm)
		if err != nil {
			return err
		}
		m = Manifest{Version: v.String(), Commit: commit, Model: rel, Templates: hashes, Catalog: catalog.Get().Versions(), Iamstack: version.Get().String()}
		if notes, err = releaseNotes(out, repo, deps.Synth, prev, v, rep); err != nil {
			return err
		}
		if err := writeJSONFile(filepath.Join(tmp, "manifest.json"), m); err != nil {
			return err
		}
		if err := writeAccessFile(filepath.Join(tmp, "access.json"), rep); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(tmp, "RELEASE_NOTES.md"), []byte(notes), 0o644)
	})
	if err != nil {
		return Released{}, err
	}
	if err := repo.tagRelease(v, TagMessage(notes, m), commit); err != nil {
		return Released{}, err
	}
	return Released{Version: v, Manifest: m, Dir: dir, Notes: notes}, nil
}

// pushLeftTags pushes the release tags an interrupted release left here
// without pushing them (killed between the tag and the push): the next
// release would otherwise build on a version the remote never had.
func (r Repo) pushLeftTags(out io.Writer) error {
	if !r.HasRemote() {
		return nil
	}
	local, err := r.Versions()
	if err != nil || len(local) == 0 {
		return err
	}
	listed, err := r.Git("ls-remote", "--tags", "origin", "refs/tags/v*")
	if err != nil {
		return fmt.Errorf("read the remote's releases: %w", err)
	}
	remote := map[string]bool{}
	for _, line := range strings.Split(listed, "\n") {
		if f := strings.Fields(line); len(f) == 2 {
			remote[strings.TrimSuffix(f[1], "^{}")] = true
		}
	}
	for _, v := range local {
		if remote["refs/tags/"+v.String()] {
			continue
		}
		if _, err := r.Manifest(v); err != nil {
			continue // not a tag a release made
		}
		if _, err := r.Git("push", "origin", "refs/tags/"+v.String()); err != nil {
			return fmt.Errorf("push release %s, which an interrupted release left here: %w", v, err)
		}
		fmt.Fprintf(out, "pushed release %s, which an interrupted release left unpushed\n", v)
	}
	return nil
}

// tagRelease creates release v's tag and pushes it when there is a remote.
// Two releases cut at once both pick the next version: the one whose tag
// is taken first wins, and the other fails saying so, its local tag
// removed so that running it again picks the version after.
func (r Repo) tagRelease(v Version, message, commit string) error {
	taken := fmt.Errorf("release %s was made meanwhile (another release ran at the same time): run the release again for the next version", v)
	if _, err := r.Git("rev-parse", "--quiet", "--verify", "refs/tags/"+v.String()); err == nil {
		return taken
	}
	if _, err := r.Git("tag", "--annotate", v.String(), "--message", message, commit); err != nil {
		return err
	}
	if !r.HasRemote() {
		return nil
	}
	if _, err := r.Git("push", "origin", "refs/tags/"+v.String()); err != nil {
		r.Git("tag", "--delete", v.String())
		if out, lsErr := r.Git("ls-remote", "--tags", "origin", "refs/tags/"+v.String()); lsErr == nil && out != "" {
			r.Git("fetch", "--quiet", "origin", "refs/tags/"+v.String()+":refs/tags/"+v.String())
			return taken
		}
		return fmt.Errorf("push release %s: %w; the tag was removed here, run the release again", v, err)
	}
	return nil
}

// nextVersion is the version to release: the one asked for, else the
// latest bumped, else v0.1.0. Releases are immutable: an existing version is
// refused.
func nextVersion(versions []Version, version, bump string) (Version, error) {
	var v Version
	var err error
	switch {
	case version != "":
		v, err = ParseVersion(version)
	case len(versions) == 0:
		v = Version{Minor: 1}
	default:
		v, err = versions[len(versions)-1].Bump(bump)
	}
	if err != nil {
		return Version{}, err
	}
	if slices.Contains(versions, v) {
		return Version{}, fmt.Errorf("release %s exists already; releases are immutable: choose another version", v)
	}
	return v, nil
}

// previous is the latest release before v, nil when there is none.
func previous(versions []Version, v Version) *Version {
	var prev *Version
	for i := range versions {
		if versions[i].Less(v) {
			prev = &versions[i]
		}
	}
	return prev
}

// releaseNotes say what changed in access since the previous release.
func releaseNotes(out io.Writer, repo Repo, synth check.Synthesizer, prev *Version, v Version, rep access.Report) (string, error) {
	notes := fmt.Sprintf("iamstack release %s\n\n", v)
	if prev == nil {
		return notes + "First release.\n", nil
	}
	prevDir, err := repo.Artifact(out, *prev, synth)
	if err != nil {
		return "", fmt.Errorf("the previous release %s: %w", prev, err)
	}
	prevInv, err := assembly.Read(prevDir)
	if err != nil {
		return "", err
	}
	notes += fmt.Sprintf("Access changes since %s:\n", prev)
	changes := access.Diff(access.Analyze(prevInv), rep)
	if len(changes) == 0 {
		notes += "  no change in access\n"
	}
	for _, c := range changes {
		notes += "  " + c.Text + "\n"
	}
	return notes, nil
}

// modelRelPath is the model's path in the repository, which the release
// records to rebuild it from its tag.
func modelRelPath(root, modelPath, exampleFile string) (string, error) {
	if modelPath == "" {
		return exampleFile, nil
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

// Artifact returns the verified cloud assembly of release v: the one in the
// checkout, or, when there is none, one rebuilt from the tag: the tag's
// model synthesized by synth (this program), or, when that writes other
// templates than the release's (another iamstack made it) and the tag holds
// iamstack's own source, by the tag's code (SynthesizeAt).
func (r Repo) Artifact(out io.Writer, v Version, synth check.Synthesizer) (string, error) {
	m, err := r.Manifest(v)
	if err != nil {
		return "", err
	}
	asm := filepath.Join(ArtifactDir(r.Dir, v), "assembly")
	if _, err := os.Stat(asm); err == nil {
		if err := Verify(asm, m); err != nil {
			return "", fmt.Errorf("refusing a tampered artifact: %w\n(delete %s to rebuild it from the tag)", err, ArtifactDir(r.Dir, v))
		}
		return asm, nil
	}
	fmt.Fprintf(out, "no artifact for %s in this checkout: rebuilding it from the tag\n", v)
	built, cleanup, err := r.rebuild(v, m, synth)
	if err != nil {
		return "", fmt.Errorf("rebuild %s: %w", v, err)
	}
	defer cleanup()
	if err := os.MkdirAll(filepath.Dir(asm), 0o755); err != nil {
		return "", err
	}
	return asm, atomicdir.Write(asm, func(tmp string) error { return os.CopyFS(tmp, os.DirFS(built)) })
}

// rebuild synthesizes release v's model as the release did, verified
// against its manifest.
func (r Repo) rebuild(v Version, m Manifest, synth check.Synthesizer) (dir string, cleanup func(), err error) {
	data, found, err := r.Show(v.String(), m.Model)
	if err != nil {
		return "", nil, err
	}
	if !found {
		return "", nil, fmt.Errorf("the tag has no %s", m.Model)
	}
	md, err := model.ParseFiles(v.String()+":"+m.Model, data, check.Beside(r, v.String(), m.Model))
	if err != nil {
		return "", nil, err
	}
	p, err := plan.New(md)
	if err != nil {
		return "", nil, err
	}
	tmp, err := os.MkdirTemp("", "iamstack-rebuild-")
	if err != nil {
		return "", nil, err
	}
	cleanup = func() { os.RemoveAll(tmp) }
	dir = filepath.Join(tmp, "assembly")
	if err := synth.Synthesize(p, dir, false); err != nil {
		cleanup()
		return "", nil, err
	}
	verr := Verify(dir, m)
	if verr == nil {
		return dir, cleanup, nil
	}
	cleanup()
	if _, hasSource, _ := r.Show(v.String(), "cmd/synth/main.go"); hasSource {
		built, cleanupOld, err := r.SynthesizeAt(v.String(), m.Model)
		if err != nil {
			return "", nil, err
		}
		if err := Verify(built, m); err != nil {
			cleanupOld()
			return "", nil, fmt.Errorf("the rebuilt artifact differs from the release (is synthesis still deterministic?): %w", err)
		}
		return built, cleanupOld, nil
	}
	made := m.Iamstack
	if made == "" {
		made = "an iamstack that did not record its version"
	}
	return "", nil, fmt.Errorf("this iamstack (%s) writes other templates for %s than the release's, which %s made: install that version to rebuild it (%w)",
		version.Get().String(), v, made, verr)
}

// ModelAt loads the model as it was at release v.
func (r Repo) ModelAt(v Version, path string) (*model.Model, error) {
	data, err := r.Git("show", v.String()+":"+path)
	if err != nil {
		return nil, fmt.Errorf("release %s has no %s: %w", v, path, err)
	}
	return model.ParseFiles(v.String()+":"+path, []byte(data), check.Beside(r, v.String(), path))
}

func writeJSONFile(path string, v any) error {
	return writeFile(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	})
}

// writeAccessFile writes the access matrix to path, an entry at a time.
func writeAccessFile(path string, rep access.Report) error {
	return writeFile(path, func(w io.Writer) error { return jsonstream.WriteArray(w, rep.Entries()) })
}

// writeFile creates path and has write fill it.
func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
