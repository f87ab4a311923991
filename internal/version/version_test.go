package version

import (
	"strings"
	"testing"
)

// The catalog and the toolchain are always named; the modules that
// decide the templates are named with their versions where they are linked
// (the CLI's test checks that they are, in iamstack itself).
func TestGet(t *testing.T) {
	info := Get()
	if !strings.Contains(info.Catalog, "iam-data") || info.Go == "" || info.Version == "" {
		t.Errorf("%+v", info)
	}
	for p, v := range info.Dependencies {
		if !strings.HasPrefix(v, "v") {
			t.Errorf("%s: version %q", p, v)
		}
	}
}

func TestShortForms(t *testing.T) {
	for in, want := range map[string]string{
		"0123456789abcdef0123456789abcdef01234567":       "0123456789ab",
		"0123456789abcdef0123456789abcdef01234567-dirty": "0123456789ab-dirty",
	} {
		if got := shortCommit(in); got != want {
			t.Errorf("shortCommit(%q) = %q, want %q", in, got, want)
		}
	}
	if got := shortPath("github.com/aws/aws-cdk-go/awscdk/v2"); got != "aws-cdk-go/awscdk" {
		t.Errorf("shortPath = %q", got)
	}
	if got := shortPath("github.com/aws/jsii-runtime-go"); got != "jsii-runtime-go" {
		t.Errorf("shortPath = %q", got)
	}
}
