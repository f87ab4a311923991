package release

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// EnvBranch is the branch an environment deploys from.
func EnvBranch(env string) string { return "env/" + env }

// AuditTag names the record of one promotion.
func AuditTag(env string, at time.Time, v Version) string {
	return fmt.Sprintf("env/%s/%s-%s", env, at.UTC().Format("20060102-150405"), v)
}

// Current returns the release an environment's branch points at, if any.
func (r Repo) Current(env string) (Version, bool, error) {
	commit, err := r.Git("rev-parse", "--verify", "--quiet", EnvBranch(env)+"^{commit}")
	if err != nil {
		return Version{}, false, nil // never promoted
	}
	vs, err := r.Versions()
	if err != nil {
		return Version{}, false, err
	}
	// The newest release tag on that commit.
	for i := len(vs) - 1; i >= 0; i-- {
		c, err := r.Git("rev-parse", vs[i].String()+"^{commit}")
		if err == nil && c == commit {
			return vs[i], true, nil
		}
	}
	return Version{}, false, fmt.Errorf("%s points at %s, which is no release", EnvBranch(env), commit[:12])
}

// Promotion is one recorded promotion.
type Promotion struct {
	Env, Tag string
	At       time.Time
	Version  string
	Commit   string
}

// History lists every promotion recorded in audit tags, oldest first.
func (r Repo) History() ([]Promotion, error) {
	out, err := r.Git("tag", "--list", "env/*", "--format=%(refname:strip=2) %(*objectname)%(objectname)")
	if err != nil {
		return nil, err
	}
	var ps []Promotion
	for _, line := range strings.Split(out, "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		tag := fields[0]
		parts := strings.Split(tag, "/")
		if len(parts) != 3 {
			continue
		}
		stamp, version, ok := strings.Cut(parts[2], "-v")
		if !ok {
			continue
		}
		at, err := time.Parse("20060102-150405", stamp)
		if err != nil {
			continue
		}
		commit := fields[1]
		if len(commit) > 40 {
			commit = commit[:40] // annotated: the peeled commit comes first
		}
		ps = append(ps, Promotion{Env: parts[1], Tag: tag, At: at, Version: "v" + version, Commit: commit})
	}
	sort.Slice(ps, func(i, j int) bool {
		return ps[i].At.Before(ps[j].At) || ps[i].At.Equal(ps[j].At) && ps[i].Tag < ps[j].Tag
	})
	return ps, nil
}

// Promote points env/<env> at release v's commit and records it with an
// audit tag (AuditTag). With a remote named origin, the remote decides: the
// branch, the audit tag and the release tag are pushed in one atomic push
// first, and the local branch moves only once the remote accepted; a
// refused push leaves the local refs as they were, so running again
// converges, and an environment the checkout believes promoted but the
// remote does not is pushed. Promoting the release the environment runs
// changes nothing; moving it to an older release needs rollback. It says
// what it did.
func (r Repo) Promote(env string, v Version, m Manifest, at time.Time, rollback bool) (string, error) {
	current, has, err := r.Current(env)
	if err != nil {
		return "", err
	}
	if has && v.Less(current) && !rollback {
		return "", fmt.Errorf("%s runs %s; promoting %s would move it backwards: pass --rollback (ROLLBACK=1) if that is intended", env, current, v)
	}
	remote := r.HasRemote()
	if has && current == v {
		if !remote {
			return fmt.Sprintf("%s already runs %s: nothing to change", env, v), nil
		}
		onRemote, err := r.Git("ls-remote", "origin", "refs/heads/"+EnvBranch(env))
		if err != nil {
			return "", err
		}
		if strings.HasPrefix(onRemote, m.Commit) {
			return fmt.Sprintf("%s already runs %s: nothing to change", env, v), nil
		}
		// An earlier promotion moved the checkout and its push failed:
		// push it now, under a new audit tag.
	}
	from := "nothing"
	switch {
	case has && current == v:
		from = current.String() + " here, not yet on the remote"
	case has:
		from = current.String()
	}
	tag := AuditTag(env, at, v)
	if _, err := r.Git("tag", "--annotate", tag, "--message", fmt.Sprintf("promote %s to %s (was %s)", v, env, from), m.Commit); err != nil {
		return "", fmt.Errorf("audit tag %s: %w (a promotion of %s to %s at the same second exists already)", tag, err, v, env)
	}
	if remote {
		if _, err := r.Git("push", "--atomic", "origin", "+"+m.Commit+":refs/heads/"+EnvBranch(env), "refs/tags/"+tag, "refs/tags/"+v.String()); err != nil {
			r.Git("tag", "--delete", tag)
			return "", fmt.Errorf("the remote refused the promotion, and nothing changed here: %w", err)
		}
	}
	if _, err := r.Git("branch", "--force", EnvBranch(env), m.Commit); err != nil {
		return "", err
	}
	return fmt.Sprintf("promoted %s to %s (was %s): branch %s, audit tag %s", v, env, from, EnvBranch(env), tag), nil
}
