package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	root := newRootCmd(&out)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

func TestValidateExample(t *testing.T) {
	out, err := run(t, "validate", "--example")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"iamstack.yaml is valid: 3 accounts, 3 stacks, 6 users, 2 CI/CD users",
		"alice.martin [PowerG]  dev      AdminR (user), OpsR (team platform), ReadR (team platform)",
		"dev      skipped: BillingR is switched off there (team finance)",
		"ci-prod     prod     DeployR",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestValidateJSON(t *testing.T) {
	out, err := run(t, "validate", "--example", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var r grantReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(r.Users) != 6 || r.Users[0].Name != "alice.martin" || len(r.Users[0].Grants) != 6 {
		t.Errorf("report %+v", r.Users)
	}
	checkKeyStyle(t, out)

	// A bad model in JSON: the problems as data, in the same key style.
	file := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(file, []byte("apiVersion: iamstack/v1\nregion: eu-west-9\naccounts: []\n"), 0o644)
	out, err = run(t, "validate", "--format", "json", "--model", file)
	var problems struct {
		Valid    bool
		Problems []map[string]any
	}
	if err == nil || json.Unmarshal([]byte(out), &problems) != nil || problems.Valid || len(problems.Problems) != 2 {
		t.Fatalf("a bad model in JSON: %v\n%s", err, out)
	}
	checkKeyStyle(t, out)
}

// checkKeyStyle fails on a JSON key that does not start lower-case.
func checkKeyStyle(t *testing.T, out string) {
	t.Helper()
	for _, m := range regexp.MustCompile(`"([^"]+)":`).FindAllStringSubmatch(out, -1) {
		if k := m[1]; k[0] < 'a' || k[0] > 'z' {
			t.Errorf("JSON key %q is not in the lower camel case of the others", k)
		}
	}
}

func TestValidateBadModel(t *testing.T) {
	file := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(file, []byte("apiVersion: iamstack/v1\nregion: eu-west-1\naccounts: []\n"), 0o644)
	_, err := run(t, "validate", "--model", file)
	if err == nil || !strings.Contains(err.Error(), file+":3: accounts: no accounts") {
		t.Errorf("error %v", err)
	}
	if _, err := run(t, "validate", "--format", "yaml"); err == nil {
		t.Error("--format yaml accepted")
	}
}
