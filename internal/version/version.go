// Package version says which iamstack this program is: its module version
// (v1.2.3 when installed with `go install ...@v1.2.3`, "(devel)" when built
// from a checkout), the commit it was built from, and the versions of what
// it embeds that decide its templates: the AWS CDK, the jsii runtime,
// cdk-nag and the IAM catalog.
package version

import (
	"runtime/debug"
	"strings"

	"github.com/iamstack/iamstack/internal/catalog"
)

// Module is iamstack's module path.
const Module = "github.com/iamstack/iamstack"

// Info is what this program is built from.
type Info struct {
	Version string `json:"version"`
	// Commit is the VCS revision of a build from a checkout, with
	// "-dirty" when the tree had changes; "" when unknown.
	Commit string `json:"commit,omitempty"`
	Go     string `json:"go"`
	// Dependencies are the versions of the modules that decide the
	// templates, by module path.
	Dependencies map[string]string `json:"dependencies"`
	Catalog      string            `json:"catalog"`
}

// deciding are the modules whose versions decide what iamstack writes.
var deciding = []string{
	"github.com/aws/aws-cdk-go/awscdk/v2",
	"github.com/aws/constructs-go/constructs/v10",
	"github.com/aws/jsii-runtime-go",
	"github.com/cdklabs/cdk-nag-go/cdknag/v2",
}

// Get reads the build information the Go toolchain embeds.
func Get() Info {
	info := Info{Version: "(unknown)", Dependencies: map[string]string{}, Catalog: catalog.Get().Versions()}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return info
	}
	info.Version, info.Go = bi.Main.Version, bi.GoVersion
	if bi.Main.Path != Module {
		// A test binary or another program embedding iamstack: the
		// version is iamstack's as a dependency.
		for _, d := range bi.Deps {
			if d.Path == Module {
				info.Version = d.Version
			}
		}
	}
	var revision, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if revision != "" {
		info.Commit = revision
		if modified == "true" {
			info.Commit += "-dirty"
		}
	}
	for _, d := range bi.Deps {
		for _, p := range deciding {
			if d.Path == p {
				v := d.Version
				if d.Replace != nil {
					v = d.Replace.Version
				}
				info.Dependencies[p] = v
			}
		}
	}
	return info
}

// String is the one-line form a release manifest records: "v1.2.3
// (abc123def456), aws-cdk-go 2.270.0, ...".
func (i Info) String() string {
	s := i.Version
	if i.Commit != "" {
		s += " (" + shortCommit(i.Commit) + ")"
	}
	for _, p := range deciding {
		if v, ok := i.Dependencies[p]; ok {
			s += ", " + shortPath(p) + " " + v
		}
	}
	return s
}

func shortCommit(c string) string {
	rev, dirty, _ := strings.Cut(c, "-")
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty != "" {
		rev += "-" + dirty
	}
	return rev
}

// shortPath names a module by its last path element that is not a major
// version: github.com/aws/aws-cdk-go/awscdk/v2 is aws-cdk-go/awscdk.
func shortPath(p string) string {
	parts := strings.Split(p, "/")
	if len(parts) > 1 && strings.HasPrefix(parts[len(parts)-1], "v") && len(parts[len(parts)-1]) <= 3 {
		parts = parts[:len(parts)-1]
	}
	if len(parts) > 2 {
		return strings.Join(parts[2:], "/")
	}
	return p
}
