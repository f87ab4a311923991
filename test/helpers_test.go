//go:build integration

// Package test holds iamstack's end-to-end tests: they run `make synth` with
// the real cdk CLI, lint every template with cfn-lint, and check the security
// properties the README promises by reading the synthesized JSON.
package test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// binary is the iamstack program the tests run, built once for the whole
// package: a `go run` per call links the 100 MB program again each time,
// which costs the suite minutes.
var binary struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// iamstackBinary returns the path of the iamstack program built from the
// repository.
func iamstackBinary(t *testing.T) string {
	t.Helper()
	binary.once.Do(func() {
		if binary.dir, binary.err = os.MkdirTemp("", "iamstack-test-bin-"); binary.err != nil {
			return
		}
		binary.path = filepath.Join(binary.dir, "iamstack")
		cmd := exec.Command("go", "build", "-o", binary.path, "./cmd/iamstack")
		cmd.Dir = repoRoot(t)
		if out, err := cmd.CombinedOutput(); err != nil {
			binary.err = fmt.Errorf("go build ./cmd/iamstack: %v\n%s", err, out)
		}
	})
	if binary.err != nil {
		t.Fatal(binary.err)
	}
	return binary.path
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binary.dir != "" {
		os.RemoveAll(binary.dir)
	}
	os.Exit(code)
}

// repoRoot is the repository's top directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}

// makeSynth runs `make synth` with the given model (empty: the example) into
// out, and returns the combined output and the error.
func makeSynth(t *testing.T, model, out string, env ...string) (string, error) {
	t.Helper()
	args := []string{"-s", "-C", repoRoot(t), "synth", "OUT=" + out}
	if model != "" {
		args = append(args, "MODEL="+model)
	}
	cmd := exec.Command("make", args...)
	cmd.Env = append(os.Environ(), env...)
	b, err := cmd.CombinedOutput()
	return string(b), err
}

func mustSynth(t *testing.T, model string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "cdk.out")
	if log, err := makeSynth(t, model, out); err != nil {
		t.Fatalf("make synth %s: %v\n%s", model, err, log)
	}
	return out
}

// template is a CloudFormation template as synthesized.
type template struct {
	Resources map[string]resource `json:"Resources"`
}

type resource struct {
	Type       string         `json:"Type"`
	Properties map[string]any `json:"Properties"`
	DependsOn  any            `json:"DependsOn"`
}

// assembly reads every template of a cloud assembly, by stack ID.
func readAssembly(t *testing.T, dir string) (map[string]template, map[string][]byte) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.template.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no templates in %s: %v", dir, err)
	}
	tpls, raw := map[string]template{}, map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var tpl template
		if err := json.Unmarshal(b, &tpl); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		id := strings.TrimSuffix(filepath.Base(f), ".template.json")
		tpls[id], raw[id] = tpl, b
	}
	return tpls, raw
}

// cfnLint runs cfn-lint on every template of an assembly and fails on any
// error (exit codes 2 and up carry errors; 4 and 8 are warnings and notes).
func cfnLint(t *testing.T, dir string) {
	t.Helper()
	if _, err := exec.LookPath("cfn-lint"); err != nil {
		t.Fatal("cfn-lint is not on PATH; install it with `pip install cfn-lint` (see README)")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.template.json"))
	cmd := exec.Command("cfn-lint", append([]string{"--format", "parseable", "--"}, files...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode()&(1|2) != 0 || err != nil && !ok {
		t.Fatalf("cfn-lint found errors:\n%s", out.String())
	}
	if out.Len() > 0 {
		t.Logf("cfn-lint warnings:\n%s", out.String())
	}
}

// strs reads a string or a list of strings from a JSON value.
func strs(v any) []string {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			} else {
				b, _ := json.Marshal(e)
				out = append(out, string(b))
			}
		}
		return out
	default:
		b, _ := json.Marshal(x)
		return []string{string(b)}
	}
}

func statements(doc any) []map[string]any {
	var out []map[string]any
	for _, s := range doc.(map[string]any)["Statement"].([]any) {
		out = append(out, s.(map[string]any))
	}
	return out
}

func cond(s map[string]any, op, key string) []string {
	c, _ := s["Condition"].(map[string]any)
	ops, _ := c[op].(map[string]any)
	return strs(ops[key])
}

func compactLen(t *testing.T, v any) int {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return len(b)
}
