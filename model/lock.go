package model

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// Lock holds the IDs an external identity provider's groups and people have
// in Identity Center's identity store. The provider owns them (through
// SCIM), so iamstack only references them; `iamstack identity-center lock`,
// the one command that asks AWS, writes this file beside the model, and
// synthesis reads it, so that templates stay offline and deterministic.
type Lock struct {
	IdentityStoreID string `yaml:"identityStoreId"`
	// Groups are group IDs by display name, Users user IDs by user name.
	Groups map[string]string `yaml:"groups"`
	Users  map[string]string `yaml:"users"`
}

// LockFile is the name of a model's lock file: beside the model, named
// after it (iamstack.yaml's is iamstack.identity-center.lock).
func LockFile(model string) string {
	return strings.TrimSuffix(filepath.Base(model), filepath.Ext(model)) + ".identity-center.lock"
}

// Files reads a file that belongs beside a model (its lock file), by name:
// from the model's directory, or from a git ref. found is false when the
// file does not exist.
type Files func(name string) (data []byte, found bool, err error)

// Dir reads the files beside a model from a directory.
func Dir(dir string) Files {
	return func(name string) ([]byte, bool, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, os.ErrNotExist) {
			return nil, false, nil
		}
		return b, err == nil, err
	}
}

// identityStoreID is an identity store's group or user ID: a GUID, with a
// ten-digit prefix in some stores.
var identityStoreID = regexp.MustCompile(`^([0-9a-f]{10}-|)[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}$`)

// lock reads and checks the lock file of a model whose Identity Center
// directory is external: every group and person Identity Center must know
// has an ID there, in the instance's identity store.
func (v *validator) lock(files Files) {
	ic := v.res.identityCenter
	if ic == nil || ic.Directory != DirectoryExternal || v.unlocked {
		return
	}
	name := LockFile(v.file)
	fix := "run `iamstack identity-center lock` (it asks the identity store) and commit " + name
	p := path{"identityCenter", "directory"}
	if files == nil {
		v.at(p, "an external directory's IDs are in %s, which cannot be read here; %s", name, fix)
		return
	}
	data, found, err := files(name)
	switch {
	case err != nil:
		v.at(p, "read %s: %v", name, err)
		return
	case !found:
		v.at(p, "an external directory's groups and people are referenced by the IDs in %s, which does not exist: %s", name, fix)
		return
	}
	var l Lock
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&l); err != nil {
		v.at(p, "%s: %v; %s", name, strings.TrimPrefix(err.Error(), "yaml: "), fix)
		return
	}
	if l.IdentityStoreID != ic.IdentityStoreID {
		v.at(p, "%s is for identity store %q, the model's is %q: %s", name, l.IdentityStoreID, ic.IdentityStoreID, fix)
		return
	}
	var missing []string
	for _, team := range v.m.IdentityCenterTeams() {
		group := v.m.TeamGroup(team)
		if id := l.Groups[group]; !identityStoreID.MatchString(id) {
			missing = append(missing, fmt.Sprintf("group %q (team %s)", group, team))
		}
	}
	for _, user := range v.m.IdentityCenterUserNames() {
		if id := l.Users[v.m.IdentityCenterUserName(user)]; !identityStoreID.MatchString(id) {
			missing = append(missing, fmt.Sprintf("user %q", v.m.IdentityCenterUserName(user)))
		}
	}
	if len(missing) > 0 {
		v.at(p, "%s has no ID for %s: %s (the identity provider must have provisioned them)", name, strings.Join(missing, ", "), fix)
		return
	}
	v.res.lock = &l
}

// IdentityCenterGroupID is the identity store ID of a team's group in an
// external directory (from the lock file); "" otherwise.
func (m *Model) IdentityCenterGroupID(team string) string {
	if l := m.resolved.lock; l != nil {
		return l.Groups[m.TeamGroup(team)]
	}
	return ""
}

// IdentityCenterUserID is the identity store ID of a person in an external
// directory (from the lock file); "" otherwise.
func (m *Model) IdentityCenterUserID(user string) string {
	if l := m.resolved.lock; l != nil {
		return l.Users[m.IdentityCenterUserName(user)]
	}
	return ""
}

// IdentityCenterUserName is a person's user name in Identity Center: as the
// model gives it (identityCenterUserName), or their name in the model.
func (m *Model) IdentityCenterUserName(user string) string {
	if n := m.spec.Users[user].IdentityCenterUserName; n != "" {
		return n
	}
	return user
}

// WriteLock writes a lock file's text: what `iamstack identity-center lock`
// commits beside the model.
func WriteLock(l Lock) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("# The identity store IDs of the groups and people of this model's external directory,\n")
	b.WriteString("# written by `iamstack identity-center lock`. Commit it: synthesis reads it offline.\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(l); err != nil {
		return nil, err
	}
	return b.Bytes(), enc.Close()
}
