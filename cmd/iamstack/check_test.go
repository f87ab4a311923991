package main

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamstack/iamstack"
	"github.com/iamstack/iamstack/internal/analyze/access"
	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/model"
)

// The gate fails closed: a base comparison that cannot run fails the check,
// unless --no-base says to skip it, and then the output names the skip.
func TestBaseComparisonFailsClosed(t *testing.T) {
	m, err := model.Parse("m.yaml", iamstack.Example())
	if err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(t.TempDir(), "model.yaml")
	for _, tc := range []struct {
		name  string
		model string
		flags checkFlags
		want  string
	}{
		{"a model outside the repository", outside, checkFlags{},
			"is outside the repository, so its version in"},
		{"a base ref that does not exist", "", checkFlags{base: "no-such-ref"},
			"synthesize the base no-such-ref"},
		{"a base without the model", "", checkFlags{base: "HEAD", baseModel: "models/none.yaml"},
			"has no models/none.yaml: if the model moved, pass --base-model"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := compareWithBase(&out, m, synthesizeBase(tc.model, &tc.flags), &tc.flags, access.Report{}, &assembly.Inventory{})
			var failed *checkFailure
			if !errors.As(err, &failed) || !strings.Contains(out.String(), "FAIL: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v\n%s", err, out.String())
			}
		})
	}
	var out bytes.Buffer
	if err := compareWithBase(&out, m, synthesizeBase(outside, &checkFlags{noBase: true}), &checkFlags{noBase: true}, access.Report{}, &assembly.Inventory{}); err != nil ||
		!strings.Contains(out.String(), "SKIPPED (--no-base)") {
		t.Errorf("--no-base: %v\n%s", err, out.String())
	}
}
