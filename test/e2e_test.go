//go:build integration

package test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamstack/iamstack"
	"github.com/iamstack/iamstack/internal/synthetic"
	"github.com/iamstack/iamstack/model"
)

func exampleModel(t *testing.T) *model.Model {
	t.Helper()
	m, err := model.Parse(iamstack.ExampleFile, iamstack.Example())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// The example, synthesized twice by `make synth` through the cdk CLI: the
// templates lint clean, keep every security promise, and are byte-identical.
func TestSynthExample(t *testing.T) {
	t.Parallel()
	first := mustSynth(t, "")
	cfnLint(t, first)
	tpls, raw := readAssembly(t, first)
	if len(tpls) != 3 {
		t.Errorf("example gives %d stacks, want 3 (identity, dev, prod)", len(tpls))
	}
	checkSecurity(t, exampleModel(t), tpls, raw)

	_, again := readAssembly(t, mustSynth(t, ""))
	for id, b := range raw {
		if !bytes.Equal(b, again[id]) {
			t.Errorf("%s differs between two syntheses of the same model", id)
		}
	}
}

// 1,000 users over 20 accounts: the user-only account spreads over several
// stacks, everything stays within quota and lints clean.
func TestSynthThousandUsers(t *testing.T) {
	if testing.Short() {
		t.Skip("synthesizes and lints 22 templates; skipped with -short")
	}
	t.Parallel()
	file := filepath.Join(t.TempDir(), "large.yaml")
	if err := os.WriteFile(file, synthetic.Model(synthetic.Size{Users: 1000, Accounts: 20}), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := model.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	out := mustSynth(t, file)
	cfnLint(t, out)
	tpls, raw := readAssembly(t, out)
	if len(tpls) < 21 {
		t.Errorf("%d stacks, want one per account (20) plus extra user stacks", len(tpls))
	}
	checkSecurity(t, m, tpls, raw)
}

// A bad model is reported with file, line and fix, and an existing output
// directory is left exactly as it was.
func TestBadModelWritesNothing(t *testing.T) {
	t.Parallel()
	out := mustSynth(t, "")
	_, before := readAssembly(t, out)
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	yaml := strings.Replace(string(iamstack.Example()), `id: "333333333333"`, `id: "33333"`, 1)
	yaml = strings.Replace(yaml, "teams: [platform]\n    power: true", "teams: [platfrom]\n    power: true", 1)
	if err := os.WriteFile(bad, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	log, err := makeSynth(t, bad, out)
	if err == nil {
		t.Fatalf("make synth accepted a bad model:\n%s", log)
	}
	line := 1 + strings.Count(yaml[:strings.Index(yaml, `id: "33333"`)], "\n")
	for _, want := range []string{
		fmt.Sprintf(`%s:%d: accounts[2].id: account ID "33333" must be exactly 12 digits`, bad, line),
		`users."alice.martin".teams[0]: no team is called "platfrom" (did you mean "platform"?)`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("output lacks %q:\n%s", want, log)
		}
	}
	_, after := readAssembly(t, out)
	for id, b := range before {
		if !bytes.Equal(b, after[id]) {
			t.Errorf("%s changed although the model was rejected", id)
		}
	}
}

// The model can also be chosen with IAMSTACK_MODEL.
func TestModelFromEnvironment(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "m.yaml")
	yaml := strings.Replace(string(iamstack.Example()), "prefix: infra", "prefix: corp", 1)
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "cdk.out")
	if log, err := makeSynth(t, "", out, "IAMSTACK_MODEL="+file); err != nil {
		t.Fatalf("make synth: %v\n%s", err, log)
	}
	tpls, _ := readAssembly(t, out)
	if _, ok := tpls["corp-dev"]; !ok {
		t.Errorf("IAMSTACK_MODEL was ignored: stacks %v", keys(tpls))
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
