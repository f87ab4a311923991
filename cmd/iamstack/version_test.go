package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/iamstack/iamstack/internal/version"
)

// iamstack version names the versions of everything that decides its
// templates, as text and as JSON.
func TestVersion(t *testing.T) {
	var out bytes.Buffer
	root := newRootCmd(&out)
	root.SetArgs([]string{"version", "--format", "json"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	var info version.Info
	if err := json.Unmarshal(out.Bytes(), &info); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"github.com/aws/aws-cdk-go/awscdk/v2", "github.com/aws/jsii-runtime-go", "github.com/cdklabs/cdk-nag-go/cdknag/v2"} {
		if !strings.HasPrefix(info.Dependencies[p], "v") {
			t.Errorf("%s: version %q", p, info.Dependencies[p])
		}
	}
	if !strings.Contains(info.Catalog, "iam-data") || info.Version == "" {
		t.Errorf("%+v", info)
	}
	out.Reset()
	root = newRootCmd(&out)
	root.SetArgs([]string{"version"})
	if err := root.Execute(); err != nil || !strings.HasPrefix(out.String(), "iamstack ") || !strings.Contains(out.String(), "github.com/aws/aws-cdk-go/awscdk/v2 v2.") {
		t.Errorf("%v\n%s", err, out.String())
	}
}
