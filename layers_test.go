package iamstack_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// layers are the repository's packages from the bottom up (docs/
// architecture.md, "Layout"): a package imports only packages of its own
// layer or below. A package in no layer fails the test until it is placed.
var layers = [][]string{
	{"internal/keys", "internal/parallel", "internal/quiet", "internal/jsiiexit", "internal/cfn", "internal/atomicdir", "internal/atomicdir/replace", "internal/jsonstream", "internal/progress", "internal/child"},
	{"internal/names", "internal/rules"},
	{"internal/policy", "internal/metadata", "internal/catalog", "internal/catalog/gen", "internal/version"},
	{".", "model"},
	{"internal/plan", "internal/synthetic", "internal/schema", "internal/schema/gen"},
	{"constructs/identity/internal/resources", "constructs/identity", "stacks", "internal/synth", "internal/load"},
	{"internal/analyze/evaluate", "internal/analyze/assembly", "internal/analyze/assembly/assemblytest", "internal/analyze/access", "internal/analyze/adopt"},
	{"internal/check"},
	{"internal/ship/awsapi", "internal/ship/baseline", "internal/ship/drift", "internal/ship/release", "internal/ship/deploy", "internal/ship/awsconfig", "internal/ship/identitycenter", "internal/scaffold"},
	{"cmd/iamstack", "cmd/synth", "test", "test/bench", "test/bench/drift", "test/bench/emptyapp"},
}

func TestImportsOnlyGoDown(t *testing.T) {
	const module = "github.com/iamstack/iamstack"
	out, err := exec.Command("go", "list", "-tags", "integration", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	layer := map[string]int{}
	for i, l := range layers {
		for _, p := range l {
			layer[p] = i
		}
	}
	rel := func(p string) string {
		if p == module {
			return "."
		}
		return strings.TrimPrefix(p, module+"/")
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := rel(fields[0])
		at, ok := layer[pkg]
		if !ok {
			t.Errorf("package %s is in no layer: place it in layers (and in docs/architecture.md)", pkg)
			continue
		}
		for _, imp := range fields[1:] {
			if !strings.HasPrefix(imp, module) {
				continue
			}
			if l, ok := layer[rel(imp)]; ok && l > at {
				t.Errorf("%s imports %s, a layer above it", pkg, rel(imp))
			}
		}
	}
}

// No Go file is over 800 lines, and cmd/ stays a thin shell: under a tenth
// of the non-test Go (issue 27's house rules, measured here so that they
// hold).
func TestFileSizesAndThinCmd(t *testing.T) {
	out, err := exec.Command("git", "ls-files", "*.go").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	var all, cmd int
	for _, f := range strings.Fields(string(out)) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		n := strings.Count(string(b), "\n")
		if n > 800 {
			t.Errorf("%s has %d lines; split it by concern (at most 800)", f, n)
		}
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		all += n
		if strings.HasPrefix(f, "cmd/") {
			cmd += n
		}
	}
	if cmd*10 >= all {
		t.Errorf("cmd/ holds %d of %d lines of non-test Go: move workflows and decisions into packages", cmd, all)
	}
}
