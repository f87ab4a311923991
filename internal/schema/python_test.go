//go:build integration

package schema_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Editors judge a model by the schema as the loader does: the example
// passes, a misspelled key and a misspelled rule ID do not. The validator is
// the jsonschema package that cfn-lint brings.
func TestSchemaJudgesLikeTheLoader(t *testing.T) {
	if _, err := exec.LookPath("cfn-lint"); err != nil {
		t.Fatal("needs Python's jsonschema and yaml packages, which cfn-lint installs: pip install cfn-lint (README)")
	}
	script := `
import json, sys, yaml, jsonschema
schema = json.load(open(sys.argv[1]))
for path in sys.argv[2:]:
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(yaml.safe_load(open(path))))
    print(path, "valid" if not errors else "invalid: " + errors[0].message)
`
	dir := t.TempDir()
	bad := map[string]string{
		"typo.yaml":   "apiVersion: iamstack/v1\nregoin: eu-west-1\naccounts: []\n",
		"waiver.yaml": "apiVersion: iamstack/v1\nregion: eu-west-1\naccounts: []\nroles:\n  X:\n    waivers: {IAMSTACK-PRINCIPAL-STRA: some reason here}\n",
		"region.yaml": "apiVersion: iamstack/v1\nregion: eu-west-9\naccounts: []\n",
	}
	args := []string{"-c", script, "../../iamstack.schema.json", "../../iamstack.yaml"}
	for name, body := range bad {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		args = append(args, p)
	}
	out, err := exec.Command("python3", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, out)
	}
	lines := bytes.Split(bytes.TrimSpace(out), []byte("\n"))
	if len(lines) != 4 || !bytes.HasSuffix(lines[0], []byte(" valid")) {
		t.Fatalf("the example against the schema:\n%s", out)
	}
	for _, l := range lines[1:] {
		if !bytes.Contains(l, []byte(" invalid: ")) {
			t.Errorf("the schema accepts what the loader refuses: %s", l)
		}
	}
}
